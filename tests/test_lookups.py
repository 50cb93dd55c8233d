"""Two files for one table: lookups with defaults, and the issue's lead export + won-deals file."""

from __future__ import annotations

import textwrap

import pytest

from salesnb.analysis.audit import data_audit
from salesnb.data import load_data, read_canonical
from salesnb.data.presets import check_mapping
from salesnb.errors import ParamsError
from salesnb.params import load_params

# All leads: only the won ones (1, 4, 7, 10) carry an owner and a created date; "Closed" says
# which of the others were lost. Lead 6 is listed twice (an export glitch, excluded).
LEADS = """Lead ID,Owner,Created,Closed,Source
1,Wang,2025-01-03,,Web
2,,,no,Web
3,,,yes,Fair
4,Li,2025-01-09,,Fair
5,,,YES,Web
6,,,No,Web
6,,,No,Web
7,Wang,2025-02-01,,Referral
8,,,true,Web
9,,,是,Web
10,Zhao,2025-02-11,,Web
11,,,1,Fair
12,,,,Fair
"""
# The won deals, ids written as the CRM's other export writes them (zero-padded, floats);
# lead 99 is not in the lead export.
WON = """Lead,Owner,Won Date,Amount,Product
001,Wang,2025-01-20,"1,000.00",Cloud
0004,Li,2025-02-02,2500,
7.0,Wang,2025-03-01,400,Cloud
10,Zhao,2025-03-15,900,Support
99,Zhao,2025-03-20,50,Cloud
"""
PARAMS = """\
client: leads
period: 2025-Q1
currency: CNY
stages:
  order: [Lead, Won]
  won: Won
  lost: Lost
data:
  base_dir: {base}
  tables:
    deals:
      file: leads.csv
      columns:
        Lead ID: deal_id
        Owner: rep_id
        Created: created_at
        Source: lead_source
      lookups:
        - file: won.csv
          key: Lead
          on: deal_id
          columns:
            Won Date: closed_at
            Amount: amount
            Product: product
          default:
            product: none
      status_from:
        - status: won
          column: closed_at
          present: true
        - status: lost
          column: Closed
          equals: [true]
"""
PLANTED = {"won": 4, "lost": 5, "open": 3}  # 12 distinct leads


@pytest.fixture
def lead_export(tmp_path):
    (tmp_path / "leads.csv").write_text(LEADS, encoding="utf-8")
    (tmp_path / "won.csv").write_text(WON, encoding="utf-8")
    path = tmp_path / "leads.yaml"
    path.write_text(PARAMS.format(base=tmp_path), encoding="utf-8")
    return path


def test_lead_export_and_won_file_load_from_the_params_file_alone(lead_export):
    assert "on: deal_id" in lead_export.read_text()  # unquoted: YAML 1.1 reads the key as true
    params = load_params(lead_export)
    data = load_data(params)
    account = data.report.accounts["deals"]
    assert account.rows_read == 13
    assert account.rows_read == account.rows_used + account.rows_excluded
    assert [(i.reason, i.count) for i in account.excluded] == [("duplicate_id", 1)]
    flags = {i.reason: i.count for i in account.flagged}
    assert flags["unassigned"] == 8  # every lead but the won ones
    assert flags["lost_without_closed_at"] == 5
    assert flags["open_without_created_at"] == 3 and flags["open_without_amount"] == 3

    deals = data.deals.to_pandas().set_index("deal_id")
    counts = deals["status"].value_counts().to_dict()
    assert counts == PLANTED
    statuses = data_audit(data).statuses.set_index("status")["deals"]  # what the audit reports
    assert statuses["won"] / statuses.sum() == pytest.approx(4 / 12)
    won = deals[deals["status"] == "won"].sort_index(key=lambda ids: ids.astype(int))
    assert won.index.tolist() == ["1", "4", "7", "10"]
    assert won["amount"].tolist() == [1000.0, 2500.0, 400.0, 900.0]
    assert won["rep_id"].tolist() == ["Wang", "Li", "Wang", "Zhao"]
    assert won["closed_at"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-20", "2025-02-02", "2025-03-01", "2025-03-15"]
    # Lead 4 matched with a blank product (kept blank); leads without a won row take the default.
    assert won["product"].isna().tolist() == [False, True, False, False]
    assert set(deals.loc[deals["status"] != "won", "product"]) == {"none"}

    (lookup,) = account.lookups
    assert (lookup.matched, lookup.unmatched, lookup.blank, lookup.defaulted) == (4, 9, 0, 9)
    assert lookup.keys_normalised == 3  # 001, 0004, 7.0
    rules = [(r.status, r.column, r.rows, r.used) for r in account.status_rules]
    assert rules == [("won", "closed_at", 4, 4), ("lost", "Closed", 5, 5), ("open", None, 4, 3)]
    assert account.columns["status"].startswith("status_from: won if closed_at present; lost if Closed = true")


def test_lookup_default_fills_blank_and_unmatched_keys_only(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(
        "deal_id,rep_id,created_at,amount,status,account_id,segment\n"
        "D1,R1,2025-01-02,10,open,A1,x\nD2,R1,2025-01-02,10,open,A9,x\nD3,R1,2025-01-02,10,open,,x\n"
        "D4,R1,2025-01-02,10,open,A2,x\n",
        encoding="utf-8",
    )
    (tmp_path / "accounts.csv").write_text("account,sector,size\nA1,retail,big\nA2,,small\n", encoding="utf-8")
    tables = {
        "deals": {
            "file": "deals.csv",
            "lookups": [
                {
                    "file": "accounts.csv",
                    "key": "account",
                    "on": "account_id",
                    "columns": {"sector": "segment", "size": "region"},
                    "default": {"segment": "unknown"},
                }
            ],
        }
    }
    data = load_data(load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables})))
    deals = data.deals.order_by("deal_id").to_pandas()
    assert deals["segment"].tolist() == ["retail", "unknown", "unknown", None]  # A2 is found, its cell blank
    assert deals["region"].tolist() == ["big", None, None, "small"]  # no default given for region
    account = data.report.accounts["deals"]
    (lookup,) = account.lookups
    assert (lookup.matched, lookup.unmatched, lookup.blank, lookup.defaulted) == (2, 1, 1, 2)
    assert lookup.default == {"segment": "unknown"}
    # The file's own 'segment' column is not taken by its name: the lookup fills segment, said so.
    assert account.columns["segment"] == "accounts.csv:sector" and "segment" in account.ignored_columns


def test_lookup_never_overwrites_a_constant(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            client: acme
            period: 2025-Q4
            stages: {order: [A, Won], won: Won, lost: Lost}
            data:
              tables:
                deals:
                  file: deals.csv
                  constants: {segment: SMB}
                  lookups:
                    - {file: accounts.csv, key: account, on: account_id, columns: {sector: segment}}
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(ParamsError, match=r"fills \['segment'\], which 'columns' or 'constants' already fill"):
        check_mapping(load_params(path))


def test_lookup_keys_repeated_once_normalised_are_refused(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(
        "deal_id,rep_id,created_at,amount,status\nD1,7,2025-01-02,10,open\n", encoding="utf-8"
    )
    (tmp_path / "teams.csv").write_text("agent,office\n007,East\n7,West\n", encoding="utf-8")
    tables = {
        "deals": {
            "file": "deals.csv",
            "lookups": [{"file": "teams.csv", "key": "agent", "on": "rep_id", "columns": {"office": "region"}}],
        }
    }
    with pytest.raises(Exception, match=r"teams\.csv: column 'agent' repeats keys \('7'\) \(ids compared"):
        read_canonical(load_params(write_params(data={"base_dir": str(tmp_path), "tables": tables})))
