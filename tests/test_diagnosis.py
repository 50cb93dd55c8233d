"""The diagnosis recovers what the demo generator planted, and renders end to end."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from salesnb import diagnosis as dx
from salesnb import metrics
from salesnb.config import REPO_ROOT
from salesnb.data import load_data
from salesnb.metrics import Window
from salesnb.params import load_params
from salesnb.runner import run


@pytest.fixture(scope="module")
def demo20k(demo20k_dir):
    folder = demo20k_dir
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(folder)
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    data = load_data(load_params(path))
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    return data, truth, path


def test_planted_strongest_and_weakest_reps_recovered(demo20k):
    data, truth, _ = demo20k
    history = Window("all", date(2023, 1, 1), date(2025, 12, 31))
    card = dx.rep_scorecard(data, history).summary
    ranked = card[~card["small_sample"]].sort_values("win_rate_shrunk", ascending=False)["rep_id"].tolist()
    assert set(truth["rep_skill"]["strongest"]) <= set(ranked[:5])
    assert set(truth["rep_skill"]["weakest"]) <= set(ranked[-5:])


def test_attrition_equals_generated_leavers(demo20k):
    data, truth, _ = demo20k
    reps = data.reps.to_pandas()
    for year, planted in truth["attrition"]["by_year"].items():
        measured = metrics.rep_attrition(reps, metrics.window_from_text(year))
        assert measured["leavers"] == planted["leavers"]
        assert measured["average_headcount"] == pytest.approx(planted["average_headcount"], abs=0.01)
        assert measured["rate"] == pytest.approx(planted["rate"], abs=0.001)


def test_diagnosis_of_the_demo_period(demo20k):
    data, truth, _ = demo20k
    diag = dx.diagnose(data)
    team = diag.team_breakdown.set_index("team")
    assert team["win_rate"].idxmin() == truth["bottleneck"]["team"]  # the planted bottleneck team converts worst
    kinds = diag.archetypes.set_index("rep_id")["archetype"]
    assert kinds["R005"] == "busy_not_closing"  # planted: 2.5x activity, 0.7x win rate
    actions = diag.actions.set_index("action")
    assert "R005" in actions.loc["qualification", "reps"]
    hires = {h["rep_id"]: h["hired_at"] for h in truth["ramp"]["hires"]}
    recent = sorted(r for r, d in hires.items() if (pd.Timestamp("2025-12-31") - pd.Timestamp(d)).days < 6 * 30.4375)
    assert actions.loc["pairing", "reps"].split(", ") == recent
    kpis = diag.kpis.set_index("kpi")
    assert kpis.loc["win_rate", "current"] == pytest.approx(
        diag.team_breakdown["won"].sum() / diag.team_breakdown["closed"].sum()
    )
    findings = diag.findings("en", "CNY")
    assert 3 <= len(findings) <= 5
    assert findings[0].startswith("Revenue in 2025-Q4 was CNY")
    assert all(f"{t}" for t in diag.findings("zh", "CNY"))


def test_reps_alike_when_rates_do_not_differ(maven_dir):
    data = load_data(load_params(REPO_ROOT / "params" / "maven.yaml"))
    diag = dx.diagnose(data)
    assert not diag.scorecard.reps_differ  # Maven's per-rep win rates are within chance of each other
    assert any("no rep stands out" in f for f in diag.findings("en", "USD"))
    assert diag.archetypes is None and diag.attrition is None
    assert set(diag.missing) == {"activities", "csat", "attainment", "costs"}


def test_diagnosis_report_end_to_end(tmp_path, demo_dir, maven_dir):
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(demo_dir)
    for language, headings in (
        (
            "en",
            [
                "Sales diagnosis",
                "Findings",
                "Team KPIs",
                "Rep scorecard",
                "Strengths and weak spots",
                "Activity vs conversion",
                "Suggested actions",
                "Rep attrition",
            ],
        ),
        ("zh", ["销售诊断", "主要发现", "团队关键指标", "销售个人记分卡", "优势与短板", "建议行动"]),
    ):
        path = tmp_path / f"demo-{language}.yaml"
        path.write_text(yaml.safe_dump({**params, "language": language, "client": f"d{language}"}), encoding="utf-8")
        result = run(path, only=["diagnosis"], output_root=tmp_path / "out", progress=lambda _: None)
        assert result.ok, result.results
        out = result.output_dir
        page = (out / "01_diagnosis.html").read_text(encoding="utf-8")
        for heading in headings:
            assert f">{heading}<" in page, heading
        assert "open_report(" not in page and 'class="jp-InputArea' not in page
        first_screen = page[page.index('class="snb-findings"') - 200 : page.index('class="snb-findings"') + 400]
        assert "<li>" in first_screen
        scorecard = pd.read_csv(out / "01_rep_scorecard.csv")
        kpis = pd.read_excel(out / "01_diagnosis_tables.xlsx", sheet_name="team_kpis").set_index("kpi")
        assert scorecard["revenue"].sum() == pytest.approx(kpis.loc["revenue", "current"])  # reps add up to the team
        assert scorecard["won"].sum() == kpis.loc["won", "current"]
        sheets = load_workbook(out / "01_diagnosis_tables.xlsx", read_only=True).sheetnames
        assert {"team_kpis", "rep_scorecard", "monthly_trend", "actions", "concentration"} <= set(sheets)

    maven = run(
        REPO_ROOT / "params" / "maven.yaml", only=["diagnosis"], output_root=tmp_path / "m", progress=lambda _: None
    )
    assert maven.ok
    page = (maven.output_dir / "01_diagnosis.html").read_text(encoding="utf-8")
    for line in ("no activities table", "no surveys table", "no targets table", "no costs table"):
        assert f"Skipped: {line}" in page
    assert "the data does not reach back to 2016-Q4" in page
