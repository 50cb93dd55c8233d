"""The demo's activities, CSAT surveys, revenue targets and monthly costs.

Plants: more touches on deals that go further and on the "busy but not closing" reps
(activities per deal about 2.5x the others'), prospecting touches not linked to a deal;
CSAT surveys after some won deals, higher for the CRM pilot's treated reps from
``INTERVENTION_DATE``; quarterly revenue targets per rep (ramped, tier-weighted) and per
team (the exact sum of their reps'); monthly costs by category, with CRM seats from the
pilot on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesnb.demo.constants import (
    _CSAT_BASELINE,
    _CSAT_CHANGE,
    _CSAT_NOISE,
    _INTERVENTION_DAY,
    _N_DAYS,
    _SNAPSHOT,
    _START,
    _SURVEY_SHARE,
    _TIER_MONTHLY_SALARY,
    _TIER_TARGET_FACTOR,
    ACTIVITY_TYPES,
    HISTORY_START,
    TEAMS,
)
from salesnb.demo.deals import _Deals
from salesnb.demo.helpers import _account_ids, _dates, _deal_ids, _draw_category, _labels, _off_weekend
from salesnb.demo.roster import _Roster
from salesnb.demo.stages import _Outcome
from salesnb.schema import ACTIVITIES, COSTS, SURVEYS, TARGETS

# --- activities -------------------------------------------------------------------

_ACTIVITY_MIX_BY_SEGMENT = np.array([[0.50, 0.35, 0.10, 0.05], [0.40, 0.30, 0.20, 0.10], [0.30, 0.25, 0.25, 0.20]])
_PROSPECTING_ACTIVITY_MIX = np.array([0.55, 0.35, 0.05, 0.05])
_ACTIVITIES_PER_DEAL = np.array([1.0, 1.6, 2.4])
_PROSPECTING_ACTIVITIES_PER_DEAL = 0.9


def _draw_activities(rng: np.random.Generator, roster: _Roster, deals: _Deals, outcome: _Outcome) -> pd.DataFrame:
    """The ``activities`` table: touches on deals, then prospecting touches, sorted by day and rep.

    Parameters
    ----------
    rng : numpy.random.Generator
        The activities' own stream.
    roster, deals, outcome
        Reps, clean deals and their outcomes.

    Returns
    -------
    DataFrame
        One row per activity; prospecting rows have no deal id.
    """
    n = deals.created.size
    deal, occurred, kind = _draw_deal_touches(rng, roster, deals, outcome)
    rep = deals.rep[deal]
    free_rep, free_day, free_account, free_kind = _draw_prospecting(rng, roster, deals)

    all_rep = np.concatenate([rep, free_rep])
    all_day = np.concatenate([occurred, free_day])
    order = np.lexsort((rng.random(all_rep.size), all_rep, all_day))
    linked = np.concatenate([np.ones(deal.size, bool), np.zeros(free_rep.size, bool)])[order]
    deal_index = np.concatenate([deal, np.zeros(free_rep.size, np.int64)])[order]
    columns = {
        "rep_id": _labels(all_rep[order], roster.rep_id),
        "occurred_at": _dates(all_day[order]),
        "type": _labels(np.concatenate([kind, free_kind])[order], ACTIVITY_TYPES),
        "deal_id": _deal_ids(deal_index, n, present=linked),
        "account_id": _account_ids(np.concatenate([deals.account[deal], free_account])[order]),
    }
    return pd.DataFrame(columns)[list(ACTIVITIES.columns)]


def _draw_deal_touches(
    rng: np.random.Generator, roster: _Roster, deals: _Deals, outcome: _Outcome
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Activities linked to a deal, on weekdays between its creation and its close (or the rep's leaving).

    Returns
    -------
    deal, day, kind : ndarray of int
        Deal index, day and activity type code per activity.
    """
    n = deals.created.size
    # Deals that went further get more touches; busy reps touch everything more.
    depth = outcome.furthest + 1
    expected = _ACTIVITIES_PER_DEAL[deals.segment] * (0.5 + 0.4 * depth) * roster.activity[deals.rep]
    count = rng.poisson(expected)
    deal = np.repeat(np.arange(n), count)
    end = np.where(outcome.closed >= 0, outcome.closed, _SNAPSHOT)
    end = np.minimum(end, roster.left[deals.rep])
    first, last = deals.created[deal], end[deal]
    occurred = first + np.floor(rng.random(deal.size) * (last - first + 1)).astype(np.int64)
    occurred = np.clip(_off_weekend(occurred), first, last)
    kind = _draw_category(rng, _ACTIVITY_MIX_BY_SEGMENT, group=deals.segment[deal])
    return deal, occurred, kind


def _draw_prospecting(
    rng: np.random.Generator, roster: _Roster, deals: _Deals
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Prospecting touches are not linked to a deal; they go to the rep's accounts.

    Returns
    -------
    rep, day, account, kind : ndarray of int
        Rep, weekday while employed, one of the rep's deals' accounts and activity type code.
    """
    deals_per_rep = np.bincount(deals.rep, minlength=roster.size)
    free_count = rng.poisson(_PROSPECTING_ACTIVITIES_PER_DEAL * deals_per_rep * roster.activity)
    free_rep = np.repeat(np.arange(roster.size), free_count)
    span_first = np.maximum(roster.hired, 0)[free_rep]
    span_last = np.minimum(roster.left, _SNAPSHOT)[free_rep]
    free_day = span_first + np.floor(rng.random(free_rep.size) * (span_last - span_first + 1)).astype(np.int64)
    free_day = np.clip(_off_weekend(free_day), span_first, span_last)
    by_rep = np.argsort(deals.rep, kind="stable")
    rep_start = np.cumsum(deals_per_rep) - deals_per_rep
    pick = rep_start[free_rep] + np.floor(rng.random(free_rep.size) * deals_per_rep[free_rep]).astype(np.int64)
    free_account = deals.account[by_rep[pick]]
    free_kind = _draw_category(rng, _PROSPECTING_ACTIVITY_MIX, size=free_rep.size)
    return free_rep, free_day, free_account, free_kind


# --- surveys ----------------------------------------------------------------------


def _csat_treated(roster: _Roster, rep: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether each survey is of a pilot rep and dated on or after the intervention."""
    return roster.treated[rep] & (day >= _INTERVENTION_DAY)


def _draw_surveys(rng: np.random.Generator, roster: _Roster, deals: _Deals, outcome: _Outcome) -> pd.DataFrame:
    """The ``surveys`` table: a 0-100 CSAT score 3-21 days after a share of the won deals, by the snapshot.

    Parameters
    ----------
    rng : numpy.random.Generator
        The surveys' own stream.
    roster, deals, outcome
        Reps, clean deals and their outcomes.

    Returns
    -------
    DataFrame
        One row per survey, sorted by day.
    """
    won = np.flatnonzero((outcome.status == 1) & (rng.random(deals.created.size) < _SURVEY_SHARE))
    day = outcome.closed[won] + rng.integers(3, 22, won.size)
    won, day = won[day <= _SNAPSHOT], day[day <= _SNAPSHOT]
    rep = deals.rep[won]
    mean = _CSAT_BASELINE + roster.csat[rep] + _CSAT_CHANGE * _csat_treated(roster, rep, day)
    score = np.clip(np.rint(mean + rng.normal(0, _CSAT_NOISE, won.size)), 0, 100).astype(np.int64)
    order = np.lexsort((won, day))
    columns = {
        "surveyed_at": _dates(day[order]),
        "score": score[order],
        "rep_id": _labels(rep[order], roster.rep_id),
        "account_id": _account_ids(deals.account[won][order]),
        "scale": np.full(won.size, 100, dtype=np.int64),
    }
    return pd.DataFrame(columns)[list(SURVEYS.columns)]


# --- targets ----------------------------------------------------------------------


def _quarter_starts(first: str, count: int) -> np.ndarray:
    """The first months of ``count`` quarters from ``first`` and of the quarter after them."""
    return np.datetime64(first, "M") + np.arange(count + 1) * 3


def _draw_targets(rng: np.random.Generator, roster: _Roster, deals: _Deals, outcome: _Outcome) -> pd.DataFrame:
    """The ``targets`` table: quarterly revenue targets per rep and per team, 2023-Q1 to 2026-Q1.

    Parameters
    ----------
    rng : numpy.random.Generator
        The targets' own stream.
    roster, deals, outcome
        Reps, clean deals and their outcomes.

    Returns
    -------
    DataFrame
        Per quarter and team: the team row (no rep id), then its reps' rows.
    """
    # Twelve history quarters plus the quarter after the snapshot, for pipeline coverage.
    months = _quarter_starts(HISTORY_START, 13)
    bounds = (months.astype("datetime64[D]") - _START).astype(np.int64)
    days = np.arange(bounds[-1])
    employed = roster.employed(days)
    weight = employed * roster.ramp(days)
    quarter_days = np.diff(bounds)
    fte = np.add.reduceat(employed, bounds[:-1], axis=1) / quarter_days
    ramped = np.add.reduceat(weight, bounds[:-1], axis=1) / quarter_days
    capacity = ramped * _TIER_TARGET_FACTOR[roster.tier][:, None]

    # Targets are the revenue a well-informed plan expects to close in the quarter
    # plus 0-12 % growth room. 2023-Q1 is planned as a normal quarter, although the
    # CRM's empty pipeline at history_start holds its closes down, and the quarter
    # after the snapshot as 2025-Q1 plus 12 %.
    closing_quarter = np.searchsorted(bounds, outcome.natural_close, side="right") - 1
    in_range = closing_quarter < 13
    worth = np.bincount(closing_quarter[in_range], weights=(deals.amount * deals.p_win)[in_range], minlength=13)
    per_capacity = worth / np.maximum(capacity.sum(axis=0), 1e-9)
    per_capacity[0] = per_capacity[1]
    per_capacity[12] = per_capacity[8] * 1.12
    base = per_capacity * rng.uniform(1.0, 1.12, 13)
    # A rep employed for a few days of a quarter still gets a token target, never 0.
    value = np.round(capacity * base[None, :] * rng.uniform(0.97, 1.03, capacity.shape) / 1_000) * 1_000
    value = np.maximum(value, 1_000.0)
    return _targets_frame(roster, bounds, fte, value)


def _targets_frame(roster: _Roster, bounds: np.ndarray, fte: np.ndarray, value: np.ndarray) -> pd.DataFrame:
    """Target rows of the reps employed in each quarter and of every team (the sum of its reps').

    Parameters
    ----------
    roster : _Roster
        Reps.
    bounds : ndarray of int
        First day of each quarter and of the quarter after the last.
    fte, value : ndarray, shape (reps, quarters)
        Share of the quarter employed and target value per rep.
    """
    rep, q = np.nonzero(fte > 0)
    team_value = np.zeros((len(TEAMS), 13))
    np.add.at(team_value, (roster.team[rep], q), value[rep, q])
    team, team_q = np.nonzero(np.ones_like(team_value, dtype=bool))
    period_q = np.concatenate([team_q, q])
    rep_code = np.concatenate([np.full(team.size, -1), rep])
    frame = pd.DataFrame(
        {
            "period_start": _dates(bounds[period_q]),
            "period_end": _dates(bounds[period_q + 1] - 1),
            "metric": _labels(np.zeros(period_q.size, dtype=np.int64), ("revenue",)),
            "value": np.concatenate([team_value[team, team_q], value[rep, q]]),
            "rep_id": _labels(
                np.concatenate([np.zeros(team.size, np.int64), rep]),
                roster.rep_id,
                present=np.concatenate([np.zeros(team.size, bool), np.ones(rep.size, bool)]),
            ),
            "team": _labels(np.concatenate([team, roster.team[rep]]), TEAMS),
        }
    )[list(TARGETS.columns)]
    order = np.lexsort((rep_code, np.concatenate([team, roster.team[rep]]), period_q))
    return frame.iloc[order].reset_index(drop=True)


# --- costs ------------------------------------------------------------------------

_COMMISSION_RATE = 0.03
_MARKETING_PER_DEAL = 900.0
_EVENT_MONTHS = (3, 6, 9, 11)
_EVENT_COST_PER_20K_DEALS = 150_000.0
_CRM_COST_PER_REP_MONTH = 800.0


def _draw_costs(
    rng: np.random.Generator, roster: _Roster, deals: _Deals, outcome: _Outcome, n_deals: int
) -> pd.DataFrame:
    """The ``costs`` table: monthly CRM seats, events, marketing, commission and salaries, 2023-2025.

    Parameters
    ----------
    rng : numpy.random.Generator
        The costs' own stream (marketing and event noise).
    roster, deals, outcome
        Reps, clean deals and their outcomes.
    n_deals : int
        Number of clean deals; event budgets scale with it.

    Returns
    -------
    DataFrame
        One row per month and category with a positive amount.
    """
    months = np.datetime64(HISTORY_START, "M") + np.arange(37)
    bounds = (months.astype("datetime64[D]") - _START).astype(np.int64)
    days = np.arange(_N_DAYS)
    month_of_day = np.searchsorted(bounds, days, side="right") - 1
    employed = roster.employed(days)
    salary_per_day = _TIER_MONTHLY_SALARY[roster.tier] * 12 / 365.25
    salary = np.bincount(month_of_day, weights=(employed * salary_per_day[:, None]).sum(axis=0), minlength=36)
    rep_days = np.bincount(month_of_day, weights=employed[roster.treated].sum(axis=0), minlength=36)
    month_days = np.diff(bounds)
    crm = np.where(bounds[:-1] >= _INTERVENTION_DAY, _CRM_COST_PER_REP_MONTH * rep_days / month_days, 0.0)
    created = np.bincount(month_of_day[deals.created], minlength=36)
    marketing = _MARKETING_PER_DEAL * created * rng.uniform(0.9, 1.1, 36)
    month_number = months[:-1].astype(np.int64) % 12 + 1
    events = np.where(
        np.isin(month_number, _EVENT_MONTHS),
        _EVENT_COST_PER_20K_DEALS * n_deals / 20_000 * rng.uniform(0.8, 1.2, 36),
        0,
    )
    won = outcome.status == 1
    commission = _COMMISSION_RATE * np.bincount(
        month_of_day[outcome.closed[won]], weights=deals.amount[won], minlength=36
    )
    categories = {
        "crm_tools": crm,
        "events": events,
        "marketing": marketing,
        "sales_commission": commission,
        "sales_salary": salary,
    }
    return _costs_frame(bounds, categories)


def _costs_frame(bounds: np.ndarray, categories: dict[str, np.ndarray]) -> pd.DataFrame:
    """Rows of the positive monthly amounts, rounded to cents, sorted by month then category.

    Parameters
    ----------
    bounds : ndarray of int
        First day of each month and of the month after the last.
    categories : dict of str to ndarray
        Monthly amounts per category, in category-code order.
    """
    month_index, category = [], []
    amounts = []
    for code, values in enumerate(categories.values()):
        present = np.flatnonzero(values > 0)
        month_index.append(present)
        category.append(np.full(present.size, code))
        amounts.append(np.round(values[present], 2))
    month_index, category = np.concatenate(month_index), np.concatenate(category)
    order = np.lexsort((category, month_index))
    month_index, category = month_index[order], category[order]
    frame = pd.DataFrame(
        {
            "period_start": _dates(bounds[month_index]),
            "period_end": _dates(bounds[month_index + 1] - 1),
            "amount": np.concatenate(amounts)[order],
            "category": _labels(category, tuple(categories)),
        }
    )
    return frame[list(COSTS.columns)]
