"""Case study: statistics against scipy/statsmodels, DiD on a hand-built panel, coverage, planted effects."""

from __future__ import annotations

import json
import math
import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
import yaml
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from salesnb.analysis import casestudy as cs
from salesnb.analysis.casestudy_text import findings
from salesnb.analysis.metrics import Window
from salesnb.config import REPO_ROOT
from salesnb.data import load_data
from salesnb.params import CaseStudyParams, load_params
from tests.renders import RENDERS

OPTIONS = CaseStudyParams(permutations=100, bootstrap=200)


def periods(before, after):
    return pd.DataFrame({"y": list(before) + list(after), "period": ["before"] * len(before) + ["after"] * len(after)})


def test_proportion_change_matches_statsmodels():
    rng = np.random.default_rng(1)
    obs = periods(rng.random(400) < 0.30, rng.random(380) < 0.38).astype({"y": float})
    out = cs.compare_periods(obs, "win_rate", options=OPTIONS)
    k_after, k_before = obs.loc[obs.period == "after", "y"].sum(), obs.loc[obs.period == "before", "y"].sum()
    assert out["p"] == pytest.approx(proportions_ztest([k_after, k_before], [380, 400])[1])
    low, high = confint_proportions_2indep(k_after, 380, k_before, 400, method="newcomb")
    assert (out["low"], out["high"]) == pytest.approx((low, high))
    assert out["effect_size"] == pytest.approx(
        2 * math.asin(math.sqrt(k_after / 380)) - 2 * math.asin(math.sqrt(k_before / 400))
    )
    small = cs.compare_periods(periods([1, 0, 0, 0], [1, 1, 1, 0]).astype({"y": float}), "win_rate", options=OPTIONS)
    assert small["test"] == "fisher"
    assert small["p"] == pytest.approx(stats.fisher_exact([[3, 1], [1, 3]])[1])


def test_continuous_change_matches_scipy():
    rng = np.random.default_rng(2)
    before, after = rng.normal(60, 15, 120), rng.normal(50, 20, 90)
    out = cs.compare_periods(periods(before, after), "cycle_days", options=OPTIONS)
    welch = stats.ttest_ind(after, before, equal_var=False)
    assert out["p"] == pytest.approx(welch.pvalue)
    assert (out["low"], out["high"]) == pytest.approx(tuple(welch.confidence_interval(0.95)))
    assert out["p_mann_whitney"] == pytest.approx(stats.mannwhitneyu(after, before).pvalue)
    pooled = math.sqrt((89 * after.var(ddof=1) + 119 * before.var(ddof=1)) / 208)
    assert out["effect_size"] == pytest.approx((after.mean() - before.mean()) / pooled * (1 - 3 / (4 * 210 - 9)))
    assert out["median_low"] < out["median_change"] < out["median_high"]


def panel(*, effect: float, reps: int = 4, per_cell: int = 3, seed: int = 0, noise: float = 1.0) -> pd.DataFrame:
    """Balanced rep × month panel (one rep per team): rep effect + month effect + effect × treated × after + noise."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2024-07-01", periods=12, freq="MS")
    rows = []
    rep_effect = rng.normal(0, 1, reps)
    month_effect = rng.normal(0, 0.5, len(months))
    for r in range(reps):
        treated = r < reps // 2
        for m, month in enumerate(months):
            after = month >= pd.Timestamp("2025-01-01")
            for _ in range(per_cell):
                y = rep_effect[r] + month_effect[m] + effect * (treated and after) + rng.normal(0, noise)
                rows.append((f"r{r}", "treated" if treated else "control", "after" if after else "before", month, y))
    return pd.DataFrame(rows, columns=["rep_id", "group", "period", "month", "y"])


def design_for(frame: pd.DataFrame, *, unit: str = "rep") -> cs.Design:
    reps = sorted(frame["rep_id"].unique())
    treated = tuple(sorted(frame.loc[frame["group"] == "treated", "rep_id"].unique()))
    control = tuple(r for r in reps if r not in treated)
    team_of = {r: f"team-{r}" for r in reps}
    return cs.Design(
        "test",
        date(2025, 1, 1),
        Window("before", date(2024, 7, 1), date(2024, 12, 31)),
        Window("after", date(2025, 1, 1), date(2025, 6, 30)),
        treated,
        control,
        unit=unit,
        unit_of=team_of if unit == "team" else {r: r for r in reps},
        team_of=team_of,
    )


def test_did_on_a_balanced_panel_equals_the_two_by_two_difference():
    frame = panel(effect=5.0, seed=3)
    found = cs.did(frame, "csat", design_for(frame), options=OPTIONS)
    t, a = frame["group"] == "treated", frame["period"] == "after"
    y = frame["y"]
    by_hand = (y[t & a].mean() - y[t & ~a].mean()) - (y[~t & a].mean() - y[~t & ~a].mean())
    assert found["estimate"] == pytest.approx(by_hand)
    assert cs.simple_did(frame.assign(y=y), frame.loc[t, "rep_id"].unique()) == pytest.approx(by_hand)
    # 2 of 4 reps: the exact randomization test has 6 assignments and cannot go below 2/6.
    assert (found["inference"], found["assignments"], found["min_p_text"]) == ("exact_ri", 6, "2/6")
    assert not found["testable"] and found["p"] >= 2 / 6 and math.isnan(found["mde"])


def test_cluster_robust_errors_match_statsmodels_on_deals():
    """With 60 reps the cell-level estimate and rep-clustered CR1 interval equal statsmodels' OLS on the
    observations with rep and month dummies."""
    frame = panel(effect=0.7, reps=60, per_cell=2, seed=5, noise=2.0)
    found = cs.did(frame, "csat", design_for(frame), options=OPTIONS)
    assert found["inference"] == "cluster_robust"
    data = frame.assign(treat_after=((frame["group"] == "treated") & (frame["period"] == "after")).astype(float))
    fit = smf.ols("y ~ treat_after + C(rep_id) + C(month)", data=data).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data["rep_id"])[0]}, use_t=True
    )
    assert found["estimate"] == pytest.approx(fit.params["treat_after"])
    assert found["se"] == pytest.approx(fit.bse["treat_after"], rel=1e-6)
    assert (found["low"], found["high"]) == pytest.approx(tuple(fit.conf_int().loc["treat_after"]), rel=1e-6)


def test_randomization_interval_is_the_set_of_effects_the_test_does_not_reject():
    """Exact randomization over 70 assignments of 4 of 8 teams: shifting the treated cells by an effect
    inside the interval leaves p above alpha, outside it drives p to alpha or below."""
    frame = panel(effect=2.0, reps=8, per_cell=2, seed=8, noise=0.5)
    d = design_for(frame, unit="team")
    found = cs.did(frame, "csat", d, options=OPTIONS)
    assert (found["inference"], found["assignments"], found["min_p_text"]) == ("exact_ri", 70, "2/70")
    assert found["testable"] and found["low"] < 2.0 < found["high"] and found["p"] <= 0.05
    is_treated_after = (frame["group"] == "treated") & (frame["period"] == "after")
    for shift, rejected in ((found["low"] + 0.02, False), (found["high"] - 0.02, False), (found["low"] - 0.3, True)):
        moved = frame.assign(y=frame["y"] - shift * is_treated_after)
        p = cs.did(moved, "csat", d, options=OPTIONS)["p"]
        assert (p <= 0.05) == rejected, (shift, p)


def test_its_without_seasonal_terms_below_24_months_before_and_full_rank_with_them():
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    short = pd.DataFrame({"month": months, "t": np.arange(24), "post": (np.arange(24) >= 12).astype(float)})
    x, seasonal, rank = cs.its_design(short)
    assert not seasonal and rank == x.shape[1] == 4
    months = pd.date_range("2023-01-01", periods=36, freq="MS")
    long = pd.DataFrame({"month": months, "t": np.arange(36), "post": (np.arange(36) >= 24).astype(float)})
    x, seasonal, rank = cs.its_design(long)
    assert seasonal and rank == x.shape[1] == 15


def test_its_recovers_a_planted_level_change_over_seeds():
    """Ten seeded AR(1) series with a +3 level change: every bootstrap interval holds it."""
    covered = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        noise = np.zeros(24)
        for i in range(1, 24):
            noise[i] = 0.4 * noise[i - 1] + rng.normal()
        t = np.arange(24)
        monthly = pd.DataFrame(
            {"month": pd.date_range("2024-01-01", periods=24, freq="MS"), "t": t, "post": (t >= 12).astype(float)}
        ).assign(y=5 + 0.05 * t + 3 * (t >= 12) + noise)
        found = cs.its_fit(monthly, alpha=0.05, power=0.8, seed=seed, draws=199)
        covered += found["level_low"] <= 3 <= found["level_high"]
    assert covered >= 9


@pytest.fixture(scope="module")
def seed3(tmp_path_factory):
    from salesnb.demo import write_demo

    folder = write_demo(tmp_path_factory.mktemp("seed3"), n_deals=20_000, seed=3)
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))

    def study(**case):
        params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
        params["data"]["base_dir"] = str(folder)
        pilot = {"treated_teams": [], "treated_reps": truth["intervention"]["treated_reps"]}
        params["reports"]["case_study"].update(pilot | case)
        path = folder / "case.yaml"
        path.write_text(yaml.safe_dump(params), encoding="utf-8")
        return cs.run_case_study(load_data(load_params(path)))

    return study, truth


def test_demo_recovers_planted_effects_within_assignment_level_intervals(seed3):
    """The rep pilot: intervals at rep level hold the planted win-rate, cycle and CSAT effects, those are
    called, deal size (nothing planted) is 'too few data to tell', and no pre-trend warning is raised."""
    study, truth = seed3
    planted = truth["intervention"]
    result = study()
    effects = result.effects.set_index("kpi")
    assert set(effects.loc[["win_rate", "cycle_days", "csat"], "unit"]) == {"rep"}
    assert effects.loc["win_rate", "low"] <= planted["win_rate_change_pp"] / 100 <= effects.loc["win_rate", "high"]
    cycle = math.log(1 + planted["cycle_change_share"])  # cycle is estimated on the log scale
    assert effects.loc["cycle_days", "low"] <= cycle <= effects.loc["cycle_days", "high"]
    assert effects.loc["csat", "low"] <= planted["csat_change"] <= effects.loc["csat", "high"]
    assert effects.loc["deal_size", "low"] <= 0 <= effects.loc["deal_size", "high"]  # nothing planted on size
    assert list(effects.loc[["win_rate", "cycle_days", "csat", "deal_size"], "verdict"]) == [
        "increase",
        "decrease",
        "increase",
        "unclear",
    ]
    assert (effects.loc[["win_rate", "cycle_days", "csat"], "p"] < 0.01).all()
    assert "pre_trend" not in result.caveats and "team_assignment" not in result.caveats
    text = " ".join(findings(result, "en", "CNY"))
    assert "too few data to tell" in text and "0.0 pp" not in text


def test_two_of_four_teams_cannot_show_significance(seed3):
    """Treating 2 of 4 whole teams: 6 possible assignments, the actual one ties its mirror image, so no
    p-value falls below 2/6 (≥ 1/6) and nothing is called an effect, however large."""
    study, _ = seed3
    result = study(treated_teams=["North-1", "South-2"], treated_reps=[])
    assert result.design.unit == "team"
    did = result.effects[result.effects["method"] == "did"]
    assert len(did) == 4
    assert (did["assignments"] == 6).all() and set(did["min_p_text"]) == {"2/6"}
    assert (did["min_p"] >= 1 / 6).all() and (did["p"] >= 1 / 6).all()
    assert not did["testable"].any() and set(did["verdict"]) == {"unclear"}
    assert "design_cannot_test" in result.caveats and "team_assignment" in result.caveats
    assert "rep_assignment" not in result.caveats
    text = " ".join(findings(result, "en", "CNY"))
    assert "smallest possible p with this design = 2/6" in text and "all 6 ways to pick 2 of 4 teams" in text
    assert " rose by " not in text and " fell by " not in text


def test_placebo_date_shows_no_effect(seed3):
    study, _ = seed3
    effects = study(date="2024-01-01").effects.set_index("kpi")
    for kpi in ("win_rate", "cycle_days", "csat", "deal_size"):
        assert effects.loc[kpi, "low"] <= 0 <= effects.loc[kpi, "high"], kpi
        assert effects.loc[kpi, "verdict"] == "unclear"


def test_without_control_an_interrupted_time_series_is_used(seed3):
    study, _ = seed3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = study(control_teams=[], kpis=["win_rate", "csat"])
    assert not [w for w in caught if "Singular" in type(w.message).__name__ or "singular" in str(w.message)]
    assert set(result.effects["method"]) == {"its"}
    assert "no_control" in result.caveats and "its_no_seasonality" in result.caveats  # 12 months before
    csat = result.effects.set_index("kpi").loc["csat"]
    assert not csat["seasonal"]
    assert csat["low"] <= truth_csat(seed3) <= csat["high"] and csat["low"] > 0  # the planted +12 CSAT jump


def truth_csat(seed3) -> float:
    return seed3[1]["intervention"]["csat_change"]


@pytest.mark.xdist_group(RENDERS)
def test_case_study_report_end_to_end(demo_en_run, maven_run):
    for params_file in (demo_en_run, maven_run):
        result = params_file
        assert result.ok, result.results
        page = (result.output_dir / "04_case_study.html").read_text(encoding="utf-8")
        for heading in ("Case study", "Findings", "Effect of the intervention", "Before and after", "Caveats"):
            assert f">{heading}<" in page
        assert "95% CI" in page
    assert "Placebo check (no known intervention) from 2017-07-01" in page
    # Maven's placebo treats one manager's team: the report says the design cannot show significance.
    assert "smallest possible p with this design = 1/" in page and "Nothing is called significant" in page


def test_shipped_demo_params_recover_the_pilot_without_a_pre_trend_warning(demo20k_dir, tmp_path):
    """params/demo.yaml as shipped (seed 7, 20,000 deals): rep-level intervals hold the planted effects,
    no false pre-trend warning, and every sentence prints its assignment-level p."""
    truth = json.loads((demo20k_dir / "ground_truth.json").read_text(encoding="utf-8"))["intervention"]
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    assert params["reports"]["case_study"]["treated_reps"] == truth["treated_reps"]
    params["data"]["base_dir"] = str(demo20k_dir)
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    result = cs.run_case_study(load_data(load_params(path)))
    effects = result.effects.set_index("kpi")
    assert effects.loc["win_rate", "low"] <= truth["win_rate_change_pp"] / 100 <= effects.loc["win_rate", "high"]
    cycle = math.log(1 + truth["cycle_change_share"])
    assert effects.loc["cycle_days", "low"] <= cycle <= effects.loc["cycle_days", "high"]
    assert effects.loc["csat", "low"] <= truth["csat_change"] <= effects.loc["csat", "high"]
    assert list(effects.loc[["win_rate", "cycle_days", "csat", "deal_size"], "verdict"]) == [
        "increase",
        "decrease",
        "increase",
        "unclear",
    ]
    assert "pre_trend" not in result.caveats
    said = findings(result, "en", "CNY")
    assert sum("randomization test over 500 random picks of 13 of" in s for s in said) == 4


@pytest.mark.parametrize("sizes", [(40, 31), (33, 50), (7, 2)])
def test_median_bootstrap_is_scipys_interval(sizes):
    """The case study's median-change interval: the same draws and interval as scipy.stats.bootstrap, with
    ties (deal sizes repeat) and odd or even sample sizes; samples with NaN go to scipy itself."""
    from salesnb.analysis.stats import bootstrap_median_difference

    rng = np.random.default_rng(5)
    after, before = (np.round(rng.lognormal(3, 1, n)) for n in sizes)

    def scipy_interval(a, b):
        result = stats.bootstrap(
            (a, b),
            lambda x, y, axis=-1: np.median(x, axis=axis) - np.median(y, axis=axis),
            n_resamples=300,
            confidence_level=0.9,
            method="percentile",
            random_state=np.random.default_rng(11),
            vectorized=True,
        )
        return float(result.confidence_interval.low), float(result.confidence_interval.high)

    assert bootstrap_median_difference(after, before, n_resamples=300, confidence=0.9, seed=11) == scipy_interval(
        after, before
    )
    after[0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = bootstrap_median_difference(after, before, n_resamples=300, confidence=0.9, seed=11)
        want = scipy_interval(after, before)
    assert np.array_equal(got, want, equal_nan=True)
