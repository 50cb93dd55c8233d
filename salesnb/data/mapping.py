"""Map a client's columns and values onto the canonical schema.

Order: rename columns → add constants → map values → join lookups (then map the
values of looked-up columns). Every change of a value is counted for the audit.
A lookup fills only columns nothing else fills (params refuses the overlap); rows whose
key is blank or not in the lookup file get the lookup's ``default`` values, counted.

A column named in the params file (``columns``, ``where``, ``status_from``, a lookup's
``key`` and ``columns``) is found among the file's headers by
:func:`salesnb.data.headers.match_header`: exactly, else ignoring case, spaces and punctuation.

Two reshapes come before mapping, both in the engine: :func:`melt_wide` turns a wide
table (HubSpot's ``Date entered <stage> (<pipeline>)`` columns) into one row per filled
cell, and :func:`union_parts` stacks the mapped rows of several files (Salesforce Task and
Event) into one table. Both give each row a unique ``_row`` key and keep the row number
in its file (``SOURCE_ROW``) for the audit's example rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from salesnb.data.engine import Workspace
from salesnb.data.headers import match_header
from salesnb.data.ids import ID_COLUMNS, normalise_id
from salesnb.data.parse import text
from salesnb.data.readers import ROW, SourceInfo, read_table_file, resolve_file, sheet_hint
from salesnb.errors import DataError
from salesnb.params import Condition, Lookup, Melt, TableSource
from salesnb.schema import TableSpec

# How spreadsheets and CRMs write a boolean; a condition's `equals: [true]` matches them all.
TRUE_WORDS = ("true", "1", "1.0", "yes", "y", "t", "是", "✓")
FALSE_WORDS = ("false", "0", "0.0", "no", "n", "f", "否")

FILTERED = "snb_filtered"  # the reason code of the first 'where' condition a row fails (NULL: selected)
SOURCE_ROW = "snb_source_row"  # the row's number in its file, where _row became a key (melt, parts)
MELT_STAGE = "snb_melt_stage"  # the 'stage' group of a melted cell's header
MELT_COLUMN = "column"  # shown in example rows: the header of a melted cell
MELT_VALUE = "value"  # shown in example rows: the melted cell
PART_FILE = "file"  # shown in example rows: the file of a part
PART_SPAN = 1 << 40  # _row keys of part i start at i * PART_SPAN (a file has fewer rows than that)


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
    """The client's rows with the canonical columns added as ``snb_m_<name>`` (raw values).

    ``filters`` maps the reason code of each ``where`` condition (``filtered:Pipeline``) to the
    condition in words; the table's ``FILTERED`` column holds the first one a row fails.
    """

    table: ir.Table
    headers: tuple[str, ...]
    columns: dict[str, str]  # canonical -> client column (or "= constant" / "file:column")
    ignored: list[str]
    raw: ir.Table | None = None  # the client's rows as read
    remaps: list[Remap] = field(default_factory=list)
    lookups: list[LookupResult] = field(default_factory=list)
    lookup_sources: list[SourceInfo] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)

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
    derived: dict[str, tuple[str, str]] | None = None,
) -> Mapped:
    """Rename, fill constants, map values and join lookups, as expressions over ``table``.

    With ``normalise_ids`` a lookup joined on an id column (``deal_id``, ``rep_id``,
    ``account_id``) compares both sides by :func:`salesnb.data.ids.normalise_id`.
    ``derived`` adds canonical columns taken from columns of ``table`` that are not headers
    (a melt's stage and cells): canonical -> (column of ``table``, how it is described).
    """
    added: dict[str, ir.Value] = {}
    used: dict[str, str] = {}
    mapped_clients: set[str] = set()
    where = f"data.tables.{spec.name}.columns"
    for client, targets in source.columns.items():
        header = find_header(client, headers, origin=origin, where=where, hint=hint)
        mapped_clients.add(header)
        for target in [targets] if isinstance(targets, str) else targets:
            added[target] = table[header]
            used[target] = header
    for target, (column, described) in (derived or {}).items():
        added[target] = table[column]
        used[target] = described
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
    filters, filtered = _where(table, headers, source.where, spec=spec, origin=origin, hint=hint)
    result = Mapped(
        table.mutate(**{mapped(k): v for k, v in added.items()}, **({FILTERED: filtered} if filters else {})),
        headers,
        used,
        ignored=[h for h in headers if h not in mapped_clients and h not in used],
        raw=table,
        filters=filters,
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


def find_header(name: str, headers: Sequence[str], *, origin: str, where: str, hint: str = "") -> str:
    """The header ``name`` (from the params file at ``where``) refers to; a DataError when there is none."""
    try:
        header = match_header(name, headers)
    except DataError as exc:
        raise DataError(f"{origin}: {where}: {exc}") from None
    if header is None:
        raise DataError(
            f"{origin}: column '{name}' named in {where} is not in the file; "
            f"its columns are: {', '.join(headers)}.{hint}"
        )
    return header


def condition_test(condition: Condition, value: ir.Value) -> ir.BooleanValue:
    """Whether a cell passes ``condition``: filled/blank, or one of ``equals`` (any case, boolean spellings)."""
    cell = text(value)
    if condition.present is not None:
        return cell.notnull() if condition.present else cell.isnull()
    words: set[str] = set()
    for word in condition.equals or []:
        word = word.strip().lower()
        words.add(word)
        for spellings in (TRUE_WORDS, FALSE_WORDS):
            if word in spellings:
                words.update(spellings)
    return cell.lower().isin(sorted(words)).fill_null(False)


def describe_condition(condition: Condition) -> str:
    """A condition in a few words for the audit: ``present``, ``blank`` or ``= yes, 1``."""
    if condition.present is not None:
        return "present" if condition.present else "blank"
    return "= " + ", ".join(condition.equals or [])


def _where(
    table: ir.Table,
    headers: tuple[str, ...],
    conditions: list[Condition],
    *,
    spec: TableSpec,
    origin: str,
    hint: str,
) -> tuple[dict[str, str], ir.StringValue | None]:
    """Reason codes of the ``where`` conditions (with their words) and the first code each row fails."""
    if not conditions:
        return {}, None
    filters: dict[str, str] = {}
    failing = []
    for condition in conditions:
        header = find_header(
            condition.column, headers, origin=origin, where=f"data.tables.{spec.name}.where", hint=hint
        )
        code = f"filtered:{header}"
        words = f"{header} {describe_condition(condition)}"
        filters[code] = f"{filters[code]} and {words}" if code in filters else words
        failing.append((~condition_test(condition, table[header]), code))
    return filters, ibis.cases(*failing, else_=ibis.null("string"))


@dataclass(frozen=True)
class Melted:
    """What :func:`melt_wide` did: the headers it melted and the stage each one gave."""

    headers: tuple[str, ...]
    stages: tuple[str, ...]

    @property
    def label(self) -> str:
        """The melted headers in a few words: their common start, e.g. ``'Date entered …'``."""
        prefix = _common_prefix(self.headers).rstrip(" (_-:\"'“「")
        return f"'{prefix} …'" if prefix else f"{len(self.headers)} melted"


def melt_wide(
    table: ir.Table, headers: tuple[str, ...], melt: Melt, *, keep: Sequence[str], origin: str
) -> tuple[ir.Table, tuple[str, ...], Melted]:
    """One row per filled cell of the headers ``melt.pattern`` matches, as an unpivot in the engine.

    Each row keeps the ``keep`` columns of its source row (the ids the params map), the melted
    header (``column``), the cell (``value``) and the header's ``stage`` group (``MELT_STAGE``).
    Blank cells give no row. ``_row`` becomes ``source row × headers + header index`` (unique,
    in file order) and ``SOURCE_ROW`` keeps the source row for example rows.

    >>> import ibis
    >>> wide = ibis.memtable({"_row": [2, 3], "id": ["D1", "D2"], "Date entered A": ["2025-01-02", None],
    ...                       "Date entered B": ["2025-01-09", "2025-02-01"]})
    >>> long, shown, melted = melt_wide(wide, ("id", "Date entered A", "Date entered B"),
    ...                                 Melt(pattern="^Date entered (?P<stage>.+)$"), keep=["id"], origin="deals.csv")
    >>> long.order_by("_row").select("id", "snb_melt_stage", "value").to_pandas().values.tolist()
    [['D1', 'A', '2025-01-02'], ['D1', 'B', '2025-01-09'], ['D2', 'B', '2025-02-01']]
    """
    regex = re.compile(melt.pattern)
    found: list[tuple[str, str]] = []
    for header in headers:
        match = regex.search(header)
        if match and match.group("stage") and match.group("stage").strip():
            found.append((header, match.group("stage").strip()))
    if not found:
        raise DataError(
            f"{origin}: melt.pattern {melt.pattern!r} matches none of the file's headers "
            f"({', '.join(headers)}); write it to match the per-stage columns, e.g. '^Date entered (?P<stage>.+)$'."
        )
    melted_headers = {h for h, _ in found}
    kept = [h for h in dict.fromkeys(keep) if h not in melted_headers]
    column_name = _fresh(MELT_COLUMN, kept)
    value_name = _fresh(MELT_VALUE, [*kept, column_name])
    # One type for the unpivoted cells: the columns' own type when they share it (dates in a workbook).
    types = {table[h].type() for h, _ in found}
    cast = len(types) > 1
    cells = {f"snb_c{i}": (table[h].cast("string") if cast else table[h]) for i, (h, _) in enumerate(found)}
    wide = table.select(ROW, *kept, **cells)
    long = wide.pivot_longer(ibis.selectors.startswith("snb_c"), names_to="snb_name", values_to=value_name)
    long = long.filter(text(long[value_name]).notnull())
    names = {f"snb_c{i}": i for i in range(len(found))}
    index = long.snb_name.substitute(names, else_=ibis.null("int64"))
    long = long.select(
        **{ROW: long[ROW] * len(found) + index, SOURCE_ROW: long[ROW]},
        **{h: long[h] for h in kept},
        **{
            column_name: long.snb_name.substitute({f"snb_c{i}": h for i, (h, _) in enumerate(found)}),
            value_name: long[value_name],
            MELT_STAGE: long.snb_name.substitute({f"snb_c{i}": st for i, (_, st) in enumerate(found)}),
        },
    )
    shown = (*kept, column_name, value_name)
    return long, shown, Melted(tuple(h for h, _ in found), tuple(st for _, st in found))


def _fresh(name: str, taken: Sequence[str]) -> str:
    """``name``, or ``name (melted)`` when a client column already has that name."""
    while name in taken:
        name = f"{name} (melted)"
    return name


def _common_prefix(names: Sequence[str]) -> str:
    if not names:
        return ""
    first, last = min(names), max(names)
    n = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), min(len(first), len(last)))
    return first[:n]


def union_parts(parts: Sequence[tuple[Mapped, str]]) -> Mapped:
    """One table from the mapped rows of several files (``(mapped, file name)`` each), stacked in the engine.

    Canonical columns a part does not map are NULL there; a column typed differently by two
    parts (a workbook's dates, a CSV's text) is stacked as text and parsed with the rest. The
    client's columns of every part are kept as text for example rows, beside ``file`` (the
    part's file) and ``SOURCE_ROW`` (the row in that file); ``_row`` becomes a key unique
    across parts: ``part index × 2**40 + row``.
    """
    canonical = list(dict.fromkeys(c for m, _ in parts for c in m.table.columns if c.startswith(MAPPED)))
    headers = list(dict.fromkeys(h for m, _ in parts for h in m.headers))
    file_name = _fresh(PART_FILE, headers)
    types: dict[str, set] = {c: set() for c in canonical}
    for m, _ in parts:
        for c in canonical:
            if c in m.table.columns:
                types[c].add(m.table[c].type())
    stacked = []
    for i, (m, name) in enumerate(parts):
        t = m.table
        row = t[SOURCE_ROW] if SOURCE_ROW in t.columns else t[ROW]
        values: dict[str, ir.Value] = {
            ROW: t[ROW] + i * PART_SPAN,
            SOURCE_ROW: row.cast("int64"),
            file_name: ibis.literal(name),
        }
        values |= {h: (t[h].cast("string") if h in m.headers else ibis.null("string")) for h in headers}
        values[FILTERED] = t[FILTERED] if FILTERED in t.columns else ibis.null("string")
        for c in canonical:
            one_type = len(types[c]) == 1
            kind = next(iter(types[c])) if one_type else ibis.dtype("string")
            if c not in t.columns:
                values[c] = ibis.null(kind)
            else:
                values[c] = t[c] if one_type else t[c].cast("string")
        stacked.append(t.select(**values))
    table = ibis.union(*stacked) if len(stacked) > 1 else stacked[0]
    columns: dict[str, str] = {}
    for c in (c.removeprefix(MAPPED) for c in canonical):
        given = [(name, m.columns[c]) for m, name in parts if c in m.columns]
        spelled = {client for _, client in given}
        columns[c] = (
            given[0][1]
            if len(spelled) == 1 and len(given) == len(parts)
            else "; ".join(f"{name}: {client}" for name, client in given)
        )
    remaps: dict[tuple[str, str, str], int] = {}
    for m, _ in parts:
        for r in m.remaps:
            remaps[(r.column, r.old, r.new)] = remaps.get((r.column, r.old, r.new), 0) + r.rows
    return Mapped(
        table,
        (file_name, *headers),
        columns,
        ignored=[f"{name}: {h}" for m, name in parts for h in m.ignored],
        raw=table,
        remaps=[Remap(c, o, n, k) for (c, o, n), k in remaps.items()],
        lookups=[lk for m, _ in parts for lk in m.lookups],
        lookup_sources=[info for m, _ in parts for info in m.lookup_sources],
        filters={code: words for m, _ in parts for code, words in m.filters.items()},
    )


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
    try:
        named = {c: match_header(c, raw.headers) for c in [lookup.key, *lookup.columns]}
    except DataError as exc:
        raise DataError(f"{path}: lookup for data.tables.{spec.name}: {exc}") from None
    missing = [c for c, header in named.items() if header is None]
    if missing:
        raise DataError(
            f"{path}: lookup column(s) {missing} not in the file; its columns are: {', '.join(raw.headers)}."
            + sheet_hint(raw.info)
        )
    key_header = named[lookup.key]
    if mapped(lookup.on) not in result.table.columns:
        raise DataError(f"{origin}: lookup on '{lookup.on}' but the {spec.name} table has no such column mapped.")
    as_key = normalise_id if normalise else text
    keys = raw.table.select(
        snb_key=as_key(raw.table[key_header]),
        **{f"snb_v{i}": raw.table[named[c]] for i, c in enumerate(lookup.columns)},
    )
    repeated = keys.filter(keys.snb_key.notnull()).group_by("snb_key").aggregate(n=ibis._.count()).filter(ibis._.n > 1)
    examples = repeated.order_by("snb_key").limit(5).to_pandas()["snb_key"].tolist()
    if examples:
        shown = ", ".join(repr(k) for k in examples)
        same = " (ids compared without leading zeros or a .0 tail)" if normalise else ""
        raise DataError(
            f"{path}: column '{key_header}' repeats keys ({shown}){same}; a lookup needs one row per key, "
            "otherwise the join would multiply rows."
        )
    rewritten = 0
    if normalise:
        written = text(raw.table[key_header])
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
        result.columns[target] = f"{Path(path).name}:{named[client_column]}"
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
