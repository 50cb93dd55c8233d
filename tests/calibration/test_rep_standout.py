"""Calibration of the diagnosis report's rep standout claim (report 01).

Claim simulated, through the same decision the report makes (:func:`salesnb.analysis.diagnosis.rate_reps`,
which :func:`salesnb.analysis.diagnosis.rep_scorecard` calls on the per-rep frame it aggregates):

- **rep standout** — a rep named above or below the team's win rate (findings, scorecard "Win rate
  vs team" column, the training action). The rule: the chi-square omnibus test over reps with enough
  closed deals finds a difference, *and* the score test of the rep's rate against the team rate stays
  below alpha after Holm correction across those reps. A false alarm is any rep named in a replication
  where every rep has the same rate (family-wise).
- **rep win-rate ranking shown** — ranks, percentiles and the activity/conversion quadrant on win rate
  appear only when the omnibus test finds a difference; a false alarm is showing them when nothing differs.
- The **95 % interval** printed beside each rep's win rate (Wilson) is checked for coverage of the rep's
  true rate, over every rep (including the 5–15-deal ones) and over the planted reps alone.

Data are shaped like a real CRM quarter: 15–35 reps, uneven volumes (about a fifth with 5–15 closed
deals, the rest log-normal around 60 with some past 150), open deals beside the closed ones (they must
not enter the rate), team win rates between 20 % and 50 %.
"""

from __future__ import annotations

import functools
from datetime import date

import numpy as np
import pandas as pd

from salesnb.analysis import diagnosis as dx
from salesnb.analysis.metrics import Window
from salesnb.data import from_frames
from salesnb.params import Params
from tests.calibration.common import (
    Check,
    assert_checks,
    coverage_check,
    false_alarm_check,
    power_check,
)

CLAIM = "rep standout"
ALPHA = dx.ALPHA
MIN_CLOSED = 30  # DiagnosisParams.min_closed_deals default
NULL_REPLICATIONS = 400
PLANTED_REPLICATIONS = 300
EFFECT = 0.15  # planted strong rep +15 pp, weak rep −15 pp
PLANTED_CLOSED = (120, 200)  # closed deals of each planted rep in the quarter
POWER_FLOOR = 0.8
QUARTER = Window("2025-Q4", date(2025, 10, 1), date(2025, 12, 31))


def simulate(rng: np.random.Generator, *, planted: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """Deal-level rows of one quarter (rep_id, status) and each rep's true win rate.

    With ``planted``, rep 0 wins EFFECT more often than the base rate and rep 1 EFFECT less, each with
    a volume drawn from PLANTED_CLOSED; every other rep has the base rate.
    """
    reps = int(rng.integers(15, 36))
    base = rng.uniform(0.2, 0.5)
    few = rng.random(reps) < 0.2
    closed = np.where(
        few, rng.integers(5, 16, reps), np.clip(rng.lognormal(np.log(60), 0.7, reps), 16, 400).astype(int)
    )
    rates = np.full(reps, base)
    if planted:
        closed[:2] = rng.integers(*PLANTED_CLOSED, 2)
        rates[0], rates[1] = base + EFFECT, base - EFFECT
    won = rng.binomial(closed, rates)
    open_ = rng.poisson(0.3 * closed)
    rep_ids = [f"R{i:02d}" for i in range(reps)]
    status = np.concatenate(
        [np.repeat(["won", "lost", "open"], [w, c - w, o]) for w, c, o in zip(won, closed, open_, strict=True)]
    )
    deals = pd.DataFrame({"rep_id": np.repeat(rep_ids, closed + open_), "status": status})
    return deals, rates


def per_rep(deals: pd.DataFrame) -> pd.DataFrame:
    """What deal_kpis(by="rep_id") returns for the rate: won and lost among closed deals (open ones left out)."""
    status = deals["status"]
    frame = pd.DataFrame({"won": status == "won", "lost": status == "lost"}).groupby(deals["rep_id"]).sum()
    frame = frame.reset_index()
    return frame.assign(closed=frame["won"] + frame["lost"])


def decide(deals: pd.DataFrame) -> dx.Scorecard:
    return dx.rate_reps(per_rep(deals), min_closed=MIN_CLOSED, alpha=ALPHA)


@functools.cache
def calibrate() -> list[Check]:
    rng = np.random.default_rng(20251)
    any_named, ranked = [], []
    for _ in range(NULL_REPLICATIONS):
        card = decide(simulate(rng, planted=False)[0])
        any_named.append((card.summary["standout"] != "").any())
        ranked.append("win_rate_rank" in card.summary)
    strong, weak, wrong, covered, covered_planted = [], [], [], [], []
    for _ in range(PLANTED_REPLICATIONS):
        deals, rates = simulate(rng, planted=True)
        card = decide(deals)
        s = card.summary.set_index("rep_id").loc[[f"R{i:02d}" for i in range(len(rates))]]
        strong.append(s["standout"].iloc[0] == "above")
        weak.append(s["standout"].iloc[1] == "below")
        wrong.append((s["standout"].iloc[2:] != "").any())
        inside = (s["win_rate_low"].to_numpy() <= rates) & (rates <= s["win_rate_high"].to_numpy())
        covered.extend(inside)
        covered_planted.extend(inside[:2])
    nothing = "15–35 reps, uneven volumes, all at one rate"
    planted = f"one rep +{EFFECT * 100:.0f} pp, one −{EFFECT * 100:.0f} pp, {PLANTED_CLOSED[0]}–{PLANTED_CLOSED[1]} closed deals each"
    return [
        false_alarm_check(CLAIM, nothing + " (any rep named)", any_named, alpha=ALPHA),
        false_alarm_check("rep win-rate ranking shown", nothing, ranked, alpha=ALPHA),
        false_alarm_check(CLAIM, planted + " (an unplanted rep named)", wrong, alpha=ALPHA),
        power_check(CLAIM, planted + " (strong rep named above)", strong, floor=POWER_FLOOR),
        power_check(CLAIM, planted + " (weak rep named below)", weak, floor=POWER_FLOOR),
        coverage_check(CLAIM, planted + " (every rep's 95% interval)", covered),
        coverage_check(CLAIM, planted + " (planted reps' 95% intervals)", covered_planted),
    ]


def test_rep_standout_calibration():
    assert_checks(calibrate())


def test_simulated_decision_matches_the_report_path():
    """The scorecard the report builds through Ibis names the same reps as the simulation's shortcut."""
    rng = np.random.default_rng(3)
    deals, _ = simulate(rng, planted=True)
    n = len(deals)
    frame = deals.assign(
        deal_id=[str(i) for i in range(n)],
        created_at=pd.Timestamp("2025-10-01"),
        closed_at=pd.Series(pd.Timestamp("2025-11-15"), index=deals.index).where(deals["status"] != "open"),
        amount=100.0,
    )
    params = Params.model_validate(
        {
            "client": "sim",
            "period": "2025-Q4",
            "stages": {"order": ["Lead", "Won"], "won": "Won", "lost": "Lost"},
            "data": {"tables": {"deals": {"file": "x.csv"}}},
        }
    )
    report = dx.rep_scorecard(from_frames(params, {"deals": frame}), QUARTER, min_closed=MIN_CLOSED)
    shortcut = decide(deals)
    columns = ["won", "closed", "standout", "win_rate_p_holm"]
    left = report.summary.set_index("rep_id").sort_index()[columns]
    right = shortcut.summary.set_index("rep_id").sort_index()[columns]
    pd.testing.assert_frame_equal(left, right, check_dtype=False)
    assert report.homogeneity_p == shortcut.homogeneity_p and (left["standout"] != "").any()
