"""status_from: won/lost/open from dates and flags, first matching rule wins, no match is open."""

from __future__ import annotations

import pandas as pd
import pytest

from salesnb.data import load_data, read_canonical
from salesnb.errors import DataError
from salesnb.params import load_params

# `status` is a column of the file (auto-mapped by its name) that disagrees with the flags:
# with status_from the rules decide, and the column is only an input a rule may name (D8).
DEALS = """deal_id,rep_id,created_at,amount,status,closed_at,IsWon,IsClosed,Reason
D1,R1,2025-01-01,10,lost,2025-02-01,TRUE,TRUE,
D2,R1,2025-01-01,10,won,2025-02-01,0,1,Price
D3,R1,2025-01-01,10,won,,false,0,
D4,R1,2025-01-01,10,open,2025-02-01,y,✓,
D5,R1,2025-01-01,10,open,,N,否,Budget
D6,R1,2025-01-01,10,open,,,,
D7,R1,2025-01-01,10,,2025-02-01,f,是,
D8,R1,2025-01-01,10,Closed Lost,2025-02-01,,,
D9,R1,2025-01-01,10,open,2025-02-01,,,
"""
RULES = [
    {"status": "won", "column": "IsWon", "equals": [True]},  # YAML true: the boolean spellings match
    {"status": "lost", "column": "IsClosed", "equals": ["yes"]},
    {"status": "lost", "column": "Reason", "present": True},
    {"status": "lost", "column": "status", "equals": ["CLOSED LOST"]},  # any case
    {"status": "open", "column": "closed_at", "present": False},
]
EXPECTED = {"D1": "won", "D2": "lost", "D3": "open", "D4": "won", "D5": "lost", "D6": "open"}
EXPECTED |= {"D7": "lost", "D8": "lost", "D9": "open"}


@pytest.fixture
def flagged_export(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    tables = {"deals": {"file": "deals.csv", "status_from": RULES}}
    return load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables}))


def test_first_matching_rule_sets_the_status_and_rules_win_over_a_status_column(flagged_export):
    data = load_data(flagged_export)
    deals = data.deals.to_pandas().set_index("deal_id")
    assert deals["status"].to_dict() == EXPECTED
    account = data.report.accounts["deals"]
    assert account.rows_read == account.rows_used == 9
    counted = [(r.status, r.column, r.test, r.rows) for r in account.status_rules]
    assert counted == [
        ("won", "IsWon", "= true", 2),
        ("lost", "IsClosed", "= yes", 2),
        ("lost", "Reason", "present", 1),
        ("lost", "status", "= CLOSED LOST", 1),
        ("open", "closed_at", "blank", 2),
        ("open", None, "no rule matched", 1),
    ]
    assert sum(r.rows for r in account.status_rules) == account.rows_read
    flags = {i.reason: i.count for i in account.flagged}
    assert flags == {"lost_without_closed_at": 1, "open_with_closed_at": 1}
    assert pd.isna(deals.loc["D9", "closed_at"])  # an open deal's close date is not trusted


def test_status_rule_on_a_column_that_is_not_there_names_the_file_and_its_columns(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    rules = [{"status": "won", "column": "Won Date", "present": True}]
    tables = {"deals": {"file": "deals.csv", "status_from": rules}}
    params = load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables}))
    with pytest.raises(DataError) as err:
        read_canonical(params)
    message = str(err.value)
    assert "deals.csv: data.tables.deals.status_from names column 'Won Date'" in message
    assert "IsWon, IsClosed, Reason" in message


def test_status_from_makes_a_status_column_unnecessary(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(
        "deal_id,created_at,amount,won_on\nD1,2025-01-01,5,2025-01-09\nD2,2025-01-01,5,\n", encoding="utf-8"
    )
    rules = [{"status": "won", "column": "won_on", "present": True}]
    tables = {"deals": {"file": "deals.csv", "columns": {"won_on": "closed_at"}, "status_from": rules}}
    data = load_data(load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables})))
    deals = data.deals.order_by("deal_id").to_pandas()
    assert deals["status"].tolist() == ["won", "open"]
    assert deals["rep_id"].isna().all()  # no owner column at all: both leads unassigned
    assert {i.reason: i.count for i in data.report.accounts["deals"].flagged}["unassigned"] == 2
