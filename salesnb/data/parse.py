"""Explicit parsing of dates and amounts as client exports write them, as engine expressions.

Each parser is an Ibis expression builder, so parsing runs where the rows are (the
embedded DuckDB for files, the client's database for a database source). A parser
returns the parsed value and a flag for cells that were filled in but could not be
parsed, so validation can exclude those rows with a reason. Empty cells are missing,
not bad. Columns that already carry a type (Parquet, XLSX dates, database columns) are
taken as they are, except that time-zone-aware timestamps are made naive (see
:func:`parse_date`).

A column is read one way only. What cannot be told from the cells is never guessed:
a number column whose cells read both with a decimal point and a decimal comma
(``1,234``), or a date column whose cells read both day-first and month-first
(``01/04/2023``), raises :class:`~salesnb.errors.DataError` naming the file, the column
and example cells, and the params setting that decides it. Deciding takes one aggregate
query over the whole column; DuckDB reads plain numbers with ``try_cast`` before any
regular expression, so columns of plain numbers stay fast.

``parse_dates`` / ``parse_amounts`` / ``clean_text`` run the same expressions on a
pandas Series (through an in-memory DuckDB) for tests and notebooks.
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

from salesnb.errors import DataError

# Date formats tried when the params file gives none. A column uses the one format
# that parses most of its cells, so 03/04/2025 is never read two ways in one column;
# ISO dates (unambiguous) are always accepted too, e.g. real dates from an XLSX cell.
ISO = "ISO8601"
DATE_FORMATS: tuple[str, ...] = (
    ISO,
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日",
    "%Y.%m.%d",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%Y%m%d",
)
# Formats that read the same cells with day and month swapped: the whole column decides between them.
DAY_MONTH_PAIRS: dict[str, str] = {
    "%m/%d/%Y": "%d/%m/%Y",
    "%m/%d/%Y %H:%M": "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S": "%d/%m/%Y %H:%M:%S",
}
DAY_MONTH_PAIRS.update({second: first for first, second in list(DAY_MONTH_PAIRS.items())})
FORMAT_SAMPLE = 5000  # non-blank cells per column used to choose the format

_TIME = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"
_ZONE = r"\s?(?:Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)"
_ISO_PARTS = (
    r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    rf"(?:[ T](\d{{1,2}}):(\d{{2}})(?::(\d{{2}})(?:[.,]\d{{1,9}})?)?(?:{_ZONE})?)?"
)
# Blank characters: ASCII white space (RE2's \s leaves out the vertical tab) and the no-break, figure, thin,
# narrow no-break and ideographic spaces that spreadsheets and Chinese text carry.
_BLANK = "\\s\x0b\u00a0\u2007\u2009\u202f\u3000"
_EDGE = f"[{_BLANK}]*"  # blanks a cell may carry around its value
# The offset at the end of a timestamp: 1 = Z/UTC/GMT, 2 = sign, 3 = hours, 4 = minutes.
_OFFSET = rf"{_TIME}\s?(?:(Z|z|UTC|GMT)|([+-])(\d{{2}}):?(\d{{2}})?){_EDGE}$"
_PORTABLE_CODES = {"Y", "m", "d", "H", "M", "S"}
_DIGITS = ibis.literal("0123456789")
ZONE_BACKENDS = ("duckdb", "postgres", "pyspark")  # where converting into an IANA zone is known to compile right

# The blank characters trimmed from the edges of every cell, one by one and as a pattern.
_EDGE_SPACES = (" ", "\t", "\n", "\r", "\x0b", "\x0c", "\u00a0", "\u2007", "\u2009", "\u202f", "\u3000")
_BLANK_EDGES = f"^[{_BLANK}]+|[{_BLANK}]+$"
_UNITS = {"万": 1e4, "亿": 1e8}
_LONGEST_AMOUNT = 64  # characters: longer cells are bad, so no cell overflows a float (PostgreSQL raises on that)
# Look-alike characters are written into the patterns rather than replaced first (a TRANSLATE costs more
# than the regular expressions): no-break, narrow no-break, thin and figure spaces separate thousands like
# a space, the typographic and full-width apostrophes like an apostrophe (Swiss), the full-width comma is a
# comma, U+2212 a minus sign and full-width parentheses are parentheses.
_SPACE = "[ \u00a0\u202f\u2009\u2007]"
_APOSTROPHE, _COMMA, _MINUS = "['’＇]", "[,，]", "[-−]"
# Digits as a decimal-point locale writes them (1,234.50 / 1'234.50 / 1 234.50 / 1234.5 / .5 / 1e5) and as a
# decimal-comma locale does (1.234,50 / 1'234,50 / 1 234,50 / 1234,5): thousands in groups of three after a
# first group of one to three digits; an exponent (at most two digits) only on ungrouped digits.
_GROUPED = (
    rf"[1-9][0-9]?[0-9]?(?:(?:{{sep}}[0-9]{{{{3}}}})+|(?:{_APOSTROPHE}[0-9]{{{{3}}}})+|(?:{_SPACE}[0-9]{{{{3}}}})+)"
)
_EXPONENT = r"(?:[eE][+-]?[0-9][0-9]?)?"
_DOT = r"\."
_NUMBER = {
    ".": rf"(?:(?:[0-9]+(?:{_DOT}[0-9]*)?|{_DOT}[0-9]+){_EXPONENT}|{_GROUPED.format(sep=_COMMA)}(?:{_DOT}[0-9]*)?)",
    ",": rf"(?:(?:[0-9]+(?:{_COMMA}[0-9]*)?|{_COMMA}[0-9]+){_EXPONENT}|{_GROUPED.format(sep=_DOT)}(?:{_COMMA}[0-9]*)?)",
}
# A whole amount cell: currency (¥, US$, USD, 元, 人民币) before or after, a sign or parentheses for a
# negative, the number, a unit (万, 亿). Matching it is fast (no groups to extract); the parts are then
# taken with plain string tests and one replacement, each using the cell once: every use of a value
# repeats its expression in the SQL, and a chain of dependent steps made the SQL grow exponentially.
_CURRENCY = r"(?:[A-Za-z]{0,3}[$¥￥€£₹₩]|[A-Za-z]{3}|人民币|元)"
_AMOUNT = {
    mark: rf"^{_EDGE}(?:{_CURRENCY}{_EDGE})?(?:[+]|{_MINUS})?{_EDGE}(?:{_CURRENCY}{_EDGE})?[(（]?{_EDGE}"
    rf"(?:{_CURRENCY}{_EDGE})?{number}{_EDGE}[万亿]?{_EDGE}(?:{_CURRENCY}{_EDGE})?[)）]?{_EDGE}"
    rf"(?:{_CURRENCY}{_EDGE})?$"
    for mark, number in _NUMBER.items()
}
# In a matching cell: everything before the number and after it, and the thousands separators, which leaves
# the number as a cast reads it (after a decimal comma becomes a point).
_NOT_DIGITS = {
    ".": rf"^[^0-9.]*|[^0-9]*$|{_COMMA}|{_APOSTROPHE}|{_SPACE}",
    ",": rf"^[^0-9,，]*|[^0-9]*$|\.|{_APOSTROPHE}|{_SPACE}",
}
_NEGATIVE = r"^[^0-9]*[-−(（]"  # a minus sign or an opening parenthesis before the first digit
# A plain number DuckDB casts that a decimal-comma locale reads as thousands: 1.234 (not 0.123, 12.5, 1.2345).
_DOT_THOUSANDS = r"^\s*[+-]?[1-9][0-9]{0,2}\.[0-9]{3}\s*$"


@ibis.udf.scalar.builtin(name="try_strptime")
def _try_strptime(text: str, fmt: str) -> dt.timestamp:  # DuckDB's strptime returning NULL on failure
    ...


@ibis.udf.scalar.builtin(name="make_timestamp_ntz")
def _make_timestamp_ntz(year: int, month: int, day: int, hour: int, minute: int, second: int) -> dt.timestamp:
    """Spark's timestamp from fields (Ibis has no Spark rule for it)."""


@ibis.udf.scalar.builtin(name="convert_timezone")
def _convert_timezone(source: str, target: str, value: dt.timestamp) -> dt.timestamp:
    """Naive wall time in ``source`` to naive wall time in ``target``; sqlglot writes each engine's form
    (``AT TIME ZONE`` twice on DuckDB and PostgreSQL, ``convert_timezone`` on Spark)."""


@ibis.udf.scalar.builtin(name="timezone")
def _wall_time(zone: str, value: dt.Timestamp(timezone="UTC")) -> dt.timestamp:
    """DuckDB's and PostgreSQL's ``timezone(zone, timestamptz)``: the wall time in ``zone``, naive."""


def is_text(value: ir.Value) -> bool:
    return value.type().is_string()


def text(value: ir.Value) -> ir.StringValue:
    """A cell as stripped text (also of no-break and ideographic spaces); blank cells become NULL."""
    value = value if is_text(value) else value.cast("string")
    # Only cells with a blank first or last character are trimmed: comparing two characters costs a
    # fraction of a TRIM over a character list (DuckDB, 1 M cells: 0.08 s of CPU against 0.30 s).
    spaces = ibis.literal("".join(_EDGE_SPACES))
    edge = spaces.contains(value.substr(0, 1)) | spaces.contains(value.right(1))
    return ibis.cases((edge, value.re_replace(_BLANK_EDGES, "")), else_=value).nullif("")


@dataclass(frozen=True)
class ParseOptions:
    """How the columns of one table are parsed: from its params entry and the data source."""

    backend: str = "duckdb"
    date_format: str | None = None  # data.tables.<t>.date_format
    decimal: str | None = None  # data.tables.<t>.decimal: "." or ","; None = detect per column
    timezone: str | None = None  # data.timezone
    origin: str = ""  # the file (or database table) the rows come from, for messages


@dataclass(frozen=True)
class Parsed:
    value: ir.Value
    bad: ir.BooleanValue


@dataclass(frozen=True)
class ColumnParse:
    """One canonical column parsed: the value, the bad-cell flag and what was chosen for it."""

    value: ir.Value
    bad: ir.BooleanValue
    format: str | None = None  # the date format (dates) or decimal mark (numbers) used


def parse_column(table: ir.Table, column: str, kind: str, options: ParseOptions, *, label: str) -> ColumnParse:
    """Parse ``table[column]`` as a canonical column of ``kind`` (schema.DATE / NUMBER / TEXT).

    ``label`` names the column in messages (``deals.closed_at``). Raises DataError naming
    ``options.origin``, the column and example cells where the column cannot be read one way only.
    """
    from salesnb import schema

    value = table[column]
    if kind == schema.DATE:
        if options.date_format:
            check_date_format(options.date_format, options, label=label)
        fmt = choose_date_format(
            table, column, options.backend, options.date_format, origin=options.origin, label=label
        )
        result = parse_date(value, fmt, options.backend, timezone=options.timezone, origin=options.origin, label=label)
        return ColumnParse(result.value, result.bad, fmt)
    if kind == schema.NUMBER:
        decimal = options.decimal
        if decimal is None and is_text(value):
            decimal = detect_decimal(table, column, options.backend, origin=options.origin, label=label)
        result = parse_amount(value, options.backend, decimal=decimal or ".")
        return ColumnParse(result.value, result.bad, decimal)
    return ColumnParse(text(value), ibis.literal(False))


def _table_entry(label: str) -> str:
    """The params entry of the table ``label`` (``deals.amount``) belongs to, for messages."""
    return f"data.tables.{label.split('.')[0] if '.' in label else '<table>'}"


def _examples(*cells: object) -> str:
    seen = list(dict.fromkeys(c for c in cells if c is not None and not pd.isna(c)))
    return ", ".join(repr(c) for c in seen)


# --- dates ---


def date_expr(
    value: ir.Value, fmt: str, backend: str, *, timezone: str | None = None, stripped: bool = False
) -> ir.TimestampValue:
    """``value`` parsed as a naive timestamp with ``fmt`` (NULL where it does not fit).

    ISO timestamps with an offset (``+08:00``, ``+0800``, ``Z``) keep the local time as written
    when ``timezone`` is None, else are converted into ``timezone``; see :func:`parse_date`.
    ``stripped``: ``value`` is already :func:`text` of a cell (not stripped again: half the query).
    """
    value = value if is_text(value) else value.cast("string")
    if backend == "duckdb":
        # DuckDB's cast to a naive TIMESTAMP ignores an offset: the local time as written.
        cell = value if stripped else text(value)
        if fmt == ISO:
            # DuckDB also casts the words 'infinity', 'inf' and 'epoch' (1970-01-01): a date starts with a digit.
            local = ibis.ifelse(_DIGITS.contains(cell.substr(0, 1)), cell.try_cast("timestamp"), None)
        else:
            local = _try_strptime(cell, fmt)
    else:
        # The cell as read: the patterns allow blanks around it (text() would be repeated in the SQL
        # for every field taken from the cell).
        local = _portable_date(value, fmt, backend)
    if fmt != ISO or timezone is None:
        return local
    return _into_zone(value, local, timezone, backend)


def _portable_date(cell: ir.StringValue, fmt: str, backend: str) -> ir.TimestampValue:
    """Other engines' parsers raise on a bad cell (PostgreSQL) or roll it over: take the format's
    fields apart with a regular expression, check their ranges, and build the timestamp."""
    pattern, fields = _format_pattern(fmt)
    parts = {f: cell.re_extract(pattern, i + 1).nullif("").cast("int32") for i, f in enumerate(fields)}
    year, month, day = parts["Y"], parts["m"], parts["d"]
    hour, minute, second = (parts.get(f, ibis.literal(0)).fill_null(0) for f in ("H", "M", "S"))
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days = ibis.cases((month.isin([4, 6, 9, 11]), 30), (month == 2, ibis.ifelse(leap, 29, 28)), else_=31)
    valid = (
        cell.re_search(pattern)
        & month.between(1, 12)
        & day.between(1, days)
        & hour.between(0, 23)
        & minute.between(0, 59)
        & second.between(0, 59)
    )
    if backend == "pyspark":  # Ibis has no Spark rule for a timestamp from fields
        built = _make_timestamp_ntz(year, month, day, hour, minute, second)
    else:
        built = ibis.timestamp(year, month, day, hour, minute, second)
    return ibis.cases((valid.fill_null(False), built), else_=ibis.null("timestamp"))


def _into_zone(cell: ir.StringValue, local: ir.TimestampValue, timezone: str, backend: str) -> ir.TimestampValue:
    """``local`` (the time as written) moved into ``timezone`` where ``cell`` carries an offset."""
    if backend not in ZONE_BACKENDS:
        raise DataError(
            f"data.timezone {timezone!r}: converting timestamps with an offset into a time zone is not supported "
            f"on {backend}; leave data.timezone unset to keep the local time as written."
        )
    zulu = cell.re_extract(_OFFSET, 1).nullif("")
    sign = cell.re_extract(_OFFSET, 2).nullif("")
    hours = cell.re_extract(_OFFSET, 3).nullif("").cast("int32")
    minutes = cell.re_extract(_OFFSET, 4).nullif("").cast("int32").fill_null(0)
    east = hours * 60 + minutes
    offset = ibis.cases((zulu.notnull(), 0), (sign == "+", east), (sign == "-", -east), else_=ibis.null("int32"))
    utc = local - offset.as_interval("m")
    return ibis.cases((offset.notnull(), _convert_timezone("UTC", timezone, utc)), else_=local)


def _format_pattern(fmt: str) -> tuple[str, list[str]]:
    """A regular expression with one group per field of ``fmt`` (and the fields' order)."""
    if fmt == ISO:
        return f"^{_EDGE}{_ISO_PARTS}{_EDGE}$", ["Y", "m", "d", "H", "M", "S"]
    fields, pattern, i = [], "", 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            fields.append(code)
            pattern += r"(\d{4})" if code == "Y" else r"(\d{1,2})"
            i += 2
        else:
            pattern += re.escape(fmt[i])
            i += 1
    return f"^{_EDGE}{pattern}{_EDGE}$", fields


@functools.lru_cache(maxsize=64)
def _strptime_error(fmt: str) -> str | None:
    """DuckDB's complaint about ``fmt`` as a strptime format, or None."""
    import duckdb

    try:
        duckdb.connect().execute("SELECT try_strptime('', $1)", [fmt])
    except duckdb.Error as exc:
        return str(exc)
    return None


def check_date_format(fmt: str, options: ParseOptions, *, label: str) -> None:
    """Refuse a ``date_format`` that cannot be used, before any query fails on it."""
    where = f"{options.origin}: {label}: date_format {fmt!r} in {_table_entry(label)}"
    codes = re.findall(r"%(.)", fmt)
    if fmt == ISO:
        return
    if not {"Y", "y"} & set(codes):
        raise DataError(f"{where} has no year (%Y); write it like '%d/%m/%Y' or '%Y-%m-%d %H:%M'.")
    if {"z", "Z"} & set(codes):
        raise DataError(
            f"{where} reads a time zone (%z); remove it: ISO timestamps with an offset are always read, "
            "and data.timezone says which zone they are shown in."
        )
    if options.backend == "duckdb":
        if error := _strptime_error(fmt):
            raise DataError(f"{where} is not a strptime format ({error}).")
    elif not set(codes) <= _PORTABLE_CODES | {"%"} or not {"Y", "m", "d"} <= set(codes):
        allowed = " ".join(f"%{c}" for c in sorted(_PORTABLE_CODES))
        raise DataError(f"{where}: on {options.backend} a date format may use {allowed} (with %Y, %m and %d).")


def parse_date(
    value: ir.Value,
    fmt: str | None,
    backend: str,
    *,
    timezone: str | None = None,
    origin: str = "",
    label: str = "",
) -> Parsed:
    """Dates in one format per column (``fmt``: given in params or chosen by :func:`choose_date_format`).

    ISO cells are always accepted as well, also when ``date_format`` is given: they cannot be
    misread (``2025-04-01`` is never 4 January), and exports mix them in (real dates from an XLSX
    cell, a system timestamp). A cell that fits neither the format nor ISO is bad.

    Time zones: a text timestamp with an offset (``+08:00``, ``+0800``, ``Z``) keeps the local time
    as written (the offset is dropped) unless ``timezone`` (an IANA name, ``data.timezone``) is
    set; then it is converted into that zone. Timestamps without an offset are never shifted.
    Typed time-zone-aware columns (Parquet or database ``timestamptz``) hold instants: they are
    shown in ``timezone`` when set, else in UTC, and made naive. On Spark typed timestamps arrive
    in the session's zone, UTC, and cannot be told from naive ones, so a ``timezone`` there is
    refused for them rather than applied twice or not at all.
    """
    kind = value.type()
    if kind.is_timestamp() and kind.timezone is not None:
        return Parsed(_typed_zone(value, backend, timezone, origin, label), ibis.literal(False))
    if kind.is_timestamp() or kind.is_date():
        if timezone is not None and backend == "pyspark" and kind.is_timestamp():
            raise DataError(
                f"{origin}: {label} holds Spark timestamps, which cannot be told apart as zoned or naive; "
                f"data.timezone {timezone!r} cannot be applied to them. Leave data.timezone unset (they are "
                "read in UTC) or provide the column as text."
            )
        return Parsed(value.cast("timestamp"), ibis.literal(False))
    if not is_text(value):
        # Numbers in a date column (e.g. 20250131 read as an integer) go through the text parser.
        value = value.cast("string")
    parsed = date_expr(value, fmt or ISO, backend, timezone=timezone)
    if fmt not in (None, ISO):
        parsed = parsed.fill_null(date_expr(value, ISO, backend, timezone=timezone))
    return Parsed(parsed, text(value).notnull() & parsed.isnull())


def _typed_zone(value: ir.TimestampValue, backend: str, timezone: str | None, origin: str, label: str):
    zone = timezone or "UTC"
    if backend in ("duckdb", "postgres"):
        return _wall_time(zone, value)
    if timezone is None:
        return value.cast("timestamp")  # as the engine shows it (no engine known to salesnb reaches here)
    raise DataError(
        f"{origin}: {label} holds timestamps with a time zone, which cannot be converted into "
        f"data.timezone {timezone!r} on {backend}; leave data.timezone unset."
    )


def choose_date_format(
    table: ir.Table,
    column: str,
    backend: str,
    given: str | None = None,
    *,
    origin: str = "",
    label: str = "",
) -> str | None:
    """The format of ``column``: ``given``, else the one that parses most of its first cells.

    When that format reads day and month in an order the cells alone cannot tell (``01/04/2023``),
    the whole column decides in one more query: the order that more cells fit (a day above 12) is
    taken; when both orders fit the same cells and read some of them differently, DataError.
    """
    value = table[column]
    if not is_text(value) or given:
        return given
    sample = table.select(cell=text(value)).filter(lambda t: t.cell.notnull()).limit(FORMAT_SAMPLE)
    counts = sample.aggregate(
        **{f"f{i}": date_expr(sample.cell, fmt, backend, stripped=True).count() for i, fmt in enumerate(DATE_FORMATS)}
    ).to_pandas()
    if counts.empty:
        return ISO
    row = counts.iloc[0].fillna(0).astype(int).tolist()
    best = DATE_FORMATS[max(range(len(row)), key=lambda i: (row[i], -i))]
    if best not in DAY_MONTH_PAIRS or row[DATE_FORMATS.index(best)] == 0:
        return best
    return _day_or_month_first(table, column, best, backend, origin=origin, label=label)


def day_month_kinds(table: ir.Table, column: str, first: str, second: str, backend: str) -> ir.Table:
    """``cell`` and its ``kind``: 'first' where only ``first`` reads it, 'second' where only ``second``
    does, 'both' where both read it as different dates (01/04/2023), NULL otherwise."""
    # No filter on blank cells: it would be pushed into the scan and compute text() twice.
    cells = table.select(cell=text(table[column]))
    cells = cells.mutate(
        a=date_expr(cells.cell, first, backend, stripped=True), b=date_expr(cells.cell, second, backend, stripped=True)
    )
    fits = ibis.ifelse(cells.a.notnull(), 1, 0) + ibis.ifelse(cells.b.notnull(), 2, 0)
    kind = fits.substitute({1: "first", 2: "second"}, else_=ibis.null("string"))
    kind = ibis.cases(((cells.a != cells.b).fill_null(False), "both"), else_=kind)
    return cells.select("cell", kind=kind)


_DAY_MONTH_KINDS = {"first": "first", "second": "second", "both": "both"}


def day_month_census(table: ir.Table, column: str, first: str, second: str, backend: str) -> ir.Table:
    """One row over the whole column: the number of cells of each kind of :func:`day_month_kinds`."""
    cells = day_month_kinds(table, column, first, second, backend)
    return cells.aggregate(**{f"n_{k}": cells.kind.count(where=cells.kind == k) for k in _DAY_MONTH_KINDS})


def _day_or_month_first(table: ir.Table, column: str, fmt: str, backend: str, *, origin: str, label: str) -> str:
    first, second = sorted((fmt, DAY_MONTH_PAIRS[fmt]), key=DATE_FORMATS.index)  # month-first, day-first
    row = day_month_census(table, column, first, second, backend).to_pandas().iloc[0]
    n = {k: int(row[f"n_{k}"] or 0) for k in _DAY_MONTH_KINDS}
    if n["first"] != n["second"]:
        return first if n["first"] > n["second"] else second
    if n["first"] == 0 and n["both"] == 0:  # both orders read every cell alike (day = month), or none
        return first
    cells = day_month_kinds(table, column, first, second, backend)
    settings = (
        f'set date_format: "{second}" (day first) or date_format: "{first}" (month first) in {_table_entry(label)}'
    )
    if n["first"] == 0 and n["second"] == 0:
        examples = _example_cells(cells, cells.kind, ("both",), _DAY_MONTH_KINDS)
        raise DataError(
            f"{origin}: {label} has dates that read both as day/month and as month/day, such as "
            f"{examples['both']} ({_cells(n['both'])}; no day above 12 tells which). To read them, {settings}; "
            "it applies to every date column of that table, and ISO dates such as 2023-04-01 are always read."
        )
    examples = _example_cells(cells, cells.kind, ("first", "second"), _DAY_MONTH_KINDS)
    raise DataError(
        f"{origin}: {label} mixes day/month and month/day dates: {_cells(n['second'])} such as "
        f"{examples['second']} read only as {second} and {n['first']} such as {examples['first']} only as "
        f"{first}. To read them, {settings}; cells that do not fit it are then excluded as bad."
    )


# --- amounts ---


def _amount_cell(value: ir.StringValue) -> ir.StringValue:
    """The cell as read (the patterns allow blanks around it: trimming first would repeat text() in
    the SQL wherever the cell is used); NULL when too long to be an amount."""
    return ibis.cases((value.length() <= _LONGEST_AMOUNT, value), else_=ibis.null("string"))


def _amount_number(cell: ir.StringValue, decimal: str) -> tuple[ir.FloatingValue, ir.BooleanValue]:
    """An amount cell (:func:`_amount_cell`) read with ``decimal`` (NULL when it is not one), and whether
    it is one (a cheaper test than the number's NULL, for the bad-cell flag).

    '(¥1,234.50)' -> -1234.5; 'USD -12' -> -12; '1.5万元' -> 15000; '1.234,50 €' (decimal ',') -> 1234.5.
    """
    digits = cell.re_replace(_NOT_DIGITS[decimal], "")
    if decimal == ",":
        digits = digits.replace(",", ".").replace("，", ".")
    opening = cell.contains("(") | cell.contains("（")
    balanced = opening == (cell.contains(")") | cell.contains("）"))  # '(200' is not a number
    sign = ibis.cases((cell.re_search(_NEGATIVE), -1.0), else_=1.0)
    scale = ibis.cases((cell.contains("万"), 1e4), (cell.contains("亿"), 1e8), else_=1.0)
    valid = (cell.re_search(_AMOUNT[decimal]) & balanced).fill_null(False)
    return ibis.cases((valid, digits.cast("float64") * sign * scale), else_=ibis.null("float64")), valid


def _finite(number: ir.FloatingValue) -> ir.BooleanValue:
    """Not NULL, infinite or NaN, in one comparison (NaN sorts above every number on DuckDB)."""
    return number.between(-sys.float_info.max, sys.float_info.max).fill_null(False)


def parse_amount(value: ir.Value, backend: str = "duckdb", *, decimal: str = ".") -> Parsed:
    """Money and counts read with the column's decimal mark; non-finite values are bad.

    With ``decimal="."``: '¥1,234.50', "1'234.50", '1 234.50', '(200)', '1.5万', 'USD 12', '-3';
    with ``decimal=","``: '1.234,50', '230.630,00', '1 234,50', '1234,5'. Spaces (also no-break and
    narrow no-break ones) and apostrophes separate thousands in both. 'inf', 'NaN' and '1e400' are
    bad, as are typed float columns' inf and NaN.
    """
    if decimal not in _AMOUNT:
        raise ValueError(f"decimal must be '.' or ',', not {decimal!r}")
    if value.type().is_numeric() and not value.type().is_boolean():
        number = value.cast("float64")
        not_finite = number.isinf().fill_null(False) | number.isnan().fill_null(False)
        return Parsed(ibis.cases((not_finite, ibis.null("float64")), else_=number), not_finite)
    value = value if is_text(value) else value.cast("string")
    cell = text(value)
    number, valid = _amount_number(_amount_cell(value), decimal)
    bad = cell.notnull() & ~valid
    if backend == "duckdb":
        # Most cells are plain numbers: DuckDB casts them, and CASE runs the regular expressions (and the
        # bad-cell test, which repeats some) only on the other cells.
        plain = cell.try_cast("float64")
        fast = _finite(plain) if decimal == "." else _finite(plain) & ~cell.contains(".")
        number = ibis.cases((fast, plain), else_=number)
        bad = ibis.cases((fast, False), else_=bad)
    return Parsed(number, bad)


def decimal_kinds(table: ir.Table, column: str, backend: str) -> ir.Table:
    """``cell`` (as read) and its ``kind``: '.' where it reads only with a decimal point (1,234.50,
    12.5, 0.25), ',' only with a decimal comma (1.234,50, 12,5), 'ambiguous' where it reads both
    ways as different numbers (1,234, 1.234), NULL where the mark does not matter or it is no number.

    Cells without a point or a comma are passed over first, so a column of plain numbers costs
    little more than a scan.
    """
    value = table[column]
    cells = table.select(cell=value if is_text(value) else value.cast("string"))
    raw = cells.cell  # as read: only the cells that need it are trimmed
    separator = raw.contains(".") | raw.contains(",")  # without one, a cell reads alike either way
    if backend == "duckdb":  # a plain number DuckDB casts has no comma: only 1.234-like ones are ambiguous
        plain = separator & _finite(raw.try_cast("float64"))  # DuckDB's cast allows spaces around the number
        thousands = raw.like("%.___%") & raw.re_search(_DOT_THOUSANDS)  # LIKE first: cheaper
        plain_kind = ibis.cases((plain, ibis.cases((thousands, "ambiguous"), else_=".")), else_=ibis.null("string"))
        separator = separator & ~plain
    else:
        plain_kind = ibis.null("string")
    # The other cells with a separator are read both ways, in a second step so each is trimmed once.
    cells = cells.mutate(
        plain_kind=plain_kind, other=ibis.cases((separator, _amount_cell(raw)), else_=ibis.null("string"))
    )
    point = ibis.ifelse(cells.other.re_search(_AMOUNT["."]).fill_null(False), 1, 0)
    comma = ibis.ifelse(cells.other.re_search(_AMOUNT[","]).fill_null(False), 2, 0)
    # Each test is used once (a CASE naming it twice would run it twice).
    kind = (point + comma).substitute({1: ".", 2: ",", 3: "ambiguous"}, else_=ibis.null("string"))
    return cells.select("cell", kind=cells.plain_kind.fill_null(kind))


_DECIMAL_KINDS = {"point": ".", "comma": ",", "ambiguous": "ambiguous"}


def decimal_census(table: ir.Table, column: str, backend: str) -> ir.Table:
    """One row over the whole column: the number of cells of each kind of :func:`decimal_kinds`."""
    cells = decimal_kinds(table, column, backend)
    return cells.aggregate(
        **{f"n_{name}": cells.kind.count(where=cells.kind == k) for name, k in _DECIMAL_KINDS.items()}
    )


def detect_decimal(table: ir.Table, column: str, backend: str, *, origin: str = "", label: str = "") -> str | None:
    """The decimal mark of a number column ('.' or ','), from its cells (one query); None when no cell
    has one. DataError when the cells cannot tell or disagree (a second query finds examples)."""
    row = decimal_census(table, column, backend).to_pandas().iloc[0]
    n = {name: int(row[f"n_{name}"] or 0) for name in _DECIMAL_KINDS}
    if n["point"] and n["comma"]:
        cells = decimal_kinds(table, column, backend)
        examples = _example_cells(cells, cells.kind, ("point", "comma"), _DECIMAL_KINDS)
        raise DataError(
            f"{origin}: {label} mixes decimal marks: {_cells(n['point'])} with a decimal point such as "
            f"{examples['point']} and {n['comma']} with a decimal comma such as {examples['comma']}. "
            f"To read them, {_decimal_settings(label)}; cells that do not fit it are then excluded as bad."
        )
    if n["point"] or n["comma"]:
        return "." if n["point"] else ","
    if n["ambiguous"]:
        cells = decimal_kinds(table, column, backend)
        examples = _example_cells(cells, cells.kind, ("ambiguous",), _DECIMAL_KINDS)
        raise DataError(
            f"{origin}: the decimal mark of {label} cannot be told from its cells: {_cells(n['ambiguous'])} "
            f"such as {examples['ambiguous']} read as thousands with a decimal point (1,234 = 1234) and as "
            "decimals with a decimal comma (1,234 = 1.234), and no cell such as 12.5 or 1.234,50 decides it. "
            f"To read them, {_decimal_settings(label)}."
        )
    return None


def _decimal_settings(label: str) -> str:
    return f'set decimal: "," or decimal: "." in {_table_entry(label)}'


def _cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"


def _example_cells(cells: ir.Table, key: ir.Value, names: tuple[str, ...], keys: dict[str, str]) -> dict[str, str]:
    """The smallest and largest cell of each kind in ``names`` (``key == keys[name]``), quoted, in one query."""
    out = {}
    for name in names:
        test = key == keys[name]
        out[f"lo_{name}"] = cells.cell.min(where=test)
        out[f"hi_{name}"] = cells.cell.max(where=test)
    row = cells.aggregate(**out).to_pandas().iloc[0]
    return {name: _examples(row[f"lo_{name}"], row[f"hi_{name}"]) for name in names}


# --- the same parsers on a pandas Series (tests, notebooks) ---


def _run(values: pd.Series, build) -> pd.DataFrame:
    con = ibis.duckdb.connect()
    try:
        frame = pd.DataFrame({"v": values.reset_index(drop=True)})
        if frame["v"].dtype == object:
            frame["v"] = frame["v"].astype("string")
        table = con.create_table("v", frame)
        table = table.mutate(i=ibis.row_number())
        return build(table).order_by("i").to_pandas().set_index(values.index if len(values) else None)
    finally:
        con.disconnect()


def _label(values: pd.Series) -> str:
    return str(values.name) if values.name is not None else "values"


def parse_dates(
    values: pd.Series, *, date_format: str | None = None, timezone: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates; return (datetime64 values, mask of unparseable cells).

    Raises DataError where the column cannot be read one way only (``01/04/2023``).

    >>> parsed, bad = parse_dates(pd.Series(["2025-01-31", "", "n/a"]))
    >>> parsed.dt.strftime("%Y-%m-%d").tolist(), bad.tolist()
    (['2025-01-31', nan, nan], [False, False, True])
    """
    from salesnb import schema

    options = ParseOptions(date_format=date_format, timezone=timezone, origin="pandas Series")

    def build(table: ir.Table) -> ir.Table:
        parsed = parse_column(table, "v", schema.DATE, options, label=_label(values))
        return table.select("i", value=parsed.value, bad=parsed.bad)

    out = _run(values, build)
    return out["value"].astype("datetime64[us]"), out["bad"].astype(bool)


def parse_amounts(values: pd.Series, *, decimal: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse money and counts; return (float values, mask of filled-in cells that are not numbers).

    ``decimal`` is the decimal mark; None detects it from the cells and raises DataError when
    they cannot tell (only ``1,234``-like cells) or disagree.

    >>> parsed, bad = parse_amounts(pd.Series(["¥1,234.50", "(200)", "1.5万", "abc", ""]))
    >>> parsed.tolist()[:3], bad.tolist()
    ([1234.5, -200.0, 15000.0], [False, False, False, True, False])
    >>> parse_amounts(pd.Series(["230.630,00", "12,5"]))[0].tolist()
    [230630.0, 12.5]
    """
    from salesnb import schema

    options = ParseOptions(decimal=decimal, origin="pandas Series")

    def build(table: ir.Table) -> ir.Table:
        parsed = parse_column(table, "v", schema.NUMBER, options, label=_label(values))
        return table.select("i", value=parsed.value, bad=parsed.bad)

    out = _run(values, build)
    return out["value"].astype("float64"), out["bad"].astype(bool)


def clean_text(values: pd.Series) -> pd.Series:
    """Strip text cells; blank cells become missing."""
    out = _run(values, lambda table: table.select("i", value=text(table.v)))
    return out["value"].astype("string")
