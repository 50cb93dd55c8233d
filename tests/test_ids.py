"""The id rule: '015', '15' and '15.0' are one id in every table and lookup; what it changed is shown."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesnb.data import read_canonical
from salesnb.data.ids import normalise_ids
from salesnb.params import load_params

FAST = settings(max_examples=25, deadline=None)
# Real cells are decoded text: any character but lone surrogates.
CELLS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


def test_examples_from_the_issue():
    cells = pd.Series(["015", "15", "15.0", "0015.00", "0", "000", "A015", " 015 ", "15.5", "", None])
    assert normalise_ids(cells).tolist() == ["15", "15", "15", "15", "0", "0", "A015", "15", "15.5", pd.NA, pd.NA]


@FAST
@given(st.lists(CELLS, max_size=30))
def test_never_raises_and_is_idempotent(cells):
    once = normalise_ids(pd.Series(cells, dtype="object"))
    twice = normalise_ids(once)
    assert len(once) == len(cells)
    assert once.fillna("<NA>").tolist() == twice.fillna("<NA>").tolist()


@FAST
@given(
    st.lists(
        st.tuples(st.integers(0, 10**15), st.integers(0, 4), st.sampled_from(["", ".", ".0", ".000"])),
        min_size=1,
        max_size=30,
    )
)
def test_numeric_ids_with_leading_zeros_or_a_zero_tail_are_one_id(ids):
    written = pd.Series(["0" * zeros + str(n) + tail for n, zeros, tail in ids])
    assert normalise_ids(written).tolist() == [str(n) for n, _, _ in ids]


def _reference(cell: str) -> str | None:
    cell = cell.strip(" ")
    if not cell:
        return None
    match = re.fullmatch(r"0*([0-9]+)(\.0*)?", cell)
    return match[1] if match else cell


@FAST
@given(st.lists(st.text(alphabet="0123456789.A- ", max_size=8), max_size=30))
def test_rule_matches_a_plain_python_reading(cells):
    expected = [_reference(c) for c in cells]
    assert (
        normalise_ids(pd.Series(cells, dtype="object")).astype(object).where(lambda s: s.notna(), None).tolist()
        == expected
    )


REPS = "rep_id\n15\nA015\n"
DEALS = """deal_id,rep_id,created_at,amount,status,closed_at,account_id
1,015,2025-01-05,100,won,2025-02-01,0042
2,15.0,2025-01-06,50,lost,2025-02-02,42
003,A015,2025-01-07,70,open,,A042
4,0016,2025-01-07,70,open,,
"""
HISTORY = (
    "deal_id,stage,entered_at\n0001,Prospecting,2025-01-05\n3.0,Prospecting,2025-01-07\n05,Prospecting,2025-01-07\n"
)
STAGES = {"order": ["Prospecting", "Won"], "won": "Won", "lost": "Lost"}


@pytest.fixture
def padded(tmp_path, write_params):
    for name, text in (("reps", REPS), ("deals", DEALS), ("stage_history", HISTORY)):
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")

    def params(normalise: bool):
        return load_params(write_params(stages=STAGES, data={"base_dir": str(tmp_path), "normalise_ids": normalise}))

    return params


def test_ids_match_across_tables_and_the_changes_are_counted(padded):
    canonical, report = read_canonical(padded(True))
    deals = canonical.tables["deals"].order_by("deal_id").to_pandas()
    assert deals["deal_id"].tolist() == ["1", "2", "3"]
    assert deals["rep_id"].tolist() == ["15", "15", "A015"]
    assert deals["account_id"].tolist() == ["42", "42", "A042"]
    account = report.accounts["deals"]
    changes = {c.column: (c.rows, c.examples) for c in account.ids_normalised}
    assert changes == {
        "deal_id": (1, (("003", "3"),)),
        "rep_id": (3, (("015", "15"), ("15.0", "15"), ("0016", "16"))),
        "account_id": (1, (("0042", "42"),)),
    }
    (unknown,) = account.excluded
    assert unknown.reason == "unknown_rep"
    assert unknown.examples[["rep_id", "rep_id (as compared)"]].values.tolist() == [["0016", "16"]]
    history = report.accounts["stage_history"]
    assert history.rows_used == 2
    (unknown_deal,) = history.excluded
    assert unknown_deal.examples[["deal_id", "deal_id (as compared)"]].values.tolist() == [["05", "5"]]
    canonical.close()


def test_ids_compared_as_written_when_normalise_ids_is_off(padded):
    canonical, report = read_canonical(padded(False))
    assert {i.reason: i.count for i in report.accounts["deals"].excluded} == {"unknown_rep": 3}
    assert report.accounts["deals"].ids_normalised == ()
    unknown = report.accounts["deals"].excluded[0].examples
    assert "rep_id (as compared)" not in unknown.columns
    assert report.accounts["stage_history"].rows_used == 0
    canonical.close()
