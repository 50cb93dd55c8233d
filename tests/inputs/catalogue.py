"""The input catalogue: small odd or bad client files, each with the outcome a user should get.

A case is a deals file (plus, where needed, a reps/lookup file and params) built in the test, and one
expected outcome:

- ``Error(fragment)``: loading stops with a DataError/ParamsError whose message holds ``fragment``
  and names the file (or the params file) — never a traceback from inside a library;
- ``Excluded(reason, n)``: the load succeeds and ``n`` deal rows are excluded under ``reason``;
- ``Flagged(code, n)``: the load succeeds and ``n`` used rows carry the flag ``code``;
- ``Value(column, values)``: the clean deals' ``column``, in file order, equals ``values``.

Every case that loads also checks that rows read = used + excluded. Cases are data, so adding one is
one line; ``test_catalogue.py`` runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Error:
    fragment: str


@dataclass(frozen=True)
class Excluded:
    reason: str
    n: int
    table: str = "deals"


@dataclass(frozen=True)
class Flagged:
    code: str
    n: int
    table: str = "deals"


@dataclass(frozen=True)
class Value:
    column: str
    values: tuple[Any, ...]
    table: str = "deals"


Outcome = Error | Excluded | Flagged | Value

HEADER = "id,owner,created,amount,status,closed"
GOOD = (
    "D1,R1,2025-01-02,100,won,2025-02-01",
    "D2,R1,2025-01-03,50,lost,2025-02-03",
    "D3,R2,2025-01-04,70,open,",
)
COLUMNS = {
    "id": "deal_id",
    "owner": "rep_id",
    "created": "created_at",
    "amount": "amount",
    "status": "status",
    "closed": "closed_at",
}


@dataclass(frozen=True)
class Case:
    """One input and its expected outcome. ``rows`` are CSV lines after the header (UTF-8 unless
    ``data`` gives the file's bytes); ``source`` updates data.tables.deals; ``params`` updates the
    top level (``data`` keys merge)."""

    id: str
    outcome: Outcome
    rows: tuple[str, ...] = GOOD
    header: str = HEADER
    data: bytes | Callable[[], bytes] | None = None
    file: str = "deals.csv"
    source: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    extra_files: dict[str, str | bytes | Callable[[], bytes]] = field(default_factory=dict)
    yaml_tail: str = ""  # raw YAML appended to the params file (for what safe_dump cannot write)

    def content(self) -> bytes:
        if self.data is not None:
            return self.data() if callable(self.data) else self.data
        return ("\n".join([self.header, *self.rows]) + "\n").encode("utf-8")


def rows_with(*lines: str) -> tuple[str, ...]:
    """The good rows plus ``lines``."""
    return (*GOOD, *lines)


def amount_rows(*cells: str) -> tuple[str, ...]:
    """One won deal per amount cell (quoted, so commas stay in the cell)."""
    return tuple(f'A{i},R1,2025-01-02,"{cell}",won,2025-02-01' for i, cell in enumerate(cells))


def date_rows(*cells: str, column: str = "closed") -> tuple[str, ...]:
    """One won deal per date cell in ``column`` (created or closed)."""
    out = []
    for i, cell in enumerate(cells):
        created, closed = (cell, "2026-01-01") if column == "created" else ("2024-01-01", cell)
        out.append(f'T{i},R1,"{created}",10,won,"{closed}"')
    return tuple(out)


CASES: list[Case] = [
    # --- baseline -------------------------------------------------------------------------------------
    Case("good_file", Value("deal_id", ("D1", "D2", "D3"))),
    Case("status_words", Value("status", ("won", "lost", "open"))),
    # --- amounts -------------------------------------------------------------------------------------
    Case("amount_plain", Value("amount", (1234.5, 12.0)), rows=amount_rows("1234.5", "12")),
    Case("amount_comma_thousands", Value("amount", (1234.5, 1234567.0)), rows=amount_rows("1,234.50", "1,234,567")),
    Case("amount_currency_symbol", Value("amount", (1234.5, 99.0)), rows=amount_rows("¥1,234.50", "$99")),
    Case("amount_code_prefix", Value("amount", (12.0, 30.0)), rows=amount_rows("USD 12", "CNY30")),
    Case("amount_wan", Value("amount", (15000.0, 200000000.0)), rows=amount_rows("1.5万", "2亿")),
    Case("amount_parentheses_negative", Excluded("negative_amount", 1), rows=(*GOOD, *amount_rows("(200)"))),
    Case(
        "amount_decimal_comma",
        Value("amount", (230630.0, 1234.5)),
        rows=amount_rows("230.630,00", "1.234,50"),
    ),
    Case(
        "amount_decimal_comma_param",
        Value("amount", (1234.0, 12.5)),
        rows=amount_rows("1234", "12,5"),
        source={"decimal": ","},
    ),
    Case("amount_apostrophe", Value("amount", (1234.5, 1000000.0)), rows=amount_rows("1'234.50", "1'000'000")),
    Case("amount_space_thousands", Value("amount", (1234.5, 1234567.0)), rows=amount_rows("1 234.50", "1 234 567")),
    Case(
        "amount_nbsp_thousands",
        Value("amount", (1234.5, 12.5)),
        rows=amount_rows("1\u00a0234,50", "12,5"),
        source={"decimal": ","},
    ),
    Case("amount_ambiguous_refused", Error("decimal"), rows=amount_rows("1,234", "2,500", "3.500")),
    Case("amount_mixed_marks_refused", Error("decimal"), rows=amount_rows("1,234.50", "1.234,50")),
    Case("amount_inf", Excluded("bad:amount", 1), rows=rows_with("X1,R1,2025-01-02,inf,won,2025-02-01")),
    Case("amount_minus_inf", Excluded("bad:amount", 1), rows=rows_with("X1,R1,2025-01-02,-inf,won,2025-02-01")),
    Case("amount_1e400", Excluded("bad:amount", 1), rows=rows_with("X1,R1,2025-01-02,1e400,won,2025-02-01")),
    Case("amount_nan", Excluded("bad:amount", 1), rows=rows_with("X1,R1,2025-01-02,NaN,won,2025-02-01")),
    Case("amount_text", Excluded("bad:amount", 1), rows=rows_with("X1,R1,2025-01-02,abc,won,2025-02-01")),
    Case("amount_negative", Excluded("negative_amount", 1), rows=rows_with("X1,R1,2025-01-02,-5,won,2025-02-01")),
    Case("amount_missing_won", Excluded("missing:amount", 1), rows=rows_with("X1,R1,2025-01-02,,won,2025-02-01")),
    Case("amount_missing_open_kept", Flagged("open_without_amount", 1), rows=rows_with("X1,R1,2025-01-02,,open,")),
    Case(
        "amount_zero_won_flagged",
        Flagged("won_with_zero_amount", 1),
        rows=rows_with("X1,R1,2025-01-02,0,won,2025-02-01"),
    ),
    Case(
        "amount_numeric_constant",
        Value("amount", (1.0, 1.0, 1.0)),
        header="id,owner,created,status,closed",
        rows=("D1,R1,2025-01-02,won,2025-02-01", "D2,R1,2025-01-03,lost,2025-02-03", "D3,R2,2025-01-04,open,"),
        source={"columns": {k: v for k, v in COLUMNS.items() if k != "amount"}, "constants": {"amount": 1}},
    ),
    # --- dates ----------------------------------------------------------------------------------------
    Case("date_iso", Value("closed_at", ("2025-02-01",)), rows=date_rows("2025-02-01")),
    Case("date_slashes_ymd", Value("closed_at", ("2025-02-01",)), rows=date_rows("2025/02/01")),
    Case("date_chinese", Value("closed_at", ("2025-02-01",)), rows=date_rows("2025年2月1日")),
    Case(
        "date_dmy_decided", Value("closed_at", ("2025-04-01", "2025-06-25")), rows=date_rows("01/04/2025", "25/06/2025")
    ),
    Case(
        "date_mdy_decided", Value("closed_at", ("2025-01-04", "2025-06-25")), rows=date_rows("01/04/2025", "06/25/2025")
    ),
    Case("date_ambiguous_refused", Error("date_format"), rows=date_rows("01/04/2025", "05/06/2025")),
    Case(
        "date_format_param",
        Value("closed_at", ("2025-04-01", "2025-06-05")),
        rows=date_rows("01/04/2025", "05/06/2025"),
        source={"date_format": "%d/%m/%Y"},
    ),
    Case("date_offset_kept_local", Value("closed_at", ("2025-03-31",)), rows=date_rows("2025-03-31T23:30:00+08:00")),
    Case(
        "date_offset_timezone_param",
        Value("closed_at", ("2025-04-01",)),
        rows=date_rows("2025-03-31T23:30:00Z"),
        params={"data": {"timezone": "Asia/Shanghai"}},
    ),
    Case(
        "date_mixed_z_and_plain",
        Value("closed_at", ("2025-02-01", "2025-02-02")),
        rows=date_rows("2025-02-01T10:00:00Z", "2025-02-02"),
    ),
    Case("date_bad_text", Excluded("bad:closed_at", 1), rows=rows_with("X1,R1,2025-01-02,10,won,soon")),
    Case("date_feb_30", Excluded("bad:closed_at", 1), rows=rows_with("X1,R1,2025-01-02,10,won,2025-02-30")),
    Case(
        "date_closed_before_created",
        Excluded("closed_before_created", 1),
        rows=rows_with("X1,R1,2025-03-02,10,won,2025-02-01"),
    ),
    Case("date_won_without_closed", Excluded("missing:closed_at", 1), rows=rows_with("X1,R1,2025-01-02,10,won,")),
    Case(
        "date_lost_without_closed_kept",
        Flagged("lost_without_closed_at", 1),
        rows=rows_with("X1,R1,2025-01-02,10,lost,"),
    ),
    Case(
        "date_open_with_closed_flagged",
        Flagged("open_with_closed_at", 1),
        rows=rows_with("X1,R1,2025-01-02,10,open,2025-02-01"),
    ),
    # --- ids, owners, status ----------------------------------------------------------------------------
    Case("id_missing", Excluded("missing:deal_id", 1), rows=rows_with(",R1,2025-01-02,10,won,2025-02-01")),
    Case("id_duplicate", Excluded("duplicate_id", 1), rows=rows_with("D1,R1,2025-01-05,10,won,2025-02-01")),
    Case(
        "id_float_normalised",
        Value("deal_id", ("15", "16")),
        rows=("15.0,R1,2025-01-02,10,won,2025-02-01", "016,R1,2025-01-02,10,won,2025-02-01"),
    ),
    Case(
        "id_float_duplicate",
        Excluded("duplicate_id", 1),
        rows=("15.0,R1,2025-01-02,10,won,2025-02-01", "015,R1,2025-01-02,10,won,2025-02-01"),
    ),
    Case("owner_blank_kept", Flagged("unassigned", 1), rows=rows_with("X1,,2025-01-02,10,open,")),
    Case("status_unknown", Excluded("unknown_status", 1), rows=rows_with("X1,R1,2025-01-02,10,maybe,")),
    Case(
        "status_chinese",
        Value("status", ("won", "lost", "open")),
        rows=(
            "D1,R1,2025-01-02,10,赢单,2025-02-01",
            "D2,R1,2025-01-02,10,输单,2025-02-01",
            "D3,R1,2025-01-02,10,跟进中,",
        ),
    ),
    # --- files ------------------------------------------------------------------------------------------
    Case(
        "semicolon_file",
        Value("deal_id", ("D1", "D2", "D3")),
        data=lambda: (
            ";".join(HEADER.split(",")) + "\n" + "\n".join(r.replace(",", ";") for r in GOOD) + "\n"
        ).encode(),
    ),
    Case(
        "gb18030_file",
        Value("status", ("won", "lost", "open")),
        data=lambda: (
            "id,owner,created,amount,status,closed\nD1,张三,2025-01-02,10,赢单,2025-02-01\nD2,李四,2025-01-02,10,输单,2025-02-01\nD3,王五,2025-01-02,10,跟进中,\n"
        ).encode("gb18030"),
    ),
    Case(
        "utf8_bom_file",
        Value("deal_id", ("D1", "D2", "D3")),
        data=lambda: b"\xef\xbb\xbf" + ("\n".join([HEADER, *GOOD]) + "\n").encode(),
    ),
    Case(
        "utf16_bom_file",
        Value("deal_id", ("D1", "D2", "D3")),
        data=lambda: ("\n".join([HEADER, *GOOD]) + "\n").encode("utf-16"),
    ),
    Case(
        "utf16_no_bom_file",
        Value("deal_id", ("D1", "D2", "D3")),
        data=lambda: ("\n".join([HEADER, *GOOD]) + "\n").encode("utf-16-le"),
    ),
    Case("empty_file", Error("empty"), data=b""),
    Case("header_only", Error("deal"), rows=()),
    Case(
        "column_missing",
        Error("'owner'"),
        header="id,created,amount,status,closed",
        rows=("D1,2025-01-02,10,won,2025-02-01",),
    ),
    Case("two_char_delimiter", Error("delimiter"), source={"delimiter": "||"}),
    Case(
        "crlf_lines",
        Value("deal_id", ("D1", "D2", "D3")),
        data=lambda: ("\r\n".join([HEADER, *GOOD]) + "\r\n").encode(),
    ),
    Case(
        "title_row_above_header",
        Value("deal_id", ("D1", "D2", "D3")),
        data=lambda: ("Q3 商机导出 2025,,,,,\n" + "\n".join([HEADER, *GOOD]) + "\n").encode(),
    ),
    Case(
        "header_row_param",
        Value("deal_id", ("D1", "D2", "D3")),
        data=lambda: ("exported by CRM\n\n" + "\n".join([HEADER, *GOOD]) + "\n").encode(),
        source={"header_row": 3},
    ),
    # --- currencies ---------------------------------------------------------------------------------------
    Case(
        "currency_mixed_refused",
        Error("USD"),
        header=HEADER + ",cur",
        rows=("D1,R1,2025-01-02,100,won,2025-02-01,CNY", "D2,R1,2025-01-03,50,won,2025-02-03,USD"),
        source={"columns": {**COLUMNS, "cur": "currency"}},
    ),
    Case(
        "currency_fx_converted",
        Value("amount", (100.0, 355.0)),
        header=HEADER + ",cur",
        rows=("D1,R1,2025-01-02,100,won,2025-02-01,CNY", "D2,R1,2025-01-03,50,won,2025-02-03,USD"),
        source={"columns": {**COLUMNS, "cur": "currency"}},
        params={"data": {"fx": {"USD": 7.1}}},
    ),
    Case(
        "currency_fx_monthly",
        Value("amount", (710.0, 720.0)),
        header=HEADER + ",cur",
        rows=("D1,R1,2025-01-02,100,won,2025-01-20,USD", "D2,R1,2025-01-03,100,won,2025-02-03,USD"),
        source={"columns": {**COLUMNS, "cur": "currency"}},
        params={"data": {"fx": {"USD": {"2025-01": 7.1, "2025-02": 7.2}}}},
    ),
    Case(
        "currency_fx_month_missing",
        Error("2025-03"),
        header=HEADER + ",cur",
        rows=("D1,R1,2025-01-02,100,won,2025-03-20,USD",),
        source={"columns": {**COLUMNS, "cur": "currency"}},
        params={"data": {"fx": {"USD": {"2025-01": 7.1}}}},
    ),
]


def xlsx(*sheets: tuple[str, list[list[Any]]]) -> Callable[[], bytes]:
    """An XLSX file's bytes: sheets of rows (the first sheet first)."""

    def build() -> bytes:
        import io

        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        for title, rows in sheets:
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    return build


def _csv(*lines: str, encoding: str = "utf-8") -> Callable[[], bytes]:
    return lambda: ("\n".join(lines) + "\n").encode(encoding)


XLSX_ROWS = [HEADER.split(","), *[r.split(",") for r in GOOD]]
REPS = "rep,name,team\nR1,Ann,North\nR2,Bo,South\n"
REPS_TABLE = {"reps": {"file": "reps.csv", "columns": {"rep": "rep_id", "name": "name", "team": "team"}}}
HISTORY_TABLE = {
    "stage_history": {
        "file": "history.csv",
        "columns": {"deal": "deal_id", "stage": "stage", "at": "entered_at"},
    }
}
HISTORY_OK = ("deal,stage,at", "D1,Prospecting,2025-01-02", "D1,Won,2025-02-01", "D2,Prospecting,2025-01-03")
WON_FILE = "lead,owner,won_on,value\nL1,R1,2025-02-01,100\nL3,R2,2025-02-05,300\n"
LEADS_HEADER = "lead,state"
LEADS = ("L1,converted", "L2,closed", "L3,converted", "L4,working", "L5,closed")
LEAD_COLUMNS = {"lead": "deal_id"}
LEAD_LOOKUP = {
    "file": "won.csv",
    "key": "lead",
    "on": "deal_id",
    "columns": {"owner": "rep_id", "won_on": "closed_at", "value": "amount"},
}

CASES += [
    # --- more amounts -----------------------------------------------------------------------------------
    Case("amount_plus_sign", Value("amount", (5.0,)), rows=amount_rows("+5")),
    Case("amount_spaces_around", Value("amount", (7.0,)), rows=amount_rows(" 7 ")),
    Case("amount_exponent", Value("amount", (1000.0,)), rows=amount_rows("1e3")),
    Case("amount_dot_thousands_only", Value("amount", (1234567.0, 12.5)), rows=amount_rows("1.234.567", "12,5")),
    Case("amount_comma_thousands_decimals", Value("amount", (1234567.89,)), rows=amount_rows("1,234,567.89")),
    Case("amount_euro_suffix", Value("amount", (1234.5, 2.5)), rows=amount_rows("1.234,50 €", "2,5 €")),
    Case("amount_yuan_suffix", Value("amount", (300.0,)), rows=amount_rows("300元")),
    Case("amount_fullwidth_yen", Value("amount", (88.0,)), rows=amount_rows("￥88")),
    Case("amount_percent_bad", Excluded("bad:amount", 1), rows=rows_with('X1,R1,2025-01-02,"12%",won,2025-02-01')),
    Case(
        "amount_two_numbers_bad", Excluded("bad:amount", 1), rows=rows_with('X1,R1,2025-01-02,"1 2 3 x",won,2025-02-01')
    ),
    Case("amount_dash_missing_won", Excluded("bad:amount", 1), rows=rows_with("X1,R1,2025-01-02,-,won,2025-02-01")),
    Case("amount_huge_ok", Value("amount", (1e15,)), rows=amount_rows("1000000000000000")),
    Case("amount_nan_text_lower", Excluded("bad:amount", 1), rows=rows_with("X1,R1,2025-01-02,nan,won,2025-02-01")),
    Case("amount_infinity_word", Excluded("bad:amount", 1), rows=rows_with("X1,R1,2025-01-02,Infinity,won,2025-02-01")),
    Case("amount_decimal_point_param", Value("amount", (1234.0,)), rows=amount_rows("1,234"), source={"decimal": "."}),
    # --- more dates ---------------------------------------------------------------------------------------
    Case("date_compact", Value("closed_at", ("2025-02-01",)), rows=date_rows("20250201")),
    Case("date_dotted_ymd", Value("closed_at", ("2025-02-01",)), rows=date_rows("2025.02.01")),
    Case(
        "date_dotted_dmy", Value("closed_at", ("2025-02-01", "2025-02-25")), rows=date_rows("01.02.2025", "25.02.2025")
    ),
    Case("date_with_time", Value("closed_at", ("2025-02-01",)), rows=date_rows("2025-02-01 13:45")),
    Case("date_with_seconds_t", Value("closed_at", ("2025-02-01",)), rows=date_rows("2025-02-01T13:45:10")),
    Case("date_single_digits", Value("closed_at", ("2025-02-01",)), rows=date_rows("2025/2/1")),
    Case("date_offset_compact", Value("closed_at", ("2025-03-31",)), rows=date_rows("2025-03-31T23:30:00+0800")),
    Case("date_z_kept_as_written", Value("closed_at", ("2025-03-31",)), rows=date_rows("2025-03-31T23:30:00Z")),
    Case(
        "date_timezone_plain_not_shifted",
        Value("closed_at", ("2025-03-31",)),
        rows=date_rows("2025-03-31 23:30"),
        params={"data": {"timezone": "Asia/Shanghai"}},
    ),
    Case("date_offset_quarter_end", Value("closed_at", ("2025-12-31",)), rows=date_rows("2025-12-31T20:00:00+08:00")),
    Case(
        "date_ambiguous_with_time_refused", Error("date_format"), rows=date_rows("01/04/2025 10:00", "05/06/2025 11:00")
    ),
    Case(
        "date_format_param_mdy",
        Value("closed_at", ("2025-01-04", "2025-05-06")),
        rows=date_rows("01/04/2025", "05/06/2025"),
        source={"date_format": "%m/%d/%Y"},
    ),
    Case(
        "date_format_param_mismatch_bad",
        Excluded("bad:closed_at", 1),
        rows=(*GOOD, 'X1,R1,2025-01-02,10,won,"2025 Feb 1"'),
        source={"date_format": "%d/%m/%Y"},
    ),
    Case("date_month_13_bad", Excluded("bad:closed_at", 1), rows=rows_with("X1,R1,2025-01-02,10,won,2025-13-01")),
    Case("date_year_only_bad", Excluded("bad:closed_at", 1), rows=rows_with("X1,R1,2025-01-02,10,won,2025")),
    Case("date_created_bad", Excluded("bad:created_at", 1), rows=rows_with("X1,R1,never,10,won,2025-02-01")),
    Case(
        "date_created_missing_kept",
        Flagged("closed_without_created_at", 1),
        rows=rows_with("X1,R1,,10,lost,2025-02-01"),
    ),
    Case("date_leap_day", Value("closed_at", ("2024-02-29",)), rows=date_rows("2024-02-29")),
    Case("date_not_leap_bad", Excluded("bad:closed_at", 1), rows=rows_with("X1,R1,2025-01-02,10,won,2025-02-29")),
    # --- text, values ----------------------------------------------------------------------------------------
    Case("text_nbsp_trimmed", Value("rep_id", ("R1",)), rows=("D1,\u00a0R1\u00a0,2025-01-02,10,won,2025-02-01",)),
    Case("text_ideographic_space", Value("rep_id", ("R1",)), rows=("D1,\u3000R1,2025-01-02,10,won,2025-02-01",)),
    Case("text_quoted_newline", Value("deal_id", ("D1",)), rows=('"D1",R1,2025-01-02,10,won,2025-02-01',)),
    Case(
        "value_map_status",
        Value("status", ("won", "lost")),
        rows=("D1,R1,2025-01-02,10,Closed Won,2025-02-01", "D2,R1,2025-01-02,10,Dead,2025-02-01"),
        source={"values": {"status": {"Dead": "lost"}}},
    ),
    Case(
        "status_case_insensitive",
        Value("status", ("won", "lost")),
        rows=("D1,R1,2025-01-02,10,WON,2025-02-01", "D2,R1,2025-01-02,10,Closed Lost,2025-02-01"),
    ),
    Case("status_blank", Excluded("unknown_status", 1), rows=rows_with("X1,R1,2025-01-02,10,,")),
    Case(
        "status_from_stage",
        Value("status", ("won", "lost", "open")),
        header="id,owner,created,amount,stage,closed",
        rows=(
            "D1,R1,2025-01-02,10,Won,2025-02-01",
            "D2,R1,2025-01-02,10,Lost,2025-02-01",
            "D3,R1,2025-01-02,10,Proposal,",
        ),
        source={"columns": {**{k: v for k, v in COLUMNS.items() if k != "status"}, "stage": "stage"}},
    ),
    Case(
        "stage_unknown_without_status",
        Excluded("unknown_stage", 1),
        header="id,owner,created,amount,stage,closed",
        rows=("D1,R1,2025-01-02,10,Won,2025-02-01", "D2,R1,2025-01-02,10,Limbo,"),
        source={"columns": {**{k: v for k, v in COLUMNS.items() if k != "status"}, "stage": "stage"}},
    ),
    # --- status_from ------------------------------------------------------------------------------------------
    Case(
        "status_from_won_date",
        Value("status", ("won", "open")),
        header="id,owner,created,amount,won_on",
        rows=("D1,R1,2025-01-02,10,2025-02-01", "D2,R1,2025-01-02,10,"),
        source={
            "columns": {
                "id": "deal_id",
                "owner": "rep_id",
                "created": "created_at",
                "amount": "amount",
                "won_on": "closed_at",
            },
            "status_from": [{"status": "won", "column": "closed_at", "present": True}],
        },
    ),
    Case(
        "status_from_flags",
        Value("status", ("won", "lost", "open")),
        header="id,owner,created,amount,closed,IsWon,IsClosed",
        rows=(
            "D1,R1,2025-01-02,10,2025-02-01,true,true",
            "D2,R1,2025-01-02,10,2025-02-01,false,true",
            "D3,R1,2025-01-02,10,,false,false",
        ),
        source={
            "columns": {
                "id": "deal_id",
                "owner": "rep_id",
                "created": "created_at",
                "amount": "amount",
                "closed": "closed_at",
            },
            "status_from": [
                {"status": "won", "column": "IsWon", "equals": True},
                {"status": "lost", "column": "IsClosed", "equals": True},
            ],
        },
    ),
    Case(
        "status_from_flags_numeric",
        Value("status", ("won", "lost")),
        header="id,owner,created,amount,closed,IsWon,IsClosed",
        rows=("D1,R1,2025-01-02,10,2025-02-01,1,1", "D2,R1,2025-01-02,10,2025-02-01,0,1"),
        source={
            "columns": {
                "id": "deal_id",
                "owner": "rep_id",
                "created": "created_at",
                "amount": "amount",
                "closed": "closed_at",
            },
            "status_from": [
                {"status": "won", "column": "IsWon", "equals": True},
                {"status": "lost", "column": "IsClosed", "equals": True},
            ],
        },
    ),
    Case(
        "status_from_chinese_flag",
        Value("status", ("won", "open")),
        header="id,owner,created,amount,closed,赢单",
        rows=("D1,R1,2025-01-02,10,2025-02-01,是", "D2,R1,2025-01-02,10,,否"),
        source={
            "columns": {
                "id": "deal_id",
                "owner": "rep_id",
                "created": "created_at",
                "amount": "amount",
                "closed": "closed_at",
            },
            "status_from": [{"status": "won", "column": "赢单", "equals": True}],
        },
    ),
    Case(
        "status_from_unknown_column",
        Error("IsWon"),
        header="id,owner,created,amount,closed",
        rows=("D1,R1,2025-01-02,10,2025-02-01",),
        source={
            "columns": {
                "id": "deal_id",
                "owner": "rep_id",
                "created": "created_at",
                "amount": "amount",
                "closed": "closed_at",
            },
            "status_from": [{"status": "won", "column": "IsWon", "equals": True}],
        },
    ),
    Case(
        "status_from_on_lookup_column",
        Value("status", ("won", "lost", "won", "open", "lost")),
        header=LEADS_HEADER,
        rows=LEADS,
        source={
            "columns": LEAD_COLUMNS,
            "lookups": [{**LEAD_LOOKUP, "default": {"amount": "0"}}],
            "status_from": [
                {"status": "won", "column": "closed_at", "present": True},
                {"status": "lost", "column": "state", "equals": "closed"},
            ],
        },
        extra_files={"won.csv": WON_FILE},
    ),
    # --- lookups ----------------------------------------------------------------------------------------------
    Case(
        "lookup_unmatched_blank",
        Value("rep_id", ("R1", None, "R2", None, None)),
        header=LEADS_HEADER,
        rows=LEADS,
        source={
            "columns": LEAD_COLUMNS,
            "lookups": [LEAD_LOOKUP],
            "status_from": [
                {"status": "won", "column": "closed_at", "present": True},
                {"status": "lost", "column": "state", "equals": "closed"},
            ],
        },
        extra_files={"won.csv": WON_FILE},
    ),
    Case(
        "lookup_default_amount",
        Value("amount", (100.0, 0.0, 300.0, 0.0, 0.0)),
        header=LEADS_HEADER,
        rows=LEADS,
        source={
            "columns": LEAD_COLUMNS,
            "lookups": [{**LEAD_LOOKUP, "default": {"amount": 0}}],
            "status_from": [
                {"status": "won", "column": "closed_at", "present": True},
                {"status": "lost", "column": "state", "equals": "closed"},
            ],
        },
        extra_files={"won.csv": WON_FILE},
    ),
    Case(
        "lookup_leads_unassigned_flag",
        Flagged("unassigned", 3),
        header=LEADS_HEADER,
        rows=LEADS,
        source={
            "columns": LEAD_COLUMNS,
            "lookups": [LEAD_LOOKUP],
            "status_from": [
                {"status": "won", "column": "closed_at", "present": True},
                {"status": "lost", "column": "state", "equals": "closed"},
            ],
        },
        extra_files={"won.csv": WON_FILE},
    ),
    Case(
        "lookup_repeated_key",
        Error("repeats keys"),
        header=LEADS_HEADER,
        rows=LEADS,
        source={"columns": LEAD_COLUMNS, "lookups": [LEAD_LOOKUP]},
        extra_files={"won.csv": WON_FILE + "L1,R2,2025-02-02,5\n"},
    ),
    Case(
        "lookup_file_missing",
        Error("won.csv"),
        header=LEADS_HEADER,
        rows=LEADS,
        source={"columns": LEAD_COLUMNS, "lookups": [LEAD_LOOKUP]},
    ),
    Case(
        "lookup_column_missing",
        Error("won_on"),
        header=LEADS_HEADER,
        rows=LEADS,
        source={"columns": LEAD_COLUMNS, "lookups": [LEAD_LOOKUP]},
        extra_files={"won.csv": "lead,owner,value\nL1,R1,100\n"},
    ),
    Case(
        "lookup_overwrites_constant_refused",
        Error("overwrite"),
        header=LEADS_HEADER,
        rows=LEADS,
        source={"columns": LEAD_COLUMNS, "constants": {"amount": 1}, "lookups": [LEAD_LOOKUP]},
        extra_files={"won.csv": WON_FILE},
    ),
    Case(
        "lookup_default_unknown_column",
        Error("default"),
        header=LEADS_HEADER,
        rows=LEADS,
        source={"columns": LEAD_COLUMNS, "lookups": [{**LEAD_LOOKUP, "default": {"segment": "x"}}]},
        extra_files={"won.csv": WON_FILE},
    ),
    # --- reps, ids across tables --------------------------------------------------------------------------------
    Case(
        "rep_unknown",
        Excluded("unknown_rep", 1),
        rows=rows_with("X1,R9,2025-01-02,10,won,2025-02-01"),
        params={"data": {"tables": REPS_TABLE}},
        extra_files={"reps.csv": REPS},
    ),
    Case(
        "rep_duplicate",
        Excluded("duplicate_id", 1, table="reps"),
        params={"data": {"tables": REPS_TABLE}},
        extra_files={"reps.csv": REPS + "R1,Ann again,North\n"},
    ),
    Case(
        "rep_ids_leading_zero_match",
        Value("rep_id", ("15", "15")),
        rows=("D1,015,2025-01-02,10,won,2025-02-01", "D2,15.0,2025-01-02,10,lost,2025-02-01"),
        params={"data": {"tables": REPS_TABLE}},
        extra_files={"reps.csv": "rep,name,team\n15,Ann,North\n"},
    ),
    Case(
        "rep_ids_as_written",
        Excluded("unknown_rep", 1),
        rows=("D1,015,2025-01-02,10,won,2025-02-01", "D2,15,2025-01-02,10,lost,2025-02-01"),
        params={"data": {"normalise_ids": False, "tables": REPS_TABLE}},
        extra_files={"reps.csv": "rep,name,team\n15,Ann,North\n"},
    ),
    Case(
        "rep_id_not_mapped_all_unassigned",
        Flagged("unassigned", 3),
        header="id,created,amount,status,closed",
        rows=("D1,2025-01-02,10,won,2025-02-01", "D2,2025-01-02,10,lost,2025-02-01", "D3,2025-01-02,10,open,"),
        source={"columns": {k: v for k, v in COLUMNS.items() if k != "owner"}},
    ),
    # --- stage history ---------------------------------------------------------------------------------------------
    Case(
        "history_ok",
        Value("stage", ("Prospecting", "Won", "Prospecting"), table="stage_history"),
        params={"data": {"tables": HISTORY_TABLE}},
        extra_files={"history.csv": "\n".join(HISTORY_OK) + "\n"},
    ),
    Case(
        "history_unknown_stage",
        Excluded("unknown_stage", 1, table="stage_history"),
        params={"data": {"tables": HISTORY_TABLE}},
        extra_files={"history.csv": "\n".join([*HISTORY_OK, "D1,Limbo,2025-01-05"]) + "\n"},
    ),
    Case(
        "history_unknown_deal",
        Excluded("unknown_deal", 1, table="stage_history"),
        params={"data": {"tables": HISTORY_TABLE}},
        extra_files={"history.csv": "\n".join([*HISTORY_OK, "D9,Won,2025-01-05"]) + "\n"},
    ),
    Case(
        "history_duplicate_entry",
        Excluded("duplicate_entry", 1, table="stage_history"),
        params={"data": {"tables": HISTORY_TABLE}},
        extra_files={"history.csv": "\n".join([*HISTORY_OK, "D1,Won,2025-02-01"]) + "\n"},
    ),
    Case(
        "history_missing_date",
        Excluded("missing:entered_at", 1, table="stage_history"),
        params={"data": {"tables": HISTORY_TABLE}},
        extra_files={"history.csv": "\n".join([*HISTORY_OK, "D2,Proposal,"]) + "\n"},
    ),
    Case(
        "history_deal_id_float",
        Value("deal_id", ("1", "1"), table="stage_history"),
        rows=("1,R1,2025-01-02,100,won,2025-02-01",),
        params={"data": {"tables": HISTORY_TABLE}},
        extra_files={"history.csv": "deal,stage,at\n1.0,Prospecting,2025-01-02\n001,Won,2025-02-01\n"},
    ),
    # --- files, encodings, sheets ------------------------------------------------------------------------------------
    Case(
        "cp1252_file",
        Value("rep_id", ("José",)),
        data=_csv(HEADER, "D1,José,2025-01-02,10,won,2025-02-01", encoding="cp1252"),
    ),
    Case(
        "gb18030_chinese_headers",
        Value("rep_id", ("张三", "李四")),
        data=_csv(
            "编号,负责人,创建时间,金额,状态,成交日期",
            "D1,张三,2025-01-02,10,赢单,2025-02-01",
            "D2,李四,2025-01-02,10,输单,2025-02-01",
            encoding="gb18030",
        ),
        source={
            "columns": {
                "编号": "deal_id",
                "负责人": "rep_id",
                "创建时间": "created_at",
                "金额": "amount",
                "状态": "status",
                "成交日期": "closed_at",
            }
        },
    ),
    Case("utf16_be_no_bom", Value("deal_id", ("D1", "D2", "D3")), data=_csv(HEADER, *GOOD, encoding="utf-16-be")),
    Case(
        "tab_file", Value("deal_id", ("D1", "D2", "D3")), data=_csv(*("\t".join(x.split(",")) for x in (HEADER, *GOOD)))
    ),
    Case(
        "pipe_file", Value("deal_id", ("D1", "D2", "D3")), data=_csv(*("|".join(x.split(",")) for x in (HEADER, *GOOD)))
    ),
    Case(
        "comma_header_semicolon_rows",
        Value("deal_id", ("D1", "D2", "D3")),
        data=_csv(HEADER, *(r.replace(",", ";") for r in GOOD)),
    ),
    Case(
        "header_repeated_column",
        Error("repeat"),
        data=_csv("id,owner,created,amount,status,closed,id", *(r + ",x" for r in GOOD)),
    ),
    Case("ragged_rows", Error("deals.csv"), data=_csv(HEADER, *GOOD, "D4,R1,2025-01-02,10,won,2025-02-01,extra,more")),
    Case("binary_garbage", Error("deals.csv"), data=bytes(range(256)) * 4),
    Case("xlsx_file", Value("deal_id", ("D1", "D2", "D3")), file="deals.xlsx", data=xlsx(("Deals", XLSX_ROWS))),
    Case(
        "xlsx_title_row",
        Value("deal_id", ("D1", "D2", "D3")),
        file="deals.xlsx",
        data=xlsx(("Deals", [["Q3 商机导出 2025"], [], *XLSX_ROWS])),
    ),
    Case(
        "xlsx_data_on_second_sheet",
        Error("Data"),
        file="deals.xlsx",
        data=xlsx(("Notes", [["exported 2025-10-01"]]), ("Data", XLSX_ROWS)),
    ),
    Case(
        "xlsx_sheet_param",
        Value("deal_id", ("D1", "D2", "D3")),
        file="deals.xlsx",
        data=xlsx(("Notes", [["exported 2025-10-01"]]), ("Data", XLSX_ROWS)),
        source={"sheet": "Data"},
    ),
    Case(
        "xlsx_real_dates",
        Value("closed_at", ("2025-02-01",)),
        file="deals.xlsx",
        data=xlsx(
            (
                "Deals",
                [
                    HEADER.split(","),
                    [
                        "D1",
                        "R1",
                        __import__("datetime").datetime(2025, 1, 2),
                        10,
                        "won",
                        __import__("datetime").datetime(2025, 2, 1),
                    ],
                ],
            )
        ),
    ),
    Case(
        "xlsx_numbers_as_amounts",
        Value("amount", (10.5,)),
        file="deals.xlsx",
        data=xlsx(("Deals", [HEADER.split(","), ["D1", "R1", "2025-01-02", 10.5, "won", "2025-02-01"]])),
    ),
    Case(
        "xlsx_numeric_ids",
        Value("deal_id", ("15",)),
        file="deals.xlsx",
        data=xlsx(("Deals", [HEADER.split(","), [15, "R1", "2025-01-02", 10, "won", "2025-02-01"]])),
    ),
    Case("not_a_workbook", Error("deals.xlsx"), file="deals.xlsx", data=b"this is not a zip file"),
    Case("parquet_missing_file", Error("deals.parquet"), file="other.csv", source={"file": "deals.parquet"}),
    # --- params -----------------------------------------------------------------------------------------------------
    Case("params_duplicate_key", Error("line"), yaml_tail="client: other\n"),
    Case(
        "params_duplicate_stage",
        Error("more than once"),
        params={"stages": {"order": ["Prospecting", "Proposal", "Proposal", "Won"], "won": "Won", "lost": "Lost"}},
    ),
    Case("params_unknown_key", Error("did you mean"), source={"colums": {}}),
    Case("params_unknown_canonical", Error("not a column"), source={"columns": {**COLUMNS, "amount": "amout"}}),
    Case("params_bad_timezone", Error("timezone"), params={"data": {"timezone": "Mars/Olympus"}}),
    Case("params_fx_negative", Error("positive"), params={"data": {"fx": {"USD": -1}}}),
    Case(
        "params_status_rule_two_tests",
        Error("exactly one"),
        source={"status_from": [{"status": "won", "column": "status", "present": True, "equals": "x"}]},
    ),
    Case("params_header_row_zero", Error("header_row"), source={"header_row": 0}),
    Case("params_decimal_other", Error("decimal"), source={"decimal": ";"}),
    # --- currencies -------------------------------------------------------------------------------------------------
    Case(
        "currency_single_other_refused",
        Error("USD"),
        header=HEADER + ",cur",
        rows=("D1,R1,2025-01-02,100,won,2025-02-01,USD",),
        source={"columns": {**COLUMNS, "cur": "currency"}},
    ),
    Case(
        "currency_same_as_report",
        Value("amount", (100.0,)),
        header=HEADER + ",cur",
        rows=("D1,R1,2025-01-02,100,won,2025-02-01,CNY",),
        source={"columns": {**COLUMNS, "cur": "currency"}},
    ),
    Case(
        "currency_lowercase_code",
        Value("amount", (710.0,)),
        header=HEADER + ",cur",
        rows=("D1,R1,2025-01-02,100,won,2025-02-01,usd",),
        source={"columns": {**COLUMNS, "cur": "currency"}},
        params={"data": {"fx": {"USD": 7.1}}},
    ),
    Case(
        "currency_blank_is_report",
        Value("amount", (100.0, 710.0)),
        header=HEADER + ",cur",
        rows=("D1,R1,2025-01-02,100,won,2025-02-01,", "D2,R1,2025-01-02,100,won,2025-02-01,USD"),
        source={"columns": {**COLUMNS, "cur": "currency"}},
        params={"data": {"fx": {"USD": 7.1}}},
    ),
    Case(
        "currency_missing_from_fx",
        Error("EUR"),
        header=HEADER + ",cur",
        rows=("D1,R1,2025-01-02,100,won,2025-02-01,EUR", "D2,R1,2025-01-02,100,won,2025-02-01,USD"),
        source={"columns": {**COLUMNS, "cur": "currency"}},
        params={"data": {"fx": {"USD": 7.1}}},
    ),
]

CASES += [
    Case(
        "header_rows_delimiter_count_differs",
        Error("delimiter"),
        data=_csv("id,owner,created,amount,status", *(r.replace(",", ";") for r in GOOD)),
    ),
]
