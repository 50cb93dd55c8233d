"""Resolve a preset against a client's files: which file is which shape, which header is which column.

Only headers are read (:func:`salesnb.data.readers.read_headers`: the same encoding, delimiter
and header-row detection as a load, but no data row). Each file (each sheet of a workbook) is
assigned to the first shape whose signature headers are all present; then each canonical
column the shape lists is resolved to a header of that file:

- **found**: one of the preset's documented candidates is there (ignoring case, spaces and
  punctuation, :func:`salesnb.data.headers.match_header`), the first present wins;
- **guessed**: none is, but the general synonym table proposes a header
  (:func:`salesnb.data.synonyms.propose`, confidence at least :data:`GUESS_MINIMUM`);
- **missing**: neither.

The result is concrete ``data.tables`` entries (explicit file, sheet, columns, status_from,
lookups, …) and a :class:`PresetReport` that the audit shows.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from salesnb import schema
from salesnb.data.headers import match_header
from salesnb.data.presets.format import Preset, Shape, installed_presets, load_preset
from salesnb.data.readers import EXCEL_SUFFIXES, SUPPORTED, list_sheets, read_headers, resolve_file
from salesnb.errors import DataError

__all__ = [
    "GUESS_MINIMUM",
    "Detection",
    "PresetReport",
    "Resolution",
    "ScannedFile",
    "TableMapping",
    "detect",
    "resolve",
    "scan",
]

# A synonym proposal below this confidence is not used for a load (``salesnb init`` shows it as a TODO).
GUESS_MINIMUM = 0.6
# Read options of a params table entry that change which headers a file shows.
READ_OPTIONS = ("encoding", "delimiter", "header_row", "sheet")


@dataclass(frozen=True)
class ScannedFile:
    """One file (one sheet of a workbook) and its headers; ``error`` says why it could not be read."""

    path: Path
    sheet: str | None
    headers: tuple[str, ...]
    error: str | None = None

    @property
    def name(self) -> str:
        return self.path.name + (f" [{self.sheet}]" if self.sheet is not None else "")


@dataclass(frozen=True)
class TableMapping:
    """How one canonical table (or one part of it) was resolved: file, and column by column.

    ``found``/``guessed``/``given`` map a canonical column to the header used (a looked-up column
    as ``file:header``; ``given`` are those the params file set itself); ``missing`` maps a column
    the preset lists but the file lacks to the candidates tried. ``status_rules`` is the
    ``status_from`` alternative chosen (number ``status_alternative`` of ``status_alternatives``).
    ``file`` is None when no file had the shape's signature (``signatures`` lists those tried).
    """

    table: str
    shape: str
    file: str | None
    sheet: str | None = None
    found: dict[str, str] = field(default_factory=dict)
    guessed: dict[str, str] = field(default_factory=dict)
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    given: dict[str, str] = field(default_factory=dict)
    status_rules: tuple[dict, ...] = ()
    status_alternative: int | None = None
    status_alternatives: int = 0
    required_missing: tuple[str, ...] = ()
    file_found: bool = True  # False: the file named for the shape (pinned or usual name) is not there
    signatures: tuple[tuple[str, ...], ...] = ()
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class PresetReport:
    """What a preset found in the client's files, per table: shown in the audit."""

    preset: str
    title: str
    base_dir: str
    tables: tuple[TableMapping, ...]
    unmatched_files: tuple[str, ...] = ()
    unreadable_files: tuple[str, ...] = ()

    def table(self, name: str) -> TableMapping:
        """The mapping of one canonical table (its first part for a table made of parts)."""
        for mapping in self.tables:
            if mapping.table == name:
                return mapping
        raise KeyError(f"the {self.preset} preset resolved no '{name}' table")

    def frame(self, lang: str = "en") -> pd.DataFrame:
        """One row per canonical column: table, file, column, client column, how (found / guessed /
        missing / set in the params file), in ``lang``; a table without a file is one row."""
        from salesnb.labels import t

        rows = []
        for m in self.tables:
            file = m.file if m.file is None else Path(m.file).name + (f" [{m.sheet}]" if m.sheet is not None else "")
            if m.file is None:
                tried = " | ".join(", ".join(s) for s in m.signatures)
                rows.append(
                    (m.table, None, None, t("preset.no_file_detail", lang, headers=tried), t("preset.no_file", lang))
                )
                continue
            if not m.file_found:
                tried = " | ".join(", ".join(s) for s in m.signatures)
                detail = t("preset.no_file_detail", lang, headers=tried) if tried else None
                rows.append((m.table, file, None, detail, t("preset.file_not_found", lang)))
                continue
            for column, header in m.found.items():
                rows.append((m.table, file, column, header, t("preset.found", lang)))
            if m.status_rules or m.status_alternatives:
                rows.append((m.table, file, "status", _status_text(m, lang), t("preset.found", lang)))
            for column, header in m.guessed.items():
                rows.append((m.table, file, column, header, t("preset.guessed", lang)))
            for column, candidates in m.missing.items():
                tried = t("preset.tried", lang, headers=", ".join(candidates))
                rows.append((m.table, file, column, tried, t("preset.missing", lang)))
            for column, header in m.given.items():
                rows.append((m.table, file, column, header, t("preset.given", lang)))
        return pd.DataFrame(rows, columns=["table", "file", "column", "client_column", "how"])


def _status_text(m: TableMapping, lang: str) -> str:
    from salesnb.labels import t

    if not m.status_rules:
        return t("preset.status_from_stage", lang)
    parts = []
    for rule in m.status_rules:
        status = t(f"status.{rule['status']}", lang)
        if "equals" in rule:
            parts.append(
                t("preset.status_equals", lang, status=status, column=rule["column"], values=", ".join(rule["equals"]))
            )
        else:
            key = "preset.status_filled" if rule["present"] else "preset.status_blank"
            parts.append(t(key, lang, status=status, column=rule["column"]))
    text = t("semicolon", lang).join(parts)
    if m.status_alternatives > 1:
        text += t("preset.alternative", lang, n=m.status_alternative, of=m.status_alternatives)
    return text


@dataclass(frozen=True)
class Resolution:
    """A preset resolved against files: ``tables`` are ``data.tables`` entries (TableSource dicts,
    files relative to ``base_dir`` when inside it); ``report`` is None for a preset that matches
    nothing (generic: files named after the tables)."""

    preset: str
    title: str
    base_dir: Path
    tables: dict[str, dict[str, Any]]
    report: PresetReport | None
    files: tuple[ScannedFile, ...] = ()
    shapes: dict[str, str] = field(default_factory=dict)  # shape -> file name its signature matched


class Detection(NamedTuple):
    """A preset that recognises some of the files: ``score`` is the share of readable files it
    recognises (0–1); ``shapes`` are the shapes whose signature a file matched."""

    preset: str
    score: float
    shapes: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Reading headers


def scan(paths: Iterable[str | Path] | str | Path, *, base_dir: Path | None = None) -> list[ScannedFile]:
    """The headers of every supported file among ``paths`` (a folder: its files, not its subfolders;
    a workbook: each sheet). Files that cannot be read are kept with their ``error``."""
    if isinstance(paths, str | Path):
        paths = [paths]
    out: list[ScannedFile] = []
    for given in paths:
        path = Path(given).expanduser()
        if base_dir is not None and not path.is_absolute() and (base_dir / path).exists():
            path = base_dir / path  # relative to the data folder; else as given (relative to the working folder)
        if path.is_dir():
            for child in sorted(path.iterdir(), key=lambda p: p.name):
                if child.is_file() and child.suffix.lower() in SUPPORTED and not child.name.startswith((".", "~$")):
                    out += _scan_file(child)
        elif path.suffix.lower() in SUPPORTED or path.is_file():
            out += _scan_file(path)
    return out


def _scan_file(path: Path, **options: Any) -> list[ScannedFile]:
    sheet = options.pop("sheet", None)
    if path.suffix.lower() in EXCEL_SUFFIXES and sheet is None:
        try:
            sheets = list_sheets(path)
        except (DataError, OSError, ValueError) as exc:
            return [ScannedFile(path, None, (), str(exc))]
        return [_read(path, name, **options) for name in sheets]
    return [_read(path, sheet, **options)]


def _read(path: Path, sheet: str | int | None, **options: Any) -> ScannedFile:
    try:
        stat = path.stat()
        headers = _cached_headers(str(path), sheet, stat.st_mtime_ns, stat.st_size, tuple(sorted(options.items())))
    except (DataError, OSError, ValueError) as exc:
        return ScannedFile(path, None if sheet is None else str(sheet), (), str(exc))
    return ScannedFile(path, None if sheet is None else str(sheet), headers)


@functools.lru_cache(maxsize=512)
def _cached_headers(path: str, sheet, _mtime: int, _size: int, options: tuple) -> tuple[str, ...]:
    # Loading a params file resolves the preset and the load resolves it again: read each file once.
    return tuple(read_headers(Path(path), sheet, **dict(options)))


def _present(name: str, headers: tuple[str, ...]) -> str | None:
    """The header ``name`` refers to; None when absent or ambiguous (two spellings of it)."""
    try:
        return match_header(name, headers)
    except DataError:
        return None


def _first(candidates: Iterable[str], headers: tuple[str, ...]) -> str | None:
    for candidate in candidates:
        header = _present(candidate, headers)
        if header is not None:
            return header
    return None


def _matches(shape: Shape, headers: tuple[str, ...]) -> bool:
    def there(name: str) -> bool:
        try:
            return match_header(name, headers) is not None
        except DataError:
            return True  # present twice in two spellings: still present

    return bool(shape.signature) and all(there(name) for name in shape.signature)


def _assign(preset: Preset, files: list[ScannedFile]) -> tuple[dict[str, ScannedFile], dict[str, str]]:
    """Shape -> the first file whose headers match its signature; file name -> the shape it matched."""
    assigned: dict[str, ScannedFile] = {}
    matched: dict[str, str] = {}
    for scanned in files:
        if scanned.error is not None:
            continue
        for shape in preset.shapes:
            if shape.from_shape is None and _matches(shape, scanned.headers):
                matched[scanned.name] = shape.shape
                assigned.setdefault(shape.shape, scanned)
                break
    return assigned, matched


# ---------------------------------------------------------------------------------------------
# Resolution


@dataclass
class _Context:
    preset: Preset
    base_dir: Path
    assigned: dict[str, ScannedFile]
    given: Mapping[str, Mapping[str, Any]]
    used: set[str] = field(default_factory=set)  # names of files used (for the unmatched list)

    def source(self, shape: Shape, *, hinted: bool = False) -> ScannedFile | None:
        """The file of ``shape``: its signature match, else (``hinted``) the file its usual name names."""
        if shape.from_shape is not None:
            return self.source(self.preset.shape(shape.from_shape), hinted=hinted)
        found = self.assigned.get(shape.shape)
        if found is None and hinted and shape.file is not None:
            found = self.named(shape.file)
        return found

    def named(self, pattern: str, **options: Any) -> ScannedFile:
        path = resolve_file(self.base_dir, pattern)
        if path is None:
            return ScannedFile(self.base_dir / pattern, None, (), "not found")
        sheet = options.get("sheet")
        scanned = _scan_file(path, **{k: v for k, v in options.items() if v not in (None, "auto")})
        if sheet is None and len(scanned) > 1:
            scanned = scanned[:1]  # the loader reads a workbook's first sheet by default
        return scanned[0]

    def relative(self, scanned: ScannedFile) -> str:
        try:
            return scanned.path.resolve().relative_to(self.base_dir.resolve()).as_posix()
        except ValueError:
            return str(scanned.path)


def resolve(
    preset: str | Path | Preset,
    base_dir: str | Path,
    files: Iterable[str | Path] | None = None,
    *,
    given: Mapping[str, Mapping[str, Any]] | None = None,
) -> Resolution:
    """Resolve ``preset`` (an installed name, a preset YAML path, or a :class:`Preset`) against the
    files of ``base_dir`` (or ``files``, relative to ``base_dir``).

    ``given`` holds the params file's own ``data.tables`` entries (the keys it sets): a ``file``
    pins the table's file (read with the entry's encoding, delimiter, header_row and sheet);
    canonical columns its ``columns``/``constants`` fill are not taken from the preset; its
    ``lookups``/``status_from`` replace the preset's; an entry with ``table`` or ``parts`` replaces
    the preset's table altogether.

    >>> folder = Path(__file__).parents[3] / "tests" / "fixtures" / "presets_unit" / "crm"
    >>> if folder.is_dir():
    ...     found = resolve(folder.parent / "unit.yaml", folder)
    ...     print(found.tables["deals"]["columns"]["Deal Ref"])
    deal_id
    """
    preset = preset if isinstance(preset, Preset) else load_preset(preset)
    base_dir = Path(base_dir)
    given = dict(given or {})
    if not preset.detectable:
        # Files named after the tables (generic): handed to the loader as they are.
        tables = {}
        for shape in preset.shapes:
            if shape.passthrough and shape.table not in tables:
                tables[shape.table] = {"file": shape.file, **shape.source_keys()}
        return Resolution(preset.name, preset.title, base_dir, tables, None)
    scanned = scan(base_dir) if files is None else scan(list(files), base_dir=base_dir)
    assigned, matched = _assign(preset, scanned)
    ctx = _Context(preset, base_dir, assigned, given)
    tables: dict[str, dict[str, Any]] = {}
    mappings: list[TableMapping] = []
    for table in preset.tables:
        own = given.get(table, {})
        if "table" in own or "parts" in own:
            continue  # the params file gives this table's source itself
        source, found = _resolve_table(ctx, table, own)
        if source is not None:
            tables[table] = source
        mappings += found
    unmatched = tuple(f.name for f in scanned if f.error is None and f.name not in matched and f.name not in ctx.used)
    unreadable = tuple(f"{f.name}: {f.error}" for f in scanned if f.error is not None)
    report = PresetReport(preset.name, preset.title, str(base_dir), tuple(mappings), unmatched, unreadable)
    shapes = {shape: f.name for shape, f in assigned.items()}
    return Resolution(preset.name, preset.title, base_dir, tables, report, tuple(scanned), shapes)


def _resolve_table(ctx: _Context, table: str, own: Mapping[str, Any]) -> tuple[dict | None, list[TableMapping]]:
    shapes = [s for s in ctx.preset.shapes if s.table == table]
    whole = [s for s in shapes if not s.part]
    if own.get("file") is not None:
        # The params file pins the file: the table's first shape maps it, whatever its headers.
        shape = next((s for s in whole if s.from_shape is None), (whole or shapes)[0])
        options = {k: own[k] for k in READ_OPTIONS if own.get(k) is not None}
        pinned = ctx.named(str(own["file"]), **options)
        ctx.used.add(pinned.name)
        done = _resolve_shape(ctx, shape, pinned, own, pinned=True)
        return done if done is not None else (None, [])
    for shape in whole:
        source = ctx.source(shape)
        if source is None:
            continue
        done = _resolve_shape(ctx, shape, source, own)
        if done is not None:
            return done
    parts = [(s, ctx.source(s)) for s in shapes if s.part]
    resolved = [_resolve_shape(ctx, s, f, own) for s, f in parts if f is not None]
    resolved = [r for r in resolved if r is not None]
    if resolved:
        sources = [r[0] for r in resolved]
        lifted = {}
        for source in sources:  # parsed once for the whole table (TableSource.parts)
            for key in ("date_format", "decimal"):
                if key in source:
                    lifted.setdefault(key, source.pop(key))
        return {"parts": sources, **lifted}, [m for r in resolved for m in r[1]]
    for shape in whole:
        if shape.passthrough:
            return {"file": shape.file, **shape.source_keys()}, []
        if shape.file is not None:
            # No file has the signature: fall back on the name the export usually has.
            done = _resolve_shape(ctx, shape, ctx.source(shape, hinted=True), own)
            if done is not None:
                return done
    signatures = tuple(s.signature for s in shapes if s.signature)
    if not signatures:
        signatures = tuple(ctx.preset.shape(s.from_shape).signature for s in shapes if s.from_shape)
    names = "/".join(s.shape for s in shapes)
    return None, [TableMapping(table, names, None, signatures=signatures)]


def _given_columns(own: Mapping[str, Any]) -> dict[str, str]:
    """Canonical column -> what the params file's own entry fills it with."""
    out: dict[str, str] = {}
    for header, targets in (own.get("columns") or {}).items():
        for target in [targets] if isinstance(targets, str) else targets:
            out[target] = header
    for target, value in (own.get("constants") or {}).items():
        out[target] = f"= {value}"
    return out


def _resolve_shape(
    ctx: _Context, shape: Shape, source: ScannedFile, own: Mapping[str, Any], *, pinned: bool = False
) -> tuple[dict, list[TableMapping]] | None:
    """The TableSource dict and the mapping of ``shape`` read from ``source``; None when a melt finds
    no column to melt (so the next shape is tried)."""
    table = shape.table
    assert table is not None
    verified = source.error is None  # a file not found is mapped by the first candidates, unchecked
    headers = source.headers
    given = _given_columns(own)
    melted: list[str] = []
    if shape.melt is not None and verified:
        pattern = re.compile(shape.melt.pattern)
        melted = [h for h in headers if pattern.search(h)]
        if not melted and not pinned:
            return None
    ctx.used.add(source.name)
    columns: dict[str, list[str]] = {}
    found: dict[str, str] = {}
    guessed: dict[str, str] = {}
    missing: dict[str, tuple[str, ...]] = {}
    for canonical, candidates in shape.columns.items():
        if canonical in given:
            continue
        header = _first(candidates, headers) if verified else candidates[0]
        if header is None:
            missing[canonical] = candidates
            continue
        columns.setdefault(header, []).append(canonical)
        if verified:
            found[canonical] = header
    filled = {c for targets in columns.values() for c in targets} | set(given) | set(shape.constants)
    lookups = []
    if "lookups" not in own:
        for spec in shape.lookups:
            lookup, lookup_found, lookup_missing = _resolve_lookup(ctx, spec, filled)
            if lookup is not None:
                lookups.append(lookup)
            found |= lookup_found
            missing |= lookup_missing
    if verified and missing:
        from salesnb.data.synonyms import propose

        free = [h for h in headers if h not in columns and h not in melted]
        proposals = propose(free, table, minimum=GUESS_MINIMUM)
        for canonical in list(missing):
            proposal = proposals.get(canonical)
            if proposal is not None and canonical not in given:
                columns.setdefault(proposal.header, []).append(canonical)
                guessed[canonical] = proposal.header
                del missing[canonical]
    if melted:
        first = melted[0] if len(melted) == 1 else f"{melted[0]} … ({len(melted)})"
        found |= {"stage": first, shape.melt.into: first}
    mapped = {c for targets in columns.values() for c in targets}
    looked_up = {c for lookup in lookups for c in lookup["columns"].values()}
    status_rules, alternative = (), None
    if "status_from" not in own and shape.status_from:
        status_rules, alternative = _choose_status(shape, headers, mapped | looked_up | set(shape.constants), verified)
    out: dict[str, Any] = {"file": ctx.relative(source)}
    if source.sheet is not None:
        out["sheet"] = source.sheet
    out |= shape.source_keys()
    if pinned:
        out.pop("sheet", None)  # the params file's own entry says which sheet
    out["columns"] = {header: targets[0] if len(targets) == 1 else targets for header, targets in columns.items()}
    if status_rules:
        out["status_from"] = list(status_rules)
    if lookups:
        out["lookups"] = lookups
    if not verified:
        signatures = (shape.signature,) if shape.signature else ()
        mapping = TableMapping(
            table, shape.shape, ctx.relative(source), source.sheet, file_found=False, signatures=signatures
        )
        return out, [mapping]
    filled = mapped | looked_up | set(given) | set(shape.constants) | set(found)
    required = [c for c in schema.TABLES[table].required if c not in filled and c not in headers and c != "created_at"]
    if "status" in required and (status_rules or "status_from" in own or "stage" in filled):
        required.remove("status")
    mapping = TableMapping(
        table,
        shape.shape,
        ctx.relative(source),
        source.sheet,
        found=found,
        guessed=guessed,
        missing=missing,
        given={c: h for c, h in given.items() if c in schema.TABLES[table].columns},
        status_rules=tuple(status_rules),
        status_alternative=alternative,
        status_alternatives=len(shape.status_from) if "status_from" not in own else 0,
        required_missing=tuple(required),
        headers=headers,
    )
    return out, [mapping]


def _resolve_lookup(ctx: _Context, spec, filled: set[str]):
    """A Lookup dict for ``spec`` (None when its file, key or join column is missing), the columns
    it fills (``file:header``) and those it cannot fill (with the candidates tried)."""
    wanted = {c: cands for c, cands in spec.columns.items() if c not in filled}
    if spec.columns and not wanted:
        return None, {}, {}  # the table's own file has every column this lookup would add
    other = ctx.source(ctx.preset.shape(spec.shape), hinted=True)
    if other is None or spec.on not in filled:
        return None, {}, dict(wanted)
    verified = other.error is None
    key = _first(spec.key, other.headers) if verified else spec.key[0]
    if key is None:
        return None, {}, dict(wanted)
    ctx.used.add(other.name)
    columns: dict[str, str] = {}
    found: dict[str, str] = {}
    missing: dict[str, tuple[str, ...]] = {}
    for canonical, candidates in wanted.items():
        header = _first(candidates, other.headers) if verified else candidates[0]
        if header is None or header in columns:
            missing[canonical] = candidates
            continue
        columns[header] = canonical
        if verified:
            found[canonical] = f"{other.path.name}:{header}"
    lookup: dict[str, Any] = {"file": ctx.relative(other), "key": key, "on": spec.on, "columns": columns}
    default = {c: v for c, v in spec.default.items() if c in columns.values()}
    if default:
        lookup["default"] = default
    if other.sheet is not None:
        lookup["sheet"] = other.sheet
    return lookup, found, missing


def _choose_status(shape: Shape, headers: tuple[str, ...], canonical: set[str], verified: bool):
    """The first status_from alternative whose columns are all there (a header, or a canonical column
    the table fills), with each rule's column as the file spells it; ((), None) when none is complete."""
    for number, alternative in enumerate(shape.status_from, start=1):
        rules = []
        for rule in alternative:
            header = _present(rule.column, headers) if verified else rule.column
            if header is None and rule.column in canonical:
                header = rule.column
            if header is None:
                break
            rules.append({**rule.model_dump(exclude_none=True), "column": header})
        else:
            return tuple(rules), number
    return (), None


# ---------------------------------------------------------------------------------------------
# Detection


def detect(files: Iterable[str | Path] | str | Path) -> list[Detection]:
    """The installed presets that recognise ``files`` (files or folders), best first.

    A preset is listed when some file has the signature of one of its deals shapes; ``score`` is
    the share of the readable files it recognises. Ties go to the preset recognising more shapes.
    """
    scanned = scan(files)
    readable = [f for f in scanned if f.error is None]
    out = []
    for name in installed_presets():
        preset = load_preset(name)
        if not preset.detectable:
            continue
        assigned, matched = _assign(preset, readable)
        if not any(preset.shape(s).table == "deals" for s in assigned):
            continue
        score = len(matched) / len(readable) if readable else 0.0
        out.append(Detection(name, round(score, 3), tuple(assigned)))
    out.sort(key=lambda d: (-d.score, -len(d.shapes), d.preset))
    return out
