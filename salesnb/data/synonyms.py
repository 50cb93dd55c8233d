"""Which header of a client's file is which canonical column: an en/zh synonym table with confidences.

The table lives in ``synonyms.yaml`` beside this module (canonical table -> column -> headers
seen in Maven, Salesforce, HubSpot and Chinese CRM exports). :func:`propose` scores every
header of a file against it:

====================================================  ==========
how the header matches                                confidence
====================================================  ==========
the canonical name itself (after normalise_header)    1.0
a listed synonym                                      0.9
a near spelling of one (``Opprtunity Owner``)         0.65–0.8
contains a synonym (``Opportunity Owner Full Name``)  0.4–0.8, by how much of the header it is
====================================================  ==========

``salesnb init`` writes a proposal below 0.6 as a commented TODO unless ``--yes``.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from salesnb import schema
from salesnb.data.headers import normalise_header

__all__ = ["EXACT", "SYNONYM", "Proposal", "file_names", "propose", "synonyms", "table_score"]

EXACT, SYNONYM = 1.0, 0.9
# A near spelling must be this close (difflib ratio of the normalised names) to count at all.
_FUZZY_CUTOFF = 0.85
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Proposal:
    """The header proposed for one canonical column, how sure the match is, and why."""

    header: str
    confidence: float
    matched: str  # the synonym (or canonical name) the header matched

    @property
    def how(self) -> str:
        if self.confidence >= EXACT:
            return "canonical name"
        if self.confidence >= SYNONYM:
            return "synonym"
        return f"resembles '{self.matched}'"


@functools.cache
def _raw() -> dict:
    return yaml.safe_load((Path(__file__).with_name("synonyms.yaml")).read_text(encoding="utf-8"))


@functools.cache
def file_names() -> dict[str, tuple[str, ...]]:
    """Words in a file's name that suggest its table (``Opportunity.csv`` -> deals), per canonical table.

    >>> "跟进" in file_names()["activities"]
    True
    """
    return {table: tuple(str(n) for n in names) for table, names in (_raw().get("file_names") or {}).items()}


@functools.cache
def synonyms() -> dict[str, dict[str, tuple[str, ...]]]:
    """The synonym table: canonical table -> canonical column -> headers, most usual first.

    >>> "负责人" in synonyms()["deals"]["rep_id"]
    True
    """
    raw = _raw()
    table: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, spec in schema.TABLES.items():
        listed = raw.get(name, {})
        unknown = sorted(set(listed) - set(spec.columns))
        if unknown:  # a typo in the YAML would silently never match
            raise ValueError(f"synonyms.yaml: {name} lists {unknown}, which are not canonical columns of {name}")
        table[name] = {column: tuple(str(s) for s in listed.get(column, ())) for column in spec.columns}
    return table


def _score(header: str, column: str, words: Sequence[str]) -> tuple[float, int, str] | None:
    """Best (confidence, rank, matched word) of ``header`` for one canonical column, or None."""
    key = normalise_header(header)
    if not key:
        return None
    if key == normalise_header(column):
        return EXACT, -1, column
    best: tuple[float, int, str] | None = None
    for rank, word in enumerate([column, *words], start=-1):
        target = normalise_header(word)
        if not target:
            continue
        if key == target:
            return SYNONYM, rank, word
        score = 0.0
        # Containment needs a word long enough to mean something: 'date' is in every date header.
        long_enough = len(target) >= (2 if _CJK.search(target) else 5)
        if long_enough and target in key:
            score = 0.4 + 0.4 * len(target) / len(key)
        ratio = difflib.SequenceMatcher(None, key, target).ratio()
        if ratio >= _FUZZY_CUTOFF and len(key) >= 4:
            score = max(score, 0.8 * ratio)
        score = round(min(score, 0.8), 2)
        if score > 0 and (best is None or score > best[0]):
            best = (score, rank, word)
    return best


def propose(headers: Iterable[object], table: str, *, minimum: float = 0.0) -> dict[str, Proposal]:
    """Canonical column -> the header of ``headers`` that most likely holds it.

    Every header is proposed for at most one column and every column gets at most one header:
    the most confident pairs are taken first (ties: the more usual synonym, then the schema's
    column order, required columns first). Columns with no candidate are left out.

    >>> found = propose(["Opportunity ID", "Opportunity Owner", "Stage", "amount", "Created"], "deals")
    >>> {c: (p.header, p.confidence) for c, p in found.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'deal_id': ('Opportunity ID', 0.9), 'created_at': ('Created', 0.7), 'amount': ('amount', 1.0),
     'rep_id': ('Opportunity Owner', 0.9), 'stage': ('Stage', 1.0)}
    >>> propose(["商机名称", "负责人", "预计成交金额"], "deals")["rep_id"].header
    '负责人'
    """
    if table not in schema.TABLES:
        raise ValueError(f"unknown canonical table {table!r}; the tables are {', '.join(schema.TABLES)}")
    listed = list(dict.fromkeys(str(h) for h in headers if h is not None and str(h).strip()))
    order = list(schema.TABLES[table].columns)
    candidates = []
    for position, column in enumerate(order):
        words = synonyms()[table][column]
        for header_index, header in enumerate(listed):
            found = _score(header, column, words)
            if found and found[0] >= minimum:
                confidence, rank, word = found
                candidates.append((-confidence, rank, position, header_index, column, header, word))
    candidates.sort()
    taken_columns: dict[str, Proposal] = {}
    taken_headers: set[str] = set()
    for negative, _, _, _, column, header, word in candidates:
        if column in taken_columns or header in taken_headers:
            continue
        taken_columns[column] = Proposal(header=header, confidence=-negative, matched=word)
        taken_headers.add(header)
    return {column: taken_columns[column] for column in sorted(taken_columns, key=order.index)}


def table_score(headers: Iterable[object], table: str) -> float:
    """How much a file with ``headers`` looks like the canonical ``table``: evidence times coverage.

    Evidence is the confidence summed over the proposed columns (required ones count fully, optional
    ones half); coverage is the mean confidence over the required columns. A file with many of a
    table's columns beats a file that merely has the few a small table needs, so a deals export
    (which also has an id, a stage and a date) is not taken for a stage history. For deals, a stage
    column stands in for the status (the status is derived from it).

    >>> deals = ["Opportunity ID", "Stage", "Amount", "Created Date", "Close Date", "Opportunity Owner"]
    >>> table_score(deals, "deals") > table_score(deals, "stage_history")
    True
    >>> history = ["Opportunity ID", "To Stage", "Amount", "Last Modified"]
    >>> table_score(history, "stage_history") > table_score(history, "deals")
    True
    """
    spec = schema.TABLES[table]
    found = {c: p.confidence for c, p in propose(headers, table).items()}
    if table == "deals" and "status" not in found and "stage" in found:
        found["status"] = found["stage"]
    coverage = sum(found.get(c, 0.0) for c in spec.required) / len(spec.required)
    evidence = sum(found.get(c, 0.0) for c in spec.required)
    evidence += 0.5 * sum(found.get(c, 0.0) for c in spec.optional if not (table == "deals" and c == "stage"))
    return round(evidence * coverage, 3)
