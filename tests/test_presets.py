"""CRM presets: files recognised by their headers, columns found / guessed / missing, the params overlay.

Most tests use a made-up CRM (tests/fixtures/presets_unit/unit.yaml and its crm/ folder) so that
every feature of the preset format is exercised on a few rows; the real CRM presets are tested on
their fixtures in tests/test_presets_fixtures.py.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from salesnb.config import REPO_ROOT
from salesnb.data import load_data
from salesnb.data.presets import (
    PRESETS,
    check_mapping,
    detect,
    effective_tables,
    installed_presets,
    load_preset,
    resolve,
    resolve_tables,
)
from salesnb.errors import DataError, ParamsError
from salesnb.params import load_params

UNIT = REPO_ROOT / "tests" / "fixtures" / "presets_unit"
STAGES = {"order": ["Lead", "Pitch", "Won"], "won": "Won", "lost": "Lost"}

# The mapping the maven_crm preset was written as before presets became YAML files (issue 14).
MAVEN_BEFORE = {
    "deals": {
        "file": "sales_pipeline.csv",
        "columns": {
            "opportunity_id": "deal_id",
            "sales_agent": "rep_id",
            "engage_date": "created_at",
            "close_date": "closed_at",
            "close_value": "amount",
            "deal_stage": "stage",
            "account": "account_id",
            "product": "product",
        },
        "values": {"product": {"GTXPro": "GTX Pro"}, "segment": {"technolgy": "technology"}},
        "constants": {"currency": "USD"},
        "lookups": [
            {"file": "accounts.csv", "key": "account", "on": "account_id", "columns": {"sector": "segment"}},
            {"file": "products.csv", "key": "product", "on": "product", "columns": {}},
            {"file": "sales_teams.csv", "key": "sales_agent", "on": "rep_id", "columns": {"regional_office": "region"}},
        ],
    },
    "reps": {
        "file": "sales_teams.csv",
        "columns": {
            "sales_agent": ["rep_id", "name"],
            "manager": ["manager", "team"],
            "regional_office": "region",
        },
    },
}


@pytest.fixture
def crm(tmp_path) -> Path:
    """The unit CRM's files in tmp, plus meetings.xlsx: a title row above the header and a second,
    unrelated sheet."""
    from openpyxl import Workbook

    folder = tmp_path / "crm"
    shutil.copytree(UNIT / "crm", folder)
    book = Workbook()
    sheet = book.active
    sheet.title = "Meetings"
    sheet.append(["Meetings export, all teams"])
    sheet.append(["Meeting Id", "Host", "Met On", "Deal Ref"])
    for row in (
        ["M1", "Ann Lee", "2024-01-25", "D1"],
        ["M2", "Bo Chen", "2024-02-20", "D2"],
        ["M3", "Bo Chen", "2024-03-10", "D5"],
    ):
        sheet.append(row)
    notes = book.create_sheet("Notes")
    notes.append(["Topic", "Written by"])
    notes.append(["Quarterly review", "Ann Lee"])
    book.save(folder / "meetings.xlsx")
    return folder


def edit_csv(path: Path, *, drop=(), rename=None, add=None) -> None:
    """Rewrite a small CSV: drop columns, rename headers, add a column {header: values}."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    keep = [i for i, h in enumerate(header) if h not in drop]
    header = [(rename or {}).get(header[i], header[i]) for i in keep]
    body = [[row[i] for i in keep] for row in body]
    for name, values in (add or {}).items():
        header.append(name)
        body = [[*row, value] for row, value in zip(body, values, strict=True)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *body])


def unit_params(tmp_path: Path, folder: Path, tables: dict | None = None):
    raw = {
        "client": "unit",
        "period": "2024-Q1",
        "currency": "EUR",
        "stages": STAGES,
        "data": {"preset": str(UNIT / "unit.yaml"), "base_dir": str(folder), "tables": tables or {}},
    }
    path = tmp_path / "unit_params.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    params = load_params(path)
    check_mapping(params)  # what check/run do first: the preset resolved against the files
    return params


# --- Resolution: found / guessed / missing -------------------------------------------------------


def test_columns_found_by_the_documented_headers(crm):
    found = resolve(UNIT / "unit.yaml", crm)
    deals = found.report.table("deals")
    assert deals.file == "deals.csv"
    assert deals.found == {
        "deal_id": "Deal Ref",
        "rep_id": "Owner Name",
        "created_at": "Opened On",
        "closed_at": "Closed On",
        "amount": "Value (EUR)",
        "stage": "Deal Phase",
        "account_id": "Client Ref",
        "segment": "clients.csv:Sector",
        "region": "clients.csv:Territory",
    }
    assert found.tables["deals"]["columns"] == {
        "Deal Ref": "deal_id",
        "Owner Name": "rep_id",
        "Opened On": "created_at",
        "Closed On": "closed_at",
        "Value (EUR)": "amount",
        "Deal Phase": "stage",
        "Client Ref": "account_id",
        "Source": "lead_source",
    }
    assert found.tables["deals"]["constants"] == {"currency": "EUR"}


def test_guessed_by_the_synonym_table_and_missing_when_nothing_matches(crm):
    deals = resolve(UNIT / "unit.yaml", crm).report.table("deals")
    # lead_source: the preset documents only "Origin"; the synonym table knows "Source".
    assert deals.guessed == {"lead_source": "Source"}
    assert deals.missing == {"product": ("Product Code",)}
    assert deals.required_missing == ()


def test_first_present_candidate_wins(crm):
    edit_csv(crm / "deals.csv", add={"Deal Owner": ["a", "b", "c", "d", "e", "f"]})
    deals = resolve(UNIT / "unit.yaml", crm).report.table("deals")
    assert deals.found["rep_id"] == "Deal Owner"  # listed before "Owner Name"


def test_headers_match_ignoring_case_spaces_and_punctuation(crm):
    edit_csv(crm / "deals.csv", rename={"Deal Ref": "DEAL_REF", "Value (EUR)": "value-eur", "Deal Phase": "deal phase"})
    found = resolve(UNIT / "unit.yaml", crm)
    deals = found.report.table("deals")
    assert (deals.found["deal_id"], deals.found["amount"], deals.found["stage"]) == (
        "DEAL_REF",
        "value-eur",
        "deal phase",
    )
    assert found.tables["deals"]["columns"]["DEAL_REF"] == "deal_id"
    assert found.tables["stage_history"]["columns"] == {"DEAL_REF": "deal_id"}


def test_files_are_assigned_to_shapes_by_their_signature(crm):
    found = resolve(UNIT / "unit.yaml", crm)
    assert found.shapes == {
        "calls": "calls.csv",
        "clients": "clients.csv",
        "deals": "deals.csv",
        "meetings": "meetings.xlsx [Meetings]",
        "users": "users.csv",
    }
    assert found.report.unmatched_files == ("meetings.xlsx [Notes]", "readme.csv")
    assert found.tables["reps"] == {
        "file": "users.csv",
        "columns": {"Full Name": ["rep_id", "name"], "Team": "team", "Hired On": "hired_at"},
    }


def test_given_files_only_are_read(crm):
    found = resolve(UNIT / "unit.yaml", crm, files=["deals.csv"])
    assert set(found.tables) == {"deals", "stage_history"}
    assert "lookups" not in found.tables["deals"]  # clients.csv was not among the files
    assert found.report.table("deals").missing == {
        "product": ("Product Code",),
        "segment": ("Sector",),
        "region": ("Territory",),
    }


# --- status_from alternatives ----------------------------------------------------------------------


def test_status_from_uses_the_first_alternative_whose_columns_are_present(crm):
    found = resolve(UNIT / "unit.yaml", crm)
    assert found.tables["deals"]["status_from"] == [
        {"status": "won", "column": "Is Won", "equals": ["true"]},
        {"status": "lost", "column": "Is Lost", "equals": ["true"]},
    ]
    assert found.report.table("deals").status_alternative == 1

    edit_csv(crm / "deals.csv", drop=["Is Lost"])  # the flags are incomplete: the probability decides
    found = resolve(UNIT / "unit.yaml", crm)
    assert found.tables["deals"]["status_from"] == [
        {"status": "won", "column": "Win Chance", "equals": ["100"]},
        {"status": "lost", "column": "Win Chance", "equals": ["0"]},
    ]
    deals = found.report.table("deals")
    assert (deals.status_alternative, deals.status_alternatives) == (2, 2)
    row = found.report.frame("en").query("table == 'deals' and column == 'status'").iloc[0]
    assert row.client_column == "won if Win Chance is 100; lost if Win Chance is 0 (rule set 2 of 2)"


def test_without_any_status_alternative_the_stage_decides(crm, tmp_path):
    edit_csv(crm / "deals.csv", drop=["Is Won", "Is Lost", "Win Chance"])
    found = resolve(UNIT / "unit.yaml", crm)
    assert "status_from" not in found.tables["deals"]
    assert found.report.table("deals").required_missing == ()
    row = found.report.frame("en").query("table == 'deals' and column == 'status'").iloc[0]
    assert row.client_column == "from the stage"
    assert effective_tables(unit_params(tmp_path, crm))["deals"].status_from == []


# --- lookups, from_shape, parts ---------------------------------------------------------------------


def test_lookup_joins_another_shapes_file(crm):
    found = resolve(UNIT / "unit.yaml", crm)
    assert found.tables["deals"]["lookups"] == [
        {
            "file": "clients.csv",
            "key": "Ref",
            "on": "account_id",
            "columns": {"Sector": "segment", "Territory": "region"},
        }
    ]
    (crm / "clients.csv").unlink()
    found = resolve(UNIT / "unit.yaml", crm)
    assert "lookups" not in found.tables["deals"]
    assert found.report.table("deals").missing == {
        "product": ("Product Code",),
        "segment": ("Sector",),
        "region": ("Territory",),
    }


def test_lookup_does_not_fill_a_column_the_file_has_itself(crm, tmp_path):
    raw = yaml.safe_load((UNIT / "unit.yaml").read_text(encoding="utf-8"))
    raw["shapes"][0]["columns"]["segment"] = ["Sector"]  # the deals file may carry the sector itself
    preset = tmp_path / "unit_sector.yaml"
    preset.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert resolve(preset, crm).tables["deals"]["lookups"][0]["columns"] == {"Sector": "segment", "Territory": "region"}
    edit_csv(crm / "deals.csv", add={"Sector": ["Energy"] * 6})
    found = resolve(preset, crm)
    assert found.tables["deals"]["columns"]["Sector"] == "segment"
    assert found.tables["deals"]["lookups"][0]["columns"] == {"Territory": "region"}
    assert found.report.table("deals").found["segment"] == "Sector"


def test_stage_history_is_melted_from_the_deals_file(crm):
    found = resolve(UNIT / "unit.yaml", crm)
    assert found.tables["stage_history"] == {
        "file": "deals.csv",
        "columns": {"Deal Ref": "deal_id"},
        "melt": {"pattern": "^Entered (?P<stage>.+)$", "into": "entered_at"},
    }
    assert found.report.table("stage_history").found["stage"] == "Entered Lead … (3)"
    edit_csv(crm / "deals.csv", drop=["Entered Lead", "Entered Pitch", "Entered Won"])
    found = resolve(UNIT / "unit.yaml", crm)
    assert "stage_history" not in found.tables
    history = found.report.table("stage_history")
    assert history.file is None and history.signatures == (("Deal Ref", "Deal Phase"),)


def test_part_shapes_are_unioned_into_one_table(crm):
    found = resolve(UNIT / "unit.yaml", crm)
    assert found.tables["activities"] == {
        "parts": [
            {
                "file": "calls.csv",
                "columns": {"Caller": "rep_id", "Called At": "occurred_at", "Deal Ref": "deal_id"},
                "constants": {"type": "call"},
            },
            {
                "file": "meetings.xlsx",
                "sheet": "Meetings",
                "columns": {"Host": "rep_id", "Met On": "occurred_at", "Deal Ref": "deal_id"},
                "constants": {"type": "meeting"},
            },
        ]
    }
    assert [m.file for m in found.report.tables if m.table == "activities"] == ["calls.csv", "meetings.xlsx"]


def test_load_with_a_preset_accounts_every_table_and_keeps_the_report(crm, tmp_path):
    data = load_data(unit_params(tmp_path, crm))
    accounts = data.report.accounts
    assert {n: (a.rows_read, a.rows_used) for n, a in accounts.items()} == {
        "reps": (3, 3),
        "deals": (6, 6),
        "stage_history": (11, 11),  # the filled 'Entered …' cells
        "activities": (7, 7),  # 4 calls + 3 meetings
    }
    deals = data.deals.order_by("deal_id").to_pandas()
    assert deals["status"].tolist() == ["won", "lost", "open", "open", "won", "lost"]
    assert deals["segment"].tolist() == ["Retail", "Banking", "Retail", "Retail", "Banking", "Retail"]
    assert deals["lead_source"].tolist() == ["Web", "Referral", "Web", "Event", "Web", "Event"]
    types = data.table("activities").group_by("type").aggregate(n=ibis_count()).to_pandas()
    assert dict(zip(types["type"], types["n"], strict=True)) == {"call": 4, "meeting": 3}
    preset = data.report.preset
    assert preset.title == "Unit-test CRM"
    assert preset.table("deals").guessed == {"lead_source": "Source"}
    frame = preset.frame("en")
    assert frame.query("column == 'lead_source'")[["client_column", "how"]].values.tolist() == [["Source", "guessed"]]
    assert frame.query("column == 'product'")[["client_column", "how"]].values.tolist() == [
        ["none of Product Code", "missing"]
    ]
    assert set(preset.frame("zh")["how"]) == {"已找到", "推测", "缺失"}


def ibis_count():
    import ibis

    return ibis._.count()


# --- The params file over the preset ---------------------------------------------------------------


def test_params_columns_win_over_the_presets(crm, tmp_path):
    edit_csv(crm / "deals.csv", add={"Net Value": ["1000", "700", "450", "250", "900", "350"]})
    params = unit_params(tmp_path, crm, {"deals": {"columns": {"Net Value": "amount"}, "encoding": "utf-8"}})
    deals = effective_tables(params)["deals"]
    assert deals.columns["Net Value"] == "amount"
    assert "Value (EUR)" not in deals.columns
    assert (deals.file, deals.encoding, deals.columns["Deal Ref"]) == ("deals.csv", "utf-8", "deal_id")
    assert deals.lookups[0].file == "clients.csv"  # the rest of the preset entry is kept
    mapping = resolve_tables(params)[1].table("deals")
    assert mapping.given == {"amount": "Net Value"} and "amount" not in mapping.found


def test_params_file_pins_a_file_the_signature_would_not_find(crm, tmp_path):
    (crm / "deals.csv").rename(crm / "export 2024.csv")
    edit_csv(crm / "export 2024.csv", rename={"Deal Phase": "Phase"})
    with pytest.raises(
        DataError, match=r"no file in .* has the headers of its deals export \(\[Deal Ref, Deal Phase\]"
    ):
        unit_params(tmp_path, crm)
    params = unit_params(tmp_path, crm, {"deals": {"file": "export 2024.csv", "columns": {"Phase": "stage"}}})
    deals = effective_tables(params)["deals"]
    assert deals.file == "export 2024.csv"
    assert deals.columns["Phase"] == "stage" and deals.columns["Deal Ref"] == "deal_id"
    assert resolve_tables(params)[1].table("deals").given == {"stage": "Phase"}


def test_a_missing_required_column_is_an_error_naming_the_candidates(crm, tmp_path):
    edit_csv(crm / "deals.csv", drop=["Value (EUR)"])
    with pytest.raises(DataError) as err:
        unit_params(tmp_path, crm)
    message = str(err.value)
    assert "deals.csv has no column for amount" in message
    assert "'Value (EUR)' or 'Amount'" in message
    assert "data.tables.deals.columns (<client column>: amount)" in message


def test_params_entry_with_parts_replaces_the_presets_table(crm, tmp_path):
    own = {
        "activities": {
            "parts": [
                {
                    "file": "calls.csv",
                    "columns": {"Caller": "rep_id", "Called At": "occurred_at"},
                    "constants": {"type": "call"},
                }
            ]
        }
    }
    params = unit_params(tmp_path, crm, own)
    activities = effective_tables(params)["activities"]
    assert [p.file for p in activities.parts] == ["calls.csv"]


# --- Detection, registry, validation ----------------------------------------------------------------


def maven_like(folder: Path) -> Path:
    """Three rows of each Maven CSV (headers as published), enough to recognise and load."""
    folder.mkdir()
    files = {
        "sales_pipeline.csv": "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
        "1C1I7A6R,Moses Frase,GTX Plus Basic,Cancity,Won,2016-10-20,2017-03-01,1054\n"
        "Z063OYW0,Darcel Schlecht,GTXPro,Isdom,Won,2016-10-25,2017-03-11,4514\n"
        "EC4QE1BX,Darcel Schlecht,MG Special,Cancity,Engaging,2016-10-25,,\n",
        "sales_teams.csv": "sales_agent,manager,regional_office\nMoses Frase,Dustin Brinkmann,Central\n"
        "Darcel Schlecht,Melvin Marxen,Central\n",
        "accounts.csv": "account,sector,year_established,revenue,employees,office_location,subsidiary_of\n"
        "Cancity,retail,2001,718.62,2448,United States,\nIsdom,technolgy,2002,3178.24,4540,United States,\n",
        "products.csv": "product,series,sales_price\nGTX Plus Basic,GTX,1096\nGTX Pro,GTX,4821\nMG Special,MG,55\n",
        "data_dictionary.csv": "Table,Field,Description\naccounts,account,Company name\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_maven_preset_gives_the_mapping_it_had_before(tmp_path):
    folder = maven_like(tmp_path / "maven")
    found = resolve("maven_crm", folder)
    assert found.tables == MAVEN_BEFORE
    assert found.report.unmatched_files == ("data_dictionary.csv",)
    assert found.report.table("deals").found["segment"] == "accounts.csv:sector"
    # Without the files (a fresh clone without ../shared) the same mapping, by the usual file names.
    assert resolve("maven_crm", tmp_path / "absent").tables == MAVEN_BEFORE
    assert load_params(REPO_ROOT / "params" / "maven.yaml").data.preset == "maven_crm"


def test_generic_preset_names_files_after_the_tables(tmp_path):
    found = resolve("generic", tmp_path)
    assert found.report is None
    assert found.tables == {name: {"file": f"{name}.*"} for name in found.tables}
    assert list(found.tables) == ["deals", "stage_history", "reps", "activities", "targets", "surveys", "costs"]


def test_detect_recognises_maven_files_and_not_canonical_ones(tmp_path):
    folder = maven_like(tmp_path / "maven")
    found = detect([folder])
    assert found[0].preset == "maven_crm"
    assert found[0].score == 0.8  # 4 of 5 files (not the data dictionary)
    assert set(found[0].shapes) == {"sales_pipeline", "sales_teams", "accounts", "products"}
    canonical = tmp_path / "canonical"
    canonical.mkdir()
    (canonical / "deals.csv").write_text("deal_id,created_at,amount,status\n1,2024-01-01,5,won\n", encoding="utf-8")
    assert detect(canonical) == []


def test_registry_lists_the_installed_presets_and_each_is_valid():
    names = installed_presets()
    assert {"generic", "maven_crm"} <= set(names)
    assert sorted(PRESETS) == names
    for name in names:
        preset = PRESETS[name]
        assert preset.name == name and preset.title


def test_params_validate_the_preset_name(write_params):
    with pytest.raises(
        ParamsError,
        match=r"no preset named 'maven' \(did you mean 'maven_crm'\?\); the installed presets are generic, ",
    ):
        load_params(write_params(data={"preset": "maven"}))


def test_a_preset_file_of_ones_own_is_read_relative_to_the_params_file(crm, tmp_path):
    shutil.copy(UNIT / "unit.yaml", tmp_path / "mine.yaml")
    raw = {"client": "u", "period": "2024-Q1", "stages": STAGES, "data": {"preset": "mine.yaml", "base_dir": str(crm)}}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert effective_tables(load_params(path))["deals"].file == "deals.csv"
    raw["data"]["preset"] = "missing.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ParamsError, match="missing.yaml: preset file not found"):
        check_mapping(load_params(path))


def test_an_invalid_preset_names_its_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\ntitle: Bad\nshapes:\n  - {shape: d, table: deals, signature: [A], columns: {deal_no: [A]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ParamsError, match=r"shape 'd' names \['deal_no'\], which are not columns of the canonical deals"
    ):
        load_preset(bad)


def test_params_module_does_not_import_the_presets():
    code = "import sys, salesnb.params; print('salesnb.data.presets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_crm_preset_with_a_database_source_is_refused(write_params):
    with pytest.raises(ParamsError, match="data.preset maven_crm recognises exported files"):
        check_mapping(load_params(write_params(data={"preset": "maven_crm", "source": "db.duckdb"})))
