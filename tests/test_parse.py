"""Date and amount parsers: formats, one reading per column, refusals that name the column, time zones."""

import math

import ibis
import ibis.expr.datatypes as dt
import pandas as pd
import pytest

from salesnb import schema
from salesnb.data.parse import (
    DATE_FORMATS,
    ISO,
    ParseOptions,
    date_expr,
    day_month_census,
    decimal_census,
    parse_amount,
    parse_amounts,
    parse_column,
    parse_date,
    parse_dates,
)
from salesnb.errors import DataError


def _column(values, dtype="string") -> ibis.Table:
    """A one-column DuckDB table ``v`` (kept in memory for the test's lifetime)."""
    con = ibis.duckdb.connect()
    return con.create_table("t", pd.DataFrame({"v": pd.Series(values, dtype=dtype)}))


def _parse(values, kind, **options) -> tuple[list, list, str | None]:
    """(values, bad flags, format chosen) of ``parse_column`` on one column."""
    table = _column(values).mutate(i=ibis.row_number())
    result = parse_column(table, "v", kind, ParseOptions(origin="deals.csv", **options), label="deals.amount")
    out = table.select("i", value=result.value, bad=result.bad).order_by("i").to_pandas()
    return out["value"].tolist(), out["bad"].tolist(), result.format


# --- dates ---


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2025-01-05", "2025-12-31"], ["2025-01-05", "2025-12-31"]),
        (["2025/1/5", "2025/12/31"], ["2025-01-05", "2025-12-31"]),
        (["2025年1月5日", "2025年12月31日"], ["2025-01-05", "2025-12-31"]),
        (["13/05/2024", "01/06/2024"], ["2024-05-13", "2024-06-01"]),  # day first: 13 cannot be a month
        (["05/13/2024", "06/01/2024"], ["2024-05-13", "2024-06-01"]),  # month first
        (["2025-01-05 14:30:00", "2025-01-06T08:00:00"], ["2025-01-05", "2025-01-06"]),
        (["31.12.2024", "01.02.2025"], ["2024-12-31", "2025-02-01"]),
        (["31/12/2024 10:11:12", "01/02/2025 00:00:00"], ["2024-12-31", "2025-02-01"]),
    ],
)
def test_parse_dates_formats(values, expected):
    parsed, bad = parse_dates(pd.Series(values, dtype="string"))
    assert parsed.dt.strftime("%Y-%m-%d").tolist() == expected
    assert not bad.any()


def test_one_format_per_column_and_bad_cells_flagged():
    parsed, bad = parse_dates(pd.Series(["2025-01-05", "2025-02-30", "", "n/a", "2025-03-01"]))
    assert bad.tolist() == [False, True, False, True, False]
    assert parsed.isna().tolist() == [False, True, True, True, False]


@pytest.mark.parametrize("word", ["INF", "-infinity", "Infinity", "epoch", " EPOCH "])
def test_words_the_engine_casts_to_a_timestamp_are_bad_cells(word):
    """DuckDB casts 'infinity' (which cannot leave the engine) and 'epoch' (1970-01-01) to timestamps."""
    parsed, bad = parse_dates(pd.Series(["2025-01-05", word, "2025-02-01"]))
    assert bad.tolist() == [False, True, False]
    assert parsed.iloc[1] is pd.NaT and parsed.iloc[0] == pd.Timestamp("2025-01-05")


def test_explicit_date_format():
    parsed, bad = parse_dates(pd.Series(["05-01-2025"]), date_format="%d-%m-%Y")
    assert parsed.iloc[0] == pd.Timestamp("2025-01-05") and not bad.any()


def test_date_format_decides_day_month_and_iso_cells_are_still_read():
    cells = ["01/04/2023", "05/06/2023", "2023-02-03", "04-01-2023"]
    parsed, bad = parse_dates(pd.Series(cells), date_format="%m/%d/%Y")
    assert parsed.dt.strftime("%Y-%m-%d").tolist()[:3] == ["2023-01-04", "2023-05-06", "2023-02-03"]
    assert bad.tolist() == [False, False, False, True]  # fits neither the format nor ISO


def test_datetime_column_passes_through():
    parsed, bad = parse_dates(pd.Series(pd.to_datetime(["2025-01-05"])))
    assert parsed.iloc[0] == pd.Timestamp("2025-01-05") and not bad.any()


def test_ambiguous_day_month_column_is_refused_naming_file_column_and_examples():
    table = _column(["01/04/2023", "05/06/2023", "", "05/06/2023"])
    options = ParseOptions(origin="exports/deals.csv")
    with pytest.raises(DataError) as error:
        parse_column(table, "v", schema.DATE, options, label="deals.closed_at")
    message = str(error.value)
    assert message.startswith("exports/deals.csv: deals.closed_at has dates that read both")
    assert "'01/04/2023', '05/06/2023'" in message and "3 cells" in message
    assert 'date_format: "%d/%m/%Y"' in message and 'date_format: "%m/%d/%Y"' in message
    assert "data.tables.deals" in message


def test_ambiguous_day_month_with_times_is_refused_too():
    with pytest.raises(DataError, match=r'date_format: "%d/%m/%Y %H:%M"'):
        parse_dates(pd.Series(["01/04/2023 10:30", "05/06/2023 11:00"]))


def test_a_day_above_12_past_the_format_sample_decides_the_whole_column():
    # 6,000 cells (more than the 5,000 the format is chosen from) where only the last says day first.
    cells = ["01/04/2023"] * 6000 + ["13/04/2023"]
    parsed, bad = parse_dates(pd.Series(cells))
    assert parsed.iloc[0] == pd.Timestamp("2023-04-01") and parsed.iloc[-1] == pd.Timestamp("2023-04-13")
    assert not bad.any()


def test_day_month_orders_mixed_in_equal_numbers_are_refused():
    with pytest.raises(DataError, match=r"mixes day/month and month/day dates: 1 cell such as '13/04/2023'"):
        parse_dates(pd.Series(["13/04/2023", "04/16/2023"]))


def test_day_equal_to_month_everywhere_reads_alike_and_is_accepted():
    parsed, bad = parse_dates(pd.Series(["01/01/2023", "05/05/2023"]))
    assert parsed.dt.strftime("%Y-%m-%d").tolist() == ["2023-01-01", "2023-05-05"] and not bad.any()


@pytest.mark.parametrize(
    ("fmt", "fragment"),
    [
        ("%Y/%Q", "is not a strptime format"),
        ("%d/%m", "has no year"),
        ("%d/%m/%Y %H:%M %z", "reads a time zone"),
    ],
)
def test_unusable_date_format_is_refused_before_any_query(fmt, fragment):
    with pytest.raises(DataError, match=fragment):
        parse_dates(pd.Series(["01/04/2023"]), date_format=fmt)


def test_offset_keeps_the_local_date_across_a_quarter_end():
    cells = ["2025-03-31T23:30:00+08:00", "2025-03-31T23:30:00+0800", "2025-03-31 23:30:00 +08:00", "2025-03-31T23:30Z"]
    parsed, bad = parse_dates(pd.Series(cells))
    assert parsed.tolist() == [pd.Timestamp("2025-03-31 23:30")] * 4  # still Q1, not 15:30 UTC
    assert not bad.any()


def test_timezone_param_converts_offsets_and_never_shifts_naive_times():
    cells = ["2025-03-31T20:00:00Z", "2025-03-31T23:30:00+08:00", "2025-03-31T12:00:00-05:00", "2025-03-31 10:00"]
    parsed, bad = parse_dates(pd.Series(cells), timezone="Asia/Shanghai")
    expected = ["2025-04-01 04:00", "2025-03-31 23:30", "2025-04-01 01:00", "2025-03-31 10:00"]
    assert parsed.tolist() == [pd.Timestamp(t) for t in expected] and not bad.any()


def test_mix_of_z_offsets_and_plain_dates_parses():
    cells = ["2025-01-05T10:00:00Z", "2025-01-06T10:00:00+08:00", "2025-01-07", "2025-01-08 09:15"]
    for zone in (None, "Europe/Berlin"):
        parsed, bad = parse_dates(pd.Series(cells), timezone=zone)
        assert parsed.notna().all() and not bad.any()
        assert parsed.iloc[2] == pd.Timestamp("2025-01-07")  # a plain date never moves


@pytest.mark.parametrize(
    ("zone", "expected"),
    [(None, "2025-03-31 15:30"), ("Asia/Shanghai", "2025-03-31 23:30"), ("America/New_York", "2025-03-31 11:30")],
)
def test_typed_zoned_timestamps_are_shown_in_the_timezone_else_utc(zone, expected):
    instant = pd.Series(pd.to_datetime(["2025-03-31 23:30"]).tz_localize("Asia/Shanghai"))
    parsed, bad = parse_dates(instant, timezone=zone)
    assert parsed.iloc[0] == pd.Timestamp(expected) and not bad.any()


def test_zone_conversion_is_refused_where_it_cannot_be_done():
    cells = ibis.table({"v": "string"}, name="t")
    with pytest.raises(DataError, match="not supported on bigquery"):
        date_expr(cells.v, ISO, "bigquery", timezone="Asia/Shanghai")
    spark_typed = ibis.table({"v": "timestamp"}, name="t")
    with pytest.raises(DataError, match="cannot be told apart as zoned or naive"):
        parse_date(spark_typed.v, None, "pyspark", timezone="Asia/Shanghai", origin="deals.parquet", label="d.c")
    assert parse_date(spark_typed.v, None, "pyspark").value.type() == dt.timestamp  # unset: taken as it is


CELLS = [
    "2025-01-31",
    "2024-02-29",
    "2023-02-29",
    "2024-13-45",
    "2025-01-05 14:30:00",
    "2025-01-06T08:00:00",
    "2025-03-31T23:30:00+08:00",
    "2025-03-31T20:00:00Z",
    "2025-03-31 12:00:00 -0500",
    "13/05/2024",
    "05/13/2024",
    "31/02/2024",
    "13/05/2024 10:11:12",
    "05/13/2024 10:11:12",
    "13/05/2024 10:30",
    "05/13/2024 10:30",
    "2025年1月5日",
    "2025/1/5",
    "2025/1/5 10:30",
    "2025/01/05 10:30:15",
    "2025.01.31",
    "31.12.2024",
    "31.12.2024 10:30",
    "\u00a02025-01-31 ",
    "20250131",
    "x",
    "",
]


@pytest.mark.parametrize("zone", [None, "Asia/Shanghai"])
def test_portable_date_parser_agrees_with_duckdbs(zone):
    """PostgreSQL and Spark get dates by regular expression and range checks; same answers as DuckDB's."""
    table = _column(CELLS)
    columns = {}
    for i, fmt in enumerate(DATE_FORMATS):
        columns[f"portable{i}"] = date_expr(table.v, fmt, "postgres", timezone=zone)
        columns[f"duckdb{i}"] = date_expr(table.v, fmt, "duckdb", timezone=zone)
    out = table.select(**columns).to_pandas()
    for i, fmt in enumerate(DATE_FORMATS):
        pd.testing.assert_series_equal(out[f"portable{i}"], out[f"duckdb{i}"], check_names=False, obj=fmt)
        assert out[f"duckdb{i}"].notna().sum() >= 1, fmt  # every format reads at least one of the cells


def test_date_parsers_compile_on_postgres_and_spark():
    _ = ibis.pyspark  # loading the backend registers the options its compiler reads
    table = ibis.table({"s": "string", "zoned": dt.Timestamp(timezone="UTC")}, name="t")
    for backend in ("postgres", "pyspark"):
        for fmt in (ISO, "%d/%m/%Y %H:%M:%S", "%Y年%m月%d日"):  # each kind of pattern; the rest are alike
            parsed = parse_date(table.s, fmt, backend, timezone="Asia/Shanghai")
            assert "SELECT" in ibis.to_sql(table.select(v=parsed.value, bad=parsed.bad), dialect=backend)
        assert ibis.to_sql(day_month_census(table, "s", "%m/%d/%Y", "%d/%m/%Y", backend), dialect=backend)
    zoned = parse_date(table.zoned, None, "postgres", timezone="Asia/Shanghai").value
    assert "TIMEZONE('Asia/Shanghai'" in ibis.to_sql(table.select(v=zoned), dialect="postgres")


# --- amounts ---


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("¥1,234.50", 1234.5),
        ("1,234", 1234.0),
        ("￥ 99", 99.0),
        ("USD 12.5", 12.5),
        ("(200)", -200.0),
        ("-3", -3.0),
        ("1.5万", 15000.0),
        ("1.5万元", 15000.0),
        ("2亿", 2e8),
        ("1 200", 1200.0),
        ("300元", 300.0),
        ("1'234.50", 1234.5),  # Swiss
        ("1’234.50", 1234.5),
        ("1 234.50", 1234.5),
        ("1\u00a0234.50", 1234.5),  # no-break space
        ("1\u202f234.50", 1234.5),  # narrow no-break space
        ("-¥1,234", -1234.0),
        ("¥-12", -12.0),
        ("(¥200)", -200.0),
        ("12 EUR", 12.0),
        ("US$5", 5.0),
        ("1e-5", 1e-5),
        ("1,234,567.8", 1234567.8),
    ],
)
def test_parse_amounts_with_a_decimal_point(text, value):
    parsed, bad = parse_amounts(pd.Series([text]), decimal=".")
    assert parsed.iloc[0] == pytest.approx(value)
    assert not bad.any()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("230.630,00", 230630.0),
        ("1.234,50", 1234.5),
        ("1234,5", 1234.5),
        ("1 234,50", 1234.5),
        ("1\u202f234,50", 1234.5),
        ("1\u00a0234,50", 1234.5),
        ("1.234", 1234.0),
        ("(1.234,50)", -1234.5),
        ("€ 1.234,50", 1234.5),
        ("1 234,50 €", 1234.5),
        ("-3", -3.0),
    ],
)
def test_parse_amounts_with_a_decimal_comma(text, value):
    parsed, bad = parse_amounts(pd.Series([text]), decimal=",")
    assert parsed.iloc[0] == pytest.approx(value)
    assert not bad.any()


def test_decimal_comma_with_dot_thousands_is_detected_per_column():
    values, bad, mark = _parse(["230.630,00", "1.234", "12", ""], schema.NUMBER)
    assert mark == "," and values[:3] == [230630.0, 1234.0, 12.0] and not any(bad)


def test_decimal_point_is_detected_per_column():
    values, bad, mark = _parse(["1,234", "0.25", "1 234.50"], schema.NUMBER)
    assert mark == "." and values == [1234.0, 0.25, 1234.5] and not any(bad)


def test_a_number_with_two_comma_groups_decides_the_decimal_point():
    """'1,234,567' can only be comma thousands (a decimal comma appears once): it decides the column."""
    values, bad, mark = _parse(["1,234", "1,234,567"], schema.NUMBER)
    assert mark == "." and values == [1234.0, 1234567.0]


def test_columns_without_a_decimal_mark_need_no_setting():
    values, bad, mark = _parse(["1234", "-5", "¥300"], schema.NUMBER)
    assert mark is None and values == [1234.0, -5.0, 300.0] and not any(bad)


def test_ambiguous_decimal_mark_is_refused_naming_file_column_and_examples():
    with pytest.raises(DataError) as error:
        _parse(["1,234", "5.000", "1,234", None], schema.NUMBER)
    message = str(error.value)
    assert message.startswith("deals.csv: the decimal mark of deals.amount cannot be told from its cells: 3 cells")
    assert "'1,234', '5.000'" in message
    assert 'set decimal: "," or decimal: "." in data.tables.deals' in message


def test_mixed_decimal_marks_are_refused_with_examples_of_each():
    with pytest.raises(DataError) as error:
        _parse(["1,234.50", "12,5", "7"], schema.NUMBER)
    message = str(error.value)
    assert "deals.amount mixes decimal marks: 1 cell with a decimal point such as '1,234.50'" in message
    assert "1 with a decimal comma such as '12,5'" in message


def test_given_decimal_mark_is_used_and_cells_that_do_not_fit_are_bad():
    values, bad, mark = _parse(["1,234", "12.5", "1.234,5"], schema.NUMBER, decimal=",")
    assert mark == "," and values[0] == 1.234 and bad == [False, True, False]
    assert values[2] == 1234.5


@pytest.mark.parametrize("text", ["inf", "-inf", "Infinity", "1e400", "NaN", "nan", "(200", "12..3", "abc", "5 -"])
def test_non_finite_and_malformed_amounts_are_bad(text):
    parsed, bad = parse_amounts(pd.Series([text, "7"]), decimal=".")
    assert bad.tolist() == [True, False]
    assert math.isnan(parsed.iloc[0]) and parsed.iloc[1] == 7.0


def test_unparseable_amounts_are_flagged_blank_ones_are_missing():
    parsed, bad = parse_amounts(pd.Series(["abc", "", "12..3", None], dtype="object"))
    assert bad.tolist() == [True, False, True, False]
    assert parsed.isna().all()


def test_typed_float_infinity_and_nan_are_bad():
    import pyarrow as pa

    numbers = pa.array([1.5, math.inf, -math.inf, math.nan, None], pa.float64())  # NaN stays NaN, not NULL
    table = ibis.duckdb.connect().create_table("t", pa.table({"v": numbers}))
    result = parse_column(table, "v", schema.NUMBER, ParseOptions(), label="deals.amount")
    out = table.select(value=result.value, bad=result.bad).to_pandas()
    assert out["bad"].tolist() == [False, True, True, True, False]
    assert out["value"].iloc[0] == 1.5 and out["value"].iloc[1:].isna().all()


AMOUNT_CELLS = [
    "¥1,234.50",
    "1'234.50",
    "1 234,50",
    "1\u202f234.5",
    "230.630,00",
    "(200)",
    "-(3)",
    "1.5万元",
    "USD -12",
    "1,234",
    "1.234",
    "12,5",
    "0.25",
    ".5",
    "1e5",
    "inf",
    "1e400",
    "NaN",
    "(200",
    "abc",
    "9" * 70,
    "",
]


@pytest.mark.parametrize("decimal", [".", ","])
def test_portable_amount_parser_agrees_with_duckdbs(decimal):
    """PostgreSQL and Spark read every cell by regular expression; DuckDB casts plain ones first."""
    table = _column(AMOUNT_CELLS[:-2] + [""])  # a 70-digit number DuckDB's cast reads is refused elsewhere
    portable, native = (parse_amount(table.v, backend, decimal=decimal) for backend in ("postgres", "duckdb"))
    out = table.select(pv=portable.value, pb=portable.bad, dv=native.value, db=native.bad).to_pandas()
    pd.testing.assert_series_equal(out["pv"], out["dv"], check_names=False)
    pd.testing.assert_series_equal(out["pb"], out["db"], check_names=False)
    assert out["db"].sum() >= 5 and out["dv"].notna().sum() >= 8


def test_portable_decimal_census_agrees_with_duckdbs():
    table = _column(AMOUNT_CELLS)
    counts = {b: decimal_census(table, "v", b).to_pandas().iloc[0].tolist() for b in ("postgres", "duckdb")}
    assert counts["postgres"] == counts["duckdb"]
    # point: ¥1,234.50, 1'234.50, 1 234.5, 1.5万元, 0.25, .5; comma: 1 234,50, 230.630,00, 12,5; 1,234 and 1.234
    assert counts["duckdb"] == [6, 3, 2]


def test_amount_parsers_compile_on_postgres_and_spark():
    _ = ibis.pyspark
    table = ibis.table({"s": "string", "f": "float64"}, name="t")
    for backend in ("postgres", "pyspark"):
        for decimal in (".", ","):
            parsed = parse_amount(table.s, backend, decimal=decimal)
            assert ibis.to_sql(table.select(v=parsed.value, bad=parsed.bad), dialect=backend)
        assert ibis.to_sql(table.select(v=parse_amount(table.f, backend).value), dialect=backend)
        assert ibis.to_sql(decimal_census(table, "s", backend), dialect=backend)


# --- through the loader: the params settings are used ---


DEALS = (
    "deal_id,rep_id,created_at,amount,status,closed_at\n"
    'D1,R1,01/04/2023,"230.630,00",won,05/06/2023\n'
    'D2,R1,2023-02-03,"1.234,50",won,2023-02-10\n'
    "D3,R1,04-01-2023,100,won,05/06/2023\n"
    "D4,R1,02/03/2023,inf,won,05/06/2023\n"
    "D5,R1,03/03/2023,12,open,\n"
)


def _load(tmp_path, write_params, **deals):
    from salesnb.data import load_data
    from salesnb.params import load_params

    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    tables = {"deals": {"file": "deals.csv", **deals}}
    return load_data(load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables})))


def test_loader_uses_date_format_and_detects_the_decimal_comma(tmp_path, write_params):
    data = _load(tmp_path, write_params, date_format="%d/%m/%Y")
    deals = data.deals.order_by("deal_id").to_pandas()
    assert deals["deal_id"].tolist() == ["D1", "D2", "D5"]
    assert deals["created_at"].dt.strftime("%Y-%m-%d").tolist() == ["2023-04-01", "2023-02-03", "2023-03-03"]
    assert deals["closed_at"].iloc[0] == pd.Timestamp("2023-06-05")
    assert deals["amount"].tolist() == [230630.0, 1234.5, 12.0]
    account = data.report.accounts["deals"]
    assert {i.reason: i.count for i in account.excluded} == {"bad:created_at": 1, "bad:amount": 1}
    assert account.rows_read == account.rows_used + account.rows_excluded == 5


def test_loader_refuses_ambiguous_dates_without_date_format(tmp_path, write_params):
    with pytest.raises(DataError) as error:
        _load(tmp_path, write_params)
    message = str(error.value)
    assert "deals.csv: deals.created_at has dates that read both" in message
    assert "'01/04/2023'" in message and 'date_format: "%d/%m/%Y"' in message
