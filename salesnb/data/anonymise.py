"""Anonymised sharing: rep, manager, team and account names replaced by stable pseudonyms.

With ``anonymise`` on (params file, or ``salesnb run --anonymise``) the clean canonical tables are
rewritten **before the snapshot is written**, so every report, chart, export, executed notebook
and the snapshot itself see only pseudonyms ("Rep 01", "Manager 01", "Team 01", "Account 001";
"销售 01", "经理 01", "团队 01", "客户 001" in Chinese reports):

- ``rep_id`` in every table, and a rep's ``name`` (the pseudonym of the row's ``rep_id``);
- ``manager`` and ``team``: a value that is a person's name (a rep, or a manager) takes that
  person's pseudonym (the Maven preset names teams after their manager), others become "Team NN";
- ``account_id`` in deals, activities and surveys;
- free text that can hold a name (``deal_id``, ``lead_source``): every known name in it is replaced.

The rows the audit shows as read (example rows, the excluded-rows export) keep only the columns
the params file maps or tests; names in them are replaced the same way. Names in the params file
(the case study's treated and control units, value mappings, …) are replaced in the copy the
reports print and use. One real value has one pseudonym everywhere.

Numbers are assigned in the order of a keyed hash (HMAC-SHA256 with a secret salt), so they say
nothing about the names' alphabetical order, and nobody who knows the names can recompute them.
The salt and the mapping back live only in the key file (``anonymise.key_file``): with one, the
same person keeps their pseudonym on every run (new names get the next numbers); without one the
salt is drawn afresh for each run and nothing can map the pseudonyms back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from salesnb.data.headers import normalise_header
from salesnb.errors import ParamsError, SalesnbError
from salesnb.labels import Language, t
from salesnb.params import AnonymiseParams, Params

KINDS = ("rep", "manager", "team", "account")
# Digits of a pseudonym's number (more when there are more values of the kind).
WIDTH = {"rep": 2, "manager": 2, "team": 2, "account": 3}
KEY_FORMAT = "salesnb-anonymise-key/1"
KEY_NOTE = (
    "Maps the pseudonyms of anonymised salesnb reports back to real names, and holds the secret that "
    "numbers them. Keep it private: never share it with the reports."
)
# What each canonical column holds: a rep id, a rep's name (the pseudonym of the row's rep_id), a
# manager or team (a person's pseudonym when the value is a person's name), an account, or free text.
REP, REP_NAME, PERSON, ACCOUNT, TEXT = "rep", "rep_name", "person", "account", "text"
COLUMNS: dict[str, dict[str, str]] = {
    "deals": {"rep_id": REP, "account_id": ACCOUNT, "deal_id": TEXT, "lead_source": TEXT},
    "stage_history": {"deal_id": TEXT},
    "reps": {"rep_id": REP, "name": REP_NAME, "manager": PERSON, "team": PERSON},
    "activities": {"rep_id": REP, "account_id": ACCOUNT, "deal_id": TEXT},
    "targets": {"rep_id": REP, "team": PERSON},
    "surveys": {"rep_id": REP, "account_id": ACCOUNT},
}
# The kind of value a client column mapped onto a canonical column holds (rows as read).
_RAW_KIND = {"rep_id": REP, "name": REP, "manager": PERSON, "team": PERSON, "account_id": ACCOUNT}
# Params kept as written: the client (the company, and the output folder), codes, and stage names,
# which must stay those of the data (stage values are not names and are not replaced there).
_AS_WRITTEN = {"client", "period", "language", "currency", "stages", "stage", "target_conversion"}
_AS_WRITTEN |= {"lost_stage_without_history"}
# Case-study params that name units exactly (ids may be short codes that free text never matches).
_UNIT_LISTS = {"treated_reps": REP, "treated_teams": PERSON, "control_teams": PERSON}
# CJK scripts: words run on without spaces ("张三的客户"), so a name may touch them.
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")


@dataclass(frozen=True)
class Anonymised:
    """What an anonymised load says about itself (kept in the load report, shipped with the snapshot).

    ``counts``: distinct reps, managers, teams and accounts replaced; ``params``: the params file as the
    reports print and use it, names replaced (a ``model_dump`` of :class:`~salesnb.params.Params`).
    """

    counts: dict[str, int]
    params: dict[str, Any]

    def fields(self, lang: Language) -> dict[str, str]:
        """Label fields of the audit's line: the counts, and an example pseudonym."""
        return {
            "reps": f"{self.counts.get('reps', 0):,}",
            "managers": f"{self.counts.get('managers', 0):,}",
            "teams": f"{self.counts.get('teams', 0):,}",
            "accounts": f"{self.counts.get('accounts', 0):,}",
            "example": t("anon.rep", lang, n="01"),
        }


@dataclass
class Pseudonyms:
    """Real values and their numbers, per kind; a person's several spellings (id, name) share one number.

    >>> p = Pseudonyms("en", "salt")
    >>> p.add("rep", ["R1"]); p.alias("rep", "Ann Lee", "R1"); p.add("account", ["Acme"])
    >>> p.label("rep", "Ann Lee"), p.label("account", "Acme")
    ('Rep 01', 'Account 001')
    """

    lang: Language
    salt: str
    numbers: dict[str, dict[str, int]] = field(default_factory=lambda: {k: {} for k in KINDS})

    def add(self, kind: str, values: Iterable[str]) -> None:
        """Number the values not numbered yet, after the highest number, in keyed-hash order."""
        known = self.numbers[kind]
        new = sorted({v for v in values if v not in known}, key=lambda v: self._order(kind, v))
        start = max(known.values(), default=0)
        for i, value in enumerate(new, start=start + 1):
            known[value] = i

    def alias(self, kind: str, value: str, of: str) -> None:
        """Give ``value`` the number of ``of`` (another spelling of the same person), unless it has one."""
        if of in self.numbers[kind] and value not in self.numbers[kind]:
            self.numbers[kind][value] = self.numbers[kind][of]

    def _order(self, kind: str, value: str) -> str:
        return hmac.new(self.salt.encode(), f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()

    def width(self, kind: str) -> int:
        return max(WIDTH[kind], len(str(max(self.numbers[kind].values(), default=0))))

    def text(self, kind: str, number: int, width: int | None = None) -> str:
        """The pseudonym of number ``number`` of ``kind`` in the report language (``width``: digits, if known)."""
        return t(f"anon.{kind}", self.lang, n=f"{number:0{width or self.width(kind)}d}")

    def _texts(self, kind: str) -> dict[str, str]:
        width = self.width(kind)
        return {value: self.text(kind, n, width) for value, n in self.numbers[kind].items()}

    def label(self, kind: str, value: str) -> str | None:
        number = self.numbers[kind].get(value)
        return None if number is None else self.text(kind, number)

    def lookup(self, role: str) -> dict[str, str]:
        """Exact real value -> pseudonym for a column holding ``role`` (rep, person or account)."""
        kinds = {REP: ("rep",), PERSON: ("team", "manager", "rep"), ACCOUNT: ("account",)}[role]
        out: dict[str, str] = {}
        for kind in kinds:  # later kinds win: a person's own pseudonym over a team's
            out |= self._texts(kind)
        return out

    def in_text(self) -> dict[str, str]:
        """Real value -> pseudonym for names in free text: people and accounts (people win), not teams."""
        out: dict[str, str] = {}
        for kind in ("account", "manager", "rep"):
            out |= self._texts(kind)
        return out

    def key(self) -> dict[str, dict[str, list[str]]]:
        """Pseudonym -> real values, per kind (the key file's body)."""
        out: dict[str, dict[str, list[str]]] = {}
        for kind in KINDS:
            back: dict[str, list[str]] = {}
            width = self.width(kind)
            for value, n in sorted(self.numbers[kind].items(), key=lambda item: item[1]):
                back.setdefault(self.text(kind, n, width), []).append(value)
            out[kind] = back
        return out


def name_like(value: str) -> bool:
    """Whether free text is searched for ``value``: it has a letter and 3+ characters (2+ in Chinese).

    Short codes and numbers (``R1``, ``15``) would match unrelated text; they are replaced only in the
    columns that hold ids.

    >>> name_like("Ann Lee"), name_like("张三"), name_like("15"), name_like("R1")
    (True, True, False, False)
    """
    v = value.strip()
    if "\n" in v or not any(ch.isalpha() for ch in v):
        return False
    return len(v) >= 3 or (len(v) >= 2 and _CJK_CHAR.search(v) is not None)


def _joins(ch: str) -> bool:
    """Whether a name may not touch ``ch``: letters and digits of alphabetic scripts run words on ("Ann" in
    "Anna"); Chinese characters do not (a name in "张三的客户" is a word)."""
    return (ch.isalnum() or ch == "_") and _CJK_CHAR.match(ch) is None


class Scrubber:
    """Replace every known name in a text with its pseudonym (whole words, any case, longest first).

    Names are looked up by their first two characters, then by length: hundreds of thousands of names
    (account ids) cost a dictionary, not a large regular expression; a text without any of those first
    two characters at a word start is passed over by one small one.

    >>> s = Scrubber({"Ann Lee": "Rep 01", "Ann": "Rep 02", "Acme": "Account 001", "张三": "销售 03"})
    >>> s("Acme renewal (ANN LEE), Anna's lead, Ann")
    "Account 001 renewal (Rep 01), Anna's lead, Rep 02"
    >>> s("张三的客户")
    '销售 03的客户'
    """

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self._lookup: dict[str, str] = {}
        for value, pseudonym in mapping.items():
            key = value.strip().lower()
            if name_like(value) and key not in self._lookup:
                self._lookup[key] = pseudonym
        lengths: dict[str, set[int]] = {}
        for key in self._lookup:
            lengths.setdefault(key[:2], set()).add(len(key))
        self._lengths = {prefix: sorted(found, reverse=True) for prefix, found in lengths.items()}
        # A quick test that a text can hold a name: one of the first-two-characters at a word start.
        prefixes = "|".join(re.escape(prefix) for prefix in sorted(self._lengths))
        self._may_hold = re.compile(rf"(?<![^\W{_CJK}])(?:{prefixes})", re.IGNORECASE) if prefixes else None

    def __call__(self, text: str) -> str:
        if self._may_hold is None or not isinstance(text, str) or self._may_hold.search(text) is None:
            return text
        out, last, i, n = [], 0, 0, len(text)
        while i < n - 1:
            lengths = self._lengths.get(text[i : i + 2].lower())
            if lengths is None or (i > 0 and _joins(text[i - 1])):
                i += 1
                continue
            for length in lengths:
                end = i + length
                if end > n or (end < n and _joins(text[end])):
                    continue
                pseudonym = self._lookup.get(text[i:end].lower())
                if pseudonym is not None:
                    out += [text[last:i], pseudonym]
                    i = last = end
                    break
            else:
                i += 1
        return "".join(out) + text[last:] if out else text


# Reading the data ------------------------------------------------------------------------------


def _distinct(table: ibis.Table, *columns: str) -> pd.DataFrame:
    present = [c for c in columns if c in table.columns]
    if not present:
        return pd.DataFrame(columns=list(columns))
    frame = table.select(*present).distinct().to_pandas()
    for column in columns:
        if column not in frame:
            frame[column] = None
    return frame


def _values(frame: pd.DataFrame, column: str) -> list[str]:
    return sorted({str(v) for v in frame[column].dropna() if str(v).strip()})


def build(tables: Mapping[str, ibis.Table], pseudonyms: Pseudonyms) -> dict[str, int]:
    """Number every rep, manager, team and account of the clean tables; the counts per role.

    Reps are numbered by ``rep_id`` (every table's owners); a rep's name shares its id's number.
    A manager or team value that is a person's id or name takes that person's number.
    """
    rep_ids: set[str] = set()
    for name, table in tables.items():
        if "rep_id" in COLUMNS.get(name, {}) and "rep_id" in table.columns:
            rep_ids |= set(_values(_distinct(table, "rep_id"), "rep_id"))
    pseudonyms.add("rep", rep_ids)
    reps = tables.get("reps")
    people = _distinct(reps, "rep_id", "name", "manager", "team") if reps is not None else pd.DataFrame()
    if not people.empty:
        for rep_id, name in people[["rep_id", "name"]].dropna().drop_duplicates().itertuples(index=False):
            pseudonyms.alias("rep", str(name), str(rep_id))
    managers = _values(people, "manager") if not people.empty else []
    pseudonyms.add("manager", [m for m in managers if m not in pseudonyms.numbers["rep"]])
    teams = set(_values(people, "team")) if not people.empty else set()
    if "targets" in tables:
        teams |= set(_values(_distinct(tables["targets"], "team"), "team"))
    persons = pseudonyms.numbers["rep"].keys() | pseudonyms.numbers["manager"].keys()
    pseudonyms.add("team", [v for v in teams if v not in persons])
    accounts: set[str] = set()
    for name, table in tables.items():
        if "account_id" in COLUMNS.get(name, {}) and "account_id" in table.columns:
            accounts |= set(_values(_distinct(table, "account_id"), "account_id"))
    pseudonyms.add("account", accounts)
    return {
        "reps": len({pseudonyms.numbers["rep"][r] for r in rep_ids}),
        "managers": len(managers),
        "teams": len(teams),
        "accounts": len(accounts),
    }


# Rewriting tables in the load's DuckDB ----------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rewrite_table(
    con: ibis.BaseBackend,
    table: ibis.Table,
    functions: Mapping[str, Callable[[str], str]],
    *,
    name: Callable[[str], str],
    keep: list[str] | None = None,
    rep_name: str | None = None,
) -> ibis.Table:
    """``table`` with each column of ``functions`` rewritten value by value, in the same row order.

    Each function runs once per distinct value, in Python; the values it changes are joined back in
    the engine. ``keep`` lists the columns kept (default: all); ``rep_name`` names a column set to
    the new ``rep_id`` where it is filled (a rep's name becomes its pseudonym). ``name`` gives fresh
    table names in the workspace.
    """
    source = name("anon_in")
    con.create_table(source, table)  # materialised in its order: rowid is that order
    columns = keep if keep is not None else list(table.columns)
    joins, replaced = [], {}
    for i, (column, function) in enumerate(functions.items()):
        if column not in table.columns:
            continue
        rows = con.raw_sql(f"SELECT DISTINCT {_quote(column)} FROM {_quote(source)} WHERE {_quote(column)} IS NOT NULL")
        values = [str(v) for (v,) in rows.fetchall()]
        changed = {v: new for v in values if (new := function(v)) != v}
        if not changed:
            continue
        mapping = name(f"anon_map{i}")
        con.create_table(mapping, pd.DataFrame({"k": list(changed), "v": list(changed.values())}, dtype="string"))
        alias = f"m{i}"
        joins.append(f"LEFT JOIN {_quote(mapping)} {alias} ON t.{_quote(column)} = {alias}.k")
        replaced[column] = f"coalesce({alias}.v, t.{_quote(column)})"
    if rep_name and rep_name in columns and "rep_id" in replaced:
        replaced[rep_name] = f"CASE WHEN t.{_quote(rep_name)} IS NULL THEN NULL ELSE {replaced['rep_id']} END"
    select = ", ".join(f"{replaced.get(c, f't.{_quote(c)}')} AS {_quote(c)}" for c in columns)
    target = name("anon")
    con.raw_sql(
        f"CREATE TABLE {_quote(target)} AS SELECT {select} FROM {_quote(source)} t {' '.join(joins)} ORDER BY t.rowid"
    ).fetchall()
    return con.table(target)


# Rows as read (example rows, excluded rows) ----------------------------------------------------


def _raw_roles(account) -> dict[str, str]:
    """Client column -> role (rep, person, account) for the columns mapped onto a name column."""
    roles: dict[str, str] = {}
    for canonical, role in _RAW_KIND.items():
        spelled = account.columns.get(canonical)
        if not spelled:
            continue
        for part in spelled.split("; "):  # a table made of parts: "file.csv: Header; other.csv: Header"
            roles.setdefault(part, role)
            roles.setdefault(part.split(": ", 1)[-1], role)
    return roles


def _dropped(account, columns: Iterable[str]) -> set[str]:
    """Client columns of rows as read that are not shown anonymised: those the params file neither maps
    nor tests (a 'where' condition, a status rule). Free text there can hold any name."""
    ignored = set(account.ignored_columns) | {i.split(": ", 1)[-1] for i in account.ignored_columns}
    tested = {normalise_header(code.partition(":")[2]) for code in account.filters}
    tested |= {normalise_header(rule.column) for rule in account.status_rules if rule.column}
    return {c for c in columns if c in ignored and normalise_header(c) not in tested}


class _Replacer:
    """Column-aware replacement in rows as read: exact ids and names first, then names in free text."""

    def __init__(self, pseudonyms: Pseudonyms) -> None:
        self.exact = {role: pseudonyms.lookup(role) for role in (REP, PERSON, ACCOUNT)}
        self.scrub = Scrubber(pseudonyms.in_text())

    def exact_or_text(self, role: str | None) -> Callable[[str], str]:
        if role is None:
            return self.scrub
        exact = self.exact[role]

        def replace(value: str) -> str:
            stripped = value.strip()
            found = exact.get(stripped) or exact.get(_numeric_id(stripped))
            return found if found is not None else self.scrub(value)

        return replace

    def frame(self, frame: pd.DataFrame, roles: Mapping[str, str], drop: set[str]) -> pd.DataFrame:
        out = frame.drop(columns=[c for c in frame.columns if c in drop])
        for column in out.columns:
            role = roles.get(column) or (REP if column.endswith("(as compared)") else None)
            function = self.exact_or_text(role)
            out[column] = out[column].map(lambda v, f=function: f(v) if isinstance(v, str) else v)
        return out


def _numeric_id(value: str) -> str:
    match = re.fullmatch(r"0*([0-9]+)(\.0*)?", value)
    return match[1] if match else value


def _raw_extras(canonical, report, pseudonyms: Pseudonyms) -> None:
    """Number names met only in rows as read (an unknown rep, a spelling a value mapping renamed)."""
    kinds = {REP: "rep", PERSON: "manager", ACCOUNT: "account"}
    for name, account in report.accounts.items():
        roles = _raw_roles(account)
        for remap in account.remaps:  # "Jon" renamed to "John Smith": the same person
            role = _RAW_KIND.get(remap.column)
            if role is not None:
                kind = next(
                    (k for k in ("rep", "manager", "team", "account") if remap.new in pseudonyms.numbers[k]), None
                )
                if kind is not None:
                    pseudonyms.alias(kind, remap.old, remap.new)
        for change in account.ids_normalised:  # "015" compared as "15"
            kind = {"rep_id": "rep", "account_id": "account"}.get(change.column)
            for old, new in change.examples if kind else ():
                pseudonyms.alias(kind, str(old), str(new))
        rows = canonical.excluded.get(name)
        if rows is None or not account.rows_excluded:
            continue
        for column, role in roles.items():
            if column in rows.columns:
                known = pseudonyms.lookup(role)
                found = [v.strip() for v in _values(_distinct(rows, column), column)]
                pseudonyms.add(kinds[role], [v for v in found if v not in known and _numeric_id(v) not in known])


# Params ------------------------------------------------------------------------------------------


def _scrub_params(value: Any, replacer: _Replacer, *, role: str | None = None) -> Any:
    if isinstance(value, str):
        if role is not None:
            return replacer.exact_or_text(role)(value)
        return replacer.scrub(value)
    if isinstance(value, list):
        return [_scrub_params(v, replacer, role=role) for v in value]
    if isinstance(value, dict):
        return {
            (replacer.scrub(k) if isinstance(k, str) else k): (
                v if k in _AS_WRITTEN else _scrub_params(v, replacer, role=_UNIT_LISTS.get(k, role))
            )
            for k, v in value.items()
        }
    return value


def shown_params(params: Params, replacer: _Replacer) -> dict[str, Any]:
    """The params as the reports print and use them: names replaced, the case study's units exactly."""
    dump = params.model_dump(mode="json", exclude_unset=True)
    dump["anonymise"] = params.anonymise.model_dump(mode="json")
    scrubbed = _scrub_params(dump, replacer)
    try:
        Params.model_validate(scrubbed)
    except Exception as exc:  # a name replaced where the params need it as written
        raise SalesnbError(
            f"{params.source_path}: with names replaced by pseudonyms the params file is no longer valid ({exc}); "
            "nothing was run."
        ) from None
    return scrubbed


def anonymised_params(params: Params, anonymised: Anonymised | None) -> Params:
    """The params a report uses: those of an anonymised load (names replaced), else ``params`` itself."""
    if anonymised is None:
        return params
    return Params.model_validate(anonymised.params).model_copy(update={"source_path": params.source_path})


# The load report -----------------------------------------------------------------------------


def _scrub_object(value: Any, scrub: Callable[[str], str]) -> Any:
    """Every string inside ``value`` (dataclasses, tuples, lists, dicts, frames) through ``scrub``."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, pd.DataFrame):
        return value.map(lambda v: scrub(v) if isinstance(v, str) else v)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _scrub_object(getattr(value, f.name), scrub) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(_scrub_object(v, scrub) for v in value)
    if isinstance(value, list):
        return [_scrub_object(v, scrub) for v in value]
    if isinstance(value, dict):
        return {_scrub_object(k, scrub): _scrub_object(v, scrub) for k, v in value.items()}
    return value


def _scrub_account(account, replacer: _Replacer):
    """One table's accounting with names replaced: example rows column by column, ids exactly."""
    roles = _raw_roles(account)

    def rows(issues):
        out = []
        for issue in issues:
            drop = _dropped(account, issue.examples.columns)
            out.append(dataclasses.replace(issue, examples=replacer.frame(issue.examples, roles, drop)))
        return tuple(out)

    ids = tuple(
        dataclasses.replace(
            change,
            examples=tuple(
                tuple(replacer.exact_or_text(_RAW_KIND.get(change.column))(str(v)) for v in pair)
                for pair in change.examples
            ),
        )
        for change in account.ids_normalised
    )
    remaps = tuple(
        dataclasses.replace(
            r,
            old=replacer.exact_or_text(_RAW_KIND.get(r.column))(r.old),
            new=replacer.exact_or_text(_RAW_KIND.get(r.column))(r.new),
        )
        for r in account.remaps
    )
    lookups = tuple(
        dataclasses.replace(
            lookup,
            unmatched_examples=tuple(
                replacer.exact_or_text(_RAW_KIND.get(lookup.on))(v) for v in lookup.unmatched_examples
            ),
        )
        for lookup in account.lookups
    )
    account = dataclasses.replace(
        account,
        excluded=rows(account.excluded),
        flagged=rows(account.flagged),
        ids_normalised=ids,
        remaps=remaps,
        lookups=lookups,
    )
    return _scrub_object(account, replacer.scrub)


# Key file ------------------------------------------------------------------------------------------


def key_path(params: Params) -> Path | None:
    """The key file's absolute path (relative to the params file), or None when the params give none."""
    if params.anonymise.key_file is None:
        return None
    root = params.source_path.parent if params.source_path else Path.cwd()
    return (root / Path(params.anonymise.key_file).expanduser()).resolve()


def check_key_location(params: Params, output_root: Path) -> None:
    """Refuse a key file inside the output root: the key must not travel with the reports."""
    path = key_path(params)
    if path is None or not params.anonymise.enabled:
        return
    root = Path(output_root).resolve()
    if path == root or root in path.parents:
        raise ParamsError(
            f"{params.source_path}: anonymise.key_file {path} is inside the output folder {root}, so the key to "
            "the pseudonyms would be shared with the reports; put it outside (e.g. beside the params file). "
            "Nothing was run."
        )


def read_key(path: Path | None, lang: Language) -> Pseudonyms:
    """The salt and numbers of an existing key file; a fresh secret salt when there is none."""
    if path is None or not path.is_file():
        return Pseudonyms(lang, secrets.token_hex(16))
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if body.get("format") != KEY_FORMAT or not isinstance(body.get("salt"), str):
            raise ValueError(f"not a salesnb key file (format {body.get('format')!r})")
        pseudonyms = Pseudonyms(lang, body["salt"])
        for kind in KINDS:
            for label, values in body.get("pseudonyms", {}).get(kind, {}).items():
                number = re.search(r"(\d+)\s*$", label)
                if number is None:
                    raise ValueError(f"pseudonym {label!r} has no number")
                for value in values:
                    pseudonyms.numbers[kind][str(value)] = int(number[1])
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        raise ParamsError(f"{path}: cannot read the anonymisation key file: {exc}.") from None
    return pseudonyms


def write_key(path: Path, pseudonyms: Pseudonyms, params: Params) -> None:
    """Write the key file (atomically, readable by its owner only)."""
    body = {
        "format": KEY_FORMAT,
        "note": KEY_NOTE,
        "client": params.client,
        "updated": datetime.now().isoformat(timespec="seconds"),
        "salt": pseudonyms.salt,
        "pseudonyms": pseudonyms.key(),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle, ensure_ascii=False, indent=1)
        os.replace(temporary, path)
    except OSError as exc:
        raise SalesnbError(f"{path}: cannot write the anonymisation key file: {exc.strerror or exc}.") from None


# The whole step --------------------------------------------------------------------------------


def enable(params: Params) -> Params:
    """``params`` with anonymisation on (``--anonymise``), keeping any key file they name."""
    if params.anonymise.enabled:
        return params
    return params.model_copy(update={"anonymise": AnonymiseParams(enabled=True, key_file=params.anonymise.key_file)})


def anonymise(params: Params, canonical, report, *, save_key: bool = True):
    """Replace names in the clean tables, the excluded rows and the load report; returns both.

    ``canonical`` is a :class:`~salesnb.data.dataset.Canonical` (the load's DuckDB), ``report`` its
    :class:`~salesnb.data.dataset.LoadReport`. With ``save_key`` the key file named in the params is
    written (created, or extended with new names); ``salesnb check`` passes False and writes nothing.
    """
    if canonical.database is not None:
        raise SalesnbError(
            f"{params.source_path}: anonymise works on files and DuckDB files; with data.source "
            f"{report.source!r} each report rebuilds the tables in the database, where pseudonyms cannot be "
            "applied. Export the tables to files first. Nothing was run."
        )
    path = key_path(params)
    # Two runs of one client (two periods) extend the key one after the other, never both from the same copy.
    with _key_lock(path) if save_key and path is not None else contextlib.nullcontext():
        return _anonymise(params, canonical, report, path, save_key=save_key)


def _key_lock(path: Path):
    from filelock import FileLock

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SalesnbError(f"{path}: cannot write the anonymisation key file: {exc.strerror or exc}.") from None
    return FileLock(str(path.with_name(f".{path.name}.lock")))


def _anonymise(params: Params, canonical, report, path: Path | None, *, save_key: bool):
    pseudonyms = read_key(path, params.language)
    counts = build(canonical.tables, pseudonyms)
    _raw_extras(canonical, report, pseudonyms)
    replacer = _Replacer(pseudonyms)
    con, workspace = canonical.con, canonical.workspace
    tables = {}
    for name, table in canonical.tables.items():
        roles = COLUMNS.get(name, {})
        functions = {}
        for column, role in roles.items():
            if role in (REP, PERSON, ACCOUNT):
                functions[column] = replacer.exact_or_text(role)
            elif role == TEXT:
                functions[column] = replacer.scrub
        tables[name] = rewrite_table(
            con, table, functions, name=workspace.name, rep_name="name" if name == "reps" else None
        )
    excluded = {}
    for name, rows in canonical.excluded.items():
        account = report.accounts[name]
        roles = _raw_roles(account)
        drop = _dropped(account, rows.columns)
        keep = [c for c in rows.columns if c not in drop]
        functions = {
            c: replacer.exact_or_text(roles.get(c)) for c in keep if c not in ("reason",) and _is_text(rows, c)
        }
        excluded[name] = rewrite_table(con, rows, functions, name=workspace.name, keep=keep)
    accounts = {name: _scrub_account(account, replacer) for name, account in report.accounts.items()}
    info = Anonymised(counts, shown_params(params, replacer))
    new_report = dataclasses.replace(
        _scrub_object(dataclasses.replace(report, accounts={}), replacer.scrub), accounts=accounts, anonymised=info
    )
    if save_key and path is not None:
        write_key(path, pseudonyms, params)
    # In place: the load's workspace closes when its Canonical is collected, so no copy is made.
    canonical.tables, canonical.excluded = tables, excluded
    return canonical, new_report


def _is_text(table: ibis.Table, column: str) -> bool:
    return table[column].type().is_string()
