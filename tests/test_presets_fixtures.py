"""The CRM presets on the export fixtures (tests/fixtures/exports, written by make_fixtures.py there).

Each folder is recognised as its CRM, its headers map onto the canonical columns exactly as the
preset documents, and a check-level load accounts for every row: the second HubSpot pipeline
excluded as ``filtered:Pipeline``, OpportunityHistory's amount edits as ``repeated_stage``, the
accounts' Industry looked up, EUR amounts converted. The counts are the generator's (it prints them).
"""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path

import pytest

from salesnb.data import read_canonical
from salesnb.data.presets import detect, load_preset, resolve
from salesnb.params import Params

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "exports"

SALESFORCE_STAGES = {
    "order": ["Prospecting", "Qualification", "Discovery", "Proposal/Price Quote", "Negotiation/Review", "Closed Won"],
    "won": "Closed Won",
    "lost": "Closed Lost",
}
# The stage renamed on 2025-07-01: history rows before it say "Needs Analysis".
RENAMED = {"stage": {"Needs Analysis": "Discovery"}}
HUBSPOT_STAGES = {
    "order": [
        "Appointment Scheduled",
        "Qualified To Buy",
        "Presentation Scheduled",
        "Decision Maker Bought-In",
        "Contract Sent",
        "Contract signed",
    ],
    "won": "Contract signed",
    "lost": "Closed Lost",
}
JIANDAOYUN_STAGES = {"order": ["初步接洽", "需求确认", "方案报价", "商务谈判", "赢单"], "won": "赢单", "lost": "输单"}

# What each folder's params add to the preset: the rename, the EUR rate (CurrencyType: 1 USD = 0.92 EUR),
# the pipeline to report on.
CASES = {
    "salesforce": {
        "preset": "salesforce",
        "currency": "USD",
        "stages": SALESFORCE_STAGES,
        "tables": {"deals": {"values": RENAMED}, "stage_history": {"values": RENAMED}},
    },
    "salesforce_api": {
        "preset": "salesforce",
        "currency": "USD",
        "stages": SALESFORCE_STAGES,
        "tables": {"deals": {"values": RENAMED}, "stage_history": {"values": RENAMED}},
        "fx": {"EUR": 1 / 0.92},
    },
    "hubspot": {
        "preset": "hubspot",
        "currency": "USD",
        "stages": HUBSPOT_STAGES,
        "tables": {"deals": {"where": [{"column": "Pipeline", "equals": ["Sales Pipeline"]}]}},
    },
    "jiandaoyun": {"preset": "jiandaoyun", "currency": "CNY", "stages": JIANDAOYUN_STAGES, "tables": {}},
}


def fixture_params(folder: str) -> Params:
    case = CASES[folder]
    data = {"preset": case["preset"], "base_dir": str(FIXTURES / folder), "tables": case["tables"]}
    if "fx" in case:
        data["fx"] = case["fx"]
    return Params.model_validate(
        {"client": folder, "period": "2025-Q4", "currency": case["currency"], "stages": case["stages"], "data": data}
    )


@pytest.fixture(scope="module")
def loaded():
    """Each folder loaded once (check level: mapped, validated and counted)."""
    done = {}

    def load(folder: str):
        if folder not in done:
            done[folder] = read_canonical(fixture_params(folder))
        return done[folder]

    yield load
    for canonical, _ in done.values():
        canonical.close()


def accounting(report) -> dict[str, tuple[int, int, dict[str, int], dict[str, int]]]:
    """table -> (rows read, rows used, excluded by reason, flagged by reason)."""
    return {
        name: (
            a.rows_read,
            a.rows_used,
            {i.reason: i.count for i in a.excluded},
            {i.reason: i.count for i in a.flagged},
        )
        for name, a in report.accounts.items()
    }


def read_rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("folder", "preset", "shapes"),
    [
        ("salesforce", "salesforce", {"opportunities_report", "opportunity_history_report"}),
        (
            "salesforce_api",
            "salesforce",
            {"opportunity", "opportunity_history", "users", "accounts", "tasks", "events", "currencies"},
        ),
        ("hubspot", "hubspot", {"deals"}),
        ("jiandaoyun", "jiandaoyun", {"opportunities", "customers", "follow_ups"}),
    ],
)
def test_each_export_folder_is_recognised_as_its_crm_and_no_other(folder, preset, shapes):
    found = detect(FIXTURES / folder)
    assert [d.preset for d in found] == [preset]
    assert found[0].score == 1.0  # every file of the folder is one of the preset's shapes
    assert set(found[0].shapes) == shapes


def test_every_crm_preset_cites_its_sources_and_says_how_status_is_decided():
    for name in ("salesforce", "hubspot", "jiandaoyun"):
        preset = load_preset(name)
        assert any("http" in doc for doc in preset.docs), name
        assert preset.status, name


# --------------------------------------------------------------------------------------------- resolution

WON_CLOSED = [
    {"status": "won", "column": "Won", "equals": ["true"]},
    {"status": "lost", "column": "Closed", "equals": ["true"]},
]


def test_salesforce_report_headers_map_onto_the_canonical_columns():
    found = resolve("salesforce", FIXTURES / "salesforce")
    deals, history = found.tables["deals"], found.tables["stage_history"]
    assert deals["file"] == "Opportunities.csv"
    assert deals["columns"] == {
        "Opportunity ID": "deal_id",
        "Opportunity Owner": "rep_id",
        "Account Name": "account_id",
        "Stage": "stage",
        "Amount": "amount",
        "Created Date": "created_at",
        "Close Date": ["closed_at", "expected_close_at"],
        "Lead Source": "lead_source",
    }
    assert deals["status_from"] == WON_CLOSED
    assert history["file"] == "Opportunity History.csv"
    assert history["columns"] == {
        "Opportunity ID": "deal_id",
        "To Stage": "stage",
        "Last Modified": "entered_at",
        "Amount": "amount",
    }
    mapping = found.report.table("deals")
    assert mapping.guessed == {}
    assert set(mapping.missing) == {"currency", "segment", "region"}  # a USD-only report without Industry


def test_salesforce_object_exports_map_by_api_name_whatever_the_case():
    found = resolve("salesforce", FIXTURES / "salesforce_api")
    tables = found.tables
    assert tables["deals"]["file"] == "Opportunity.csv"
    assert tables["deals"]["columns"] == {
        "ID": "deal_id",
        "OWNERID": "rep_id",
        "ACCOUNTID": "account_id",
        "STAGENAME": "stage",
        "AMOUNT": "amount",
        "CURRENCYISOCODE": "currency",
        "CREATEDDATE": "created_at",
        "CLOSEDATE": ["closed_at", "expected_close_at"],
        "LEADSOURCE": "lead_source",
    }
    assert tables["deals"]["status_from"] == [
        {"status": "won", "column": "ISWON", "equals": ["true"]},
        {"status": "lost", "column": "ISCLOSED", "equals": ["true"]},
    ]
    assert tables["deals"]["lookups"] == [
        {
            "file": "Account.csv",
            "key": "ID",
            "on": "account_id",
            "columns": {"INDUSTRY": "segment", "BILLINGCOUNTRY": "region"},
        }
    ]
    assert tables["stage_history"] == {
        "file": "OpportunityHistory.csv",
        "columns": {"OPPORTUNITYID": "deal_id", "STAGENAME": "stage", "CREATEDDATE": "entered_at", "AMOUNT": "amount"},
    }
    assert tables["reps"]["columns"] == {
        "ID": "rep_id",
        "NAME": "name",
        "DEPARTMENT": "team",
        "MANAGERID": "manager",
        "CREATEDDATE": "hired_at",
    }
    task, event = tables["activities"]["parts"]
    assert task == {
        "file": "Task.csv",
        "columns": {
            "OWNERID": "rep_id",
            "ACTIVITYDATE": "occurred_at",
            "TASKSUBTYPE": "type",
            "WHATID": "deal_id",
            "ACCOUNTID": "account_id",
        },
    }
    assert event == {
        "file": "Event.csv",
        "columns": {
            "OWNERID": "rep_id",
            "ACTIVITYDATETIME": "occurred_at",
            "TYPE": "type",
            "WHATID": "deal_id",
            "ACCOUNTID": "account_id",
        },
    }
    assert all(not m.guessed and not m.missing for m in found.report.tables)
    assert found.report.unmatched_files == ()


def test_hubspot_deals_export_maps_and_melts_its_date_entered_columns():
    found = resolve("hubspot", FIXTURES / "hubspot")
    deals, history = found.tables["deals"], found.tables["stage_history"]
    assert deals["columns"] == {
        "Record ID": "deal_id",
        "Deal owner": "rep_id",
        "Associated Company": "account_id",
        "Deal Stage": "stage",
        "Amount in company currency": "amount",
        "Create Date": "created_at",
        "Close Date": ["closed_at", "expected_close_at"],
    }
    # Already in the company currency: the deal's own currency column must stay unmapped.
    assert "Currency" not in deals["columns"]
    assert deals["status_from"] == [
        {"status": "won", "column": "Is Closed Won", "equals": ["true"]},
        {"status": "lost", "column": "Is Deal Closed?", "equals": ["true"]},
    ]
    assert history["file"] == deals["file"] == "deals.csv"
    assert history["columns"] == {"Record ID": "deal_id"}
    assert history["melt"]["into"] == "entered_at"


@pytest.mark.parametrize(
    ("header", "stage", "pipeline"),
    [
        ('Date entered "Contract signed (Sales Pipeline)"', "Contract signed", "Sales Pipeline"),
        ("Date entered 'Closed Won (Sales Pipeline)'", "Closed Won", "Sales Pipeline"),
        ("Date entered Renewal Due (Renewals)", "Renewal Due", "Renewals"),
        (
            'Date entered "Unit 3 (Final) Shipped (Plans Schedule Pipeline)"',
            "Unit 3 (Final) Shipped",
            "Plans Schedule Pipeline",
        ),
    ],
)
def test_hubspot_melt_pattern_reads_every_documented_spelling_of_the_stage_columns(header, stage, pipeline):
    pattern = re.compile(load_preset("hubspot").shape("stage_history_from_deals").melt.pattern)
    match = pattern.search(header)
    assert (match["stage"], match["pipeline"]) == (stage, pipeline)


@pytest.mark.parametrize("header", ['Date exited "Contract Sent (Sales Pipeline)"', "Date entered current stage"])
def test_hubspot_melt_pattern_leaves_other_date_columns_alone(header):
    pattern = re.compile(load_preset("hubspot").shape("stage_history_from_deals").melt.pattern)
    assert pattern.search(header) is None


def test_jiandaoyun_exports_map_through_the_title_row_and_both_encodings():
    found = resolve("jiandaoyun", FIXTURES / "jiandaoyun")
    deals, activities = found.tables["deals"], found.tables["activities"]
    assert (deals["file"], deals["sheet"]) == ("商机.xlsx", "商机")
    assert deals["columns"] == {
        "商机编号": "deal_id",
        "负责人": "rep_id",
        "客户名称": "account_id",
        "销售阶段": "stage",
        "预计成交金额": "amount",
        "创建时间": "created_at",
        "成交日期": "closed_at",
        "预计成交日期": "expected_close_at",
        "商机来源": "lead_source",
    }
    assert deals["status_from"] == [
        {"status": "won", "column": "赢单/输单", "equals": ["赢单", "赢", "成交"]},
        {"status": "lost", "column": "赢单/输单", "equals": ["输单", "输", "丢单"]},
    ]
    assert deals["lookups"] == [
        {
            "file": "客户.csv",
            "key": "客户名称",
            "on": "account_id",
            "columns": {"行业": "segment", "所在地区": "region"},
        }
    ]
    assert activities == {
        "file": "跟进记录.csv",
        "columns": {
            "跟进人": "rep_id",
            "跟进时间": "occurred_at",
            "跟进方式": "type",
            "商机编号": "deal_id",
            "客户名称": "account_id",
        },
    }


# --------------------------------------------------------------------------------------------- check-level loads
# One load per folder (a load takes seconds): each test below checks everything about its folder.


def test_salesforce_reports_load_without_amount_edits_and_with_the_reopened_and_renamed_stages(loaded):
    canonical, report = loaded("salesforce")
    assert accounting(report) == {
        "deals": (260, 260, {}, {"open_with_closed_at": 22}),
        "stage_history": (1203, 1092, {"repeated_stage": 111}, {}),
    }
    assert "reps" not in report.accounts  # a report export names owners only
    assert report.accounts["deals"].date_formats["created_at"] == "%m/%d/%Y"  # 3/14/2025, month first
    deals = canonical.tables["deals"].to_pandas().set_index("deal_id")
    assert deals.status.value_counts().to_dict() == {"lost": 150, "won": 88, "open": 22}
    history = canonical.tables["stage_history"].to_pandas()
    # The reopened deal: lost, back to Prospecting a month later, then won.
    path = history[history.deal_id == "0065g0000000072"].sort_values("entered_at").stage.tolist()
    assert path == [
        "Prospecting", "Qualification", "Discovery", "Closed Lost",
        "Prospecting", "Qualification", "Discovery", "Proposal/Price Quote", "Negotiation/Review", "Closed Won",
    ]  # fmt: skip
    assert deals.loc["0065g0000000072", "status"] == "won"
    # The renamed stage is one stage once the params map the old name.
    discovery = history[history.stage == "Discovery"].entered_at
    assert "Needs Analysis" not in set(history.stage)
    assert discovery.min() < datetime(2025, 7, 1) <= discovery.max()


def test_salesforce_object_exports_load_with_lookups_fx_and_task_event_parts(loaded):
    canonical, report = loaded("salesforce_api")
    assert accounting(report) == {
        "reps": (9, 9, {}, {}),
        "deals": (300, 300, {}, {"open_with_closed_at": 27}),
        "stage_history": (1337, 1186, {"repeated_stage": 151}, {}),
        "activities": (1061, 1061, {}, {"unknown_deal": 12}),  # 792 tasks + 269 events; 12 tasks on accounts
    }
    deals_account = report.accounts["deals"]
    assert [(lookup.file, lookup.matched, lookup.unmatched) for lookup in deals_account.lookups] == [
        ("Account.csv", 300, 0)
    ]
    rates = {use.currency: (use.rows, use.rate) for use in deals_account.currencies}
    assert rates == {"USD": (216, 1.0), "EUR": (84, pytest.approx(1 / 0.92))}
    deals = canonical.tables["deals"].to_pandas().set_index("deal_id")
    assert deals.segment.notna().all()
    assert deals.status.value_counts().to_dict() == {"lost": 193, "won": 80, "open": 27}
    # EUR amounts in USD at 1 / ConversionRate (CurrencyType: 1 USD = 0.92 EUR).
    raw = {row["ID"]: row for row in read_rows(FIXTURES / "salesforce_api" / "Opportunity.csv")}
    eur = [key for key, row in raw.items() if row["CURRENCYISOCODE"] == "EUR"]
    assert len(eur) == 84
    for key in eur[:5]:
        assert deals.loc[key, "amount"] == pytest.approx(float(raw[key]["AMOUNT"]) / 0.92)
    reps = canonical.tables["reps"].to_pandas()
    assert reps.groupby("team").rep_id.count().to_dict() == {"Field Sales": 4, "Inside Sales": 4}


def test_hubspot_second_pipeline_is_filtered_and_the_custom_won_stage_is_won(loaded):
    canonical, report = loaded("hubspot")
    assert accounting(report) == {
        "deals": (320, 280, {"filtered:Pipeline": 40}, {"open_with_closed_at": 27}),
        # 1,112 'Date entered' cells of Sales Pipeline deals, 108 of Renewals deals.
        "stage_history": (1220, 1112, {"unknown_deal": 108}, {}),
    }
    assert report.accounts["deals"].filters  # the condition in words, for the audit
    assert report.accounts["stage_history"].melted.startswith("11 ")  # 11 'Date entered' columns
    deals = canonical.tables["deals"].to_pandas()
    by_stage = deals.groupby("stage").status.agg(lambda s: set(s)).to_dict()
    assert by_stage["Contract signed"] == {"won"}  # won by Is Closed Won, whatever the label
    assert by_stage["Closed Lost"] == {"lost"}
    assert deals.status.value_counts().to_dict() == {"lost": 178, "won": 75, "open": 27}
    history = canonical.tables["stage_history"].to_pandas()
    assert (history.stage == "Contract signed").sum() == 75


def test_hubspot_status_falls_back_on_the_deal_probability_without_the_flags(tmp_path):
    rows = read_rows(FIXTURES / "hubspot" / "deals.csv")
    keep = ["Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount", "Close Date", "Create Date",
            "Deal owner", "Deal probability"]  # fmt: skip
    with (tmp_path / "deals.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, keep, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    found = resolve("hubspot", tmp_path)
    assert found.tables["deals"]["status_from"] == [
        {"status": "won", "column": "Deal probability", "equals": ["1", "1.0", "1.00", "100"]},
        {"status": "lost", "column": "Deal probability", "equals": ["0", "0.0", "0.00"]},
    ]
    params = fixture_params("hubspot")
    params = params.model_copy(update={"data": params.data.model_copy(update={"base_dir": str(tmp_path)})})
    canonical, report = read_canonical(params)
    try:
        deals = canonical.tables["deals"].to_pandas()
        assert deals.status.value_counts().to_dict() == {"lost": 178, "won": 75, "open": 27}
        assert "stage_history" not in report.accounts  # no 'Date entered' columns in this file
    finally:
        canonical.close()


def test_jiandaoyun_loads_from_xlsx_gb18030_and_bom_files(loaded):
    canonical, report = loaded("jiandaoyun")
    assert accounting(report) == {
        "deals": (240, 240, {}, {}),
        "activities": (506, 506, {}, {}),
    }
    lookup = report.accounts["deals"].lookups[0]
    assert (lookup.file, lookup.matched, lookup.unmatched) == ("客户.csv", 240, 0)
    deals = canonical.tables["deals"].to_pandas()
    assert deals.status.value_counts().to_dict() == {"lost": 140, "won": 75, "open": 25}
    assert set(deals.segment) == {"制造业", "互联网", "零售", "医疗", "教育", "物流"}
    assert set(deals.region) == {
        "华东·杭州",
        "华东·苏州",
        "华东·宁波",
        "华东·无锡",
        "华南·广州",
        "华南·深圳",
        "华南·佛山",
        "华南·厦门",
    }


# --------------------------------------------------------------------------------------------- the fixtures themselves


def test_fixture_files_are_small_and_encoded_as_the_odd_cases_say():
    files = sorted(p for p in FIXTURES.glob("*/*") if p.is_file())
    assert len(files) == 13
    assert all(p.stat().st_size < 300_000 for p in files)
    assert (FIXTURES / "jiandaoyun" / "跟进记录.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    customers = (FIXTURES / "jiandaoyun" / "客户.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        customers.decode("utf-8")
    assert customers.decode("gb18030").startswith("客户编号,客户名称,行业")


def test_jiandaoyun_workbook_has_a_title_row_above_the_header():
    from openpyxl import load_workbook

    sheet = load_workbook(FIXTURES / "jiandaoyun" / "商机.xlsx", read_only=True)["商机"]
    first, second = list(sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    assert first[0].startswith("商机 数据导出") and all(v is None for v in first[1:])
    assert second[:4] == ("商机编号", "商机名称", "客户名称", "销售阶段")


def test_fixtures_span_eighteen_months_ending_in_the_last_complete_quarter():
    rows = read_rows(FIXTURES / "salesforce_api" / "Opportunity.csv")
    created = sorted(row["CREATEDDATE"][:10] for row in rows)
    assert created[0] >= "2024-07-01" and "2025-12-01" <= created[-1] <= "2025-12-31"
    closed = [row["CLOSEDATE"] for row in rows if row["ISCLOSED"] == "true"]
    assert max(closed) <= "2025-12-31"


def test_salesforce_history_names_needs_analysis_only_before_discovery_exists():
    rows = read_rows(FIXTURES / "salesforce" / "Opportunity History.csv")

    def when(row):
        return datetime.strptime(row["Last Modified"], "%m/%d/%Y %H:%M")

    old = [when(r) for r in rows if r["To Stage"] == "Needs Analysis"]
    new = [when(r) for r in rows if r["To Stage"] == "Discovery"]
    assert old and new and max(old) < datetime(2025, 7, 1) <= min(new)


def test_generator_is_deterministic(tmp_path, monkeypatch):
    """Rerunning make_fixtures writes the committed bytes (here: the HubSpot file, into a temporary folder)."""
    import importlib.util
    import random
    import sys

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_fixtures", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    folder = tmp_path / "hubspot"
    folder.mkdir()
    module.write_hubspot(random.Random(f"{module.SEED}-hubspot"), folder)
    assert (folder / "deals.csv").read_bytes() == (FIXTURES / "hubspot" / "deals.csv").read_bytes()
