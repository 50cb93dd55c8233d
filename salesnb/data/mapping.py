"""Map a client's columns and values onto the canonical schema.

Order: rename columns → add constants → map values → join lookups (then map the
values of looked-up columns). Every change of a value is counted for the audit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from salesnb.data.readers import ROW, SourceInfo, read_table_file, resolve_file
from salesnb.errors import DataError
from salesnb.params import TableSource
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
    """A lookup join: how many rows found their key in the lookup file."""

    file: str
    on: str
    columns: tuple[str, ...]
    matched: int
    unmatched: int
    blank: int
    unmatched_examples: tuple[str, ...]


@dataclass
class Mapped:
    frame: pd.DataFrame
    columns: dict[str, str]  # canonical -> client column (or "constant: …")
    ignored: list[str]
    remaps: list[Remap] = field(default_factory=list)
    lookups: list[LookupResult] = field(default_factory=list)
    lookup_sources: list[SourceInfo] = field(default_factory=list)


def map_table(frame: pd.DataFrame, *, spec: TableSpec, source: TableSource, origin: str, base_dir: Path) -> Mapped:
    """Rename, fill constants, map values and join lookups; never touches ``frame``."""
    headers = [c for c in frame.columns if c != ROW]
    out = pd.DataFrame({ROW: frame[ROW]}) if ROW in frame else pd.DataFrame(index=frame.index)
    used: dict[str, str] = {}
    for client, targets in source.columns.items():
        if client not in frame.columns:
            raise DataError(
                f"{origin}: column '{client}' named in data.tables.{spec.name}.columns is not in the file; "
                f"its columns are: {', '.join(headers)}."
            )
        for target in [targets] if isinstance(targets, str) else targets:
            out[target] = frame[client]
            used[target] = client
    mapped_clients = set(source.columns)
    for name in headers:
        if name in spec.columns and name not in used and name not in mapped_clients:
            out[name] = frame[name]
            used[name] = name
    for target, value in source.constants.items():
        out[target] = value
        used[target] = f"= {value}"
    result = Mapped(out, used, ignored=[h for h in headers if h not in mapped_clients and h not in used])
    _map_values(result, source, columns=[c for c in source.values if c in out])
    for lookup in source.lookups:
        _join_lookup(result, lookup, spec=spec, origin=origin, base_dir=base_dir)
    added = {c for lookup in source.lookups for c in lookup.columns.values()}
    _map_values(result, source, columns=[c for c in source.values if c in added])
    return result


def _map_values(result: Mapped, source: TableSource, *, columns: list[str]) -> None:
    for column in columns:
        mapping = source.values[column]
        text = result.frame[column].astype("string").str.strip()
        for old, new in mapping.items():
            hits = text.eq(str(old)).fillna(False)
            if hits.any():
                result.remaps.append(Remap(column, str(old), str(new), int(hits.sum())))
        result.frame[column] = text.replace({str(k): str(v) for k, v in mapping.items()})


def _join_lookup(result: Mapped, lookup, *, spec: TableSpec, origin: str, base_dir: Path) -> None:
    path = resolve_file(base_dir, lookup.file)
    if path is None:
        raise DataError(f"{base_dir / lookup.file}: lookup file for data.tables.{spec.name} not found.")
    raw = read_table_file(path, encoding=lookup.encoding, delimiter=lookup.delimiter)
    table = raw.frame
    missing = [c for c in [lookup.key, *lookup.columns] if c not in table.columns]
    if missing:
        raise DataError(
            f"{path}: lookup column(s) {missing} not in the file; its columns are: "
            f"{', '.join(c for c in table.columns if c != ROW)}."
        )
    if lookup.on not in result.frame:
        raise DataError(f"{origin}: lookup on '{lookup.on}' but the {spec.name} table has no such column mapped.")
    keys = table[lookup.key].astype("string").str.strip()
    repeated = keys[keys.duplicated(keep=False) & keys.notna() & keys.ne("")]
    if len(repeated):
        examples = ", ".join(repr(k) for k in repeated.unique()[:5])
        raise DataError(
            f"{path}: column '{lookup.key}' repeats keys ({examples}); a lookup needs one row per key, "
            "otherwise the join would multiply rows."
        )
    on = result.frame[lookup.on].astype("string").str.strip()
    blank = on.isna() | on.eq("")
    found = on.isin(set(keys.dropna()))
    for client_column, target in lookup.columns.items():
        values = dict(zip(keys, table[client_column], strict=True))
        result.frame[target] = on.map(values)
        result.columns[target] = f"{Path(path).name}:{client_column}"
    unmatched = on[~blank & ~found]
    result.lookups.append(
        LookupResult(
            file=Path(path).name,
            on=lookup.on,
            columns=tuple(lookup.columns.values()),
            matched=int(found.sum()),
            unmatched=len(unmatched),
            blank=int(blank.sum()),
            unmatched_examples=tuple(str(v) for v in unmatched.value_counts().index[:5]),
        )
    )
    result.lookup_sources.append(raw.info)
