"""Property tests of the CSV sniffer and reader: generated tables come back cell for cell.

Tables are written the way spreadsheet tools write them (csv module, minimal quoting) with
each detected delimiter and encoding, then read with everything on 'auto'. Arbitrary bytes
must give a table or a DataError, never another exception.
"""

import itertools

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from salesnb.data.engine import Workspace
from salesnb.data.readers import ROW, read_table_file
from salesnb.errors import DataError

# Column names as exports write them; the Chinese ones keep to GB2312, as real GB18030 files do.
NAMES = ("商机编号", "负责人", "金额", "状态", "客户名称", "deal_id", "amount", "stage", "Société", "owner name")
# Cell text: quotes, every delimiter, line breaks inside cells, CJK, accents and spaces.
CELL_CHARS = "aZ09 .-\"',;|\t\n\r商机编号张伟李娜赢单输单￥é"
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le", "utf-16-be")
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
_names = itertools.count()


@pytest.fixture(scope="module")
def workspace():
    with Workspace() as ws:
        yield ws


def _file(workspace, data: bytes):
    path = workspace.path(f"generated_{next(_names)}.csv")
    path.write_bytes(data)
    return path


def _csv_text(rows, delimiter: str, newline: str) -> str:
    """CSV as Excel writes it (RFC 4180): a cell holding the delimiter, a quote or a line break is quoted.

    (The csv module quotes a lone carriage return only when it is part of ``lineterminator``.)
    """

    def cell(text: str) -> str:
        if any(ch in text for ch in (delimiter, '"', "\r", "\n")):
            return '"' + text.replace('"', '""') + '"'
        return text

    return "".join(delimiter.join(cell(c) for c in row) + newline for row in rows)


@st.composite
def tables(draw):
    width = draw(st.integers(2, 5))
    header = draw(st.lists(st.sampled_from(NAMES), min_size=width, max_size=width, unique=True))
    cells = st.text(alphabet=CELL_CHARS, max_size=8)
    rows = draw(st.lists(st.lists(cells, min_size=width, max_size=width), min_size=1, max_size=6))
    return header, rows


@SETTINGS
@given(
    table=tables(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(ENCODINGS),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_generated_tables_read_back_cell_for_cell(workspace, table, delimiter, encoding, newline):
    header, rows = table
    if encoding == "gb18030":
        header = ["商机编号", *[n for n in header if n != "商机编号"]][: len(header)]  # a Chinese file has Chinese text
    path = _file(workspace, _csv_text([header, *rows], delimiter, newline).encode(encoding))

    raw = read_table_file(path, workspace=workspace)

    assert raw.headers == tuple(header)
    assert raw.info.delimiter == delimiter
    assert raw.info.header_row == 1
    frame = raw.frame
    got = [[cell if cell is not None else "" for cell in row] for row in frame[list(header)].values.tolist()]
    assert got == rows
    assert frame[ROW].tolist()[0] == 2 and raw.info.rows == len(rows)


@SETTINGS
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_give_a_table_or_a_data_error(workspace, data):
    assume(data)
    path = _file(workspace, data)
    try:
        raw = read_table_file(path, workspace=workspace)
    except DataError as exc:
        assert str(path) in str(exc)
    else:
        assert raw.info.rows >= 1 and len(raw.headers) >= 1


@SETTINGS
@given(
    text=st.text(alphabet='ab1,;|\t"\n\r 商', max_size=120),
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-16-le"]),
    delimiter=st.sampled_from(["auto", ",", "||"]),
    header_row=st.sampled_from(["auto", 1, 2]),
)
def test_arbitrary_csv_like_text_gives_a_table_or_a_data_error(workspace, text, encoding, delimiter, header_row):
    assume(text)
    path = _file(workspace, text.encode(encoding))
    try:
        raw = read_table_file(path, delimiter=delimiter, header_row=header_row, workspace=workspace)
    except DataError as exc:
        assert str(path) in str(exc)
    else:
        assert raw.info.rows >= 1 and raw.info.header_row >= 1
