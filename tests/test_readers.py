"""Each loader path and encoding, and the clear errors for unreadable files."""

from datetime import datetime

import pandas as pd
import pytest
from openpyxl import Workbook

from salesnb.data.readers import ROW, detect_delimiter, detect_encoding, read_table_file
from salesnb.errors import DataError

CHINESE = '商机编号,负责人,创建日期,金额,状态\nD1,张伟,2025/01/05,"￥1,234.50",赢单\nD2,李娜,2025/02/10,800,输单\n'
WESTERN = "Nom;Société;Montant\nRené;Crédit Agricole;1 200,5\nZoë;Société Générale;300\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_chinese_csv_in_every_encoding_excel_writes(tmp_path, encoding):
    path = tmp_path / "deals.csv"
    path.write_bytes(CHINESE.encode(encoding))
    raw = read_table_file(path)
    assert list(raw.frame.columns) == [ROW, "商机编号", "负责人", "创建日期", "金额", "状态"]
    assert raw.frame["负责人"].tolist() == ["张伟", "李娜"]
    assert raw.frame["金额"].tolist() == ["￥1,234.50", "800"]
    assert raw.frame[ROW].tolist() == [2, 3]
    assert raw.info.encoding == {"gbk": "gb18030", "utf-8-sig": "utf-8-sig"}.get(encoding, encoding)
    assert raw.info.rows == 2 and len(raw.info.sha256) == 64


def test_cp1252_semicolon_csv(tmp_path):
    path = tmp_path / "clients.csv"
    path.write_bytes(WESTERN.encode("cp1252"))
    raw = read_table_file(path)
    assert raw.info.encoding == "cp1252" and raw.info.delimiter == ";"
    assert raw.frame["Société"].tolist() == ["Crédit Agricole", "Société Générale"]


def test_tab_delimiter_and_explicit_settings(tmp_path):
    path = tmp_path / "deals.tsv"
    path.write_text("a\tb\n1\t2\n", encoding="utf-8")
    assert read_table_file(path).info.delimiter == "\t"
    path2 = tmp_path / "pipe.csv"
    path2.write_text("a|b\n1|2\n", encoding="utf-8")
    raw = read_table_file(path2, encoding="utf-8", delimiter="|")
    assert raw.frame["b"].tolist() == ["2"]


def test_wrong_explicit_encoding_is_a_clear_error(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(CHINESE.encode("gb18030"))
    with pytest.raises(DataError, match=r"deals\.csv: cannot be read as utf-8: byte \d+"):
        read_table_file(path, encoding="utf-8")


def test_xlsx_with_chinese_headers_and_date_cells(tmp_path):
    path = tmp_path / "deals.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "商机"
    sheet.append(["商机编号", "创建日期", "金额"])
    sheet.append(["D1", datetime(2025, 3, 1), 1200.5])
    sheet.append(["D2", "2025-03-02", "¥300"])
    book.create_sheet("other")
    book.save(path)
    raw = read_table_file(path)
    assert raw.info.sheet == "商机"
    # A column mixing real dates (or numbers) with text arrives as text: ISO for the date cells.
    assert raw.frame["创建日期"].tolist() == ["2025-03-01 00:00:00", "2025-03-02"]
    assert raw.frame["金额"].tolist() == ["1200.5", "¥300"]
    assert raw.frame[ROW].tolist() == [2, 3]
    with pytest.raises(DataError, match=r"has no sheet 'Deals'; its sheets are \['商机', 'other'\]"):
        read_table_file(path, sheet="Deals")


def test_parquet(tmp_path):
    path = tmp_path / "deals.parquet"
    pd.DataFrame({"deal_id": ["D1", "D2"], "amount": [1.0, 2.0]}).to_parquet(path)
    raw = read_table_file(path)
    assert raw.frame["amount"].tolist() == [1.0, 2.0]
    assert raw.frame[ROW].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "the file is empty"), (b"deal_id,amount\n", "has a header but no data rows")],
)
def test_empty_files(tmp_path, content, message):
    path = tmp_path / "deals.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_table_file(path)


def test_missing_file_and_unsupported_type(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_table_file(tmp_path / "nope.csv")
    old = tmp_path / "deals.xls"
    old.write_bytes(b"x")
    with pytest.raises(DataError, match="old .xls workbooks are not supported"):
        read_table_file(old)


def test_repeated_header_is_rejected(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("id,amount,amount\n1,2,3\n", encoding="utf-8")
    with pytest.raises(DataError, match="repeats column"):
        read_table_file(path)


def test_detectors_on_samples():
    assert detect_encoding("编号".encode("gb18030")) == "gb18030"
    assert detect_encoding("café".encode("cp1252")) == "cp1252"
    assert detect_encoding(b"plain ascii") == "utf-8"
    assert detect_delimiter("a;b;c\n1;2;3\n") == ";"
    assert detect_delimiter("single\n1\n") == ","
