"""Synthetic CRM of a believable B2B software company, with planted truths.

The demo is what every notebook runs on by default and what the end-to-end tests
check the reports against. Each effect a report should find is planted here and
written to ``ground_truth.json`` in units a test can compare with a report:

- a bottleneck: one team converts Proposal -> Negotiation much worse than the rest;
- an intervention: a CRM pilot from 2025-01-01 for a seeded random half of the reps
  of every team (drawn among the reps employed that day) that shortens the sales
  cycle, raises the win rate and raises CSAT; the other reps are the controls;
- seasonality of deal creation (Chinese New Year dip, Q4 peak);
- a ramp for new hires, attrition that falls after 2025-01-01, rep skill, and
  "busy but not closing" reps;
- stage-history irregularities (skipped stages, backward moves, reopened deals);
- dirty deal rows for validation to catch, appended to the clean deals.

Everything is drawn from one seed on a fixed calendar (history 2023-01-01 to
2025-12-31, snapshot 2025-12-31), so the same seed and size give byte-identical
files. The tables hold exactly what is written: dates are ISO ``YYYY-MM-DD`` text,
because the deals table deliberately carries unparseable dates that a typed column
could not hold; amounts are floats written with two decimals.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from salesnb.schema import ACTIVITIES, COSTS, DEALS, LOST, OPEN, REPS, STAGE_HISTORY, SURVEYS, TARGETS, WON

STAGES = ("Prospecting", "Qualification", "Proposal", "Negotiation", "Won")
LOST_STAGE = "Lost"
WON_STAGE = STAGES[-1]
OPEN_STAGES = STAGES[:-1]

HISTORY_START = "2023-01-01"
SNAPSHOT_DATE = "2025-12-31"
CURRENCY = "CNY"
FILE_FORMATS = ("csv", "parquet")
GROUND_TRUTH_FILE = "ground_truth.json"

# Bumped whenever a change alters the generated data for a given seed.
# 2: the CRM intervention is a rep-level pilot (half of each team) instead of two whole teams.
GENERATOR_VERSION = 2

_START = np.datetime64(HISTORY_START, "D")
_SNAPSHOT = int((np.datetime64(SNAPSHOT_DATE, "D") - _START).astype(int))
_N_DAYS = _SNAPSHOT + 1
_STILL_EMPLOYED = 10**6
_DAYS_PER_MONTH = 365.25 / 12

# Organisation: two regions, two teams each; leavers per calendar year are fixed so
# the attrition the reports measure is known exactly.
TEAMS = ("North-1", "North-2", "South-1", "South-2")
_TEAM_REGION = np.array([0, 0, 1, 1])
REGIONS = ("North", "South")
_INITIAL_HEADCOUNT = (8, 7, 8, 7)
_LEAVERS_PER_YEAR = {2023: 6, 2024: 5, 2025: 2}
_N_REPLACEMENTS = 11
TIERS = ("Senior", "Intermediate", "Junior")
_TIER_TARGET_FACTOR = np.array([1.25, 1.0, 0.75])
_TIER_MONTHLY_SALARY = np.array([38_000.0, 30_000.0, 22_000.0])

SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
PRODUCTS = ("ERP Suite", "BI Analytics", "HR Cloud", "Premium Support")
LEAD_SOURCES = ("Inbound", "Outbound", "Referral", "Partner", "Event")
ACTIVITY_TYPES = ("call", "email", "meeting", "visit")

# Senior reps are given the larger accounts, so tier drives the segment mix.
_SEGMENT_MIX_BY_TIER = np.array([[0.40, 0.35, 0.25], [0.55, 0.30, 0.15], [0.70, 0.25, 0.05]])
_PRODUCT_MIX_BY_SEGMENT = np.array([[0.25, 0.30, 0.30, 0.15], [0.35, 0.30, 0.20, 0.15], [0.45, 0.25, 0.15, 0.15]])
_PRODUCT_PRICE_FACTOR = np.array([1.3, 0.9, 0.8, 0.5])
_LEAD_SOURCE_MIX = np.array([0.32, 0.28, 0.14, 0.14, 0.12])
_MEDIAN_AMOUNT = np.array([20_000.0, 80_000.0, 300_000.0])
_AMOUNT_SIGMA = 0.5
_ACCOUNT_SIZE_SIGMA = 0.3
# Accounts per deal in each segment's pool, and the Zipf exponent of account
# popularity: together they give repeat buyers and an 80/20-like revenue split.
_ACCOUNTS_PER_DEAL = np.array([0.45, 0.35, 0.25])
_ACCOUNT_ZIPF = 0.85

# Deal creation intensity: a monthly multiplier (mean 1), quiet weekends, growth.
_MONTHLY_SEASONALITY = np.array([0.85, 0.65, 1.00, 1.00, 0.95, 1.05, 0.95, 0.90, 1.05, 1.05, 1.20, 1.35])
_WEEKEND_FACTOR = 0.15
_ANNUAL_GROWTH = 0.08

# Next-step conversion Prospecting->Qualification, Qualification->Proposal,
# Proposal->Negotiation, Negotiation->Won before deal, rep and team effects.
_BASE_CONVERSION = np.array([0.75, 0.78, 0.62, 0.85])
_LEAD_SOURCE_CONVERSION = np.array([1.00, 0.80, 1.25, 1.10, 0.90])
_SEGMENT_QUALIFY_FACTOR = np.array([1.05, 1.00, 0.90])
_SEGMENT_CLOSE_FACTOR = np.array([1.00, 0.98, 0.92])
_CONVERSION_BOUNDS = (0.02, 0.97)

BOTTLENECK_TEAM = "South-1"
BOTTLENECK_FROM, BOTTLENECK_TO = "Proposal", "Negotiation"
_BOTTLENECK_CONVERSION = 0.35

# The CRM pilot: on INTERVENTION_DATE a seeded random half of each team's reps employed
# that day (the odd one out of an odd-sized team stays in the control) gets the CRM.
# Reps who left before the date or join after it are never in the pilot. Assignment is
# by rep, so an analysis can make inference at the unit that was assigned.
INTERVENTION_DATE = "2025-01-01"
_INTERVENTION_DAY = int((np.datetime64(INTERVENTION_DATE, "D") - _START).astype(int))
_PILOT_SHARE = 0.5
_CYCLE_CHANGE_SHARE = -0.25
_WIN_RATE_CHANGE = 0.08
_CSAT_CHANGE = 12.0

# Won-deal cycle medians by segment, split over the four open stages.
_MEDIAN_CYCLE_DAYS = np.array([40.0, 55.0, 70.0])
_STAGE_TIME_SHARE = np.array([0.20, 0.25, 0.30, 0.25])
_DEAL_PACE_SIGMA = 0.30
_STAGE_TIME_SIGMA = 0.45
# A sum of four lognormal stage times has a median above the sum of their medians;
# this factor (measured by simulation) brings the won-cycle median back on target.
_CYCLE_CALIBRATION = 1 / 1.076

# A few deals stall in one stage for many times its usual length: the stuck deals a
# funnel report should list when they are still open at the snapshot.
_STALL_RATE = 0.02
_STALL_FACTOR = (4.0, 12.0)

RAMP_MONTHS = 4
_RAMP_START_SHARE = 0.25

_SKILL_STRONG = (1.45, 1.50, 1.55)
_SKILL_WEAK = (0.45, 0.50, 0.55)
_SKILL_BUSY = 0.70
_BUSY_ACTIVITY_FACTOR = 2.5
_SKILL_ELIGIBLE_DAYS = 365

_SKIP_RATE = 0.05
_BACKWARD_RATE = 0.02
_REOPEN_RATE = 0.003
_REOPEN_WIN_SHARE = 0.45

_CSAT_BASELINE = 70.0
_CSAT_NOISE = 10.0
_SURVEY_SHARE = 0.40

_QUIRK_RATE = 0.0005
_UNKNOWN_REP_IDS = ("R901", "R902", "R903", "R904", "R905")
_UNPARSEABLE_DATES = ("2024-13-45", "n/a", "2024-02-30", "TBD")

_SURNAMES = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu")
_SURNAMES += ("Hu", "Guo", "He", "Lin", "Gao", "Luo", "Zheng", "Liang", "Song", "Tang", "Han", "Feng")
_GIVEN_NAMES = ("Wei", "Fang", "Na", "Min", "Jing", "Lei", "Yang", "Jie", "Tao", "Qiang", "Jun", "Yan", "Hui", "Ling")
_GIVEN_NAMES += ("Xin", "Hao", "Yu", "Ting", "Bo", "Chao", "Lu", "Ming", "Xiaoyu", "Zihan", "Yuxuan", "Haoran", "Jiayi")
_GIVEN_NAMES += ("Shuang", "Kai", "Peng", "Xiaoling", "Jianguo", "Meiling", "Zhiwei", "Yiming")

_TEXT = pd.StringDtype(na_value=np.nan)


@dataclass(frozen=True)
class DemoData:
    """A generated demo: canonical tables and the truths planted in them.

    Attributes
    ----------
    tables : dict of str to DataFrame
        ``deals``, ``stage_history``, ``reps``, ``activities``, ``targets``,
        ``surveys`` and ``costs``, with the canonical column names of
        :mod:`salesnb.schema`. Dates are ISO text, exactly as written to CSV.
    truth : dict
        JSON-serialisable ground truth: every planted effect, the exact counts of
        irregular and dirty rows, and the definitions used to state them.
    """

    tables: dict[str, pd.DataFrame]
    truth: dict


@dataclass(frozen=True)
class _Roster:
    """Reps as parallel arrays; days are offsets from HISTORY_START."""

    rep_id: np.ndarray
    name: np.ndarray
    team: np.ndarray
    hired: np.ndarray
    left: np.ndarray
    tier: np.ndarray
    skill: np.ndarray
    volume: np.ndarray
    activity: np.ndarray
    csat: np.ndarray
    managers: tuple[str, ...]
    strong: np.ndarray
    weak: np.ndarray
    busy: np.ndarray
    treated: np.ndarray  # boolean per rep: in the CRM pilot

    @property
    def size(self) -> int:
        return self.rep_id.size

    def employed(self, days: np.ndarray) -> np.ndarray:
        """Boolean (rep, day) matrix: employed from hired_at through left_at."""
        return (days[None, :] >= self.hired[:, None]) & (days[None, :] <= self.left[:, None])

    def ramp(self, days: np.ndarray) -> np.ndarray:
        """(rep, day) productivity share: linear from the start share to 1 over the ramp."""
        months = (days[None, :] - self.hired[:, None]) / _DAYS_PER_MONTH
        share = _RAMP_START_SHARE + (1 - _RAMP_START_SHARE) * months / RAMP_MONTHS
        return np.clip(share, _RAMP_START_SHARE, 1.0)

    def days_in_window(self) -> np.ndarray:
        last = np.minimum(self.left, _SNAPSHOT)
        first = np.maximum(self.hired, 0)
        return np.maximum(last - first + 1, 0)


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


def generate_demo(*, n_deals: int = 20_000, seed: int = 7) -> DemoData:
    """Generate the demo CRM tables and their ground truth.

    Parameters
    ----------
    n_deals : int, default 20_000
        Number of clean deals. Dirty rows (about 0.25 % more) are appended on top;
        ``truth["deals"]`` gives both counts.
    seed : int, default 7
        Same seed and size give identical tables and truth.

    Returns
    -------
    DemoData
        Tables keyed by canonical table name, and the ground truth.

    Examples
    --------
    >>> demo = generate_demo(n_deals=2_000, seed=1)
    >>> sorted(demo.tables)
    ['activities', 'costs', 'deals', 'reps', 'stage_history', 'surveys', 'targets']
    >>> demo.truth["deals"]["clean_rows"]
    2000
    """
    if n_deals < 100:
        raise ValueError(f"n_deals must be at least 100 for the planted effects to exist, got {n_deals}")
    streams = [np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(12)]
    # The pilot draw has its own stream (the ninth), so the roster, skills, bottleneck and
    # every other draw use exactly the random numbers they used before the pilot existed.
    roster = _draw_pilot(streams[8], _draw_roster(streams[0]))
    streams = iter(streams[1:8])
    deals = _draw_deals(next(streams), roster, n_deals)
    history, outcome = _draw_stage_history(next(streams), deals)
    activities = _draw_activities(next(streams), roster, deals, outcome)
    surveys = _draw_surveys(next(streams), roster, deals, outcome)
    targets = _draw_targets(next(streams), roster, deals, outcome)
    costs = _draw_costs(next(streams), roster, deals, outcome, n_deals)
    deal_frame, quirks = _deals_frame(next(streams), roster, deals, outcome)
    tables = {
        DEALS.name: deal_frame,
        STAGE_HISTORY.name: _history_frame(history, n_deals),
        REPS.name: _reps_frame(roster),
        ACTIVITIES.name: activities,
        TARGETS.name: targets,
        SURVEYS.name: surveys,
        COSTS.name: costs,
    }
    truth = _truth(seed, n_deals, roster, deals, history, outcome, quirks, tables)
    return DemoData(tables=tables, truth=truth)


def write_demo(out_dir, *, n_deals: int = 20_000, seed: int = 7, file_format: str = "csv") -> Path:
    """Write <table>.csv (or .parquet) for each table plus ground_truth.json into out_dir; return out_dir.

    Parameters
    ----------
    out_dir : str or Path
        Created if missing; existing demo files in it are overwritten.
    n_deals, seed : int
        Passed to :func:`generate_demo`.
    file_format : {"csv", "parquet"}
        CSV is UTF-8, comma-separated, unquoted, ``\\n`` line ends, empty cells for
        missing values and amounts with two decimals.

    Returns
    -------
    Path
        ``out_dir``.
    """
    if file_format not in FILE_FORMATS:
        raise ValueError(f"file_format must be one of {FILE_FORMATS}, got {file_format!r}")
    demo = generate_demo(n_deals=n_deals, seed=seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in demo.tables.items():
        path = out / f"{name}.{file_format}"
        if file_format == "csv":
            _write_csv(frame, path)
        else:
            frame.to_parquet(path, index=False)
    text = json.dumps(demo.truth, indent=2, ensure_ascii=False) + "\n"
    (out / GROUND_TRUTH_FILE).write_text(text, encoding="utf-8")
    return out


# --- reps -------------------------------------------------------------------------


def _draw_roster(rng: np.random.Generator) -> _Roster:
    initial_team = np.repeat(np.arange(len(TEAMS)), _INITIAL_HEADCOUNT)
    n_initial = initial_team.size
    hired = rng.integers(_day("2016-03-01"), _day("2022-07-01"), size=n_initial)
    left = np.full(n_initial, _STILL_EMPLOYED)

    leaver_years = np.repeat(list(_LEAVERS_PER_YEAR), list(_LEAVERS_PER_YEAR.values()))
    leavers = rng.choice(n_initial, size=leaver_years.size, replace=False)
    first = np.array([_day(f"{year}-01-10") for year in leaver_years])
    last = np.array([_day(f"{year}-12-20") for year in leaver_years])
    left[leavers] = rng.integers(first, last)

    # Most leavers are replaced in their team one to two and a half months later.
    replacement_day = left[leavers] + rng.integers(30, 76, size=leavers.size)
    can_replace = np.flatnonzero(replacement_day <= _SNAPSHOT - 60)
    replaced = np.sort(rng.choice(can_replace, size=min(_N_REPLACEMENTS, can_replace.size), replace=False))
    team = np.concatenate([initial_team, initial_team[leavers[replaced]]])
    hired = np.concatenate([hired, replacement_day[replaced]])
    left = np.concatenate([left, np.full(replaced.size, _STILL_EMPLOYED)])
    order = np.argsort(hired, kind="stable")
    team, hired, left = team[order], hired[order], left[order]
    n_reps = team.size

    years_at_start = -hired / 365.25
    tier = np.where(years_at_start >= 5, 0, np.where(years_at_start >= 2, 1, 2))

    # Planted skill goes to reps employed through the whole window, so their samples
    # are large; strong and busy reps avoid the bottleneck team to keep effects apart.
    stayers = np.flatnonzero((hired < 0) & (left == _STILL_EMPLOYED))
    outside_bottleneck = stayers[team[stayers] != TEAMS.index(BOTTLENECK_TEAM)]
    strong = np.sort(rng.choice(outside_bottleneck, size=len(_SKILL_STRONG), replace=False))
    busy = np.sort(rng.choice(np.setdiff1d(outside_bottleneck, strong), size=2, replace=False))
    weak = np.sort(rng.choice(np.setdiff1d(stayers, np.union1d(strong, busy)), size=len(_SKILL_WEAK), replace=False))
    skill = np.clip(np.exp(rng.normal(0, 0.12, n_reps)), 0.8, 1.25)
    skill[strong] = rng.permutation(_SKILL_STRONG)
    skill[weak] = rng.permutation(_SKILL_WEAK)
    skill[busy] = _SKILL_BUSY
    volume = np.exp(rng.normal(0, 0.18, n_reps))
    activity = np.exp(rng.normal(0, 0.12, n_reps))
    activity[busy] = _BUSY_ACTIVITY_FACTOR
    csat = rng.normal(0, 4, n_reps)

    names = [f"{surname} {given}" for surname in _SURNAMES for given in _GIVEN_NAMES]
    picked = rng.choice(len(names), size=n_reps + len(TEAMS), replace=False)
    people = np.array(names, dtype=object)[picked]
    return _Roster(
        rep_id=np.array([f"R{i + 1:03d}" for i in range(n_reps)], dtype=object),
        name=people[:n_reps],
        team=team,
        hired=hired,
        left=left,
        tier=tier,
        skill=skill,
        volume=volume,
        activity=activity,
        csat=csat,
        managers=tuple(people[n_reps:]),
        strong=strong,
        weak=weak,
        busy=busy,
        treated=np.zeros(n_reps, dtype=bool),
    )


def _draw_pilot(rng: np.random.Generator, roster: _Roster) -> _Roster:
    """Put a random half (rounded down) of each team's reps employed on the pilot date in the pilot."""
    on_date = (roster.hired <= _INTERVENTION_DAY) & (roster.left >= _INTERVENTION_DAY)
    treated = np.zeros(roster.size, dtype=bool)
    for t in range(len(TEAMS)):
        eligible = np.flatnonzero(on_date & (roster.team == t))
        treated[rng.choice(eligible, size=int(eligible.size * _PILOT_SHARE), replace=False)] = True
    return replace(roster, treated=treated)


def _reps_frame(roster: _Roster) -> pd.DataFrame:
    still_there = roster.left == _STILL_EMPLOYED
    columns = {
        "rep_id": _text(roster.rep_id),
        "name": _text(roster.name),
        "team": _labels(roster.team, TEAMS),
        "region": _labels(_TEAM_REGION[roster.team], REGIONS),
        "manager": _labels(roster.team, roster.managers),
        "hired_at": _dates(roster.hired),
        "left_at": _dates(roster.left, present=~still_there),
        "tier": _labels(roster.tier, TIERS),
    }
    return pd.DataFrame(columns)[list(REPS.columns)]


# --- deals ------------------------------------------------------------------------


def _draw_deals(rng: np.random.Generator, roster: _Roster, n_deals: int) -> _Deals:
    days = np.arange(_N_DAYS)
    intensity = roster.employed(days) * roster.ramp(days) * roster.volume[:, None] * _day_factor(days)[None, :]
    cell = rng.choice(intensity.size, size=n_deals, p=(intensity / intensity.sum()).ravel())
    rep, created = np.divmod(cell, _N_DAYS)
    order = np.lexsort((rng.random(n_deals), created))
    rep, created = rep[order], created[order]

    segment = _draw_category(rng, _SEGMENT_MIX_BY_TIER, group=roster.tier[rep])
    product = _draw_category(rng, _PRODUCT_MIX_BY_SEGMENT, group=segment)
    lead_source = _draw_category(rng, _LEAD_SOURCE_MIX, size=n_deals)
    region = _TEAM_REGION[roster.team[rep]]
    account, account_size = _draw_accounts(rng, region, segment)

    # Product prices are relative within a segment, so the segment median holds.
    log_price = np.log(_PRODUCT_PRICE_FACTOR)[None, :]
    price_norm = np.exp((_PRODUCT_MIX_BY_SEGMENT * log_price).sum(axis=1))
    price = _PRODUCT_PRICE_FACTOR[product] / price_norm[segment]
    noise = np.exp(rng.normal(0, _AMOUNT_SIGMA, n_deals))
    amount = np.maximum(np.round(_MEDIAN_AMOUNT[segment] * price * account_size * noise / 10) * 10, 1_000.0)

    team = roster.team[rep]
    skill = np.sqrt(roster.skill[rep])
    conversion = np.empty((n_deals, 4))
    conversion[:, 0] = _BASE_CONVERSION[0] * _LEAD_SOURCE_CONVERSION[lead_source]
    conversion[:, 1] = _BASE_CONVERSION[1] * _SEGMENT_QUALIFY_FACTOR[segment] * skill
    conversion[:, 2] = np.where(team == TEAMS.index(BOTTLENECK_TEAM), _BOTTLENECK_CONVERSION, _BASE_CONVERSION[2])
    conversion[:, 3] = _BASE_CONVERSION[3] * _SEGMENT_CLOSE_FACTOR[segment] * skill
    conversion = np.clip(conversion, *_CONVERSION_BOUNDS)
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

    pace = np.exp(rng.normal(0, _DEAL_PACE_SIGMA, n_deals)) * np.where(treated_after, 1 + _CYCLE_CHANGE_SHARE, 1.0)
    stage_time = _MEDIAN_CYCLE_DAYS[segment, None] * _STAGE_TIME_SHARE[None, :] * _CYCLE_CALIBRATION
    stage_time = stage_time * pace[:, None] * np.exp(rng.normal(0, _STAGE_TIME_SIGMA, (n_deals, 4)))
    stalled = np.flatnonzero(rng.random(n_deals) < _STALL_RATE)
    stall_stage = np.floor(rng.random(stalled.size) * (np.minimum(n_passed[stalled], 3) + 1)).astype(np.int64)
    stage_time[stalled, stall_stage] *= rng.uniform(*_STALL_FACTOR, stalled.size)
    stage_days = np.maximum(np.rint(stage_time), 1).astype(np.int64)
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


# --- stage history ----------------------------------------------------------------


@dataclass(frozen=True)
class _History:
    """Stage-history rows sorted by deal then order of events."""

    deal: np.ndarray
    stage: np.ndarray  # 0-3 open stages, 4 Won, 5 Lost
    entered: np.ndarray
    skipped: np.ndarray
    backward: np.ndarray
    reopened: np.ndarray
    reopen_outcome: dict


@dataclass(frozen=True)
class _Outcome:
    """Per clean deal at the snapshot; stage codes are 0-3 open stages, 4 Won, 5 Lost."""

    status: np.ndarray  # 0 open, 1 won, 2 lost
    closed: np.ndarray  # close day, -1 while open
    stage: np.ndarray  # current stage
    furthest: np.ndarray  # furthest stage reached, Won counting as 4
    expected_close: np.ndarray  # the rep's forecast, shown for open deals
    natural_close: np.ndarray  # when the deal closes or would close after the snapshot


_WON_CODE, _LOST_CODE = 4, 5
_STATUS_CODES = (OPEN, WON, LOST)


def _draw_stage_history(rng: np.random.Generator, deals: _Deals) -> tuple[_History, _Outcome]:
    n = deals.created.size
    elapsed = np.cumsum(deals.stage_days, axis=1)
    entered = np.column_stack([deals.created, deals.created[:, None] + elapsed[:, :3]])
    last_open = np.minimum(deals.n_passed, 3)
    close = deals.created + elapsed[np.arange(n), last_open]
    is_closed = close <= _SNAPSHOT
    won = is_closed & (deals.n_passed == 4)
    reached = (entered <= _SNAPSHOT) & (np.arange(4)[None, :] <= last_open[:, None])
    top = reached.sum(axis=1) - 1

    # Base rows: every open stage entered, then the Won/Lost row for closed deals.
    deal = np.repeat(np.arange(n), top + 1)
    stage = np.arange(deal.size) - np.repeat(np.cumsum(top + 1) - (top + 1), top + 1)
    rows = {
        "deal": [deal, np.flatnonzero(is_closed)],
        "stage": [stage, np.where(won, _WON_CODE, _LOST_CODE)[is_closed]],
        "entered": [entered[deal, stage], close[is_closed]],
        "order": [stage * 10, np.full(int(is_closed.sum()), 50)],
    }

    # Reopened deals: lost, then back in the stage they were lost in weeks later.
    can_reopen = is_closed & ~won & (top >= 1) & (close <= _SNAPSHOT - 90)
    reopened = np.flatnonzero(can_reopen & (rng.random(n) < _REOPEN_RATE))
    status = np.where(is_closed, np.where(won, 1, 2), 0)
    current = np.where(is_closed, np.where(won, _WON_CODE, _LOST_CODE), top)
    closed_day = np.where(is_closed, close, -1)
    reopen_outcome = {OPEN: 0, WON: 0, LOST: 0}
    for i in reopened:
        day = close[i] + int(rng.integers(14, 61))
        events = [(top[i], day)]
        if rng.random() < _REOPEN_WIN_SHARE:
            for k in range(top[i] + 1, 4):
                day += max(int(deals.stage_days[i, k]) // 2, 1)
                events.append((k, day))
            final = _WON_CODE
        else:
            final = _LOST_CODE
        day += int(rng.integers(10, 46))
        events.append((final, day))
        kept = [(code, when) for code, when in events if when <= _SNAPSHOT]
        for position, (code, when) in enumerate(kept):
            for key, value in zip(("deal", "stage", "entered", "order"), (i, code, when, 60 + position), strict=True):
                rows[key].append(np.array([value]))
        is_final = kept[-1][0] == final
        status[i] = (1 if final == _WON_CODE else 2) if is_final else 0
        closed_day[i] = kept[-1][1] if is_final else -1
        current[i] = kept[-1][0]
        reopen_outcome[_STATUS_CODES[status[i]]] += 1

    # Skipped stage: an intermediate stage with a later open or Won row is dropped.
    skip_ceiling = np.where(won, top, top - 1)
    can_skip = (skip_ceiling >= 1) & ~np.isin(np.arange(n), reopened)
    skipped = np.flatnonzero(can_skip & (rng.random(n) < _SKIP_RATE))
    skip_stage = np.zeros(n, dtype=np.int64)
    skip_stage[skipped] = 1 + np.floor(rng.random(skipped.size) * skip_ceiling[skipped]).astype(np.int64)

    # Backward move: within stage j the deal drops back to j-1, then re-enters j.
    next_event = np.where(top < 3, entered[np.arange(n), np.minimum(top + 1, 3)], close)
    back_stage = np.maximum(top - np.floor(rng.random(n) * np.maximum(top, 1)).astype(np.int64), 1)
    stage_end = np.where(back_stage < top, entered[np.arange(n), np.minimum(back_stage + 1, 3)], next_event)
    stage_end = np.where((back_stage == top) & ~is_closed, _SNAPSHOT + 1, stage_end)
    span = stage_end - entered[np.arange(n), back_stage]
    can_go_back = (top >= 1) & (span >= 4) & ~np.isin(np.arange(n), np.union1d(reopened, skipped))
    backward = np.flatnonzero(can_go_back & (rng.random(n) < _BACKWARD_RATE))
    j = back_stage[backward]
    start = entered[backward, j]
    left_back = start + np.maximum(np.floor(span[backward] * rng.uniform(0.2, 0.5, backward.size)), 1).astype(np.int64)
    returned = left_back + np.maximum(
        np.floor((stage_end[backward] - left_back) * rng.uniform(0.2, 0.6, backward.size)), 1
    ).astype(np.int64)
    rows["deal"] += [backward, backward]
    rows["stage"] += [j - 1, j]
    rows["entered"] += [left_back, returned]
    rows["order"] += [j * 10 + 1, j * 10 + 2]

    deal = np.concatenate(rows["deal"])
    stage = np.concatenate(rows["stage"])
    entered_at = np.concatenate(rows["entered"])
    order = np.concatenate(rows["order"])
    keep = ~(np.isin(deal, skipped) & (stage == skip_stage[deal]) & (order == stage * 10))
    deal, stage, entered_at, order = deal[keep], stage[keep], entered_at[keep], order[keep]
    sort = np.lexsort((order, deal))

    segment_cycle = _MEDIAN_CYCLE_DAYS[deals.segment] * np.exp(rng.normal(0, 0.3, n))
    expected = np.maximum(deals.created + np.rint(segment_cycle).astype(np.int64), _SNAPSHOT + rng.integers(7, 91, n))
    history = _History(
        deal=deal[sort],
        stage=stage[sort],
        entered=entered_at[sort],
        skipped=skipped,
        backward=backward,
        reopened=reopened,
        reopen_outcome=reopen_outcome,
    )
    furthest = np.where(status == 1, _WON_CODE, top)
    outcome = _Outcome(
        status=status,
        closed=closed_day,
        stage=current,
        furthest=furthest,
        expected_close=expected,
        natural_close=close,
    )
    return history, outcome


def _history_frame(history: _History, n_deals: int) -> pd.DataFrame:
    same_deal_next = np.append(history.deal[1:] == history.deal[:-1], False)
    exited = np.append(history.entered[1:], 0)
    columns = {
        "deal_id": _deal_ids(history.deal, n_deals),
        "stage": _labels(history.stage, (*OPEN_STAGES, WON_STAGE, LOST_STAGE)),
        "entered_at": _dates(history.entered),
        "exited_at": _dates(exited, present=same_deal_next),
    }
    return pd.DataFrame(columns)


def _deals_frame(
    rng: np.random.Generator, roster: _Roster, deals: _Deals, outcome: _Outcome
) -> tuple[pd.DataFrame, dict]:
    n = deals.created.size
    is_open = outcome.status == 0
    clean = pd.DataFrame(
        {
            "deal_id": _deal_ids(np.arange(n), n),
            "rep_id": _labels(deals.rep, roster.rep_id),
            "created_at": _dates(deals.created),
            "amount": deals.amount,
            "status": _labels(outcome.status, _STATUS_CODES),
            "closed_at": _dates(outcome.closed, present=~is_open),
            "stage": _labels(outcome.stage, (*OPEN_STAGES, WON_STAGE, LOST_STAGE)),
            "account_id": _account_ids(deals.account),
            "segment": _labels(deals.segment, SEGMENTS),
            "product": _labels(deals.product, PRODUCTS),
            "region": _labels(_TEAM_REGION[roster.team[deals.rep]], REGIONS),
            "lead_source": _labels(deals.lead_source, LEAD_SOURCES),
            "currency": _labels(np.zeros(n, dtype=np.int64), (CURRENCY,)),
            "expected_close_at": _dates(outcome.expected_close, present=is_open),
        }
    )[list(DEALS.columns)]

    # Dirty rows are extra copies of clean deals with one defect each, so the clean
    # deals stay exactly as generated and validation can be checked row by row.
    per_kind = max(math.ceil(n * _QUIRK_RATE), 1)
    closed = np.flatnonzero(~is_open)
    parts, quirks = [], {}
    next_id = n

    def copy_of(pool: np.ndarray) -> pd.DataFrame:
        nonlocal next_id
        rows = clean.iloc[np.sort(rng.choice(pool, size=per_kind, replace=False))].copy()
        rows["deal_id"] = _deal_ids(np.arange(next_id, next_id + per_kind), n).to_numpy()
        next_id += per_kind
        return rows

    duplicates = clean.iloc[np.sort(rng.choice(n, size=per_kind, replace=False))].copy()
    parts.append(duplicates)
    quirks["duplicate_id"] = {"count": per_kind, "deal_ids": duplicates["deal_id"].tolist()}

    negative = copy_of(np.arange(n))
    negative["amount"] = -negative["amount"]
    parts.append(negative)
    quirks["negative_amount"] = {"count": per_kind, "deal_ids": negative["deal_id"].tolist()}

    backdated = copy_of(closed)
    created = pd.to_datetime(backdated["created_at"], format="%Y-%m-%d")
    gap = pd.to_timedelta(rng.integers(1, 31, per_kind), unit="D")
    backdated["closed_at"] = (created - gap).dt.strftime("%Y-%m-%d").astype(_TEXT).to_numpy()
    parts.append(backdated)
    quirks["closed_before_created"] = {"count": per_kind, "deal_ids": backdated["deal_id"].tolist()}

    orphan = copy_of(np.arange(n))
    orphan["rep_id"] = np.array(_UNKNOWN_REP_IDS, dtype=object)[rng.integers(0, len(_UNKNOWN_REP_IDS), per_kind)]
    parts.append(orphan)
    quirks["unknown_rep"] = {
        "count": per_kind,
        "deal_ids": orphan["deal_id"].tolist(),
        "rep_ids": sorted(set(orphan["rep_id"])),
    }

    undated = copy_of(np.arange(n))
    undated["created_at"] = np.array(_UNPARSEABLE_DATES, dtype=object)[np.arange(per_kind) % len(_UNPARSEABLE_DATES)]
    parts.append(undated)
    quirks["unparseable_created_at"] = {
        "count": per_kind,
        "deal_ids": undated["deal_id"].tolist(),
        "values": sorted(set(undated["created_at"])),
    }

    dirty = pd.concat(parts, ignore_index=True).astype(clean.dtypes.to_dict())
    position = np.concatenate([np.arange(n, dtype=float), rng.random(len(dirty)) * n])
    frame = pd.concat([clean, dirty], ignore_index=True).take(np.argsort(position, kind="stable"))
    return frame.reset_index(drop=True), quirks


# --- activities, surveys, targets, costs ------------------------------------------

_ACTIVITY_MIX_BY_SEGMENT = np.array([[0.50, 0.35, 0.10, 0.05], [0.40, 0.30, 0.20, 0.10], [0.30, 0.25, 0.25, 0.20]])
_PROSPECTING_ACTIVITY_MIX = np.array([0.55, 0.35, 0.05, 0.05])
_ACTIVITIES_PER_DEAL = np.array([1.0, 1.6, 2.4])
_PROSPECTING_ACTIVITIES_PER_DEAL = 0.9


def _draw_activities(rng: np.random.Generator, roster: _Roster, deals: _Deals, outcome: _Outcome) -> pd.DataFrame:
    n = deals.created.size
    # Deals that went further get more touches; busy reps touch everything more.
    depth = outcome.furthest + 1
    expected = _ACTIVITIES_PER_DEAL[deals.segment] * (0.5 + 0.4 * depth) * roster.activity[deals.rep]
    count = rng.poisson(expected)
    deal = np.repeat(np.arange(n), count)
    rep = deals.rep[deal]
    end = np.where(outcome.closed >= 0, outcome.closed, _SNAPSHOT)
    end = np.minimum(end, roster.left[deals.rep])
    first, last = deals.created[deal], end[deal]
    occurred = first + np.floor(rng.random(deal.size) * (last - first + 1)).astype(np.int64)
    occurred = np.clip(_off_weekend(occurred), first, last)
    kind = _draw_category(rng, _ACTIVITY_MIX_BY_SEGMENT, group=deals.segment[deal])

    # Prospecting touches are not linked to a deal; they go to the rep's accounts.
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


def _csat_treated(roster: _Roster, rep: np.ndarray, day: np.ndarray) -> np.ndarray:
    return roster.treated[rep] & (day >= _INTERVENTION_DAY)


def _draw_surveys(rng: np.random.Generator, roster: _Roster, deals: _Deals, outcome: _Outcome) -> pd.DataFrame:
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


def _quarter_starts(first: str, count: int) -> np.ndarray:
    return np.datetime64(first, "M") + np.arange(count + 1) * 3


def _draw_targets(rng: np.random.Generator, roster: _Roster, deals: _Deals, outcome: _Outcome) -> pd.DataFrame:
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


_COMMISSION_RATE = 0.03
_MARKETING_PER_DEAL = 900.0
_EVENT_MONTHS = (3, 6, 9, 11)
_EVENT_COST_PER_20K_DEALS = 150_000.0
_CRM_COST_PER_REP_MONTH = 800.0


def _draw_costs(
    rng: np.random.Generator, roster: _Roster, deals: _Deals, outcome: _Outcome, n_deals: int
) -> pd.DataFrame:
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


# --- ground truth -----------------------------------------------------------------


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
    team = roster.team[deals.rep]
    status = outcome.status
    closed = status > 0
    won = status == 1
    cycle = np.where(won, outcome.closed - deals.created, -1)
    treated_rep = roster.treated[deals.rep]
    in_2024_2025 = (deals.created >= _day("2024-01-01")) & (deals.created <= _SNAPSHOT)
    deals_2024_2025 = np.bincount(deals.rep[in_2024_2025], minlength=roster.size)
    after = deals.created >= _INTERVENTION_DAY

    def rate(mask: np.ndarray) -> float | None:
        return _round(won[mask & closed].mean()) if (mask & closed).any() else None

    def median_cycle(mask: np.ndarray) -> float | None:
        return _round(np.median(cycle[mask & won])) if (mask & won).any() else None

    # Furthest stage reached per deal (Won counts as 4) under "a later stage counts as passed".
    starts = np.flatnonzero(np.append(True, history.deal[1:] != history.deal[:-1]))
    furthest = np.maximum.reduceat(np.where(history.stage == _LOST_CODE, -1, history.stage), starts)
    furthest_by_deal = np.full(n_deals, -1)
    furthest_by_deal[history.deal[starts]] = furthest
    from_code, to_code = OPEN_STAGES.index(BOTTLENECK_FROM), OPEN_STAGES.index(BOTTLENECK_TO)
    observed_conversion = {}
    for t, name in enumerate(TEAMS):
        reached = closed & (team == t) & (furthest_by_deal >= from_code)
        observed_conversion[name] = _round((furthest_by_deal[reached] >= to_code).mean()) if reached.any() else None

    surveys = tables[SURVEYS.name]
    survey_day = _day_numbers(surveys["surveyed_at"])
    survey_rep = pd.Index(roster.rep_id).get_indexer(surveys["rep_id"])
    survey_treated = roster.treated[survey_rep]
    survey_after = survey_day >= _INTERVENTION_DAY
    score = surveys["score"].to_numpy(dtype=float)

    def mean_score(mask: np.ndarray) -> float | None:
        return _round(score[mask].mean(), 2) if mask.any() else None

    def group(is_treated: bool) -> dict:
        in_group = treated_rep if is_treated else ~treated_rep
        in_survey = survey_treated if is_treated else ~survey_treated
        rep_in_group = roster.treated if is_treated else ~roster.treated
        return {
            "reps": int(rep_in_group.sum()),
            "reps_with_deals_2024_2025": int((rep_in_group & (deals_2024_2025 > 0)).sum()),
            "true_win_rate_before": _round(deals.p_before[in_group & ~after].mean()),
            "true_win_rate_after": _round(deals.p_win[in_group & after].mean()),
            "observed_win_rate_before": rate(in_group & ~after),
            "observed_win_rate_after": rate(in_group & after),
            "observed_median_cycle_days_before": median_cycle(in_group & ~after),
            "observed_median_cycle_days_after": median_cycle(in_group & after),
            "observed_mean_csat_before": mean_score(in_survey & ~survey_after),
            "observed_mean_csat_after": mean_score(in_survey & survey_after),
        }

    years = (2023, 2024, 2025)
    days = np.arange(_N_DAYS)
    headcount = roster.employed(days).sum(axis=0)
    year_of_day = _year(days)
    left_year = np.where(roster.left <= _SNAPSHOT, _year(np.minimum(roster.left, _SNAPSHOT)), 0)
    hired_year = np.where(roster.hired >= 0, _year(np.maximum(roster.hired, 0)), 0)
    attrition = {}
    for year in years:
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
    before_leavers = sum(attrition[str(y)]["leavers"] for y in (2023, 2024))
    before_headcount = float(headcount[year_of_day < 2025].mean())

    window_days = roster.days_in_window()
    eligible = window_days >= _SKILL_ELIGIBLE_DAYS
    true_rate = np.bincount(deals.rep, weights=deals.p_win, minlength=roster.size) / np.maximum(
        np.bincount(deals.rep, minlength=roster.size), 1
    )
    closed_by_rep = np.bincount(deals.rep[closed], minlength=roster.size)
    won_by_rep = np.bincount(deals.rep[won], minlength=roster.size)
    ranked = [i for i in np.argsort(-true_rate, kind="stable") if eligible[i]]
    deals_by_rep = np.bincount(deals.rep, minlength=roster.size)
    activity_by_rep = tables[ACTIVITIES.name]["rep_id"].value_counts()
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

    amount_won = deals.amount[won]
    account_revenue = np.bincount(deals.account[won], weights=amount_won)
    account_revenue = np.sort(account_revenue[account_revenue > 0])[::-1]
    top_share = account_revenue[: max(int(round(account_revenue.size * 0.2)), 1)].sum() / account_revenue.sum()
    wins_per_account = np.bincount(deals.account[won])

    hires = np.flatnonzero(roster.hired >= 0)
    leaver_index = np.flatnonzero(roster.left <= _SNAPSHOT)
    counts = {name: len(frame) for name, frame in tables.items()}
    return {
        "generator": {"module": "salesnb.demo", "version": GENERATOR_VERSION, "seed": seed, "n_deals": n_deals},
        "calendar": {
            "history_start": HISTORY_START,
            "history_end": SNAPSHOT_DATE,
            "snapshot_date": SNAPSHOT_DATE,
            "currency": CURRENCY,
            "date_format": "YYYY-MM-DD",
            "period_end_convention": "period_end is the last day of the period, inclusive",
        },
        "stages": {"order": list(STAGES), "won_stage": WON_STAGE, "lost_stage": LOST_STAGE},
        "row_counts": counts,
        "deals": {
            "clean_rows": n_deals,
            "quirk_rows": sum(detail["count"] for detail in quirks.values()),
            "rows_written": counts[DEALS.name],
            "status_counts": {s: int((status == code).sum()) for code, s in enumerate(_STATUS_CODES)},
            "observed_win_rate": rate(np.ones(n_deals, bool)),
            "true_win_rate": _round(deals.p_win.mean()),
            "segment_share": {s: _round((deals.segment == k).mean()) for k, s in enumerate(SEGMENTS)},
            "planted_median_amount": {s: float(_MEDIAN_AMOUNT[k]) for k, s in enumerate(SEGMENTS)},
            "observed_median_amount": {
                s: _round(np.median(deals.amount[deals.segment == k]), 2) for k, s in enumerate(SEGMENTS)
            },
            "planted_median_cycle_days": {s: float(_MEDIAN_CYCLE_DAYS[k]) for k, s in enumerate(SEGMENTS)},
            "observed_median_cycle_days_before_intervention": {
                s: median_cycle((deals.segment == k) & ~after) for k, s in enumerate(SEGMENTS)
            },
            "notes": [
                "amount of an open deal is its expected value if won; of a lost deal, the quoted value",
                "deals created by a rep who later left may close after left_at; the CRM keeps the owner",
                "observed rates count clean deals only (quirk rows excluded), by created_at",
                "the CRM starts on history_start with an empty pipeline, so closes and won revenue ramp up "
                "through 2023-Q1; compare periods from 2023-Q2 on, or by created_at",
            ],
        },
        "seasonality": {
            "applies_to": "deal creation intensity per day (deals created)",
            "monthly_multiplier": {f"{m + 1:02d}": float(v) for m, v in enumerate(_MONTHLY_SEASONALITY)},
            "weekend_multiplier": _WEEKEND_FACTOR,
            "annual_growth": _ANNUAL_GROWTH,
            "notes": "multipliers average 1; headcount changes and growth also move monthly counts",
        },
        "bottleneck": {
            "team": BOTTLENECK_TEAM,
            "stage": BOTTLENECK_FROM,
            "from_stage": BOTTLENECK_FROM,
            "to_stage": BOTTLENECK_TO,
            "planted_conversion": _BOTTLENECK_CONVERSION,
            "other_conversion": float(_BASE_CONVERSION[2]),
            "observed_conversion_by_team": observed_conversion,
            "definition": (
                "next-step conversion = closed deals whose furthest stage is at or beyond to_stage / closed deals "
                "whose furthest stage is at or beyond from_stage (Won counts as beyond every open stage); "
                "every team's observed value includes the CRM pilot's extra wins from 2025 (half of each team's "
                "reps are in the pilot)"
            ),
        },
        "intervention": {
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
            "treated": group(True),
            "control": group(False),
            "notes": (
                "every stage time of a treated deal is scaled, so the won cycle shrinks by the share; "
                "deals created late in 2025 are often still open, so 'after' rates and cycles of closed deals are "
                "censored for both groups alike: compare treated with control (difference in differences)"
            ),
        },
        "ramp": {
            "months": RAMP_MONTHS,
            "start_share": _RAMP_START_SHARE,
            "shape": "linear from start_share on hired_at to 1 after `months` months",
            "applies_to": "deal creation rate (hence revenue) of reps hired in the window; win rate and deal size "
            "are not ramped; targets of new hires are ramped the same way",
            "hires": [
                {"rep_id": roster.rep_id[i], "team": TEAMS[roster.team[i]], "hired_at": _iso(roster.hired[i])}
                for i in hires
            ],
        },
        "attrition": {
            "definition": "rate = leavers with left_at in the calendar year / mean daily headcount in that year; "
            "a rep counts from hired_at through left_at inclusive",
            "by_year": attrition,
            "annual_rate_before_intervention": _round(before_leavers / 2 / before_headcount),
            "annual_rate_after_intervention": attrition["2025"]["rate"],
            "leavers": [
                {"rep_id": roster.rep_id[i], "team": TEAMS[roster.team[i]], "left_at": _iso(roster.left[i])}
                for i in leaver_index
            ],
        },
        "rep_skill": {
            "definition": "true_win_rate = mean planted win probability of the rep's clean deals (includes team, "
            "segment, lead source and CRM pilot effects); the multiplier scales the rep's win probability "
            "through Qualification->Proposal and Negotiation->Won",
            "eligibility": f"at least {_SKILL_ELIGIBLE_DAYS} days employed within the history window",
            "strongest": [roster.rep_id[i] for i in ranked[:3]],
            "weakest": [roster.rep_id[i] for i in ranked[-3:][::-1]],
            "planted_strong": roster.rep_id[roster.strong].tolist(),
            "planted_weak": roster.rep_id[roster.weak].tolist(),
            "reps": rep_rows,
        },
        "busy_not_closing": {
            "rep_ids": roster.rep_id[roster.busy].tolist(),
            "activity_multiplier": _BUSY_ACTIVITY_FACTOR,
            "win_rate_multiplier": _SKILL_BUSY,
            "notes": "activities per deal about 2.5x the others' while the win rate is well below the team's",
        },
        "stage_irregularities": {
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
        },
        "stalled_deals": {
            "count": int(deals.stalled.size),
            "open_at_snapshot": int((status[deals.stalled] == 0).sum()),
            "open_deals": [
                {"deal_id": deal_id, "stalled_stage": STAGES[stage]}
                for deal_id, stage in zip(
                    _deal_ids(deals.stalled[status[deals.stalled] == 0], n_deals).tolist(),
                    deals.stall_stage[status[deals.stalled] == 0].tolist(),
                    strict=True,
                )
            ],
            "stage_time_factor": list(_STALL_FACTOR),
            "notes": "one stage of each stalled deal lasts 4-12x its usual time; stuck-deal lists should be "
            "dominated by the stalled deals still open (truth gives counts, not a list, since natural slow "
            "deals also pass a p90 threshold)",
        },
        "quirks": {kind: detail["count"] for kind, detail in quirks.items()},
        "quirk_rows": {
            kind: {key: value for key, value in detail.items() if key != "count"} for kind, detail in quirks.items()
        },
        "accounts": {
            "accounts_with_deals": int(np.unique(deals.account).size),
            "accounts_with_wins": int(account_revenue.size),
            "repeat_buyers": int((wins_per_account >= 2).sum()),
            "top_20pct_share_of_won_revenue": _round(top_share),
        },
        "csat": {
            "scale": 100,
            "baseline_mean": _CSAT_BASELINE,
            "noise_sd": _CSAT_NOISE,
            "survey_share_of_won_deals": _SURVEY_SHARE,
            "notes": "scores are integers clipped to 0-100; sent 3-21 days after a won deal closes",
        },
        "targets": {
            "metric": "revenue",
            "periods": "quarters 2023Q1-2026Q1; 2026Q1 is the quarter after the snapshot",
            "rule": "rep value = expected won revenue closing in the quarter per ramped, tier-weighted rep x growth "
            "room U(1.00, 1.12) x tier factor x share of quarter employed x ramp, +-3 % noise, rounded to 1,000 "
            "(2023-Q1 planned like 2023-Q2; 2026-Q1 = 2025-Q1 x 1.12); team rows (rep_id empty) are the exact sum "
            "of their reps' rows; attainment in 2023-Q1 is low because the pipeline starts empty",
            "tier_factor": {t: float(f) for t, f in zip(TIERS, _TIER_TARGET_FACTOR, strict=True)},
        },
        "costs": {
            "categories": ["crm_tools", "events", "marketing", "sales_commission", "sales_salary"],
            "notes": "monthly; crm_tools starts with the CRM pilot (treated reps' seats); marketing scales with deals created",
        },
    }


# --- small helpers ----------------------------------------------------------------


def _day(text: str) -> int:
    return int((np.datetime64(text, "D") - _START).astype(np.int64))


def _iso(day: int) -> str:
    return str(_START + int(day))


def _year(days: np.ndarray) -> np.ndarray:
    return (_START + days).astype("datetime64[Y]").astype(np.int64) + 1970


def _weekday(days: np.ndarray) -> np.ndarray:
    """Monday is 0; the epoch 1970-01-01 was a Thursday."""
    return ((_START + days).astype(np.int64) + 3) % 7


def _off_weekend(days: np.ndarray) -> np.ndarray:
    """Saturdays move to Friday and Sundays to Monday: reps log work on weekdays."""
    weekday = _weekday(days)
    return days - (weekday == 5) + (weekday == 6)


def _round(value: float, digits: int = 4) -> float:
    return round(float(value), digits)


def _draw_category(
    rng: np.random.Generator, probabilities: np.ndarray, *, group: np.ndarray | None = None, size: int | None = None
) -> np.ndarray:
    """Draw a category index per row; with ``group``, row i uses ``probabilities[group[i]]``."""
    cumulative = np.cumsum(probabilities, axis=-1)
    cumulative = cumulative / cumulative[..., -1:]
    if group is None:
        return np.minimum(np.searchsorted(cumulative, rng.random(size), side="right"), cumulative.size - 1)
    u = rng.random(group.size)
    return np.minimum((u[:, None] >= cumulative[group]).sum(axis=1), cumulative.shape[1] - 1)


def _labels(codes: np.ndarray, vocabulary, *, present: np.ndarray | None = None) -> pd.Series:
    """Text column from integer codes into a small vocabulary, fast for millions of rows."""
    mask = None if present is None else ~np.asarray(present)
    indices = pa.array(np.asarray(codes, dtype=np.int32), mask=mask)
    dictionary = pa.array([str(v) for v in vocabulary], pa.string())
    return pd.Series(pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string()), dtype=_TEXT)


def _text(values) -> pd.Series:
    return pd.Series(pa.array([str(v) for v in values], pa.string()), dtype=_TEXT)


def _dates(days: np.ndarray, *, present: np.ndarray | None = None) -> pd.Series:
    """ISO date text for day offsets; rows not ``present`` are missing."""
    days = np.asarray(days, dtype=np.int64)
    shown = days if present is None else days[np.asarray(present)]
    low = int(shown.min()) if shown.size else 0
    high = int(shown.max()) if shown.size else 0
    vocabulary = np.datetime_as_string(_START + np.arange(low, high + 1)).tolist()
    codes = np.clip(days - low, 0, high - low)
    return _labels(codes, vocabulary, present=present)


def _numbered(prefix: str, numbers: np.ndarray, width: int, present: np.ndarray | None = None) -> pd.Series:
    mask = None if present is None else ~np.asarray(present)
    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype=np.int64), mask=mask).cast(pa.string()), width, "0")
    return pd.Series(pc.binary_join_element_wise(prefix, digits, ""), dtype=_TEXT)


def _deal_ids(index: np.ndarray, n_deals: int, present: np.ndarray | None = None) -> pd.Series:
    """``D0000001``-style ids, 1-based; wide enough for the clean deals plus dirty rows."""
    width = max(7, len(str(2 * n_deals)))
    return _numbered("D", np.asarray(index) + 1, width, present)


def _account_ids(number: np.ndarray) -> pd.Series:
    return _numbered("A", np.asarray(number) + 1, 6)


def _day_numbers(text: pd.Series) -> np.ndarray:
    parsed = pd.to_datetime(text, format="%Y-%m-%d").to_numpy().astype("datetime64[D]")
    return (parsed - _START).astype(np.int64)


def _two_decimals(values: np.ndarray) -> pa.Array:
    """Money as text with exactly two decimals, vectorised for millions of rows."""
    cents = np.rint(np.asarray(values, dtype=float) * 100)
    missing = np.isnan(cents)
    cents = np.where(missing, 0, cents).astype(np.int64)
    size = np.abs(cents)
    whole = pa.array(size // 100).cast(pa.string())
    fraction = pc.utf8_lpad(pa.array(size % 100).cast(pa.string()), 2, "0")
    text = pc.binary_join_element_wise(whole, fraction, ".")
    text = pc.if_else(pa.array(cents < 0), pc.binary_join_element_wise("-", text, ""), text)
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, field in enumerate(table.schema):
        if pa.types.is_floating(field.type):
            table = table.set_column(i, field.name, _two_decimals(table.column(i).to_numpy()))
    # Unquoted output fails loudly if a value ever holds a comma, quote or newline.
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="none", quoting_header="none"))
