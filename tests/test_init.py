"""`salesnb init`: a client's raw export becomes a commented params file that passes `check`."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from salesnb.config import REPO_ROOT
from salesnb.data import read_canonical
from salesnb.data.presets import effective_tables
from salesnb.data.synonyms import propose, table_score
from salesnb.errors import ParamsError
from salesnb.params import load_params
from salesnb.run.checks import check_against_data
from salesnb.run.cli import app
from salesnb.run.initialise import (
    init,
    last_complete_quarter,
    order_from_history,
    placebo_case_study,
    renamed_stages,
    timezone_from_cells,
    typical_order,
    won_lost_by_words,
)

# Module fixtures here are expensive (loads or renders): keep this file on one xdist worker, run together,
# so each fixture is set up once.
pytestmark = pytest.mark.xdist_group("init-fixtures")

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "exports"


# --- the synonym table ------------------------------------------------------------------------------------------


def test_propose_scores_canonical_names_above_synonyms_and_uses_each_header_once():
    found = propose(["deal_id", "Opportunity Owner", "Amount", "Amount in company currency", "Created"], "deals")
    assert (found["deal_id"].header, found["deal_id"].confidence) == ("deal_id", 1.0)
    assert (found["rep_id"].header, found["rep_id"].confidence) == ("Opportunity Owner", 0.9)
    assert found["amount"].header == "Amount"  # canonical name beats the synonym
    assert found["created_at"].header == "Created" and 0.6 <= found["created_at"].confidence < 0.9
    headers = [p.header for p in found.values()]
    assert len(headers) == len(set(headers))


def test_propose_reads_chinese_headers_and_ignores_case_and_punctuation():
    found = propose(["商机编号", "负责人（销售）", "创建时间", "成交金额", "销售阶段", "关单日期", "币种"], "deals")
    assert {c: p.header for c, p in found.items()} == {
        "deal_id": "商机编号",
        "created_at": "创建时间",
        "amount": "成交金额",
        "rep_id": "负责人（销售）",
        "closed_at": "关单日期",
        "stage": "销售阶段",
        "currency": "币种",
    }
    assert found["rep_id"].confidence < 0.9  # contains the synonym 负责人, is not it
    assert propose(["OPPORTUNITY-OWNER"], "deals")["rep_id"].confidence == 0.9


def test_table_score_tells_a_deals_export_from_a_stage_history():
    deals = ["Opportunity ID", "Opportunity Owner", "Stage", "Amount", "Created Date", "Close Date", "Account Name"]
    history = ["Opportunity ID", "From Stage", "To Stage", "Amount", "Last Modified"]
    assert table_score(deals, "deals") > table_score(deals, "stage_history")
    assert table_score(history, "stage_history") > table_score(history, "deals")


# --- stages, period, time zone, case study ----------------------------------------------------------------------


def test_typical_order_knows_salesforce_hubspot_and_chinese_stage_names():
    assert typical_order(["Negotiation/Review", "Needs Analysis", "Prospecting", "Proposal/Price Quote"]) == [
        "Prospecting",
        "Needs Analysis",
        "Proposal/Price Quote",
        "Negotiation/Review",
    ]
    assert typical_order(["Contract Sent", "Appointment Scheduled", "Qualified To Buy"]) == [
        "Appointment Scheduled",
        "Qualified To Buy",
        "Contract Sent",
    ]
    assert typical_order(["商务谈判", "线索", "方案报价", "需求确认"]) == ["线索", "需求确认", "方案报价", "商务谈判"]


def test_won_and_lost_stages_are_told_by_their_names():
    assert won_lost_by_words({"Closed Won": 3, "Closed Lost": 5, "Won back": 1, "Proposal": 9}) == (
        "Closed Won",
        "Closed Lost",
    )
    assert won_lost_by_words({"赢单": 2, "输单": 4, "谈判": 1}) == ("赢单", "输单")
    assert won_lost_by_words({"Stage 1": 2}) == (None, None)


def _history(rows):
    frame = pd.DataFrame(rows, columns=["deal_id", "stage", "entered_at"])
    return frame.assign(entered_at=pd.to_datetime(frame["entered_at"]))


def test_order_from_history_follows_the_deals_not_the_names():
    # "Zeta" is entered before "Alpha" by most deals: the history wins over the alphabet and the names.
    rows = []
    for deal in range(10):
        rows += [(deal, "Zeta", "2025-01-01"), (deal, "Alpha", "2025-02-01"), (deal, "Won", "2025-03-01")]
    rows += [(99, "Alpha", "2025-01-01"), (99, "Zeta", "2025-02-01")]  # one deal the other way round
    assert order_from_history(_history(rows), ["Alpha", "Won", "Zeta"]) == ["Zeta", "Alpha", "Won"]


def test_a_stage_renamed_mid_year_is_proposed_as_a_value_mapping():
    rows = []
    for deal in range(20):
        month = 1 + deal % 12
        rows.append((deal, "Prospecting", f"2025-{month:02d}-01"))
        renamed = "Needs Analysis" if month < 7 else "Discovery"
        rows.append((deal, renamed, f"2025-{month:02d}-05"))
        rows.append((deal, "Proposal", f"2025-{month:02d}-20"))
    history = _history(rows)
    stages = ["Prospecting", "Needs Analysis", "Discovery", "Proposal"]
    assert renamed_stages(history, stages) == {"Needs Analysis": "Discovery"}
    # Two stages used side by side (a deal enters both) are not a rename.
    both = _history([*rows, (1, "Discovery", "2025-01-10")])
    assert renamed_stages(both, stages) == {}


def test_period_is_the_last_complete_quarter_and_targets_the_next():
    assert last_complete_quarter(dt.date(2017, 12, 31)) == ("2017-Q4", "2018-Q1")
    assert last_complete_quarter(dt.date(2025, 11, 20)) == ("2025-Q3", "2025-Q4")
    assert last_complete_quarter(dt.date(2025, 1, 3)) == ("2024-Q4", "2025-Q1")


def test_timezone_comes_from_the_offsets_written_in_the_dates():
    assert timezone_from_cells(["2025-03-01T09:00:00+08:00"] * 3 + ["2025-03-01"]) == "Asia/Shanghai"
    assert timezone_from_cells(["2025-03-01T09:00:00.000Z"]) == "UTC"
    assert timezone_from_cells(["2025-03-01", "03/01/2025 09:00"]) is None


def test_placebo_treats_the_largest_team_or_every_second_rep():
    study = placebo_case_study(
        dt.date(2024, 1, 10), dt.date(2025, 3, 31), team_deals={"East": 40, "West": 55}, rep_deals={}
    )
    # Mid-history (19 August) rounds to 1 September; 7 whole months fit on each side.
    assert study == {"date": dt.date(2024, 9, 1), "before_months": 7, "after_months": 7, "treated_teams": ["West"]}
    reps = placebo_case_study(
        dt.date(2024, 1, 10), dt.date(2025, 3, 31), team_deals={}, rep_deals={"a": 9, "b": 7, "c": 5, "d": 3}
    )
    assert reps["treated_reps"] == ["a", "c"]
    assert (
        placebo_case_study(dt.date(2025, 1, 1), dt.date(2025, 3, 31), team_deals={"A": 1, "B": 1}, rep_deals={}) is None
    )


# --- a Chinese export no preset knows: the synonym route -----------------------------------------------------------


def _chinese_export(folder: Path, n: int = 90, seed: int = 3) -> Path:
    """机会.csv in GB18030 with Chinese headers no CRM preset matches, 15 months of deals."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    reps = ["王芳", "李娜", "张伟", "刘洋", "陈静", "杨帆"]
    rows = []
    for i in range(n):
        created = dt.date(2024, 1, 1) + dt.timedelta(days=int(rng.integers(0, 420)))
        stage = str(rng.choice(["线索", "方案", "谈判", "赢单", "输单"], p=[0.1, 0.1, 0.1, 0.4, 0.3]))
        closed = created + dt.timedelta(days=int(rng.integers(10, 60))) if stage in ("赢单", "输单") else None
        closed = min(closed, dt.date(2025, 3, 31)) if closed else None
        rows.append(
            {
                "机会编号": f"JH{i:04d}",
                "销售人员": reps[i % len(reps)],
                "创建日期": created.isoformat(),
                "金额": f"￥{int(rng.integers(10, 500)) * 1000:,}",  # full-width: GBK has no U+00A5
                "阶段": stage,
                "关单日期": closed.isoformat() if closed else "",
                "客户": f"客户{i % 30:02d}",
                "所属大区域": str(rng.choice(["华东", "华南"])),
                "备注信息": "",
            }
        )
    path = folder / "机会.csv"
    pd.DataFrame(rows).to_csv(path, index=False, encoding="gb18030")
    return path


def _tree(*folders: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folders``: size and modification time (to see that nothing else was written)."""
    out = {}
    for folder in folders:
        for root, _, files in os.walk(folder):
            for name in files:
                path = Path(root) / name
                stat = path.stat()
                out[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return out


def test_init_on_an_unknown_chinese_export_writes_only_the_params_file(tmp_path, monkeypatch):
    data = tmp_path / "acme"
    _chinese_export(data)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = _tree(tmp_path)
    result = CliRunner().invoke(app, ["init", str(data), "--out", "params/acme.yaml"])
    assert result.exit_code == 0, result.output
    out = work / "params" / "acme.yaml"
    assert set(_tree(tmp_path)) - set(before) == {str(out)}
    assert _tree(tmp_path) == {**before, str(out): _tree(out.parent)[str(out)]}

    text = out.read_text(encoding="utf-8")
    params = yaml.safe_load(text)
    assert params["language"] == "zh" and params["currency"] == "CNY"
    assert params["period"] == "2025-Q1" and params["reports"]["targets"]["target_period"] == "2025-Q2"
    assert params["data"]["preset"] == "generic" and params["data"]["base_dir"] == "../../acme"
    assert params["data"]["tables"]["deals"]["file"] == "机会.csv"
    assert params["data"]["tables"]["deals"]["columns"] == {
        "机会编号": "deal_id",
        "创建日期": "created_at",
        "金额": "amount",
        "销售人员": "rep_id",
        "关单日期": "closed_at",
        "阶段": "stage",
        "客户": "account_id",
    }
    assert params["stages"] == {"order": ["线索", "方案", "谈判", "赢单"], "won": "赢单", "lost": "输单"}
    # Guesses are marked; a weak match is a commented TODO, not a mapping.
    assert "won: 赢单  # guessed from the name" in text
    assert "currency: CNY  # guessed from the amounts' currency sign" in text
    assert "# 所属大区域: region  # TODO:" in text
    assert "# TODO: set the real intervention" in text
    # Six reps with 15 deals each: every second one by name is the placebo's treated group.
    assert params["reports"]["case_study"]["treated_reps"] == ["刘洋", "李娜", "王芳"]
    # The command checked the file and listed what is left to decide.
    assert "deals          read         90  used         90  excluded        0" in result.output
    assert "What you must decide" in result.output and "'所属大区域' -> region?" in result.output


def test_init_refuses_to_overwrite_without_yes_and_yes_accepts_weak_guesses(tmp_path):
    data = tmp_path / "acme"
    _chinese_export(data)
    out = tmp_path / "acme.yaml"
    out.write_text("client: keep\n", encoding="utf-8")
    refused = CliRunner().invoke(app, ["init", str(data), "--out", str(out)])
    assert refused.exit_code == 2 and "already exists" in refused.output
    assert out.read_text(encoding="utf-8") == "client: keep\n"

    result = init([data], out=out, yes=True, client="Acme Co", lang="en")
    params = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert params["client"] == "Acme Co" and params["language"] == "en"
    assert params["data"]["tables"]["deals"]["columns"]["所属大区域"] == "region"
    assert "所属大区域: region  # guessed (0.56" in result.text


def test_init_replaces_its_own_unedited_file_but_not_an_edited_one(tmp_path):
    data = tmp_path / "acme"
    _chinese_export(data)
    out = tmp_path / "x.yaml"
    first = init([data], out=out, client="First")
    assert yaml.safe_load(first.text)["client"] == "First"
    second = init([data], out=out, client="Second")  # unedited: a fresh init may replace it
    assert (
        yaml.safe_load(out.read_text(encoding="utf-8"))["client"] == "Second" == yaml.safe_load(second.text)["client"]
    )

    out.write_text(second.text.replace("fiscal_year_start: 1", "fiscal_year_start: 4"), encoding="utf-8")
    edited = out.read_text(encoding="utf-8")
    with pytest.raises(ParamsError, match="not an unedited"):
        init([data], out=out, client="Third")
    assert out.read_text(encoding="utf-8") == edited


def test_init_refuses_files_that_hold_no_deals(tmp_path):
    folder = tmp_path / "x"
    folder.mkdir()
    pd.DataFrame({"name": ["a"], "colour": ["red"]}).to_csv(folder / "things.csv", index=False)
    result = CliRunner().invoke(app, ["init", str(folder), "--out", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2 and "No file looks like a deals table" in result.output
    assert not (tmp_path / "x.yaml").exists()


# --- the Maven data ---------------------------------------------------------------------------------------------


def _accounting(params_path: Path) -> dict:
    params = load_params(params_path)
    canonical, report = read_canonical(params)
    try:
        check_against_data(params, canonical.tables)
    finally:
        canonical.close()
    return {
        name: (
            a.rows_read,
            a.rows_used,
            a.rows_excluded,
            sorted((i.reason, i.count) for i in a.excluded),
            sorted((i.reason, i.count) for i in a.flagged),
        )
        for name, a in report.accounts.items()
    }


def test_init_on_maven_reads_8800_deals_like_params_maven(maven_dir, tmp_path):
    result = init([maven_dir], out=tmp_path / "maven.yaml")
    params = yaml.safe_load(result.text)
    assert params["data"]["preset"] == "maven_crm"
    assert params["period"] == "2017-Q4" and params["currency"] == "USD"
    assert params["stages"] == {"order": ["Prospecting", "Engaging", "Won"], "won": "Won", "lost": "Lost"}
    assert params["reports"]["funnel"]["lost_stage_without_history"] == "Engaging"
    accounting = _accounting(result.path)
    assert accounting["deals"][:3] == (8800, 8800, 0)
    assert accounting == _accounting(REPO_ROOT / "params" / "maven.yaml")


# --- the CRM fixtures -------------------------------------------------------------------------------------------

EXPECTED = {
    "salesforce": {
        "preset": "salesforce",
        "columns": {"Opportunity ID": "deal_id", "Opportunity Owner": "rep_id", "Stage": "stage", "Amount": "amount"},
        "order": [
            "Prospecting",
            "Qualification",
            "Discovery",
            "Proposal/Price Quote",
            "Negotiation/Review",
            "Closed Won",
        ],
        "won": "Closed Won",
        "lost": "Closed Lost",
        "renamed": {"Needs Analysis": "Discovery"},
    },
    "salesforce_api": {
        "preset": "salesforce",
        "columns": {"ID": "deal_id", "OWNERID": "rep_id", "STAGENAME": "stage", "CURRENCYISOCODE": "currency"},
        "order": [
            "Prospecting",
            "Qualification",
            "Discovery",
            "Proposal/Price Quote",
            "Negotiation/Review",
            "Closed Won",
        ],
        "won": "Closed Won",
        "lost": "Closed Lost",
        "renamed": {"Needs Analysis": "Discovery"},
    },
    "hubspot": {
        "preset": "hubspot",
        "columns": {"Record ID": "deal_id", "Deal owner": "rep_id", "Amount in company currency": "amount"},
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
        "renamed": {},
    },
    "jiandaoyun": {
        "preset": "jiandaoyun",
        "columns": {"商机编号": "deal_id", "负责人": "rep_id", "销售阶段": "stage", "创建时间": "created_at"},
        "order": ["初步接洽", "需求确认", "方案报价", "商务谈判", "赢单"],
        "won": "赢单",
        "lost": "输单",
        "renamed": {},
    },
}


@pytest.fixture(scope="module")
def fixture_inits(tmp_path_factory):
    """``init`` once per CRM fixture folder (the tests below read the written files)."""
    done = {}

    def get(crm: str):
        if crm not in done:
            folder = FIXTURES / crm
            if not folder.is_dir():
                pytest.skip(f"{folder} is not there (tests/fixtures/exports/make_fixtures.py writes it)")
            done[crm] = init([folder], out=tmp_path_factory.mktemp(crm) / f"{crm}.yaml")
        return done[crm]

    return get


@pytest.mark.parametrize("crm", sorted(EXPECTED))
def test_init_on_crm_fixture_passes_check_with_the_expected_mapping_and_stages(crm, fixture_inits):
    expected = EXPECTED[crm]
    result = fixture_inits(crm)
    written = yaml.safe_load(result.text)
    assert written["data"]["preset"] == expected["preset"]
    assert written["stages"] == {"order": expected["order"], "won": expected["won"], "lost": expected["lost"]}
    for table in ("deals", "stage_history"):
        values = written["data"]["tables"].get(table, {}).get("values", {}).get("stage", {})
        assert values == expected["renamed"]
    params = load_params(result.path)
    columns = effective_tables(params)["deals"].columns
    assert {h: columns[h] for h in expected["columns"]} == expected["columns"]
    accounting = _accounting(result.path)
    assert accounting["deals"][1] >= 200  # used deals
    assert "# guessed" in result.text and "# TODO" in result.text


def test_salesforce_api_rates_come_from_currency_type(fixture_inits):
    written = yaml.safe_load(fixture_inits("salesforce_api").text)
    assert written["currency"] == "USD"
    assert written["data"]["fx"] == {"EUR": round(1 / 0.92, 6), "GBP": pytest.approx(1.265823)}
    assert written["reports"]["case_study"]["treated_teams"]  # User.csv's departments are teams


def test_hubspot_reads_one_pipeline_in_the_company_currency(fixture_inits):
    result = fixture_inits("hubspot")
    written = yaml.safe_load(result.text)
    assert written["currency"] == "USD"
    assert written["data"]["tables"]["deals"]["where"] == [{"column": "Pipeline", "equals": ["Sales Pipeline"]}]
    assert any("Renewals" in d for d in result.decisions)
    accounting = _accounting(result.path)
    assert ("filtered:Pipeline", 40) in accounting["deals"][3]


def test_jiandaoyun_is_written_in_chinese(fixture_inits):
    written = yaml.safe_load(fixture_inits("jiandaoyun").text)
    assert (written["language"], written["currency"], written["reports"]["targets"]["holidays_country"]) == (
        "zh",
        "CNY",
        "CN",
    )


def test_init_then_run_renders_all_five_reports_for_hubspot(fixture_inits, tmp_path):
    from salesnb.run.runner import run

    result = run(fixture_inits("hubspot").path, output_root=tmp_path / "outputs", progress=lambda _: None)
    assert result.ok, [(r.stem, r.error) for r in result.results if not r.ok]
    assert sorted(r.stem for r in result.results) == [
        "00_data_audit",
        "01_diagnosis",
        "02_targets",
        "03_funnel",
        "04_case_study",
    ]
