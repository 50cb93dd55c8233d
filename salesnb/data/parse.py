"""Explicit parsing of dates and amounts as client exports write them, as engine expressions.

Each parser is an Ibis expression builder, so parsing runs where the rows are (the
embedded DuckDB for files, the client's database for a database source). A parser
returns the parsed value and a flag for cells that were filled in but could not be
parsed, so validation can exclude those rows with a reason. Empty cells are missing,
not bad. Columns that already carry a type (Parquet, XLSX dates, database columns) are
taken as they are.

``parse_dates`` / ``parse_amounts`` / ``clean_text`` run the same expressions on a
pandas Series (through an in-memory DuckDB) for tests and notebooks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

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
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%Y%m%d",
)
FORMAT_SAMPLE = 5000  # non-blank cells per column used to choose the format

_ISO_PARTS = r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
_BLANK_EDGES = "^[\\s\u00a0\u3000]+|[\\s\u00a0\u3000]+$"
_CURRENCY = "(RMB|rmb|CNY|cny|USD|usd|EUR|eur|GBP|gbp|HKD|hkd|元|[¥￥$€£\\s\u00a0'，,])"
_NUMBER = r"^[+-]?([0-9]{1,30}(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,2})?$"
_UNITS = {"万": 1e4, "亿": 1e8}


@ibis.udf.scalar.builtin(name="try_strptime")
def _try_strptime(text: str, fmt: str) -> dt.timestamp:  # DuckDB's strptime returning NULL on failure
    ...


def is_text(value: ir.Value) -> bool:
    return value.type().is_string()


def text(value: ir.Value) -> ir.StringValue:
    """A cell as stripped text (also of no-break and ideographic spaces); blank cells become NULL."""
    value = value if is_text(value) else value.cast("string")
    wide_space = value.contains("\u00a0") | value.contains("\u3000")
    stripped = ibis.cases((wide_space, value.re_replace(_BLANK_EDGES, "")), else_=value.strip())
    return stripped.nullif("")


def date_expr(value: ir.Value, fmt: str, backend: str) -> ir.TimestampValue:
    """``value`` parsed as a timestamp with ``fmt`` (NULL where it does not fit)."""
    cell = text(value)
    if backend == "duckdb":
        return cell.try_cast("timestamp") if fmt == ISO else _try_strptime(cell, fmt)
    # Other engines' parsers raise on a bad cell (PostgreSQL) or roll it over: take the format's
    # fields apart with a regular expression, check their ranges, and build the timestamp.
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
    built = ibis.timestamp(year, month, day, hour, minute, second)
    return ibis.cases((valid.fill_null(False), built), else_=ibis.null("timestamp"))


def _format_pattern(fmt: str) -> tuple[str, list[str]]:
    """A regular expression with one group per field of ``fmt`` (and the fields' order)."""
    if fmt == ISO:
        return _ISO_PARTS, ["Y", "m", "d", "H", "M", "S"]
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
    return f"^{pattern}$", fields


@dataclass(frozen=True)
class Parsed:
    value: ir.Value
    bad: ir.BooleanValue


def parse_date(value: ir.Value, fmt: str | None, backend: str) -> Parsed:
    """Dates in one format per column (``fmt``: chosen by :func:`choose_date_format`)."""
    if value.type().is_timestamp() or value.type().is_date():
        return Parsed(value.cast("timestamp"), ibis.literal(False))
    if not is_text(value):
        # Numbers in a date column (e.g. 20250131 read as an integer) go through the text parser.
        value = value.cast("string")
    parsed = date_expr(value, fmt or ISO, backend)
    if fmt not in (None, ISO):
        parsed = parsed.fill_null(date_expr(value, ISO, backend))
    return Parsed(parsed, text(value).notnull() & parsed.isnull())


def choose_date_format(table: ir.Table, column: str, backend: str, given: str | None = None) -> str | None:
    """The format that parses most of the first non-blank cells of ``column`` (one query)."""
    value = table[column]
    if not is_text(value) or given:
        return given
    sample = table.select(cell=text(value)).filter(lambda t: t.cell.notnull()).limit(FORMAT_SAMPLE)
    counts = sample.aggregate(
        **{f"f{i}": date_expr(sample.cell, fmt, backend).count() for i, fmt in enumerate(DATE_FORMATS)}
    ).to_pandas()
    if counts.empty:
        return ISO
    row = counts.iloc[0].fillna(0).astype(int).tolist()
    return DATE_FORMATS[max(range(len(row)), key=lambda i: (row[i], -i))]


def parse_amount(value: ir.Value, backend: str = "duckdb") -> Parsed:
    """Money and counts: '¥1,234.50', '1,234', '(200)', '1.5万', 'USD 12'; non-finite values are bad."""
    if value.type().is_numeric() and not value.type().is_boolean():
        number = value.cast("float64")
        finite = number.isinf().fill_null(False) | number.isnan().fill_null(False)
        return Parsed(ibis.cases((finite, ibis.null("float64")), else_=number), finite)
    cell = text(value)
    plain = cell.try_cast("float64") if backend == "duckdb" else None
    negative = cell.startswith("(") & cell.endswith(")")
    body = ibis.cases((negative, cell.re_replace(r"^\(|\)$", "")), else_=cell)
    scale = ibis.literal(1.0)
    for unit, factor in _UNITS.items():
        scale = ibis.cases((body.endswith(unit), ibis.literal(factor)), else_=scale)
    body = body.re_replace("[万亿]$", "").re_replace(_CURRENCY, "")
    is_number = body.re_search(_NUMBER)
    number = ibis.cases((is_number, body.cast("float64") * scale), else_=ibis.null("float64"))
    number = ibis.cases((negative, -number), else_=number)
    if plain is not None:  # most cells are plain numbers: skip the regular expressions for them
        finite = plain.notnull() & ~plain.isinf() & ~plain.isnan()
        number = ibis.cases((finite, plain), else_=number)
    return Parsed(number, cell.notnull() & number.isnull())


@dataclass(frozen=True)
class ParseOptions:
    """How the columns of one table are parsed: from its params entry and the data source."""

    backend: str = "duckdb"
    date_format: str | None = None  # data.tables.<t>.date_format
    decimal: str | None = None  # data.tables.<t>.decimal: "." or ","; None = detect per column
    timezone: str | None = None  # data.timezone
    origin: str = ""  # the file (or database table) the rows come from, for messages


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
        fmt = choose_date_format(table, column, options.backend, options.date_format)
        result = parse_date(value, fmt, options.backend)
        return ColumnParse(result.value, result.bad, fmt)
    if kind == schema.NUMBER:
        result = parse_amount(value, options.backend)
        return ColumnParse(result.value, result.bad, options.decimal)
    return ColumnParse(text(value), ibis.literal(False))


# --- the same parsers on a pandas Series (tests, notebooks) ---


def _run(values: pd.Series, build) -> pd.DataFrame:
    con = ibis.duckdb.connect()
    frame = pd.DataFrame({"v": values.reset_index(drop=True)})
    if frame["v"].dtype == object:
        frame["v"] = frame["v"].astype("string")
    table = con.create_table("v", frame)
    table = table.mutate(i=ibis.row_number())
    return build(table).order_by("i").to_pandas().set_index(values.index if len(values) else None)


def parse_dates(values: pd.Series, *, date_format: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates; return (datetime64 values, mask of unparseable cells).

    >>> parsed, bad = parse_dates(pd.Series(["2025-01-31", "", "n/a"]))
    >>> parsed.dt.strftime("%Y-%m-%d").tolist(), bad.tolist()
    (['2025-01-31', nan, nan], [False, False, True])
    """
    if pd.api.types.is_datetime64_any_dtype(values) and getattr(values.dt, "tz", None):
        values = values.dt.tz_localize(None)

    def build(table: ir.Table) -> ir.Table:
        fmt = choose_date_format(table, "v", "duckdb", date_format)
        parsed = parse_date(table.v, fmt, "duckdb")
        return table.select("i", value=parsed.value, bad=parsed.bad)

    out = _run(values, build)
    return out["value"].astype("datetime64[us]"), out["bad"].astype(bool)


def parse_amounts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse money and counts; return (float values, mask of filled-in cells that are not numbers).

    >>> parsed, bad = parse_amounts(pd.Series(["¥1,234.50", "(200)", "1.5万", "abc", ""]))
    >>> parsed.tolist()[:3], bad.tolist()
    ([1234.5, -200.0, 15000.0], [False, False, False, True, False])
    """

    def build(table: ir.Table) -> ir.Table:
        parsed = parse_amount(table.v)
        return table.select("i", value=parsed.value, bad=parsed.bad)

    out = _run(values, build)
    return out["value"].astype("float64"), out["bad"].astype(bool)


def clean_text(values: pd.Series) -> pd.Series:
    """Strip text cells; blank cells become missing."""
    out = _run(values, lambda table: table.select("i", value=text(table.v)))
    return out["value"].astype("string")
