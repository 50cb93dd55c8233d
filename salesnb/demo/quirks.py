"""The ``deals`` table: the clean deals as rows, with dirty rows for validation to catch among them.

Plants, for each kind, ``max(ceil(0.05 % of the deals), 1)`` rows: duplicated deal
ids, negative amounts, deals closed before they were created, unknown rep ids and
unparseable creation dates. Each dirty row is an extra copy of a clean deal with one
defect, so the clean deals stay exactly as generated and validation can be checked row
by row; ``ground_truth.json`` lists every dirty row's deal id under ``quirk_rows``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from salesnb.demo.constants import (
    _QUIRK_RATE,
    _STATUS_CODES,
    _TEAM_REGION,
    _UNKNOWN_REP_IDS,
    _UNPARSEABLE_DATES,
    CURRENCY,
    LEAD_SOURCES,
    LOST_STAGE,
    OPEN_STAGES,
    PRODUCTS,
    REGIONS,
    SEGMENTS,
    WON_STAGE,
)
from salesnb.demo.deals import _Deals
from salesnb.demo.helpers import _TEXT, _account_ids, _dates, _deal_ids, _labels
from salesnb.demo.roster import _Roster
from salesnb.demo.stages import _Outcome
from salesnb.schema import DEALS


def _deals_frame(
    rng: np.random.Generator, roster: _Roster, deals: _Deals, outcome: _Outcome
) -> tuple[pd.DataFrame, dict]:
    """The ``deals`` table and the dirty rows planted in it.

    Parameters
    ----------
    rng : numpy.random.Generator
        The quirks' own stream.
    roster, deals, outcome
        Reps, clean deals and their outcomes.

    Returns
    -------
    DataFrame
        Clean rows in order with the dirty rows spread among them.
    dict
        The dirty rows by kind (see :func:`_plant_quirks`).
    """
    clean = _clean_deals_frame(roster, deals, outcome)
    return _plant_quirks(rng, clean, closed=np.flatnonzero(outcome.status != 0))


def _clean_deals_frame(roster: _Roster, deals: _Deals, outcome: _Outcome) -> pd.DataFrame:
    """The clean rows of the ``deals`` table, in canonical column order.

    Parameters
    ----------
    roster : _Roster
        Reps.
    deals : _Deals
        Clean deals.
    outcome : _Outcome
        Status, close day, current stage and expected close per deal at the snapshot.

    Returns
    -------
    DataFrame
        One row per clean deal, ``D0000001`` first.
    """
    n = deals.created.size
    is_open = outcome.status == 0
    return pd.DataFrame(
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


class _Copier:
    """Copies random clean rows; copies of a defect other than a duplicate id get new ids after the clean ones."""

    def __init__(self, rng: np.random.Generator, clean: pd.DataFrame) -> None:
        self.rng = rng
        self.clean = clean
        self.n = len(clean)
        self.per_kind = max(math.ceil(self.n * _QUIRK_RATE), 1)
        self.next_id = self.n

    def rows(self, pool: int | np.ndarray) -> pd.DataFrame:
        """``per_kind`` distinct clean rows drawn from ``pool`` (a count or row positions), in row order."""
        return self.clean.iloc[np.sort(self.rng.choice(pool, size=self.per_kind, replace=False))].copy()

    def copy_of(self, pool: np.ndarray) -> pd.DataFrame:
        """Like :meth:`rows`, with the next unused deal ids."""
        rows = self.rows(pool)
        rows["deal_id"] = _deal_ids(np.arange(self.next_id, self.next_id + self.per_kind), self.n).to_numpy()
        self.next_id += self.per_kind
        return rows


def _plant_quirks(rng: np.random.Generator, clean: pd.DataFrame, closed: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """Append the dirty rows to the clean deals at random positions.

    Parameters
    ----------
    rng : numpy.random.Generator
        The quirks' own stream; the kinds draw in the order of the returned dict.
    clean : DataFrame
        The clean ``deals`` rows.
    closed : ndarray of int
        Positions of the closed clean deals (the ones that can be closed before created).

    Returns
    -------
    DataFrame
        The ``deals`` table: clean rows in order with the dirty rows spread among them.
    dict
        Per kind: ``count``, ``deal_ids`` and for some kinds the planted ``rep_ids`` or ``values``.
    """
    copier = _Copier(rng, clean)
    every = np.arange(copier.n)
    planted = {}
    planted["duplicate_id"] = _duplicate_ids(copier)
    planted["negative_amount"] = _negative_amounts(copier, every)
    planted["closed_before_created"] = _closed_before_created(copier, closed)
    planted["unknown_rep"] = _unknown_reps(copier, every)
    planted["unparseable_created_at"] = _unparseable_dates(copier, every)
    quirks = {kind: _detail(rows, extra) for kind, (rows, extra) in planted.items()}

    dirty = pd.concat([rows for rows, _ in planted.values()], ignore_index=True).astype(clean.dtypes.to_dict())
    position = np.concatenate([np.arange(copier.n, dtype=float), rng.random(len(dirty)) * copier.n])
    frame = pd.concat([clean, dirty], ignore_index=True).take(np.argsort(position, kind="stable"))
    return frame.reset_index(drop=True), quirks


def _detail(rows: pd.DataFrame, extra: dict) -> dict:
    """A kind's ground truth: the row count, the rows' deal ids, then the kind's own facts."""
    return {"count": len(rows), "deal_ids": rows["deal_id"].tolist(), **extra}


def _duplicate_ids(copier: _Copier) -> tuple[pd.DataFrame, dict]:
    """Exact copies of clean rows, deal id included."""
    return copier.rows(copier.n), {}


def _negative_amounts(copier: _Copier, pool: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """Copies with the amount negated."""
    rows = copier.copy_of(pool)
    rows["amount"] = -rows["amount"]
    return rows, {}


def _closed_before_created(copier: _Copier, closed: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """Copies of closed deals whose close date is 1-30 days before the creation date."""
    rows = copier.copy_of(closed)
    created = pd.to_datetime(rows["created_at"], format="%Y-%m-%d")
    gap = pd.to_timedelta(copier.rng.integers(1, 31, copier.per_kind), unit="D")
    rows["closed_at"] = (created - gap).dt.strftime("%Y-%m-%d").astype(_TEXT).to_numpy()
    return rows, {}


def _unknown_reps(copier: _Copier, pool: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """Copies owned by rep ids that are not in the reps table."""
    rows = copier.copy_of(pool)
    unknown = np.array(_UNKNOWN_REP_IDS, dtype=object)
    rows["rep_id"] = unknown[copier.rng.integers(0, len(_UNKNOWN_REP_IDS), copier.per_kind)]
    return rows, {"rep_ids": sorted(set(rows["rep_id"]))}


def _unparseable_dates(copier: _Copier, pool: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """Copies whose creation date is text no date parser accepts."""
    rows = copier.copy_of(pool)
    values = np.array(_UNPARSEABLE_DATES, dtype=object)
    rows["created_at"] = values[np.arange(copier.per_kind) % len(_UNPARSEABLE_DATES)]
    return rows, {"values": sorted(set(rows["created_at"]))}
