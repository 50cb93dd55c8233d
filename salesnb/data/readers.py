"""Read client files (CSV, XLSX, Parquet) into the load's DuckDB as tables of raw values.

Nothing is typed by guessing: CSV cells arrive as text, Parquet and XLSX columns keep
the types the file stores. Parsing dates and amounts happens later, explicitly, in
:mod:`salesnb.data.parse`. DuckDB reads CSV and Parquet itself; what it cannot
(non-UTF-8 encodings, XLSX) is decoded in Python, streaming, and handed over.

Only the first rows are parsed in Python (at most :data:`SCAN_ROWS`, from the first
``SNIFF_BYTES``) to find the encoding, the delimiter and the header row; title rows and
blank rows above the header are skipped (``header_row: auto``) and are not data rows.
Each table carries ``_row``, the row number as a spreadsheet shows it. For a CSV that is the
record number (an editor's line number unless cells hold line breaks); DuckDB drops blank
lines between data rows, so rows after one are numbered one lower than their line.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import itertools
import json
import re
import statistics
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import NamedTuple

import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from salesnb.config import SNIFF_BYTES
from salesnb.data.engine import Workspace
from salesnb.errors import DataError

ROW = "_row"  # source row number kept for example rows (spreadsheet numbering: header is row 1)
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
SUPPORTED = CSV_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES
UTF8 = ("utf-8", "utf-8-sig", "ascii")  # codec names DuckDB reads directly
DELIMITERS = ",;\t|"  # the ones detected; any other of 1-4 bytes can be set in the params file
MAX_DELIMITER_BYTES = 4  # DuckDB's read_csv limit
SCAN_ROWS = 50  # rows read in Python to find the header (never the whole file)
TITLE_ROWS = 30  # the header is looked for among this many rows at the top
FOLLOWING_ROWS = 20  # rows below a header candidate that it is compared with
SHOWN_HEADERS = 5  # column names shown per sheet in a workbook's sheet listing
COMMON_ENCODINGS = (
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "gb18030",
    "gbk",
    "big5",
    "cp1252",
    "latin-1",
    "shift_jis",
)


class SheetSummary(NamedTuple):
    """One sheet of a workbook: its name, the rows under its header and its first column names."""

    name: str
    rows: int
    headers: tuple[str, ...]


@dataclass(frozen=True)
class SourceInfo:
    """What was read: shown in the report header as the data snapshot.

    ``header_row`` is the 1-based row of the column names (rows above it were titles or blank);
    ``header_delimiter`` is set when the header line used another delimiter than the rows;
    ``sheets`` lists every sheet of a workbook (see :func:`sheet_hint`).
    """

    path: str
    sha256: str
    size_bytes: int
    rows: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    header_delimiter: str | None = None
    sheets: tuple[SheetSummary, ...] = ()


@dataclass(frozen=True)
class RawTable:
    """A file's rows as an Ibis table in the workspace (``_row`` first, then the file's columns)."""

    table: ir.Table
    info: SourceInfo
    headers: tuple[str, ...]
    workspace: Workspace

    @property
    def frame(self) -> pd.DataFrame:
        """The rows in pandas, in file order (small files: tests, lookups)."""
        return self.table.order_by(ROW).to_pandas()


def resolve_file(base_dir: Path, pattern: str) -> Path | None:
    """The file a table entry names; ``deals.*`` picks the first supported match."""
    if "*" not in pattern:
        path = (base_dir / pattern).expanduser()
        return path if path.exists() else None
    matches = sorted(p for p in base_dir.glob(pattern) if p.suffix.lower() in SUPPORTED)
    order = [".csv", ".parquet", ".xlsx", ".tsv", ".txt", ".pq", ".xlsm"]
    matches.sort(key=lambda p: order.index(p.suffix.lower()))
    return matches[0] if matches else None


def read_table_file(
    path: Path,
    *,
    encoding: str = "auto",
    delimiter: str = "auto",
    sheet: str | int | None = None,
    header_row: int | str = "auto",
    workspace: Workspace | None = None,
) -> RawTable:
    """Read one file into ``workspace`` (a private one when not given) as a table of raw values.

    ``header_row`` is the 1-based row holding the column names, or ``"auto"`` to skip title
    and blank rows above it (see :func:`find_header_row`). Rows above the header are not data.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found.")
    size = path.stat().st_size
    if size == 0:
        raise DataError(f"{path}: the file is empty (0 bytes).")
    _check_header_row(path, header_row)
    workspace = workspace or Workspace()
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        table, headers, extra = _read_csv(workspace, path, encoding, delimiter, header_row)
    elif suffix in EXCEL_SUFFIXES:
        table, headers, extra = _read_excel(workspace, path, sheet, header_row)
    elif suffix in PARQUET_SUFFIXES:
        table, headers, extra = _read_parquet(workspace, path)
    elif suffix == ".xls":
        raise DataError(f"{path}: old .xls workbooks are not supported; save it as .xlsx or CSV.")
    else:
        raise DataError(f"{path}: unsupported file type '{suffix}'; use CSV, XLSX or Parquet.")
    rows = int(table.count().to_pyarrow().as_py())
    if rows == 0:
        where = f" (the header is row {extra['header_row']})" if extra.get("header_row") else ""
        raise DataError(f"{path}: the file has a header but no data rows{where}.")
    info = SourceInfo(str(path), sha256_of(path), size, rows, **extra)
    return RawTable(table, info, tuple(headers), workspace)


def read_headers(
    path: Path,
    sheet: str | int | None = None,
    encoding: str = "auto",
    delimiter: str = "auto",
    header_row: int | str = "auto",
) -> list[str]:
    """The column names of a file, read cheaply: only its first rows (CSV, XLSX) or its schema (Parquet).

    The same encoding, delimiter and header-row detection as :func:`read_table_file`, so the names
    are the ones a load would see (blank header cells named ``column N``). No data row is parsed
    or counted: a file with a header and no rows still gives its names.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found.")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty (0 bytes).")
    _check_header_row(path, header_row)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        with path.open("rb") as handle:
            sample = handle.read(SNIFF_BYTES)
        complete = len(sample) < SNIFF_BYTES
        codec = _resolve_encoding(path, encoding, sample, complete)
        text = _decode_sample(sample, codec).removeprefix("\ufeff")
        if not text.strip():
            raise DataError(f"{path}: the file is empty.")
        layout = _csv_layout(path, text, delimiter, header_row, complete)
        _check_headers(path, layout.header, layout.header_index + 1)
        return _named(layout.header)
    if suffix in EXCEL_SUFFIXES:
        workbook = _open_workbook(path)
        try:
            name = _sheet_name(path, workbook.sheetnames, sheet)
            rows = _sheet_rows(workbook, name)
            scan = SCAN_ROWS if header_row == "auto" else int(header_row) + SCAN_ROWS
            top = list(itertools.islice(rows, scan))
            if not any(_width(row) for row in top):
                raise DataError(f"{path}: sheet '{name}' is empty.")
            header, _ = _sheet_header(path, name, top, header_row)
        finally:
            workbook.close()
        return _named(header)
    if suffix in PARQUET_SUFFIXES:
        import pyarrow.parquet as pq

        try:
            names = list(pq.read_schema(path).names)
        except Exception as exc:  # pyarrow raises several types for a damaged or non-Parquet file
            raise DataError(f"{path}: cannot be read as Parquet ({type(exc).__name__}: {str(exc)[:200]}).") from None
        _check_headers(path, names, 1)
        return names
    if suffix == ".xls":
        raise DataError(f"{path}: old .xls workbooks are not supported; save it as .xlsx or CSV.")
    raise DataError(f"{path}: unsupported file type '{suffix}'; use CSV, XLSX or Parquet.")


def list_sheets(path: Path) -> list[str]:
    """The sheet names of a workbook, in order; an empty list for a CSV or Parquet file."""
    path = Path(path)
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        return []
    if not path.is_file():
        raise DataError(f"{path}: file not found.")
    workbook = _open_workbook(path)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def _check_header_row(path: Path, header_row: object) -> None:
    if header_row != "auto" and (isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1):
        raise DataError(f"{path}: header_row must be 'auto' or a row number from 1; got {header_row!r}.")


def sheet_hint(info: SourceInfo) -> str:
    """A sentence listing a workbook's sheets, to append to a 'column missing' message.

    Empty for a CSV or Parquet file and for a workbook with one sheet; otherwise it starts
    with a space, so callers can write ``message + sheet_hint(info)``.

    >>> info = SourceInfo("deals.xlsx", "", 0, 1, sheet="Cover", sheets=(
    ...     SheetSummary("Cover", 1, ("Q3 report",)), SheetSummary("Deals", 2000, ("deal_id", "amount"))))
    >>> print(sheet_hint(info).strip())
    Read sheet 'Cover'; the workbook's sheets: 'Cover' (1 row; Q3 report), 'Deals' (2,000 rows; deal_id, amount). Set 'sheet:' for this table in the params file to read another.
    """
    if len(info.sheets) < 2:
        return ""
    listing = ", ".join(_sheet_line(s) for s in info.sheets)
    return (
        f" Read sheet '{info.sheet}'; the workbook's sheets: {listing}. "
        "Set 'sheet:' for this table in the params file to read another."
    )


def _sheet_line(summary: SheetSummary) -> str:
    names = ", ".join(summary.headers[:SHOWN_HEADERS]) + (", …" if len(summary.headers) > SHOWN_HEADERS else "")
    rows = f"{summary.rows:,} row{'' if summary.rows == 1 else 's'}"
    return f"'{summary.name}' ({rows}; {names or 'empty'})"


def _clean_header(name: object) -> str:
    return str(name).replace("\ufeff", "").strip()


def _check_headers(path: Path, names: list[str], row: int) -> None:
    doubled = sorted({n for n in names if names.count(n) > 1 and n})
    if doubled:
        raise DataError(
            f"{path}: the header (row {row}) repeats column(s) {doubled}; column names must be unique. "
            "If the column names are on another row, set 'header_row:' for this table in the params file."
        )
    if not names or all(n == "" for n in names):
        raise DataError(
            f"{path}: row {row} has no column names; the file needs a header row "
            "(set 'header_row:' in the params file if it is not this row)."
        )


def _named(names: list[str]) -> list[str]:
    """Blank header cells get a name so their columns can still be shown as 'column N'."""
    return [n or f"column {i + 1}" for i, n in enumerate(names)]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --- the header row ---------------------------------------------------------------------------------

_VALUE_CHARS = re.compile(r"[\d\s.,:/\-+%'’()¥￥$€£年月日时分秒TZ]*")


def _is_label(value: object) -> bool:
    """A column-name-like cell: text that is not a number, a date or a time."""
    if not isinstance(value, str) or not value.strip():
        return False
    text = value.strip()
    return not (_VALUE_CHARS.fullmatch(text) and any(ch.isdigit() for ch in text))


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _width(cells: Sequence[object]) -> int:
    """Position of the last filled cell (0 for a blank row)."""
    return next((i + 1 for i in range(len(cells) - 1, -1, -1) if not _is_blank(cells[i])), 0)


def _header_candidates(rows: Sequence[Sequence[object]]) -> tuple[int | None, ...]:
    """Rows that could be the header, best first (None where there is none); see :func:`find_header_row`."""
    widths = [_width(cells) for cells in rows]
    filled_rows = [i for i, w in enumerate(widths) if w]
    labels_row = narrow_row = shape_row = None
    for position, i in enumerate(filled_rows[:TITLE_ROWS]):
        width = widths[i]
        filled = [c for c in rows[i][:width] if not _is_blank(c)]
        if 2 * len(filled) < width:
            continue
        names = [str(c).strip() for c in filled]
        labels = all(_is_label(c) for c in filled) and len(set(names)) == len(names)
        below = [widths[j] for j in filled_rows[position + 1 : position + 1 + FOLLOWING_ROWS]]
        if below and width < statistics.median_low(below):
            if labels and len(filled) >= 2 and narrow_row is None:
                narrow_row = i
            continue  # narrower than the rows under it: a title or a note, unless no better header follows
        if shape_row is None:
            shape_row = i
        if labels:
            labels_row = i
            break
    return labels_row, narrow_row, shape_row, (filled_rows[0] if filled_rows else None)


def find_header_row(rows: Sequence[Sequence[object]]) -> int:
    """Index of the header among a table's first rows, skipping title and blank rows above it.

    The header is the first row that is at least as wide as the median row under it (a title --
    one merged cell, a note -- is narrower), has most of its cells filled, and holds distinct labels
    (text that is not a number or a date). Failing that, in turn: the first narrower row of two or
    more distinct labels (a header over unnamed columns); the first row passing the width tests
    (columns named ``2023``, ``2024``); the first non-blank row. 0 when every row is blank.

    >>> find_header_row([["Q3 商机导出 2025", None], [], ["deal_id", "amount"], ["D1", "100"]])
    2
    >>> find_header_row([["Sales by year"], ["rep", "2023", "2024"], ["Ann", "10", "12"]])
    1
    >>> find_header_row([["deal_id", "amount"], ["D1", "100", "note"], ["D2", "50", "note"]])
    0
    """
    return next((i for i in _header_candidates(rows) if i is not None), 0)


# --- encodings ----------------------------------------------------------------------------------------


def detect_encoding(sample: bytes, *, complete: bool = True) -> str:
    """Guess the encoding of a CSV sample: UTF-8 (with or without BOM), UTF-16, GB18030 or cp1252.

    UTF-16 without a byte-order mark is told by its NUL bytes: the ASCII characters every CSV
    has (digits, delimiters, line breaks) leave a NUL at each odd byte (little-endian) or each
    even byte (big-endian). GB18030 decodes almost any byte string, so Western text in cp1252
    would also 'decode'; real Chinese text keeps to GB2312 characters, which is the test used.

    >>> detect_encoding("单号,金额".encode("gb18030"))
    'gb18030'
    >>> detect_encoding("Société,Montant".encode("cp1252"))
    'cp1252'
    >>> detect_encoding("id,金额\\n".encode("utf-16-be"))
    'utf-16-be'
    """
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\0" in sample:
        utf16 = _utf16_order(sample, complete)
        if utf16:
            return utf16
    if _decodes(sample, "utf-8", complete):
        return "utf-8"
    if _decodes(sample, "gb18030", complete):
        text = codecs.getincrementaldecoder("gb18030")().decode(sample, final=complete)
        wide = [ch for ch in text if ord(ch) > 127]
        in_gb2312 = sum(1 for ch in wide if _encodes(ch, "gb2312"))
        if wide and in_gb2312 / len(wide) >= 0.9:
            return "gb18030"
    if _decodes(sample, "cp1252", complete):
        return "cp1252"
    return "latin-1"


def _utf16_order(sample: bytes, complete: bool) -> str | None:
    """'utf-16-le' or 'utf-16-be' when byte pairs holding one NUL are common (ASCII in UTF-16).

    ``(x, 0)`` pairs are ASCII characters in little-endian order, ``(0, x)`` in big-endian (or
    CJK characters such as 一 U+4E00 in the other order); the larger count wins, little-endian
    (what Windows writes) on a tie. ``(0, 0)`` pairs (NUL padding) say nothing.
    """
    head = sample[: 1 << 16]
    pairs = list(zip(head[0::2], head[1::2], strict=False))
    little = sum(1 for a, b in pairs if b == 0 and a != 0)
    big = sum(1 for a, b in pairs if a == 0 and b != 0)
    filled = sum(1 for a, b in pairs if a or b)
    if little + big < 2 or little + big < 0.05 * filled:
        return None
    order = "utf-16-le" if little >= big else "utf-16-be"
    return order if _decodes(sample, order, complete) else None


def _decodes(sample: bytes, encoding: str, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _encodes(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _resolve_encoding(path: Path, encoding: str | None, sample: bytes, complete: bool) -> str:
    """The codec to read ``path`` with: detected for 'auto', else the params file's name checked."""
    if encoding in ("auto", "", None):
        return detect_encoding(sample, complete=complete)
    try:
        codec = codecs.lookup(encoding)
    except (LookupError, TypeError):
        codec = None
    if codec is None or not getattr(codec, "_is_text_encoding", True):
        close = difflib.get_close_matches(str(encoding).lower(), COMMON_ENCODINGS, n=3, cutoff=0.5)
        suggestion = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise DataError(
            f"{path}: unknown encoding {encoding!r} in the params file.{suggestion} "
            f"Use a name such as {', '.join(COMMON_ENCODINGS[:8])}, or 'auto' to detect it."
        )
    if codec.name == "utf-16" and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _utf16_order(sample, complete) or "utf-16-le"  # no byte-order mark: tell the order by the NULs
    return codec.name


# --- delimiters and the layout of a CSV ---------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    """One CSV record of the sample: its cells and its text as written (line breaks inside cells kept)."""

    cells: list[str]
    text: str


@dataclass(frozen=True)
class _Layout:
    delimiter: str
    header_index: int  # 0-based record number of the header (blank records counted, as DuckDB's skip does)
    header: list[str]
    header_delimiter: str | None = None


def _records(text: str, delimiter: str, limit: int, complete: bool) -> list[_Record]:
    """The first ``limit`` records of ``text``, split the way DuckDB's reader splits them."""
    stand_in = delimiter
    if len(delimiter) > 1:  # the csv module splits on one character: map the delimiter to an unused one
        stand_in = next(ch for ch in "\x1f\x1e\x1d\x1c\ue000\ue001\ue002" if ch not in text)
        text = text.replace(delimiter, stand_in)
    lines: list[str] = []

    def feed() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            lines.append(line)
            yield line

    reader = csv.reader(feed(), delimiter=stand_in, quotechar='"', doublequote=True, strict=False)
    records: list[_Record] = []
    start = 0
    exhausted = True
    try:
        for cells in reader:
            raw = "".join(lines[start : reader.line_num]).rstrip("\r\n")
            start = reader.line_num
            if stand_in != delimiter:
                cells = [c.replace(stand_in, delimiter) for c in cells]
                raw = raw.replace(stand_in, delimiter)
            records.append(_Record(cells, raw))
            if len(records) >= limit:
                exhausted = False
                break
    except csv.Error as exc:
        raise DataError(f"cannot split the first lines on {delimiter!r}: {exc}") from None
    if exhausted and not complete and records:
        records.pop()  # the sample may end inside its last record
    return records


def _split(text: str, delimiter: str) -> list[str]:
    records = _records(text, delimiter, 1, True)
    return records[0].cells if records else []


def _delimiter_score(records: list[_Record]) -> tuple[float, int]:
    """How well a delimiter splits a sample, and the usual column count it gives.

    The score is the share of rows with the usual count, the first row (a header or a title)
    counting half a row: a delimiter that also breaks quoted line breaks into extra rows does not
    gain from them, and the header only decides between delimiters that split the rows equally well.
    """
    counts = [len(r.cells) for r in records if _width(r.cells)]
    wide = [n for n in counts if n >= 2]
    if not wide:
        return 0.0, 1
    tally = Counter(wide)
    usual = max(tally, key=lambda n: (tally[n], n))
    matches = sum(n == usual for n in counts[1:]) + 0.5 * (counts[0] == usual)
    return matches / max(1, len(counts) - 1), usual


def detect_delimiter(text: str) -> str:
    """The delimiter of a CSV sample among comma, semicolon, tab and pipe (comma if unsure).

    The one splitting most rows into the same number of columns wins; the first row (a header
    or a title) only breaks ties, so a header written with another delimiter than its rows
    does not decide for them.

    >>> detect_delimiter("id,amount\\nD1;1,5\\nD2;2,5\\nD3;7\\n")
    ';'
    """
    return _pick_delimiter(text, SCAN_ROWS, complete=True)


def _pick_delimiter(text: str, limit: int, *, complete: bool) -> str:
    best, best_score = ",", (0.0, 1)
    for candidate in DELIMITERS:
        try:
            score = _delimiter_score(_records(text, candidate, limit, complete))
        except DataError:
            continue
        if score[0] > 0 and score > best_score:  # equally good: the one giving more columns
            best, best_score = candidate, score
    return best


def _checked_delimiter(path: Path, delimiter: str) -> str:
    delimiter = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(delimiter, delimiter)
    size = len(delimiter.encode("utf-8"))
    if not delimiter or size > MAX_DELIMITER_BYTES:
        raise DataError(
            f"{path}: the params file sets delimiter {delimiter!r}, which is {size} bytes; a delimiter is 1 to "
            f"{MAX_DELIMITER_BYTES} bytes (e.g. ',', ';', '\\t', '|' or '||'), or 'auto' to detect it."
        )
    if any(ch in delimiter for ch in '"\r\n'):
        raise DataError(
            f"{path}: the params file sets delimiter {delimiter!r}; a delimiter cannot hold a quote or a line break."
        )
    return delimiter


def _usual_width(records: list[_Record]) -> int:
    return _delimiter_score(records)[1]


def _resplit(record: _Record, delimiter: str) -> tuple[str, list[str]] | None:
    """A one-cell row that another delimiter splits into distinct labels: a header written differently."""
    if len(record.cells) != 1:
        return None
    for other in DELIMITERS:
        if other == delimiter or other not in record.text:
            continue
        cells = [_clean_header(c) for c in _split(record.text, other)]
        if len(cells) >= 2 and all(_is_label(c) for c in cells) and len(set(cells)) == len(cells):
            return other, cells
    return None


def _csv_layout(path: Path, text: str, delimiter: str, header_row: int | str, complete: bool) -> _Layout:
    """Delimiter and header row of a CSV from its first rows.

    A header line written with another delimiter than the rows (``id,amount`` over ``D1;100``)
    is read as the header when it splits into exactly as many names as the rows have columns:
    the names then line up one to one with the values, which is what the person who made the
    file meant, and the mismatch is recorded on :class:`SourceInfo`. When the counts differ,
    no reading is right, so it is an error naming both delimiters and showing both lines.
    """
    limit = SCAN_ROWS if header_row == "auto" else int(header_row) + SCAN_ROWS
    given = delimiter not in ("auto", "", None)
    if given:
        delimiter = _checked_delimiter(path, delimiter)
    try:
        if not given:
            delimiter = _pick_delimiter(text, limit, complete=complete)
        records = _records(text, delimiter, limit, complete)
    except DataError as exc:
        raise DataError(f"{path}: {exc}") from None
    if not any(_width(r.cells) for r in records):
        raise DataError(f"{path}: the file is empty (no filled cell in its first {len(records)} rows).")
    usual = _usual_width(records)
    if given and usual == 1:
        _check_delimiter_used(path, text, delimiter, records, limit, complete)
    if header_row == "auto":
        return _auto_header(path, records, delimiter, usual)
    index = int(header_row) - 1
    if index >= len(records):
        where = "the file has" if complete else "the first part of the file read has"
        raise DataError(
            f"{path}: header_row is {header_row} but {where} only {len(records)} rows; "
            "set 'header_row:' to the row holding the column names (or 'auto')."
        )
    split = _resplit(records[index], delimiter) if usual >= 2 else None
    if split and len(split[1]) == usual:
        return _Layout(delimiter, index, split[1], split[0])
    if split:
        _mismatch(path, records, index, delimiter, split, usual)
    return _Layout(delimiter, index, _header_cells(records[index], usual))


def _header_cells(record: _Record, usual: int) -> list[str]:
    """The header's names, with blank ones added when the rows have more columns (read as 'column N')."""
    names = [_clean_header(c) for c in record.cells]
    return names + [""] * (usual - len(names))


def _auto_header(path: Path, records: list[_Record], delimiter: str, usual: int) -> _Layout:
    candidates = _header_candidates([r.cells for r in records])
    labels_row = candidates[0]
    if usual >= 2:
        # Only rows above the table's body can be a header written with another delimiter.
        body = next((i for i, r in enumerate(records) if len(r.cells) == usual and _width(r.cells) >= 2), 0)
        for index in range(min(body, TITLE_ROWS)):
            split = _resplit(records[index], delimiter)
            if split and len(split[1]) == usual:
                return _Layout(delimiter, index, split[1], split[0])
            if split and labels_row is None:
                _mismatch(path, records, index, delimiter, split, usual)
    index = next(i for i in candidates if i is not None)
    return _Layout(delimiter, index, _header_cells(records[index], usual))


def _mismatch(path: Path, records: list[_Record], index: int, delimiter: str, split, usual: int):
    other, names = split
    row = next((i for i in range(index + 1, len(records)) if len(records[i].cells) == usual), None)
    sample = f"; row {row + 1}: {records[row].text[:120]!r}" if row is not None else ""
    raise DataError(
        f"{path}: the header (row {index + 1}) is separated by {other!r} into {len(names)} columns but the rows "
        f"under it by {delimiter!r} into {usual}: header {records[index].text[:120]!r}{sample}. "
        f"Make the header use {delimiter!r} like the rows, or set 'delimiter:' for this table in the params "
        "file if the rows' delimiter was guessed wrong."
    )


def _check_delimiter_used(path: Path, text: str, delimiter: str, records, limit: int, complete: bool) -> None:
    """A delimiter from the params file that splits nothing, where another one splits the header and rows."""
    other = _pick_delimiter(text, limit, complete=complete)
    split = _records(text, other, limit, complete)
    score, columns = _delimiter_score(split)
    first = next((r for r in split if _width(r.cells)), None)
    if score < 0.5 or other == delimiter or first is None or len(first.cells) < 2:
        return  # a single column: nothing to split
    raise DataError(
        f"{path}: the params file sets delimiter {delimiter!r}, but no row among the first {len(records)} has it; "
        f"{other!r} splits them into {columns} columns (e.g. {first.text[:120]!r}). "
        f"Set 'delimiter: {json.dumps(other)}' for this table, or 'auto' to detect it."
    )


# --- reading a CSV ------------------------------------------------------------------------------------


def _read_csv(workspace: Workspace, path: Path, encoding: str, delimiter: str, header_row: int | str):
    with path.open("rb") as handle:
        sample = handle.read(SNIFF_BYTES)
    complete = len(sample) < SNIFF_BYTES
    encoding = _resolve_encoding(path, encoding, sample, complete)
    text = _decode_sample(sample, encoding).removeprefix("\ufeff")
    if not text.strip():
        raise DataError(f"{path}: the file is empty.")
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise DataError(
            f"{path}: line {line} holds a NUL byte when read as {encoding}: not a text file in that encoding. "
            "Save it as CSV (UTF-8), or set the table's 'encoding' in the params file (e.g. utf-16, utf-32)."
        )
    layout = _csv_layout(path, text, delimiter, header_row, complete)
    header_number = layout.header_index + 1
    _check_headers(path, layout.header, header_number)
    header = _named(layout.header)
    if encoding in UTF8:
        source = path
        _check_utf8(path, encoding)
    else:
        source = _transcode(path, encoding, workspace.path(workspace.name("utf8") + ".csv"))
    name = workspace.name("raw")
    _load_csv(workspace, name, path, source, layout.delimiter, header, skip=header_number)
    select = ", ".join(f"c{i} AS {_quote(title)}" for i, title in enumerate(header))
    extra = {
        "encoding": encoding,
        "delimiter": layout.delimiter,
        "header_row": header_number,
        "header_delimiter": layout.header_delimiter,
    }
    return _view(workspace, f"SELECT rowid + {header_number + 1} AS {ROW}, {select} FROM {name}"), header, extra


def _load_csv(workspace: Workspace, name: str, path: Path, source: Path, delimiter: str, header, *, skip: int):
    """DuckDB reads the rows under the header as text; ``skip`` counts records, blank ones included."""
    columns = ", ".join(f"{_sql_text(f'c{i}')}: 'VARCHAR'" for i in range(len(header)))
    options = (
        f"header = false, auto_detect = false, columns = {{{columns}}}, delim = {_sql_text(delimiter)}, "
        f"quote = '\"', escape = '\"', null_padding = true, strict_mode = true, skip = {skip}"
    )
    # The parallel reader refuses padded rows with line breaks inside quotes; such files are read serially.
    for parallel in ("true", "false"):
        try:
            workspace.con.raw_sql(
                f"CREATE TABLE {name} AS SELECT * FROM read_csv({_sql_text(str(source))}, {options}, "
                f"parallel = {parallel})"
            )
            return
        except Exception as exc:  # duckdb.Error: a ragged or badly quoted file
            if parallel == "true" and "parallel=false" in str(exc):
                continue
            raise DataError(_csv_error(path, str(exc), delimiter, len(header), skip)) from None


def _csv_error(path: Path, message: str, delimiter: str, columns: int, header_number: int) -> str:
    """DuckDB's CSV error as one sentence: the line, what is wrong with it, and the line itself."""
    line = re.search(r"CSV Error on Line: (\d+)", message)
    original = re.search(r"Original Line: (.*)", message)
    lines = [part.strip() for part in message.split("\n") if part.strip()]
    problem = next(
        (part for part in lines[1:4] if not part.startswith(("Original Line", "Possible fixes", "*"))),
        lines[0] if lines else message,
    )
    if original and problem.startswith("Expected Number of Columns"):
        found = len(_split(original.group(1), delimiter))  # DuckDB stops counting at the first extra one
        problem = f"{found} columns"
    where = f"line {line.group(1)}" if line else "a line"
    shown = f": {original.group(1)[:160]!r}" if original else ""
    plural = "" if columns == 1 else "s"
    return (
        f"{path}: not a well-formed CSV with delimiter {delimiter!r} and the header on row {header_number} "
        f"({columns} column{plural}); {where}: {problem}{shown}. Check the quotes on that line, or set "
        "'delimiter:' / 'header_row:' for this table in the params file."
    )


def _decode_sample(sample: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)


def _check_utf8(path: Path, encoding: str) -> None:
    """Stream the file through the decoder so a bad byte is reported with its offset."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                _decode_error(path, encoding, block, exc, offset)
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            _decode_error(path, encoding, b"", exc, offset)


def _transcode(path: Path, encoding: str, target: Path) -> Path:
    """Decode ``path`` from ``encoding`` into a UTF-8 copy, block by block."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as out:
        for block in iter(lambda: source.read(1 << 22), b""):
            try:
                out.write(decoder.decode(block))
            except UnicodeDecodeError as exc:
                _decode_error(path, encoding, block, exc, offset)
            offset += len(block)
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            _decode_error(path, encoding, b"", exc, offset)
    return target


def _decode_error(path: Path, encoding: str, block: bytes, exc: UnicodeDecodeError, offset: int):
    context = block[max(0, exc.start - 20) : exc.end + 20]
    raise DataError(
        f"{path}: cannot be read as {encoding}: byte {offset + exc.start} ({context!r}) is invalid. "
        "Set the table's 'encoding' in the params file (e.g. utf-8, gb18030, cp1252)."
    ) from None


def _view(workspace: Workspace, query: str) -> ir.Table:
    # ibis 12's con.sql() asks DuckDB 2.0 for a method it removed; a named view works.
    name = workspace.name("view")
    workspace.con.raw_sql(f"CREATE VIEW {name} AS {query}")
    return workspace.con.table(name)


# --- reading a workbook -------------------------------------------------------------------------------


def _read_excel(workspace: Workspace, path: Path, sheet: str | int | None, header_row: int | str):
    workbook = _open_workbook(path)
    try:
        name = _sheet_name(path, workbook.sheetnames, sheet)
        header, header_number, columns, numbers = _read_sheet(path, workbook, name, header_row)
        summary = SheetSummary(name, len(numbers), tuple(header))
        sheets = tuple(summary if n == name else _summarise_sheet(workbook, n) for n in workbook.sheetnames)
    finally:
        workbook.close()
    info = SourceInfo(str(path), "", 0, len(numbers), sheet=name, sheets=sheets)
    if not numbers:
        raise DataError(
            f"{path}: sheet '{name}' has a header (row {header_number}) but no data rows." + sheet_hint(info)
        )
    arrays = {ROW: pa.array(numbers, pa.int64())}
    arrays.update({title: _excel_column(values) for title, values in zip(header, columns, strict=True)})
    table_name = workspace.name("raw")
    workspace.con.create_table(table_name, pa.table(arrays))
    extra = {"sheet": name, "header_row": header_number, "sheets": sheets}
    return workspace.con.table(table_name), header, extra


def _open_workbook(path: Path):
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a damaged file
        raise DataError(f"{path}: cannot be opened as an XLSX workbook ({type(exc).__name__}: {exc}).") from None


def _sheet_name(path: Path, names: list[str], sheet: str | int | None) -> str:
    if sheet is None:
        return names[0]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise DataError(f"{path}: has no sheet number {sheet}; its sheets are {names} (numbered from 0).")
        return names[sheet]
    if sheet in names:
        return sheet
    raise DataError(f"{path}: has no sheet '{sheet}'; its sheets are {names}.")


def _sheet_rows(workbook, name: str) -> Iterator[tuple]:
    worksheet = workbook[name]
    if not hasattr(worksheet, "iter_rows"):  # a chart sheet
        return iter(())
    # Some writers store a wrong size ('A1:A1'); read every row the sheet holds instead.
    worksheet.reset_dimensions()
    return worksheet.iter_rows(values_only=True)


def _read_sheet(path: Path, workbook, name: str, header_row: int | str):
    """The header, columns of values and sheet row numbers of one sheet, streamed."""
    rows = _sheet_rows(workbook, name)
    scan = SCAN_ROWS if header_row == "auto" else int(header_row) + SCAN_ROWS
    top = list(itertools.islice(rows, scan))
    if not any(_width(row) for row in top):
        summary = SheetSummary(name, 0, ())
        others = tuple(summary if n == name else _summarise_sheet(workbook, n) for n in workbook.sheetnames)
        hint = sheet_hint(SourceInfo(str(path), "", 0, 0, sheet=name, sheets=others))
        raise DataError(f"{path}: sheet '{name}' is empty." + hint)
    header, index = _sheet_header(path, name, top, header_row)
    columns: list[list] = [[] for _ in header]
    numbers: list[int] = []
    blank_tail = 0
    for number, row in enumerate(itertools.chain(top[index + 1 :], rows), start=index + 2):
        filled = _width(row)
        if filled > len(columns):  # values beyond the named columns are kept, as 'column N'
            columns.extend([None] * len(numbers) for _ in range(filled - len(columns)))
        width = len(columns)
        values = list(row[:width]) + [None] * (width - len(row))
        blank_tail = 0 if filled else blank_tail + 1
        numbers.append(number)
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    if blank_tail:
        columns = [column[:-blank_tail] for column in columns]
        numbers = numbers[:-blank_tail]
    return _named(header + [""] * (len(columns) - len(header))), index + 1, columns, numbers


def _sheet_header(path: Path, name: str, top: list[tuple], header_row: int | str) -> tuple[list[str], int]:
    """The header's names of a sheet (trailing blanks dropped) and its 0-based row index in ``top``."""
    if header_row == "auto":
        index = find_header_row(top)
    else:
        index = int(header_row) - 1
        if index >= len(top):
            raise DataError(
                f"{path}: header_row is {header_row} but sheet '{name}' has only {len(top)} rows; "
                "set 'header_row:' to the row holding the column names (or 'auto')."
            )
    header = [_clean_header("" if v is None else v) for v in top[index]]
    while header and header[-1] == "":
        header.pop()
    _check_headers(path, header, index + 1)
    return header, index


def _summarise_sheet(workbook, name: str) -> SheetSummary:
    """Name, data rows and first column names of a sheet, from its first rows and its stored size."""
    worksheet = workbook[name]
    stored = getattr(worksheet, "max_row", None)  # from the sheet's dimension, before it is reset
    top = list(itertools.islice(_sheet_rows(workbook, name), SCAN_ROWS))
    if not any(_width(row) for row in top):
        return SheetSummary(name, 0, ())
    index = find_header_row(top)
    header = tuple(_clean_header(v) for v in top[index] if not _is_blank(v))
    last = max(i for i, row in enumerate(top) if _width(row)) + 1
    if len(top) == SCAN_ROWS and stored:
        last = max(last, stored)
    return SheetSummary(name, last - index - 1, header)


def _excel_column(values: list) -> pa.Array:
    """One typed column when every filled cell has that type (dates, whole numbers, numbers), else text."""
    filled = [v for v in values if not _is_blank(v)]
    if filled and all(isinstance(v, datetime | date) for v in filled):
        return pa.array(
            [_as_datetime(v) if isinstance(v, datetime | date) else None for v in values], pa.timestamp("us")
        )
    if filled and all(isinstance(v, int) and not isinstance(v, bool) for v in filled):
        return pa.array([v if isinstance(v, int) else None for v in values], pa.int64())
    if filled and all(isinstance(v, int | float) and not isinstance(v, bool) for v in filled):
        return pa.array([float(v) if isinstance(v, int | float) else None for v in values], pa.float64())
    return pa.array([_excel_text(v) for v in values], pa.string())


def _as_datetime(value: date) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time())


def _excel_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _read_parquet(workspace: Workspace, path: Path):
    try:
        table = _view(
            workspace,
            f"SELECT file_row_number + 1 AS {ROW}, * EXCLUDE (file_row_number) "
            f"FROM read_parquet({_sql_text(str(path))}, file_row_number = true)",
        )
    except Exception as exc:  # duckdb raises for a damaged or non-Parquet file
        raise DataError(f"{path}: cannot be read as Parquet ({type(exc).__name__}: {str(exc)[:200]}).") from None
    headers = [c for c in table.columns if c != ROW]
    _check_headers(path, headers, 1)
    return table, headers, {}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
