"""Map a client's columns and values onto the canonical schema.

Order: rename columns → add constants → map values → join lookups (then map the
values of looked-up columns). Every change of a value is counted for the audit.
A lookup fills only columns nothing else fills (params refuses the overlap); rows whose
key is blank or not in the lookup file get the lookup's ``default`` values, counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from salesnb.data.engine import Workspace
from salesnb.data.ids import ID_COLUMNS, normalise_id
from salesnb.data.parse import text
from salesnb.data.readers import SourceInfo, read_table_file, resolve_file, sheet_hint
from salesnb.errors import DataError
from salesnb.params import Lookup, TableSource
from salesnb.schema import TableSpec


@dataclass(frozen=True)
class Remap:
    """Rows whose value was changed by a value mapping (e.g. GTXPro → GTX Pro)."""

    column: str
    old: str
    new: str
    rows: int


@dataclass(frozen=True)
class LookupResult:
    """A lookup join: how many rows found their key in the lookup file.

    ``defaulted`` rows (blank or unmatched keys) took the ``default`` values;
    ``keys_normalised`` lookup keys were rewritten by the id rule (``015`` → ``15``).
    """

    file: str
    on: str
    columns: tuple[str, ...]
    matched: int
    unmatched: int
    blank: int
    unmatched_examples: tuple[str, ...]
    default: dict[str, str] = field(default_factory=dict)
    defaulted: int = 0
    keys_normalised: int = 0


MAPPED = "snb_m_"  # prefix of canonical columns (still raw values) beside the client's columns


def mapped(column: str) -> str:
    return MAPPED + column


@dataclass
class Mapped:
    """The client's rows with the canonical columns added as ``snb_m_<name>`` (raw values)."""

    table: ir.Table
    headers: tuple[str, ...]
    columns: dict[str, str]  # canonical -> client column (or "= constant" / "file:column")
    ignored: list[str]
    raw: ir.Table | None = None  # the client's rows as read
    remaps: list[Remap] = field(default_factory=list)
    lookups: list[LookupResult] = field(default_factory=list)
    lookup_sources: list[SourceInfo] = field(default_factory=list)

    @property
    def canonical(self) -> list[str]:
        return [c.removeprefix(MAPPED) for c in self.table.columns if c.startswith(MAPPED)]


def map_table(
    table: ir.Table,
    headers: tuple[str, ...],
    *,
    spec: TableSpec,
    source: TableSource,
    origin: str,
    base_dir: Path,
    workspace: Workspace,
    normalise_ids: bool = True,
    hint: str = "",
) -> Mapped:
    """Rename, fill constants, map values and join lookups, as expressions over ``table``.

    With ``normalise_ids`` a lookup joined on an id column (``deal_id``, ``rep_id``,
    ``account_id``) compares both sides by :func:`salesnb.data.ids.normalise_id`.
    """
    added: dict[str, ir.Value] = {}
    used: dict[str, str] = {}
    for client, targets in source.columns.items():
        if client not in headers:
            raise DataError(
                f"{origin}: column '{client}' named in data.tables.{spec.name}.columns is not in the file; "
                f"its columns are: {', '.join(headers)}.{hint}"
            )
        for target in [targets] if isinstance(targets, str) else targets:
            added[target] = table[client]
            used[target] = client
    mapped_clients = set(source.columns)
    looked_up = {c for lookup in source.lookups for c in lookup.columns.values()}
    for name in headers:
        # A column named like a canonical one is taken by its name, unless a lookup fills that
        # column (the params file says so explicitly); it is then listed as ignored.
        if name in spec.columns and name not in used and name not in mapped_clients and name not in looked_up:
            added[name] = table[name]
            used[name] = name
    for target, value in source.constants.items():
        added[target] = ibis.literal(str(value))
        used[target] = f"= {value}"
    result = Mapped(
        table.mutate(**{mapped(k): v for k, v in added.items()}),
        headers,
        used,
        ignored=[h for h in headers if h not in mapped_clients and h not in used],
        raw=table,
    )
    _map_values(result, source, columns=[c for c in source.values if c in added])
    for lookup in source.lookups:
        _join_lookup(
            result,
            lookup,
            spec=spec,
            origin=origin,
            base_dir=base_dir,
            workspace=workspace,
            normalise=normalise_ids and lookup.on in ID_COLUMNS,
        )
    _map_values(result, source, columns=[c for c in source.values if c in looked_up])
    return result


def _map_values(result: Mapped, source: TableSource, *, columns: list[str]) -> None:
    for column in columns:
        mapping = {str(k): str(v) for k, v in source.values[column].items()}
        value = text(result.table[mapped(column)])
        hits = result.table.aggregate(
            **{f"h{i}": (value == old).fill_null(False).ifelse(1, 0).sum() for i, old in enumerate(mapping)}
        ).to_pandas()
        for i, (old, new) in enumerate(mapping.items()):
            count = hits.iloc[0][f"h{i}"] if not hits.empty else 0
            if pd.notna(count) and int(count):
                result.remaps.append(Remap(column, old, new, int(count)))
        result.table = result.table.mutate(**{mapped(column): value.substitute(mapping)})


def _join_lookup(
    result: Mapped,
    lookup: Lookup,
    *,
    spec: TableSpec,
    origin: str,
    base_dir: Path,
    workspace: Workspace,
    normalise: bool,
) -> None:
    path = resolve_file(base_dir, lookup.file)
    if path is None:
        raise DataError(f"{base_dir / lookup.file}: lookup file for data.tables.{spec.name} not found.")
    raw = read_table_file(
        path,
        encoding=lookup.encoding,
        delimiter=lookup.delimiter,
        sheet=lookup.sheet,
        header_row=lookup.header_row,
        workspace=workspace,
    )
    missing = [c for c in [lookup.key, *lookup.columns] if c not in raw.headers]
    if missing:
        raise DataError(
            f"{path}: lookup column(s) {missing} not in the file; its columns are: {', '.join(raw.headers)}."
            + sheet_hint(raw.info)
        )
    if mapped(lookup.on) not in result.table.columns:
        raise DataError(f"{origin}: lookup on '{lookup.on}' but the {spec.name} table has no such column mapped.")
    as_key = normalise_id if normalise else text
    keys = raw.table.select(
        snb_key=as_key(raw.table[lookup.key]),
        **{f"snb_v{i}": raw.table[c] for i, c in enumerate(lookup.columns)},
    )
    repeated = keys.filter(keys.snb_key.notnull()).group_by("snb_key").aggregate(n=ibis._.count()).filter(ibis._.n > 1)
    examples = repeated.order_by("snb_key").limit(5).to_pandas()["snb_key"].tolist()
    if examples:
        shown = ", ".join(repr(k) for k in examples)
        same = " (ids compared without leading zeros or a .0 tail)" if normalise else ""
        raise DataError(
            f"{path}: column '{lookup.key}' repeats keys ({shown}){same}; a lookup needs one row per key, "
            "otherwise the join would multiply rows."
        )
    rewritten = 0
    if normalise:
        written = text(raw.table[lookup.key])
        changed = (normalise_id(written) != written).fill_null(False).ifelse(1, 0).sum()
        rewritten = int(raw.table.aggregate(n=changed).to_pandas()["n"].fillna(0).iloc[0])
    table = result.table
    if table._find_backend() is not raw.table._find_backend():
        # A database source: the (small) lookup file goes to the database as a temporary table.
        keys = ibis.memtable(keys.to_pyarrow())
    on = as_key(table[mapped(lookup.on)])
    table = table.mutate(snb_on=on)
    joined = table.left_join(keys, table.snb_on == keys.snb_key)
    targets = list(lookup.columns.values())
    found = joined.snb_key.notnull()

    def filled(i: int, target: str) -> ir.Value:
        value = joined[f"snb_v{i}"]
        if target not in lookup.default:
            return value
        # The default is text; a typed lookup column (XLSX date, Parquet number) joins it as text
        # and is parsed with the rest of the column.
        value = value if value.type().is_string() else value.cast("string")
        return ibis.cases((found, value), else_=ibis.literal(lookup.default[target]))

    joined = joined.select(
        *[c for c in table.columns if c not in {mapped(t) for t in targets}],
        **{mapped(t): filled(i, t) for i, t in enumerate(targets)},
        snb_found=found,
    )
    counts = (
        joined.aggregate(
            matched=joined.snb_found.ifelse(1, 0).sum(),
            blank=joined.snb_on.isnull().ifelse(1, 0).sum(),
            n=joined.count(),
        )
        .to_pandas()
        .iloc[0]
    )
    unmatched_rows = joined.filter(joined.snb_on.notnull() & ~joined.snb_found)
    top = (
        unmatched_rows.group_by("snb_on").aggregate(n=ibis._.count()).order_by([ibis.desc("n"), "snb_on"]).limit(5)
    ).to_pandas()
    matched, blank = int(counts["matched"] or 0), int(counts["blank"] or 0)
    for client_column, target in lookup.columns.items():
        result.columns[target] = f"{Path(path).name}:{client_column}"
    result.table = joined.drop("snb_on", "snb_found")
    result.lookups.append(
        LookupResult(
            file=Path(path).name,
            on=lookup.on,
            columns=tuple(targets),
            matched=matched,
            unmatched=int(counts["n"]) - matched - blank,
            blank=blank,
            unmatched_examples=tuple(str(v) for v in top["snb_on"].tolist()),
            default=dict(lookup.default),
            defaulted=int(counts["n"]) - matched if lookup.default else 0,
            keys_normalised=rewritten,
        )
    )
    result.lookup_sources.append(raw.info)
