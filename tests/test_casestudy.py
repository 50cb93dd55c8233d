"""Case study: statistics against scipy/statsmodels, DiD on a hand-built panel, coverage, planted effects."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from salesnb import casestudy as cs
from salesnb.config import REPO_ROOT
from salesnb.data import load_data
from salesnb.params import CaseStudyParams, load_params
from salesnb.runner import run

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
    """Balanced rep × month panel: rep effect + month effect + effect × treated × after + noise."""
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


def test_did_on_a_balanced_panel_equals_the_two_by_two_difference():
    frame = panel(effect=5.0, seed=3)
    found = cs.did(frame, "csat", options=OPTIONS)
    t, a = frame["group"] == "treated", frame["period"] == "after"
    y = frame["y"]
    by_hand = (y[t & a].mean() - y[t & ~a].mean()) - (y[~t & a].mean() - y[~t & ~a].mean())
    assert found["estimate"] == pytest.approx(by_hand)
    assert found["low"] < 5.0 < found["high"]
    assert cs.simple_did(frame.assign(y=y), frame.loc[t, "rep_id"].unique()) == pytest.approx(by_hand)


def test_did_interval_covers_the_true_effect_at_its_nominal_rate():
    """300 seeded replicates of a 24-rep panel (12 treated): the 95 % rep-clustered interval (t with
    23 df) covered the true effect in 92.0 % of them — close to, slightly under, nominal, as
    cluster-robust errors are with two dozen clusters."""
    options = CaseStudyParams(permutations=50, bootstrap=200)
    covered = 0
    replicates = 300
    for seed in range(replicates):
        frame = panel(effect=0.7, reps=24, per_cell=2, seed=seed, noise=2.0)
        found = cs.did(frame, "csat", options=options)
        covered += found["low"] <= 0.7 <= found["high"]
    rate = covered / replicates
    print(f"DiD 95% interval coverage: {rate:.3f}")
    assert 0.90 <= rate <= 0.99


@pytest.fixture(scope="module")
def seed3(tmp_path_factory):
    from salesnb.demo import write_demo

    folder = write_demo(tmp_path_factory.mktemp("seed3"), n_deals=20_000, seed=3)
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))

    def study(**case):
        params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
        params["data"]["base_dir"] = str(folder)
        params["reports"]["case_study"].update(case)
        path = folder / "case.yaml"
        path.write_text(yaml.safe_dump(params), encoding="utf-8")
        return cs.run_case_study(load_data(load_params(path)))

    return study, truth


def test_demo_recovers_planted_effects_within_their_intervals(seed3):
    study, truth = seed3
    planted = truth["intervention"]
    effects = study().effects.set_index("kpi")
    assert effects.loc["win_rate", "low"] <= planted["win_rate_change_pp"] / 100 <= effects.loc["win_rate", "high"]
    cycle = math.log(1 + planted["cycle_change_share"])  # cycle is estimated on the log scale
    assert effects.loc["cycle_days", "low"] <= cycle <= effects.loc["cycle_days", "high"]
    assert effects.loc["csat", "low"] <= planted["csat_change"] <= effects.loc["csat", "high"]
    assert effects.loc["deal_size", "low"] <= 0 <= effects.loc["deal_size", "high"]  # nothing planted on size
    assert (effects.loc[["win_rate", "cycle_days", "csat"], "permutation_p"] < 0.01).all()


def test_placebo_date_shows_no_effect(seed3):
    study, _ = seed3
    effects = study(date="2024-01-01").effects.set_index("kpi")
    for kpi in ("win_rate", "cycle_days", "csat", "deal_size"):
        assert effects.loc[kpi, "low"] <= 0 <= effects.loc[kpi, "high"], kpi
        assert effects.loc[kpi, "verdict"] == "unclear"


def test_without_control_an_interrupted_time_series_is_used(seed3):
    study, _ = seed3
    result = study(control_teams=[], kpis=["win_rate", "csat"])
    assert set(result.effects["method"]) == {"its"}
    assert "no_control" in result.caveats
    csat = result.effects.set_index("kpi").loc["csat"]
    assert csat["low"] > 0  # the planted +12 CSAT jump shows as a level change


def test_case_study_report_end_to_end(tmp_path, demo_dir, maven_dir):
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(demo_dir)
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    for params_file in (path, REPO_ROOT / "params" / "maven.yaml"):
        result = run(params_file, only=["case_study"], output_root=tmp_path / "out", progress=lambda _: None)
        assert result.ok, result.results
        page = (result.output_dir / "04_case_study.html").read_text(encoding="utf-8")
        for heading in ("Case study", "Findings", "Effect of the intervention", "Before and after", "Caveats"):
            assert f">{heading}<" in page
        assert "95% CI" in page
    assert "Placebo check (no known intervention) from 2017-07-01" in page
