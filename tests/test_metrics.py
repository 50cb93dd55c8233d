"""KPI definitions against hand-computed values on tiny frames."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from salesnb.analysis import metrics
from salesnb.analysis.metrics import Window
from salesnb.analysis.stats import BetaPrior, fit_beta_binomial, holm_adjust, rate_test_p, shrunk_rate, wilson_interval
from salesnb.data import from_frames
from salesnb.params import Params, StageConfig

STAGES = StageConfig(order=["Lead", "Won"], won="Won", lost="Lost")
Q1 = Window("2025-Q1", date(2025, 1, 1), date(2025, 3, 31))
Q2 = Window("2025-Q2", date(2025, 4, 1), date(2025, 6, 30))


def params(period="2025-Q1", fiscal_year_start=1) -> Params:
    return Params.model_validate(
        {
            "client": "t",
            "period": period,
            "fiscal_year_start": fiscal_year_start,
            "stages": STAGES.model_dump(),
            "data": {"tables": {"deals": {"file": "x.csv"}}},
        }
    )


def ts(text):
    return pd.Timestamp(text)


DEALS = pd.DataFrame(
    {
        "deal_id": ["1", "2", "3", "4", "5", "6", "7"],
        "rep_id": ["A", "A", "B", "B", "B", "A", "B"],
        "created_at": [
            ts("2025-01-01"),
            ts("2025-01-10"),
            ts("2025-02-01"),
            ts("2024-12-01"),
            ts("2025-03-01"),
            ts("2025-03-15"),
            ts("2025-01-05"),
        ],
        "closed_at": [
            ts("2025-01-31"),
            ts("2025-03-31 23:30"),
            ts("2025-02-11"),
            ts("2025-01-20"),
            ts("2025-04-01"),
            pd.NaT,
            ts("2025-02-01"),
        ],
        "amount": [100.0, 300.0, 50.0, 0.0, 999.0, 70.0, 40.0],
        "status": ["won", "won", "won", "lost", "won", "open", "lost"],
        "account_id": ["X", "Y", "X", "Z", "Z", None, "Y"],
    }
)


@pytest.fixture
def crm():
    return from_frames(params(), {"deals": DEALS})


def test_deal_kpis_window_boundaries_and_statuses(crm):
    k = metrics.deal_kpis(crm.deals, Q1).iloc[0]
    # Q1 closes: 1 (won 100, 30 d), 2 (won 300 on the last evening, 80.98 d), 3 (won 50, 10 d), 4 (lost), 7 (lost);
    # deal 5 closes on 1 April (Q2) and deal 6 is open.
    assert (k["won"], k["lost"], k["closed"]) == (3, 2, 5)
    assert k["revenue"] == 450.0
    assert k["win_rate"] == pytest.approx(3 / 5)
    assert k["avg_deal_size"] == pytest.approx(150.0)
    cycles = [30.0, (ts("2025-03-31 23:30") - ts("2025-01-10")).total_seconds() / 86400, 10.0]
    assert k["mean_cycle_days"] == pytest.approx(np.mean(cycles))
    assert k["median_cycle_days"] == pytest.approx(30.0)
    # created in Q1: 1, 2, 3, 5, 6, 7 (deal 4 was created in December)
    assert k["deals_created"] == 6 and k["pipeline_created"] == pytest.approx(100 + 300 + 50 + 999 + 70 + 40)
    q2 = metrics.deal_kpis(crm.deals, Q2).iloc[0]
    assert (q2["won"], q2["revenue"]) == (1, 999.0)


def test_deal_kpis_by_rep(crm):
    by_rep = metrics.deal_kpis(crm.deals, Q1, by="rep_id").set_index("rep_id")
    assert by_rep.loc["A", ["won", "lost", "revenue"]].tolist() == [2, 0, 400.0]
    assert by_rep.loc["B", ["won", "lost", "revenue"]].tolist() == [1, 2, 50.0]
    assert by_rep.loc["B", "win_rate"] == pytest.approx(1 / 3)


def test_wilson_interval_reference_values():
    # Reference: Wilson (1927) score interval, z = 1.959964; 8/10 -> (0.4902, 0.9433), 0/20 -> (0, 0.1611).
    low, high = wilson_interval([8, 0], [10, 20])
    assert low.round(4).tolist() == [0.4902, 0.0]
    assert high.round(4).tolist() == [0.9433, 0.1611]
    z, n, p = 1.959964, 10, 0.8
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    assert low[0] == pytest.approx(centre - half, abs=1e-6) and high[0] == pytest.approx(centre + half, abs=1e-6)
    assert np.isnan(wilson_interval([0], [0])[0][0])


def test_fiscal_year_comparison_windows():
    windows = metrics.comparison_windows(params("2025-Q1", fiscal_year_start=4))
    assert (windows["current"].start, windows["current"].end) == (date(2024, 4, 1), date(2024, 6, 30))
    assert (windows["previous"].label, windows["previous"].start, windows["previous"].end) == (
        "2024-Q4",
        date(2024, 1, 1),
        date(2024, 3, 31),
    )
    assert (windows["last_year"].label, windows["last_year"].start) == ("2024-Q1", date(2023, 4, 1))
    year = metrics.comparison_windows(params("FY2025", fiscal_year_start=4))
    assert year["previous"].label == "FY2024" and year["previous"].end == date(2024, 3, 31)
    month = metrics.comparison_windows(params("2025-03"))
    assert (month["previous"].label, month["last_year"].label) == ("2025-02", "2024-03")


def test_customers_new_retention_repeat(crm):
    # First wins: X on 2025-01-31 (deal 1), Y on 2025-03-31 (deal 2), Z on 2025-04-01 (deal 5).
    assert metrics.new_customers(crm.deals, Q1) == 2
    assert metrics.new_customers(crm.deals, Q2) == 1
    rate, kept, base = metrics.retention(crm.deals, Q2, Q1)
    assert (kept, base) == (0, 2) and rate == 0.0
    rate, repeat, buyers = metrics.repeat_purchase_rate(crm.deals, until=date(2025, 6, 30))
    assert (repeat, buyers) == (1, 3)  # X bought twice


def test_concentration_top_shares():
    accounts = pd.DataFrame({"account_id": list("abcdefghij"), "revenue": [50.0, 20, 10, 5, 5, 4, 3, 1, 1, 1]})
    out = metrics.concentration(accounts).set_index("top_share")
    assert out.loc[0.1, "accounts"] == 1 and out.loc[0.1, "revenue_share"] == pytest.approx(0.5)
    assert out.loc[0.2, "accounts"] == 2 and out.loc[0.2, "revenue_share"] == pytest.approx(0.7)


def test_rep_attrition_hand_computed():
    reps = pd.DataFrame(
        {
            "rep_id": ["A", "B", "C"],
            "hired_at": [ts("2020-01-01"), ts("2020-01-01"), ts("2025-07-01")],
            "left_at": [pd.NaT, ts("2025-04-10"), pd.NaT],
        }
    )
    year = metrics.window_from_text("2025")
    out = metrics.rep_attrition(reps, year)
    # A: 365 days, B: 1 Jan .. 10 Apr inclusive = 100 days, C: 1 Jul .. 31 Dec = 184 days
    assert out["leavers"] == 1
    assert out["average_headcount"] == pytest.approx((365 + 100 + 184) / 365)
    assert out["rate"] == pytest.approx(1 / ((365 + 100 + 184) / 365))


def test_revenue_targets_prefer_rep_rows():
    targets = pd.DataFrame(
        {
            "period_start": [ts("2025-01-01")] * 3 + [ts("2025-04-01")],
            "period_end": [ts("2025-03-31")] * 3 + [ts("2025-06-30")],
            "metric": ["revenue"] * 4,
            "value": [100.0, 50.0, 150.0, 999.0],
            "rep_id": ["A", "B", None, "A"],
            "team": ["T", "T", "T", "T"],
        }
    )
    crm = from_frames(params(), {"deals": DEALS, "targets": targets})
    assert metrics.revenue_targets(crm.table("targets"), Q1)["target"].iloc[0] == 150.0
    by_rep = metrics.revenue_targets(crm.table("targets"), Q1, by="rep_id").set_index("rep_id")["target"]
    assert by_rep.to_dict() == {"A": 100.0, "B": 50.0}


def test_shrinkage_pulls_small_samples_towards_the_prior():
    prior = BetaPrior(6, 14)  # mean 0.3, worth 20 deals
    shrunk = shrunk_rate([3, 30], [3, 100], prior)
    assert shrunk[0] == pytest.approx(9 / 23)  # 3/3 observed, pulled far towards 0.3
    assert shrunk[1] == pytest.approx(36 / 120)
    fitted = fit_beta_binomial([10, 30, 50, 70, 90], [100] * 5)
    assert 0.45 < fitted.mean < 0.55 and fitted.strength < 20  # real spread: weak prior
    same = fit_beta_binomial([30, 31, 29, 30, 30], [100] * 5)
    assert same.strength > 1000  # no spread beyond chance: strong prior


def test_monthly_trend_rolling(crm):
    trend = metrics.monthly_trend(crm.deals, rolling_months=2).set_index("month")
    assert trend.loc["2025-01-01", ["revenue", "won", "closed"]].tolist() == [100.0, 1, 2]
    assert trend.loc["2025-02-01", "win_rate_rolling"] == pytest.approx((1 + 1) / (2 + 2))
    assert trend.loc["2025-04-01", "revenue_rolling"] == pytest.approx((300 + 999) / 2)


def test_beta_binomial_at_boundary_gives_every_rep_the_pooled_rate():
    # 30/100 for every unit: no spread at all, so the MLE strength is infinite (the boundary).
    prior = fit_beta_binomial([30, 30, 30, 30], [100, 100, 100, 100])
    assert prior.at_boundary and prior.mean == pytest.approx(0.3)
    assert shrunk_rate([30, 1, 60], [100, 2, 100], prior).tolist() == [0.3, 0.3, 0.3]
    spread = fit_beta_binomial([10, 30, 50, 70, 90], [100] * 5)
    assert not spread.at_boundary


def test_rate_test_is_the_test_the_wilson_interval_inverts():
    # 8/10 against 0.5: z = 0.3 / sqrt(0.25 / 10) = 1.897, two-sided p = 0.0578; the Wilson 95 %
    # interval (0.4902, 0.9433) holds 0.5, and a rate just below its lower end gives p just below 0.05.
    assert rate_test_p(8, 10, 0.5) == pytest.approx(0.05778, abs=1e-5)
    low, high = wilson_interval(8, 10)
    assert rate_test_p(8, 10, float(low) - 1e-6) < 0.05 < rate_test_p(8, 10, float(low) + 1e-6)
    assert rate_test_p(8, 10, float(high) + 1e-6) < 0.05 < rate_test_p(8, 10, float(high) - 1e-6)
    assert np.isnan(rate_test_p(0, 0, 0.5))


def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.01, 0.04, 0.03, 0.005, 0.2])
    assert holm_adjust(p) == pytest.approx(multipletests(p, method="holm")[1])
    # by hand: sorted 0.005, 0.01, 0.03, 0.04, 0.2 × 5, 4, 3, 2, 1 = 0.025, 0.04, 0.09, 0.08 -> 0.09, 0.2
    assert holm_adjust([0.01, 0.04, 0.03, 0.005, 0.2, np.nan]).round(3).tolist()[:5] == [0.04, 0.09, 0.09, 0.025, 0.2]


def test_window_coverage_from_the_data_span():
    q4 = Window("2024-Q4", date(2024, 10, 1), date(2024, 12, 31))
    assert metrics.window_coverage(q4, ts("2024-12-22"), ts("2025-12-31")) == pytest.approx(10 / 92)
    assert metrics.window_coverage(q4, ts("2023-01-01"), ts("2024-12-31")) == 1.0
    assert metrics.window_coverage(q4, ts("2023-01-01"), ts("2024-11-30")) == pytest.approx(61 / 92)
    assert metrics.window_coverage(q4, ts("2025-01-01"), ts("2025-12-31")) == 0.0
    assert metrics.window_coverage(q4, pd.NaT, pd.NaT) == 0.0


def test_date_spans_and_coverage_table(crm):
    spans = metrics.date_spans(crm).set_index("basis")
    # created 2024-12-01 .. 2025-03-15; closed 2025-01-20 .. 2025-04-01; both end at the last date of any kind.
    assert spans.loc["created", "first"] == ts("2024-12-01") and spans.loc["closed", "first"] == ts("2025-01-20")
    assert spans.loc["created", "last"] == spans.loc["closed", "last"] == ts("2025-04-01")
    table = metrics.coverage_table(metrics.date_spans(crm), {"q1": Q1, "q2": Q2}).set_index(["window", "basis"])
    assert table.loc[("q1", "created"), "coverage"] == 1.0 and table.loc[("q1", "created"), "complete"]
    assert table.loc[("q1", "closed"), "coverage"] == pytest.approx(71 / 90)  # 20 Jan .. 31 Mar
    assert not table.loc[("q1", "closed"), "complete"]
    assert table.loc[("q2", "closed"), "coverage"] == pytest.approx(1 / 91)


def test_pipeline_amount_gaps(crm):
    # Created in Q1: deals 1, 2, 3, 5 (won), 6 (open, 70), 7 (lost, 40); deal 4 (lost, 0) was created in December.
    gaps = metrics.pipeline_amount_gaps(crm.deals, Q1)
    assert (gaps["created"], gaps["won"], gaps["lost"], gaps["open"]) == (6, 4, 1, 1)
    assert (gaps["lost_no_amount"], gaps["open_no_amount"], gaps["no_created_date"]) == (0, 0, 0)
    assert gaps["won_share"] == pytest.approx((100 + 300 + 50 + 999) / (100 + 300 + 50 + 999 + 70 + 40))
    december = Window("2024-12", date(2024, 12, 1), date(2024, 12, 31))
    assert metrics.pipeline_amount_gaps(crm.deals, december)["lost_no_amount"] == 1  # deal 4, amount 0


def _surveys(scores, scales=None, months=("2025-01-15", "2025-02-15", "2025-03-15")):
    frame = pd.DataFrame(
        {
            "surveyed_at": [ts(months[i % len(months)]) for i in range(len(scores))],
            "score": [float(s) for s in scores],
            "rep_id": ["A"] * len(scores),
        }
    )
    if scales is not None:
        frame["scale"] = scales
    return from_frames(params(), {"deals": DEALS, "surveys": frame})


@pytest.mark.parametrize(
    ("scores", "scales", "expected", "scale"),
    [
        ([1, 3, 5, 4], None, 65.0, 5.0),  # a 1–5 survey without its scale: 4 is 80 out of 100, not 4
        ([0, 7, 10, 9], None, 65.0, 10.0),  # 0–10
        ([6, 7, 5, 7], None, 6.25 / 7 * 100, 7.0),  # 1–7
        ([60, 80, 100, 70], None, 77.5, 100.0),  # already out of 100
        ([180, 20], None, 100.0, None),  # above any usual scale: as given
        # scales given for some rows only: the rest (highest 4) are read out of 5; 3/5 → 60, 40/50 → 80
        ([3, 40, 4], [None, 50.0, None], (60 + 80 + 80) / 3, 5.0),
    ],
)
def test_csat_reads_scores_without_a_scale_on_the_smallest_usual_scale(scores, scales, expected, scale):
    data = _surveys(scores, scales)
    surveys = data.table("surveys")
    assert metrics.survey_scale(surveys) == scale
    got = metrics.csat(surveys, Q1)
    assert got["csat"].iloc[0] == pytest.approx(expected) and got["responses"].iloc[0] == len(scores)


def test_targets_history_uses_the_same_survey_scale():
    from salesnb.analysis import forecast as fc

    data = _surveys([2, 4, 5, 3, 4, 5])
    series = fc.monthly_series(data, "csat", until=date(2025, 3, 31)).dropna()
    assert series.tolist() == pytest.approx([50.0, 80.0, 100.0])  # Jan 2, 3 → 2.5 of 5; Feb 4, 4; Mar 5, 5


def test_the_audit_says_which_scale_scores_without_one_are_read_on(demo_dir, tmp_path):
    """The demo's surveys exported as 1–5 stars without a scale column: read out of 5, and said so."""
    import shutil

    import yaml

    from salesnb.analysis.audit import data_audit
    from salesnb.config import REPO_ROOT
    from salesnb.data import load_data
    from salesnb.params import load_params

    folder = tmp_path / "data"
    shutil.copytree(demo_dir, folder)
    surveys = pd.read_csv(folder / "surveys.csv")
    surveys["score"] = (surveys["score"] / 20).round().clip(1, 5).astype(int)
    surveys.drop(columns="scale").to_csv(folder / "surveys.csv", index=False)
    raw = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    raw["data"]["base_dir"] = str(folder)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    data = load_data(load_params(path))
    audit = data_audit(data)
    assert audit.survey_scale == (len(surveys), 5.0, 5.0)
    sentence = (
        f"{len(surveys):,} survey scores come without a scale; the highest is 5, so they are read as scores out of 5"
    )
    assert any(sentence in finding for finding in audit.findings("en"))
    assert metrics.csat(data.table("surveys"), metrics.Window("all", date(2000, 1, 1), date(2100, 1, 1)))["csat"].iloc[
        0
    ] == pytest.approx(surveys["score"].mean() * 20)
