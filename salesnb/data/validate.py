"""Validation with row accounting: every row read is used or excluded with a named reason.

A row failing several checks is excluded once, under the first reason in the
table's rule order, so ``read = used + Σ excluded`` always holds. Rows kept despite
a problem (an open deal without an amount, a deal without an account) are counted
as *flags* so the audit shows them too.

Reason codes look like ``duplicate_id`` or ``missing:created_at``; the report
turns them into words through the label table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from salesnb import schema
from salesnb.data.parse import clean_text, parse_amounts, parse_dates
from salesnb.data.readers import ROW
from salesnb.params import StageConfig

# Status words understood without a value map; anything else needs data.tables.deals.values.status.
STATUS_WORDS = {
    schema.WON: ("won", "closed won", "closed-won", "win", "赢单", "成交", "已成交", "赢"),
    schema.LOST: ("lost", "closed lost", "closed-lost", "loss", "输单", "丢单", "失败", "已丢单", "输"),
    schema.OPEN: ("open", "in progress", "active", "进行中", "跟进中", "未关闭"),
}
_STATUS_LOOKUP = {word: status for status, words in STATUS_WORDS.items() for word in words}


@dataclass(frozen=True)
class RowIssue:
    """Rows excluded (or kept but flagged) for one reason, with example rows as read."""

    reason: str
    count: int
    examples: pd.DataFrame
    rows: pd.DataFrame | None = None  # every excluded row as read (None for flags)


@dataclass
class Validated:
    frame: pd.DataFrame
    excluded: list[RowIssue] = field(default_factory=list)
    flagged: list[RowIssue] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What validation of one table may look up in tables already loaded."""

    stages: StageConfig
    rep_ids: np.ndarray | None = None  # object arrays: pandas' object isin hashes them fast
    deal_ids: np.ndarray | None = None
    example_rows: int = 5


Rule = tuple[str, Callable[[pd.DataFrame], pd.Series]]


def validate(table: str, raw: pd.DataFrame, ctx: Context) -> Validated:
    """Parse the canonical columns of ``raw`` and split rows into used and excluded."""
    spec = schema.TABLES[table]
    parsed, bad = _parse(raw, spec)
    if table == "deals":
        # Whether status was given or derived from the stage decides which reason names the problem.
        parsed.attrs["status_given"] = "status" in parsed
        parsed["status"] = derive_status(parsed, ctx.stages)
    rules, flags = _RULES[table](parsed, bad, ctx)
    reason = pd.Series(pd.NA, index=raw.index, dtype="object")
    for code, test in rules:
        hit = test(parsed).fillna(False).astype(bool) & reason.isna()
        reason[hit] = code
    excluded = [
        RowIssue(
            code,
            int(count),
            _examples(raw, reason.eq(code), ctx.example_rows),
            raw.loc[reason.eq(code)].astype("string").reset_index(drop=True),
        )
        for code, count in reason.value_counts(sort=False).items()
    ]
    order = [code for code, _ in rules]
    excluded.sort(key=lambda issue: order.index(issue.reason))
    keep = reason.isna()
    flagged = []
    for code, test, clear in flags:
        hit = test(parsed).fillna(False).astype(bool) & keep
        if hit.any():
            flagged.append(RowIssue(code, int(hit.sum()), _examples(raw, hit, ctx.example_rows)))
            if clear:
                parsed.loc[hit, clear] = pd.NA if spec.columns[clear] == schema.TEXT else None
    clean = parsed.loc[keep].drop(columns=[ROW], errors="ignore").reset_index(drop=True)
    return Validated(_canonical_dtypes(clean, spec), excluded, flagged)


def derive_status(frame: pd.DataFrame, stages: StageConfig) -> pd.Series:
    """open/won/lost from a status column (with common words) or else from the stage.

    >>> stages = StageConfig(order=["Lead", "Won"], won="Won", lost="Lost")
    >>> derive_status(pd.DataFrame({"stage": ["Lead", "Won", "Lost", "Odd"]}), stages).tolist()
    ['open', 'won', 'lost', <NA>]
    """
    if "status" in frame:
        words = frame["status"].astype("string").str.strip().str.lower()
        status = words.map(_STATUS_LOOKUP).astype("string")
        if "stage" in frame:
            from_stage = _status_from_stage(frame["stage"], stages)
            status = status.fillna(from_stage)
        return status
    return _status_from_stage(frame["stage"], stages)


def _status_from_stage(stage: pd.Series, stages: StageConfig) -> pd.Series:
    mapping = {name: schema.OPEN for name in stages.order}
    mapping[stages.won] = schema.WON
    mapping[stages.lost] = schema.LOST
    return stage.astype("string").str.strip().map(mapping).astype("string")


def _parse(raw: pd.DataFrame, spec: schema.TableSpec) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    parsed = pd.DataFrame({ROW: raw[ROW]}, index=raw.index) if ROW in raw else pd.DataFrame(index=raw.index)
    bad: dict[str, pd.Series] = {}
    for column, kind in spec.columns.items():
        if column not in raw:
            continue
        if kind == schema.DATE:
            parsed[column], bad[column] = parse_dates(raw[column])
        elif kind == schema.NUMBER:
            parsed[column], bad[column] = parse_amounts(raw[column])
        else:
            parsed[column] = clean_text(raw[column])
    return parsed, bad


def _missing(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda f: f[column].isna() if column in f else pd.Series(False, index=f.index)


def _bad(bad: dict[str, pd.Series], column: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda f: bad.get(column, pd.Series(False, index=f.index))


def _not_in(column: str, known: np.ndarray | None) -> Callable[[pd.DataFrame], pd.Series]:
    if known is None:
        return lambda f: pd.Series(False, index=f.index)

    def test(f: pd.DataFrame) -> pd.Series:
        if column not in f:
            return pd.Series(False, index=f.index)
        # Arrow-backed string isin converts every known value to a scalar; object isin hashes.
        return f[column].notna() & ~f[column].astype(object).isin(known)

    return test


def _before(later: str, earlier: str) -> Callable[[pd.DataFrame], pd.Series]:
    def test(f: pd.DataFrame) -> pd.Series:
        if later not in f or earlier not in f:
            return pd.Series(False, index=f.index)
        return f[later] < f[earlier]

    return test


def _deal_rules(parsed: pd.DataFrame, bad: dict, ctx: Context):
    closed = parsed["status"].isin(schema.CLOSED_STATUSES)
    is_open = parsed["status"].eq(schema.OPEN)
    unknown_status = "unknown_status" if parsed.attrs["status_given"] else "unknown_stage"
    rules: list[Rule] = [
        ("missing:deal_id", _missing("deal_id")),
        ("duplicate_id", lambda f: f["deal_id"].notna() & f["deal_id"].duplicated(keep="first")),
        ("missing:rep_id", _missing("rep_id")),
        ("unknown_rep", _not_in("rep_id", ctx.rep_ids)),
        (unknown_status, lambda f: f["status"].isna()),
        ("bad:created_at", _bad(bad, "created_at")),
        ("missing:created_at", lambda f: f["created_at"].isna() & closed),
        ("bad:amount", _bad(bad, "amount")),
        ("negative_amount", lambda f: f["amount"] < 0),
        ("missing:amount", lambda f: f["amount"].isna() & parsed["status"].eq(schema.WON)),
        ("bad:closed_at", _bad(bad, "closed_at")),
        ("missing:closed_at", lambda f: f["closed_at"].isna() & closed if "closed_at" in f else closed),
        ("closed_before_created", _before("closed_at", "created_at")),
    ]
    flags = [
        ("open_without_created_at", lambda f: f["created_at"].isna() & is_open, None),
        ("open_without_amount", lambda f: f["amount"].isna() & is_open, None),
        ("won_with_zero_amount", lambda f: f["amount"].eq(0) & parsed["status"].eq(schema.WON), None),
        (
            "open_with_closed_at",
            lambda f: f["closed_at"].notna() & is_open if "closed_at" in f else ~is_open & is_open,
            "closed_at",
        ),
        ("blank:account_id", _missing("account_id"), None),
        ("bad:expected_close_at", _bad(bad, "expected_close_at"), "expected_close_at"),
    ]
    if "stage" in parsed and parsed.attrs["status_given"]:
        known = set(ctx.stages.order) | {ctx.stages.lost}
        flags.append(("unknown_stage", lambda f: f["stage"].notna() & ~f["stage"].isin(known), None))
    return rules, flags


def _history_rules(parsed: pd.DataFrame, bad: dict, ctx: Context):
    known = set(ctx.stages.order) | {ctx.stages.lost}
    rules: list[Rule] = [
        ("missing:deal_id", _missing("deal_id")),
        ("unknown_deal", _not_in("deal_id", ctx.deal_ids)),
        ("missing:stage", _missing("stage")),
        ("unknown_stage", lambda f: ~f["stage"].isin(known)),
        ("bad:entered_at", _bad(bad, "entered_at")),
        ("missing:entered_at", _missing("entered_at")),
        ("duplicate_entry", lambda f: f.duplicated(["deal_id", "stage", "entered_at"], keep="first")),
        ("exited_before_entered", _before("exited_at", "entered_at")),
    ]
    flags = [("bad:exited_at", _bad(bad, "exited_at"), "exited_at")]
    return rules, flags


def _rep_rules(parsed: pd.DataFrame, bad: dict, ctx: Context):
    rules: list[Rule] = [
        ("missing:rep_id", _missing("rep_id")),
        ("duplicate_id", lambda f: f["rep_id"].notna() & f["rep_id"].duplicated(keep="first")),
    ]
    flags = [
        ("bad:hired_at", _bad(bad, "hired_at"), "hired_at"),
        ("bad:left_at", _bad(bad, "left_at"), "left_at"),
        ("left_before_hired", _before("left_at", "hired_at"), None),
    ]
    return rules, flags


def _activity_rules(parsed: pd.DataFrame, bad: dict, ctx: Context):
    rules: list[Rule] = [
        ("missing:rep_id", _missing("rep_id")),
        ("unknown_rep", _not_in("rep_id", ctx.rep_ids)),
        ("bad:occurred_at", _bad(bad, "occurred_at")),
        ("missing:occurred_at", _missing("occurred_at")),
        ("missing:type", _missing("type")),
    ]
    flags = [("unknown_deal", _not_in("deal_id", ctx.deal_ids), None)]
    return rules, flags


def _period_rules(value_column: str):
    def rules_for(parsed: pd.DataFrame, bad: dict, ctx: Context):
        rules: list[Rule] = [
            ("bad:period_start", _bad(bad, "period_start")),
            ("missing:period_start", _missing("period_start")),
            ("bad:period_end", _bad(bad, "period_end")),
            ("missing:period_end", _missing("period_end")),
            ("end_before_start", _before("period_end", "period_start")),
            (f"bad:{value_column}", _bad(bad, value_column)),
            (f"missing:{value_column}", _missing(value_column)),
            ("negative_amount", lambda f: f[value_column] < 0),
        ]
        if "metric" in parsed:
            rules.insert(0, ("missing:metric", _missing("metric")))
        flags = [("unknown_rep", _not_in("rep_id", ctx.rep_ids), None)]
        return rules, flags

    return rules_for


def _survey_rules(parsed: pd.DataFrame, bad: dict, ctx: Context):
    def out_of_scale(f: pd.DataFrame) -> pd.Series:
        top = f["scale"] if "scale" in f else pd.Series(float("nan"), index=f.index)
        return (f["score"] < 0) | (top.notna() & (f["score"] > top))

    rules: list[Rule] = [
        ("bad:surveyed_at", _bad(bad, "surveyed_at")),
        ("missing:surveyed_at", _missing("surveyed_at")),
        ("bad:score", _bad(bad, "score")),
        ("missing:score", _missing("score")),
        ("score_out_of_scale", out_of_scale),
    ]
    flags = [("unknown_rep", _not_in("rep_id", ctx.rep_ids), None)]
    return rules, flags


_RULES = {
    "deals": _deal_rules,
    "stage_history": _history_rules,
    "reps": _rep_rules,
    "activities": _activity_rules,
    "targets": _period_rules("value"),
    "surveys": _survey_rules,
    "costs": _period_rules("amount"),
}


def _examples(raw: pd.DataFrame, mask: pd.Series, n: int) -> pd.DataFrame:
    return raw.loc[mask].head(n).astype("string").reset_index(drop=True)


def _canonical_dtypes(frame: pd.DataFrame, spec: schema.TableSpec) -> pd.DataFrame:
    out = {}
    for column in frame.columns:
        kind = spec.columns.get(column)
        if kind == schema.DATE:
            out[column] = frame[column].astype("datetime64[us]")
        elif kind == schema.NUMBER:
            out[column] = frame[column].astype("float64")
        else:
            out[column] = frame[column].astype("string")
    return pd.DataFrame(out, index=frame.index)
