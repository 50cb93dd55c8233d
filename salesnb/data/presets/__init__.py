"""Column-mapping presets: a preset fills ``data.tables`` defaults; the params file overrides them.

Each preset is a YAML file beside this module (format: :mod:`salesnb.data.presets.format`).
``generic`` expects canonical column names in files named after the tables (``deals.csv``,
``reps.xlsx``, …). The CRM presets (``maven_crm``, ``salesforce``, ``hubspot``, ``jiandaoyun``)
describe the files a CRM exports; :func:`resolve` recognises each file by its headers and maps
its columns, and the audit shows what was found, guessed and missing.

>>> PRESETS["maven_crm"].title
'Maven Analytics CRM Sales Opportunities'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salesnb import schema
from salesnb.data.presets.format import Preset, installed_presets, load_preset
from salesnb.data.presets.resolve import (
    Detection,
    PresetReport,
    Resolution,
    TableMapping,
    detect,
    resolve,
)
from salesnb.errors import DataError, ParamsError
from salesnb.params import TableSource

if TYPE_CHECKING:
    from salesnb.params import Params

__all__ = [
    "PRESETS",
    "Detection",
    "Preset",
    "PresetReport",
    "Resolution",
    "TableMapping",
    "detect",
    "effective_tables",
    "installed_presets",
    "is_preset_only",
    "load_preset",
    "missing_file_message",
    "resolve",
    "resolve_tables",
]


class _Installed(Mapping[str, Preset]):
    """The installed presets by name, each read from its YAML file when first asked for."""

    def __getitem__(self, name: str) -> Preset:
        if name not in installed_presets():
            raise KeyError(name)
        return load_preset(name)

    def __iter__(self) -> Iterator[str]:
        return iter(installed_presets())

    def __len__(self) -> int:
        return len(installed_presets())


PRESETS: Mapping[str, Preset] = _Installed()


def effective_tables(params: Params) -> dict[str, TableSource]:
    """The preset's tables overlaid with the params file's own ``data.tables``.

    See :func:`resolve_tables`, which also returns what the preset found.
    """
    return resolve_tables(params)[0]


def resolve_tables(params: Params) -> tuple[dict[str, TableSource], PresetReport | None]:
    """The preset's tables overlaid with the params file's own ``data.tables``, and the preset's
    report (None for the generic preset).

    A table named in the params file replaces the preset's keys it sets and extends its
    mappings (``columns``, ``values``, ``constants``); the rest of the preset entry is kept,
    so ``deals: {encoding: gb18030}`` only changes the encoding. An explicit ``file`` pins the
    file (the preset maps its columns); explicit ``columns`` win over the preset's for the
    canonical columns they fill. An entry with ``table`` or ``parts`` replaces the preset's.
    A CRM preset that finds no deals file, or a deals file without a required column, is a
    DataError naming the headers it looked for.
    """
    given = {name: own.model_dump(exclude_unset=True) for name, own in params.data.tables.items()}
    relative_to = params.source_path.parent if params.source_path else None
    preset = load_preset(params.data.preset, relative_to=relative_to)
    if preset.detectable and params.data.source != "files":
        raise ParamsError(
            f"data.preset {preset.name} recognises exported files by their headers, but data.source is a "
            "database; use preset generic and name each table (data.tables.<name>.table) with its columns."
        )
    resolution = resolve(preset, params.base_dir, given=given)
    if resolution.report is not None:
        _require(resolution, params)
    merged: dict[str, TableSource] = {}
    for name in schema.TABLES:
        own = params.data.tables.get(name)
        base = resolution.tables.get(name)
        if own is None and base is None:
            continue
        if own is None:
            merged[name] = TableSource.model_validate(base)
            continue
        own_keys = given[name]
        if base and not ({"table", "parts"} & set(own_keys)):
            merged[name] = TableSource.model_validate(_overlay(base, own_keys))
        else:
            merged[name] = own
    return merged, resolution.report


def _overlay(base: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    combined = {**base, **given}
    targets = set()
    for value in given.get("columns", {}).values():
        targets |= {value} if isinstance(value, str) else set(value)
    # The params file's columns win: the preset's header for a canonical column they fill is dropped.
    kept = {}
    for header, value in base.get("columns", {}).items():
        listed = [value] if isinstance(value, str) else list(value)
        rest = [t for t in listed if t not in targets]
        if rest:
            kept[header] = rest[0] if len(rest) == 1 else rest
    for key, merged in (("columns", kept), ("constants", base.get("constants", {}))):
        combined[key] = {**merged, **given.get(key, {})}
    values = {col: dict(m) for col, m in base.get("values", {}).items()}
    for col, mapping in given.get("values", {}).items():
        values[col] = {**values.get(col, {}), **mapping}
    combined["values"] = values
    return combined


def _require(resolution: Resolution, params: Params) -> None:
    """Refuse a CRM preset's load when the deals file is not found or a required column is missing."""
    report = resolution.report
    assert report is not None
    where = f"data.preset {report.preset} ({report.title})"
    if "deals" not in resolution.tables and "deals" not in params.data.tables:
        mapping = report.table("deals")
        tried = " or ".join("[" + ", ".join(s) + "]" for s in mapping.signatures)
        seen = "; ".join(
            f"{f.name} ({', '.join(f.headers[:8])}{', …' if len(f.headers) > 8 else ''})"
            for f in resolution.files
            if f.error is None
        )
        raise DataError(
            f"{where}: no file in {resolution.base_dir} has the headers of its deals export ({tried}, "
            f"ignoring case, spaces and punctuation). Files read: {seen or 'none'}. Name the deals file in "
            f"data.tables.deals.file, or choose another preset (salesnb init proposes one). {download_hint(params)}".strip()
        )
    for mapping in report.tables:
        if not mapping.required_missing:
            continue
        column = mapping.required_missing[0]
        if column == "status":
            hint = "no status_from alternative has its columns and no stage column was found"
        else:
            tried = mapping.missing.get(column, ())
            hint = f"none of its headers is {' or '.join(repr(h) for h in tried)}" if tried else "the preset lists none"
        raise DataError(
            f"{where}: {mapping.file} has no column for {column} of the {mapping.table} table: {hint} "
            f"(ignoring case, spaces and punctuation), and no header looks like one. Map it in "
            f"data.tables.{mapping.table}.columns (<client column>: {column}). "
            f"Headers of the file: {', '.join(mapping.headers)}."
        )


def is_preset_only(params: Params, name: str) -> bool:
    """True when a table comes from the preset alone, so a missing file means 'no such table'."""
    return name not in params.data.tables


def missing_file_message(params: Params, table: str, path: Path) -> str:
    """The error for a table's file that is not there, in one paragraph.

    It says when the whole data folder is missing and, for the preset of a public data set (its
    ``download`` text, e.g. maven_crm), where to get the data.
    """
    text = f"{path}: file for the {table} table not found"
    folder = params.base_dir
    if not folder.is_dir():
        where = f" in {params.source_path}" if params.source_path else ""
        text += f": the data folder {folder} does not exist (data.base_dir{where})"
    return f"{text}. {download_hint(params)}".strip()


def download_hint(params: Params) -> str:
    """The preset's ``download`` text (where a public data set comes from), or ''."""
    relative_to = params.source_path.parent if params.source_path else None
    try:
        return load_preset(params.data.preset, relative_to=relative_to).download
    except ParamsError:
        return ""


def check_mapping(params: Params, tables: Mapping[str, TableSource] | None = None) -> None:
    """The merged tables (preset and params) name canonical columns, each filled once; ParamsError if not.

    Runs before any data is read (:func:`resolve_tables`), so ``check`` and ``run`` stop on a mapping
    mistake before any kernel starts.
    """
    path = params.source_path or Path("params")
    tables = effective_tables(params) if tables is None else tables
    for name, source in tables.items():
        if not source.parts and source.file is None and source.table is None:
            raise ParamsError(
                f"{path}: data.tables.{name} needs 'file' (a CSV/XLSX/Parquet file), 'table' "
                f"(a table of data.source) or 'parts'; preset '{params.data.preset}' gives none."
            )
        if source.status_from and name != "deals":
            raise ParamsError(f"{path}: data.tables.{name}.status_from: status rules apply to the deals table only.")
        if not source.parts:
            _check_mapped_source(path, name, source, f"data.tables.{name}")
        for i, part in enumerate(source.parts):
            if part.file is None and part.table is None:
                raise ParamsError(f"{path}: data.tables.{name}.parts[{i}] needs 'file' or 'table'.")
            _check_mapped_source(path, name, part, f"data.tables.{name}.parts[{i}]")
    if "deals" not in tables:
        raise ParamsError(f"{path}: data.tables has no 'deals' entry; the deals table is required.")


def _check_mapped_source(path: Path, name: str, source: TableSource, where: str) -> None:
    """The canonical columns one file (or one part) maps onto exist, and each is filled once."""
    spec = schema.TABLES[name]
    mapped = [t for value in source.columns.values() for t in ([value] if isinstance(value, str) else value)]
    melted = ["stage", source.melt.into] if source.melt else []
    targets = mapped + melted + list(source.constants)
    targets += [canonical for lookup in source.lookups for canonical in lookup.columns.values()]
    for target in targets:
        if target not in spec.columns:
            close = difflib.get_close_matches(target, list(spec.columns), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ParamsError(
                f"{path}: {where} maps onto '{target}', which is not a column of the "
                f"canonical '{name}' table{hint}; its columns are {', '.join(spec.columns)}."
            )
    for lookup in source.lookups:
        clash = sorted(set(lookup.columns.values()) & (set(mapped) | set(source.constants)))
        if clash:
            raise ParamsError(
                f"{path}: {where}: lookup from {lookup.file} fills {clash}, which "
                "'columns' or 'constants' already fill; a lookup never overwrites them — drop one of the two."
            )
    doubled = {t for t in mapped if mapped.count(t) > 1}
    if doubled:
        raise ParamsError(
            f"{path}: {where}.columns maps several client columns onto {sorted(doubled)}; "
            "each canonical column takes one client column."
        )
    both = sorted(set(melted) & (set(mapped) | set(source.constants)))
    if both:
        raise ParamsError(
            f"{path}: {where}.melt fills {both} from the melted columns, which 'columns' or 'constants' "
            "also fill; drop one of the two."
        )
    for column in source.values:
        if column not in spec.columns:
            raise ParamsError(f"{path}: {where}.values names '{column}', which is not a canonical column of '{name}'.")
