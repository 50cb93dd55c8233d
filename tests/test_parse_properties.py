"""Property tests of the amount and date parsers: nothing but a DataError escapes, and round trips hold.

Each example is whole columns of generated values, parsed together in one DuckDB connection (one
query for all columns, plus the per-column queries that choose a date format or decimal mark), so
an example costs a few queries, not one per value.
"""

from __future__ import annotations

import math
from datetime import datetime

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesnb import schema
from salesnb.data.parse import DATE_FORMATS, DAY_MONTH_PAIRS, ISO, ParseOptions, parse_amount, parse_column
from salesnb.errors import DataError


def _settings(examples: int):
    # The connection fixture is module-scoped, so reusing it across examples is safe.
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


# Characters amounts and dates are made of, so generated text often comes close to one.
AMOUNT_CHARS = "0123456789.,' -+()eE¥$€万亿元USD\u00a0\u202f’，−"
DATE_CHARS = "0123456789/-.: TZ+年月日"
BLANKS = " \t\n\r\x0b\x0c\u00a0\u2007\u2009\u202f\u3000"


def _blank(cell: str | None) -> bool:
    return cell is None or not cell.strip(BLANKS)


def _same(a: list, b: list) -> bool:
    """Equal lists of numbers or timestamps, NaN/NaT equal to each other."""
    return len(a) == len(b) and all((pd.isna(x) and pd.isna(y)) or x == y for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def con():
    """One DuckDB connection for the module: a connection per example would cost as much as its queries."""
    connection = ibis.duckdb.connect()
    yield connection
    connection.disconnect()


def _parse_columns(con, kind: str, columns: dict[str, tuple[list, dict]]) -> dict[str, tuple | DataError]:
    """Each column (cells, ParseOptions fields) parsed as ``kind``: (values, bad flags, format) or its DataError.

    Columns may differ in length; the shorter are padded with blank cells, which are left out of the result.
    """
    length = max(len(cells) for cells, _ in columns.values())
    frame = pd.DataFrame({n: list(cells) + [None] * (length - len(cells)) for n, (cells, _) in columns.items()})
    table = con.create_table("t", frame.astype("string"), overwrite=True).mutate(snb_i=ibis.row_number())
    results, parsed = {}, {}
    for name, (_, options) in columns.items():
        try:
            column = parse_column(table, name, kind, ParseOptions(origin="generated", **options), label=name)
        except DataError as exc:
            results[name] = exc
            continue
        parsed[f"v_{name}"], parsed[f"b_{name}"] = column.value, column.bad
        results[name] = column.format
    out = table.select("snb_i", **parsed).order_by("snb_i").to_pandas() if parsed else None
    for name, (cells, _) in columns.items():
        if not isinstance(results[name], DataError):
            n = len(cells)
            results[name] = (out[f"v_{name}"].tolist()[:n], out[f"b_{name}"].tolist()[:n], results[name])
    return results


# --- amounts ---


@_settings(10)
@given(st.lists(st.one_of(st.text(max_size=24), st.text(alphabet=AMOUNT_CHARS, max_size=16)), min_size=1, max_size=12))
def test_no_exception_but_a_data_error_escapes_the_amount_parser(con, cells):
    columns = {"point": (cells, {"decimal": "."}), "comma": (cells, {"decimal": ","}), "detected": (cells, {})}
    results = _parse_columns(con, schema.NUMBER, columns)
    for name in ("point", "comma"):
        values, bad, _ = results[name]  # with the mark given, never an error
        for cell, value, flagged in zip(cells, values, bad, strict=True):
            assert flagged == (not _blank(cell) and math.isnan(value)), (name, cell, value, flagged)
            assert math.isnan(value) or math.isfinite(value)  # inf and NaN are never a number
    if not isinstance(results["detected"], DataError):  # else the cells could not tell the mark
        values, bad, mark = results["detected"]
        same_as = results["comma" if mark == "," else "point"]
        assert _same(values, same_as[0]) and bad == same_as[1]


@_settings(12)
@given(st.lists(st.one_of(st.text(max_size=24), st.text(alphabet=AMOUNT_CHARS, max_size=16)), min_size=1, max_size=12))
def test_the_portable_amount_parser_never_reads_a_cell_differently(con, cells):
    """PostgreSQL's and Spark's reading (regular expressions only) agrees with DuckDB's wherever it reads a
    number; DuckDB's cast alone also takes '1_000', exponents of three digits and very long numbers."""
    table = con.create_table("t", pd.DataFrame({"v": pd.Series(cells, dtype="string")}), overwrite=True)
    columns = {}
    for i, decimal in enumerate((".", ",")):
        columns[f"p{i}"] = parse_amount(table.v, "postgres", decimal=decimal).value
        columns[f"d{i}"] = parse_amount(table.v, "duckdb", decimal=decimal).value
    out = table.select(**columns).to_pandas()
    for i in range(2):
        read = out[f"p{i}"].notna()
        assert (out[f"p{i}"][read] == out[f"d{i}"][read]).all(), out[read]


def _styles(value: float) -> dict[str, str]:
    """``value`` (two decimals) written in every supported style, keyed by style; the key ends in its mark."""
    point = f"{value:,.2f}"  # -1,234.50
    comma = point.translate(str.maketrans(",.", ".,"))  # -1.234,50
    magnitude = f"{abs(value):,.2f}"
    return {
        "plain .": f"{value:.2f}",
        "thousands .": point,
        "dot thousands ,": comma,
        "plain ,": f"{value:.2f}".replace(".", ","),
        "apostrophe .": point.replace(",", "'"),
        "space .": point.replace(",", " "),
        "space ,": comma.replace(".", " "),
        "no-break space ,": comma.replace(".", "\u00a0"),
        "narrow no-break space ,": comma.replace(".", "\u202f"),
        "currency prefix .": f"¥{point}",
        "currency code .": f"USD {point}",
        "currency suffix ,": f"{comma} €",
        "yuan .": f"{point}元",
        "parentheses .": f"({magnitude})" if value < 0 else magnitude,
        "wan .": f"{value / 1e4:.6f}万",
    }


@_settings(8)
@given(st.lists(st.integers(-(10**11), 10**11), min_size=1, max_size=8))
def test_amounts_written_in_every_style_read_back(con, cents):
    """Given the mark, and detected: two decimals always show it, also in a column mixing the styles. The
    styles of one mark share a column (one parse per column and example keeps the test fast)."""
    values = [c / 100 for c in cents]
    written = [_styles(v) for v in values]
    styles = {mark: [s for s in written[0] if s.endswith(mark)] for mark in (".", ",")}
    columns = {}
    for mark, names in styles.items():
        cells = [w[s] for s in names for w in written]  # style by style, each with every value
        columns[f"given {mark}"] = (cells, {"decimal": mark})
        columns[f"detected {mark}"] = (cells, {})
    results = _parse_columns(con, schema.NUMBER, columns)
    for name, result in results.items():
        assert not isinstance(result, DataError), (name, result)
        parsed, bad, mark = result
        cells = columns[name][0]
        assert mark == name[-1] and not any(bad), [c for c, b in zip(cells, bad, strict=True) if b]
        for i, (value, cell) in enumerate(zip(parsed, cells, strict=True)):
            style = styles[mark][i // len(values)]
            assert value == pytest.approx(values[i % len(values)], rel=1e-12, abs=1e-9), (style, cell, value)


# --- dates ---


def _written(moment: datetime, fmt: str) -> str:
    return moment.isoformat(sep=" ") if fmt == ISO else moment.strftime(fmt)


def _as_read(moment: datetime, fmt: str) -> pd.Timestamp:
    """What a cell written with ``fmt`` holds: the date, to the minute or to the second."""
    if fmt == ISO or "%S" in fmt:
        return pd.Timestamp(moment)
    if "%M" in fmt:
        return pd.Timestamp(moment.replace(second=0))
    return pd.Timestamp(moment.date())


moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda m: m.replace(microsecond=0)
)


# A few formats per example (every format in every example would make each example slow).
some_formats = st.lists(st.sampled_from(DATE_FORMATS), min_size=1, max_size=4, unique=True)


@_settings(10)
@given(st.lists(moments, min_size=1, max_size=8), some_formats)
def test_dates_written_in_every_format_read_back_with_the_format_given(con, stamps, formats):
    columns = {f"f{i}": ([_written(m, fmt) for m in stamps], {"date_format": fmt}) for i, fmt in enumerate(formats)}
    results = _parse_columns(con, schema.DATE, columns)
    for i, fmt in enumerate(formats):
        parsed, bad, chosen = results[f"f{i}"]
        assert chosen == fmt and not any(bad), (fmt, columns[f"f{i}"][0])
        assert parsed == [_as_read(m, fmt) for m in stamps], (fmt, columns[f"f{i}"][0])


@_settings(8)
@given(st.lists(moments, min_size=1, max_size=6), some_formats)
def test_dates_written_in_every_format_are_detected_or_refused_when_ambiguous(con, stamps, formats):
    """Detected when the column tells; refused when day and month could be swapped (all days up to 12, and
    some day not equal to its month)."""
    columns = {f"f{i}": ([_written(m, fmt) for m in stamps], {}) for i, fmt in enumerate(formats)}
    results = _parse_columns(con, schema.DATE, columns)
    swappable = all(m.day <= 12 for m in stamps) and any(m.day != m.month for m in stamps)
    for i, fmt in enumerate(formats):
        result = results[f"f{i}"]
        if fmt in DAY_MONTH_PAIRS and swappable:
            assert isinstance(result, DataError) and "date_format" in str(result), (fmt, result)
            continue
        assert not isinstance(result, DataError), (fmt, result)
        parsed, bad, _ = result
        assert not any(bad) and parsed == [_as_read(m, fmt) for m in stamps], (fmt, columns[f"f{i}"][0])


@_settings(8)
@given(
    st.lists(st.one_of(st.text(max_size=24), st.text(alphabet=DATE_CHARS, max_size=20)), min_size=1, max_size=10),
    st.sampled_from([None, "Asia/Shanghai"]),
)
def test_no_exception_but_a_data_error_escapes_the_date_parser(con, cells, zone):
    formats = ("%d/%m/%Y", ISO, "%Y%m%d", None)
    columns = {f"f{i}": (cells, {"date_format": fmt, "timezone": zone}) for i, fmt in enumerate(formats)}
    results = _parse_columns(con, schema.DATE, columns)
    for i, fmt in enumerate(formats):
        if fmt is None and isinstance(results[f"f{i}"], DataError):
            assert "date_format" in str(results[f"f{i}"])  # only a day/month order the cells cannot tell
            continue
        values, bad, _ = results[f"f{i}"]
        for cell, value, flagged in zip(cells, values, bad, strict=True):
            assert flagged == (not _blank(cell) and pd.isna(value)), (fmt, cell, value, flagged)
