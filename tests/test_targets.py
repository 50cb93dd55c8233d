"""Targets: baselines and backtest, reach probability, split, phasing, SMART, commission, end to end."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from salesnb.analysis import forecast as fc
from salesnb.analysis import targets as tg
from salesnb.analysis import targets_text as tx
from salesnb.analysis.metrics import Window
from salesnb.config import REPO_ROOT
from salesnb.data import from_frames, load_data
from salesnb.params import CommissionParams, Params, TargetsParams, load_params
from tests.renders import RENDERS

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
    assert fc.regression_seasonal(s, 12, seasonal=True) == pytest.approx(values[36:], abs=1e-6)
    trend_only = series(values[:12], start="2022-01-01")
    import statsmodels.api as sm

    ols = sm.OLS(values[:12], sm.add_constant(np.arange(12.0))).fit()
    expected = ols.predict(sm.add_constant(np.arange(12.0, 15.0)))
    assert fc.regression_seasonal(trend_only, 3, seasonal=False) == pytest.approx(expected)


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
    assert fc.exponential_smoothing(s, 3, seasonal=True) == pytest.approx(reference.to_numpy(), rel=1e-9)


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
    # Measured errors: a Student-t around the backtest's bias.
    assert fc.reach_probability(110, 100, log_sd=0.1, df=3, bias=0.02) == pytest.approx(
        stats.t.sf((np.log(1.1) - 0.02) / 0.1, 3)
    )
    assert fc.reach_probability(100 * np.exp(0.05), 100, log_sd=0.1, df=2, bias=0.05) == pytest.approx(0.5)
    target = fc.target_at_probability(0.7, 100, log_sd=0.1, df=3, bias=-0.03)
    assert fc.reach_probability(target, 100, log_sd=0.1, df=3, bias=-0.03) == pytest.approx(0.7)


def test_error_model_is_the_student_t_predictive_of_the_backtest_errors():
    errors = np.log([1.10, 0.95, 1.02, 0.90])
    row = pd.Series({"bias": errors.mean(), "log_sd": errors.std(ddof=1), "errors": 4})
    model = fc.error_model(row)
    assert (model.bias, model.df, model.assumed) == (pytest.approx(errors.mean()), 3.0, False)
    assert model.scale == pytest.approx(errors.std(ddof=1) * np.sqrt(1 + 1 / 4))
    # Two errors are too few: the spread is assumed, around the forecast, normal.
    assumed = fc.error_model(pd.Series({"bias": 0.05, "log_sd": 0.02, "errors": 2}))
    assert (assumed.bias, assumed.scale, assumed.df, assumed.assumed) == (0.0, fc.FALLBACK_LOG_SD, None, True)


def test_method_is_chosen_by_backtest_only_with_two_held_out_periods():
    rng = np.random.default_rng(5)
    ten = series(1000 * np.exp(rng.normal(0, 0.1, 10)))  # like Maven: ten months, one quarter held out
    one = fc.baselines(ten, metric="revenue", period_months=3, backtest_periods=4, min_train_months=6)
    assert one.folds == 1 and one.chosen_by == "default" and not one.backtested
    assert one.chosen == fc.DEFAULT_METHOD
    assert fc.error_model(one.chosen_row).assumed  # one error measures no spread
    thirteen = series(1000 * np.exp(rng.normal(0, 0.1, 13)))
    two = fc.baselines(thirteen, metric="revenue", period_months=3, backtest_periods=4, min_train_months=6)
    assert two.folds == 2 and two.chosen_by == "backtest"
    assert two.chosen == two.forecasts.loc[two.forecasts["mape"].idxmin(), "method"]
    assert fc.error_model(two.chosen_row).assumed  # two errors: chosen by backtest, spread still assumed


@pytest.mark.parametrize(("months", "seasonal"), [(30, False), (40, True)])
def test_backtest_folds_fit_the_same_model_family_as_the_final_forecast(months, seasonal):
    rng = np.random.default_rng(months)
    t = np.arange(months)
    s = series(500 * (1 + 0.3 * np.sin(2 * np.pi * t / 12)) * (1 + 0.01 * t) * rng.lognormal(0, 0.05, months))
    found = fc.baselines(s, metric="revenue", period_months=3, backtest_periods=4, min_train_months=6)
    # 30 months: the earliest fold trains on 18, too few for seasonal models, so nothing is seasonal;
    # 40 months: every fold has 24+, so every fit is seasonal, including the folds.
    assert found.seasonal is seasonal and found.folds == 4
    for method in ("regression_seasonal", "exponential_smoothing"):
        fit = getattr(fc, method)
        mine = found.backtests[found.backtests["method"] == method]
        for row in mine.itertuples():
            train = s[s.index < row.period_end - pd.offsets.MonthBegin(2)]
            assert len(train) == row.train_months
            assert row.forecast == pytest.approx(fit(train, 3, seasonal=seasonal).sum())
        final = found.forecasts.set_index("method").loc[method, "forecast"]
        assert final == pytest.approx(fit(s, 3, seasonal=seasonal).sum())


def test_each_fold_trims_warm_up_on_its_own_training_data():
    # The full series' median (20) makes the first month (6) warm-up; the first fold's training
    # (median 10) does not, and must not be trimmed with knowledge of the later months.
    s = series([6.0] + [10.0] * 8 + [30.0] * 9)
    assert fc.trim_warm_up(s)[1] == 1
    folds = fc.backtest_folds(s, period_months=3, backtest_periods=3, min_train_months=6)
    first_train, held_out = folds[0]
    assert first_train.index[0] == s.index[0] and len(first_train) == 9
    assert held_out.index[0] == s.index[9]


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


def test_demo_backtests_four_quarters_with_one_model_family(demo20k_dir):
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(demo20k_dir)
    path = demo20k_dir / "targets-params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    plan = tg.plan_targets(load_data(load_params(path)))
    mape = plan.baselines.forecasts.set_index("method")["mape"]
    assert plan.baselines.forecasts["backtests"].eq(4).all() and plan.chosen_by == "backtest"
    # 32 months after warm-up, but the earliest fold trains on 21: every fit is trend-only, the final
    # forecast included (before, the final fit was seasonal and the early folds were not).
    assert plan.history.seasonal and not plan.baselines.seasonal
    assert plan.baselines.backtests["train_months"].min() < fc.SEASONAL_MONTHS
    assert not plan.errors.assumed and plan.errors.df == 3
    assert mape["regression_seasonal"] < mape["last_period_uplift"]
    assert mape["exponential_smoothing"] < mape["last_period_uplift"]
    assert plan.split["target"].sum() == plan.team_target
    assert plan.pacing is not None and plan.pacing["as_of"] == date(2025, 11, 20)


def test_a_mean_metric_is_neither_split_nor_phased(demo_dir):
    """CSAT targets: every rep's target is the team's, the split/phasing sections say why they are left out
    (the report used to stop at the split with KeyError 'trailing_revenue')."""
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(demo_dir)
    params["reports"]["targets"]["metric"] = "csat"
    path = demo_dir.parent / "targets-csat-params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    plan = tg.plan_targets(load_data(load_params(path)))
    assert plan.feasible and 0 < plan.team_target <= 100
    assert len(plan.split) > 0 and plan.split["target"].eq(plan.team_target).all()
    for section in ("split", "phasing"):
        key, fields = tx.skip_reason(plan, section, lang="zh")
        assert key == "tgt.skip.mean_not_split"
        assert fields == {"metric": "满意度", "target": f"{plan.team_target:.1f}"}
    assert tx.skip_reason(plan, "commission") == ("tgt.skip.commission", {})
    assert list(plan.exports()) == ["02_target_split"]
    assert "phasing_months" not in plan.tables()


def test_a_csat_target_never_lies_above_the_top_of_the_scale(demo_dir):
    """A 40 % stretch on a CSAT forecast in the 70s would ask for more than 100: the target is 100, the
    headline says it is capped, and the reachable band stays on the scale."""
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(demo_dir)
    params["reports"]["targets"].update(metric="csat", stretch=0.4)
    path = demo_dir.parent / "targets-csat-capped.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    plan = tg.plan_targets(load_data(load_params(path)))
    assert plan.forecast * 1.4 > 100 and plan.team_target == 100.0
    headline = tx.findings(plan, "en", "CNY")[0]
    assert "plus 40% stretch, capped at 100, the top of the CSAT scale;" in headline
    assert max(tx.reachable_range(plan)) <= 100.0
    assert (plan.other_metrics.set_index("metric").loc["csat", "target"]) <= 100.0


@pytest.mark.xdist_group(RENDERS)
def test_targets_report_end_to_end(demo_en_run, maven_run):
    path = demo_en_run
    for params_file in (demo_en_run, maven_run):
        result = params_file
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
        start = page.rindex(">Findings<")  # the section, not the table of contents
        findings = page[start : page.index(">History available<", start)]
        if params_file == path:  # demo: four held-out quarters, chosen by backtest, errors measured
            assert "judged by the forecast's errors in 4 held-out periods" in findings
            assert "not backtested" not in findings and "assumed" not in findings
    # Maven: ten months, one held-out quarter: a declared default and an assumed spread, said in the headline.
    assert "(declared default, not backtested)" in findings
    assert "under an assumed ±15% spread" in findings
    assert "Too few backtests to measure the forecast" in findings
    assert "Judged against each rep's own share of team revenue" in findings


# --- each rep's chance of reaching, from their own history ---------------------------------------------


def _share_history(shares: dict[str, list[float]], team: float = 1000.0) -> tuple[pd.DataFrame, pd.Series]:
    blocks = [f"q{i}" for i in range(1, len(next(iter(shares.values()))) + 1)]
    revenue = pd.DataFrame(
        {b: [team * v[i] for v in shares.values()] for i, b in enumerate(blocks)}, index=list(shares)
    )
    return revenue, pd.Series(team, index=blocks)


def test_rep_chance_follows_their_own_history_not_their_target_share():
    # Four reps, stable shares of team revenue; every rep gets the same target (a quarter of the team's).
    revenue, team = _share_history(
        {
            "A": [0.10, 0.11, 0.09, 0.10],
            "B": [0.20, 0.19, 0.21, 0.20],
            "C": [0.30, 0.31, 0.29, 0.30],
            "D": [0.40, 0.39, 0.41, 0.40],
        }
    )
    model = tg.rep_share_model(revenue, team)
    assert model["share"].sum() == pytest.approx(1.0)
    assert model.set_index("rep_id")["share"].round(2).to_dict() == {"A": 0.10, "B": 0.20, "C": 0.30, "D": 0.40}
    errors = fc.ErrorModel(bias=0.0, scale=0.05, df=10.0, assumed=False, errors=11)
    draws = tg.simulate_rep_revenue(model, 1000.0, errors=errors, simulations=5000, seed=1)
    chance = dict(zip(model["rep_id"], tg.rep_reach(draws, [240.0, 250.0, 250.0, 250.0]), strict=True))
    assert chance["A"] < 0.05  # 240 is 2.4 × A's usual 100
    assert chance["D"] > 0.95  # 250 is well below D's usual 400
    assert chance["A"] < chance["B"] < chance["C"] < chance["D"]  # same target, different histories
    # A target at a rep's own forecast is a coin flip, whatever the rep's size.
    central = np.median(draws, axis=0)
    assert tg.rep_reach(draws, central) == pytest.approx([0.5] * 4, abs=0.02)


def test_rep_share_model_pools_short_records_and_takes_new_hires_at_a_typical_share_times_ramp():
    nan = np.nan
    revenue, team = _share_history(
        {"A": [0.30, 0.40, 0.30, 0.40], "B": [0.20, 0.10, 0.20, 0.10], "C": [nan, nan, nan, 0.60], "N": [nan] * 4}
    )
    model = tg.rep_share_model(revenue, team, target_ramp=pd.Series({"N": 0.5})).set_index("rep_id")
    assert model["basis"].to_dict() == {"A": "own_history", "B": "own_history", "C": "short_history", "N": "new_hire"}
    assert model["periods"].tolist() == [4, 4, 1, 0]
    assert model["share"].sum() == pytest.approx(1.0)
    typical = np.mean([0.35, 0.15, 0.60])  # the mean of the reps' own means
    scale = model.loc["N", "share"] / (0.5 * typical)  # every centre is rescaled by the same factor
    centre = model["share"] / scale  # before rescaling
    assert 0.15 < centre["B"] < typical  # four periods: pulled a little towards the typical rep
    assert typical < centre["C"] < 0.60  # one period: pulled much further
    pulled = {"B": (centre["B"] - 0.15) / (typical - 0.15), "C": (0.60 - centre["C"]) / (0.60 - typical)}
    assert pulled["B"] < 0.1 < pulled["C"]
    assert model.loc["N", "share_sd"] > model.loc["A", "share_sd"] / 2  # a new hire could be any kind of rep
    # A rep still ramping in a past period is judged at full productivity: share / ramp.
    ramp = pd.DataFrame(1.0, index=revenue.index, columns=revenue.columns)
    ramp.loc["C", "q4"] = 0.6
    ramped = tg.rep_share_model(revenue, team, block_ramp=ramp, target_ramp=pd.Series({"N": 0.5}))
    assert ramped.set_index("rep_id").loc["C", "share"] > model.loc["C", "share"]


def test_rep_shares_are_rescaled_when_a_leaver_held_part_of_team_revenue():
    # Team revenue 1000 a period; A and B held 40 % and 40 %, a rep who has left held the other 20 %.
    revenue, team = _share_history({"A": [0.4] * 4, "B": [0.4] * 4})
    model = tg.rep_share_model(revenue, team)
    assert model["history_share"].tolist() == pytest.approx([0.4, 0.4])
    assert model["share"].tolist() == pytest.approx([0.5, 0.5])


def test_expected_payout_and_reach_chances_come_from_the_same_draws():
    options = CommissionParams(bands=BANDS, cap_attainment=1.5)
    split = pd.DataFrame({"rep_id": ["A", "B"], "target": [100.0, 300.0]})
    draws = np.random.default_rng(3).lognormal(np.log([120.0, 200.0]), 0.3, size=(4000, 2))
    out = tg.expected_payout(split, draws, options)
    assert out["reach_probability"].tolist() == pytest.approx((draws >= [100.0, 300.0]).mean(axis=0).tolist())
    manual = tg.commission(draws, np.broadcast_to([100.0, 300.0], draws.shape), options).mean(axis=0)
    assert out["expected_payout"].tolist() == pytest.approx(manual.tolist())
    assert out["median_revenue"].tolist() == pytest.approx(np.median(draws, axis=0).tolist())
