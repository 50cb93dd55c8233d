"""Canonical tables, their columns and the status vocabulary.

Every client export is mapped onto these names (docs/schema.md). Column names are
English snake_case; nothing else in the package spells them as string literals.
"""

from __future__ import annotations

from dataclasses import dataclass

# Deal status values after mapping.
OPEN, WON, LOST = "open", "won", "lost"
STATUSES = (OPEN, WON, LOST)

# How deals without an owner (rep_id NULL in the clean table) are labelled in breakdowns;
# they are never ranked, coached, given a target or used as a control.
UNASSIGNED = "Unassigned"
CLOSED_STATUSES = (WON, LOST)

# Column kinds drive parsing: text is stripped, date is parsed explicitly, number
# accepts "¥1,234.50"-style strings.
TEXT, DATE, NUMBER = "text", "date", "number"


@dataclass(frozen=True)
class TableSpec:
    """One canonical table: required and optional columns with their kinds."""

    name: str
    required: dict[str, str]
    optional: dict[str, str]
    key: tuple[str, ...] = ()

    @property
    def columns(self) -> dict[str, str]:
        return {**self.required, **self.optional}


DEALS = TableSpec(
    "deals",
    required={
        "deal_id": TEXT,
        "created_at": DATE,
        "amount": NUMBER,
        "status": TEXT,
    },
    optional={
        "rep_id": TEXT,  # blank or unmapped: an unassigned lead, kept in team totals (UNASSIGNED)
        "closed_at": DATE,
        "stage": TEXT,
        "account_id": TEXT,
        "segment": TEXT,
        "product": TEXT,
        "region": TEXT,
        "lead_source": TEXT,
        "currency": TEXT,
        "expected_close_at": DATE,
    },
    key=("deal_id",),
)
STAGE_HISTORY = TableSpec(
    "stage_history",
    required={"deal_id": TEXT, "stage": TEXT, "entered_at": DATE},
    optional={"exited_at": DATE, "amount": NUMBER},
)
REPS = TableSpec(
    "reps",
    required={"rep_id": TEXT},
    optional={
        "name": TEXT,
        "team": TEXT,
        "region": TEXT,
        "manager": TEXT,
        "hired_at": DATE,
        "left_at": DATE,
        "tier": TEXT,
    },
    key=("rep_id",),
)
ACTIVITIES = TableSpec(
    "activities",
    required={"rep_id": TEXT, "occurred_at": DATE, "type": TEXT},
    optional={"deal_id": TEXT, "account_id": TEXT},
)
TARGETS = TableSpec(
    "targets",
    required={"period_start": DATE, "period_end": DATE, "metric": TEXT, "value": NUMBER},
    optional={"rep_id": TEXT, "team": TEXT},
)
SURVEYS = TableSpec(
    "surveys",
    required={"surveyed_at": DATE, "score": NUMBER},
    optional={"rep_id": TEXT, "account_id": TEXT, "scale": NUMBER},
)
COSTS = TableSpec(
    "costs",
    required={"period_start": DATE, "period_end": DATE, "amount": NUMBER},
    optional={"category": TEXT},
)

TABLES: dict[str, TableSpec] = {t.name: t for t in (DEALS, STAGE_HISTORY, REPS, ACTIVITIES, TARGETS, SURVEYS, COSTS)}
