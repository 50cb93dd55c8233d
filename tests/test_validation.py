"""Every exclusion reason, the row accounting identity, flags, and fatal data errors."""

import pandas as pd
import pytest

from salesnb.data import load_data, read_canonical
from salesnb.errors import DataError
from salesnb.params import load_params

REPS = "rep_id,team\nR1,East\nR2,West\n"
# One clean won, lost and open deal, then one row per exclusion reason (in rule order), and rows
# kept with a flag: a lead without an owner (D5), a won deal without a created date (D9), a lost
# deal without a close date (D17) and an open deal without dates or amount (D16).
DEALS = """deal_id,rep_id,created_at,amount,status,closed_at,account_id
D1,R1,2025-01-05,100,won,2025-02-01,A1
D2,R2,2025-01-06,50,lost,2025-02-02,A2
D3,R1,2025-03-01,70,open,,
,R1,2025-01-05,100,won,2025-02-01,A1
D1,R1,2025-01-05,100,won,2025-02-01,A1
D5,,2025-01-05,100,won,2025-02-01,A1
D6,R9,2025-01-05,100,won,2025-02-01,A1
D7,R1,2025-01-05,100,pending,2025-02-01,A1
D8,R1,2025-13-45,100,won,2025-02-01,A1
D9,R1,,100,won,2025-02-01,A1
D10,R1,2025-01-05,abc,won,2025-02-01,A1
D11,R1,2025-01-05,-5,won,2025-02-01,A1
D12,R1,2025-01-05,,won,2025-02-01,A1
D13,R1,2025-01-05,100,won,soon,A1
D14,R1,2025-01-05,100,won,,A1
D15,R1,2025-03-05,100,won,2025-02-01,A1
D16,R2,,,open,,
D17,R2,2025-01-07,40,lost,,A2
"""
EXPECTED = {
    "missing:deal_id": 1,
    "duplicate_id": 1,
    "unknown_rep": 1,
    "unknown_status": 1,
    "bad:created_at": 1,
    "bad:amount": 1,
    "negative_amount": 1,
    "missing:amount": 1,
    "bad:closed_at": 1,
    "missing:closed_at": 1,
    "closed_before_created": 1,
}
HISTORY = """deal_id,stage,entered_at
D1,Prospecting,2025-01-05
D1,Won,2025-02-01
D1,Won,2025-02-01
D404,Prospecting,2025-01-05
D2,Limbo,2025-01-06
D2,Lost,2025-13-01
D2,,2025-01-07
D3,Prospecting,
"""


@pytest.fixture
def crm(tmp_path, write_params):
    (tmp_path / "reps.csv").write_text(REPS, encoding="utf-8")
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    (tmp_path / "stage_history.csv").write_text(HISTORY, encoding="utf-8")
    (tmp_path / "activities.csv").write_text(
        "rep_id,occurred_at,type\nR1,2025-01-02,call\nR9,2025-01-02,call\nR1,someday,visit\nR2,2025-01-03,\n",
        encoding="utf-8",
    )
    (tmp_path / "surveys.csv").write_text(
        "surveyed_at,score,scale,rep_id\n2025-01-02,80,100,R1\n2025-01-02,120,100,R1\n2025-01-03,x,100,R2\n",
        encoding="utf-8",
    )
    (tmp_path / "targets.csv").write_text(
        "period_start,period_end,metric,value,rep_id\n2025-01-01,2025-03-31,revenue,1000,R1\n"
        "2025-04-01,2025-03-31,revenue,1000,R1\n2025-01-01,2025-03-31,revenue,-1,R2\n",
        encoding="utf-8",
    )
    (tmp_path / "costs.csv").write_text(
        "period_start,period_end,amount,category\n2025-01-01,2025-01-31,500,marketing\n2025-02-01,2025-02-28,n/a,marketing\n",
        encoding="utf-8",
    )
    return load_params(write_params(data={"preset": "generic", "base_dir": str(tmp_path)}))


def test_each_deal_exclusion_reason_counted_once(crm):
    _, report = read_canonical(crm)
    deals = report.accounts["deals"]
    assert {i.reason: i.count for i in deals.excluded} == EXPECTED
    assert deals.rows_read == 18
    assert deals.rows_used == 7  # D1, D2, D3, the open D16 and the flagged D5, D9, D17
    assert deals.rows_read == deals.rows_used + deals.rows_excluded


def test_examples_show_the_row_as_read(crm):
    _, report = read_canonical(crm)
    issues = {i.reason: i for i in report.accounts["deals"].excluded}
    example = issues["bad:created_at"].examples
    assert example["created_at"].tolist() == ["2025-13-45"]
    assert example["_row"].tolist() == ["10"]  # spreadsheet row: header is row 1
    assert issues["duplicate_id"].examples["_row"].tolist() == ["6"]
    assert issues["missing:closed_at"].examples["deal_id"].tolist() == ["D14"]  # won still needs a close date


def test_open_deals_without_dates_or_amounts_are_kept_and_flagged(crm):
    _, report = read_canonical(crm)
    flags = {i.reason: i.count for i in report.accounts["deals"].flagged}
    assert flags == {
        "unassigned": 1,
        "open_without_created_at": 1,
        "closed_without_created_at": 1,
        "lost_without_closed_at": 1,
        "open_without_amount": 1,
        "blank:account_id": 2,
    }


def test_clean_deals_are_typed_ibis_tables(crm):
    data = load_data(crm)
    deals = data.deals.order_by("deal_id").to_pandas()
    assert deals["deal_id"].tolist() == ["D1", "D16", "D17", "D2", "D3", "D5", "D9"]
    assert deals["status"].tolist() == ["won", "open", "lost", "lost", "open", "won", "won"]
    assert pd.api.types.is_datetime64_any_dtype(deals["created_at"])
    assert deals["amount"].tolist()[:1] == [100.0]
    # Kept with a flag: a lead without an owner, a won deal without a created date, a lost one without a close date.
    by_id = deals.set_index("deal_id")
    assert pd.isna(by_id.loc["D5", "rep_id"]) and by_id.loc["D5", "status"] == "won"
    assert pd.isna(by_id.loc["D9", "created_at"]) and by_id.loc["D9", "closed_at"] == pd.Timestamp("2025-02-01")
    assert by_id.loc["D17", "status"] == "lost" and pd.isna(by_id.loc["D17", "closed_at"])


def test_other_tables_reasons(crm):
    _, report = read_canonical(crm)
    reasons = {name: {i.reason: i.count for i in a.excluded} for name, a in report.accounts.items()}
    assert reasons["stage_history"] == {
        "unknown_deal": 1,
        "missing:stage": 1,
        "unknown_stage": 1,
        "bad:entered_at": 1,
        "missing:entered_at": 1,
        "duplicate_entry": 1,
    }
    assert report.accounts["stage_history"].rows_used == 2
    assert reasons["activities"] == {"unknown_rep": 1, "bad:occurred_at": 1, "missing:type": 1}
    assert reasons["surveys"] == {"bad:score": 1, "score_out_of_scale": 1}
    assert reasons["targets"] == {"end_before_start": 1, "negative_amount": 1}
    assert reasons["costs"] == {"bad:amount": 1}
    for account in report.accounts.values():
        assert account.rows_read == account.rows_used + account.rows_excluded


def test_duplicate_reps_excluded(tmp_path, write_params):
    (tmp_path / "reps.csv").write_text("rep_id\nR1\nR1\nR2\n", encoding="utf-8")
    (tmp_path / "deals.csv").write_text(DEALS.split("\n", 4)[0] + "\n" + "\n".join(DEALS.split("\n")[1:4]) + "\n")
    _, report = read_canonical(load_params(write_params(data={"base_dir": str(tmp_path)})))
    assert {i.reason: i.count for i in report.accounts["reps"].excluded} == {"duplicate_id": 1}


def test_missing_required_column_names_file_and_column(tmp_path, write_params):
    # deal_id is the one deal column nothing can stand in for (owner, dates and status may be absent)
    (tmp_path / "deals.csv").write_text("id,rep_id,amount,status\nD1,R1,5,won\n", encoding="utf-8")
    params = load_params(write_params(data={"base_dir": str(tmp_path)}))
    with pytest.raises(DataError) as err:
        read_canonical(params)
    message = str(err.value)
    assert "deals.csv" in message and "required column 'deal_id'" in message and "id" in message
    assert "data.tables.deals.columns" in message


def test_no_usable_deals_is_fatal_with_examples(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(
        "deal_id,rep_id,created_at,amount,status\nD1,R1,bad,5,won\nD2,R1,worse,5,won\n", encoding="utf-8"
    )
    with pytest.raises(
        DataError, match=r"none of the 2 deal rows is usable: unparseable created date \(2 rows, e\.g\. rows 2, 3\)"
    ):
        read_canonical(load_params(write_params(data={"base_dir": str(tmp_path)})))


def test_chinese_export_with_column_and_value_mapping(tmp_path, write_params):
    text = (
        "商机编号,负责人,创建日期,成交金额,状态,关闭日期\n"
        'S-1,王芳,2025年1月3日,"￥12,000.00",赢单,2025年2月1日\n'
        "S-2,王芳,2025年1月4日,8000,输单,2025年2月3日\n"
        "S-3,刘洋,2025年1月5日,1.2万,跟进,\n"
    )
    (tmp_path / "export.csv").write_bytes(text.encode("gb18030"))
    tables = {
        "deals": {
            "file": "export.csv",
            "columns": {
                "商机编号": "deal_id",
                "负责人": "rep_id",
                "创建日期": "created_at",
                "成交金额": "amount",
                "状态": "status",
                "关闭日期": "closed_at",
            },
            "values": {"status": {"跟进": "open"}},
        }
    }
    data = load_data(load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables})))
    deals = data.deals.order_by("deal_id").to_pandas()
    assert deals["status"].tolist() == ["won", "lost", "open"]
    assert deals["amount"].tolist() == [12000.0, 8000.0, 12000.0]
    assert deals["closed_at"].dt.strftime("%Y-%m-%d").tolist()[:2] == ["2025-02-01", "2025-02-03"]
    assert data.report.accounts["deals"].sources[0].encoding == "gb18030"
    remaps = data.report.accounts["deals"].remaps
    assert [(r.column, r.old, r.new, r.rows) for r in remaps] == [("status", "跟进", "open", 1)]


def test_status_derived_from_stage_and_unknown_stage_excluded(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(
        "deal_id,rep_id,created_at,amount,stage,closed_at\n"
        "D1,R1,2025-01-01,5,Won,2025-01-09\nD2,R1,2025-01-01,5,Proposal,\nD3,R1,2025-01-01,5,Limbo,\n",
        encoding="utf-8",
    )
    _, report = read_canonical(load_params(write_params(data={"base_dir": str(tmp_path)})))
    assert {i.reason: i.count for i in report.accounts["deals"].excluded} == {"unknown_stage": 1}


def test_lookup_with_repeated_keys_would_fan_out(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    (tmp_path / "accounts.csv").write_text("account,sector\nA1,retail\nA1,tech\n", encoding="utf-8")
    tables = {
        "deals": {
            "file": "deals.csv",
            "lookups": [
                {"file": "accounts.csv", "key": "account", "on": "account_id", "columns": {"sector": "segment"}}
            ],
        }
    }
    with pytest.raises(DataError, match=r"accounts\.csv: column 'account' repeats keys \('A1'\)"):
        read_canonical(load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables})))
