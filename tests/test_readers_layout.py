"""Real exports' layouts: BOM-less UTF-16, a header with another delimiter, title rows above the
header, data on another sheet, odd delimiters and encodings — read right or refused clearly."""

import itertools
import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from salesnb.data.engine import Workspace
from salesnb.data.readers import (
    ROW,
    SheetSummary,
    detect_delimiter,
    detect_encoding,
    find_header_row,
    read_table_file,
    sheet_hint,
)
from salesnb.errors import DataError

HEADER = "deal_id,owner,amount,status"
ROWS = ("D1,张伟,100,won", "D2,李娜,50,lost", "D3,王芳,70,open")
_names = itertools.count()


@pytest.fixture(scope="module")
def workspace():
    with Workspace() as ws:
        yield ws


@pytest.fixture
def write(tmp_path):
    def write(data: bytes | str, name: str = "deals.csv"):
        path = tmp_path / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    return write


def _lines(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


# --- UTF-16 without a byte-order mark -------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected_and_read(workspace, write, encoding):
    path = write(_lines(HEADER, *ROWS).encode(encoding))
    raw = read_table_file(path, workspace=workspace)
    assert raw.info.encoding == encoding
    assert raw.headers == ("deal_id", "owner", "amount", "status")
    assert raw.frame["owner"].tolist() == ["张伟", "李娜", "王芳"]
    assert raw.frame[ROW].tolist() == [2, 3, 4]


def test_utf16_byte_order_is_told_even_when_cjk_characters_hold_nul_bytes():
    # 一 is U+4E00: its little-endian bytes (00 4E) look like big-endian ASCII; ASCII still outnumbers it.
    sample = _lines("名称,数量", "一号,1", "一一,一").encode("utf-16-le")
    assert detect_encoding(sample) == "utf-16-le"
    assert detect_encoding(_lines("一,一").encode("utf-16-le")) == "utf-16-le"  # a tie: Windows' order
    assert detect_encoding(_lines(HEADER, *ROWS).encode("utf-16-be")) == "utf-16-be"


def test_explicit_utf16_without_bom_reads_either_byte_order(workspace, write):
    path = write(_lines(HEADER, *ROWS).encode("utf-16-be"))
    raw = read_table_file(path, encoding="UTF-16", workspace=workspace)
    assert raw.info.encoding == "utf-16-be"
    assert raw.frame["deal_id"].tolist() == ["D1", "D2", "D3"]


def test_utf32_with_bom_is_read(workspace, write):
    raw = read_table_file(write(_lines(HEADER, *ROWS).encode("utf-32")), workspace=workspace)
    assert raw.info.encoding == "utf-32"
    assert raw.frame["amount"].tolist() == ["100", "50", "70"]


def test_nul_bytes_in_a_utf8_file_are_a_clear_error(workspace, write):
    path = write(_lines(HEADER, "D1,R1,1,won").encode() + b"\0\0\0\0D2,R2,2,won\n")
    with pytest.raises(DataError, match=r"deals\.csv: line 3 holds a NUL byte when read as utf-8"):
        read_table_file(path, workspace=workspace)


# --- a header written with another delimiter than its rows ----------------------------------------


def test_comma_header_over_semicolon_rows_is_read_right(workspace, write):
    path = write(_lines(HEADER, *(r.replace(",", ";") for r in ROWS)))
    raw = read_table_file(path, workspace=workspace)
    assert raw.headers == ("deal_id", "owner", "amount", "status")
    assert (raw.info.delimiter, raw.info.header_delimiter) == (";", ",")
    assert raw.frame["status"].tolist() == ["won", "lost", "open"]
    assert raw.frame[ROW].tolist() == [2, 3, 4]


def test_comma_header_over_semicolon_rows_with_decimal_commas_and_all_text_values(workspace, write):
    # Values that are all text (a data row could pass for a header) and decimal commas in the rows.
    path = write(_lines("deal_id,owner,amount", "D1;Ann;1,5", "D2;Bob;2,5"))
    raw = read_table_file(path, workspace=workspace)
    assert raw.frame[["deal_id", "owner", "amount"]].values.tolist() == [["D1", "Ann", "1,5"], ["D2", "Bob", "2,5"]]


def test_header_with_another_delimiter_and_another_column_count_is_a_clear_error(workspace, write):
    path = write(_lines("deal_id,owner,amount", "D1;R1;100;won", "D2;R2;50;lost"))
    with pytest.raises(DataError) as error:
        read_table_file(path, workspace=workspace)
    message = str(error.value)
    assert "deals.csv: the header (row 1) is separated by ',' into 3 columns" in message
    assert "by ';' into 4" in message
    assert "'deal_id,owner,amount'" in message and "'D1;R1;100;won'" in message
    assert "'delimiter:'" in message


def test_explicit_delimiter_with_a_header_written_otherwise_is_read_right(workspace, write):
    path = write(_lines("deal_id|amount", "D1;1,5", "D2;7"))
    raw = read_table_file(path, delimiter=";", workspace=workspace)
    assert raw.frame["amount"].tolist() == ["1,5", "7"]
    assert raw.info.header_delimiter == "|"


def test_delimiter_is_the_one_splitting_the_rows_not_the_header():
    assert detect_delimiter("id,amount\nD1;1,5\nD2;2,5\nD3;7\n") == ";"
    assert detect_delimiter("Nom;Montant\nRené;1 200,5\nZoë;300,25\n") == ";"
    assert detect_delimiter('a,b\n"x;y",1\n"z;w",2\n') == ","


# --- title rows above the header ------------------------------------------------------------------


def test_merged_title_row_above_a_csv_header_is_skipped(workspace, write):
    path = write(_lines("Q3 商机导出 2025,,,", "", HEADER, *ROWS))
    raw = read_table_file(path, workspace=workspace)
    assert raw.headers == ("deal_id", "owner", "amount", "status")
    assert raw.info.header_row == 3 and raw.info.rows == 3
    assert raw.frame[ROW].tolist() == [4, 5, 6]  # the lines the rows are on in an editor


def test_several_title_lines_with_commas_and_dates_are_skipped(workspace, write):
    path = write(_lines("Pipeline report, Q3 2025", "Exported 2025-10-01 08:00", "", HEADER, *ROWS))
    raw = read_table_file(path, workspace=workspace)
    assert raw.info.header_row == 4
    assert raw.frame["deal_id"].tolist() == ["D1", "D2", "D3"]


def test_header_row_param_names_the_row(workspace, write):
    path = write(_lines("exported by CRM", "", HEADER, *ROWS))
    raw = read_table_file(path, header_row=3, workspace=workspace)
    assert raw.info.header_row == 3 and raw.frame[ROW].tolist() == [4, 5, 6]
    # Row 1 as the header: its one name, then the rows' other columns unnamed; the real header is a row.
    one = read_table_file(path, header_row=1, workspace=workspace)
    assert one.headers == ("exported by CRM", "column 2", "column 3", "column 4")
    assert one.frame["column 2"].tolist() == ["owner", "张伟", "李娜", "王芳"]


def test_values_beyond_the_named_csv_columns_are_kept(workspace, write):
    raw = read_table_file(write(_lines("deal_id,amount", "D1,100,note", "D2,50", "D3,70,x")), workspace=workspace)
    assert raw.headers == ("deal_id", "amount", "column 3")
    assert raw.frame["column 3"].tolist() == ["note", None, "x"]


def test_header_row_past_the_end_is_a_clear_error(workspace, write):
    path = write(_lines(HEADER, *ROWS))
    with pytest.raises(DataError, match=r"deals\.csv: header_row is 9 but the file has only 4 rows"):
        read_table_file(path, header_row=9, workspace=workspace)


def test_blank_header_row_named_by_the_params_is_a_clear_error(workspace, write):
    path = write(_lines("title", "", HEADER, *ROWS))
    with pytest.raises(DataError, match=r"deals\.csv: row 2 has no column names"):
        read_table_file(path, header_row=2, workspace=workspace)


def test_line_breaks_inside_title_and_cells_keep_spreadsheet_row_numbers(workspace, write):
    path = write('"Q3\nreport"\n' + _lines(HEADER, 'D1,"two\nlines",100,won', "D2,R2,50,lost"))
    raw = read_table_file(path, workspace=workspace)
    assert raw.info.header_row == 2
    assert raw.frame["owner"].tolist() == ["two\nlines", "R2"]
    assert raw.frame[ROW].tolist() == [3, 4]  # Excel shows one row per record


def test_find_header_row_rules():
    assert find_header_row([["Q3 商机导出 2025"], [], ["deal_id", "amount"], ["D1", 100]]) == 2
    assert find_header_row([["Sales by year"], ["rep", 2023, 2024], ["Ann", 10, 12]]) == 1
    assert find_header_row([["id", "amount", "amount"], ["D1", 1, 2]]) == 0  # repeated names: still the header
    assert find_header_row([[None, None], ["a", "b"]]) == 1
    assert find_header_row([]) == 0


def test_repeated_header_names_name_the_row(workspace, write):
    path = write(_lines("title", "id,amount,amount", "1,2,3"))
    with pytest.raises(DataError, match=r"the header \(row 2\) repeats column\(s\) \['amount'\]"):
        read_table_file(path, workspace=workspace)


# --- workbooks --------------------------------------------------------------------------------------


def _workbook(path, sheets: dict[str, list[list]], merge: dict[str, str] | None = None):
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if merge and name in merge:
            sheet.merge_cells(merge[name])
    book.save(path)
    return path


DEALS_SHEET = [["deal_id", "amount", "created", "status"]] + [
    [f"D{i}", 10.0 * i, datetime(2025, 1, 1 + i), "won"] for i in range(1, 4)
]


def test_xlsx_merged_title_row_above_the_header(workspace, tmp_path):
    path = _workbook(
        tmp_path / "deals.xlsx", {"商机": [["Q3 商机导出 2025"], [], *DEALS_SHEET]}, merge={"商机": "A1:D1"}
    )
    raw = read_table_file(path, workspace=workspace)
    assert raw.headers == ("deal_id", "amount", "created", "status")
    assert raw.info.header_row == 3 and raw.info.rows == 3
    assert raw.frame[ROW].tolist() == [4, 5, 6]
    assert raw.frame["amount"].tolist() == [10.0, 20.0, 30.0]
    explicit = read_table_file(path, header_row=3, workspace=workspace)
    assert explicit.frame[ROW].tolist() == [4, 5, 6]


def test_xlsx_values_beyond_the_named_columns_are_kept(workspace, tmp_path):
    rows = [["deal_id", "amount"], ["D1", 100, "first note"], ["D2", 50], ["D3", 70, "third note"]]
    raw = read_table_file(_workbook(tmp_path / "deals.xlsx", {"Deals": rows}), workspace=workspace)
    assert raw.info.header_row == 1
    assert raw.headers == ("deal_id", "amount", "column 3")
    assert raw.frame["column 3"].tolist() == ["first note", None, "third note"]


def test_xlsx_empty_first_sheet_lists_the_sheets(workspace, tmp_path):
    path = _workbook(tmp_path / "deals.xlsx", {"Cover": [], "Deals": DEALS_SHEET, "Notes": [["note"]]})
    with pytest.raises(DataError) as error:
        read_table_file(path, workspace=workspace)
    message = str(error.value)
    assert "deals.xlsx: sheet 'Cover' is empty." in message
    assert "'Deals' (3 rows; deal_id, amount, created, status)" in message
    assert "'Notes' (0 rows; note)" in message and "'sheet:'" in message


def test_xlsx_header_only_sheet_lists_the_sheets(workspace, tmp_path):
    path = _workbook(tmp_path / "deals.xlsx", {"Template": [["deal_id", "amount"]], "Data": DEALS_SHEET})
    with pytest.raises(DataError, match=r"sheet 'Template' has a header \(row 1\) but no data rows.*'Data' \(3 rows"):
        read_table_file(path, workspace=workspace)


def test_xlsx_cover_sheet_read_gives_a_sheet_hint_for_missing_columns(workspace, tmp_path):
    cover = [["Q3 pipeline"], ["prepared by"], ["sales ops"]]
    path = _workbook(tmp_path / "deals.xlsx", {"Cover": cover, "Deals": DEALS_SHEET})
    raw = read_table_file(path, workspace=workspace)
    assert raw.info.sheet == "Cover"
    assert raw.info.sheets == (
        SheetSummary("Cover", 2, ("Q3 pipeline",)),
        SheetSummary("Deals", 3, ("deal_id", "amount", "created", "status")),
    )
    hint = sheet_hint(raw.info)
    assert hint.startswith(" Read sheet 'Cover'")
    assert "'Deals' (3 rows; deal_id, amount, created, status)" in hint
    deals = read_table_file(path, sheet="Deals", workspace=workspace)
    assert deals.frame["deal_id"].tolist() == ["D1", "D2", "D3"]


def test_sheet_hint_is_empty_for_csv_and_single_sheet_workbooks(workspace, tmp_path, write):
    assert sheet_hint(read_table_file(write(_lines(HEADER, *ROWS)), workspace=workspace).info) == ""
    path = _workbook(tmp_path / "one.xlsx", {"Deals": DEALS_SHEET})
    assert sheet_hint(read_table_file(path, workspace=workspace).info) == ""


def test_sheet_listing_counts_rows_beyond_the_scanned_top_from_the_stored_size(workspace, tmp_path):
    big = [["deal_id", "amount"]] + [[f"D{i}", i] for i in range(120)]
    path = _workbook(tmp_path / "deals.xlsx", {"Cover": [["title"], ["x"]], "Deals": big})
    raw = read_table_file(path, workspace=workspace)
    assert raw.info.sheets[1] == SheetSummary("Deals", 120, ("deal_id", "amount"))


def test_xlsx_with_a_wrong_stored_size_is_read_whole(workspace, tmp_path):
    path = _workbook(tmp_path / "deals.xlsx", {"Deals": DEALS_SHEET})
    # Some writers store the size as A1:A1; a reader trusting it would see one cell.
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:A1"', parts[sheet])
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    raw = read_table_file(path, workspace=workspace)
    assert raw.headers == ("deal_id", "amount", "created", "status")
    assert raw.frame["status"].tolist() == ["won", "won", "won"]


# --- delimiters and encodings named in the params file -------------------------------------------


def test_two_character_delimiter_is_supported(workspace, write):
    path = write(_lines("deal_id||amount||note", 'D1||100||"a||b"', "D2||50||"))
    raw = read_table_file(path, delimiter="||", workspace=workspace)
    assert raw.frame[["deal_id", "amount", "note"]].values.tolist() == [["D1", "100", "a||b"], ["D2", "50", None]]
    assert raw.info.delimiter == "||"


@pytest.mark.parametrize(
    ("delimiter", "message"),
    [
        ("|||||", r"deals\.csv: the params file sets delimiter '\|\|\|\|\|', which is 5 bytes; a delimiter is 1 to 4"),
        ('"', r"deals\.csv: the params file sets delimiter '\"'; a delimiter cannot hold a quote"),
        ("||", r"deals\.csv: the params file sets delimiter '\|\|', but no row .* has it; ',' splits them into 4"),
    ],
)
def test_unusable_delimiter_is_a_clear_error(workspace, write, delimiter, message):
    with pytest.raises(DataError, match=message):
        read_table_file(write(_lines(HEADER, *ROWS)), delimiter=delimiter, workspace=workspace)


def test_explicit_delimiter_on_a_single_column_file_reads_it(workspace, write):
    raw = read_table_file(write(_lines("note", "a, b", "c, d")), delimiter=";", workspace=workspace)
    assert raw.frame["note"].tolist() == ["a, b", "c, d"]


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("utf-9", r"deals\.csv: unknown encoding 'utf-9' in the params file\. Did you mean 'utf-8'"),
        ("base64", r"deals\.csv: unknown encoding 'base64'"),
    ],
)
def test_unknown_encoding_is_a_clear_error(workspace, write, encoding, message):
    with pytest.raises(DataError, match=message):
        read_table_file(write(_lines(HEADER, *ROWS)), encoding=encoding, workspace=workspace)


def test_short_rows_and_line_breaks_in_cells_are_read_together(workspace, write):
    # DuckDB's parallel reader refuses this mix; the file is then read serially.
    path = write(_lines(HEADER, 'D1,"R1\nR2",100,won', "D2,R3", "D3,R4,70,open"))
    raw = read_table_file(path, workspace=workspace)
    assert raw.frame["owner"].tolist() == ["R1\nR2", "R3", "R4"]
    assert raw.frame["status"].tolist() == ["won", None, "open"]


def test_row_wider_than_the_header_names_the_line(workspace, write):
    path = write(_lines(HEADER, *ROWS, "D4,R5,1,won,extra"))
    with pytest.raises(DataError) as error:
        read_table_file(path, workspace=workspace)
    message = str(error.value)
    assert "deals.csv: not a well-formed CSV with delimiter ',' and the header on row 1 (4 columns)" in message
    assert "line 5: 5 columns: 'D4,R5,1,won,extra'" in message
