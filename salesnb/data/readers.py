"""Read client files (CSV, XLSX, Parquet) into frames of raw values, without guessing types.

Parsing dates and amounts happens later, explicitly, in :mod:`salesnb.data.parse`.
Encodings are decoded in Python (DuckDB has no encodings extension here).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from salesnb.config import SNIFF_BYTES
from salesnb.errors import DataError

ROW = "_row"  # source row number kept for example rows (spreadsheet numbering: header is row 1)
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
SUPPORTED = CSV_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES


@dataclass(frozen=True)
class SourceInfo:
    """What was read: shown in the report header as the data snapshot."""

    path: str
    sha256: str
    size_bytes: int
    rows: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class RawTable:
    frame: pd.DataFrame
    info: SourceInfo


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
    path: Path, *, encoding: str = "auto", delimiter: str = "auto", sheet: str | int | None = None
) -> RawTable:
    """Read one file into a frame of raw values indexed by nothing, with a ``_row`` column."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found.")
    size = path.stat().st_size
    if size == 0:
        raise DataError(f"{path}: the file is empty (0 bytes).")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        frame, used_encoding, used_delimiter = _read_csv(path, encoding, delimiter)
        info_extra = {"encoding": used_encoding, "delimiter": used_delimiter}
    elif suffix in EXCEL_SUFFIXES:
        frame, sheet_name = _read_excel(path, sheet)
        info_extra = {"sheet": sheet_name}
    elif suffix in PARQUET_SUFFIXES:
        frame = _read_parquet(path)
        info_extra = {}
    elif suffix == ".xls":
        raise DataError(f"{path}: old .xls workbooks are not supported; save it as .xlsx or CSV.")
    else:
        raise DataError(f"{path}: unsupported file type '{suffix}'; use CSV, XLSX or Parquet.")
    frame.columns = [_clean_header(c) for c in frame.columns]
    _check_headers(path, frame)
    if frame.empty:
        raise DataError(f"{path}: the file has a header but no data rows.")
    first_row = 1 if suffix in PARQUET_SUFFIXES else 2
    frame.insert(0, ROW, range(first_row, first_row + len(frame)))
    info = SourceInfo(str(path), _sha256(path), size, len(frame), **info_extra)
    return RawTable(frame.reset_index(drop=True), info)


def _clean_header(name: object) -> str:
    return str(name).replace("\ufeff", "").strip()


def _check_headers(path: Path, frame: pd.DataFrame) -> None:
    names = list(frame.columns)
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise DataError(f"{path}: the header repeats column(s) {doubled}; column names must be unique.")
    unnamed = [i + 1 for i, n in enumerate(names) if n == "" or n.startswith("Unnamed:")]
    if unnamed and len(unnamed) == len(names):
        raise DataError(f"{path}: the first row has no column names; the file needs a header row.")


def detect_encoding(sample: bytes, *, complete: bool = True) -> str:
    """Guess the encoding of a CSV sample: UTF-8 (with or without BOM), GB18030 or cp1252.

    GB18030 decodes almost any byte string, so Western text in cp1252 would also
    'decode'; real Chinese text keeps to GB2312 characters, which is the test used.

    >>> detect_encoding("单号,金额".encode("gb18030"))
    'gb18030'
    >>> detect_encoding("Société,Montant".encode("cp1252"))
    'cp1252'
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
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


def detect_delimiter(text: str) -> str:
    """The delimiter of a CSV sample among comma, semicolon, tab and pipe (comma if unsure)."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _read_csv(path: Path, encoding: str, delimiter: str) -> tuple[pd.DataFrame, str, str]:
    with path.open("rb") as handle:
        sample = handle.read(SNIFF_BYTES)
    if encoding in ("auto", "", None):
        encoding = detect_encoding(sample, complete=len(sample) < SNIFF_BYTES)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(f"{path}: unknown encoding '{encoding}' in the params file.") from None
    try:
        text = path.read_bytes().decode(encoding)
    except UnicodeDecodeError as exc:
        context = exc.object[max(0, exc.start - 20) : exc.end + 20]
        raise DataError(
            f"{path}: cannot be read as {encoding}: byte {exc.start} ({context!r}) is invalid. "
            "Set the table's 'encoding' in the params file (e.g. utf-8, gb18030, cp1252)."
        ) from None
    text = text.removeprefix("\ufeff")
    if delimiter in ("auto", "", None):
        delimiter = detect_delimiter(text[:SNIFF_BYTES])
    delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
    if not text.strip():
        raise DataError(f"{path}: the file is empty.")
    # pandas silently renames a repeated header to "name.1"; the client must hear about it.
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=delimiter), [])
    header = [_clean_header(h) for h in header]
    doubled = sorted({h for h in header if header.count(h) > 1 and h})
    if doubled:
        raise DataError(f"{path}: the header repeats column(s) {doubled}; column names must be unique.")
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, na_filter=False, engine="c"
        )
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: not a well-formed CSV with delimiter {delimiter!r}: {exc}") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty.") from None
    return frame, encoding, delimiter


def _read_excel(path: Path, sheet: str | int | None) -> tuple[pd.DataFrame, str]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a damaged file
        raise DataError(f"{path}: cannot be opened as an XLSX workbook ({type(exc).__name__}: {exc}).") from None
    try:
        names = workbook.sheetnames
        if sheet is None:
            name = names[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise DataError(f"{path}: has no sheet number {sheet}; its sheets are {names}.")
            name = names[sheet]
        elif sheet in names:
            name = sheet
        else:
            raise DataError(f"{path}: has no sheet '{sheet}'; its sheets are {names}.")
        rows = list(workbook[name].iter_rows(values_only=True))
    finally:
        workbook.close()
    while rows and all(v is None or str(v).strip() == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        raise DataError(f"{path}: sheet '{name}' is empty.")
    header = ["" if v is None else str(v) for v in rows[0]]
    width = len(header)
    body = [list(r[:width]) + [None] * (width - len(r)) for r in rows[1:]]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    return frame, name


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError … for a damaged file
        raise DataError(f"{path}: cannot be read as Parquet ({type(exc).__name__}: {exc}).") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
