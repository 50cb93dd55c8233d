"""The demo's stage history and each deal's outcome at the snapshot.

A clean deal enters its open stages one after the other (times drawn in
:mod:`salesnb.demo.deals`) and, if it closes by the snapshot, ends in Won or Lost.
Plants the stage-history irregularities an audit should count, at most one per deal:
reopened deals (Lost, then back in the stage they were lost in, some of them won
later), skipped intermediate stages, and backward moves (to the previous stage and
forward again). Also draws the rep's expected close date shown for open deals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesnb.demo.constants import (
    _BACKWARD_RATE,
    _LOST_CODE,
    _MEDIAN_CYCLE_DAYS,
    _REOPEN_RATE,
    _REOPEN_WIN_SHARE,
    _SKIP_RATE,
    _SNAPSHOT,
    _STATUS_CODES,
    _WON_CODE,
    LOST_STAGE,
    OPEN_STAGES,
    WON_STAGE,
)
from salesnb.demo.deals import _Deals
from salesnb.demo.helpers import _dates, _deal_ids, _labels
from salesnb.schema import LOST, OPEN, WON

_ROW_KEYS = ("deal", "stage", "entered", "order")


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


@dataclass(frozen=True)
class _Timeline:
    """Each clean deal's regular path through the stages, before any irregularity."""

    entered: np.ndarray  # (deal, open stage) day the stage is entered, if it ever is
    close: np.ndarray  # day the deal closes, possibly after the snapshot
    is_closed: np.ndarray  # closed by the snapshot
    won: np.ndarray  # closed by the snapshot as Won
    top: np.ndarray  # last open stage entered by the snapshot


def _draw_stage_history(rng: np.random.Generator, deals: _Deals) -> tuple[_History, _Outcome]:
    """Draw the stage-history rows, the planted irregularities and each deal's outcome.

    Parameters
    ----------
    rng : numpy.random.Generator
        The stage history's own stream: reopens, then skips, then backward moves,
        then expected close dates.
    deals : _Deals
        Clean deals with their stage times.

    Returns
    -------
    _History
        The rows of the ``stage_history`` table and the irregular deals.
    _Outcome
        Each deal's state at the snapshot.
    """
    timeline = _timeline(deals)
    rows = _regular_rows(timeline)
    reopened, status, current, closed_day, reopen_outcome = _draw_reopens(rng, timeline, deals, rows)
    skipped, skip_stage = _draw_skips(rng, timeline, reopened)
    backward = _draw_backward_moves(rng, timeline, np.union1d(reopened, skipped), rows)
    deal, stage, entered = _sorted_rows(rows, skipped, skip_stage)
    expected = _draw_expected_close(rng, deals)
    history = _History(
        deal=deal,
        stage=stage,
        entered=entered,
        skipped=skipped,
        backward=backward,
        reopened=reopened,
        reopen_outcome=reopen_outcome,
    )
    furthest = np.where(status == 1, _WON_CODE, timeline.top)
    outcome = _Outcome(
        status=status,
        closed=closed_day,
        stage=current,
        furthest=furthest,
        expected_close=expected,
        natural_close=timeline.close,
    )
    return history, outcome


def _timeline(deals: _Deals) -> _Timeline:
    """Stage entry days, close day and the stage reached by the snapshot, from the stage times."""
    n = deals.created.size
    elapsed = np.cumsum(deals.stage_days, axis=1)
    entered = np.column_stack([deals.created, deals.created[:, None] + elapsed[:, :3]])
    last_open = np.minimum(deals.n_passed, 3)
    close = deals.created + elapsed[np.arange(n), last_open]
    is_closed = close <= _SNAPSHOT
    won = is_closed & (deals.n_passed == 4)
    reached = (entered <= _SNAPSHOT) & (np.arange(4)[None, :] <= last_open[:, None])
    top = reached.sum(axis=1) - 1
    return _Timeline(entered=entered, close=close, is_closed=is_closed, won=won, top=top)


def _regular_rows(timeline: _Timeline) -> dict[str, list[np.ndarray]]:
    """Base rows: every open stage entered, then the Won/Lost row for closed deals.

    Returns
    -------
    dict
        ``deal``, ``stage``, ``entered`` and ``order`` (sort key within a deal), each a
        list of arrays that the irregularities append to.
    """
    top, is_closed = timeline.top, timeline.is_closed
    deal = np.repeat(np.arange(top.size), top + 1)
    stage = np.arange(deal.size) - np.repeat(np.cumsum(top + 1) - (top + 1), top + 1)
    return {
        "deal": [deal, np.flatnonzero(is_closed)],
        "stage": [stage, np.where(timeline.won, _WON_CODE, _LOST_CODE)[is_closed]],
        "entered": [timeline.entered[deal, stage], timeline.close[is_closed]],
        "order": [stage * 10, np.full(int(is_closed.sum()), 50)],
    }


def _draw_reopens(
    rng: np.random.Generator, timeline: _Timeline, deals: _Deals, rows: dict[str, list[np.ndarray]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
    """Reopened deals: lost, then back in the stage they were lost in weeks later.

    Appends the reopened deals' rows to ``rows``.

    Returns
    -------
    reopened : ndarray of int
        Reopened deals.
    status, current, closed_day : ndarray of int
        Per deal: status code (0 open, 1 won, 2 lost), current stage code and close
        day (-1 while open), after the reopens.
    reopen_outcome : dict
        Number of reopened deals open, won and lost at the snapshot.
    """
    top, won, is_closed = timeline.top, timeline.won, timeline.is_closed
    can_reopen = is_closed & ~won & (top >= 1) & (timeline.close <= _SNAPSHOT - 90)
    reopened = np.flatnonzero(can_reopen & (rng.random(top.size) < _REOPEN_RATE))
    status = np.where(is_closed, np.where(won, 1, 2), 0)
    current = np.where(is_closed, np.where(won, _WON_CODE, _LOST_CODE), top)
    closed_day = np.where(is_closed, timeline.close, -1)
    reopen_outcome = {OPEN: 0, WON: 0, LOST: 0}
    for i in reopened:
        kept, final = _draw_reopen_events(rng, timeline, deals, i)
        for position, (code, when) in enumerate(kept):
            for key, value in zip(_ROW_KEYS, (i, code, when, 60 + position), strict=True):
                rows[key].append(np.array([value]))
        is_final = kept[-1][0] == final
        status[i] = (1 if final == _WON_CODE else 2) if is_final else 0
        closed_day[i] = kept[-1][1] if is_final else -1
        current[i] = kept[-1][0]
        reopen_outcome[_STATUS_CODES[status[i]]] += 1
    return reopened, status, current, closed_day, reopen_outcome


def _draw_reopen_events(
    rng: np.random.Generator, timeline: _Timeline, deals: _Deals, i: int
) -> tuple[list[tuple[int, int]], int]:
    """The (stage code, day) events of reopened deal ``i`` up to the snapshot, and its final stage code.

    The deal re-enters the stage it was lost in 14-60 days after the loss; with
    probability ``_REOPEN_WIN_SHARE`` it then moves on at half its usual pace and is won,
    otherwise it is lost again; the final row comes 10-45 days after the last stage.
    """
    day = timeline.close[i] + int(rng.integers(14, 61))
    events = [(timeline.top[i], day)]
    if rng.random() < _REOPEN_WIN_SHARE:
        for k in range(timeline.top[i] + 1, 4):
            day += max(int(deals.stage_days[i, k]) // 2, 1)
            events.append((k, day))
        final = _WON_CODE
    else:
        final = _LOST_CODE
    day += int(rng.integers(10, 46))
    events.append((final, day))
    return [(code, when) for code, when in events if when <= _SNAPSHOT], final


def _draw_skips(rng: np.random.Generator, timeline: _Timeline, reopened: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Skipped stage: an intermediate stage with a later open or Won row is dropped.

    Returns
    -------
    skipped : ndarray of int
        Deals with a skipped stage (never a reopened one).
    skip_stage : ndarray of int
        Per deal, the open stage whose regular row is dropped (0 for the others).
    """
    n = timeline.top.size
    skip_ceiling = np.where(timeline.won, timeline.top, timeline.top - 1)
    can_skip = (skip_ceiling >= 1) & ~np.isin(np.arange(n), reopened)
    skipped = np.flatnonzero(can_skip & (rng.random(n) < _SKIP_RATE))
    skip_stage = np.zeros(n, dtype=np.int64)
    skip_stage[skipped] = 1 + np.floor(rng.random(skipped.size) * skip_ceiling[skipped]).astype(np.int64)
    return skipped, skip_stage


def _draw_backward_moves(
    rng: np.random.Generator, timeline: _Timeline, irregular: np.ndarray, rows: dict[str, list[np.ndarray]]
) -> np.ndarray:
    """Backward move: within stage j the deal drops back to j-1, then re-enters j.

    Deals in ``irregular`` (reopened or skipping) are left alone. Appends two rows per
    moved deal to ``rows`` and returns the moved deals.
    """
    entered, top, n = timeline.entered, timeline.top, timeline.top.size
    next_event = np.where(top < 3, entered[np.arange(n), np.minimum(top + 1, 3)], timeline.close)
    back_stage = np.maximum(top - np.floor(rng.random(n) * np.maximum(top, 1)).astype(np.int64), 1)
    stage_end = np.where(back_stage < top, entered[np.arange(n), np.minimum(back_stage + 1, 3)], next_event)
    stage_end = np.where((back_stage == top) & ~timeline.is_closed, _SNAPSHOT + 1, stage_end)
    span = stage_end - entered[np.arange(n), back_stage]
    can_go_back = (top >= 1) & (span >= 4) & ~np.isin(np.arange(n), irregular)
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
    return backward


def _sorted_rows(
    rows: dict[str, list[np.ndarray]], skipped: np.ndarray, skip_stage: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Deal, stage code and entry day of every history row, without the skipped stages, sorted by deal and event."""
    deal = np.concatenate(rows["deal"])
    stage = np.concatenate(rows["stage"])
    entered_at = np.concatenate(rows["entered"])
    order = np.concatenate(rows["order"])
    keep = ~(np.isin(deal, skipped) & (stage == skip_stage[deal]) & (order == stage * 10))
    deal, stage, entered_at, order = deal[keep], stage[keep], entered_at[keep], order[keep]
    sort = np.lexsort((order, deal))
    return deal[sort], stage[sort], entered_at[sort]


def _draw_expected_close(rng: np.random.Generator, deals: _Deals) -> np.ndarray:
    """The rep's expected close day per deal: creation plus a noisy segment cycle, at least 7-90 days past the snapshot."""
    n = deals.created.size
    segment_cycle = _MEDIAN_CYCLE_DAYS[deals.segment] * np.exp(rng.normal(0, 0.3, n))
    return np.maximum(deals.created + np.rint(segment_cycle).astype(np.int64), _SNAPSHOT + rng.integers(7, 91, n))


def _history_frame(history: _History, n_deals: int) -> pd.DataFrame:
    """The ``stage_history`` table: a row is exited when the deal's next row is entered."""
    same_deal_next = np.append(history.deal[1:] == history.deal[:-1], False)
    exited = np.append(history.entered[1:], 0)
    columns = {
        "deal_id": _deal_ids(history.deal, n_deals),
        "stage": _labels(history.stage, (*OPEN_STAGES, WON_STAGE, LOST_STAGE)),
        "entered_at": _dates(history.entered),
        "exited_at": _dates(exited, present=same_deal_next),
    }
    return pd.DataFrame(columns)
