"""Load a client's data onto the canonical schema as Ibis tables, with full row accounting.

Everything runs in an engine, never row by row in Python: files (CSV/XLSX/Parquet) are
read into a private, memory-bounded DuckDB (only what DuckDB cannot decode passes
through Python, streaming); a database source (a DuckDB file or any Ibis connection
URL) is mapped and validated where it is. Mapping and validation rules are Ibis
expressions, row accounting is counts per rule, example rows are a LIMIT.

For a run the clean tables become a snapshot — one Parquet file per table, served to
each report kernel as views — or, for a database source, expressions over the source
that each kernel rebuilds, so rows never leave the database.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import urllib.parse
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import pandas as pd

from salesnb import schema
from salesnb.config import SNAPSHOT_ID_ENV
from salesnb.data.engine import Workspace, connect
from salesnb.data.headers import match_header
from salesnb.data.mapping import (
    MELT_STAGE,
    SOURCE_ROW,
    LookupResult,
    Mapped,
    Remap,
    map_table,
    melt_wide,
    union_parts,
)
from salesnb.data.parse import ParseOptions
from salesnb.data.presets import (
    PresetReport,
    check_mapping,
    is_preset_only,
    missing_file_message,
    resolve_tables,
)
from salesnb.data.readers import ROW, SourceInfo, read_table_file, resolve_file, sha256_of, sheet_hint
from salesnb.data.validate import (
    CURRENCY,
    FLAG,
    MONTH,
    PARSED,
    RATE,
    REASON,
    RULE,
    WAS,
    Checked,
    Context,
    CurrencyUse,
    IdChange,
    RowIssue,
    StatusRuleCount,
    check,
    clean,
    describe_rule,
)
from salesnb.errors import DataError
from salesnb.labels import reason_label
from salesnb.params import Params, TableSource

if TYPE_CHECKING:
    from salesnb.data.anonymise import Anonymised

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
    date_formats: dict[str, str | None] = field(default_factory=dict)
    status_rules: tuple[StatusRuleCount, ...] = ()  # deals with status_from: rows each rule set
    ids_normalised: tuple[IdChange, ...] = ()  # ids the id rule rewrote, per column
    currencies: tuple[CurrencyUse, ...] = ()  # deals: rows per currency and the rate used
    filters: dict[str, str] = field(default_factory=dict)  # 'where' reason code -> the condition in words
    skipped_parts: tuple[str, ...] = ()  # parts whose file was not found (a table made of parts)
    melted: str | None = None  # how a melted table's rows were made, e.g. "4 'Date entered …' columns"

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
    remote: bool = False  # a database source: the clean tables are rebuilt over it, never copied
    loaded_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    preset: PresetReport | None = None  # what a CRM preset found, guessed and missed (None: generic)
    anonymised: Anonymised | None = None  # names replaced by pseudonyms (salesnb.data.anonymise); None: as read


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
    canonical: Canonical | None = None  # the load behind the tables, when loaded in this process
    excluded_files: dict[str, Path] = field(default_factory=dict)

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
        if self.canonical is not None:
            return self.canonical.tables[name]
        return self.con.table(name)

    def excluded_rows(self) -> pd.DataFrame:
        """Every excluded row as read, with its table and reason code (for the audit's export)."""
        parts = []
        if self.canonical is not None:
            for name, rows in self.canonical.excluded.items():
                parts.append(rows.to_pandas().assign(table=name))
        for name, path in self.excluded_files.items():
            parts.append(pd.read_parquet(path).assign(table=name))
        parts = [p for p in parts if len(p)]
        if not parts:
            return pd.DataFrame(columns=["table", "reason", ROW])
        frame = pd.concat(parts, ignore_index=True)
        frame[ROW] = frame[ROW].astype("int64")
        first = ["table", "reason", ROW]
        return frame[first + [c for c in frame.columns if c not in first]].astype({"reason": "string"})

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
    """Read, map and validate every configured table; raise DataError on a fatal problem.

    With ``anonymise`` on, names are replaced as a run does (salesnb.data.anonymise).
    """
    canonical, report = read_canonical(params)
    if params.anonymise.enabled:
        from salesnb.data.anonymise import anonymise

        canonical, report = anonymise(params, canonical, report)
    return CrmData(params, canonical.con, report, tuple(canonical.tables), canonical=canonical)


@dataclass
class Canonical:
    """The clean canonical tables where the load ran (the load's DuckDB, or the source database).

    ``excluded`` holds every excluded row as read (text), with its reason, per table.
    """

    con: ibis.BaseBackend
    tables: dict[str, ibis.Table]
    excluded: dict[str, ibis.Table]
    workspace: Workspace
    database: ibis.BaseBackend | None = None

    def close(self) -> None:
        if self.database is not None:
            with contextlib.suppress(Exception):
                self.database.disconnect()
        self.workspace.close()


def read_canonical(params: Params, *, account: bool = True) -> tuple[Canonical, LoadReport]:
    """Map and validate every configured table in the engine; the clean tables and the load report.

    Files are read into a private DuckDB (bounded memory, spill folder); a database
    source is checked where it is, with temporary tables. Only counts and example rows
    come back to Python. With ``account=False`` (a report kernel on a database source)
    nothing is counted or materialised: the clean tables are expressions over the source.
    """
    tables, preset_report = resolve_tables(params)
    check_mapping(params, tables)  # before anything is read: a mapping mistake is a params mistake
    workspace = Workspace(params.data.engine)
    database = None
    try:
        source_db = None if params.data.source == "files" else _connect_source(params, workspace)
        database = source_db.con if source_db is not None and source_db.remote else None
        con = database or workspace.con
        backend = con.name
        clean_tables: dict[str, ibis.Table] = {}
        excluded: dict[str, ibis.Table] = {}
        accounts: dict[str, TableAccount] = {}
        absent: dict[str, str] = {}
        deal_rates = None  # deal_id -> fx rate, once deals were converted (for stage-history amounts)
        for name in LOAD_ORDER:
            source = tables.get(name)
            if source is None:
                absent[name] = "not_configured"
                continue
            entry = _map_entry(params, name, source, source_db, workspace)
            if entry is None:
                absent[name] = "no_file"
                continue
            mapped, infos, origin = entry.mapped, entry.infos, entry.origin
            if name == "deals" and params.data.fx and "currency" not in mapped.canonical:
                raise DataError(
                    f"{origin}: data.fx gives exchange rates but the deals have no currency column, so every "
                    f"amount would be taken as {params.currency}; map the currency column in "
                    "data.tables.deals.columns (or set it under constants), or drop data.fx. "
                    f"Columns of the file: {', '.join(mapped.headers)}."
                )
            if name == "deals" and source.status_from:
                mapped.columns["status"] = "status_from: " + "; ".join(
                    f"{rule.status} if {rule.column} {describe_rule(rule)}" for rule in source.status_from
                )
            ctx = Context(
                stages=params.stages,
                rep_ids=clean_tables.get("reps"),
                deal_ids=clean_tables.get("deals"),
                example_rows=params.reports.audit.example_rows,
                parse=ParseOptions(
                    backend=backend,
                    date_format=source.date_format,
                    decimal=source.decimal,
                    timezone=params.data.timezone,
                    origin=origin,
                ),
                keep_raw=database is not None,
                status_from=tuple(source.status_from) if name == "deals" else (),
                normalise_ids=params.data.normalise_ids,
                currency=params.currency,
                fx=dict(params.data.fx),
                deal_rates=deal_rates,
            )
            checked = check(name, mapped, ctx)
            if not account:
                clean_tables[name] = clean(checked)
                if checked.converted:
                    deal_rates = _deal_rates(checked)
                continue
            # In file order, so the clean tables keep the client's row order (windows reorder rows).
            checked.table = _materialise(con, workspace.name(f"checked_{name}"), checked.table.order_by(ROW))
            account_, excluded[name] = _account(name, checked, ctx, infos, origin, mapped, entry)
            if checked.converted:
                _require_rates(account_, params)
                if any(use.rate != 1.0 for use in account_.currencies):
                    deal_rates = _deal_rates(checked)
            accounts[name] = account_
            clean_tables[name] = clean(checked)  # a filter over the checked rows, in file order
        if "deals" not in clean_tables:
            raise DataError(f"{params.base_dir}: no deals table was found; it is required.")
        if account and accounts["deals"].rows_used == 0:
            raise DataError(_no_deals_message(accounts["deals"]))
    except BaseException:
        if database is not None:
            with contextlib.suppress(Exception):
                database.disconnect()
        workspace.close()
        raise
    report = LoadReport(
        accounts,
        absent,
        _redact(params.data.source),
        str(params.base_dir),
        remote=database is not None,
        preset=preset_report,
    )
    canonical = Canonical(con, clean_tables, excluded, workspace, database)
    weakref.finalize(canonical, workspace.close)
    return canonical, report


def _materialise(con: ibis.BaseBackend, name: str, table: ibis.Table) -> ibis.Table:
    """Compute ``table`` once: a table in the load's DuckDB, a temporary table in a database."""
    if con.name == "duckdb":
        return con.create_table(name, table)
    if con.name == "pyspark":
        return table.cache()  # Spark has no temporary tables; a cached DataFrame is computed once
    return con.create_table(name, table, temp=True)


def _account(
    name, checked, ctx: Context, infos, origin: str, mapped, entry: _Entry | None = None
) -> tuple[TableAccount, ibis.Table]:
    """Counts per reason and flag, and example rows: a few aggregate queries over the checked rows."""
    table = checked.table
    raw = table if ctx.keep_raw else checked.raw
    as_read = {h: raw[h].cast("string") for h in checked.headers}
    # Melted and stacked rows have a key as _row; example rows show the row in the file instead.
    numbered = SOURCE_ROW in raw.columns

    def with_values(rows: ibis.Table, keep: list[str]) -> ibis.Table:
        """``keep`` columns of ``rows`` (filtered checked rows) and the client's values as read, in file order."""
        if ctx.keep_raw:
            shown = {h: rows[h].cast("string") for h in checked.headers}
            out = rows.select(*keep, *([SOURCE_ROW] if numbered else []), **shown).order_by(ROW)
        else:
            rows = rows.select(*keep)
            values = raw.select(ROW, *([SOURCE_ROW] if numbered else []), **as_read)
            joined = rows.join(values, rows[ROW] == values[ROW])
            out = joined.select(*keep, *([SOURCE_ROW] if numbered else []), *as_read).order_by(ROW)
        if not numbered:
            return out
        return out.select(*[out[SOURCE_ROW].name(ROW) if c == ROW else out[c] for c in out.columns if c != SOURCE_ROW])

    counts = table.group_by(REASON).aggregate(n=ibis._.count()).to_pandas()
    by_reason = {r: int(n) for r, n in zip(counts[REASON], counts["n"], strict=True) if pd.notna(r)}
    rows_read = int(counts["n"].sum())
    rows_used = int(counts.loc[counts[REASON].isna(), "n"].sum())
    n = ctx.example_rows
    ranked = table.filter(table[REASON].notnull()).mutate(
        snb_k=ibis.row_number().over(group_by=table[REASON], order_by=table[ROW])
    )
    compared = [p + c for c in checked.normalised if c in _UNKNOWN_ID.values() for p in (PARSED, WAS)]
    examples = with_values(ranked.filter(ranked.snb_k < n), [REASON, ROW, *compared]).to_pandas()
    excluded = [
        RowIssue(code, by_reason[code], _id_examples(examples[examples[REASON] == code].drop(columns=REASON), code))
        for code in checked.rules
        if code in by_reason
    ]
    sums = {f"f{i}": table[f"{FLAG}{i}"].ifelse(1, 0).sum() for i in range(len(checked.flags))}
    sums |= {f"w{i}": table[WAS + c].notnull().ifelse(1, 0).sum() for i, c in enumerate(checked.normalised)}
    hits = table.aggregate(**sums).to_pandas().iloc[0] if sums else {}
    flagged = []
    for i, (code, _) in enumerate(checked.flags):
        count = int(hits[f"f{i}"] or 0)
        if count:
            first = table.filter(table[f"{FLAG}{i}"]).order_by(ROW).limit(n)
            rows = with_values(first, [ROW, *compared]).to_pandas()
            flagged.append(RowIssue(code, count, _id_examples(rows, code)))
    ids = []
    for i, column in enumerate(checked.normalised):
        count = int(hits[f"w{i}"] or 0)
        if count:
            was = table[WAS + column]
            pairs = (
                table.filter(was.notnull())
                .group_by(old=was, new=table[PARSED + column])
                .aggregate(first=table[ROW].min())
                .order_by("first")
                .limit(n)
                .to_pandas()
            )
            ids.append(IdChange(column, count, tuple(zip(pairs["old"], pairs["new"], strict=True))))
    account = TableAccount(
        table=name,
        origin=origin,
        sources=(*infos, *mapped.lookup_sources),
        rows_read=rows_read,
        rows_used=rows_used,
        excluded=tuple(excluded),
        flagged=tuple(flagged),
        columns=mapped.columns,
        ignored_columns=tuple(mapped.ignored),
        remaps=tuple(mapped.remaps),
        lookups=tuple(mapped.lookups),
        date_formats=dict(checked.date_formats),
        status_rules=_status_rule_counts(checked),
        ids_normalised=tuple(ids),
        currencies=_currency_uses(checked, ctx) if checked.converted else (),
        filters=dict(mapped.filters),
        skipped_parts=entry.skipped if entry else (),
        melted=entry.melted if entry else None,
    )
    rows = with_values(table.filter(table[REASON].notnull()).rename(reason=REASON), [ROW, "reason"])
    return account, rows


# The id column an unknown-id reason is about: its examples also show the id as compared.
_UNKNOWN_ID = {"unknown_rep": "rep_id", "unknown_deal": "deal_id"}


def _id_examples(rows: pd.DataFrame, code: str) -> pd.DataFrame:
    """Example rows as read; for an unknown id the id rule rewrote (``015``), also the id as compared (``15``)."""
    column = _UNKNOWN_ID.get(code)
    internal = [c for c in rows.columns if c.startswith((PARSED, WAS))]
    if column and WAS + column in rows.columns and rows[WAS + column].notna().any():
        rows = rows.assign(**{f"{column} (as compared)": rows[PARSED + column]})
    return _as_text(rows.drop(columns=internal))


def _status_rule_counts(checked: Checked) -> tuple[StatusRuleCount, ...]:
    """Rows each status rule set (first match wins), and rows no rule matched (open)."""
    if not checked.status_rules:
        return ()
    table = checked.table
    counts = (
        table.group_by(RULE).aggregate(rows=table.count(), used=table[REASON].isnull().ifelse(1, 0).sum()).to_pandas()
    )
    found = {(None if pd.isna(r) else int(r)): (int(n), int(u)) for r, n, u in counts.itertuples(index=False)}
    out = [
        StatusRuleCount(rule.status, rule.column, describe_rule(rule), *found.get(i, (0, 0)))
        for i, rule in enumerate(checked.status_rules)
    ]
    out.append(StatusRuleCount(schema.OPEN, None, "no rule matched", *found.get(None, (0, 0))))
    return tuple(out)


def _currency_uses(checked: Checked, ctx: Context) -> tuple[CurrencyUse, ...]:
    """Rows per currency (blank: the report currency) with the rates used; a NULL rate means none was given."""
    table = checked.table
    report = ctx.currency.strip().upper()
    code = table[CURRENCY].fill_null(report)
    per_month = [c for c, rate in ctx.fx.items() if isinstance(rate, dict)]
    month = ibis.cases((code.isin(per_month), table[MONTH]), else_=ibis.null("int64")) if per_month else None
    keys = {"currency": code, **({"month": month} if month is not None else {})}
    counts = (
        table.group_by(**keys)
        .aggregate(
            rows=table.count(),
            blank=table[CURRENCY].isnull().ifelse(1, 0).sum(),
            rate=table[RATE].max(),
            missing=table[RATE].isnull().ifelse(1, 0).sum(),
        )
        .to_pandas()
    )
    if "month" not in counts:
        counts["month"] = None
    uses = []
    for currency, group in counts.groupby("currency", sort=False):
        rows, blank = int(group["rows"].sum()), int(group["blank"].sum())
        if currency in per_month:
            months = {
                _month_text(m): float(r) for m, r in zip(group["month"], group["rate"], strict=True) if pd.notna(r)
            }
            missing = {_month_text(m): int(k) for m, k in zip(group["month"], group["missing"], strict=True) if k}
            uses.append(CurrencyUse(currency, rows, None, months, blank, missing))
        else:
            rate = group["rate"].iloc[0]
            uses.append(CurrencyUse(currency, rows, None if pd.isna(rate) else float(rate), {}, blank))
    uses.sort(key=lambda use: (-use.rows, use.currency))
    return tuple(uses)


def _month_text(month) -> str:
    return "undated" if pd.isna(month) else f"{int(month) // 100:04d}-{int(month) % 100:02d}"


def _require_rates(account: TableAccount, params: Params) -> None:
    """Refuse deals in a currency without a rate (or a month without one) before any report adds them up."""
    report = params.currency.strip().upper()
    without = [use for use in account.currencies if use.rate is None and not use.months and not use.missing_months]
    if without:
        listed = ", ".join(f"{use.currency} ({_rows(use.rows)})" for use in without)
        every = ", ".join(f"{use.currency} ({_rows(use.rows)})" for use in account.currencies)
        block = "\n".join(f"    {use.currency}: <{report} per 1 {use.currency}>" for use in without)
        raise DataError(
            f"{account.origin}: deal currencies are {every}; the report currency is {report} and data.fx "
            f"gives no rate for {listed}, so their amounts cannot be added up. "
            f"Add a rate for each to the params file (a number, or one per month of the close date, "
            f"e.g. {{2025-01: 7.1, 2025-02: 7.2}}):\n\ndata:\n  fx:\n{block}\n\n"
            "If these are other spellings of the report currency (e.g. RMB for CNY), map them instead under "
            "data.tables.deals.values.currency."
        )
    for use in account.currencies:
        if use.missing_months:
            months = ", ".join(f"{m} ({_rows(k)})" for m, k in sorted(use.missing_months.items()))
            raise DataError(
                f"{account.origin}: data.fx.{use.currency} gives a rate per month but none for {months}; "
                f"a deal's month is that of its close date, else its created date. Add those months under "
                f"data.fx.{use.currency} (e.g. {next(iter(sorted(use.missing_months)))}: <rate>)."
            )


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _deal_rates(checked: Checked) -> ibis.Table:
    """deal_id and the fx rate of each kept deal, for amounts in other tables (stage history)."""
    table = checked.table.filter(checked.table[REASON].isnull())
    return table.select(deal_id=table[PARSED + "deal_id"], **{RATE: table[RATE]})


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype("string").reset_index(drop=True)


@dataclass(frozen=True)
class _Entry:
    """One table's rows read and mapped: from a file, a database table, a melt or several parts."""

    mapped: Mapped
    infos: tuple[SourceInfo, ...]
    origin: str
    skipped: tuple[str, ...] = ()
    melted: str | None = None


def _map_entry(params: Params, name: str, source: TableSource, database, workspace: Workspace) -> _Entry | None:
    """Read and map a table entry; None when an optional table's file is absent.

    A table the preset alone names is optional (its default file may not exist), deals excepted;
    so is each part of a table made of parts (skipped and reported), as long as one is found.
    """
    if not source.parts:
        optional = is_preset_only(params, name) and name != "deals"
        return _map_one(params, name, source, database, workspace, optional=optional)
    entries, skipped = [], []
    for part in source.parts:
        entry = _map_one(params, name, part, database, workspace, optional=True, status_from=source.status_from)
        if entry is None:
            skipped.append(part.file or part.table or "")
        else:
            entries.append(entry)
    if not entries:
        if is_preset_only(params, name) and name != "deals":
            return None
        raise DataError(
            f"{params.base_dir}: none of the files of the {name} table's parts was found ({', '.join(skipped)})."
        )
    names = [_file_name(e.infos[0].path) for e in entries]
    mapped = union_parts([(e.mapped, n) for e, n in zip(entries, names, strict=True)])
    origin = " + ".join(e.origin for e in entries)
    if skipped:
        origin += f"; skipped, not found: {', '.join(skipped)}"
    melted = "; ".join(f"{n}: {e.melted}" for e, n in zip(entries, names, strict=True) if e.melted) or None
    return _Entry(mapped, tuple(i for e in entries for i in e.infos), origin, tuple(skipped), melted)


def _map_one(
    params: Params,
    name: str,
    source: TableSource,
    database,
    workspace: Workspace,
    *,
    optional: bool,
    status_from=(),
) -> _Entry | None:
    """One file (or database table) read, melted if asked, and mapped."""
    raw = _read_source(params, name, source, database, workspace, optional=optional)
    if raw is None:
        return None
    table, headers, infos, origin = raw
    hint = "".join(sheet_hint(info) for info in infos)
    derived, melted = {}, None
    if source.melt is not None:
        # Only the columns the params name travel with each melted cell (a wide export has hundreds).
        named = [*source.columns, *(c.column for c in source.where), *(r.column for r in source.status_from)]
        keep = [h for h in (_header_or_none(c, headers, origin) for c in named) if h is not None]
        table, headers, info = melt_wide(table, headers, source.melt, keep=keep, origin=origin)
        melted = f"{len(info.headers)} {info.label} columns, one row per filled cell"
        origin = f"{origin} ({melted})"
        derived = {
            "stage": (MELT_STAGE, f"from the headers {info.label} ({source.melt.pattern})"),
            source.melt.into: (headers[-1], f"cells of the {info.label} columns"),
        }
    mapped = map_table(
        table,
        headers,
        spec=schema.TABLES[name],
        source=source,
        origin=origin,
        base_dir=params.base_dir,
        workspace=workspace,
        normalise_ids=params.data.normalise_ids,
        hint=hint,
        derived=derived,
    )
    _require_columns(
        name,
        mapped.canonical,
        origin,
        mapped.ignored,
        status_from=bool(source.status_from or status_from),
        sheets=hint,
    )
    return _Entry(mapped, infos, origin, melted=melted)


def _header_or_none(name: str, headers, origin: str) -> str | None:
    try:
        return match_header(name, headers)
    except DataError as exc:
        raise DataError(f"{origin}: {exc}") from None


def _file_name(path: str) -> str:
    return path if "#" in path else Path(path).name


def _read_source(params: Params, name: str, source: TableSource, database, workspace: Workspace, *, optional: bool):
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
                f"its tables are: {', '.join(database.names()) or 'none found'}."
            ) from None
        rows = int(table.count().to_pyarrow().as_py())
        if rows == 0:
            raise DataError(f"{params.data.source}: table '{source.table}' has no rows.")
        headers = tuple(table.columns)
        table = table.mutate(**{ROW: ibis.row_number() + 1})
        info = SourceInfo(f"{_redact(params.data.source)}#{source.table}", "", 0, rows)
        return table, headers, (info,), info.path
    if database is not None and source.file is not None and database.con.name == "pyspark":
        return _read_with_spark(params, name, source, database.con, optional=optional)
    if database is not None and source.file is not None:
        if optional:
            return None  # the preset's default file names do not apply to a database
        raise DataError(
            f"data.tables.{name} names a file but data.source is a database; give 'table' "
            "(or set data.source to 'files')."
        )
    path = resolve_file(params.base_dir, source.file)
    if path is None:
        if optional:
            return None
        raise DataError(missing_file_message(params, name, params.base_dir / source.file))
    raw = read_table_file(
        path,
        encoding=source.encoding,
        delimiter=source.delimiter,
        sheet=source.sheet,
        header_row=source.header_row,
        workspace=workspace,
    )
    return raw.table, raw.headers, (raw.info,), str(path)


def _read_with_spark(params: Params, name: str, source: TableSource, spark: ibis.BaseBackend, *, optional: bool):
    """A file read by Spark itself (CSV as text, or Parquet): rows never pass through Python."""
    path = resolve_file(params.base_dir, source.file)
    if path is None:
        if optional:
            return None
        raise DataError(missing_file_message(params, name, params.base_dir / source.file))
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        table = spark.read_parquet(str(path))
    elif suffix in (".csv", ".txt", ".tsv"):
        encoding = "UTF-8" if source.encoding in ("auto", "", None) else source.encoding
        delimiter = "," if source.delimiter in ("auto", "", None) else source.delimiter
        table = spark.read_csv(
            str(path), inferSchema=False, header=True, encoding=encoding, sep=delimiter, multiLine=True, escape='"'
        )
    else:
        raise DataError(f"{path}: on Spark, tables are read from CSV or Parquet files; convert this file first.")
    rows = int(table.count().to_pyarrow().as_py())
    if rows == 0:
        raise DataError(f"{path}: the file has a header but no data rows.")
    headers = tuple(table.columns)
    info = SourceInfo(str(path), sha256_of(path), path.stat().st_size, rows)
    return table.mutate(**{ROW: ibis.row_number() + 2}), headers, (info,), str(path)


def _redact(url: str) -> str:
    """A connection URL without its password, for reports."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


@dataclass
class _Database:
    """A database source: where its tables are read and checked, and whether rows must stay there."""

    con: ibis.BaseBackend
    remote: bool  # a server (PostgreSQL, a warehouse): checked there, rows never copied out
    catalog: str | None = None  # a DuckDB file attached to the load's workspace

    def table(self, name: str) -> ibis.Table:
        return self.con.table(name, database=(self.catalog, "main")) if self.catalog else self.con.table(name)

    def names(self) -> list[str]:
        try:
            return sorted(
                self.con.list_tables(database=(self.catalog, "main")) if self.catalog else self.con.list_tables()
            )
        except Exception:
            # ibis 12's DuckDB list_tables() calls a method DuckDB 2.0 removed; ask the catalog directly then.
            where = f" where table_catalog = '{self.catalog}'" if self.catalog else ""
            try:
                rows = self.con.raw_sql(f"select table_name from information_schema.tables{where}").fetchall()
            except Exception:
                return []
            return sorted(r[0] for r in rows)


SOURCE_CATALOG = "snb_source"
# Spark settings salesnb relies on: timestamps read and shown as written (no shift to the JVM's
# zone), and parsers that give NULL for a cell that does not fit instead of failing the query.
SPARK_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",  # Spark's 200 suits a cluster, not one machine
}


def _spark(url: str, params: Params) -> ibis.BaseBackend:
    """A Spark session (``pyspark://`` = local mode) that reads the params' files itself."""
    from pyspark.sql import SparkSession

    master = url.removeprefix("pyspark://").strip("/") or "local[2]"
    builder = SparkSession.builder.master(master).appName("salesnb")
    for key, value in SPARK_CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session)


def _connect_source(params: Params, workspace: Workspace) -> _Database:
    source = params.data.source
    try:
        if source.startswith("pyspark://"):
            return _Database(_spark(source, params), remote=True)
        if source.startswith(("sqlite://", "file://")):
            # ibis.connect creates a missing database file; reading data must write nothing.
            parsed = urllib.parse.urlparse(source)
            named = parsed.netloc + parsed.path
            if named not in ("", ":memory:") and not Path(named).is_file():
                raise DataError(f"{Path(named).absolute()}: database file named in data.source not found.")
        if "://" in source and not source.startswith("duckdb://"):
            return _Database(ibis.connect(source), remote=True)
        path = Path(source.removeprefix("duckdb://"))
        if not path.is_absolute():
            path = (params.source_path.parent if params.source_path else Path.cwd()) / path
        if not path.is_file():
            raise DataError(f"{path}: DuckDB file named in data.source not found.")
        workspace.con.attach(str(path), name=SOURCE_CATALOG, read_only=True)
        return _Database(workspace.con, remote=False, catalog=SOURCE_CATALOG)
    except DataError:
        raise
    except Exception as exc:  # backends raise their own error types for a bad URL or file
        raise DataError(f"data.source {_redact(source)!r}: cannot connect ({type(exc).__name__}: {exc}).") from None


def _require_columns(
    name: str,
    present: list[str],
    origin: str,
    unmapped: list[str],
    *,
    status_from: bool = False,
    sheets: str = "",
) -> None:
    spec = schema.TABLES[name]
    needed = [c for c in spec.required if c not in present]
    if name == "deals" and "status" in needed and ("stage" in present or status_from):
        needed.remove("status")  # derived from the stage or the status rules
    if name == "deals" and "created_at" in needed:
        needed.remove("created_at")  # kept as missing: every deal is flagged and the audit says so
    if not needed:
        return
    column = needed[0]
    if name == "deals" and column == "status":
        hint = "map a status column (won/lost/open) or a stage column, or give status_from rules"
    else:
        hint = f"map it in data.tables.{name}.columns (<client column>: {column})"
    raise DataError(
        f"{origin}: required column '{column}' of the {name} table is missing"
        + (f" (also missing: {', '.join(needed[1:])})" if len(needed) > 1 else "")
        + f"; {hint}. Mapped so far: {', '.join(present) or 'nothing'}; "
        f"unmapped columns of the file: {', '.join(unmapped) or 'none'}.{sheets}"
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


def deal_dates(deals: ibis.Table) -> pd.Series:
    """One aggregate query over the clean deals: ``used`` (rows) and ``first_created``, ``last_created``,
    ``first_closed``, ``last_closed`` (NaT where no deal has that date). Shared by the KPI coverage, the
    targets' history check and the index's data window."""
    return (
        deals.aggregate(
            used=deals.count(),
            first_created=deals.created_at.min(),
            last_created=deals.created_at.max(),
            first_closed=deals.closed_at.min(),
            last_closed=deals.closed_at.max(),
        )
        .to_pandas()
        .iloc[0]
    )


def from_frames(params: Params, frames: dict[str, pd.DataFrame]) -> CrmData:
    """Serve canonical frames that are already clean (tests, notebooks) without files or accounting."""
    report = LoadReport({}, {n: "not_configured" for n in LOAD_ORDER if n not in frames}, "frames", "")
    con = connect(params.data.engine)
    for name, frame in frames.items():
        con.create_table(name, frame)
    return CrmData(params, con, report, tuple(frames))


EXCLUDED_DIR = "excluded"


def save_snapshot(canonical: Canonical, report: LoadReport, directory: Path) -> Path:
    """Write the clean tables (one Parquet file each, written by the engine) and the load report.

    Excluded rows go to ``excluded/<table>.parquet`` for the audit's export. For a
    database source no rows are written: kernels rebuild the clean tables over the source.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for old in [*directory.glob("*.parquet"), *directory.glob(f"{EXCLUDED_DIR}/*.parquet")]:
        old.unlink()
    in_database = canonical.database is not None
    if not in_database:
        for name, table in canonical.tables.items():
            table.to_parquet(directory / f"{name}.parquet")
    if canonical.excluded:
        (directory / EXCLUDED_DIR).mkdir(exist_ok=True)
        for name, rows in canonical.excluded.items():
            if report.accounts[name].rows_excluded:
                rows.to_parquet(directory / EXCLUDED_DIR / f"{name}.parquet")
    (directory / SNAPSHOT_FILE).write_bytes(pickle.dumps(report))
    return directory


# The snapshot's run id: written into the snapshot by the runner, passed to its kernels, checked on opening.
SNAPSHOT_ID_FILE = "snapshot_id"


def check_snapshot_id(snapshot_dir: str | Path) -> None:
    """Refuse a snapshot that the run driving this kernel did not write.

    The runner passes its snapshot's id in ``SALESNB_SNAPSHOT_ID``; outside the runner
    (the variable unset) there is nothing to compare and any snapshot is accepted.
    """
    expected = os.environ.get(SNAPSHOT_ID_ENV)
    if not expected:
        return
    id_file = Path(snapshot_dir) / SNAPSHOT_ID_FILE
    found = id_file.read_text(encoding="utf-8").strip() if id_file.is_file() else ""
    if found != expected:
        raise DataError(
            f"{snapshot_dir}: this data snapshot was not written by the current run (id {found or 'missing'}, "
            f"expected {expected}); the report would show other data than the run checked. Run the report again."
        )


def load_snapshot(params: Params, directory: Path) -> CrmData:
    """Serve a snapshot written by :func:`save_snapshot` as Ibis tables.

    Nothing is copied: each table is a view over its Parquet file, registered on first
    use (:meth:`CrmData.table`), on a DuckDB with salesnb's memory bounds. For a
    database source the clean tables are rebuilt as expressions over the source.
    """
    directory = Path(directory)
    report_file = directory / SNAPSHOT_FILE
    if not report_file.is_file():
        raise DataError(f"{directory}: not a salesnb data snapshot (no {SNAPSHOT_FILE}).")
    report = pickle.loads(report_file.read_bytes())  # written by save_snapshot in this run
    excluded = {p.stem: p for p in (directory / EXCLUDED_DIR).glob("*.parquet")}
    if report.remote:
        canonical, _ = read_canonical(params, account=False)
        names = tuple(n for n in LOAD_ORDER if n in canonical.tables)
        return CrmData(params, canonical.con, report, names, canonical=canonical, excluded_files=excluded)
    files = {path.stem: path for path in directory.glob("*.parquet")}
    names = tuple(n for n in LOAD_ORDER if n in files)
    con = connect(params.data.engine)
    return CrmData(params, con, report, names, {n: files[n] for n in names}, excluded_files=excluded)
