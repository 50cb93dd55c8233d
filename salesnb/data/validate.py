"""Validation with row accounting: every row read is used or excluded with a named reason.

Rules are engine expressions, so they run where the rows are. A row failing several
checks is excluded once, under the first reason in the table's rule order, so
``read = used + Σ excluded`` always holds. Rows kept despite a problem (an open deal
without an amount, a deal without an account) are counted as *flags* so the audit
shows them too.

Reason codes look like ``duplicate_id`` or ``missing:created_at``; the report
turns them into words through the label table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pandas as pd

from salesnb import schema
from salesnb.data.mapping import MAPPED, Mapped
from salesnb.data.parse import ParseOptions, parse_column, text
from salesnb.data.readers import ROW
from salesnb.params import StageConfig

# Status words understood without a value map; anything else needs data.tables.deals.values.status.
STATUS_WORDS = {
    schema.WON: ("won", "closed won", "closed-won", "win", "赢单", "成交", "已成交", "赢"),
    schema.LOST: ("lost", "closed lost", "closed-lost", "loss", "输单", "丢单", "失败", "已丢单", "输"),
    schema.OPEN: ("open", "in progress", "active", "进行中", "跟进中", "未关闭"),
}
_STATUS_LOOKUP = {word: status for status, words in STATUS_WORDS.items() for word in words}

PARSED = "snb_p_"  # parsed canonical value
BAD = "snb_b_"  # cell filled in but not parseable
REASON = "snb_reason"  # first failing rule, NULL for a used row
FLAG = "snb_f_"  # flag i hit on a used row
KNOWN = "snb_known_"  # the row's id is in the clean reps/deals table


@dataclass(frozen=True)
class RowIssue:
    """Rows excluded (or kept but flagged) for one reason, with example rows as read."""

    reason: str
    count: int
    examples: pd.DataFrame


@dataclass(frozen=True)
class Context:
    """What validation of one table may look up in tables already loaded (clean tables)."""

    stages: StageConfig
    rep_ids: ir.Table | None = None  # the clean reps table
    deal_ids: ir.Table | None = None  # the clean deals table
    example_rows: int = 5
    parse: ParseOptions = ParseOptions()
    keep_raw: bool = False  # carry the client's columns along (row numbers not stable in the source)


@dataclass
class Checked:
    """The client's rows with parsed canonical columns, the reason each is excluded and its flags."""

    name: str
    table: ir.Table
    raw: ir.Table  # the client's rows as read, with _row
    headers: tuple[str, ...]
    canonical: list[str]
    rules: list[str]
    flags: list[tuple[str, str | None]] = field(default_factory=list)  # (code, column cleared when hit)
    date_formats: dict[str, str | None] = field(default_factory=dict)


class _Cols:
    """Parsed canonical columns of the table being checked; absent ones are None."""

    def __init__(self, table: ir.Table, canonical: list[str]):
        self.table, self.names = table, set(canonical)

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def __getitem__(self, name: str) -> ir.Value:
        return self.table[PARSED + name]

    def bad(self, name: str) -> ir.BooleanValue:
        return self.table[BAD + name] if name in self.names else ibis.literal(False)

    def missing(self, name: str) -> ir.BooleanValue:
        return self[name].isnull() if name in self else ibis.literal(False)

    def before(self, later: str, earlier: str) -> ir.BooleanValue:
        if later not in self or earlier not in self:
            return ibis.literal(False)
        return self[later] < self[earlier]

    def not_in(self, name: str, known: ir.Table | None, key: str) -> ir.BooleanValue:
        if known is None or name not in self:
            return ibis.literal(False)
        return self[name].notnull() & ~self.table[KNOWN + name]


def check(name: str, source: Mapped, ctx: Context) -> Checked:
    """Parse the canonical columns and add the exclusion reason and flags, as one expression."""
    spec = schema.TABLES[name]
    table = source.table
    canonical = [c for c in source.canonical if c in spec.columns]
    parsed: dict[str, ir.Value] = {}
    formats: dict[str, str | None] = {}
    for column in canonical:
        result = parse_column(table, MAPPED + column, spec.columns[column], ctx.parse, label=f"{name}.{column}")
        parsed[PARSED + column] = result.value
        if spec.columns[column] != schema.TEXT:
            parsed[BAD + column] = result.bad
        if spec.columns[column] == schema.DATE:
            formats[column] = result.format
    status_given = "status" in canonical
    if name == "deals":
        parsed[PARSED + "status"] = derive_status(
            text(table[MAPPED + "status"]) if status_given else None,
            parsed.get(PARSED + "stage"),
            ctx.stages,
        )
        if "status" not in canonical:
            canonical.append("status")
    # The client's columns stay in the raw table (joined back by _row for example rows), unless
    # row numbers are not stable there (a database table), where they travel with the checked rows.
    keep = [ROW, *source.headers] if ctx.keep_raw else [ROW]
    table = table.select(*keep, **parsed)
    table = _known(table, canonical, ctx)
    cols = _Cols(table, canonical)
    windows = _windows(name, cols)
    if windows:
        table = table.mutate(**windows)
        cols = _Cols(table, canonical)
    rules, flags = _RULES[name](cols, ctx, status_given)
    reason = ibis.cases(*[(test.fill_null(False), code) for code, test in rules], else_=ibis.null("string"))
    table = table.mutate(**{REASON: reason}).drop(*windows)
    used = table[REASON].isnull()
    table = table.mutate(
        **{
            f"{FLAG}{i}": (test.fill_null(False) & used)
            for i, (_, test, _) in enumerate(_bind(flags, table, canonical))
        }
    )
    table = table.drop(*[c for c in table.columns if c.startswith(KNOWN)])
    return Checked(
        name,
        table,
        source.raw,
        source.headers,
        canonical,
        [code for code, _ in rules],
        [(code, clear) for code, _, clear in flags],
        formats,
    )


def _bind(flags, table: ir.Table, canonical: list[str]):
    """Flag tests are written against the parsed columns; rebind them to ``table`` (with the reason)."""
    cols = _Cols(table, canonical)
    return [(code, test(cols), clear) for code, test, clear in flags]


def clean(checked: Checked) -> ir.Table:
    """The used rows with canonical names and types; flagged values that cannot be trusted cleared."""
    table = checked.table.filter(checked.table[REASON].isnull())
    spec_columns = schema.TABLES[checked.name].columns
    out = {}
    for column in checked.canonical:
        value = table[PARSED + column]
        for i, (_, clear) in enumerate(checked.flags):
            if clear == column:
                value = ibis.cases((table[f"{FLAG}{i}"], ibis.null(value.type())), else_=value)
        kind = spec_columns.get(column)
        if kind == schema.DATE:
            value = value.cast("timestamp")
        elif kind == schema.NUMBER:
            value = value.cast("float64")
        else:
            value = value.cast("string")
        out[column] = value
    return table.select(**out)


def derive_status(status: ir.StringValue | None, stage: ir.StringValue | None, stages: StageConfig) -> ir.StringValue:
    """open/won/lost from a status column (with common words) or else from the stage."""
    from_stage = None
    if stage is not None:
        mapping = {name: schema.OPEN for name in stages.order}
        mapping[stages.won] = schema.WON
        mapping[stages.lost] = schema.LOST
        from_stage = stage.substitute(mapping, else_=ibis.null("string"))
    if status is not None:
        words = status.lower().substitute(_STATUS_LOOKUP, else_=ibis.null("string"))
        return words if from_stage is None else words.fill_null(from_stage)
    if from_stage is None:
        return ibis.null("string")
    return from_stage


def _known(table: ir.Table, canonical: list[str], ctx: Context) -> ir.Table:
    """Add ``snb_known_<id>``: whether the row's rep/deal id is in the clean reps/deals table.

    A left join on the distinct ids, not ``IN (subquery)``: PostgreSQL runs a large IN list
    row by row once it no longer fits in work_mem.
    """
    for column, known in (("rep_id", ctx.rep_ids), ("deal_id", ctx.deal_ids)):
        if known is None or column not in canonical:
            continue
        ids = known.select(snb_id=known[column]).filter(lambda t: t.snb_id.notnull()).distinct()
        joined = table.left_join(ids, table[PARSED + column] == ids.snb_id)
        table = joined.select(*table.columns, **{KNOWN + column: joined.snb_id.notnull()})
    return table


def _repeated(cols: _Cols, keys: list[str]) -> ir.BooleanValue:
    """Rows whose key was already seen on an earlier row (NULL keys count as equal, like pandas)."""
    first = ibis.row_number().over(group_by=[cols[k] for k in keys], order_by=cols.table[ROW])
    return first > 0


def _windows(name: str, cols: _Cols) -> dict[str, ir.Value]:
    """Duplicate checks compare rows with each other; computed as a column before the reason."""
    keys = {"deals": ["deal_id"], "reps": ["rep_id"], "stage_history": ["deal_id", "stage", "entered_at"]}
    if name in keys and set(keys[name]) <= cols.names:
        return {"snb_dup": _repeated(cols, keys[name])}
    return {}


def _dup(cols: _Cols) -> ir.BooleanValue:
    return cols.table["snb_dup"] if "snb_dup" in cols.table.columns else ibis.literal(False)


def _deal_rules(c: _Cols, ctx: Context, status_given: bool):
    status = c["status"]
    closed = status.isin(schema.CLOSED_STATUSES)
    won = status == schema.WON
    unknown_status = "unknown_status" if status_given else "unknown_stage"
    rules = [
        ("missing:deal_id", c.missing("deal_id")),
        ("duplicate_id", c["deal_id"].notnull() & _dup(c) if "deal_id" in c else ibis.literal(False)),
        ("missing:rep_id", c.missing("rep_id")),
        ("unknown_rep", c.not_in("rep_id", ctx.rep_ids, "rep_id")),
        (unknown_status, status.isnull()),
        ("bad:created_at", c.bad("created_at")),
        ("missing:created_at", c.missing("created_at") & closed),
        ("bad:amount", c.bad("amount")),
        ("negative_amount", c["amount"] < 0 if "amount" in c else ibis.literal(False)),
        ("missing:amount", c.missing("amount") & won),
        ("bad:closed_at", c.bad("closed_at")),
        ("missing:closed_at", (c.missing("closed_at") if "closed_at" in c else ibis.literal(True)) & closed),
        ("closed_before_created", c.before("closed_at", "created_at")),
    ]

    def is_open(k: _Cols) -> ir.BooleanValue:
        return k["status"] == schema.OPEN

    flags = [
        ("open_without_created_at", lambda k: k.missing("created_at") & is_open(k), None),
        ("open_without_amount", lambda k: k.missing("amount") & is_open(k), None),
        (
            "won_with_zero_amount",
            lambda k: (k["amount"] == 0) & (k["status"] == schema.WON) if "amount" in k else ibis.literal(False),
            None,
        ),
        (
            "open_with_closed_at",
            lambda k: k["closed_at"].notnull() & is_open(k) if "closed_at" in k else ibis.literal(False),
            "closed_at",
        ),
        ("blank:account_id", lambda k: k.missing("account_id"), None),
        ("bad:expected_close_at", lambda k: k.bad("expected_close_at"), "expected_close_at"),
    ]
    if "stage" in c and status_given:
        known = [*ctx.stages.order, ctx.stages.lost]
        flags.append(("unknown_stage", lambda k: k["stage"].notnull() & ~k["stage"].isin(known), None))
    return rules, flags


def _history_rules(c: _Cols, ctx: Context, status_given: bool):
    known = [*ctx.stages.order, ctx.stages.lost]
    rules = [
        ("missing:deal_id", c.missing("deal_id")),
        ("unknown_deal", c.not_in("deal_id", ctx.deal_ids, "deal_id")),
        ("missing:stage", c.missing("stage")),
        ("unknown_stage", ~c["stage"].isin(known) if "stage" in c else ibis.literal(False)),
        ("bad:entered_at", c.bad("entered_at")),
        ("missing:entered_at", c.missing("entered_at")),
        ("duplicate_entry", _dup(c)),
        ("exited_before_entered", c.before("exited_at", "entered_at")),
    ]
    flags = [("bad:exited_at", lambda k: k.bad("exited_at"), "exited_at")]
    return rules, flags


def _rep_rules(c: _Cols, ctx: Context, status_given: bool):
    rules = [
        ("missing:rep_id", c.missing("rep_id")),
        ("duplicate_id", c["rep_id"].notnull() & _dup(c) if "rep_id" in c else ibis.literal(False)),
    ]
    flags = [
        ("bad:hired_at", lambda k: k.bad("hired_at"), "hired_at"),
        ("bad:left_at", lambda k: k.bad("left_at"), "left_at"),
        ("left_before_hired", lambda k: k.before("left_at", "hired_at"), None),
    ]
    return rules, flags


def _activity_rules(c: _Cols, ctx: Context, status_given: bool):
    rules = [
        ("missing:rep_id", c.missing("rep_id")),
        ("unknown_rep", c.not_in("rep_id", ctx.rep_ids, "rep_id")),
        ("bad:occurred_at", c.bad("occurred_at")),
        ("missing:occurred_at", c.missing("occurred_at")),
        ("missing:type", c.missing("type")),
    ]
    flags = [("unknown_deal", lambda k: k.not_in("deal_id", ctx.deal_ids, "deal_id"), None)]
    return rules, flags


def _period_rules(value_column: str):
    def rules_for(c: _Cols, ctx: Context, status_given: bool):
        rules = [
            ("bad:period_start", c.bad("period_start")),
            ("missing:period_start", c.missing("period_start")),
            ("bad:period_end", c.bad("period_end")),
            ("missing:period_end", c.missing("period_end")),
            ("end_before_start", c.before("period_end", "period_start")),
            (f"bad:{value_column}", c.bad(value_column)),
            (f"missing:{value_column}", c.missing(value_column)),
            ("negative_amount", c[value_column] < 0 if value_column in c else ibis.literal(False)),
        ]
        if "metric" in c:
            rules.insert(0, ("missing:metric", c.missing("metric")))
        flags = [("unknown_rep", lambda k: k.not_in("rep_id", ctx.rep_ids, "rep_id"), None)]
        return rules, flags

    return rules_for


def _survey_rules(c: _Cols, ctx: Context, status_given: bool):
    if "score" in c:
        top = c["scale"] if "scale" in c else ibis.null("float64")
        out_of_scale = (c["score"] < 0) | (top.notnull() & (c["score"] > top))
    else:
        out_of_scale = ibis.literal(False)
    rules = [
        ("bad:surveyed_at", c.bad("surveyed_at")),
        ("missing:surveyed_at", c.missing("surveyed_at")),
        ("bad:score", c.bad("score")),
        ("missing:score", c.missing("score")),
        ("score_out_of_scale", out_of_scale),
    ]
    flags = [("unknown_rep", lambda k: k.not_in("rep_id", ctx.rep_ids, "rep_id"), None)]
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
