"""Targets: baselines and backtest, reach probability, split, phasing, SMART, commission, end to end."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from salesnb import forecast as fc
from salesnb import targets as tg
from salesnb.config import REPO_ROOT
from salesnb.data import from_frames, load_data
from salesnb.metrics import Window
from salesnb.params import CommissionParams, Params, TargetsParams, load_params
from salesnb.runner import run

MONTHS = pd.date_range("2023-01-01", periods=36, freq="MS")


def series(values, start="2024-01-01"):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="MS"), dtype=float)


def test_last_period_uplift_and_weighted_average_by_hand():
    s = series([5, 10, 20, 30])
    assert fc.last_period_uplift(s, 3, period_months=3, uplift=0.1).tolist() == pytest.approx([22.0] * 3)
    assert fc.weighted_average(s, 2, weights=(3, 2, 1)).tolist() == pytest.approx([(30 * 3 + 20 * 2 + 10) / 6] * 2)


def test_regression_recovers_trend_and_seasonality_exactly():
    season = np.array([-5, -8, 0, 1, 2, 3, 0, -1, 2, 3, 5, 9], dtype=float)
    t = np.arange(48)
    values = 100 + 2 * t + season[t % 12]
    s = series(values[:36], start="2022-01-01")
    assert fc.regression_seasonal(s, 12) == pytest.approx(values[36:], abs=1e-6)
    trend_only = series(values[:12], start="2022-01-01")  # under 24 months: no seasonal dummies
    import statsmodels.api as sm

    ols = sm.OLS(values[:12], sm.add_constant(np.arange(12.0))).fit()
    assert fc.regression_seasonal(trend_only, 3) == pytest.approx(ols.predict(sm.add_constant(np.arange(12.0, 15.0))))


def test_exponential_smoothing_matches_statsmodels_reference():
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    rng = np.random.default_rng(3)
    season = 1 + 0.3 * np.sin(np.arange(36) * 2 * np.pi / 12)
    s = series(200 * season * (1 + 0.01 * np.arange(36)) * rng.normal(1, 0.02, 36), start="2022-01-01")
    reference = (
        ExponentialSmoothing(
            s, trend="add", damped_trend=True, seasonal="mul", seasonal_periods=12, initialization_method="estimated"
        )
        .fit()
        .forecast(3)
    )
    assert fc.exponential_smoothing(s, 3) == pytest.approx(reference.to_numpy(), rel=1e-9)


def test_backtest_mape_by_hand():
    s = series([10, 10, 10, 10, 10, 10, 12, 12, 12, 9, 9, 9])
    found = fc.baselines(
        s,
        metric="revenue",
        period_months=3,
        uplift=0.0,
        backtest_periods=2,
        min_train_months=6,
        methods=("last_period_uplift",),
    )
    tests = found.backtests
    # Held out Jul–Sep (actual 36, forecast 3 × 10 = 30) and Oct–Dec (actual 27, forecast 3 × 12 = 36).
    assert tests["actual"].tolist() == [36.0, 27.0]
    assert tests["forecast"].tolist() == [30.0, 36.0]
    assert found.forecasts.loc[0, "mape"] == pytest.approx((6 / 36 + 9 / 27) / 2)
    assert found.forecasts.loc[0, "forecast"] == pytest.approx(27.0)


def test_reach_probability_is_the_lognormal_tail():
    from scipy import stats

    assert fc.reach_probability(110, 100, log_sd=0.1) == pytest.approx(1 - stats.norm.cdf(np.log(1.1) / 0.1))
    assert fc.reach_probability(100, 100, log_sd=0.2) == pytest.approx(0.5)
    target = fc.target_at_probability(0.3, 100, log_sd=0.1)
    assert fc.reach_probability(target, 100, log_sd=0.1) == pytest.approx(0.3)


def test_round_to_total_and_clip_shares():
    assert tg.round_to_total([333.33, 333.33, 333.34], 1000).sum() == 1000
    assert tg.round_to_total([0.4] * 5, 2).tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert tg.round_to_total([1234.0, 2366.0], 3600, unit=100).tolist() == [1200.0, 2400.0]
    amounts = tg.clip_shares(np.array([10.0, 1, 1]), 300, floors=np.full(3, 50.0), caps=np.full(3, 150.0))
    assert amounts.tolist() == pytest.approx([150.0, 75.0, 75.0])


def _params(**targets) -> Params:
    return Params.model_validate(
        {
            "client": "t",
            "period": "2025-Q4",
            "stages": {"order": ["Lead", "Won"], "won": "Won", "lost": "Lost"},
            "data": {"tables": {"deals": {"file": "x.csv"}}},
            "reports": {"targets": targets},
        }
    )


@pytest.fixture
def small_team():
    reps = pd.DataFrame(
        {
            "rep_id": ["A", "B", "C", "D", "E"],
            "team": ["T"] * 5,
            "hired_at": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-01", "2025-12-01", "2020-01-01"]),
            "left_at": pd.to_datetime([None, None, None, None, "2025-11-15"]),
        }
    )
    rows = []
    for rep, n in (("A", 30), ("B", 10), ("C", 3), ("E", 10)):
        for i in range(n):
            rows.append((f"{rep}{i}", rep, pd.Timestamp("2025-03-01"), 1000.0, "won", pd.Timestamp("2025-06-01")))
    deals = pd.DataFrame(rows, columns=["deal_id", "rep_id", "created_at", "amount", "status", "closed_at"])
    return reps, deals


@pytest.mark.parametrize("method", ["capability_tier", "history_share", "equal"])
def test_split_sums_exactly_with_floors_caps_ramp_and_leavers(small_team, method):
    reps, deals = small_team
    params = _params(split=method, floor_share=0.5, cap_share=1.6, rounding=1)
    data = from_frames(params, {"reps": reps, "deals": deals})
    window = Window("2026-Q1", date(2026, 1, 1), date(2026, 3, 31))
    split = tg.split_to_reps(data, 1_000_003, window, params.reports.targets, history_end=date(2025, 12, 31))
    assert split["target"].sum() == 1_000_003
    assert "E" not in set(split["rep_id"])  # left before the period
    assert (split["target"] == split["target"].round()).all()
    by_rep = split.set_index("rep_id")
    average = 1_000_003 / 4
    assert by_rep.loc["D", "ramp"] < 1  # hired a month before the period: ramping
    assert (split["target"] <= 1.6 * average * np.maximum(split["ramp"], 1e-9) + 1).all()
    assert (split["target"] >= 0.5 * average * split["ramp"] - 1).all()
    assert by_rep.loc["D", "target"] < by_rep.loc["B", "target"]
    if method == "history_share":
        assert by_rep.loc["A", "target"] > by_rep.loc["B", "target"] > by_rep.loc["C", "target"]


def test_ramp_factor_by_hand():
    options = TargetsParams(ramp_months=4, ramp_start_share=0.25)
    window = Window("q", date(2026, 1, 1), date(2026, 3, 31))
    factor = tg.ramp_factor(pd.Series(pd.to_datetime(["2025-12-15", "2020-01-01"])), window, options)
    mids = pd.to_datetime(["2026-01-15", "2026-02-15", "2026-03-15"])
    months = (mids - pd.Timestamp("2025-12-15")).days / 30.4375
    expected = np.mean(np.clip(0.25 + 0.75 * months / 4, 0.25, 1))
    assert factor.tolist() == pytest.approx([expected, 1.0])


def test_phasing_sums_to_the_period_target():
    window = Window("2026-Q1", date(2026, 1, 1), date(2026, 3, 31))
    index = pd.Series(np.linspace(0.8, 1.2, 12), index=range(1, 13))
    parts = tg.phase(1_234_567, window, index=index / index.mean(), country="CN", unit=1)
    assert parts["months"]["target"].sum() == 1_234_567
    assert parts["weeks"]["target"].sum() == 1_234_567
    assert parts["days"]["target"].sum() == 1_234_567
    days = parts["days"].set_index("day")
    assert not days.loc["2026-02-17", "working"] and days.loc["2026-02-17", "target"] == 0  # Spring Festival
    assert not days.loc["2026-01-03", "working"]  # a Saturday
    for month in parts["months"].itertuples():
        in_month = parts["days"][parts["days"]["day"].dt.to_period("M").dt.to_timestamp() == month.month]
        assert in_month["target"].sum() == month.target
    flat = tg.phase(900, window, index=None, country="US", unit=1)["months"]
    assert flat["basis"].iloc[0] == "working_days"
    assert flat["share"].tolist() == pytest.approx((flat["working_days"] / flat["working_days"].sum()).tolist())


BANDS = [{"at": 0, "rate": 0.02}, {"at": 1.0, "rate": 0.05}, {"at": 1.2, "rate": 0.08}]


@pytest.mark.parametrize(
    ("attainment", "marginal", "flat"),
    [
        (0.5, 0.02 * 0.5, 0.02 * 0.5),
        (0.9999, 0.02 * 0.9999, 0.02 * 0.9999),
        (1.0, 0.02, 0.05),  # exactly 100 %: the 100–120 % band starts here
        (1.2, 0.02 + 0.05 * 0.2, 0.08 * 1.2),  # exactly 120 %
        (1.6, 0.02 + 0.05 * 0.2 + 0.08 * 0.3, 0.08 * 1.5),  # capped at 150 %
    ],
)
def test_commission_at_band_edges(attainment, marginal, flat):
    target = 100_000.0
    for mode, expected in (("marginal", marginal), ("flat", flat)):
        options = CommissionParams(mode=mode, bands=BANDS, cap_attainment=1.5)
        assert tg.commission([attainment * target], [target], options)[0] == pytest.approx(expected * target)


def test_smart_warnings_for_targets_too_high_and_too_low():
    options = TargetsParams()
    window = Window("q", date(2026, 1, 1), date(2026, 3, 31))
    split = pd.DataFrame({"rep_id": ["A", "B"], "target": [60.0, 40.0]})
    for probability, status, reason in (
        (0.97, "warn", "too_easy"),
        (0.12, "warn", "too_hard"),
        (0.5, "pass", "achievable_ok"),
    ):
        audit = tg.smart_audit(
            100.0,
            split,
            window,
            metric="revenue",
            measurable=True,
            team_probability=probability,
            rep_probability=pd.Series({"A": 0.5, "B": 0.5}),
            options=options,
        )
        team = audit.iloc[0]
        assert (team["achievable"], team["achievable_reason"], team["relevant"]) == (status, reason, "pass")
    broken = split.assign(target=[60.0, 30.0])  # does not add up to the team target
    audit = tg.smart_audit(
        100.0,
        broken,
        window,
        metric="revenue",
        measurable=True,
        team_probability=0.5,
        rep_probability=pd.Series(dtype=float),
        options=options,
    )
    assert audit.loc[0, "relevant"] == "warn"
    # Built to be too high / too low through the plan itself: stretch 0 vs 60 %.
    assert fc.reach_probability(1.6 * 100, 100, log_sd=0.1) < options.too_hard
    assert fc.reach_probability(0.8 * 100, 100, log_sd=0.1) > options.too_easy


def test_seasonal_methods_beat_the_naive_rule_on_the_demo(demo20k_dir):
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(demo20k_dir)
    path = demo20k_dir / "targets-params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    plan = tg.plan_targets(load_data(load_params(path)))
    mape = plan.baselines.forecasts.set_index("method")["mape"]
    assert plan.baselines.seasonal and plan.baselines.forecasts["backtests"].eq(4).all()
    assert mape["regression_seasonal"] < mape["last_period_uplift"]
    assert mape["exponential_smoothing"] < mape["last_period_uplift"]
    assert plan.split["target"].sum() == plan.team_target
    assert plan.pacing is not None and plan.pacing["as_of"] == date(2025, 11, 20)


def test_targets_report_end_to_end(tmp_path, demo_dir, maven_dir):
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(demo_dir)
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    for params_file in (path, REPO_ROOT / "params" / "maven.yaml"):
        result = run(params_file, only=["targets"], output_root=tmp_path / "out", progress=lambda _: None)
        assert result.ok, result.results
        out = result.output_dir
        page = (out / "02_targets.html").read_text(encoding="utf-8")
        for heading in (
            "Targets",
            "Findings",
            "Forecasts and their backtest errors",
            "Split to reps",
            "SMART audit",
            "Commission cost",
            "Phasing to months, weeks and days",
        ):
            assert f">{heading}<" in page
        split = pd.read_csv(out / "02_target_split.csv")
        team_target = split["target"].sum()
        assert f"{team_target:,.0f}" in page  # the proposed team target is the sum of the exported split
        for stem in ("02_phasing_months", "02_phasing_weeks", "02_phasing_days"):
            assert pd.read_csv(out / f"{stem}.csv")["target"].sum() == pytest.approx(team_target)
        rep_months = pd.read_csv(out / "02_rep_month_targets.csv")
        assert set(rep_months.columns) >= {"period_start", "period_end", "metric", "value", "rep_id"}
        per_rep = rep_months.groupby("rep_id")["value"].sum()
        assert (per_rep - split.set_index("rep_id")["target"]).abs().max() < 1e-6
        sheet = load_workbook(out / "02_target_split.xlsx", read_only=True).active
        values = [row[list(split.columns).index("target")] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert sum(values) == pytest.approx(team_target)
    assert "Too few backtests to measure the forecast" in page  # Maven: ten months, one held-out quarter
