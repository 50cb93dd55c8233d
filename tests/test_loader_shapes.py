"""Loader shapes of real CRM exports: header variants, `where`, `melt`, `parts` and repeated stages."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from salesnb.data import load_data, read_canonical
from salesnb.data.headers import match_header, normalise_header
from salesnb.data.readers import list_sheets, read_headers
from salesnb.errors import DataError, ParamsError
from salesnb.labels import reason_label
from salesnb.params import load_params

# A HubSpot-like deals export: two pipelines, one 'Date entered <stage> (<pipeline>)' column per stage.
HUBSPOT = (
    "Record ID,Deal Name,Deal Stage,Pipeline,Amount,Create Date,Close Date,Deal owner,"
    "Date entered Prospecting (Sales),Date entered Qualification (Sales),Date entered Won (Sales),"
    "Date entered Prospecting (Renewals)\n"
    "101,Alpha,Won,Sales,100,2025-01-02,2025-02-01,R1,2025-01-02,2025-01-10,2025-02-01,\n"
    "102,Beta,Qualification,Sales,50,2025-01-05,,R1,2025-01-05,2025-01-20, ,\n"
    "103,Gamma,Prospecting,Renewals,70,2025-01-07,,R2,,,,2025-01-07\n"
)
MELT = {"pattern": r"^Date entered (?P<stage>.+?) \((?P<pipeline>[^()]*)\)$", "into": "entered_at"}
HUBSPOT_DEALS = {
    "file": "deals.csv",
    # Header variants: case, spaces and underscores do not matter.
    "columns": {
        "record_id": "deal_id",
        "DEAL OWNER": "rep_id",
        "amount": "amount",
        "Create Date": "created_at",
        "close date": "closed_at",
        "Deal Stage": "stage",
    },
    "where": [{"column": "pipeline", "equals": ["Sales"]}],
}


def _hubspot(tmp_path, write_params, *, history_where: bool = True):
    (tmp_path / "deals.csv").write_text(HUBSPOT, encoding="utf-8")
    history = {"file": "deals.csv", "columns": {"Record ID": "deal_id"}, "melt": MELT}
    if history_where:
        history["where"] = [{"column": "Pipeline", "equals": ["sales"]}]
    tables = {"deals": HUBSPOT_DEALS, "stage_history": history}
    return load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables}))


def _history(data) -> list[tuple[str, str, str]]:
    frame = data.stage_history.to_pandas()
    return [(r.deal_id, r.stage, f"{r.entered_at:%Y-%m-%d}") for r in frame.itertuples()]


def test_melt_gives_one_stage_history_row_per_filled_date_entered_cell(tmp_path, write_params):
    data = load_data(_hubspot(tmp_path, write_params, history_where=False))
    assert _history(data) == [
        ("101", "Prospecting", "2025-01-02"),
        ("101", "Qualification", "2025-01-10"),
        ("101", "Won", "2025-02-01"),
        ("102", "Prospecting", "2025-01-05"),
        ("102", "Qualification", "2025-01-20"),
    ]
    account = data.report.accounts["stage_history"]
    # Rows read are the filled cells (a blank or space-only cell is no row); deal 103 is not a deal used.
    assert (account.rows_read, account.rows_used) == (6, 5)
    assert [(i.reason, i.count) for i in account.excluded] == [("unknown_deal", 1)]
    assert account.melted == "4 'Date entered …' columns, one row per filled cell"
    assert "4 'Date entered …' columns" in account.origin
    assert account.columns["stage"].startswith("from the headers 'Date entered …'")
    assert account.columns["deal_id"] == "Record ID"
    # The example row keeps the row number in the file and the melted header and cell.
    example = account.excluded[0].examples.iloc[0].to_dict()
    assert example == {
        "_row": "4",
        "Record ID": "103",
        "column": "Date entered Prospecting (Renewals)",
        "value": "2025-01-07",
    }


def test_where_excludes_exactly_the_other_pipelines_rows_first(tmp_path, write_params):
    data = load_data(_hubspot(tmp_path, write_params))
    deals = data.report.accounts["deals"]
    assert (deals.rows_read, deals.rows_used) == (3, 2)
    assert [(i.reason, i.count) for i in deals.excluded] == [("filtered:Pipeline", 1)]
    assert deals.excluded[0].examples["Record ID"].tolist() == ["103"]
    assert deals.filters == {"filtered:Pipeline": "Pipeline = Sales"}
    assert sorted(data.deals.to_pandas()["deal_id"]) == ["101", "102"]
    history = data.report.accounts["stage_history"]
    # The Renewals cell is filtered (the first rule), not an unknown deal.
    assert (history.rows_read, history.rows_used) == (6, 5)
    assert [(i.reason, i.count) for i in history.excluded] == [("filtered:Pipeline", 1)]
    assert len(_history(data)) == 5
    excluded = data.excluded_rows()
    assert sorted(excluded["reason"]) == ["filtered:Pipeline", "filtered:Pipeline"]


def test_where_reason_has_words_in_both_languages():
    assert reason_label("filtered:Pipeline", "en") == "not selected by the 'where' condition on Pipeline"
    assert reason_label("filtered:Pipeline", "zh") == "未被 where 条件选中（Pipeline）"
    assert reason_label("repeated_stage", "en") == "stage unchanged: an amount/date edit"
    assert reason_label("repeated_stage", "zh") == "阶段未变：仅金额或日期修改"


def test_where_on_a_missing_column_names_the_file_and_its_columns(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(HUBSPOT, encoding="utf-8")
    deals = {**HUBSPOT_DEALS, "where": [{"column": "Pipe line id", "present": True}]}
    params = load_params(write_params(data={"base_dir": str(tmp_path), "tables": {"deals": deals}}))
    with pytest.raises(DataError, match=r"column 'Pipe line id' named in data.tables.deals.where is not in the file"):
        read_canonical(params)


# Salesforce OpportunityHistory: a row for every edit, so one stage repeats on consecutive rows.
HISTORY = """OpportunityId,StageName,CreatedDate,Amount
D1,Prospecting,2025-01-01,100
D1,Prospecting,2025-01-03,120
D1,Qualification,2025-01-05,120
D1,Qualification,2025-01-06,150
D1,Prospecting,2025-01-08,150
D1,Qualification,2025-01-05,120
D2,Prospecting,2025-01-02,50
D2,Prospecting,2025-01-01,50
D2,Qualification,2025-01-04,50
"""
DEALS = """deal_id,rep_id,created_at,amount,status,closed_at,stage
D1,R1,2025-01-01,150,open,,Prospecting
D2,R1,2025-01-01,50,open,,Qualification
"""


def test_repeated_stage_rows_are_excluded_as_edits_ordered_by_entered_at(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    (tmp_path / "OpportunityHistory.csv").write_text(HISTORY, encoding="utf-8")
    history = {
        "file": "OpportunityHistory.csv",
        "columns": {"opportunityid": "deal_id", "StageName": "stage", "CREATEDDATE": "entered_at", "Amount": "amount"},
    }
    tables = {"deals": {"file": "deals.csv"}, "stage_history": history}
    data = load_data(load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables})))
    account = data.report.accounts["stage_history"]
    assert (account.rows_read, account.rows_used) == (9, 5)
    excluded = {i.reason: i.examples["_row"].tolist() for i in account.excluded}
    # Row 7 (an exact copy of row 4) is a duplicate entry; D2's 01-02 row (row 8) follows its 01-01 row.
    assert excluded == {"duplicate_entry": ["7"], "repeated_stage": ["3", "5", "8"]}
    kept = [
        (d, s, f"{e:%m-%d}") for d, s, e in data.stage_history.to_pandas()[["deal_id", "stage", "entered_at"]].values
    ]
    assert kept == [
        ("D1", "Prospecting", "01-01"),
        ("D1", "Qualification", "01-05"),
        ("D1", "Prospecting", "01-08"),  # back to an earlier stage: a real move, kept
        ("D2", "Prospecting", "01-01"),
        ("D2", "Qualification", "01-04"),
    ]


def test_parts_stack_files_into_one_table_with_summed_accounting(tmp_path, write_params):
    from openpyxl import Workbook

    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    (tmp_path / "Task.csv").write_text(
        "Id,OwnerId,ActivityDate,Subject,WhatId\nT1,R1,2025-01-02,Call,D1\nT2,R1,2025-01-03,Email,D2\n"
        "T3,R2,2025-01-04,Call,D1\n",
        encoding="utf-8",
    )
    book = Workbook()
    sheet = book.active
    sheet.append(["Id", "OwnerId", "ActivityDateTime", "Subject", "WhatId"])
    sheet.append(["E1", "R1", datetime(2025, 1, 5, 10, 0), "Demo", "D1"])
    sheet.append(["E2", None, datetime(2025, 1, 6, 11, 30), "Lunch", "D2"])
    book.save(tmp_path / "Event.xlsx")
    common = {"OwnerId": "rep_id", "WhatId": "deal_id"}
    activities = {
        "parts": [
            {"file": "Task.csv", "columns": {**common, "ActivityDate": "occurred_at"}, "constants": {"type": "task"}},
            {
                "file": "Event.xlsx",
                "columns": {**common, "activity_date_time": "occurred_at"},
                "constants": {"type": "meeting"},
            },
            {"file": "Call.csv", "columns": common, "constants": {"type": "call"}},
        ]
    }
    tables = {"deals": {"file": "deals.csv"}, "activities": activities}
    data = load_data(load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables})))
    account = data.report.accounts["activities"]
    assert (account.rows_read, account.rows_used) == (5, 4)
    assert account.skipped_parts == ("Call.csv",)
    assert "skipped, not found: Call.csv" in account.origin
    assert [s.path.rsplit("/", 1)[-1] for s in account.sources] == ["Task.csv", "Event.xlsx"]
    assert account.columns["occurred_at"] == "Task.csv: ActivityDate; Event.xlsx: ActivityDateTime"
    assert account.columns["rep_id"] == "OwnerId"
    [missing] = account.excluded
    assert (missing.reason, missing.count) == ("missing:rep_id", 1)
    example = missing.examples.iloc[0]
    assert (example["file"], example["_row"], example["Id"]) == ("Event.xlsx", "3", "E2")
    rows = data.table("activities").to_pandas()
    assert rows["type"].tolist() == ["task", "task", "task", "meeting"]
    assert [f"{d:%m-%d %H:%M}" for d in rows["occurred_at"]] == [
        "01-02 00:00",
        "01-03 00:00",
        "01-04 00:00",
        "01-05 10:00",
    ]


def test_parts_with_no_file_found_refuse_to_load(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    activities = {"parts": [{"file": "Task.csv", "columns": {"OwnerId": "rep_id"}}]}
    tables = {"deals": {"file": "deals.csv"}, "activities": activities}
    params = load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables}))
    with pytest.raises(DataError, match=r"none of the files of the activities table's parts was found \(Task.csv\)"):
        read_canonical(params)


def test_parts_refuse_a_file_on_the_table_itself(tmp_path, write_params):
    tables = {"deals": {"file": "deals.csv", "parts": [{"file": "a.csv"}]}}
    with pytest.raises(ParamsError, match="a table made of 'parts' sets file in each part"):
        load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables}))


def test_melt_pattern_needs_a_stage_group(tmp_path, write_params):
    tables = {
        "deals": {"file": "deals.csv"},
        "stage_history": {"file": "deals.csv", "melt": {"pattern": "^Date (.+)$"}},
    }
    with pytest.raises(ParamsError, match="needs a named group 'stage'"):
        load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables}))


def test_header_variants_are_one_name():
    names = [
        "Opportunity Owner",
        "opportunity_owner",
        "OPPORTUNITY-OWNER",
        "Opportunity Owner ",
        "ｏｐｐｏｒｔｕｎｉｔｙ　owner",
    ]
    assert {normalise_header(n) for n in names} == {"opportunityowner"}
    assert normalise_header("负责人（销售）：") == normalise_header("负责人(销售)") == "负责人销售"
    assert match_header("Opportunity Owner", ["Id", "OPPORTUNITY_OWNER"]) == "OPPORTUNITY_OWNER"
    assert match_header("Stage", ["Deal Stage"]) is None


def test_colliding_headers_error_naming_both_unless_one_is_exact():
    headers = ["Deal Owner", "deal_owner", "Amount"]
    assert match_header("deal_owner", headers) == "deal_owner"
    with pytest.raises(DataError, match=r"'DEAL OWNER' matches several headers .*'Deal Owner', 'deal_owner'"):
        match_header("DEAL OWNER", headers)


def test_a_collision_in_the_file_stops_the_load_with_the_file_named(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(
        "Deal ID,deal_id_,Owner,created,amount,status\nD1,X,R1,2025-01-01,5,open\n", encoding="utf-8"
    )
    deals = {"file": "deals.csv", "columns": {"DEAL-ID": "deal_id", "owner": "rep_id", "created": "created_at"}}
    params = load_params(write_params(data={"base_dir": str(tmp_path), "tables": {"deals": deals}}))
    with pytest.raises(DataError, match=r"deals.csv: data.tables.deals.columns: .*'Deal ID', 'deal_id_'"):
        read_canonical(params)


def test_lookup_and_status_rule_columns_match_header_variants(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(
        "Opportunity ID,Opportunity Owner ,Created Date,Close Date,Amount,Is Won,Account\n"
        "D1,R1,2025-01-01,2025-02-01,5,true,A1\nD2,R1,2025-01-02,,7,false,A2\n",
        encoding="utf-8",
    )
    (tmp_path / "accounts.csv").write_text("ACCOUNT_ID,Industry \nA1,Retail\nA2,Energy\n", encoding="utf-8")
    deals = {
        "file": "deals.csv",
        "columns": {
            "opportunity id": "deal_id",
            "opportunity owner": "rep_id",
            "created date": "created_at",
            "close_date": "closed_at",
            "AMOUNT": "amount",
            "account": "account_id",
        },
        "status_from": [{"status": "won", "column": "is_won", "equals": [True]}],
        "lookups": [
            {"file": "accounts.csv", "key": "Account Id", "on": "account_id", "columns": {"industry": "segment"}}
        ],
    }
    data = load_data(load_params(write_params(data={"base_dir": str(tmp_path), "tables": {"deals": deals}})))
    frame = data.deals.to_pandas().set_index("deal_id")
    assert frame["status"].to_dict() == {"D1": "won", "D2": "open"}
    assert frame["segment"].to_dict() == {"D1": "Retail", "D2": "Energy"}
    account = data.report.accounts["deals"]
    assert account.columns["rep_id"] == "Opportunity Owner"  # the header as the file spells it (trimmed)
    assert account.columns["segment"] == "accounts.csv:Industry"


def test_read_headers_reads_only_the_header_with_the_loaders_detection(tmp_path):
    from openpyxl import Workbook

    (tmp_path / "gb.csv").write_bytes("商机导出\n\n商机名称;负责人;金额\n甲;张;1\n乙;李;2\n".encode("gb18030"))
    assert read_headers(tmp_path / "gb.csv") == ["商机名称", "负责人", "金额"]
    book = Workbook()
    book.active.title = "Cover"
    book.active.append(["Q3 report"])
    sheet = book.create_sheet("Deals")
    sheet.append(["Title row"])
    sheet.append(["Deal", "Owner", "Amount"])
    sheet.append(["D1", "R1", 3])
    sheet.append(["D2", "R2", 4])
    book.save(tmp_path / "book.xlsx")
    assert list_sheets(tmp_path / "book.xlsx") == ["Cover", "Deals"]
    assert read_headers(tmp_path / "book.xlsx", sheet="Deals") == ["Deal", "Owner", "Amount"]
    assert list_sheets(tmp_path / "gb.csv") == []
    pd.DataFrame({"a": [1], "b": ["x"]}).to_parquet(tmp_path / "t.parquet")
    assert read_headers(tmp_path / "t.parquet") == ["a", "b"]
