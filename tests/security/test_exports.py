"""Exports cannot execute: text a spreadsheet would read as a formula is neutralised, numbers stay numbers.

The end-to-end check (a formula planted in client data reaching 00_excluded_rows.csv/.xlsx of a real
run) lives in test_escaping.py, beside the one render both need.
"""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pandas as pd
import pytest
from openpyxl import load_workbook

from salesnb.render.report import Report, write_csv, write_xlsx
from salesnb.safety import neutralise_cell, neutralise_formulas

FORMULAS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]
HARMLESS = ["Ann", "a=1", "'already quoted", "华东", ""]
# Signed numbers kept as text (an excluded row as read): a spreadsheet reads only the number.
NUMBERS_AS_TEXT = ["-5", "-40410.00", "+3", "-1,234.5", "-1e5", ".5"]


def payload_frame() -> pd.DataFrame:
    n = len(FORMULAS)
    return pd.DataFrame(
        {
            "text": FORMULAS,
            "category": pd.Categorical(FORMULAS),
            "string": pd.array(FORMULAS, dtype="string"),
            "harmless": (HARMLESS * 2)[:n],
            "amount": [-5, 3.5, -0.25, 0, 1e9, -1e-3, 7.0],
            "count": [-5, 3, 0, 1, 2, 3, 4],
            "=1+2": ["x"] * n,  # a client column name is text as well
        }
    )


def read_csv_rows(path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("payload", FORMULAS)
def test_neutralise_cell_prefixes_a_quote(payload):
    assert neutralise_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", [-5, 3.5, -0.0, None, *HARMLESS, *NUMBERS_AS_TEXT])
def test_neutralise_cell_leaves_numbers_and_plain_text(value):
    assert neutralise_cell(value) == value or (value is None and neutralise_cell(value) is None)


@pytest.mark.parametrize("payload", ["-1+1", "-5 ", "- 5", "-", "+1-cmd", "-5e", "\t-5", "@5"])
def test_neutralise_cell_quotes_anything_more_than_a_plain_number(payload):
    assert neutralise_cell(payload) == "'" + payload


def test_neutralise_formulas_keeps_the_input_and_the_dtypes():
    frame = payload_frame()
    before = frame.copy()
    safe = neutralise_formulas(frame)
    pd.testing.assert_frame_equal(frame, before)  # the input is not touched
    assert safe["amount"].dtype == frame["amount"].dtype and safe["count"].dtype == frame["count"].dtype
    assert list(safe.columns)[-1] == "'=1+2"
    assert safe["text"].tolist() == ["'" + p for p in FORMULAS]


def test_csv_export_neutralises_formulas_and_keeps_numbers(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(payload_frame(), path)
    header, *rows = read_csv_rows(path)
    assert header == ["text", "category", "string", "harmless", "amount", "count", "'=1+2"]
    for row, payload in zip(rows, FORMULAS, strict=True):
        assert row[0] == row[1] == row[2] == "'" + payload
    assert [r[3] for r in rows] == (HARMLESS * 2)[: len(FORMULAS)]
    assert [r[4] for r in rows][:2] == ["-5.0", "3.5"]
    assert [r[5] for r in rows][:2] == ["-5", "3"]
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for row in rows for cell in row)


def assert_safe_sheet(sheet, n_rows: int) -> None:
    header = [c.value for c in sheet[1]]
    assert header == ["text", "category", "string", "harmless", "amount", "count", "'=1+2"]
    assert all(c.data_type == "s" for c in sheet[1])
    for i, payload in enumerate(FORMULAS[:n_rows], start=2):
        text_cells = sheet[i][:3]
        assert [c.data_type for c in text_cells] == ["s", "s", "s"], f"row {i} holds a formula"
        # XML turns a stored CR into LF when read back: the cell is still text starting with "'".
        assert [c.value for c in text_cells] == ["'" + payload.replace("\r", "\n")] * 3
    amount, count = sheet["E2"], sheet["F2"]
    assert (amount.data_type, amount.value) == ("n", -5)
    assert (count.data_type, count.value) == ("n", -5)
    assert (sheet["E3"].data_type, sheet["E3"].value) == ("n", 3.5)
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_xlsx_export_writes_text_as_strings_and_numbers_as_numbers(tmp_path):
    path = tmp_path / "out.xlsx"
    write_xlsx({"excluded": payload_frame(), "=sheet": payload_frame().head(2)}, path)
    book = load_workbook(path)
    assert book.sheetnames == ["excluded", "=sheet"]
    assert_safe_sheet(book["excluded"], len(FORMULAS))
    assert_safe_sheet(book["=sheet"], 2)


def test_report_export_and_workbook_are_formula_safe(tmp_path):
    report = Report(name="audit", params=SimpleNamespace(language="en"), data=None, output_dir=tmp_path)
    report.export(payload_frame(), "00_excluded_rows")
    report.export_workbook({"rows": payload_frame(), "other": payload_frame()}, "01_diagnosis_tables")
    header, *rows = read_csv_rows(tmp_path / "00_excluded_rows.csv")
    assert [r[0] for r in rows] == ["'" + p for p in FORMULAS]
    assert_safe_sheet(load_workbook(tmp_path / "00_excluded_rows.xlsx").active, len(FORMULAS))
    book = load_workbook(tmp_path / "01_diagnosis_tables.xlsx")
    for sheet in book.worksheets:
        assert_safe_sheet(sheet, len(FORMULAS))


def test_csv_quotes_a_carriage_return_so_no_new_row_starts_with_a_formula(tmp_path):
    # Excel starts a new row at a bare CR; unquoted, "x\r=1+1" would put the formula =1+1 in column A.
    path = tmp_path / "out.csv"
    write_csv(pd.DataFrame({"name": ["x\r=1+1", "Ann"], "amount": [1, 2]}), path)
    raw = path.read_bytes().decode("utf-8-sig")
    assert raw == 'name,amount\r\n"x\r=1+1",1\r\nAnn,2\r\n'
    assert read_csv_rows(path) == [["name", "amount"], ["x\r=1+1", "1"], ["Ann", "2"]]
