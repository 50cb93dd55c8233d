"""The ground truth of a generated demo: every planted effect, in units a test can compare with a report.

:func:`_truth` assembles ``ground_truth.json`` section by section (the key order of
the file is the order of the sections below): what was planted (the parameters of
:mod:`salesnb.demo.constants`), what the generated rows actually show (observed
rates, medians, counts; clean deals only), and the definitions used to state them.
Nothing here draws a random number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesnb.demo.constants import (
    _ANNUAL_GROWTH,
    _BASE_CONVERSION,
    _BOTTLENECK_CONVERSION,
    _BUSY_ACTIVITY_FACTOR,
    _CSAT_BASELINE,
    _CSAT_CHANGE,
    _CSAT_NOISE,
    _CYCLE_CHANGE_SHARE,
    _INTERVENTION_DAY,
    _LOST_CODE,
    _MEDIAN_AMOUNT,
    _MEDIAN_CYCLE_DAYS,
    _MONTHLY_SEASONALITY,
    _N_DAYS,
    _RAMP_START_SHARE,
    _SKILL_BUSY,
    _SKILL_ELIGIBLE_DAYS,
    _SNAPSHOT,
    _STALL_FACTOR,
    _STATUS_CODES,
    _SURVEY_SHARE,
    _TIER_TARGET_FACTOR,
    _WEEKEND_FACTOR,
    _WIN_RATE_CHANGE,
    BOTTLENECK_FROM,
    BOTTLENECK_TEAM,
    BOTTLENECK_TO,
    CURRENCY,
    GENERATOR_VERSION,
    HISTORY_START,
    INTERVENTION_DATE,
    LOST_STAGE,
    OPEN_STAGES,
    RAMP_MONTHS,
    SEGMENTS,
    SNAPSHOT_DATE,
    STAGES,
    TEAMS,
    TIERS,
    WON_STAGE,
)
from salesnb.demo.deals import _Deals
from salesnb.demo.helpers import _day, _day_numbers, _deal_ids, _iso, _round, _year
from salesnb.demo.roster import _Roster
from salesnb.demo.stages import _History, _Outcome
from salesnb.schema import ACTIVITIES, DEALS, SURVEYS


@dataclass(frozen=True)
class _Facts:
    """Per clean deal arrays that several sections of the truth read."""

    roster: _Roster
    deals: _Deals
    team: np.ndarray  # the deal's rep's team
    status: np.ndarray  # 0 open, 1 won, 2 lost at the snapshot
    closed: np.ndarray
    won: np.ndarray
    cycle: np.ndarray  # days from creation to close of won deals, -1 for the others
    treated_rep: np.ndarray  # the deal's rep is in the pilot
    after: np.ndarray  # created on or after the intervention date
    deals_2024_2025: np.ndarray  # per rep: deals created in 2024-2025

    def rate(self, mask: np.ndarray) -> float | None:
        """Observed win rate of the closed deals in ``mask``; None without any."""
        closed = mask & self.closed
        return _round(self.won[closed].mean()) if closed.any() else None

    def median_cycle(self, mask: np.ndarray) -> float | None:
        """Median won cycle in days of the won deals in ``mask``; None without any."""
        won = mask & self.won
        return _round(np.median(self.cycle[won])) if won.any() else None


def _facts(roster: _Roster, deals: _Deals, outcome: _Outcome) -> _Facts:
    """Derive the shared per-deal arrays once."""
    status = outcome.status
    won = status == 1
    in_2024_2025 = (deals.created >= _day("2024-01-01")) & (deals.created <= _SNAPSHOT)
    return _Facts(
        roster=roster,
        deals=deals,
        team=roster.team[deals.rep],
        status=status,
        closed=status > 0,
        won=won,
        cycle=np.where(won, outcome.closed - deals.created, -1),
        treated_rep=roster.treated[deals.rep],
        after=deals.created >= _INTERVENTION_DAY,
        deals_2024_2025=np.bincount(deals.rep[in_2024_2025], minlength=roster.size),
    )


def _truth(
    seed: int,
    n_deals: int,
    roster: _Roster,
    deals: _Deals,
    history: _History,
    outcome: _Outcome,
    quirks: dict,
    tables: dict[str, pd.DataFrame],
) -> dict:
    """The JSON-serialisable ground truth of a generated demo.

    Parameters
    ----------
    seed, n_deals : int
        As given to :func:`salesnb.demo.generate_demo`.
    roster, deals, history, outcome
        The generator's arrays.
    quirks : dict
        The dirty rows planted, by kind (:func:`salesnb.demo.quirks._plant_quirks`).
    tables : dict of str to DataFrame
        The tables as written.

    Returns
    -------
    dict
        ``ground_truth.json``'s content.
    """
    facts = _facts(roster, deals, outcome)
    counts = {name: len(frame) for name, frame in tables.items()}
    return {
        "generator": {"module": "salesnb.demo", "version": GENERATOR_VERSION, "seed": seed, "n_deals": n_deals},
        "calendar": _calendar_truth(),
        "stages": {"order": list(STAGES), "won_stage": WON_STAGE, "lost_stage": LOST_STAGE},
        "row_counts": counts,
        "deals": _deals_truth(facts, n_deals, quirks, counts),
        "seasonality": _seasonality_truth(),
        "bottleneck": _bottleneck_truth(facts, history, n_deals),
        "intervention": _intervention_truth(facts, tables[SURVEYS.name]),
        "ramp": _ramp_truth(roster),
        "attrition": _attrition_truth(roster),
        "rep_skill": _rep_skill_truth(facts, tables[ACTIVITIES.name]),
        "busy_not_closing": _busy_truth(roster),
        "stage_irregularities": _irregularities_truth(history, n_deals),
        "stalled_deals": _stalled_truth(deals, facts.status, n_deals),
        "quirks": {kind: detail["count"] for kind, detail in quirks.items()},
        "quirk_rows": {
            kind: {key: value for key, value in detail.items() if key != "count"} for kind, detail in quirks.items()
        },
        "accounts": _accounts_truth(deals, facts.won),
        "csat": _csat_truth(),
        "targets": _targets_truth(),
        "costs": {
            "categories": ["crm_tools", "events", "marketing", "sales_commission", "sales_salary"],
            "notes": "monthly; crm_tools starts with the CRM pilot (treated reps' seats); marketing scales with deals created",
        },
    }


# --- calendar and deals -----------------------------------------------------------


def _calendar_truth() -> dict:
    """The fixed calendar and formats of every demo."""
    return {
        "history_start": HISTORY_START,
        "history_end": SNAPSHOT_DATE,
        "snapshot_date": SNAPSHOT_DATE,
        "currency": CURRENCY,
        "date_format": "YYYY-MM-DD",
        "period_end_convention": "period_end is the last day of the period, inclusive",
    }


def _deals_truth(facts: _Facts, n_deals: int, quirks: dict, counts: dict[str, int]) -> dict:
    """Row counts, status counts, win rates, segment mix, planted and observed amount and cycle medians."""
    deals, status = facts.deals, facts.status
    return {
        "clean_rows": n_deals,
        "quirk_rows": sum(detail["count"] for detail in quirks.values()),
        "rows_written": counts[DEALS.name],
        "status_counts": {s: int((status == code).sum()) for code, s in enumerate(_STATUS_CODES)},
        "observed_win_rate": facts.rate(np.ones(n_deals, bool)),
        "true_win_rate": _round(deals.p_win.mean()),
        "segment_share": {s: _round((deals.segment == k).mean()) for k, s in enumerate(SEGMENTS)},
        "planted_median_amount": {s: float(_MEDIAN_AMOUNT[k]) for k, s in enumerate(SEGMENTS)},
        "observed_median_amount": {
            s: _round(np.median(deals.amount[deals.segment == k]), 2) for k, s in enumerate(SEGMENTS)
        },
        "planted_median_cycle_days": {s: float(_MEDIAN_CYCLE_DAYS[k]) for k, s in enumerate(SEGMENTS)},
        "observed_median_cycle_days_before_intervention": {
            s: facts.median_cycle((deals.segment == k) & ~facts.after) for k, s in enumerate(SEGMENTS)
        },
        "notes": [
            "amount of an open deal is its expected value if won; of a lost deal, the quoted value",
            "deals created by a rep who later left may close after left_at; the CRM keeps the owner",
            "observed rates count clean deals only (quirk rows excluded), by created_at",
            "the CRM starts on history_start with an empty pipeline, so closes and won revenue ramp up "
            "through 2023-Q1; compare periods from 2023-Q2 on, or by created_at",
        ],
    }


def _seasonality_truth() -> dict:
    """The planted deal-creation seasonality, weekend dip and growth."""
    return {
        "applies_to": "deal creation intensity per day (deals created)",
        "monthly_multiplier": {f"{m + 1:02d}": float(v) for m, v in enumerate(_MONTHLY_SEASONALITY)},
        "weekend_multiplier": _WEEKEND_FACTOR,
        "annual_growth": _ANNUAL_GROWTH,
        "notes": "multipliers average 1; headcount changes and growth also move monthly counts",
    }


# --- bottleneck and intervention --------------------------------------------------


def _bottleneck_truth(facts: _Facts, history: _History, n_deals: int) -> dict:
    """The planted bottleneck and every team's observed conversion through it."""
    return {
        "team": BOTTLENECK_TEAM,
        "stage": BOTTLENECK_FROM,
        "from_stage": BOTTLENECK_FROM,
        "to_stage": BOTTLENECK_TO,
        "planted_conversion": _BOTTLENECK_CONVERSION,
        "other_conversion": float(_BASE_CONVERSION[2]),
        "observed_conversion_by_team": _observed_conversion(facts, history, n_deals),
        "definition": (
            "next-step conversion = closed deals whose furthest stage is at or beyond to_stage / closed deals "
            "whose furthest stage is at or beyond from_stage (Won counts as beyond every open stage); "
            "every team's observed value includes the CRM pilot's extra wins from 2025 (half of each team's "
            "reps are in the pilot)"
        ),
    }


def _observed_conversion(facts: _Facts, history: _History, n_deals: int) -> dict[str, float | None]:
    """Per team, the bottleneck step's conversion of closed deals as the stage history shows it."""
    # Furthest stage reached per deal (Won counts as 4) under "a later stage counts as passed".
    starts = np.flatnonzero(np.append(True, history.deal[1:] != history.deal[:-1]))
    furthest = np.maximum.reduceat(np.where(history.stage == _LOST_CODE, -1, history.stage), starts)
    furthest_by_deal = np.full(n_deals, -1)
    furthest_by_deal[history.deal[starts]] = furthest
    from_code, to_code = OPEN_STAGES.index(BOTTLENECK_FROM), OPEN_STAGES.index(BOTTLENECK_TO)
    observed_conversion = {}
    for t, name in enumerate(TEAMS):
        reached = facts.closed & (facts.team == t) & (furthest_by_deal >= from_code)
        observed_conversion[name] = _round((furthest_by_deal[reached] >= to_code).mean()) if reached.any() else None
    return observed_conversion


def _intervention_truth(facts: _Facts, surveys: pd.DataFrame) -> dict:
    """The CRM pilot: who is treated, the planted effects and both groups' observed before/after values."""
    roster = facts.roster
    groups = _pilot_groups(facts, surveys)
    return {
        "name": "CRM pilot",
        "date": INTERVENTION_DATE,
        "assignment": "reps",
        "assignment_rule": "seeded random half (rounded down) of each team's reps employed on date; reps who "
        "left before date or were hired after it are not in the pilot; every rep not treated is a control",
        "treated_reps": roster.rep_id[roster.treated].tolist(),
        "treated_reps_by_team": {
            name: int((roster.treated & (roster.team == t)).sum()) for t, name in enumerate(TEAMS)
        },
        "applies_to": "deals created on/after date by treated reps (cycle and win rate); "
        "surveys dated on/after date for treated reps (CSAT)",
        "cycle_change_share": _CYCLE_CHANGE_SHARE,
        "win_rate_change_pp": _WIN_RATE_CHANGE * 100,
        "csat_change": _CSAT_CHANGE,
        "treated": groups["treated"],
        "control": groups["control"],
        "notes": (
            "every stage time of a treated deal is scaled, so the won cycle shrinks by the share; "
            "deals created late in 2025 are often still open, so 'after' rates and cycles of closed deals are "
            "censored for both groups alike: compare treated with control (difference in differences)"
        ),
    }


def _pilot_groups(facts: _Facts, surveys: pd.DataFrame) -> dict[str, dict]:
    """``treated`` and ``control``: each group's reps and its observed values before and after the date."""
    roster = facts.roster
    survey_day = _day_numbers(surveys["surveyed_at"])
    survey_rep = pd.Index(roster.rep_id).get_indexer(surveys["rep_id"])
    survey_treated = roster.treated[survey_rep]
    survey_after = survey_day >= _INTERVENTION_DAY
    score = surveys["score"].to_numpy(dtype=float)
    groups = {}
    for name, is_treated in (("treated", True), ("control", False)):
        in_survey = survey_treated if is_treated else ~survey_treated
        csat = (_mean_score(score[in_survey & ~survey_after]), _mean_score(score[in_survey & survey_after]))
        groups[name] = _pilot_group(facts, is_treated, csat)
    return groups


def _mean_score(scores: np.ndarray) -> float | None:
    """Mean CSAT to two decimals; None without any survey."""
    return _round(scores.mean(), 2) if scores.size else None


def _pilot_group(facts: _Facts, is_treated: bool, csat: tuple[float | None, float | None]) -> dict:
    """One pilot group's reps, true and observed win rates, won cycles and CSAT (before, after)."""
    deals, after = facts.deals, facts.after
    in_group = facts.treated_rep if is_treated else ~facts.treated_rep
    rep_in_group = facts.roster.treated if is_treated else ~facts.roster.treated
    return {
        "reps": int(rep_in_group.sum()),
        "reps_with_deals_2024_2025": int((rep_in_group & (facts.deals_2024_2025 > 0)).sum()),
        "true_win_rate_before": _round(deals.p_before[in_group & ~after].mean()),
        "true_win_rate_after": _round(deals.p_win[in_group & after].mean()),
        "observed_win_rate_before": facts.rate(in_group & ~after),
        "observed_win_rate_after": facts.rate(in_group & after),
        "observed_median_cycle_days_before": facts.median_cycle(in_group & ~after),
        "observed_median_cycle_days_after": facts.median_cycle(in_group & after),
        "observed_mean_csat_before": csat[0],
        "observed_mean_csat_after": csat[1],
    }


# --- reps -------------------------------------------------------------------------


def _ramp_truth(roster: _Roster) -> dict:
    """The planted ramp of new hires and the reps hired in the window."""
    hires = np.flatnonzero(roster.hired >= 0)
    return {
        "months": RAMP_MONTHS,
        "start_share": _RAMP_START_SHARE,
        "shape": "linear from start_share on hired_at to 1 after `months` months",
        "applies_to": "deal creation rate (hence revenue) of reps hired in the window; win rate and deal size "
        "are not ramped; targets of new hires are ramped the same way",
        "hires": [
            {"rep_id": roster.rep_id[i], "team": TEAMS[roster.team[i]], "hired_at": _iso(roster.hired[i])}
            for i in hires
        ],
    }


def _attrition_truth(roster: _Roster) -> dict:
    """Leavers, hires, headcount and attrition rate per year, before and after the intervention."""
    days = np.arange(_N_DAYS)
    headcount = roster.employed(days).sum(axis=0)
    year_of_day = _year(days)
    attrition = _attrition_by_year(roster, headcount, year_of_day)
    before_leavers = sum(attrition[str(y)]["leavers"] for y in (2023, 2024))
    before_headcount = float(headcount[year_of_day < 2025].mean())
    leaver_index = np.flatnonzero(roster.left <= _SNAPSHOT)
    return {
        "definition": "rate = leavers with left_at in the calendar year / mean daily headcount in that year; "
        "a rep counts from hired_at through left_at inclusive",
        "by_year": attrition,
        "annual_rate_before_intervention": _round(before_leavers / 2 / before_headcount),
        "annual_rate_after_intervention": attrition["2025"]["rate"],
        "leavers": [
            {"rep_id": roster.rep_id[i], "team": TEAMS[roster.team[i]], "left_at": _iso(roster.left[i])}
            for i in leaver_index
        ],
    }


def _attrition_by_year(roster: _Roster, headcount: np.ndarray, year_of_day: np.ndarray) -> dict[str, dict]:
    """Per calendar year of the window: leavers, hires, headcount at start, end and on average, rate."""
    left_year = np.where(roster.left <= _SNAPSHOT, _year(np.minimum(roster.left, _SNAPSHOT)), 0)
    hired_year = np.where(roster.hired >= 0, _year(np.maximum(roster.hired, 0)), 0)
    attrition = {}
    for year in (2023, 2024, 2025):
        in_year = year_of_day == year
        leavers = int((left_year == year).sum())
        average = float(headcount[in_year].mean())
        attrition[str(year)] = {
            "leavers": leavers,
            "hires": int((hired_year == year).sum()),
            "headcount_start": int(headcount[in_year][0]),
            "headcount_end": int(headcount[in_year][-1]),
            "average_headcount": _round(average, 2),
            "rate": _round(leavers / average),
        }
    return attrition


def _rep_skill_truth(facts: _Facts, activities: pd.DataFrame) -> dict:
    """The planted strong and weak reps, the strongest and weakest by true win rate, and every rep's facts."""
    roster, deals = facts.roster, facts.deals
    window_days = roster.days_in_window()
    eligible = window_days >= _SKILL_ELIGIBLE_DAYS
    true_rate = np.bincount(deals.rep, weights=deals.p_win, minlength=roster.size) / np.maximum(
        np.bincount(deals.rep, minlength=roster.size), 1
    )
    ranked = [i for i in np.argsort(-true_rate, kind="stable") if eligible[i]]
    return {
        "definition": "true_win_rate = mean planted win probability of the rep's clean deals (includes team, "
        "segment, lead source and CRM pilot effects); the multiplier scales the rep's win probability "
        "through Qualification->Proposal and Negotiation->Won",
        "eligibility": f"at least {_SKILL_ELIGIBLE_DAYS} days employed within the history window",
        "strongest": [roster.rep_id[i] for i in ranked[:3]],
        "weakest": [roster.rep_id[i] for i in ranked[-3:][::-1]],
        "planted_strong": roster.rep_id[roster.strong].tolist(),
        "planted_weak": roster.rep_id[roster.weak].tolist(),
        "reps": _rep_rows(facts, activities, true_rate, window_days),
    }


def _rep_rows(facts: _Facts, activities: pd.DataFrame, true_rate: np.ndarray, window_days: np.ndarray) -> list[dict]:
    """One entry per rep: team, tier, skill multiplier, true and observed win rate, deal and activity counts."""
    roster, deals = facts.roster, facts.deals
    closed_by_rep = np.bincount(deals.rep[facts.closed], minlength=roster.size)
    won_by_rep = np.bincount(deals.rep[facts.won], minlength=roster.size)
    deals_by_rep = np.bincount(deals.rep, minlength=roster.size)
    activity_by_rep = activities["rep_id"].value_counts()
    rep_rows = []
    for i in range(roster.size):
        rep_rows.append(
            {
                "rep_id": roster.rep_id[i],
                "team": TEAMS[roster.team[i]],
                "tier": TIERS[roster.tier[i]],
                "win_rate_multiplier": _round(roster.skill[i]),
                "true_win_rate": _round(true_rate[i]),
                "observed_win_rate": _round(won_by_rep[i] / closed_by_rep[i]) if closed_by_rep[i] else None,
                "closed_deals": int(closed_by_rep[i]),
                "deals_created": int(deals_by_rep[i]),
                "activities": int(activity_by_rep.get(roster.rep_id[i], 0)),
                "days_employed_in_window": int(window_days[i]),
            }
        )
    return rep_rows


def _busy_truth(roster: _Roster) -> dict:
    """The planted "busy but not closing" reps."""
    return {
        "rep_ids": roster.rep_id[roster.busy].tolist(),
        "activity_multiplier": _BUSY_ACTIVITY_FACTOR,
        "win_rate_multiplier": _SKILL_BUSY,
        "notes": "activities per deal about 2.5x the others' while the win rate is well below the team's",
    }


# --- stage history ----------------------------------------------------------------


def _irregularities_truth(history: _History, n_deals: int) -> dict:
    """Counts and examples of the skipped, backward and reopened deals."""
    return {
        "skipped_stage_deals": int(history.skipped.size),
        "backward_move_deals": int(history.backward.size),
        "reopened_deals": int(history.reopened.size),
        "reopened_outcome": history.reopen_outcome,
        "notes": "each irregular deal has exactly one irregularity: one skipped intermediate stage, one move "
        "back to the previous stage and forward again, or Lost then back in the stage lost in",
        "examples": {
            "skipped": _deal_ids(history.skipped[:5], n_deals).tolist(),
            "backward": _deal_ids(history.backward[:5], n_deals).tolist(),
            "reopened": _deal_ids(history.reopened[:5], n_deals).tolist(),
        },
    }


def _stalled_truth(deals: _Deals, status: np.ndarray, n_deals: int) -> dict:
    """The stalled deals: how many, and those still open at the snapshot with their stage."""
    still_open = status[deals.stalled] == 0
    return {
        "count": int(deals.stalled.size),
        "open_at_snapshot": int(still_open.sum()),
        "open_deals": [
            {"deal_id": deal_id, "stalled_stage": STAGES[stage]}
            for deal_id, stage in zip(
                _deal_ids(deals.stalled[still_open], n_deals).tolist(),
                deals.stall_stage[still_open].tolist(),
                strict=True,
            )
        ],
        "stage_time_factor": list(_STALL_FACTOR),
        "notes": "one stage of each stalled deal lasts 4-12x its usual time; stuck-deal lists should be "
        "dominated by the stalled deals still open (truth gives counts, not a list, since natural slow "
        "deals also pass a p90 threshold)",
    }


# --- accounts, surveys, targets ---------------------------------------------------


def _accounts_truth(deals: _Deals, won: np.ndarray) -> dict:
    """Accounts with deals and wins, repeat buyers and the top 20 %'s share of won revenue."""
    account_revenue = np.bincount(deals.account[won], weights=deals.amount[won])
    account_revenue = np.sort(account_revenue[account_revenue > 0])[::-1]
    top_share = account_revenue[: max(int(round(account_revenue.size * 0.2)), 1)].sum() / account_revenue.sum()
    wins_per_account = np.bincount(deals.account[won])
    return {
        "accounts_with_deals": int(np.unique(deals.account).size),
        "accounts_with_wins": int(account_revenue.size),
        "repeat_buyers": int((wins_per_account >= 2).sum()),
        "top_20pct_share_of_won_revenue": _round(top_share),
    }


def _csat_truth() -> dict:
    """The planted CSAT scale, baseline, noise and survey share."""
    return {
        "scale": 100,
        "baseline_mean": _CSAT_BASELINE,
        "noise_sd": _CSAT_NOISE,
        "survey_share_of_won_deals": _SURVEY_SHARE,
        "notes": "scores are integers clipped to 0-100; sent 3-21 days after a won deal closes",
    }


def _targets_truth() -> dict:
    """How the revenue targets are set."""
    return {
        "metric": "revenue",
        "periods": "quarters 2023Q1-2026Q1; 2026Q1 is the quarter after the snapshot",
        "rule": "rep value = expected won revenue closing in the quarter per ramped, tier-weighted rep x growth "
        "room U(1.00, 1.12) x tier factor x share of quarter employed x ramp, +-3 % noise, rounded to 1,000 "
        "(2023-Q1 planned like 2023-Q2; 2026-Q1 = 2025-Q1 x 1.12); team rows (rep_id empty) are the exact sum "
        "of their reps' rows; attainment in 2023-Q1 is low because the pipeline starts empty",
        "tier_factor": {t: float(f) for t, f in zip(TIERS, _TIER_TARGET_FACTOR, strict=True)},
    }
