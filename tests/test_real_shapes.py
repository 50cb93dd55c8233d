"""Data shaped like real exports: unowned leads, undated deals, and valid data that used to crash a report.

The analyses run on small seeded frames (:func:`crm_frames`) served with ``from_frames``; a few
end-to-end renders check that a report prints a plain sentence where it cannot compute a section.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from salesnb import schema
from salesnb.analysis import audit as au
from salesnb.analysis import diagnosis as dx
from salesnb.analysis import diagnosis_text as dt
from salesnb.analysis import forecast as fc
from salesnb.analysis import funnel as fn
from salesnb.analysis import funnel_text as fx
from salesnb.analysis import metrics
from salesnb.analysis import targets as tg
from salesnb.analysis import targets_text as tx
from salesnb.analysis.casestudy import design, run_case_study
from salesnb.data import from_frames
from salesnb.data.dataset import LoadReport, TableAccount
from salesnb.params import Params

# Module fixtures here are expensive (loads or renders): keep this file on one xdist worker, run together,
# so each fixture is set up once.
pytestmark = pytest.mark.xdist_group("real-shapes")

STAGES = ["Lead", "Qualified", "Proposal", "Won"]
REPS = [f"R{i:02d}" for i in range(1, 9)]
SNAPSHOT = pd.Timestamp("2025-12-31")
PARAMS = {
    "client": "shapes",
    "period": "2025-Q4",
    "stages": {"order": STAGES, "won": "Won", "lost": "Lost"},
    "data": {"tables": {"deals": {"file": "x"}}},
    "reports": {
        "diagnosis": {"scorecard_window": "trailing_12_months", "min_closed_deals": 20},
        "targets": {"as_of": "2025-11-20", "holidays_country": "CN"},
        "case_study": {"name": "pilot", "date": "2025-01-01", "treated_reps": ["R01", "R02", "R05", "R06"]},
        "funnel": {"as_of": "2025-12-31"},
    },
}


def params(**changes) -> Params:
    raw = yaml.safe_load(yaml.safe_dump(PARAMS))
    raw.update(changes)
    return Params.model_validate(raw)


def draw_deals(
    rng: np.random.Generator, n: int, *, owners: list[str | None], prefix: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` deals created 2024-01 … 2025-12 with their stage history: each stage passed with 70 %,
    a few days to weeks per stage; still open when the next step would fall after the snapshot."""
    created = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    deals, history = [], []
    for i in range(n):
        deal_id = f"{prefix}{i:05d}"
        rep = owners[i % len(owners)]
        when = created[i]
        status, closed, stage = schema.OPEN, pd.NaT, STAGES[0]
        history.append((deal_id, STAGES[0], when))
        for k in range(1, len(STAGES)):
            when = when + pd.Timedelta(days=int(rng.integers(3, 30)))
            if when > SNAPSHOT:
                break
            if rng.random() > (0.75 if rep in ("R01", "R02") else 0.6):
                status, closed = schema.LOST, when
                history.append((deal_id, "Lost", when))
                break
            stage = STAGES[k]
            history.append((deal_id, stage, when))
            if stage == "Won":
                status, closed = schema.WON, when
        deals.append(
            (
                deal_id,
                rep,
                created[i],
                float(round(rng.lognormal(9, 0.6), 2)),
                status,
                closed,
                stage,
                f"A{rng.integers(0, 150):03d}",
                ["SMB", "Enterprise"][i % 2],
            )
        )
    columns = ["deal_id", "rep_id", "created_at", "amount", "status", "closed_at", "stage", "account_id", "segment"]
    return (
        pd.DataFrame(deals, columns=columns),
        pd.DataFrame(history, columns=["deal_id", "stage", "entered_at"]),
    )


def crm_frames(seed: int = 3, n: int = 800) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    deals, history = draw_deals(rng, n, owners=REPS, prefix="D")
    reps = pd.DataFrame(
        {
            "rep_id": REPS,
            "name": [f"Rep {r}" for r in REPS],
            "team": ["T1"] * 4 + ["T2"] * 4,
            "hired_at": pd.to_datetime(["2022-01-01"] * 8),
        }
    )
    months = pd.date_range("2024-01-01", "2025-12-01", freq="MS")
    activities = pd.DataFrame(
        [(rep, month + pd.Timedelta(days=int(d)), "call") for rep in REPS for month in months for d in range(0, 28, 7)],
        columns=["rep_id", "occurred_at", "type"],
    )
    return {"reps": reps, "deals": deals, "stage_history": history, "activities": activities}


def with_unassigned(frames: dict[str, pd.DataFrame], share: float = 0.3, seed: int = 99) -> dict[str, pd.DataFrame]:
    """The frames plus ``share`` × as many deals again without an owner (rep_id NULL), with their history."""
    extra, history = draw_deals(
        np.random.default_rng(seed), int(len(frames["deals"]) * share), owners=[None], prefix="U"
    )
    return {
        **frames,
        "deals": pd.concat([frames["deals"], extra], ignore_index=True),
        "stage_history": pd.concat([frames["stage_history"], history], ignore_index=True),
    }


@pytest.fixture(scope="module")
def both():
    """The same company without and with 30 % extra unowned deals."""
    base = crm_frames()
    extended = with_unassigned(base)
    extra = extended["deals"][extended["deals"]["rep_id"].isna()]
    return from_frames(params(), base), from_frames(params(), extended), extra


def in_window(column: pd.Series, window: metrics.Window) -> pd.Series:
    return (column >= pd.Timestamp(window.start)) & (column < pd.Timestamp(window.end_exclusive))


# --- unowned leads ------------------------------------------------------------------------------------------


def test_unowned_deals_change_no_rep_figure_and_add_exactly_to_team_totals(both):
    base, extended, extra = both
    da, db = dx.diagnose(base), dx.diagnose(extended)
    # every rep's row, the win-rate decision, ranks and actions are the same with or without them
    pd.testing.assert_frame_equal(da.scorecard.summary, db.scorecard.summary)
    assert da.scorecard.homogeneity_p == db.scorecard.homogeneity_p < 0.05  # reps differ: ranks and standouts exist
    assert len(db.scorecard.standouts) and "win_rate_rank" in db.scorecard.summary
    pd.testing.assert_frame_equal(da.strengths, db.strengths)
    pd.testing.assert_frame_equal(da.actions, db.actions)
    assert schema.UNASSIGNED not in set(db.scorecard.summary["rep_id"])
    assert not db.actions["reps"].str.contains(schema.UNASSIGNED).any()
    # the team totals grow by exactly those deals
    window = db.windows["current"]
    won = extra[(extra["status"] == schema.WON) & in_window(extra["closed_at"], window)]
    created = extra[in_window(extra["created_at"], window)]
    assert len(won) > 0 and len(created) > 0
    ka, kb = da.kpis.set_index("kpi")["current"], db.kpis.set_index("kpi")["current"]
    assert kb["revenue"] - ka["revenue"] == pytest.approx(won["amount"].sum())
    assert kb["won"] - ka["won"] == len(won)
    assert kb["deals_created"] - ka["deals_created"] == len(created)
    # shown once, as their own row beside the reps and the teams
    year = dx.scorecard_window(params().reports.diagnosis, db.windows)  # the scorecard's trailing 12 months
    year_closed = extra[extra["status"].isin(schema.CLOSED_STATUSES) & in_window(extra["closed_at"], year)]
    bucket = db.scorecard.unassigned.iloc[0]
    assert bucket["rep_id"] == schema.UNASSIGNED and bucket["closed"] == len(year_closed)
    assert bucket["won"] == year_closed["status"].eq(schema.WON).sum()
    assert bucket["deals_created"] == in_window(extra["created_at"], year).sum()
    team = db.team_breakdown.set_index("team")
    assert team.loc[schema.UNASSIGNED, "revenue"] == pytest.approx(won["amount"].sum())
    assert team.drop(index=schema.UNASSIGNED)["won"].tolist() == da.team_breakdown.set_index("team")["won"].tolist()
    view = dt.scorecard_view(db.scorecard.with_unassigned, "en")
    assert view["rep"].iloc[-1] == schema.UNASSIGNED and pd.isna(view["revenue_rank"].iloc[-1])
    assert view["note"].iloc[-1].startswith("no owner; not ranked")
    notes = dict(dt.kpi_notes(db, "en"))
    assert notes["diag.unassigned_note"] == {"count": f"{len(extra)}", "deals": "1,040", "share": "23%"}


def test_unowned_deals_are_in_the_funnel_but_in_no_rep_test(both):
    base, extended, extra = both
    fa, fb = fn.analyse_funnel(base), fn.analyse_funnel(extended)
    pd.testing.assert_frame_equal(fa.tests["rep_id"], fb.tests["rep_id"])
    pd.testing.assert_frame_equal(fa.tests["team"], fb.tests["team"])
    in_funnel = extra[in_window(extra["created_at"], fb.window)]
    assert fb.funnel["reached"].iloc[0] - fa.funnel["reached"].iloc[0] == len(in_funnel)
    by_rep = fb.by_group["rep_id"]
    bucket = by_rep[by_rep["rep_id"] == schema.UNASSIGNED].set_index("stage")
    assert bucket.loc["Lead", "reached"] == len(in_funnel)
    assert schema.UNASSIGNED in set(fb.by_group["team"]["team"])
    assert schema.UNASSIGNED not in set(fb.tests["rep_id"]["rep_id"]) | set(fb.tests["team"]["team"])
    assert set(fb.bottlenecks["group"]) == set(fa.bottlenecks["group"])  # all teams and each team, no bucket


def test_unowned_deals_get_no_target_and_no_control_role(both):
    base, extended, extra = both
    ta, tb = tg.plan_targets(base), tg.plan_targets(extended)
    assert tb.split["rep_id"].tolist() == ta.split["rep_id"].tolist() == REPS
    assert tb.split["target"].sum() == tb.team_target
    # the team's history includes them: each month grows by exactly their won revenue
    won = extra[extra["status"] == schema.WON]
    by_month = won.groupby(won["closed_at"].dt.to_period("M").dt.to_timestamp())["amount"].sum()
    grown = (tb.series - ta.series).loc[lambda s: s.abs() > 1e-6]
    pd.testing.assert_series_equal(grown, by_month.reindex(grown.index), check_names=False, check_freq=False)
    # reps keep their relative shares; the report says where the extra target comes from
    np.testing.assert_allclose(tb.split["share"], ta.split["share"], atol=1e-4)
    assert ta.unassigned_share == 0 and 0 < tb.unassigned_share < 1
    assert "came from deals without an owner" in " ".join(tb.findings("en", "CNY"))
    ca, cb = run_case_study(base), run_case_study(extended)
    assert cb.design == ca.design and None not in cb.design.control_reps
    pd.testing.assert_frame_equal(ca.table, cb.table)


def test_unowned_deals_without_a_reps_table_are_no_control_either():
    frames = with_unassigned(crm_frames(n=300))
    frames.pop("reps")
    d = design(from_frames(params(), frames), params().reports.case_study)
    assert d.treated_reps == ("R01", "R02", "R05", "R06")
    assert d.control_reps == ("R03", "R04", "R07", "R08") and not d.control_without_deals


def test_an_export_where_no_lead_has_an_owner():
    frames = crm_frames(n=300)
    deals = frames["deals"].assign(rep_id=pd.Series([None] * len(frames["deals"]), dtype="string"))
    data = from_frames(params(), {"deals": deals, "stage_history": frames["stage_history"]})
    diag = dx.diagnose(data)
    assert diag.scorecard.summary.empty and diag.scorecard.unassigned["rep_id"].tolist() == [schema.UNASSIGNED]
    assert "No rep has a deal created or closed in the scorecard window" in " ".join(diag.findings("en", "CNY"))
    plan = tg.plan_targets(data)
    assert plan.feasible and plan.split.empty and tx.skip_key(plan) == "tgt.skip.no_reps"
    assert plan.unassigned_share == 1.0
    assert run_case_study(data).design.control_reps == ()
    assert audited(data).findings("en")[0].startswith("100% of deals (300 of 300) have no owner")


def audited(data) -> au.DataAudit:
    """The audit of ``data`` as if it had been loaded: every deal read and used."""
    rows = int(data.deals.count().execute())
    account = TableAccount("deals", "deals.csv", (), rows, rows, (), (), {}, (), (), ())
    data.report = LoadReport({"deals": account}, {}, "frames", "")
    return au.data_audit(data)


def test_audit_states_the_unowned_share_first_and_conversion_over_all_leads():
    frames = with_unassigned(crm_frames(n=300), share=0.7)
    deals = frames["deals"]
    audit = audited(from_frames(params(), frames))
    findings = audit.findings("en")
    owner_less = deals["rep_id"].isna()
    share = f"{owner_less.mean() * 100:.0f}%"
    won = int(deals.loc[owner_less, "status"].eq(schema.WON).sum())
    assert findings[0] == (
        f"{share} of deals ({owner_less.sum()} of {len(deals)}) have no owner; they count in team totals and "
        f"conversion but not in any rep's figures ({won} of them won)."
    )
    assert audit.conversion == pytest.approx(deals["status"].eq(schema.WON).sum() / len(deals))
    assert f"conversion {audit.conversion * 100:.1f}% (won / all {len(deals)} deals)" in findings[2]
    last = audit.reps.iloc[-1]
    assert last["rep_id"] == schema.UNASSIGNED and last["deals"] == owner_less.sum() and pd.isna(last["in_reps_table"])
    assert au.reps_without_deals(audit) == []
    assert "没有负责人" in audit.findings("zh")[0]


# --- deals a date-based figure cannot place -------------------------------------------------------------------


def undated_frames() -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """The company with every third lost deal closed without a date (and no Lost row in its history),
    and every fifth won deal without a created date; returns the frames and the two sets of deals."""
    frames = crm_frames(n=400)
    deals = frames["deals"].copy()
    lost = deals.index[deals["status"] == schema.LOST][::3]
    won = deals.index[deals["status"] == schema.WON][::5]
    deals.loc[lost, "closed_at"] = pd.NaT
    deals.loc[won, "created_at"] = pd.NaT
    history = frames["stage_history"]
    undated_lost = history["deal_id"].isin(deals.loc[lost, "deal_id"]) & (history["stage"] == "Lost")
    return {**frames, "deals": deals, "stage_history": history[~undated_lost]}, deals.loc[lost], deals.loc[won]


def test_lost_deals_without_close_date_count_in_conversion_not_in_cycle_times():
    frames, lost, _ = undated_frames()
    deals = frames["deals"]
    data = from_frames(params(), frames)
    audit = audited(data)
    assert audit.conversion == pytest.approx(deals["status"].eq(schema.WON).sum() / len(deals))
    diag = dx.diagnose(data)
    notes = dict(dt.kpi_notes(diag, "en"))
    assert notes["diag.lost_undated"] == {"count": str(len(lost))}
    fun = fn.analyse_funnel(data)
    assert fx.to_close_note(fun)["lost"] == str(len(lost))
    dated = deals[deals["closed_at"].notna() & deals["created_at"].notna()]
    dated = dated[in_window(dated["closed_at"], fun.window)]
    assert fun.to_close.set_index("status")["deals"].to_dict() == dated["status"].value_counts().to_dict()
    # in the funnel they are resolved: lost where they stopped
    created = deals[in_window(deals["created_at"], fun.window)]
    assert fun.funnel["lost_here"].sum() == created["status"].eq(schema.LOST).sum()


def test_deals_without_created_date_are_left_out_of_windows_by_creation_and_of_cycle_times():
    frames, _, won = undated_frames()
    deals = frames["deals"]
    diag = dx.diagnose(from_frames(params(), frames))
    window = diag.windows["current"]
    in_period = won[in_window(won["closed_at"], window)]
    assert len(in_period) > 0
    notes = dict(dt.kpi_notes(diag, "en"))
    assert notes["diag.cycle_undated"] == {"count": str(len(in_period)), "period": "2025-Q4"}
    assert notes["diag.undated_many"] == {"count": str(len(won))}  # deals created and pipeline are not compared
    kpis = diag.kpis.set_index("kpi")["current"]
    assert kpis["deals_created"] == in_window(deals["created_at"], window).sum()
    closed = deals[(deals["status"] == schema.WON) & in_window(deals["closed_at"], window)]
    cycle = (closed["closed_at"] - closed["created_at"]).dt.days
    assert kpis["median_cycle_days"] == pytest.approx(cycle.dropna().median())
    assert kpis["won"] == len(closed)  # still counted as won revenue


# --- valid data that used to crash a report ---------------------------------------------------------------------


def surveys_with_gaps() -> pd.DataFrame:
    """Two surveys a month over 2024-01 … 2025-12, none in 2024-07, 2025-02 and 2025-03."""
    months = [
        m
        for m in pd.date_range("2024-01-01", "2025-12-01", freq="MS")
        if m.strftime("%Y-%m") not in ("2024-07", "2025-02", "2025-03")
    ]
    rows = [
        (m + pd.Timedelta(days=d), 70.0 + (i % 7), REPS[i % 8], 100.0) for i, m in enumerate(months) for d in (3, 17)
    ]
    return pd.DataFrame(rows, columns=["surveyed_at", "score", "rep_id", "scale"])


def test_months_without_any_survey_still_forecast_csat():
    series = pd.Series(
        [80.0, 82, 81, 83, 79, 84, 85, 86],
        index=pd.to_datetime(
            [
                "2024-01-01",
                "2024-02-01",
                "2024-04-01",
                "2024-05-01",
                "2024-06-01",
                "2024-09-01",
                "2024-10-01",
                "2024-11-01",
            ]
        ),
    )
    assert np.isfinite(fc.exponential_smoothing(series, 3, seasonal=False)).all()
    long = pd.Series(80.0, index=pd.date_range("2022-01-01", periods=30, freq="MS")).drop(pd.Timestamp("2023-03-01"))
    assert not fc.seasonal_family([long])  # a month-of-year pattern is not read off a series with a gap
    data = from_frames(params(), {**crm_frames(n=300), "surveys": surveys_with_gaps()})
    plan = tg.plan_targets(data)
    assert plan.series.isna().sum() == 0 and "csat" in set(plan.other_metrics["metric"])
    csat = plan.other_metrics.set_index("metric").loc["csat"]
    assert 70 <= csat["forecast"] <= 77 and csat["target"] == pytest.approx(csat["forecast"] + 2)


def all_open(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    deals = frames["deals"].assign(status=schema.OPEN, closed_at=pd.NaT)
    deals["stage"] = deals["stage"].replace({"Won": "Proposal"})
    history = frames["stage_history"]
    return {**frames, "deals": deals, "stage_history": history[~history["stage"].isin(["Won", "Lost"])]}


def test_all_deals_open_gives_plain_sentences_not_zeros():
    data = from_frames(params(), all_open(crm_frames(n=300)))
    diag = dx.diagnose(data)
    assert not diag.has_period_data and diag.trend.empty and diag.actions.empty  # nobody coached for "0 revenue"
    assert diag.findings("en", "CNY")[0] == (
        "No deal in the data has been won or lost yet, so 2025-Q4 has no revenue, win rate, deal size or cycle "
        "time to report."
    )
    assert diag.kpis.set_index("kpi").loc[["revenue", "won", "win_rate"], "current"].isna().all()
    plan = tg.plan_targets(data)
    assert not plan.feasible and plan.findings("en", "CNY") == [
        "The data holds no revenue history up to the end of the report period, so no forecast or target is proposed."
    ]
    fun = fn.analyse_funnel(data)
    assert fun.has_deals and fun.to_close.empty
    assert any(f.startswith("All ") and "are still open" in f for f in fun.findings("en", "CNY"))


@pytest.mark.parametrize(
    ("period", "gap"),
    [("2021-Q1", "before_data"), ("2027-Q1", "after_data")],
)
def test_a_period_outside_the_data_says_so(period, gap):
    frames = crm_frames(n=300)
    data = from_frames(params(period=period), frames)
    deals = frames["deals"]
    first, last = deals["created_at"].min(), max(deals["created_at"].max(), deals["closed_at"].max())
    diag = dx.diagnose(data)
    assert not diag.has_period_data
    assert diag.findings("en", "CNY")[0] == (
        f"There is no data for {period}: the deals run from {first:%Y-%m-%d} to {last:%Y-%m-%d}, so the period's "
        "figures are left empty; choose a period inside that range."
    )
    assert not any("CNY 0" in f for f in diag.findings("en", "CNY"))
    plan = tg.plan_targets(data)
    assert plan.gap == gap and not plan.feasible
    assert plan.findings("en", "CNY")[0].startswith(
        "There is no sales history before" if gap == "before_data" else f"The data ends on {last:%Y-%m-%d}"
    )
    fun = fn.analyse_funnel(data)
    assert not fun.has_deals
    assert fun.findings("en", "CNY")[0].startswith(f"No deal falls in the funnel's window {fun.window.label}")


def test_a_single_rep_and_a_single_stage_besides_won():
    frames = crm_frames(n=300)
    deals = frames["deals"].assign(rep_id="R01")
    deals["stage"] = deals["stage"].replace({"Qualified": "Open", "Lead": "Open", "Proposal": "Open"})
    frames = {"deals": deals, "reps": frames["reps"].iloc[:1]}
    data = from_frames(params(stages={"order": ["Open", "Won"], "won": "Won", "lost": "Lost"}), frames)
    diag = dx.diagnose(data)
    assert diag.scorecard.summary["rep_id"].tolist() == ["R01"] and diag.strength_words.empty
    assert dt.archetype_skip_reason(diag) == "diag.skip.activities"
    plan = tg.plan_targets(data)
    assert plan.split["target"].tolist() == [plan.team_target]
    assert plan.rep_model["share"].tolist() == pytest.approx([1.0])
    fun = fn.analyse_funnel(data)
    assert fun.funnel["stage"].tolist() == ["Open", "Won"]
    created = deals[in_window(deals["created_at"], fun.window)]
    assert fun.funnel["reached"].tolist() == [len(created), created["status"].eq(schema.WON).sum()]
    study = run_case_study(data)
    assert study.design.control_reps == () and set(study.effects["method"]) == {"its"}
    assert len(study.findings("en", "CNY")) > 1


# --- end to end: the reports print a sentence where they cannot compute a section -----------------------------


def write_company(folder, frames: dict[str, pd.DataFrame], **changes):
    """The frames as CSV files under canonical names, and a params file for them (generic preset)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    raw = yaml.safe_load(yaml.safe_dump(PARAMS))
    raw["data"] = {"source": "files", "preset": "generic", "base_dir": str(folder)}
    raw.update(changes)
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def rendered(result) -> dict[str, str]:
    """Each report's HTML text, after checking that no notebook failed or printed a traceback."""
    import nbformat

    assert result.ok, [r.error for r in result.results if not r.ok]
    pages = {}
    for r in result.results:
        nb = nbformat.read(r.executed, as_version=4)
        outputs = [o for c in nb.cells for o in c.get("outputs", [])]
        assert not [o for o in outputs if o.get("output_type") == "error"], r.stem
        assert not any("Traceback" in o.get("text", "") for o in outputs if o.get("name") == "stderr"), r.stem
        pages[r.report] = r.html.read_text(encoding="utf-8").replace("&#x27;", "'")
    return pages


def test_reports_render_when_every_deal_is_still_open(tmp_path):
    from salesnb.run.runner import run

    params_path = write_company(tmp_path / "open", all_open(crm_frames(n=300)))
    result = run(params_path, output_root=tmp_path / "out", jobs=2, progress=lambda _: None)
    pages = rendered(result)
    assert "0 won, 0 lost and 300 open deals: conversion 0.0% (won / all 300 deals)" in pages["audit"]
    assert "No deal in the data has been won or lost yet, so 2025-Q4 has no revenue" in pages["diagnosis"]
    assert "Skipped: no deal has been won or lost yet, so there is nothing to chart" in pages["diagnosis"]
    assert "CNY 0" not in pages["diagnosis"]
    assert "The data holds no revenue history up to the end of the report period" in pages["targets"]
    assert "Skipped: not enough history for a forecast" in pages["targets"]
    assert "No deal was won or lost in the funnel's window." in pages["funnel"]
    assert "Case study" in pages["case_study"]


def test_reports_render_for_a_period_after_the_data_with_dollar_signs_in_rep_names(tmp_path):
    from salesnb.run.runner import run

    frames = crm_frames(n=300)
    frames["reps"] = frames["reps"].assign(name=["Li $Wei$", "Wu $\\frac{$", *frames["reps"]["name"].iloc[2:]])
    deals = frames["deals"]
    first, last = deals["created_at"].min(), max(deals["created_at"].max(), deals["closed_at"].max())
    params_path = write_company(tmp_path / "after", frames, period="2027-Q1")
    result = run(
        params_path,
        output_root=tmp_path / "out",
        only=["diagnosis", "targets", "funnel"],
        jobs=2,
        progress=lambda _: None,
    )
    pages = rendered(result)
    assert f"There is no data for 2027-Q1: the deals run from {first:%Y-%m-%d} to {last:%Y-%m-%d}" in pages["diagnosis"]
    assert "CNY 0" not in pages["diagnosis"]
    assert f"The data ends on {last:%Y-%m-%d}, before the report period starts" in pages["targets"]
    assert "Skipped: the report period lies outside the data's dates, so no target is set" in pages["targets"]
    assert "No deal falls in the funnel's window 2026-04–2027-03" in pages["funnel"]
    assert "Skipped: no deal falls in the funnel's window 2026-04–2027-03" in pages["funnel"]
