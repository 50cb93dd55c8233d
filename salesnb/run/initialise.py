"""``salesnb init``: from a client's raw CRM export to a commented params file that passes ``check``.

The steps, each a function that can be tested on its own:

1. :func:`inspect_files` reads the headers of every file (and every sheet of a workbook) with the
   readers' own encoding, delimiter and header-row detection.
2. :func:`plan_tables` recognises a CRM preset (``salesnb.data.presets.detect``/``resolve``) or,
   failing that, gives each file the canonical table it looks most like and proposes its column
   mapping from the en/zh synonym table (:mod:`salesnb.data.synonyms`).
3. The data is loaded twice with the package's own loader (so dates, amounts and ids are read exactly
   as ``salesnb run`` will read them): once with the status left open, to see the stage values, and
   once with provisional stages, to see which stages close deals, the dates and the teams.
4. Pure functions guess the stages (:func:`typical_order`, :func:`order_from_history`,
   :func:`renamed_stages`, :func:`won_lost_by_words`), the period (:func:`last_complete_quarter`),
   the currency, the time zone and a placebo case study.
5. :func:`render_params` writes the YAML: every guess marked ``# guessed``, every gap ``# TODO``.

Nothing but the ``--out`` file is written; the loads run in private temporary folders.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from salesnb import schema
from salesnb.data.headers import normalise_header
from salesnb.data.readers import EXCEL_SUFFIXES, SUPPORTED, list_sheets, read_headers
from salesnb.data.synonyms import Proposal, file_names, propose, table_score
from salesnb.errors import DataError, ParamsError, SalesnbError
from salesnb.safety import safe_folder_name

__all__ = [
    "FileLook",
    "InitResult",
    "StageGuess",
    "TablePlan",
    "init",
    "inspect_files",
    "last_complete_quarter",
    "order_from_history",
    "plan_tables",
    "render_params",
    "renamed_stages",
    "typical_order",
    "won_lost_by_words",
]

# Proposals below this confidence are written as a commented TODO unless --yes.
CONFIDENT = 0.6
# A file is taken for a table when its headers score at least this (see synonyms.table_score).
TABLE_SCORE = 1.0
# A lookup is kept when at least this share of the deals' keys are found in the lookup file.
LOOKUP_MATCH = 0.5
_PROBE_STAGES = {"order": ["salesnb probe a", "salesnb probe b"], "won": "salesnb probe b", "lost": "salesnb probe c"}
_CJK = re.compile(r"[\u3400-\u9fff]")


# --- 1. files -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileLook:
    """One file (one sheet of a workbook) and its column names."""

    path: Path
    headers: tuple[str, ...]
    sheet: str | None = None

    @property
    def label(self) -> str:
        return f"{self.path.name} [{self.sheet}]" if self.sheet else self.path.name


def inspect_files(paths: Iterable[str | Path]) -> tuple[list[FileLook], list[str]]:
    """Every supported file of ``paths`` (folders: their files, not sub-folders) with its headers.

    Returns the files read and one sentence per file that could not be read (it is skipped).
    """
    found: list[Path] = []
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and _is_data_file(p))
        elif path.is_file():
            found.append(path)
        else:
            raise DataError(f"{path}: no such file or folder.")
    looks: list[FileLook] = []
    problems: list[str] = []
    for path in dict.fromkeys(p.resolve() for p in found):
        if path.suffix.lower() not in SUPPORTED:
            problems.append(f"{path.name}: not a CSV, XLSX or Parquet file; skipped.")
            continue
        sheets = list_sheets(path) if path.suffix.lower() in EXCEL_SUFFIXES else [None]
        for sheet in sheets:
            try:
                headers = read_headers(path, sheet)
            except DataError as exc:
                problems.append(f"{path.name}{f' [{sheet}]' if sheet else ''}: {exc}")
                continue
            looks.append(FileLook(path, tuple(headers), sheet if len(sheets) > 1 else None))
    if not looks:
        raise DataError(f"{', '.join(str(p) for p in paths)}: no CSV, XLSX or Parquet file with a header found.")
    return looks, problems


def _is_data_file(path: Path) -> bool:
    # Office writes '~$book.xlsx' lock files beside an open workbook.
    return path.suffix.lower() in SUPPORTED and not path.name.startswith(("~$", "."))


# --- 2. tables and columns ------------------------------------------------------------------------------------------


@dataclass
class TablePlan:
    """What the params file says for one canonical table, and why.

    ``source`` holds the TableSource keys as written (``file`` relative to the data folder);
    ``notes`` a comment per canonical column (``guessed …``) or per key (``values``);
    ``held`` mappings below the confidence bar, written commented out; ``todo`` gaps.
    """

    table: str
    files: list[FileLook]
    source: dict[str, Any]
    notes: dict[str, str] = field(default_factory=dict)
    held: dict[str, tuple[str, str]] = field(default_factory=dict)  # header -> (canonical, why)
    todo: list[str] = field(default_factory=list)
    origin: str = "synonyms"
    resolved: dict[str, Any] | None = None  # the preset's whole entry, when a preset gives the table
    info: list[str] = field(default_factory=list)  # comment lines above the entry

    @property
    def entry(self) -> dict[str, Any]:
        """The TableSource keys the load will use: the preset's entry overlaid with ``source``."""
        if self.resolved is None:
            return self.source
        merged = {**self.resolved, **{k: v for k, v in self.source.items() if k != "columns"}}
        merged["columns"] = {**self.resolved.get("columns", {}), **self.source.get("columns", {})}
        return merged

    @property
    def mapped(self) -> dict[str, str]:
        """Canonical column -> the header it comes from (first part of a table with parts)."""
        entry = self.entry
        columns = entry.get("columns") or (entry.get("parts") or [{}])[0].get("columns", {})
        out = {}
        for header, targets in columns.items():
            for target in [targets] if isinstance(targets, str) else targets:
                out[target] = header
        return out


def _file_hint(look: FileLook) -> str | None:
    """The table a file's name suggests (``Opportunity.csv`` -> deals), from synonyms.yaml ``file_names``."""
    stem = normalise_header(f"{look.path.stem}{look.sheet or ''}")
    for table, names in file_names().items():
        if any(normalise_header(name) in stem for name in names):
            return table
    return None


def _eligible(proposals: Mapping[str, Proposal], table: str) -> bool:
    """Enough of the table's required columns for the file to be that table."""
    required = set(schema.TABLES[table].required)
    have = {c for c, p in proposals.items() if p.confidence >= 0.5}
    if table == schema.REPS.name:
        # A rep's own attributes, not just an owner column (an accounts file has an owner too).
        return "rep_id" in have and bool({"name", "team", "manager", "hired_at", "left_at"} & have)
    if table == schema.DEALS.name:
        return (
            "deal_id" in have
            and bool({"created_at", "amount", "closed_at"} & have)
            and bool({"stage", "status"} & have)
        )
    return len(have & required) >= math.ceil(len(required) * 0.66) and len(have) >= 2


def plan_tables(files: Sequence[FileLook], base_dir: Path, *, yes: bool = False) -> tuple[dict[str, TablePlan], list]:
    """Give each file the canonical table it looks most like and propose its columns (synonym route).

    Returns the plans per table and the files no table took (candidates for lookups). Activities
    may take several files (Salesforce ``Task`` and ``Event``): they become ``parts``.
    """
    scored = []
    for index, look in enumerate(files):
        hint = _file_hint(look)
        for table in schema.TABLES:
            proposals = propose(look.headers, table)
            if not _eligible(proposals, table):
                continue
            score = table_score(look.headers, table) * (1.25 if hint == table else 1.0)
            if score >= TABLE_SCORE:
                scored.append((-score, index, table, proposals))
    scored.sort(key=lambda item: item[:2])
    plans: dict[str, TablePlan] = {}
    taken: set[int] = set()
    for _, index, table, proposals in scored:
        if index in taken:
            continue
        look = files[index]
        if table in plans:
            if table != schema.ACTIVITIES.name:
                continue
            plans[table].files.append(look)
            taken.add(index)
            continue
        plans[table] = TablePlan(table, [look], {})
        plans[table].source["proposals"] = proposals
        taken.add(index)
    for plan in plans.values():
        _fill_columns(plan, base_dir, yes=yes)
    unused = [look for i, look in enumerate(files) if i not in taken]
    return plans, unused


def _relative(path: Path, base_dir: Path) -> str:
    return Path(os.path.relpath(path, base_dir)).as_posix()


def _columns_for(look: FileLook, table: str, plan: TablePlan, *, yes: bool, prefix: str = "") -> dict[str, Any]:
    proposals = propose(look.headers, table)
    columns: dict[str, Any] = {}
    for canonical, proposal in proposals.items():
        note = _proposal_note(proposal)
        if proposal.confidence < CONFIDENT and not yes:
            plan.held[proposal.header] = (canonical, f"TODO: {note}; uncomment if right")
            continue
        columns[proposal.header] = canonical
        if proposal.confidence < 1.0:
            plan.notes[prefix + canonical] = note
    if table == schema.REPS.name and "team" not in proposals and "manager" in proposals:
        # Maven and many small CRMs only record the manager; a manager's reps are a team.
        header = proposals["manager"].header
        columns[header] = ["manager", "team"]
        plan.notes[prefix + "team"] = f"guessed: the team is the manager's ('{header}')"
    return columns


def _proposal_note(proposal: Proposal) -> str:
    if proposal.confidence >= 1.0:
        return "canonical name"
    if proposal.confidence >= 0.9:
        return "synonym"
    return f"guessed ({proposal.confidence:.2f}: '{proposal.header}' {proposal.how})"


def _fill_columns(plan: TablePlan, base_dir: Path, *, yes: bool) -> None:
    plan.source.pop("proposals", None)
    spec = schema.TABLES[plan.table]
    if len(plan.files) > 1:
        parts = []
        for look in plan.files:
            part: dict[str, Any] = {"file": _relative(look.path, base_dir)}
            if look.sheet:
                part["sheet"] = look.sheet
            part["columns"] = _columns_for(look, plan.table, plan, yes=yes, prefix=f"{look.label}:")
            parts.append(part)
        plan.source["parts"] = parts
        return
    look = plan.files[0]
    plan.source["file"] = _relative(look.path, base_dir)
    if look.sheet:
        plan.source["sheet"] = look.sheet
    plan.source["columns"] = _columns_for(look, plan.table, plan, yes=yes)
    have = set(plan.mapped) | {h for h in look.headers if h in spec.columns}
    for column in spec.required:
        if column in have or (plan.table == schema.DEALS.name and column == "status" and "stage" in have):
            continue
        plan.todo.append(
            f"no column of {look.label} looks like {plan.table}.{column} (required): "
            f"add '<its header>: {column}' under columns"
        )


# --- lookups: columns of another file joined on a key ---------------------------------------------------------------

# The deals' key columns another file may describe, and the file names that suggest it does.
_LOOKUP_KEYS = {
    "account_id": ("account", "company", "customer", "client", "客户", "公司"),
    "product": ("product", "产品"),
    "rep_id": ("user", "rep", "team", "owner", "staff", "employee", "销售", "员工", "人员"),
}
_LOOKUP_FILLS = ("segment", "region", "product", "lead_source")


def lookup_candidates(deals: TablePlan, others: Sequence[FileLook], base_dir: Path) -> list[dict[str, Any]]:
    """Lookups the deals may take from other files: a file holding the deals' key column and a column
    the deals lack (e.g. Maven's ``accounts.csv``: ``account`` -> ``sector`` as ``segment``)."""
    if len(deals.files) != 1:
        return []
    mapped = deals.mapped
    found = []
    for look in others:
        for on, name_words in _LOOKUP_KEYS.items():
            header = mapped.get(on) or (on if on in deals.files[0].headers else None)
            if header is None:
                continue
            keys = [h for h in look.headers if normalise_header(h) == normalise_header(header)]
            stem = normalise_header(look.path.stem)
            if not keys and any(w in stem for w in name_words):
                keys = [h for h in look.headers if normalise_header(h) in ("id", "name", "编号", "名称")]
            if not keys:
                continue
            proposals = propose([h for h in look.headers if h != keys[0]], schema.DEALS.name)
            have = set(mapped) | set(deals.files[0].headers) | {c for lk in found for c in lk["columns"].values()}
            columns = {p.header: c for c, p in proposals.items() if c in _LOOKUP_FILLS and c not in have and c != on}
            if columns:
                found.append({"file": _relative(look.path, base_dir), "key": keys[0], "on": on, "columns": columns})
    return found


# --- 3. stages ------------------------------------------------------------------------------------------------------

# Where a stage usually sits in a sales pipeline, by words in its name; specific words first
# ("Perception Analysis" is a late step although "analysis" alone is an early one).
_TYPICAL_STEPS: tuple[tuple[str, float], ...] = (
    (r"perception", 4.8),
    (r"decision|决策", 4.5),
    (r"value\s*prop", 4.2),
    (r"lead|线索|new\b|新建", 0),
    (r"prospect|初步接洽|接洽|潜在|appointment|初访", 1),
    (r"qualif|资格|意向|筛选", 2),
    (r"discover|engag|need|需求|调研|analysis|分析", 3),
    (r"demo|present|演示|展示|试用|poc", 4),
    (r"proposal|quote|方案|报价|pric", 5),
    (r"negotiat|review|谈判|商务|议价", 6),
    (r"contract|commit|签约|合同|closing|verbal|采购", 7),
)
_WON_WORDS = re.compile(r"won\b|\bwin\b|赢|成交|已签约", re.I)
_LOST_WORDS = re.compile(r"lost\b|\bloss\b|输|丢单|失败|流失|dead|disqualif|unqualif|无效|放弃", re.I)
UNKNOWN_RANK = 6.5


def typical_rank(stage: str) -> float | None:
    """Where ``stage`` usually sits (0 = lead … 7 = contract), or None when its name says nothing.

    >>> typical_rank("Negotiation/Review"), typical_rank("方案报价"), typical_rank("Stage 3") is None
    (6, 5, True)
    """
    for pattern, rank in _TYPICAL_STEPS:
        if re.search(pattern, stage, re.I):
            return rank
    return None


def typical_order(stages: Iterable[str]) -> list[str]:
    """Open stages in their usual pipeline order; stages whose name says nothing go last, in the order given.

    >>> typical_order(["Proposal/Price Quote", "Prospecting", "Negotiation/Review", "Qualification"])
    ['Prospecting', 'Qualification', 'Proposal/Price Quote', 'Negotiation/Review']
    >>> typical_order(["谈判", "线索", "方案"])
    ['线索', '方案', '谈判']
    """
    listed = list(dict.fromkeys(stages))
    ranks = {s: typical_rank(s) for s in listed}
    return sorted(listed, key=lambda s: (ranks[s] if ranks[s] is not None else UNKNOWN_RANK, listed.index(s)))


def won_lost_by_words(counts: Mapping[str, int]) -> tuple[str | None, str | None]:
    """The most frequent stage named like a won one and like a lost one.

    >>> won_lost_by_words({"Closed Won": 40, "Closed Lost": 55, "Prospecting": 9})
    ('Closed Won', 'Closed Lost')
    >>> won_lost_by_words({"赢单": 3, "输单": 2, "方案": 5})
    ('赢单', '输单')
    """
    won = [s for s in counts if _WON_WORDS.search(s) and not _LOST_WORDS.search(s)]
    lost = [s for s in counts if _LOST_WORDS.search(s) and not _WON_WORDS.search(s)]
    pick = lambda names: max(names, key=lambda s: counts[s]) if names else None  # noqa: E731
    return pick(won), pick(lost)


def first_entries(history: pd.DataFrame) -> pd.DataFrame:
    """deal_id, stage, entered_at: each deal's first entry into each stage (a reopened deal counts once)."""
    frame = history.dropna(subset=["deal_id", "stage", "entered_at"])
    return frame.groupby(["deal_id", "stage"], as_index=False)["entered_at"].min()


def order_from_history(history: pd.DataFrame, stages: Sequence[str]) -> list[str]:
    """``stages`` ordered as deals pass through them, from a stage history.

    For every pair of stages the deals that entered both vote which came first (first entry);
    a stage's score is the number of stages it precedes in the majority minus those it follows,
    ties broken by its median position among the deal's stages, then by :func:`typical_order`.
    Stages the history never shows keep their typical place after the others.

    >>> h = pd.DataFrame({"deal_id": [1, 1, 1, 2, 2], "stage": ["A", "C", "B", "A", "C"],
    ...                   "entered_at": pd.to_datetime(["2025-01-01", "2025-01-05", "2025-02-01", "2025-01-01",
    ...                                                 "2025-03-01"])})
    >>> order_from_history(h, ["B", "C", "A"])
    ['A', 'C', 'B']
    """
    first = first_entries(history)
    first = first[first["stage"].isin(stages)]
    if first.empty:
        return typical_order(stages)
    first = first.sort_values(["deal_id", "entered_at"])
    first["position"] = first.groupby("deal_id").cumcount()
    positions = first.pivot_table(index="deal_id", columns="stage", values="position", aggfunc="min")
    seen = [s for s in stages if s in positions.columns]
    score = dict.fromkeys(seen, 0)
    for i, a in enumerate(seen):
        for b in seen[i + 1 :]:
            both = positions[[a, b]].dropna()
            before = int((both[a] < both[b]).sum())
            after = int((both[a] > both[b]).sum())
            if before != after:
                winner, loser = (a, b) if before > after else (b, a)
                score[winner] += 1
                score[loser] -= 1
    median = positions.median()
    typical = {s: i for i, s in enumerate(typical_order(stages))}
    ordered = sorted(seen, key=lambda s: (-score[s], median[s], typical[s]))
    return ordered + [s for s in typical_order(stages) if s not in seen]


def renamed_stages(history: pd.DataFrame, stages: Sequence[str], *, min_deals: int = 5) -> dict[str, str]:
    """Stages renamed mid-history: old name -> new name.

    Stage A was renamed B when no deal entered both, every entry into A precedes every entry into
    B, each was entered by at least ``min_deals`` deals, and both sit at the same place in the
    pipeline (every other stage comes before both or after both).

    >>> rows = [(d, "Prospecting", f"2025-0{m}-01") for d, m in zip(range(20), [1, 2] * 10)]
    >>> rows += [(d, "Needs Analysis", "2025-03-01") for d in range(10)]
    >>> rows += [(d, "Discovery", "2025-07-01") for d in range(10, 20)]
    >>> rows += [(d, "Proposal", "2025-08-01") for d in range(20)]
    >>> h = pd.DataFrame(rows, columns=["deal_id", "stage", "entered_at"]).astype({"entered_at": "datetime64[ns]"})
    >>> renamed_stages(h, ["Prospecting", "Needs Analysis", "Discovery", "Proposal"])
    {'Needs Analysis': 'Discovery'}
    """
    first = first_entries(history)
    first = first[first["stage"].isin(stages)]
    if first.empty:
        return {}
    deals = first.groupby("stage")["deal_id"].agg(set)
    span = first.groupby("stage")["entered_at"].agg(["min", "max"])
    first = first.sort_values(["deal_id", "entered_at"])
    first["position"] = first.groupby("deal_id").cumcount()
    positions = first.pivot_table(index="deal_id", columns="stage", values="position", aggfunc="min")

    def side(stage: str, other: str) -> int:
        both = positions[[stage, other]].dropna() if {stage, other} <= set(positions.columns) else pd.DataFrame()
        if both.empty:
            return 0
        return int((both[other] < both[stage]).sum() > (both[other] > both[stage]).sum()) * 2 - 1

    renames: dict[str, str] = {}
    names = [s for s in stages if s in deals.index and len(deals[s]) >= min_deals]
    for a in names:
        for b in names:
            if a == b or a in renames or b in renames or a in renames.values():
                continue
            if deals[a] & deals[b] or not span.loc[a, "max"] < span.loc[b, "min"]:
                continue
            others = [c for c in names if c not in (a, b)]
            if others and all(side(a, c) == side(b, c) for c in others):
                renames[a] = b
    return renames


@dataclass(frozen=True)
class StageGuess:
    """The stages section of the params file, with what was guessed."""

    order: tuple[str, ...]
    won: str
    lost: str
    renamed: dict[str, str]
    notes: dict[str, str]  # key ('order', 'won', 'lost', 'values') -> comment
    counts: dict[str, int]  # stage -> deals at it now
    todo: tuple[str, ...] = ()


def guess_stages(
    counts: Mapping[str, int],
    *,
    history: pd.DataFrame | None = None,
    by_status: pd.DataFrame | None = None,
    language: str = "en",
) -> StageGuess:
    """Order, won and lost stages from the deals' stage counts, a stage history and the status per stage.

    ``by_status`` (stage, status, deals) comes from status flags or a status column; without it
    the won and lost stages are told by their names.
    """
    counts = {str(s): int(n) for s, n in sorted(counts.items(), key=lambda kv: -kv[1])}
    notes: dict[str, str] = {}
    todo: list[str] = []
    won = lost = None
    if by_status is not None and not by_status.empty:
        table = by_status.pivot_table(index="stage", columns="status", values="deals", aggfunc="sum", fill_value=0)
        share = table.div(table.sum(axis=1), axis=0)
        for status in (schema.WON, schema.LOST):
            if status not in table.columns:
                continue
            closing = share.index[share[status] >= 0.9]
            if len(closing):
                name = max(closing, key=lambda s: table.loc[s, status])
                if status == schema.WON:
                    won = name
                else:
                    lost = name
        if won:
            notes["won"] = f"guessed: {int(table.loc[won, schema.WON]):,} deals at this stage are won by the status"
        if lost:
            notes["lost"] = f"guessed: {int(table.loc[lost, schema.LOST]):,} deals at this stage are lost by the status"
    word_won, word_lost = won_lost_by_words({**counts, **_history_counts(history)})
    if won is None and word_won:
        won, notes["won"] = word_won, "guessed from the name"
    if lost is None and word_lost and word_lost != won:
        lost, notes["lost"] = word_lost, "guessed from the name"
    if won is None:
        won = "赢单" if language == "zh" else "Won"
        notes["won"] = "TODO: no stage looks won; name the stage of won deals"
        todo.append("stages.won: no stage looks won (no status flag or 'won' in a stage name); name it")
    if lost is None:
        lost = "输单" if language == "zh" else "Lost"
        notes["lost"] = "guessed: lost deals keep the stage they reached (no stage names a loss)"
    renamed: dict[str, str] = {}
    open_stages = [s for s in [*counts, *_history_counts(history)] if s not in (won, lost)]
    open_stages = list(dict.fromkeys(open_stages))
    if history is not None and not history.empty:
        renamed = renamed_stages(history, open_stages)
        history = history.assign(stage=history["stage"].replace(renamed))
        open_stages = [s for s in open_stages if s not in renamed]
        order = [s for s in order_from_history(history, [*open_stages, won]) if s != won]
        notes["order"] = "guessed: the order deals entered the stages in the stage history"
    else:
        order = typical_order(open_stages)
        notes["order"] = "guessed: the usual order of these stage names"
    unplaced = [s for s in order if typical_rank(s) is None and (history is None or history.empty)]
    if unplaced:
        todo.append(f"stages.order: put {', '.join(unplaced)} in their place (their names say nothing about it)")
        notes["order"] += f"; TODO: place {', '.join(unplaced)}"
    if not order:
        order = ["Open" if language == "en" else "进行中"]
        todo.append("stages.order: the data names no open stage; list the pipeline's stages")
    if renamed:
        notes["values"] = "guessed: " + "; ".join(
            f"'{a}' was renamed '{b}' (no deal entered both; every '{a}' entry precedes every '{b}' entry)"
            for a, b in renamed.items()
        )
    return StageGuess(tuple([*order, won]), won, lost, renamed, notes, counts, tuple(todo))


def _history_counts(history: pd.DataFrame | None) -> dict[str, int]:
    if history is None or history.empty:
        return {}
    return {str(s): int(n) for s, n in history.dropna(subset=["stage"]).groupby("stage")["deal_id"].nunique().items()}


# --- 4. period, currency, time zone, case study ------------------------------------------------------------------


def last_complete_quarter(latest: dt.date, *, slack_days: int = 7) -> tuple[str, str]:
    """The last calendar quarter the data covers, and the quarter after it.

    A quarter is complete when the latest date reaches its last ``slack_days`` days: an export
    pulled on 31 December whose last deal moved on the 27th still covers the fourth quarter.

    >>> last_complete_quarter(dt.date(2017, 12, 31))
    ('2017-Q4', '2018-Q1')
    >>> last_complete_quarter(dt.date(2025, 12, 27))
    ('2025-Q4', '2026-Q1')
    >>> last_complete_quarter(dt.date(2025, 11, 20))
    ('2025-Q3', '2025-Q4')
    """
    quarter = (latest.month - 1) // 3 + 1
    year = latest.year
    end_month = quarter * 3
    end = (dt.date(year + end_month // 12, end_month % 12 + 1, 1)) - dt.timedelta(days=1)
    if latest < end - dt.timedelta(days=slack_days):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
    nxt_year, nxt = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return f"{year}-Q{quarter}", f"{nxt_year}-Q{nxt}"


# Currency -> the country whose public holidays shape a working month.
_CURRENCY_COUNTRY = {
    "CNY": "CN", "RMB": "CN", "USD": "US", "EUR": "DE", "GBP": "GB", "JPY": "JP", "HKD": "HK", "SGD": "SG",
    "AUD": "AU", "CAD": "CA", "INR": "IN", "TWD": "TW", "KRW": "KR", "CHF": "CH", "SEK": "SE", "NZD": "NZ",
    "BRL": "BR", "MXN": "MX", "ZAR": "ZA", "NOK": "NO", "DKK": "DK", "PLN": "PL",
}  # fmt: skip
_SYMBOLS = {"¥": "CNY", "￥": "CNY", "$": "USD", "€": "EUR", "£": "GBP"}
# UTC offsets -> the zone most CRM exports with that offset come from.
_OFFSET_ZONE = {
    "+08:00": "Asia/Shanghai",
    "+00:00": "UTC",
    "Z": "UTC",
    "+09:00": "Asia/Tokyo",
    "+01:00": "Europe/Berlin",
}
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def currency_from_cells(cells: Iterable[object]) -> str | None:
    """The currency a column of amounts is written in, from a symbol in its cells (``¥1,200`` -> CNY)."""
    seen = Counter(_SYMBOLS[ch] for cell in cells if isinstance(cell, str) for ch in cell[:2] if ch in _SYMBOLS)
    return seen.most_common(1)[0][0] if seen else None


def timezone_from_cells(cells: Iterable[object]) -> str | None:
    """An IANA zone for date cells written with a UTC offset (``2025-03-01T09:00:00+08:00``), else None.

    >>> timezone_from_cells(["2025-03-01T09:00:00+08:00", "2025-03-02T10:00:00+0800"])
    'Asia/Shanghai'
    >>> timezone_from_cells(["2025-03-01"]) is None
    True
    """
    offsets = Counter()
    for cell in cells:
        if isinstance(cell, str) and (m := _OFFSET.search(cell.strip())) and re.search(r"\d[T ]\d", cell):
            text = m[1]
            offsets[text if text == "Z" else f"{text[:3]}:{text[-2:]}"] += 1
    if not offsets:
        return None
    return _OFFSET_ZONE.get(offsets.most_common(1)[0][0], "UTC")


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (``end`` excluded)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def placebo_case_study(
    first: dt.date, period_end: dt.date, *, team_deals: Mapping[str, int], rep_deals: Mapping[str, int]
) -> dict[str, Any] | None:
    """A placebo case study like params/maven.yaml's: a date mid-history, the largest team treated.

    Without teams (or with one), every second rep by deal count is treated. None when the history
    is shorter than six months or there is nobody to compare with.

    >>> placebo_case_study(dt.date(2016, 10, 20), dt.date(2017, 12, 31), team_deals={"A": 5, "B": 9},
    ...                    rep_deals={})["treated_teams"]
    ['B']
    """
    mid = first + (period_end - first) / 2
    date = dt.date(mid.year, mid.month, 1) + (dt.timedelta(days=31) if mid.day > 15 else dt.timedelta(0))
    date = date.replace(day=1)
    span = min(12, months_between(first, date), months_between(date, period_end + dt.timedelta(days=1)))
    if span < 3:
        return None
    study: dict[str, Any] = {"date": date, "before_months": span, "after_months": span}
    if len(team_deals) >= 2:
        study["treated_teams"] = [max(team_deals, key=lambda t: (team_deals[t], t))]
    elif len(rep_deals) >= 2:
        ranked = sorted(rep_deals, key=lambda r: (-rep_deals[r], r))
        study["treated_reps"] = ranked[::2]
    else:
        return None
    return study


# --- the load, through the package's own loader -----------------------------------------------------------------


def _params(tables: Mapping[str, dict], base_dir: Path, *, stages: Mapping, currency: str, fx=None, preset=None):
    from salesnb.params import Params

    data = {"base_dir": str(base_dir), "tables": dict(tables), "fx": dict(fx or {})}
    if preset:
        data["preset"] = preset
    return Params.model_validate(
        {"client": "init", "period": "2000-Q1", "currency": currency, "stages": dict(stages), "data": data}
    )


def _load(params, *, account: bool = False) -> tuple[dict[str, pd.DataFrame], Any]:
    """The clean canonical tables as pandas frames (the columns init looks at) and the load report
    (``account``: with the row accounting, which takes longer)."""
    from salesnb.data import read_canonical

    canonical, report = read_canonical(params, account=account)
    try:
        wanted = {
            "deals": ["deal_id", "rep_id", "stage", "status", "created_at", "closed_at", "currency", "amount"],
            "stage_history": ["deal_id", "stage", "entered_at"],
            "reps": ["rep_id", "team", "left_at"],
            "surveys": ["rep_id"],
        }
        frames = {}
        for name, columns in wanted.items():
            table = canonical.tables.get(name)
            if table is not None:
                frames[name] = table.select(*[c for c in columns if c in table.columns]).to_pandas()
        return frames, report
    finally:
        canonical.close()


def _without_status(deals: Mapping[str, Any]) -> dict[str, Any]:
    """The deals entry with the status left open, so every stage value stays visible."""
    out = {k: v for k, v in deals.items() if k != "status_from"}
    if "parts" in out:
        return out
    columns = {h: t for h, t in out.get("columns", {}).items() if t != "status"}
    out["columns"] = columns
    out["constants"] = {**out.get("constants", {}), "status": schema.OPEN}
    return out


# --- 5. the YAML ----------------------------------------------------------------------------------------------------


def _flow(value: Any) -> str:
    """``value`` as one line of YAML (flow style), quoted where YAML needs it."""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6, sort_keys=False).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def _line(indent: int, key: str, value: Any = None, note: str | None = None, *, block: bool = False) -> str:
    text = " " * indent + f"{_flow(key)}:"
    if not block:
        text += f" {_flow(value)}"
    return text + (f"  # {note}" if note else "")


@dataclass
class Draft:
    """Everything the params file will say (see :func:`render_params`)."""

    client: str
    period: str
    target_period: str
    language: str
    currency: str
    stages: StageGuess
    base_dir: str
    plans: dict[str, TablePlan]
    preset: str = "generic"
    preset_note: str | None = None
    timezone: str | None = None
    fx: dict[str, float] = field(default_factory=dict)
    holidays_country: str = "CN"
    case_study: dict[str, Any] | None = None
    kpis: list[str] = field(default_factory=list)
    lost_stage_without_history: str | None = None
    notes: dict[str, str] = field(default_factory=dict)  # top-level key -> comment
    header: list[str] = field(default_factory=list)  # comment lines at the top


def render_params(draft: Draft) -> str:
    """The params file as commented YAML."""
    out = [f"# {line}" if line else "#" for line in draft.header]
    note = draft.notes.get
    out.append(_line(0, "client", draft.client, note("client")))
    out.append(_line(0, "period", draft.period, note("period")))
    out.append(_line(0, "language", draft.language, note("language")))
    out.append(_line(0, "currency", draft.currency, note("currency")))
    out.append(_line(0, "fiscal_year_start", 1, "TODO: the month the client's fiscal year starts (1 = January)"))
    out.append(_line(0, "stages", block=True))
    s = draft.stages
    out.append(_line(2, "order", list(s.order), s.notes.get("order")))
    out.append(_line(2, "won", s.won, s.notes.get("won")))
    out.append(_line(2, "lost", s.lost, s.notes.get("lost")))
    out.append(_line(0, "data", block=True))
    out.append(_line(2, "source", "files"))
    out.append(_line(2, "preset", draft.preset, draft.preset_note))
    out.append(_line(2, "base_dir", draft.base_dir, "relative to this file"))
    if draft.timezone:
        out.append(_line(2, "timezone", draft.timezone, note("timezone")))
    if draft.fx:
        out.append(_line(2, "fx", block=True) + (f"  # {note('fx')}" if note("fx") else ""))
        for code, rate in draft.fx.items():
            out.append(_line(4, code, rate))
    elif note("fx"):
        out.append(f"  # fx: {{}}  # {note('fx')}")
    out.append(_line(2, "tables", block=True))
    for name in schema.TABLES:
        plan = draft.plans.get(name)
        if plan is not None:
            out += _render_table(plan, draft.stages)
    out.append(_line(0, "reports", block=True))
    out.append(_line(2, "targets", block=True))
    out.append(_line(4, "target_period", draft.target_period, "the quarter after the period"))
    out.append(_line(4, "holidays_country", draft.holidays_country, note("holidays_country")))
    if draft.lost_stage_without_history:
        out.append(_line(2, "funnel", block=True))
        out.append(
            _line(
                4,
                "lost_stage_without_history",
                draft.lost_stage_without_history,
                "guessed: without stage history, the stage a lost deal had reached",
            )
        )
    out.append(_line(2, "case_study", block=True))
    study = draft.case_study
    if study is None:
        out.append(_line(4, "enabled", False, "TODO: name an intervention (date, treated teams or reps)"))
    else:
        out.append("    # TODO: set the real intervention. No intervention is known: this placebo (a date mid-history,")
        out.append("    # one group treated) shows how the report reads when nothing happened.")
        out.append(_line(4, "name", study["name"]))
        out.append(_line(4, "date", study["date"], "TODO: set the real intervention"))
        for key in ("treated_teams", "treated_reps"):
            if key in study:
                out.append(_line(4, key, study[key], "guessed: placebo"))
        out.append(_line(4, "before_months", study["before_months"]))
        out.append(_line(4, "after_months", study["after_months"]))
        if draft.kpis:
            out.append(_line(4, "kpis", draft.kpis, "the KPIs this data can measure"))
    return "\n".join(out) + "\n"


_KEY_ORDER = ("file", "sheet", "encoding", "delimiter", "header_row", "where", "melt", "columns", "values",
              "constants", "date_format", "decimal", "status_from", "lookups", "parts")  # fmt: skip


def _render_table(plan: TablePlan, stages: StageGuess) -> list[str]:
    out = [f"    # {plan.origin}: {', '.join(look.label for look in plan.files)}"]
    out += [f"    # {line}" for line in plan.info]
    source = dict(plan.source)
    if stages.renamed and plan.table in (schema.DEALS.name, schema.STAGE_HISTORY.name):
        values = dict(source.get("values", {}))
        values["stage"] = {**stages.renamed, **values.get("stage", {})}
        source["values"] = values
        plan.notes.setdefault("values", stages.notes.get("values", "guessed"))
    if not source:
        return [*out, f"    # {plan.table}: as the preset resolves it (nothing to set here)"]
    out.append(_line(4, plan.table, block=True))
    out += _render_source(source, plan, indent=6)
    for line in plan.todo:
        out.append(f"      # TODO: {line}")
    return out


def _render_source(source: Mapping[str, Any], plan: TablePlan, *, indent: int, prefix: str = "") -> list[str]:
    out = []
    pad = " " * indent
    for key in sorted(source, key=lambda k: _KEY_ORDER.index(k) if k in _KEY_ORDER else 99):
        value = source[key]
        if key == "columns":
            held = {h: v for h, v in plan.held.items() if not prefix or h in _part_headers(plan, prefix)}
            if not value and not held:
                continue
            out.append(_line(indent, "columns", block=True) + ("" if value else "  # TODO: none taken yet"))
            for header, target in value.items():
                targets = [target] if isinstance(target, str) else target
                notes = [plan.notes[prefix + t] for t in targets if prefix + t in plan.notes]
                out.append(_line(indent + 2, header, target, "; ".join(notes) or None))
            for header, (canonical, why) in held.items():
                out.append(pad + "  # " + _line(0, header, canonical, why))
        elif key == "parts":
            out.append(_line(indent, "parts", block=True))
            for part in value:
                look = next((f for f in plan.files if _relative_name(f) == part.get("file")), None)
                lines = _render_source(part, plan, indent=indent + 4, prefix=f"{look.label}:" if look else "")
                out.append(pad + "  - " + lines[0].lstrip())
                out += lines[1:]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(_line(indent, key, block=True) + (f"  # {plan.notes[key]}" if key in plan.notes else ""))
            out += [f"{pad}  - {_flow(item)}" for item in value]
        elif isinstance(value, dict) and not value:
            continue
        else:
            out.append(_line(indent, key, value, plan.notes.get(key)))
    return out


def _relative_name(look: FileLook) -> str:
    return look.path.name


def _part_headers(plan: TablePlan, prefix: str) -> set[str]:
    for look in plan.files:
        if f"{look.label}:" == prefix:
            return set(look.headers)
    return set()


# --- the whole command ------------------------------------------------------------------------------------------


@dataclass
class InitResult:
    """What ``init`` wrote and what a person still has to decide."""

    path: Path
    text: str
    summary: list[str]
    decisions: list[str]
    preset: str


@dataclass
class _Seen:
    """What the two loads showed (see :func:`init`)."""

    stages: StageGuess
    latest: dt.date
    first: dt.date
    currencies: dict[str, int]
    frames: dict[str, pd.DataFrame]


_FINGERPRINT = "# salesnb init fingerprint: "


def with_fingerprint(text: str) -> str:
    """Append a checksum line, so a later ``init`` can tell its own unedited file from a person's edits."""
    return f"{text.rstrip(chr(10))}\n{_FINGERPRINT}{hashlib.sha256(text.rstrip(chr(10)).encode()).hexdigest()[:16]}\n"


def written_by_init_unedited(path: Path) -> bool:
    """True when ``path`` is a params file ``init`` wrote and nobody has changed since (safe to replace).

    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.yaml"
    >>> _ = f.write_text(with_fingerprint("client: acme"))
    >>> written_by_init_unedited(f)
    True
    >>> _ = f.write_text(f.read_text().replace("acme", "acme2"))
    >>> written_by_init_unedited(f)
    False
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    body, _, last = text.rstrip("\n").rpartition("\n")
    return last.startswith(_FINGERPRINT) and with_fingerprint(body) == text


def init(
    paths: Sequence[str | Path],
    *,
    out: str | Path,
    lang: str | None = None,
    client: str | None = None,
    yes: bool = False,
) -> InitResult:
    """Inspect the files, guess a params file, write it to ``out`` (and nothing else).

    Raises ParamsError when ``out`` exists and ``yes`` is false, DataError when no file can be read
    or none looks like deals.
    """
    out = Path(out).expanduser()
    if out.is_dir():
        raise ParamsError(f"{out} is a folder; --out names the params file to write, e.g. params/acme.yaml.")
    if out.exists() and not yes and not written_by_init_unedited(out):
        raise ParamsError(
            f"{out} already exists and is not an unedited `salesnb init` file; pass --yes to overwrite it "
            "(or choose another --out)."
        )
    if client is not None:
        try:
            safe_folder_name(client, "--client")
        except ValueError as exc:
            raise ParamsError(str(exc)) from None
    looks, problems = inspect_files(paths)
    base_dir = _common_folder([look.path for look in looks])
    summary: list[str] = [f"Read the headers of {len(looks)} file(s) in {base_dir}:"]
    summary += [f"  {look.label}: {len(look.headers)} columns" for look in looks]
    decisions: list[str] = list(problems)

    plans, preset, preset_note, unused = _plan(looks, base_dir, yes=yes)
    if schema.DEALS.name not in plans:
        listed = "; ".join(f"{look.label} ({', '.join(look.headers[:8])})" for look in looks)
        raise DataError(
            f"No file looks like a deals table (an id, a date or amount, and a stage or status): {listed}. "
            "Rename the columns or write the params file by hand (see params/demo.yaml)."
        )
    deals_plan = plans[schema.DEALS.name]
    if preset == "generic":
        candidates = [*unused, *(plans["reps"].files if "reps" in plans else [])]
        lookups = lookup_candidates(deals_plan, candidates, base_dir)
        if lookups:
            deals_plan.source["lookups"] = lookups
    fx, report_currency, fx_note = _fx_from_files(looks)
    language = lang or ("zh" if any(_CJK.search(h) for look in looks for h in look.headers) else "en")
    notes: dict[str, str] = {}
    company = _company_currency(deals_plan, base_dir)
    if company and not report_currency:
        report_currency, fx_note = company, "the company currency of 'Amount in company currency'"
    constant = deals_plan.entry.get("constants", {}).get("currency")
    if constant and not report_currency:
        report_currency, fx_note = str(constant).upper(), f"the {preset} preset's currency"
    pipeline = _choose_pipeline(deals_plan, base_dir)
    if pipeline:
        header, chosen, counts = pipeline
        deals_plan.source["where"] = [{"column": header, "equals": [chosen]}]
        others = ", ".join(f"{v} ({n:,} deals)" for v, n in counts.items() if v != chosen)
        deals_plan.notes["where"] = f"guessed: the largest pipeline; TODO: run {others} with its own params file"
        decisions.append(
            f"data.tables.deals.where: only the pipeline '{chosen}' is read; the others ({others}) "
            "need their own params file"
        )

    for plan in plans.values():
        if _ambiguous_decimals(plan, base_dir):
            plan.source["decimal"] = "."
            plan.notes["decimal"] = "guessed: amounts like 1,234 read either way; ',' is taken as thousands"
            decisions.append(f"data.tables.{plan.table}.decimal: '.' was guessed (cells like 1,234); check the amounts")
    currency0 = report_currency or ("CNY" if language == "zh" else "USD")
    try:
        seen = _observe(plans, base_dir, preset=preset, currency=currency0, fx=fx, language=language)
    except SalesnbError as exc:
        raise DataError(
            f"The files were matched (see below), but the data could not be loaded with that mapping: {exc} "
            "No params file was written."
        ) from None
    _drop_weak_lookups(deals_plan, seen, decisions)
    stages = seen.stages
    decisions += list(stages.todo)
    period, target_period = last_complete_quarter(seen.latest)

    currency = report_currency
    if currency:
        notes["currency"] = f"guessed: {fx_note}"
    elif seen.currencies:
        currency = max(seen.currencies, key=lambda c: seen.currencies[c])
        notes["currency"] = f"guessed: the most frequent deal currency ({seen.currencies[currency]:,} deals)"
    else:
        symbol = currency_from_cells(_raw_cells(deals_plan, base_dir, "amount"))
        currency = symbol or ("CNY" if language == "zh" else "USD")
        notes["currency"] = "guessed from the amounts' currency sign" if symbol else "TODO: guessed from the language"
        if not symbol:
            decisions.append(f"currency: {currency} was guessed from the language; check it")
    foreign = [c for c in seen.currencies if c != currency]
    if foreign and not all(c in fx for c in foreign):
        lacking = [c for c in foreign if c not in fx]
        decisions.append(
            f"data.fx: the deals are in {', '.join(seen.currencies)}; give the rate into {currency} of "
            f"{', '.join(lacking)} (check stops until then)"
        )
        notes["fx"] = f"TODO: {', '.join(f'{c}: <{currency} per 1 {c}>' for c in lacking)}"
    if fx:
        notes["fx"] = f"guessed: {fx_note}" if fx_note else "guessed"
    timezone = timezone_from_cells(_raw_cells(deals_plan, base_dir, "created_at"))
    if timezone:
        notes["timezone"] = "guessed from the UTC offsets in the dates"
    country = _CURRENCY_COUNTRY.get(currency, "CN" if language == "zh" else "US")
    notes["holidays_country"] = f"guessed from the currency {currency}"
    notes["period"] = f"the last complete quarter of the data (latest date {seen.latest})"
    notes["language"] = "from --lang" if lang else "guessed from the headers"

    team_deals, rep_deals = _group_sizes(seen.frames)
    study = placebo_case_study(seen.first, _quarter_end(period), team_deals=team_deals, rep_deals=rep_deals)
    if study:
        study["name"] = "安慰剂检验（无已知干预）" if language == "zh" else "Placebo check (no known intervention)"
        decisions.append("reports.case_study: a placebo is written; set the real intervention (date, treated group)")
    else:
        decisions.append("reports.case_study: no groups to compare; name an intervention or leave it disabled")
    kpis = ["win_rate", "cycle_days", "deal_size"]
    if "surveys" in seen.frames and "rep_id" in seen.frames["surveys"]:
        kpis.append("csat")
    if "reps" in seen.frames and "left_at" in seen.frames["reps"]:
        kpis.append("attrition")
    history = seen.frames.get(schema.STAGE_HISTORY.name)
    lost_at = None
    if history is None or history.empty:
        steps = [s for s in stages.order if s != stages.won]
        # Maven-like exports: a deal is 'engaged' once it left prospecting, which every lost deal did.
        lost_at = steps[1] if len(steps) >= 2 and re.search(r"engag", steps[1], re.I) else steps[0]

    for plan in plans.values():
        decisions += [f"data.tables.{plan.table}: {t}" for t in plan.todo]
        decisions += [
            f"data.tables.{plan.table}: '{h}' -> {c}? ({why.removeprefix('TODO: ')})"
            for h, (c, why) in plan.held.items()
        ]
    looked_up = {Path(lk["file"]).name for plan in plans.values() for lk in plan.entry.get("lookups", [])}
    for look in unused:
        if look.path.name not in looked_up and not _is_rates_file(look):
            decisions.append(f"{look.label}: not used (no table or lookup matched its columns)")

    draft = Draft(
        client=client or _client_name(base_dir),
        period=period,
        target_period=target_period,
        language=language,
        currency=currency,
        stages=stages,
        base_dir=_relative(base_dir, out.resolve().parent),
        plans=plans,
        preset=preset,
        preset_note=preset_note,
        timezone=timezone,
        fx=fx,
        holidays_country=country,
        case_study=study,
        kpis=kpis,
        lost_stage_without_history=lost_at,
        notes=notes,
        header=[
            f"Written by `salesnb init` from {base_dir} on {dt.date.today()}.",
            "Every value marked 'guessed' was inferred from the data; every 'TODO' needs a person.",
            "Edit, then run `salesnb check` on this file, then `salesnb run`.",
        ],
    )
    text = with_fingerprint(render_params(draft))
    yaml.safe_load(text)  # never write a file that is not YAML
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    summary += _describe_plans(plans, stages, period, currency, preset)
    return InitResult(out, text, summary, list(dict.fromkeys(decisions)), preset)


def _observe(
    plans: Mapping[str, TablePlan], base_dir: Path, *, preset: str, currency: str, fx: dict, language: str
) -> _Seen:
    """Load the data twice with the package's loader and guess the stages from what it shows.

    First with every deal open (its status source set aside) and without the stage history, so
    every stage value of the deals is read; then with provisional stages (every value seen, won
    and lost by name) and the real status, to see which stages close deals and the history's order.
    """
    # A table the preset gives whole (parts) has no entry of its own: leave it out, or it would replace the preset's.
    own = {name: plan.source for name, plan in plans.items() if plan.source}
    deals = plans[schema.DEALS.name]
    probe = {name: dict(entry) for name, entry in own.items() if name != schema.STAGE_HISTORY.name}
    probe["deals"] = _without_status(deals.entry) if deals.resolved is None else _preset_without_status(own["deals"])
    probe["deals"]["constants"] = {**probe["deals"].get("constants", {}), "currency": currency}
    frames, _ = _load(_params(probe, base_dir, stages=_PROBE_STAGES, currency=currency, preset=preset))
    stage_counts = frames["deals"]["stage"].value_counts().to_dict() if "stage" in frames["deals"] else {}
    history_stages = _history_stage_values(plans.get(schema.STAGE_HISTORY.name), base_dir)
    currencies = _currency_counts(deals, base_dir)
    if currencies:
        fx = {**{c: 1.0 for c in currencies if c != currency}, **fx}  # provisional: amounts are not used here
    provisional = _provisional_stages(stage_counts, history_stages, language)
    guessed_lookups = bool(own.get("deals", {}).get("lookups"))
    frames, report = _load(
        _params(own, base_dir, stages=provisional, currency=currency, fx=fx, preset=preset), account=guessed_lookups
    )
    found = frames["deals"]
    by_status = None
    if _has_status(deals.entry) and "stage" in found:
        by_status = found.groupby(["stage", "status"]).size().rename("deals").reset_index()
    history = frames.get(schema.STAGE_HISTORY.name)
    stages = guess_stages(stage_counts, history=history, by_status=by_status, language=language)
    latest, first = _date_span(found)
    if latest is None:
        raise DataError("the deals have no readable created or close date; map the date columns by hand.")
    lookups = report.accounts[schema.DEALS.name].lookups if guessed_lookups else ()
    frames["lookups"] = pd.DataFrame(
        [(lk.file, lk.matched, lk.unmatched) for lk in lookups], columns=["file", "matched", "unmatched"]
    )
    return _Seen(stages, latest, first, currencies, frames)


def _plan(looks: Sequence[FileLook], base_dir: Path, *, yes: bool):
    """Plans from a recognised preset, else from the synonym table; and the files no table took."""
    resolved = _from_preset(looks, base_dir)
    if resolved is not None:
        return resolved
    plans, unused = plan_tables(looks, base_dir, yes=yes)
    return plans, "generic", "no CRM preset recognised: the columns below were matched by name", unused


def _from_preset(looks: Sequence[FileLook], base_dir: Path):
    """Plans from the best CRM preset that recognises a deals file among ``looks``, else None.

    The params file pins each table's file and writes the columns the preset had to guess (so a
    person sees them); the columns the preset found stay with the preset, listed as comments.
    """
    from salesnb.data import presets

    paths = list(dict.fromkeys(look.path for look in looks))
    detections = presets.detect(paths)
    if not detections:
        return None
    best = detections[0]
    resolution = presets.resolve(best.preset, base_dir, files=paths)
    report = resolution.report
    plans: dict[str, TablePlan] = {}
    by_name = {(look.path.name, look.sheet): look for look in looks}
    by_name |= {(look.path.name, None): look for look in looks}
    for name, entry in resolution.tables.items():
        mappings = [m for m in report.tables if m.table == name and m.file is not None] if report else []
        mappings = [m for m in mappings if m.file_found]
        if not mappings:
            continue  # the preset names a usual file that is not there: the table is simply absent
        files = [by_name[key] for key in ((Path(m.file).name, m.sheet) for m in mappings) if key in by_name]
        files = files or [by_name[key] for key in ((Path(m.file).name, None) for m in mappings) if key in by_name]
        plan = TablePlan(name, files, {}, origin=f"{best.preset} preset", resolved=dict(entry))
        if "parts" not in entry and entry.get("file"):
            plan.source["file"] = entry["file"]
            if entry.get("sheet") is not None:
                plan.source["sheet"] = entry["sheet"]
        for m in mappings:
            found = ", ".join(f"{h} -> {c}" for c, h in m.found.items())
            if found:
                plan.info.append(f"found by the preset in {_label_of(m)}: {found}")
            if m.status_rules:
                rules = "; ".join(
                    f"{r['status']} if {r['column']} "
                    + (f"= {', '.join(r['equals'])}" if "equals" in r else "filled" if r.get("present") else "blank")
                    for r in m.status_rules
                )
                plan.info.append(f"status: {rules}")
            for canonical, header in m.guessed.items():
                if "parts" in entry:
                    plan.info.append(f"guessed in {_label_of(m)}: {header} -> {canonical}")
                    continue
                plan.source.setdefault("columns", {})[header] = canonical
                plan.notes[canonical] = "guessed (not a header the preset documents; the synonym table's match)"
            for canonical, tried in m.missing.items():
                required = canonical in m.required_missing
                text = f"no column for {name}.{canonical} (the preset looks for {', '.join(tried)})"
                (plan.todo if required else plan.info).append(text + (": required" if required else ""))
        if plans.get(name) is None:
            plans[name] = plan
    unused_names = set(report.unmatched_files) if report else set()
    unused = [look for look in looks if look.label in unused_names]
    note = f"recognised {', '.join(best.shapes)} (score {best.score:.2f})"
    return plans, best.preset, note, unused


def _label_of(mapping) -> str:
    name = Path(mapping.file).name
    return f"{name} [{mapping.sheet}]" if mapping.sheet is not None else name


def _preset_without_status(own: Mapping[str, Any]) -> dict[str, Any]:
    """A params entry that sets the status aside under a preset: an empty status_from and an open constant."""
    out = dict(own)
    out["status_from"] = []
    columns = {h: t for h, t in out.get("columns", {}).items() if t != "status"}
    if columns:
        out["columns"] = columns
    out["constants"] = {**out.get("constants", {}), "status": schema.OPEN}
    return out


def _has_status(entry: Mapping[str, Any]) -> bool:
    """Whether the deals' status comes from a status column or status flags (else from the stage)."""
    if entry.get("status_from"):
        return True
    targets = [t for v in entry.get("columns", {}).values() for t in ([v] if isinstance(v, str) else v)]
    return "status" in targets


def _drop_weak_lookups(deals: TablePlan, seen: _Seen, decisions: list[str]) -> None:
    """Keep a guessed lookup only when most of the deals' keys are in the lookup file."""
    lookups = deals.source.get("lookups")
    if not lookups:
        return
    results = seen.frames["lookups"]
    kept = []
    for lookup, (_, row) in zip(lookups, results.iterrows(), strict=False):
        total = row["matched"] + row["unmatched"]
        if total and row["matched"] / total >= LOOKUP_MATCH:
            kept.append(lookup)
        else:
            decisions.append(f"{lookup['file']}: shares '{lookup['key']}' with the deals, but few keys match; not used")
    if kept:
        deals.source["lookups"] = kept
        deals.notes["lookups"] = "guessed: files sharing a key column with the deals"
    else:
        deals.source.pop("lookups", None)


def _history_stage_values(plan: TablePlan | None, base_dir: Path) -> list[str]:
    """The stage values of the stage history, read raw (the first load leaves the history out)."""
    if plan is None:
        return []
    entry = plan.entry
    if "file" not in entry:
        return []
    if entry.get("melt"):
        pattern = re.compile(entry["melt"]["pattern"])
        headers = read_headers(base_dir / entry["file"], entry.get("sheet"))
        return list(dict.fromkeys(m["stage"] for h in headers if (m := pattern.search(h))))
    header = plan.mapped.get("stage") or "stage"
    return list(_raw_counts(base_dir / entry["file"], entry.get("sheet"), header))


def _raw_counts(path: Path, sheet: str | None, header: str) -> dict[str, int]:
    """Value -> rows of one column as written (stripped), most frequent first; {} without the column."""
    from salesnb.data.readers import read_table_file

    raw = read_table_file(path, sheet=sheet)
    try:
        if header not in raw.headers:
            return {}
        cell = raw.table[header].cast("string").strip()
        counts = raw.table.select(v=cell).filter(lambda t: t.v.notnull() & (t.v != "")).v.value_counts().to_pandas()
    finally:
        raw.workspace.close()
    counts = counts.sort_values(counts.columns[1], ascending=False)
    return {str(v): int(n) for v, n in zip(counts.iloc[:, 0], counts.iloc[:, 1], strict=True)}


def _currency_counts(deals: TablePlan, base_dir: Path) -> dict[str, int]:
    header = deals.mapped.get("currency")
    entry = deals.entry
    if header is None or "file" not in entry:
        return {}
    counts: Counter = Counter()
    for value, n in _raw_counts(base_dir / entry["file"], entry.get("sheet"), header).items():
        counts[value.upper()] += n
    return dict(counts.most_common())


def _company_currency(deals: TablePlan, base_dir: Path) -> str | None:
    """HubSpot's 'Amount in company currency': the company currency is that of the deals whose two
    amounts agree; the currency column then only describes 'Amount', so it is not mapped."""
    mapped = deals.mapped
    amount = mapped.get("amount")
    if amount is None or normalise_header(amount) != "amountincompanycurrency" or "file" not in deals.entry:
        return None
    currency = mapped.get("currency")
    if currency is not None and deals.resolved is None:
        deals.source["columns"] = {h: t for h, t in deals.source["columns"].items() if t != "currency"}
    plain = next((h for h in deals.files[0].headers if normalise_header(h) == "amount"), None)
    column = currency or next(
        (h for h in deals.files[0].headers if normalise_header(h) in ("currency", "dealcurrencycode", "currencycode")),
        None,
    )
    if plain is None or column is None:
        return None
    from salesnb.data.readers import read_table_file

    raw = read_table_file(base_dir / deals.entry["file"], sheet=deals.entry.get("sheet"))
    try:
        frame = raw.table.select(a=raw.table[plain], b=raw.table[amount], c=raw.table[column]).to_pandas()
    finally:
        raw.workspace.close()
    same = pd.to_numeric(frame["a"], errors="coerce") == pd.to_numeric(frame["b"], errors="coerce")
    codes = frame.loc[same, "c"].dropna().astype(str).str.strip().str.upper()
    return codes.value_counts().index[0] if len(codes) else None


_PIPELINE_HEADERS = ("pipeline", "dealpipeline", "销售管道", "销售流程", "商机流程")


def _choose_pipeline(deals: TablePlan, base_dir: Path) -> tuple[str, str, dict[str, int]] | None:
    """The deals' pipeline column, its largest pipeline and the deals per pipeline, when there are several."""
    if "file" not in deals.entry or deals.entry.get("where") or not deals.files:
        return None
    header = next((h for h in deals.files[0].headers if normalise_header(h) in _PIPELINE_HEADERS), None)
    if header is None:
        return None
    counts = _raw_counts(base_dir / deals.entry["file"], deals.entry.get("sheet"), header)
    if len(counts) < 2:
        return None
    return header, next(iter(counts)), counts


def _provisional_stages(counts: Mapping[str, int], history: Sequence[str], language: str) -> dict[str, Any]:
    names = list(dict.fromkeys([*map(str, counts), *history]))
    won, lost = won_lost_by_words({n: counts.get(n, 0) for n in names})
    won = won or ("赢单" if language == "zh" else "Won")
    lost = lost if lost and lost != won else "salesnb probe lost"
    order = [n for n in names if n not in (won, lost)] or ["salesnb probe open"]
    return {"order": [*order, won], "won": won, "lost": lost}


def _date_span(deals: pd.DataFrame) -> tuple[dt.date | None, dt.date | None]:
    """The latest and earliest date of the deals (created, and closed for closed deals)."""
    dates = []
    if "created_at" in deals:
        dates.append(deals["created_at"])
    if "closed_at" in deals:
        closed = deals["status"].isin(schema.CLOSED_STATUSES) if "status" in deals else True
        dates.append(deals.loc[closed, "closed_at"])
    values = pd.concat(dates).dropna() if dates else pd.Series(dtype="datetime64[ns]")
    if values.empty:
        return None, None
    return values.max().date(), values.min().date()


def _quarter_end(label: str) -> dt.date:
    from salesnb.params import parse_period

    return parse_period(label)["end"]


def _group_sizes(frames: Mapping[str, pd.DataFrame]) -> tuple[dict[str, int], dict[str, int]]:
    """Deals per team (through the reps table) and per rep."""
    deals = frames["deals"]
    if "rep_id" not in deals:
        return {}, {}
    rep_deals = {str(k): int(v) for k, v in deals["rep_id"].dropna().value_counts().items()}
    reps = frames.get("reps")
    team_deals: dict[str, int] = {}
    if reps is not None and "team" in reps:
        team_of = dict(zip(reps["rep_id"].astype(str), reps["team"], strict=False))
        for rep, n in rep_deals.items():
            team = team_of.get(rep)
            if isinstance(team, str) and team:
                team_deals[team] = team_deals.get(team, 0) + n
    return team_deals, rep_deals


def _raw_cells(plan: TablePlan, base_dir: Path, canonical: str, limit: int = 500) -> list[object]:
    """Up to ``limit`` cells of the client column mapped onto ``canonical``, as written."""
    entry = plan.entry
    header = plan.mapped.get(canonical) or (canonical if plan.files and canonical in plan.files[0].headers else None)
    if header is None or "file" not in entry:
        return []
    from salesnb.data.readers import read_table_file

    try:
        raw = read_table_file(base_dir / entry["file"], sheet=entry.get("sheet"))
    except SalesnbError:
        return []
    try:
        if header not in raw.headers:
            return []
        frame = raw.table.select(v=raw.table[header]).limit(limit).to_pandas()
    finally:
        raw.workspace.close()
    return [v for v in frame["v"] if v is not None]


def _ambiguous_decimals(plan: TablePlan, base_dir: Path, limit: int = 5000) -> bool:
    """Whether a number column's cells read both with a decimal point and a decimal comma (``1,234``),
    which the loader refuses to guess; a CRM export in English or Chinese means thousands."""
    from salesnb.data.parse import parse_amounts
    from salesnb.data.readers import read_table_file

    entry = plan.entry
    spec = schema.TABLES[plan.table]
    headers = [h for c, h in plan.mapped.items() if spec.columns.get(c) == schema.NUMBER]
    if not headers or "file" not in entry or entry.get("decimal"):
        return False
    raw = read_table_file(base_dir / entry["file"], sheet=entry.get("sheet"))
    try:
        present = [h for h in headers if h in raw.headers]
        frame = raw.table.select(*present).limit(limit).to_pandas() if present else pd.DataFrame()
    finally:
        raw.workspace.close()
    for header in frame.columns:
        cells = frame[header].dropna()
        if cells.empty or not pd.api.types.is_object_dtype(cells) and not pd.api.types.is_string_dtype(cells):
            continue
        try:
            parse_amounts(cells.astype(str))
        except DataError:
            return True
    return False


def _is_rates_file(look: FileLook) -> bool:
    return {"isocode", "conversionrate", "iscorporate"} <= {normalise_header(h) for h in look.headers}


def _fx_from_files(looks: Sequence[FileLook]) -> tuple[dict[str, float], str | None, str | None]:
    """Rates from a Salesforce ``CurrencyType`` export (IsoCode, ConversionRate, IsCorporate).

    Salesforce gives each currency's units per one unit of the corporate currency; data.fx wants the
    report currency per one unit of each, so the rate is inverted.
    """
    from salesnb.data.readers import read_table_file

    for look in looks:
        if not _is_rates_file(look):
            continue
        keys = {normalise_header(h): h for h in look.headers}
        raw = read_table_file(look.path, sheet=look.sheet)
        try:
            frame = raw.frame
        finally:
            raw.workspace.close()
        code, rate, corporate = (frame[keys[k]] for k in ("isocode", "conversionrate", "iscorporate"))
        is_corporate = corporate.astype(str).str.strip().str.lower().isin(["true", "1", "yes"])
        if not is_corporate.any():
            continue
        report = str(code[is_corporate].iloc[0]).strip().upper()
        fx = {}
        for c, r in zip(code, pd.to_numeric(rate, errors="coerce"), strict=True):
            c = str(c).strip().upper()
            if c != report and r and r > 0:
                fx[c] = round(1 / float(r), 6)
        return fx, report, f"{look.label}: the corporate currency and its conversion rates"
    return {}, None, None


def _common_folder(paths: Sequence[Path]) -> Path:
    return Path(os.path.commonpath([str(p.parent) for p in paths]))


def _client_name(base_dir: Path) -> str:
    name = re.sub(r"[^0-9A-Za-z\u3400-\u9fff_-]+", "_", base_dir.name).strip("_")
    return name or "client"


def _describe_plans(
    plans: Mapping[str, TablePlan], stages: StageGuess, period: str, currency: str, preset: str
) -> list[str]:
    lines = [f"Preset: {preset}"]
    for name in schema.TABLES:
        plan = plans.get(name)
        if plan is None:
            continue
        lines.append(f"  {name}: {', '.join(look.label for look in plan.files)}")
        for canonical, header in plan.mapped.items():
            note = plan.notes.get(canonical, "")
            lines.append(f"      {header!r:32} -> {canonical:18} {note}")
    now = ", ".join(f"{s} ({stages.counts.get(s, 0):,})" for s in stages.order)
    lines.append(f"Stages in order (deals at each now): {now}")
    lines.append(f"  won: {stages.won}   lost: {stages.lost}")
    if stages.renamed:
        lines.append("  renamed: " + ", ".join(f"{a} -> {b}" for a, b in stages.renamed.items()))
    lines.append(f"Period: {period}   currency: {currency}")
    return lines


def default_out(paths: Sequence[str | Path], client: str | None = None) -> Path:
    """``params/<client>.yaml``: the client named, else the data folder's name."""
    if client:
        return Path("params") / f"{_client_name(Path(client))}.yaml"
    looks = [Path(p).expanduser().resolve() for p in paths]
    folder = looks[0] if len(looks) == 1 and looks[0].is_dir() else _common_folder(looks)
    return Path("params") / f"{_client_name(folder)}.yaml"
