"""Funnel semantics on tiny hand-built histories, planted truths on the demo, and end to end."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from statsmodels.stats.multitest import multipletests

from salesnb import funnel as fn
from salesnb.config import REPO_ROOT
from salesnb.data import from_frames, load_data
from salesnb.metrics import Window
from salesnb.params import Params, StageConfig, load_params
from salesnb.runner import run

STAGES = StageConfig(order=["A", "B", "C", "Won"], won="Won", lost="Lost")
JAN_MAR = Window("2025-Q1", date(2025, 1, 1), date(2025, 3, 31))


def day(d: int) -> pd.Timestamp:
    return pd.Timestamp(2025, 1, d)


HISTORY = [
    ("d1", "A", 1),
    ("d1", "B", 5),
    ("d1", "C", 10),
    ("d1", "Won", 20),  # straight through
    ("d2", "A", 1),
    ("d2", "C", 4),
    ("d2", "Lost", 8),  # skips B, lost at C
    ("d3", "B", 2),
    ("d3", "Lost", 3),  # history starts late, at B
    ("d4", "A", 1),
    ("d4", "B", 3),
    ("d4", "A", 6),
    ("d4", "B", 9),  # backward move, re-entries, open
    ("d5", "A", 1),
    ("d5", "Lost", 2),
    ("d5", "B", 5),  # lost, reopened, open
    ("d6", "A", 1),  # open at the first stage
]
DEALS = pd.DataFrame(
    {
        "deal_id": ["d1", "d2", "d3", "d4", "d5", "d6"],
        "rep_id": ["r1", "r1", "r2", "r2", "r1", "r2"],
        "created_at": [day(1)] * 6,
        "amount": [100.0, 50.0, 30.0, 20.0, 10.0, 5.0],
        "status": ["won", "lost", "lost", "open", "open", "open"],
        "closed_at": [day(20), day(8), day(3), pd.NaT, pd.NaT, pd.NaT],
    }
)


def crm(policy: str = "count_as_passed"):
    history = pd.DataFrame(HISTORY, columns=["deal_id", "stage", "day"])
    history["entered_at"] = history.pop("day").map(day)
    stages = STAGES.model_copy(update={"skipped": policy})
    params = Params.model_validate(
        {
            "client": "t",
            "period": "2025-Q1",
            "stages": stages.model_dump(),
            "data": {"tables": {"deals": {"file": "x"}}},
        }
    )
    return from_frames(params, {"deals": DEALS, "stage_history": history}), stages


def test_funnel_counts_with_skips_counted_as_passed():
    data, stages = crm()
    facts = fn.deal_facts(data, stages=stages, policy="count_as_passed")
    table = fn.funnel_table(facts, JAN_MAR, stages=stages).set_index("stage")
    assert table["reached"].tolist() == [6, 5, 2, 1]  # d3 entered late at B, d2 skipped B: both count as passing
    assert table["next_step"].iloc[:3].tolist() == pytest.approx([5 / 6, 2 / 5, 1 / 2])
    assert table["cumulative"].tolist() == pytest.approx([1, 5 / 6, 2 / 6, 1 / 6])
    assert table.loc["B", "lost_here"] == 1 and table.loc["C", "lost_here"] == 1
    assert table.loc["B", "open_here"] == 2 and table.loc["A", "open_here"] == 1
    assert table.loc["A", "drop_off"] == 1 and table.loc["A", "drop_amount"] == pytest.approx(5.0)
    low, high = table.loc["A", ["next_low", "next_high"]]
    ref = stats.binomtest(5, 6).proportion_ci(method="wilson")
    assert (low, high) == pytest.approx((ref.low, ref.high))


def test_funnel_counts_as_recorded():
    data, stages = crm("as_recorded")
    facts = fn.deal_facts(data, stages=stages, policy="as_recorded")
    table = fn.funnel_table(facts, JAN_MAR, stages=stages)
    assert table["reached"].tolist() == [5, 4, 2, 1]


def test_period_mode_counts_stage_entries_in_the_window():
    data, stages = crm()
    facts = fn.deal_facts(data, stages=stages, policy="count_as_passed")
    early = Window("first week", date(2025, 1, 1), date(2025, 1, 7))
    table = fn.funnel_table(facts, early, stages=stages, mode="period")
    # A: every deal but d3 has its first A entry on 1 Jan; d3's implied A entry is its B entry (2 Jan).
    # B: d3 (2 Jan), d4 (3 Jan), d2 (implied by C on 4 Jan), d5 (5 Jan); d1 enters B on 5 Jan too.
    assert table["reached"].tolist() == [6, 5, 1, 0]


def test_time_in_stage_first_entry_and_cumulative():
    data, stages = crm()
    times = fn.time_in_stage(data, stages=stages).set_index("stage")
    # A: d1 4 days, d2 3, d4 2, d5 1 (to its Lost); B: d1 5, d3 1; C: d1 10, d2 4.
    assert times.loc["A", "deals"] == 4 and times.loc["A", "p50"] == pytest.approx(2.5)
    assert times.loc["B", "p50"] == pytest.approx(3.0) and times.loc["C", "p50"] == pytest.approx(7.0)
    assert times.loc["A", "p90"] == pytest.approx(np.quantile([4, 3, 2, 1], 0.9))
    # Cumulative over visits: d4 spent 2 + 3 days in A over two visits.
    assert times.loc["A", "cum_p50"] == pytest.approx(np.median([4, 3, 5, 1]))
    assert times.loc["B", "cum_p50"] == pytest.approx(np.median([5, 1, 3]))


def test_moves_counted():
    from salesnb.stages import move_counts

    data, stages = crm()
    moves = move_counts(data.stage_history, stages=stages).set_index("move")["deals"]
    assert (moves["skip"], moves["backward"], moves["reopen"], moves["late_entry"]) == (1, 1, 1, 1)


def test_stuck_deal_uses_p90_of_stage_exit_times():
    data, stages = crm()
    stuck, thresholds = fn.stuck_deals(data, stages=stages, as_of=date(2025, 1, 12), quantile=0.9)
    limits = thresholds.set_index("stage")["threshold"]
    assert limits["A"] == pytest.approx(np.quantile([4, 3, 2, 1], 0.9))
    assert limits["B"] == pytest.approx(np.quantile([5, 1], 0.9))
    # d4 re-entered B on 9 Jan (3 days < 4.6), d5 in B since 5 Jan (7 days), d6 in A since 1 Jan (11 days).
    assert sorted(stuck["deal_id"]) == ["d5", "d6"]
    assert stuck.set_index("deal_id").loc["d6", "days_in_stage"] == 11


def test_group_comparison_matches_scipy_and_holm():
    frame = pd.DataFrame(
        {
            "team": ["x", "y", "z", "x", "y", "z"],
            "stage": ["A", "A", "A", "B", "B", "B"],
            "reached": [200, 200, 10, 100, 100, 5],
            "next_reached": [100, 140, 5, 50, 52, 2],
        }
    )
    frame["next_step"] = frame["next_reached"] / frame["reached"]
    out = fn.compare_groups(frame, "team", min_deals=20)
    assert out.loc[out["team"] == "z", "small"].all() and out.loc[out["team"] == "z", "p"].isna().all()
    x_a = out[(out["team"] == "x") & (out["stage"] == "A")].iloc[0]
    table = np.array([[100, 100], [145, 65]])
    assert x_a["p"] == pytest.approx(stats.chi2_contingency(table, correction=False)[1])
    tested = out["p"].notna()
    assert out.loc[tested, "p_adjusted"].tolist() == pytest.approx(
        multipletests(out.loc[tested, "p"], method="holm")[1]
    )
    assert x_a["significant"] and x_a["direction"] == "lower"


def test_no_history_funnel_from_current_stage(maven_dir):
    data = load_data(load_params(REPO_ROOT / "params" / "maven.yaml"))
    report = fn.analyse_funnel(data)
    assert not report.has_history and report.mode == "snapshot"
    assert report.funnel["reached"].tolist() == [8800, 8300, 4238]  # lost deals assumed to have reached Engaging
    assert report.times is None
    assert report.thresholds["stage"].tolist() == ["(created → closed)"]


@pytest.fixture(scope="module")
def demo_funnel(demo20k_dir):
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(demo20k_dir)
    path = demo20k_dir / "funnel-params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    truth = json.loads((demo20k_dir / "ground_truth.json").read_text(encoding="utf-8"))
    return fn.analyse_funnel(load_data(load_params(path))), truth, demo20k_dir


def test_demo_bottleneck_is_the_planted_one(demo_funnel):
    report, truth, _ = demo_funnel
    planted = truth["bottleneck"]
    top = report.bottlenecks.iloc[0]
    assert (top["group"], top["stage"], top["next_stage"]) == (
        planted["team"],
        planted["from_stage"],
        planted["to_stage"],
    )
    assert top["conversion"] == pytest.approx(planted["planted_conversion"], abs=0.06)
    gain = top["reached"] * top["gap"] * top["downstream_win_rate"] * top["deal_size"] * 3 / 12
    assert top["gain_per_period"] == pytest.approx(gain)
    first = report.findings("en", "CNY")[0]
    assert f"{planted['from_stage']} → {planted['to_stage']} in team {planted['team']}" in first


def test_demo_stuck_deals_recall_and_precision(demo_funnel):
    """Planted: open stalled deals still in the stage they stall in (4–12× its usual time).

    Measured on seed 7: recall 63 % (29 of 46 — the rest entered their stage too recently to
    be past p90 yet), precision 59 % (p90 also lets the slowest ~10 % of normal deals through),
    against a 6 % share of stalled deals among open deals.
    """
    report, truth, folder = demo_funnel
    deals = pd.read_csv(folder / "deals.csv", usecols=["deal_id", "stage"])
    stalled = pd.DataFrame(truth["stalled_deals"]["open_deals"]).merge(deals, on="deal_id")
    planted = set(stalled.loc[stalled["stage"] == stalled["stalled_stage"], "deal_id"])
    found = set(report.stuck["deal_id"])
    recall = len(planted & found) / len(planted)
    precision = len(planted & found) / len(found)
    assert recall >= 0.55, recall
    assert precision >= 0.5, precision


def test_funnel_report_end_to_end(tmp_path, demo_dir, maven_dir):
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(demo_dir)
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    for params_file in (path, REPO_ROOT / "params" / "maven.yaml"):
        result = run(params_file, only=["funnel"], output_root=tmp_path / "out", progress=lambda _: None)
        assert result.ok, result.results
        out = result.output_dir
        page = (out / "03_funnel.html").read_text(encoding="utf-8")
        findings = page[page.index('class="snb-findings"') :]
        assert findings.index("<li>") == findings.index("<li>The biggest bottleneck is")
        for heading in (
            "Sales funnel",
            "Funnel",
            "Bottleneck ranking",
            "Stuck deals",
            "Cohort funnel by creation month",
            "Sales velocity",
            "Differences between groups",
        ):
            assert f">{heading}<" in page
        stuck = pd.read_csv(out / "03_stuck_deals.csv")
        assert len(stuck) > 0 and (stuck["days_in_stage"] > stuck["threshold"]).all()
    assert "Skipped: no stage history, so time per stage cannot be known" in page
