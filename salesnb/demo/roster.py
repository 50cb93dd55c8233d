"""The demo's sales reps: teams, hires and leavers, tiers, skills and the CRM pilot.

Plants the roster-level truths: a fixed number of leavers per calendar year (so the
attrition rate is known exactly) and replacements who ramp up, three strong and three
weak reps plus two "busy but not closing" reps among those employed through the whole
window, a per-rep CSAT offset, and the CRM pilot: a seeded random half of each team's
reps employed on ``INTERVENTION_DATE``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from salesnb.demo.constants import (
    _BUSY_ACTIVITY_FACTOR,
    _DAYS_PER_MONTH,
    _GIVEN_NAMES,
    _INITIAL_HEADCOUNT,
    _INTERVENTION_DAY,
    _LEAVERS_PER_YEAR,
    _N_REPLACEMENTS,
    _PILOT_SHARE,
    _RAMP_START_SHARE,
    _SKILL_BUSY,
    _SKILL_STRONG,
    _SKILL_WEAK,
    _SNAPSHOT,
    _STILL_EMPLOYED,
    _SURNAMES,
    _TEAM_REGION,
    BOTTLENECK_TEAM,
    RAMP_MONTHS,
    REGIONS,
    TEAMS,
    TIERS,
)
from salesnb.demo.helpers import _dates, _day, _labels, _text
from salesnb.schema import REPS


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
        """Number of reps."""
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
        """Days each rep was employed between HISTORY_START and the snapshot, inclusive."""
        last = np.minimum(self.left, _SNAPSHOT)
        first = np.maximum(self.hired, 0)
        return np.maximum(last - first + 1, 0)


def _draw_roster(rng: np.random.Generator) -> _Roster:
    """Draw the reps, their careers, skills and names; nobody is in the pilot yet.

    Parameters
    ----------
    rng : numpy.random.Generator
        The roster's own stream; draws staffing, then traits, then names.

    Returns
    -------
    _Roster
        Reps sorted by hire date, ``R001`` first; ``treated`` is all False
        (see :func:`_draw_pilot`).
    """
    team, hired, left = _draw_staffing(rng)
    n_reps = team.size
    years_at_start = -hired / 365.25
    tier = np.where(years_at_start >= 5, 0, np.where(years_at_start >= 2, 1, 2))
    traits = _draw_traits(rng, team, hired, left)
    people = _draw_people(rng, n_reps)
    return _Roster(
        rep_id=np.array([f"R{i + 1:03d}" for i in range(n_reps)], dtype=object),
        name=people[:n_reps],
        team=team,
        hired=hired,
        left=left,
        tier=tier,
        managers=tuple(people[n_reps:]),
        treated=np.zeros(n_reps, dtype=bool),
        **traits,
    )


def _draw_staffing(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw the initial reps, the leavers of each year and their replacements.

    Parameters
    ----------
    rng : numpy.random.Generator
        Roster stream.

    Returns
    -------
    team, hired, left : ndarray of int
        Per rep, sorted by hire date (stable); ``left`` is ``_STILL_EMPLOYED`` for
        reps still there at the snapshot.
    """
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
    return team[order], hired[order], left[order]


def _draw_traits(rng: np.random.Generator, team: np.ndarray, hired: np.ndarray, left: np.ndarray) -> dict:
    """Plant the strong, weak and busy reps and draw every rep's skill, volume, activity and CSAT offset.

    Parameters
    ----------
    rng : numpy.random.Generator
        Roster stream, after :func:`_draw_staffing`.
    team, hired, left : ndarray of int
        From :func:`_draw_staffing`.

    Returns
    -------
    dict
        ``strong``, ``weak``, ``busy`` (sorted rep indices) and ``skill``,
        ``volume``, ``activity``, ``csat`` (per rep): the matching fields of :class:`_Roster`.
    """
    n_reps = team.size
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
    return {
        "strong": strong,
        "weak": weak,
        "busy": busy,
        "skill": skill,
        "volume": volume,
        "activity": activity,
        "csat": csat,
    }


def _draw_people(rng: np.random.Generator, n_reps: int) -> np.ndarray:
    """Distinct Chinese names: one per rep, then one manager per team."""
    names = [f"{surname} {given}" for surname in _SURNAMES for given in _GIVEN_NAMES]
    picked = rng.choice(len(names), size=n_reps + len(TEAMS), replace=False)
    return np.array(names, dtype=object)[picked]


def _draw_pilot(rng: np.random.Generator, roster: _Roster) -> _Roster:
    """Put a random half (rounded down) of each team's reps employed on the pilot date in the pilot.

    Parameters
    ----------
    rng : numpy.random.Generator
        The pilot's own stream, so adding the pilot left every other draw unchanged.
    roster : _Roster
        From :func:`_draw_roster`.

    Returns
    -------
    _Roster
        ``roster`` with ``treated`` set.
    """
    on_date = (roster.hired <= _INTERVENTION_DAY) & (roster.left >= _INTERVENTION_DAY)
    treated = np.zeros(roster.size, dtype=bool)
    for t in range(len(TEAMS)):
        eligible = np.flatnonzero(on_date & (roster.team == t))
        treated[rng.choice(eligible, size=int(eligible.size * _PILOT_SHARE), replace=False)] = True
    return replace(roster, treated=treated)


def _reps_frame(roster: _Roster) -> pd.DataFrame:
    """The ``reps`` table: one row per rep, canonical columns, ISO dates."""
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
