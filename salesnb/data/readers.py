"""Read client files (CSV, XLSX, Parquet) into the load's DuckDB as tables of raw values.

Nothing is typed by guessing: CSV cells arrive as text, Parquet and XLSX columns keep
the types the file stores. Parsing dates and amounts happens later, explicitly, in
:mod:`salesnb.data.parse`. DuckDB reads CSV and Parquet itself; what it cannot
(non-UTF-8 encodings, XLSX) is decoded in Python, streaming, and handed over.
Each table carries ``_row``, the row number as a spreadsheet shows it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

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
UTF8 = ("utf-8", "utf-8-sig", "utf8", "ascii")


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
    workspace: Workspace | None = None,
) -> RawTable:
    """Read one file into ``workspace`` (a private one when not given) as a table of raw values."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found.")
    size = path.stat().st_size
    if size == 0:
        raise DataError(f"{path}: the file is empty (0 bytes).")
    workspace = workspace or Workspace()
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        table, headers, extra = _read_csv(workspace, path, encoding, delimiter)
    elif suffix in EXCEL_SUFFIXES:
        table, headers, extra = _read_excel(workspace, path, sheet)
    elif suffix in PARQUET_SUFFIXES:
        table, headers, extra = _read_parquet(workspace, path)
    elif suffix == ".xls":
        raise DataError(f"{path}: old .xls workbooks are not supported; save it as .xlsx or CSV.")
    else:
        raise DataError(f"{path}: unsupported file type '{suffix}'; use CSV, XLSX or Parquet.")
    rows = int(table.count().to_pyarrow().as_py())
    if rows == 0:
        raise DataError(f"{path}: the file has a header but no data rows.")
    info = SourceInfo(str(path), sha256_of(path), size, rows, **extra)
    return RawTable(table, info, tuple(headers), workspace)


def _clean_header(name: object) -> str:
    return str(name).replace("\ufeff", "").strip()


def _check_headers(path: Path, names: list[str]) -> None:
    doubled = sorted({n for n in names if names.count(n) > 1 and n})
    if doubled:
        raise DataError(f"{path}: the header repeats column(s) {doubled}; column names must be unique.")
    if not names or all(n == "" for n in names):
        raise DataError(f"{path}: the first row has no column names; the file needs a header row.")


def _named(names: list[str]) -> list[str]:
    """Blank header cells get a name so their columns can still be shown as 'column N'."""
    return [n or f"column {i + 1}" for i, n in enumerate(names)]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


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


def _read_csv(workspace: Workspace, path: Path, encoding: str, delimiter: str):
    with path.open("rb") as handle:
        sample = handle.read(SNIFF_BYTES)
    if encoding in ("auto", "", None):
        encoding = detect_encoding(sample, complete=len(sample) < SNIFF_BYTES)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(f"{path}: unknown encoding '{encoding}' in the params file.") from None
    if encoding.lower().replace("_", "-") in UTF8:
        source = path
        _check_utf8(path, encoding)
    else:
        source = _transcode(path, encoding, workspace.path(workspace.name("utf8") + ".csv"))
    text = _decode_sample(sample, encoding).removeprefix("\ufeff")
    if not text.strip():
        raise DataError(f"{path}: the file is empty.")
    if delimiter in ("auto", "", None):
        delimiter = detect_delimiter(text)
    delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
    first = next((line for line in text.splitlines() if line.strip()), "")
    header = [_clean_header(h) for h in next(csv.reader(io.StringIO(first), delimiter=delimiter), [])]
    _check_headers(path, header)
    header = _named(header)
    columns = ", ".join(f"{_sql_text(f'c{i}')}: 'VARCHAR'" for i in range(len(header)))
    select = ", ".join(f"c{i} AS {_quote(name)}" for i, name in enumerate(header))
    name = workspace.name("raw")
    options = (
        f"header = true, auto_detect = false, columns = {{{columns}}}, delim = {_sql_text(delimiter)}, "
        "quote = '\"', escape = '\"', null_padding = true, strict_mode = true, skip = 0"
    )
    try:
        workspace.con.raw_sql(
            f"CREATE TABLE {name} AS SELECT {select} FROM read_csv({_sql_text(str(source))}, {options})"
        )
    except Exception as exc:  # duckdb.Error: a ragged or badly quoted file
        message = str(exc).split("\n")[0]
        raise DataError(f"{path}: not a well-formed CSV with delimiter {delimiter!r}: {message}") from None
    return (
        _view(workspace, f"SELECT rowid + 2 AS {ROW}, * FROM {name}"),
        header,
        {"encoding": encoding, "delimiter": delimiter},
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
        out.write(decoder.decode(b"", final=True))
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


def _read_excel(workspace: Workspace, path: Path, sheet: str | int | None):
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
        rows = workbook[name].iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None:
            raise DataError(f"{path}: sheet '{name}' is empty.")
        header = [_clean_header("" if v is None else v) for v in header_row]
        while header and header[-1] == "":
            header.pop()
        _check_headers(path, header)
        header = _named(header)
        width = len(header)
        columns: list[list] = [[] for _ in range(width)]
        blank_tail = 0
        for row in rows:
            values = list(row[:width]) + [None] * (width - len(row))
            blank = all(v is None or (isinstance(v, str) and not v.strip()) for v in values)
            blank_tail = blank_tail + 1 if blank else 0
            for column, value in zip(columns, values, strict=True):
                column.append(value)
    finally:
        workbook.close()
    if blank_tail:
        columns = [column[:-blank_tail] for column in columns]
    n = len(columns[0]) if columns else 0
    arrays = {ROW: pa.array(range(2, 2 + n), pa.int64())}
    arrays.update({title: _excel_column(values) for title, values in zip(header, columns, strict=True)})
    table_name = workspace.name("raw")
    workspace.con.create_table(table_name, pa.table(arrays))
    return workspace.con.table(table_name), header, {"sheet": name}


def _excel_column(values: list) -> pa.Array:
    """One typed column when every filled cell has that type (dates, whole numbers, numbers), else text."""
    filled = [v for v in values if v is not None and not (isinstance(v, str) and not v.strip())]
    if filled and all(isinstance(v, datetime | date) for v in filled):
        return pa.array([_as_datetime(v) if v is not None else None for v in values], pa.timestamp("us"))
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
    _check_headers(path, headers)
    return table, headers, {}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
