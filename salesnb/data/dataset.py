"""Load a client's data onto the canonical schema as Ibis tables, with full row accounting.

Files (CSV/XLSX/Parquet) are read and decoded in Python, databases (a DuckDB file or
any Ibis connection URL) through Ibis; every source then goes through the same
mapping and validation, and the clean canonical tables are served as Ibis tables on
an embedded DuckDB, where the analyses run.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from salesnb import schema
from salesnb.data.mapping import LookupResult, Remap, map_table
from salesnb.data.presets import effective_tables, is_preset_only
from salesnb.data.readers import ROW, SourceInfo, read_table_file, resolve_file
from salesnb.data.validate import Context, RowIssue, validate
from salesnb.errors import DataError
from salesnb.labels import reason_label
from salesnb.params import Params, TableSource

# Tables are loaded in this order so that each can check ids against the ones before.
LOAD_ORDER = ("reps", "deals", "stage_history", "activities", "targets", "surveys", "costs")
SNAPSHOT_FILE = "load_report.pkl"


@dataclass(frozen=True)
class TableAccount:
    """Row accounting for one canonical table: read = used + Σ excluded."""

    table: str
    origin: str
    sources: tuple[SourceInfo, ...]
    rows_read: int
    rows_used: int
    excluded: tuple[RowIssue, ...]
    flagged: tuple[RowIssue, ...]
    columns: dict[str, str]
    ignored_columns: tuple[str, ...]
    remaps: tuple[Remap, ...]
    lookups: tuple[LookupResult, ...]

    @property
    def rows_excluded(self) -> int:
        return sum(issue.count for issue in self.excluded)


@dataclass(frozen=True)
class LoadReport:
    """What loading did: per-table accounts and the tables that were not there."""

    accounts: dict[str, TableAccount]
    absent: dict[str, str]
    source: str
    base_dir: str
    loaded_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))


@dataclass
class CrmData:
    """The canonical tables of one client, as Ibis tables, plus the load report.

    ``parquet`` maps table names to snapshot files not yet registered on ``con``: each is
    registered as a read-only view the first time it is asked for, so a report pays only
    for the tables it reads.
    """

    params: Params
    con: ibis.BaseBackend
    report: LoadReport
    names: tuple[str, ...]
    parquet: dict[str, Path] = field(default_factory=dict)

    def has(self, table: str) -> bool:
        return table in self.names

    def table(self, name: str) -> ibis.Table:
        if name not in self.names:
            raise KeyError(f"no '{name}' table was loaded ({self.report.absent.get(name, 'not configured')})")
        if name in self.parquet:
            # A view, not a copy: DuckDB reads only the columns and row groups a query needs.
            view = self.con.read_parquet(self.parquet[name], table_name=name)
            del self.parquet[name]
            return view
        return self.con.table(name)

    @property
    def deals(self) -> ibis.Table:
        return self.table("deals")

    @property
    def stage_history(self) -> ibis.Table:
        return self.table("stage_history")

    @property
    def reps(self) -> ibis.Table:
        return self.table("reps")


def load_data(params: Params) -> CrmData:
    """Read, map and validate every configured table; raise DataError on a fatal problem."""
    frames, report = read_canonical(params)
    return _serve(params, frames, report)


def read_canonical(params: Params) -> tuple[dict[str, pd.DataFrame], LoadReport]:
    """The clean canonical frames and the load report (no Ibis involved)."""
    tables = effective_tables(params)
    database = None if params.data.source == "files" else _connect_source(params)
    frames: dict[str, pd.DataFrame] = {}
    accounts: dict[str, TableAccount] = {}
    absent: dict[str, str] = {}
    example_rows = params.reports.audit.example_rows
    for name in LOAD_ORDER:
        source = tables.get(name)
        if source is None:
            absent[name] = "not_configured"
            continue
        raw = _read_source(params, name, source, database)
        if raw is None:
            absent[name] = "no_file"
            continue
        frame, infos, origin = raw
        mapped = map_table(frame, spec=schema.TABLES[name], source=source, origin=origin, base_dir=params.base_dir)
        _require_columns(name, mapped.frame, origin, mapped.ignored)
        ctx = Context(
            stages=params.stages,
            rep_ids=_ids(frames, "reps", "rep_id"),
            deal_ids=_ids(frames, "deals", "deal_id"),
            example_rows=example_rows,
        )
        checked = validate(name, mapped.frame, ctx)
        accounts[name] = TableAccount(
            table=name,
            origin=origin,
            sources=(*infos, *mapped.lookup_sources),
            rows_read=len(frame),
            rows_used=len(checked.frame),
            excluded=tuple(checked.excluded),
            flagged=tuple(checked.flagged),
            columns=mapped.columns,
            ignored_columns=tuple(mapped.ignored),
            remaps=tuple(mapped.remaps),
            lookups=tuple(mapped.lookups),
        )
        frames[name] = checked.frame
    if "deals" not in frames:
        raise DataError(f"{params.base_dir}: no deals table was found; it is required.")
    if frames["deals"].empty:
        raise DataError(_no_deals_message(accounts["deals"]))
    report = LoadReport(accounts, absent, params.data.source, str(params.base_dir))
    return frames, report


def _ids(frames: dict[str, pd.DataFrame], table: str, column: str) -> np.ndarray | None:
    if table not in frames:
        return None
    return frames[table][column].dropna().to_numpy(dtype=object)


def _read_source(params: Params, name: str, source: TableSource, database) -> tuple | None:
    if source.table is not None:
        if database is None:
            raise DataError(
                f"data.tables.{name} names table '{source.table}' but data.source is 'files'; "
                "set data.source to a DuckDB file or an Ibis URL, or give 'file'."
            )
        try:
            table = database.table(source.table)
        except Exception:  # each backend has its own not-found error
            raise DataError(
                f"{params.data.source}: has no table '{source.table}' (for {name}); "
                f"its tables are: {', '.join(_table_names(database)) or 'none found'}."
            ) from None
        frame = table.to_pandas()
        if frame.empty:
            raise DataError(f"{params.data.source}: table '{source.table}' has no rows.")
        frame.insert(0, ROW, range(1, len(frame) + 1))
        info = SourceInfo(f"{params.data.source}#{source.table}", "", 0, len(frame))
        return frame, (info,), info.path
    path = resolve_file(params.base_dir, source.file)
    if path is None:
        if is_preset_only(params, name) and name != "deals":
            return None
        raise DataError(f"{params.base_dir / source.file}: file for the {name} table not found.")
    raw = read_table_file(path, encoding=source.encoding, delimiter=source.delimiter, sheet=source.sheet)
    return raw.frame, (raw.info,), str(path)


def _table_names(database: ibis.BaseBackend) -> list[str]:
    # ibis 12's DuckDB list_tables() calls a method DuckDB 2.0 removed; ask the catalog directly then.
    try:
        return sorted(database.list_tables())
    except Exception:
        try:
            rows = database.raw_sql("select table_name from information_schema.tables").fetchall()
        except Exception:
            return []
        return sorted(r[0] for r in rows)


def _connect_source(params: Params) -> ibis.BaseBackend:
    source = params.data.source
    try:
        if "://" in source:
            return ibis.connect(source)
        path = Path(source)
        if not path.is_absolute():
            path = (params.source_path.parent if params.source_path else Path.cwd()) / path
        if not path.is_file():
            raise DataError(f"{path}: DuckDB file named in data.source not found.")
        return ibis.duckdb.connect(str(path), read_only=True)
    except DataError:
        raise
    except Exception as exc:  # backends raise their own error types for a bad URL or file
        raise DataError(f"data.source {source!r}: cannot connect ({type(exc).__name__}: {exc}).") from None


def _require_columns(name: str, frame: pd.DataFrame, origin: str, unmapped: list[str]) -> None:
    spec = schema.TABLES[name]
    needed = [c for c in spec.required if c not in frame]
    if name == "deals" and "status" in needed and "stage" in frame:
        needed.remove("status")  # derived from the stage
    if not needed:
        return
    present = [c for c in frame.columns if c != ROW]
    column = needed[0]
    if name == "deals" and column == "status":
        hint = "map a status column (won/lost/open) or a stage column"
    else:
        hint = f"map it in data.tables.{name}.columns (<client column>: {column})"
    raise DataError(
        f"{origin}: required column '{column}' of the {name} table is missing"
        + (f" (also missing: {', '.join(needed[1:])})" if len(needed) > 1 else "")
        + f"; {hint}. Mapped so far: {', '.join(present) or 'nothing'}; "
        f"unmapped columns of the file: {', '.join(unmapped) or 'none'}."
    )


def _no_deals_message(account: TableAccount) -> str:
    parts = []
    for issue in account.excluded[:3]:
        rows = ", ".join(str(r) for r in issue.examples.get(ROW, pd.Series(dtype=str)).tolist()[:3])
        parts.append(f"{reason_label(issue.reason, 'en')} ({issue.count} rows, e.g. rows {rows})")
    return (
        f"{account.origin}: none of the {account.rows_read} deal rows is usable: "
        + "; ".join(parts)
        + ". Check the column and value mapping in the params file."
    )


def from_frames(params: Params, frames: dict[str, pd.DataFrame]) -> CrmData:
    """Serve canonical frames that are already clean (tests, notebooks) without files or accounting."""
    accounts = {}
    report = LoadReport(accounts, {n: "not_configured" for n in LOAD_ORDER if n not in frames}, "frames", "")
    return _serve(params, frames, report)


def _serve(params: Params, frames: dict[str, pd.DataFrame], report: LoadReport) -> CrmData:
    con = ibis.duckdb.connect()
    for name, frame in frames.items():
        con.create_table(name, frame)
    return CrmData(params, con, report, tuple(frames))


def save_snapshot(frames: dict[str, pd.DataFrame], report: LoadReport, directory: Path) -> Path:
    """Write the clean tables (Parquet) and the load report, so notebooks skip re-reading sources."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.parquet"):
        old.unlink()
    for name, frame in frames.items():
        frame.to_parquet(directory / f"{name}.parquet", index=False)
    (directory / SNAPSHOT_FILE).write_bytes(pickle.dumps(report))
    return directory


def load_snapshot(params: Params, directory: Path) -> CrmData:
    """Serve a snapshot written by :func:`save_snapshot` as Ibis tables on DuckDB.

    Nothing is copied: each table is a view over its Parquet file, registered on first
    use (:meth:`CrmData.table`), so a kernel holds only what its report's queries need.
    """
    directory = Path(directory)
    report_file = directory / SNAPSHOT_FILE
    if not report_file.is_file():
        raise DataError(f"{directory}: not a salesnb data snapshot (no {SNAPSHOT_FILE}).")
    report = pickle.loads(report_file.read_bytes())  # written by save_snapshot in this run
    files = {path.stem: path for path in directory.glob("*.parquet")}
    names = tuple(n for n in LOAD_ORDER if n in files)
    return CrmData(params, ibis.duckdb.connect(), report, names, {n: files[n] for n in names})
