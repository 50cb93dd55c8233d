"""Calibration of the case-study report's claims (report 04).

Claims simulated, through the functions the report calls on its rep × month cells
(:func:`salesnb.analysis.casestudy.did_cells`, :func:`~salesnb.analysis.casestudy.pre_trend_cells`,
:func:`~salesnb.analysis.casestudy.its_fit`, and :func:`~salesnb.analysis.casestudy.verdict` for what the report says):

- **DiD effect** — "rose / fell by …" is claimed when the design can reach alpha, p < alpha and the
  interval excludes zero. A false alarm is that claim with nothing planted; coverage is the share of
  95 % intervals holding the planted effect.
- **pre-trend warning** — the caveat printed when the joint test of the pre-intervention quarters rejects;
  a false alarm is the warning when treated and control follow the same path before the date (with and
  without a planted effect after it).
- **ITS level change** — without a control group, the level change of the treated group's monthly KPI.

Data are what breaks rep-level inference: whole teams assigned, a team × month shock (AR(1) over months,
SD 0.5 — the size that gave 69.5 % coverage and 25.5 % false rejections with rep-level errors), rep
effects, a seasonal month effect, uneven cells (1–15 observations). ITS series are AR(1) (ρ = 0.4) with a
trend and, where stated, seasonality.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from salesnb.analysis import casestudy as cs
from tests.calibration.common import Check, assert_checks, coverage_check, false_alarm_check

ALPHA = 0.05
# Issue 10 sets the case study a stricter target than alpha + 2 Monte-Carlo SE (8.1 % at 200 replications).
FALSE_ALARM_LIMIT = 0.07
POWER = 0.8
REPLICATIONS = 200
EFFECT = 0.8  # planted DiD effect, in units of the rep-effect SD × 1.6
ITS_EFFECT = 1.5
ITS_DRAWS = 199
RI_DRAWS = 199  # random assignments when there are too many to enumerate (a valid test at any number)
MONTHS = pd.date_range("2024-01-01", periods=24, freq="MS")  # 12 before, 12 after 2025-01-01


def panel(rng: np.random.Generator, *, teams: int, reps: int, effect: float, by: str = "team") -> pd.DataFrame:
    """Rep × month cells of one simulated study, in the layout of :func:`salesnb.analysis.casestudy.cells`.

    ``by="team"`` treats half the teams; ``by="rep"`` treats half the reps of every team (a pilot).
    """
    n_reps = teams * reps
    team = np.repeat(np.arange(teams), reps)
    if by == "team":
        treated_team = np.zeros(teams, bool)
        treated_team[rng.choice(teams, teams // 2, replace=False)] = True
        treated = treated_team[team]
    else:
        treated = np.zeros(n_reps, bool)
        for k in range(teams):
            treated[k * reps + rng.choice(reps, reps // 2, replace=False)] = True
    m = len(MONTHS)
    shock = np.empty((teams, m))
    shock[:, 0] = rng.normal(0, 0.5, teams)
    for i in range(1, m):  # AR(1) with rho 0.5 and marginal SD 0.5
        shock[:, i] = 0.5 * shock[:, i - 1] + rng.normal(0, 0.5 * np.sqrt(0.75), teams)
    season = 0.3 * np.sin(2 * np.pi * np.arange(m) / 12) + rng.normal(0, 0.2, m)
    n = 1 + rng.poisson(6, (n_reps, m))
    post = np.arange(m) >= 12
    y = (
        rng.normal(0, 0.5, n_reps)[:, None]
        + season[None]
        + shock[team]
        + effect * (treated[:, None] & post[None])
        + rng.normal(0, 1, (n_reps, m)) / np.sqrt(n)
    )
    rep_ids = np.array([f"R{i:03d}" for i in range(n_reps)])
    teams_ = np.array([f"T{k}" for k in team])
    return pd.DataFrame(
        {
            "rep_id": np.repeat(rep_ids, m),
            "month": np.tile(MONTHS, n_reps),
            "y": y.ravel(),
            "n": n.ravel(),
            "unit": np.repeat(teams_ if by == "team" else rep_ids, m),
            "team": np.repeat(teams_, m),
            "treated": np.repeat(treated, m),
            "post": np.tile(post, n_reps),
            "rel_month": np.tile(np.arange(m) - 12, n_reps),
        }
    )


def claimed(found: dict) -> bool:
    """What the report says: an effect is claimed only on verdict increase / decrease."""
    return cs.verdict(found["low"], found["high"], found["p"], ALPHA, testable=found["testable"]) in (
        "increase",
        "decrease",
    )


def did_checks(rng, *, teams: int, reps: int, by: str, scenario: str) -> list[Check]:
    null_claims, null_pre, planted_cover, planted_pre = [], [], [], []
    for seed in range(REPLICATIONS):
        frame = panel(rng, teams=teams, reps=reps, effect=0.0, by=by)
        found = cs.did_cells(frame, by, alpha=ALPHA, power=POWER, seed=seed, draws=RI_DRAWS)
        null_claims.append(claimed(found))
        pre = cs.pre_trend_cells(frame, by, alpha=ALPHA, seed=seed, draws=RI_DRAWS)
        null_pre.append(pre["testable"] and pre["p"] < ALPHA)
        frame = panel(rng, teams=teams, reps=reps, effect=EFFECT, by=by)
        found = cs.did_cells(frame, by, alpha=ALPHA, power=POWER, seed=seed, draws=RI_DRAWS)
        planted_cover.append(found["low"] <= EFFECT <= found["high"])
        pre = cs.pre_trend_cells(frame, by, alpha=ALPHA, seed=seed, draws=RI_DRAWS)
        planted_pre.append(pre["testable"] and pre["p"] < ALPHA)
    inference = found["inference"].replace("_", " ")
    return [
        false_alarm_check(
            "DiD effect",
            f"{scenario}, nothing planted ({inference})",
            null_claims,
            alpha=ALPHA,
            limit=FALSE_ALARM_LIMIT,
        ),
        coverage_check("DiD effect", f"{scenario}, effect {EFFECT} planted ({inference})", planted_cover),
        false_alarm_check(
            "pre-trend warning", f"{scenario}, nothing planted", null_pre, alpha=ALPHA, limit=FALSE_ALARM_LIMIT
        ),
        false_alarm_check(
            "pre-trend warning",
            f"{scenario}, effect planted after the date",
            planted_pre,
            alpha=ALPHA,
            limit=FALSE_ALARM_LIMIT,
        ),
    ]


def its_series(rng: np.random.Generator, *, before: int, seasonal: float, effect: float) -> pd.DataFrame:
    """Monthly KPI: trend + seasonality + AR(1) noise (rho 0.4), a level change after ``before`` months."""
    months = before + 12
    noise = np.empty(months)
    noise[0] = rng.normal(0, 1 / np.sqrt(1 - 0.16))
    for i in range(1, months):
        noise[i] = 0.4 * noise[i - 1] + rng.normal()
    t = np.arange(months)
    month = pd.date_range(end="2025-12-01", periods=months, freq="MS")
    y = 10 + 0.03 * t + seasonal * np.sin(2 * np.pi * month.month / 12) + effect * (t >= before) + noise
    return pd.DataFrame({"month": month, "t": t, "post": (t >= before).astype(float), "y": y})


def its_checks(rng, *, before: int, seasonal: float, scenario: str, asserted: bool = True) -> list[Check]:
    alarms, covered = [], []
    for seed in range(REPLICATIONS):
        found = cs.its_fit(
            its_series(rng, before=before, seasonal=seasonal, effect=0.0),
            alpha=ALPHA,
            power=POWER,
            seed=seed,
            draws=ITS_DRAWS,
        )
        alarms.append(cs.its_verdict(found, ALPHA) != "unclear")
        found = cs.its_fit(
            its_series(rng, before=before, seasonal=seasonal, effect=ITS_EFFECT),
            alpha=ALPHA,
            power=POWER,
            seed=seed,
            draws=ITS_DRAWS,
        )
        covered.append(found["level_low"] <= ITS_EFFECT <= found["level_high"])
    modelled = "month-of-year terms" if found["seasonal"] else "no month-of-year terms"
    if not found["seasonal"]:
        # The report gives no p and claims nothing here (its_verdict); the interval is shown "if the KPI has
        # no seasonal pattern", so its coverage is asserted only where the series has none.
        checks = [
            Check("ITS level change", f"{scenario} ({modelled}), nothing planted: no p given",
                  "effects claimed", float(np.mean(alarms)), 0.0, REPLICATIONS, high=0.0),
        ]  # fmt: skip
        if asserted:
            checks.append(
                coverage_check("ITS level change", f"{scenario} ({modelled}), level +{ITS_EFFECT} planted", covered)
            )
        else:
            checks.append(Check("ITS level change", f"{scenario} ({modelled})", "coverage (reference, not asserted)",
                                float(np.mean(covered)), 0.95, REPLICATIONS))  # fmt: skip
        return checks
    return [
        false_alarm_check(
            "ITS level change",
            f"{scenario} ({modelled}), nothing planted",
            alarms,
            alpha=ALPHA,
            limit=FALSE_ALARM_LIMIT,
        ),
        coverage_check("ITS level change", f"{scenario} ({modelled}), level +{ITS_EFFECT} planted", covered),
    ]


@functools.cache
def calibrate() -> list[Check]:
    rng = np.random.default_rng(20260)
    checks = did_checks(rng, teams=8, reps=4, by="team", scenario="4 of 8 teams treated, team × month shocks")
    checks += did_checks(rng, teams=5, reps=6, by="rep", scenario="half the reps of 5 teams treated (30 reps)")
    # 2 of 4 teams: 6 possible assignments, smallest p 2/6 — the report must never claim an effect.
    claims = []
    for seed in range(REPLICATIONS):
        frame = panel(rng, teams=4, reps=4, effect=EFFECT, by="team")
        claims.append(claimed(cs.did_cells(frame, "team", alpha=ALPHA, power=POWER, seed=seed, draws=RI_DRAWS)))
    checks.append(
        Check("DiD effect", "2 of 4 teams treated, effect planted: p refused (smallest p 2/6)",
              "effects claimed", float(np.mean(claims)), 0.0, REPLICATIONS, high=0.0)
    )  # fmt: skip
    checks += its_checks(rng, before=12, seasonal=0.0, scenario="12 months before, 12 after, no seasonality")
    checks += its_checks(rng, before=24, seasonal=1.0, scenario="24 months before, 12 after, seasonal")
    checks += its_checks(rng, before=12, seasonal=1.0, scenario="12 months before, 12 after, seasonal", asserted=False)
    return checks


def test_casestudy_calibration():
    assert_checks(calibrate())


def test_exact_assignments_enumerate_every_pick_and_its_smallest_p():
    frame = panel(np.random.default_rng(1), teams=4, reps=2, effect=0.0)
    pick = cs.assignments(frame, strata=False, seed=0)
    assert pick.kind == "exact_ri" and pick.total == 6 and pick.matrix.shape == (6, 4)
    assert (pick.matrix.sum(axis=1) == 2).all() and len({tuple(r) for r in pick.matrix}) == 6
    assert pick.min_p == 2 / 6 and pick.min_p_text == "2/6"  # the actual pick ties its mirror image
    frame = panel(np.random.default_rng(1), teams=7, reps=2, effect=0.0)
    frame["treated"] = frame["unit"] == "T0"
    pick = cs.assignments(frame, strata=False, seed=0)
    assert (pick.total, pick.min_p_text) == (7, "1/7")
