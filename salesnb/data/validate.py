"""Validation with row accounting: every row read is used or excluded with a named reason.

Rules are engine expressions, so they run where the rows are. A row failing several
checks is excluded once, under the first reason in the table's rule order, so
``read = used + Σ excluded`` always holds. Rows kept despite a problem (an open deal
without an amount, a deal without an account) are counted as *flags* so the audit
shows them too.

Reason codes look like ``duplicate_id`` or ``missing:created_at``; the report
turns them into words through the label table.

Deals are kept where a real export leaves gaps that do not make a deal wrong: a lead
without an owner (``unassigned``, rep_id NULL), a deal without a created date
(``open_without_created_at`` / ``closed_without_created_at``) and a lost deal without a
close date (``lost_without_closed_at``) are flags, not exclusions. A won deal still
needs its close date and amount.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pandas as pd

from salesnb import schema
from salesnb.data.headers import match_header
from salesnb.data.ids import ID_COLUMNS, normalise_text_id
from salesnb.data.mapping import (
    FALSE_WORDS,
    FILTERED,
    MAPPED,
    SOURCE_ROW,
    TRUE_WORDS,
    Mapped,
    condition_test,
    describe_condition,
)
from salesnb.data.parse import ParseOptions, parse_column, text
from salesnb.data.readers import ROW
from salesnb.errors import DataError
from salesnb.params import StageConfig, StatusRule

__all__ = ["FALSE_WORDS", "TRUE_WORDS", "Checked", "Context", "check", "clean", "derive_status", "describe_rule"]

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
WAS = "snb_was_"  # an id as written (stripped) where the id rule changed it, else NULL
RULE = "snb_rule"  # index of the status rule that set the row's status (NULL: none matched, open)
CURRENCY = "snb_cur"  # the deal's currency as written (upper case), NULL when blank
MONTH = "snb_month"  # year * 100 + month of the date that picks a per-month rate
RATE = "snb_rate"  # the rate that turned the deal's amount into the report currency


@dataclass(frozen=True)
class RowIssue:
    """Rows excluded (or kept but flagged) for one reason, with example rows as read."""

    reason: str
    count: int
    examples: pd.DataFrame


@dataclass(frozen=True)
class StatusRuleCount:
    """Rows whose status one ``status_from`` rule set (the last entry: rows no rule matched, open)."""

    status: str
    column: str | None
    test: str  # "present", "blank", "= a, b" or "no rule matched"
    rows: int  # rows read
    used: int  # of them, rows kept


@dataclass(frozen=True)
class IdChange:
    """Ids the id rule rewrote in one column (``015`` → ``15``), with examples as written → as compared."""

    column: str
    rows: int
    examples: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CurrencyUse:
    """Deals read in one currency and the rate that turned them into the report currency.

    ``rate`` is the single rate, or None when the rate is per month (``months``: month → rate
    for the months used). ``blank`` rows had no currency and were taken as the report currency.
    """

    currency: str
    rows: int
    rate: float | None
    months: dict[str, float] = field(default_factory=dict)
    blank: int = 0
    missing_months: dict[str, int] = field(default_factory=dict)  # month -> rows, where no rate was given


@dataclass(frozen=True)
class Context:
    """What validation of one table may look up in tables already loaded (clean tables)."""

    stages: StageConfig
    rep_ids: ir.Table | None = None  # the clean reps table
    deal_ids: ir.Table | None = None  # the clean deals table
    example_rows: int = 5
    parse: ParseOptions = ParseOptions()
    keep_raw: bool = False  # carry the client's columns along (row numbers not stable in the source)
    status_from: tuple[StatusRule, ...] = ()  # data.tables.deals.status_from
    normalise_ids: bool = True  # data.normalise_ids
    currency: str = "CNY"  # the report currency (params.currency)
    fx: dict[str, float | dict[str, float]] = field(default_factory=dict)  # data.fx
    deal_rates: ir.Table | None = None  # deal_id, snb_rate of clean deals converted by fx


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
    normalised: list[str] = field(default_factory=list)  # id columns compared by the id rule
    status_rules: tuple[StatusRule, ...] = ()  # the rules that set the status (RULE column)
    converted: bool = False  # amounts went through data.fx (CURRENCY, MONTH, RATE columns)


class _Cols:
    """Parsed canonical columns of the table being checked; absent ones are None."""

    def __init__(self, table: ir.Table, canonical: list[str]):
        self.table, self.names = table, set(canonical)

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def __getitem__(self, name: str) -> ir.Value:
        return self.table[PARSED + name]

    def bad(self, name: str) -> ir.BooleanValue:
        return self.table[BAD + name] if BAD + name in self.table.columns else ibis.literal(False)

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
    normalised = [c for c in canonical if c in ID_COLUMNS] if ctx.normalise_ids else []
    for column in canonical:
        if column in normalised:
            written = text(table[MAPPED + column])
            parsed[PARSED + column] = normalise_text_id(written)
            parsed[WAS + column] = ibis.cases((written != parsed[PARSED + column], written), else_=ibis.null("string"))
            continue
        result = parse_column(table, MAPPED + column, spec.columns[column], ctx.parse, label=f"{name}.{column}")
        parsed[PARSED + column] = result.value
        if spec.columns[column] != schema.TEXT:
            parsed[BAD + column] = result.bad
        if spec.columns[column] == schema.DATE:
            formats[column] = result.format
    rules_given = name == "deals" and bool(ctx.status_from)
    status_given = "status" in canonical or rules_given
    if rules_given:
        # The rules decide; a mapped status column is only an input they may name.
        tests = [_rule_test(rule, _rule_input(rule, source, ctx)) for rule in ctx.status_from]
        parsed[RULE] = ibis.cases(*[(test, i) for i, test in enumerate(tests)], else_=ibis.null("int64"))
        parsed[PARSED + "status"] = ibis.cases(
            *[(test, rule.status) for test, rule in zip(tests, ctx.status_from, strict=True)], else_=schema.OPEN
        )
    elif name == "deals":
        parsed[PARSED + "status"] = derive_status(
            text(table[MAPPED + "status"]) if "status" in canonical else None,
            parsed.get(PARSED + "stage"),
            ctx.stages,
        )
    if name == "deals":
        # An unmapped owner: every lead is unassigned; no creation date (a lead export that dates only
        # its won leads): every deal is kept and flagged, and left out of windows by creation date.
        for column, kind in (
            ("status", "string"),
            ("rep_id", "string"),
            ("created_at", "timestamp"),
            ("closed_at", "timestamp"),  # none mapped: won deals are excluded (missing:closed_at), others kept
        ):
            if column not in canonical:
                canonical.append(column)
                parsed.setdefault(PARSED + column, ibis.null(kind))
    # The client's columns stay in the raw table (joined back by _row for example rows), unless
    # row numbers are not stable there (a database table), where they travel with the checked rows.
    keep = [ROW, *source.headers] if ctx.keep_raw else [ROW]
    if ctx.keep_raw and SOURCE_ROW in table.columns:
        keep.append(SOURCE_ROW)
    if source.filters:
        parsed[FILTERED] = table[FILTERED]
    table = table.select(*keep, **parsed)
    converted = name == "deals" and "currency" in canonical
    if converted:
        table = _convert_currency(table, canonical, ctx)
    if name == "stage_history" and ctx.deal_rates is not None and "amount" in canonical:
        table = _history_in_report_currency(table, ctx.deal_rates)
    table = _known(table, canonical, ctx)
    cols = _Cols(table, canonical)
    windows = _windows(name, cols)
    if windows:
        table = table.mutate(**windows)
        cols = _Cols(table, canonical)
    rules, flags = _rules(name, cols, ctx, status_given, source.filters)
    if name == "stage_history" and cols.names >= _REPEAT_KEYS:
        # The previous stage of a deal is that of its previous row among the rows no earlier rule excludes.
        earlier = rules[: [code for code, _ in rules].index("repeated_stage")]
        table = table.mutate(snb_pre=ibis.or_(*[test.fill_null(False) for _, test in earlier]))
        windows["snb_pre"] = None
        table = table.mutate(snb_repeat=_repeated_stage(table))
        windows["snb_repeat"] = None
        cols = _Cols(table, canonical)
        rules, flags = _rules(name, cols, ctx, status_given, source.filters)
    if converted:
        flags.append(("blank_currency", lambda k: k.table[CURRENCY].isnull(), None))
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
        list(dict.fromkeys(code for code, _ in rules)),
        [(code, clear) for code, _, clear in flags],
        formats,
        normalised=normalised,
        status_rules=ctx.status_from if rules_given else (),
        converted=converted,
    )


def _rule_input(rule: StatusRule, source: Mapped, ctx: Context) -> ir.Value:
    """The cells a status rule tests: a canonical column as mapped (or looked up), else a file column."""
    if rule.column in source.canonical:
        return source.table[MAPPED + rule.column]
    try:
        header = match_header(rule.column, source.headers)
    except DataError as exc:
        raise DataError(f"{ctx.parse.origin}: data.tables.deals.status_from: {exc}") from None
    if header is not None:
        return source.table[header]
    raise DataError(
        f"{ctx.parse.origin}: data.tables.deals.status_from names column '{rule.column}', which is neither "
        f"a mapped column ({', '.join(source.canonical) or 'none'}) nor a column of the file "
        f"({', '.join(source.headers)})."
    )


_rule_test = condition_test  # a status rule tests its cell like a 'where' condition
describe_rule = describe_condition


def _convert_currency(table: ir.Table, canonical: list[str], ctx: Context) -> ir.Table:
    """Amounts into the report currency by data.fx; the currency column becomes the report currency.

    A per-month rate is that of the close date's month (closed deals), else the created
    date's; a deal with neither takes the table's latest month. The rate is NULL for a
    currency without one (or a month missing from its table): the load refuses such data
    before anything is reported (``salesnb.data.dataset``).
    """
    report = ctx.currency.strip().upper()
    written = table[PARSED + "currency"].upper()
    code = written.fill_null(report)
    dates = []
    if "closed_at" in canonical:  # an open deal's close date is not trusted (open_with_closed_at)
        closed = table[PARSED + "status"].isin(schema.CLOSED_STATUSES).fill_null(False)
        dates.append(ibis.cases((closed, table[PARSED + "closed_at"]), else_=ibis.null("timestamp")))
    if "created_at" in canonical:
        dates.append(table[PARSED + "created_at"])
    when = ibis.coalesce(*dates) if len(dates) > 1 else dates[0] if dates else ibis.null("timestamp")
    month = when.year() * 100 + when.month()
    cases = []
    for currency, rate in ctx.fx.items():
        if isinstance(rate, dict):
            per_month = {int(key.replace("-", "")): value for key, value in rate.items()}
            # A deal without any date takes the latest month's rate (today's pipeline, today's rate).
            latest = per_month[max(per_month)]
            by_month = ibis.cases(*[(month == m, r) for m, r in per_month.items()], else_=ibis.null("float64"))
            cases.append((code == currency, ibis.cases((month.isnull(), latest), else_=by_month)))
        else:
            cases.append((code == currency, ibis.literal(float(rate))))
    if report not in ctx.fx:
        cases.append((code == report, ibis.literal(1.0)))
    rate = ibis.cases(*cases, else_=ibis.null("float64"))
    table = table.mutate(**{CURRENCY: written, MONTH: month.cast("int64"), RATE: rate.cast("float64")})
    converted = {PARSED + "currency": ibis.literal(ctx.currency)}
    if "amount" in canonical:
        converted[PARSED + "amount"] = table[PARSED + "amount"] * table[RATE]
    return table.mutate(**converted)


def _history_in_report_currency(table: ir.Table, deal_rates: ir.Table) -> ir.Table:
    """Stage-history amounts in the report currency, at their deal's rate (rows of unknown deals unchanged)."""
    rates = deal_rates.select(snb_rate_id=deal_rates["deal_id"], snb_deal_rate=deal_rates[RATE])
    joined = table.left_join(rates, table[PARSED + "deal_id"] == rates.snb_rate_id)
    amount = joined[PARSED + "amount"] * joined.snb_deal_rate.fill_null(1.0)
    return joined.select(*[c for c in table.columns if c != PARSED + "amount"], **{PARSED + "amount": amount})


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
    """Rows whose key was already seen on an earlier row (NULL keys count as equal, like pandas).

    Rows a ``where`` condition leaves out are compared only with each other.
    """
    group = [cols[k] for k in keys]
    if FILTERED in cols.table.columns:
        group.append(cols.table[FILTERED].isnull())
    first = ibis.row_number().over(group_by=group, order_by=cols.table[ROW])
    return first > 0


_REPEAT_KEYS = {"deal_id", "stage", "entered_at"}


def _repeated_stage(table: ir.Table) -> ir.BooleanValue:
    """Rows whose stage is the stage of the same deal's previous row (by entered_at, then row).

    Salesforce's OpportunityHistory writes a row for every edit of a deal (amount, close date),
    so one stage shows up on several rows in a row; only the first is the deal entering it.
    Rows an earlier rule excludes (``snb_pre``) are neither compared nor compared with.
    """
    deal, stage = table[PARSED + "deal_id"], table[PARSED + "stage"]
    window = ibis.window(group_by=[deal, table.snb_pre], order_by=[table[PARSED + "entered_at"], table[ROW]])
    previous = stage.lag().over(window)
    return ~table.snb_pre & previous.notnull() & (previous == stage)


def _rules(name: str, cols: _Cols, ctx: Context, status_given: bool, filters: dict[str, str]):
    """The table's exclusion rules (``where`` conditions first) and flags."""
    rules, flags = _RULES[name](cols, ctx, status_given)
    if filters:
        chosen = cols.table[FILTERED]
        rules = [(code, chosen == code) for code in filters] + rules
    return rules, flags


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
    won = status == schema.WON
    unknown_status = "unknown_status" if status_given else "unknown_stage"
    rules = [
        ("missing:deal_id", c.missing("deal_id")),
        ("duplicate_id", c["deal_id"].notnull() & _dup(c) if "deal_id" in c else ibis.literal(False)),
        ("unknown_rep", c.not_in("rep_id", ctx.rep_ids, "rep_id")),
        (unknown_status, status.isnull()),
        ("bad:created_at", c.bad("created_at")),
        ("bad:amount", c.bad("amount")),
        ("negative_amount", c["amount"] < 0 if "amount" in c else ibis.literal(False)),
        ("missing:amount", c.missing("amount") & won),
        ("bad:closed_at", c.bad("closed_at")),
        ("missing:closed_at", _absent(c, "closed_at") & won),
        ("closed_before_created", c.before("closed_at", "created_at")),
    ]

    def is_open(k: _Cols) -> ir.BooleanValue:
        return k["status"] == schema.OPEN

    flags = [
        ("unassigned", lambda k: k.missing("rep_id"), None),
        ("open_without_created_at", lambda k: _absent(k, "created_at") & is_open(k), None),
        (
            "closed_without_created_at",
            lambda k: _absent(k, "created_at") & k["status"].isin(schema.CLOSED_STATUSES),
            None,
        ),
        ("lost_without_closed_at", lambda k: _absent(k, "closed_at") & (k["status"] == schema.LOST), None),
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


def _absent(c: _Cols, name: str) -> ir.BooleanValue:
    """The cell is blank, or the column is not mapped at all."""
    return c.missing(name) if name in c else ibis.literal(True)


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
        ("repeated_stage", c.table["snb_repeat"] if "snb_repeat" in c.table.columns else ibis.literal(False)),
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
