"""The demo's clean deals: when and by whom they are created, what they are worth, how far they get.

Plants the deal-level truths: seasonality of deal creation (Chinese New Year dip,
Q4 peak, quiet weekends, growth) on top of each rep's ramp and volume; segment,
product and lead-source mixes; Zipf-popular accounts per region and segment (repeat
buyers, an 80/20-like revenue split); the bottleneck team's poor Proposal ->
Negotiation conversion; rep skill; the CRM pilot's extra wins and shorter stage times
for treated reps' deals from ``INTERVENTION_DATE``; and the stalled deals. The stage
history these deals leave is drawn in :mod:`salesnb.demo.stages`, their dirty copies
in :mod:`salesnb.demo.quirks`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from salesnb.demo.constants import (
    _ACCOUNT_SIZE_SIGMA,
    _ACCOUNT_ZIPF,
    _ACCOUNTS_PER_DEAL,
    _AMOUNT_SIGMA,
    _ANNUAL_GROWTH,
    _BASE_CONVERSION,
    _BOTTLENECK_CONVERSION,
    _CONVERSION_BOUNDS,
    _CYCLE_CALIBRATION,
    _CYCLE_CHANGE_SHARE,
    _DEAL_PACE_SIGMA,
    _INTERVENTION_DAY,
    _LEAD_SOURCE_CONVERSION,
    _LEAD_SOURCE_MIX,
    _MEDIAN_AMOUNT,
    _MEDIAN_CYCLE_DAYS,
    _MONTHLY_SEASONALITY,
    _N_DAYS,
    _PRODUCT_MIX_BY_SEGMENT,
    _PRODUCT_PRICE_FACTOR,
    _SEGMENT_CLOSE_FACTOR,
    _SEGMENT_MIX_BY_TIER,
    _SEGMENT_QUALIFY_FACTOR,
    _STAGE_TIME_SHARE,
    _STAGE_TIME_SIGMA,
    _STALL_FACTOR,
    _STALL_RATE,
    _START,
    _TEAM_REGION,
    _WEEKEND_FACTOR,
    _WIN_RATE_CHANGE,
    BOTTLENECK_TEAM,
    REGIONS,
    SEGMENTS,
    TEAMS,
)
from salesnb.demo.helpers import _draw_category, _weekday
from salesnb.demo.roster import _Roster


@dataclass(frozen=True)
class _Deals:
    """Clean deals as parallel arrays, before they become a frame."""

    rep: np.ndarray
    created: np.ndarray
    segment: np.ndarray
    product: np.ndarray
    lead_source: np.ndarray
    account: np.ndarray
    amount: np.ndarray
    p_before: np.ndarray
    p_win: np.ndarray
    stage_days: np.ndarray
    n_passed: np.ndarray
    stalled: np.ndarray
    stall_stage: np.ndarray  # index into STAGES of the stage each stalled deal lingers in


def _draw_deals(rng: np.random.Generator, roster: _Roster, n_deals: int) -> _Deals:
    """Draw the clean deals: creation, mix, account, amount, conversion, pilot effect and stage times.

    Parameters
    ----------
    rng : numpy.random.Generator
        The deals' own stream; the steps below draw from it in this order.
    roster : _Roster
        Reps with the pilot assigned.
    n_deals : int
        Number of clean deals.

    Returns
    -------
    _Deals
        Deals sorted by creation day.
    """
    rep, created = _draw_creation(rng, roster, n_deals)
    segment = _draw_category(rng, _SEGMENT_MIX_BY_TIER, group=roster.tier[rep])
    product = _draw_category(rng, _PRODUCT_MIX_BY_SEGMENT, group=segment)
    lead_source = _draw_category(rng, _LEAD_SOURCE_MIX, size=n_deals)
    region = _TEAM_REGION[roster.team[rep]]
    account, account_size = _draw_accounts(rng, region, segment)
    amount = _draw_amounts(rng, segment, product, account_size)

    conversion = _conversion(roster, rep, segment, lead_source)
    p_before = conversion.prod(axis=1)
    passed = rng.random((n_deals, 4)) < conversion
    n_passed = np.cumprod(passed, axis=1).sum(axis=1)

    # The pilot turns a share of would-be losses into wins, chosen so that each
    # treated deal's win probability rises by exactly the planted points.
    treated_after = roster.treated[rep] & (created >= _INTERVENTION_DAY)
    rescue = np.where(treated_after, _WIN_RATE_CHANGE / (1 - p_before), 0.0)
    rescued = (n_passed < 4) & (rng.random(n_deals) < rescue)
    n_passed = np.where(rescued, 4, n_passed)
    p_win = p_before + _WIN_RATE_CHANGE * treated_after

    stage_days, stalled, stall_stage = _draw_stage_days(rng, segment, n_passed, treated_after)
    return _Deals(
        rep=rep,
        created=created,
        segment=segment,
        product=product,
        lead_source=lead_source,
        account=account,
        amount=amount,
        p_before=p_before,
        p_win=p_win,
        stage_days=stage_days,
        n_passed=n_passed,
        stalled=stalled,
        stall_stage=stall_stage,
    )


def _draw_creation(rng: np.random.Generator, roster: _Roster, n_deals: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw each deal's rep and creation day from the (rep, day) intensity; sorted by day, ties at random.

    The intensity is employment x ramp x the rep's volume x :func:`_day_factor`.
    """
    days = np.arange(_N_DAYS)
    intensity = roster.employed(days) * roster.ramp(days) * roster.volume[:, None] * _day_factor(days)[None, :]
    cell = rng.choice(intensity.size, size=n_deals, p=(intensity / intensity.sum()).ravel())
    rep, created = np.divmod(cell, _N_DAYS)
    order = np.lexsort((rng.random(n_deals), created))
    return rep[order], created[order]


def _day_factor(days: np.ndarray) -> np.ndarray:
    """Relative deal-creation intensity of each day: season, weekday, growth."""
    month = (_START + days).astype("datetime64[M]").astype(np.int64) % 12
    weekend = _weekday(days) >= 5
    return (
        _MONTHLY_SEASONALITY[month] * np.where(weekend, _WEEKEND_FACTOR, 1.0) * (1 + _ANNUAL_GROWTH) ** (days / 365.25)
    )


def _draw_accounts(rng: np.random.Generator, region: np.ndarray, segment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Account number and size factor per deal, from Zipf-popular pools per region and segment."""
    account = np.empty(region.size, dtype=np.int64)
    offset = 0
    for r in range(len(REGIONS)):
        for s in range(len(SEGMENTS)):
            in_pool = (region == r) & (segment == s)
            pool = max(int(in_pool.sum() * _ACCOUNTS_PER_DEAL[s]), 1)
            weight = 1 / np.arange(1, pool + 1) ** _ACCOUNT_ZIPF
            account[in_pool] = offset + rng.choice(pool, size=int(in_pool.sum()), p=weight / weight.sum())
            offset += pool
    # Numbers are shuffled so an account's id says nothing about its pool or rank.
    number = rng.permutation(offset)
    size = np.exp(rng.normal(0, _ACCOUNT_SIZE_SIGMA, offset))
    return number[account], size[account]


def _draw_amounts(
    rng: np.random.Generator, segment: np.ndarray, product: np.ndarray, account_size: np.ndarray
) -> np.ndarray:
    """Deal amounts: the segment median x relative product price x account size x lognormal noise, to 10."""
    # Product prices are relative within a segment, so the segment median holds.
    log_price = np.log(_PRODUCT_PRICE_FACTOR)[None, :]
    price_norm = np.exp((_PRODUCT_MIX_BY_SEGMENT * log_price).sum(axis=1))
    price = _PRODUCT_PRICE_FACTOR[product] / price_norm[segment]
    noise = np.exp(rng.normal(0, _AMOUNT_SIGMA, segment.size))
    return np.maximum(np.round(_MEDIAN_AMOUNT[segment] * price * account_size * noise / 10) * 10, 1_000.0)


def _conversion(roster: _Roster, rep: np.ndarray, segment: np.ndarray, lead_source: np.ndarray) -> np.ndarray:
    """(deal, step) probability of each next step before the pilot: base x lead source, segment, skill, bottleneck.

    Steps are Prospecting->Qualification, Qualification->Proposal, Proposal->Negotiation
    (the bottleneck team's is planted low) and Negotiation->Won.
    """
    team = roster.team[rep]
    skill = np.sqrt(roster.skill[rep])
    conversion = np.empty((rep.size, 4))
    conversion[:, 0] = _BASE_CONVERSION[0] * _LEAD_SOURCE_CONVERSION[lead_source]
    conversion[:, 1] = _BASE_CONVERSION[1] * _SEGMENT_QUALIFY_FACTOR[segment] * skill
    conversion[:, 2] = np.where(team == TEAMS.index(BOTTLENECK_TEAM), _BOTTLENECK_CONVERSION, _BASE_CONVERSION[2])
    conversion[:, 3] = _BASE_CONVERSION[3] * _SEGMENT_CLOSE_FACTOR[segment] * skill
    return np.clip(conversion, *_CONVERSION_BOUNDS)


def _draw_stage_days(
    rng: np.random.Generator, segment: np.ndarray, n_passed: np.ndarray, treated_after: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Days spent in each open stage, with the pilot's shorter cycle and a few stalled deals.

    Returns
    -------
    stage_days : ndarray of int, shape (deals, 4)
        At least one day per stage.
    stalled : ndarray of int
        Indices of the stalled deals.
    stall_stage : ndarray of int
        The stage each stalled deal lingers in (one it reaches).
    """
    n_deals = segment.size
    pace = np.exp(rng.normal(0, _DEAL_PACE_SIGMA, n_deals)) * np.where(treated_after, 1 + _CYCLE_CHANGE_SHARE, 1.0)
    stage_time = _MEDIAN_CYCLE_DAYS[segment, None] * _STAGE_TIME_SHARE[None, :] * _CYCLE_CALIBRATION
    stage_time = stage_time * pace[:, None] * np.exp(rng.normal(0, _STAGE_TIME_SIGMA, (n_deals, 4)))
    stalled = np.flatnonzero(rng.random(n_deals) < _STALL_RATE)
    stall_stage = np.floor(rng.random(stalled.size) * (np.minimum(n_passed[stalled], 3) + 1)).astype(np.int64)
    stage_time[stalled, stall_stage] *= rng.uniform(*_STALL_FACTOR, stalled.size)
    stage_days = np.maximum(np.rint(stage_time), 1).astype(np.int64)
    return stage_days, stalled, stall_stage
