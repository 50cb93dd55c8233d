"""Params checks that need the data: names in the params file that must exist in the client's tables.

:func:`salesnb.params.load_params` checks everything the params file says on its own; these run
once the data is loaded (``salesnb check`` and ``salesnb run``, before any kernel starts), so a
typo in a rep or team name stops the run instead of silently shrinking a group.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

import ibis

from salesnb.errors import ParamsError
from salesnb.params import Params

# The rule of salesnb.data.ids on one Python string: digits lose leading zeros and a ".0" tail.
_NUMERIC_ID = re.compile(r"0*([0-9]+)(\.0*)?")


def check_against_data(params: Params, tables: Mapping[str, ibis.Table]) -> None:
    """Raise ParamsError when a params name the reports match against the data is not in it.

    ``tables`` are the clean canonical tables (``Canonical.tables`` or a ``CrmData``'s).
    """
    _check_case_study_units(params, tables)


def _check_case_study_units(params: Params, tables: Mapping[str, ibis.Table]) -> None:
    options = params.reports.case_study
    if not options.enabled or options.date is None:
        return  # without a date the report only says the study is not set up; names are not used
    reps, teams = _reps_and_teams(tables)
    where = params.source_path or "params"
    for key, named, known, what in (
        ("treated_reps", options.treated_reps, reps, "rep_id"),
        ("treated_teams", options.treated_teams, teams, "team"),
        ("control_teams", options.control_teams or [], teams, "team"),
    ):
        if named and not known:
            raise ParamsError(
                f"{where}: reports.case_study.{key} names {named}, but the data has no {what} column "
                f"to match them against; {'add a reps table with a team column' if what == 'team' else 'map rep_id'}."
            )
        for name in named:
            if name in known:
                continue
            normalised = _normalised(name) if params.data.normalise_ids and what == "rep_id" else name
            if normalised in known:
                hint = f" (the data writes it '{normalised}': ids are compared with leading zeros dropped)"
            else:
                close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
            examples = ", ".join(sorted(known)[:8]) + (", …" if len(known) > 8 else "")
            raise ParamsError(
                f"{where}: reports.case_study.{key} names {name!r}, which is no {what} in the data{hint}; "
                f"the data has {len(known):,} (e.g. {examples})."
            )


def _reps_and_teams(tables: Mapping[str, ibis.Table]) -> tuple[set[str], set[str]]:
    """The rep ids and teams the case study chooses from: the reps table, else the deals' owners."""
    source = tables.get("reps")
    if source is None:
        # as salesnb.analysis.casestudy.design: without a reps table the owners on deals, and no teams
        source, wanted = tables["deals"], ("rep_id",)
    else:
        wanted = ("rep_id", "team")
    columns = [c for c in wanted if c in source.columns]
    if not columns:
        return set(), set()
    frame = source.select(*columns).distinct().to_pandas()
    values = {c: {str(v) for v in frame[c].dropna()} for c in columns}
    return values.get("rep_id", set()), values.get("team", set())


def _normalised(value: str) -> str:
    match = _NUMERIC_ID.fullmatch(value.strip())
    return match[1] if match else value.strip()
