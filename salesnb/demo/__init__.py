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

The generator's parts, each with its own random stream:

- :mod:`~salesnb.demo.constants`: calendar, vocabularies and planted effect sizes;
- :mod:`~salesnb.demo.roster`: reps, attrition, skills and the CRM pilot;
- :mod:`~salesnb.demo.deals`: clean deals (seasonality, mix, accounts, conversion);
- :mod:`~salesnb.demo.stages`: stage history, irregularities and outcomes;
- :mod:`~salesnb.demo.activities`: activities, surveys, targets and costs;
- :mod:`~salesnb.demo.quirks`: the deals table and its dirty rows;
- :mod:`~salesnb.demo.truths`: ``ground_truth.json``;
- :mod:`~salesnb.demo.helpers`: calendar arithmetic, text columns, CSV.

Only the names in ``__all__`` are the public interface; the underscored names of the
modules are shared within this package only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from salesnb.demo.activities import _draw_activities, _draw_costs, _draw_surveys, _draw_targets
from salesnb.demo.constants import (
    ACTIVITY_TYPES,
    BOTTLENECK_FROM,
    BOTTLENECK_TEAM,
    BOTTLENECK_TO,
    CURRENCY,
    FILE_FORMATS,
    GENERATOR_VERSION,
    GROUND_TRUTH_FILE,
    HISTORY_START,
    INTERVENTION_DATE,
    LEAD_SOURCES,
    LOST_STAGE,
    OPEN_STAGES,
    PRODUCTS,
    RAMP_MONTHS,
    REGIONS,
    SEGMENTS,
    SNAPSHOT_DATE,
    STAGES,
    TEAMS,
    TIERS,
    WON_STAGE,
)
from salesnb.demo.deals import _draw_deals
from salesnb.demo.helpers import _write_csv
from salesnb.demo.quirks import _deals_frame
from salesnb.demo.roster import _draw_pilot, _draw_roster, _reps_frame
from salesnb.demo.stages import _draw_stage_history, _history_frame
from salesnb.demo.truths import _truth
from salesnb.schema import ACTIVITIES, COSTS, DEALS, REPS, STAGE_HISTORY, SURVEYS, TARGETS

__all__ = [
    "ACTIVITY_TYPES",
    "BOTTLENECK_FROM",
    "BOTTLENECK_TEAM",
    "BOTTLENECK_TO",
    "CURRENCY",
    "FILE_FORMATS",
    "GENERATOR_VERSION",
    "GROUND_TRUTH_FILE",
    "HISTORY_START",
    "INTERVENTION_DATE",
    "LEAD_SOURCES",
    "LOST_STAGE",
    "OPEN_STAGES",
    "PRODUCTS",
    "RAMP_MONTHS",
    "REGIONS",
    "SEGMENTS",
    "SNAPSHOT_DATE",
    "STAGES",
    "TEAMS",
    "TIERS",
    "WON_STAGE",
    "DemoData",
    "generate_demo",
    "write_demo",
]


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
