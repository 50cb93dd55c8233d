"""Issue 13, item 7 and 8: every params mistake stops `salesnb check` (and `run`) before any kernel
starts, exit 2 with one paragraph naming the file, the key and the bad value; `check` writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from salesnb.config import REPO_ROOT
from salesnb.run.cli import app

STAGES = {"order": ["Prospecting", "Qualification", "Proposal", "Negotiation", "Won"], "won": "Won", "lost": "Lost"}


@pytest.fixture(scope="module")
def tiny_demo(tmp_path_factory) -> Path:
    from salesnb.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("tiny_demo"), n_deals=200, seed=7)


def write(folder: Path, *, reports: dict | None = None, data: dict | None = None, **top) -> Path:
    params = {"client": "acme", "period": "2025-Q4", "stages": STAGES, "data": data or {"base_dir": "."}}
    params.update(top)
    if reports is not None:
        params["reports"] = reports
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return path


def check(path: Path):
    return CliRunner().invoke(app, ["check", str(path)])


def assert_stopped(result, where: Path, *fragments: str) -> str:
    """Exit 2 with one paragraph that starts by naming ``where`` (the params file, or the database file)."""
    # typer's CliRunner mixes stderr into output unless told otherwise; either way the text is there.
    text = result.output
    assert result.exit_code == 2, text
    assert "Traceback" not in text
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = text.strip()
    assert message.startswith("error: ") and "\n" not in message, message  # one paragraph
    assert message.startswith(f"error: {where}"), message
    for fragment in fragments:
        assert fragment in message, message
    return message


MISTAKES = {
    "holiday_country_unknown": (
        {"targets": {"holidays_country": "XX"}},
        ["reports.targets.holidays_country", "'XX'", "not a country the holidays package knows"],
    ),
    "holiday_country_by_name": (
        {"targets": {"holidays_country": "China"}},
        ["reports.targets.holidays_country", "'China'", "did you mean 'CN'"],
    ),
    "target_period_q5": (
        {"targets": {"target_period": "2026-Q5"}},
        ["reports.targets.target_period", "'2026-Q5'", "2026-Q1, 2026-01, 2026-H1, 2026 or FY2026"],
    ),
    "target_period_before_the_report": (
        {"targets": {"target_period": "2025-Q3"}},
        ["reports.targets.target_period", "'2025-Q3'", "not after the reporting period 2025-Q4"],
    ),
    "target_period_same_as_the_report": (
        {"targets": {"target_period": "2025-Q4"}},
        ["reports.targets.target_period", "not after the reporting period"],
    ),
    "target_period_leaves_a_gap": (
        {"targets": {"target_period": "2026-Q2"}},
        ["reports.targets.target_period", "'2026-Q2'", "leaving a gap", "must start on 2026-01-01"],
    ),
    "target_conversion_stage_typo": (
        {"funnel": {"target_conversion": {"Qualfication": 0.5}}},
        ["reports.funnel.target_conversion", "'Qualfication'", "did you mean 'Qualification'"],
    ),
    "target_conversion_on_the_won_stage": (
        {"funnel": {"target_conversion": {"Won": 0.5}}},
        ["reports.funnel.target_conversion", "'Won'", "Prospecting, Qualification, Proposal, Negotiation"],
    ),
    "target_conversion_as_a_percent": (
        {"funnel": {"target_conversion": {"Proposal": 50}}},
        ["reports.funnel.target_conversion.Proposal", "less than or equal to 1", "got 50"],
    ),
    "lost_stage_without_history_typo": (
        {"funnel": {"lost_stage_without_history": "Negotation"}},
        ["reports.funnel.lost_stage_without_history", "'Negotation'", "did you mean 'Negotiation'"],
    ),
    "lost_stage_without_history_is_won": (
        {"funnel": {"lost_stage_without_history": "Won"}},
        ["reports.funnel.lost_stage_without_history", "'Won'", "not a stage a lost deal can have reached"],
    ),
    "moving_average_weight_zero": (
        {"targets": {"weights": [3, 0, 1]}},
        ["reports.targets.weights.1", "greater than 0", "got 0"],
    ),
    "moving_average_weight_negative": (
        {"targets": {"weights": [-1, 2]}},
        ["reports.targets.weights.0", "greater than 0", "got -1"],
    ),
    "moving_average_weights_empty": (
        {"targets": {"weights": []}},
        ["reports.targets.weights", "at least 1 item"],
    ),
    "tier_weight_zero": (
        {"targets": {"tier_weights": {"A": 1.2, "B": 0, "C": 0.8}}},
        ["reports.targets.tier_weights.B", "greater than 0", "got 0"],
    ),
    "tier_weight_negative": (
        {"targets": {"tier_weights": {"A": 1.2, "B": 1, "C": -0.5}}},
        ["reports.targets.tier_weights.C", "greater than 0", "got -0.5"],
    ),
    "tier_weights_incomplete": (
        {"targets": {"tier_weights": {"A": 1.5}}},
        ["reports.targets.tier_weights", "missing B, C"],
    ),
    "uplift_too_low": (
        {"targets": {"uplift": -0.9}},
        ["reports.targets.uplift", "greater than or equal to -0.5", "got -0.9"],
    ),
    "stretch_negative": (
        {"targets": {"stretch": -0.1}},
        ["reports.targets.stretch", "greater than or equal to 0", "got -0.1"],
    ),
    "stretch_infinite": (
        {"targets": {"stretch": float("inf")}},
        ["reports.targets.stretch", "finite number"],
    ),
    "commission_bands_unsorted": (
        {
            "targets": {
                "commission": {"bands": [{"at": 0, "rate": 0.03}, {"at": 1.2, "rate": 0.05}, {"at": 1.0, "rate": 0.08}]}
            }
        },
        ["reports.targets.commission", "rise strictly", "[0.0, 1.2, 1.0]"],
    ),
    "commission_bands_overlapping": (
        {
            "targets": {
                "commission": {"bands": [{"at": 0, "rate": 0.03}, {"at": 1.0, "rate": 0.05}, {"at": 1.0, "rate": 0.08}]}
            }
        },
        ["reports.targets.commission", "rise strictly", "[0.0, 1.0, 1.0]"],
    ),
    "commission_band_above_the_cap": (
        {"targets": {"commission": {"cap_attainment": 1.1}}},
        ["reports.targets.commission", "cap_attainment 1.1", "band starting at 1.2"],
    ),
    "commission_rate_as_a_percent": (
        {"targets": {"commission": {"bands": [{"at": 0, "rate": 3}]}}},
        ["reports.targets.commission.bands.0.rate", "less than or equal to 1", "got 3"],
    ),
    "too_hard_above_too_easy": (
        {"targets": {"too_hard": 0.8, "too_easy": 0.5}},
        ["reports.targets", "too_hard (0.8) must be below too_easy (0.5)"],
    ),
    "funnel_alpha_out_of_range": (
        {"funnel": {"alpha": 1.5}},
        ["reports.funnel.alpha", "less than 1", "got 1.5"],
    ),
    "stuck_quantile_out_of_range": (
        {"funnel": {"stuck_quantile": 0.3}},
        ["reports.funnel.stuck_quantile", "greater than 0.5", "got 0.3"],
    ),
    "diagnosis_share_out_of_range": (
        {"diagnosis": {"low_activity_share": 0}},
        ["reports.diagnosis.low_activity_share", "greater than 0", "got 0"],
    ),
    "case_study_alpha_out_of_range": (
        {"case_study": {"alpha": 0.7}},
        ["reports.case_study.alpha", "less than 0.5", "got 0.7"],
    ),
}


@pytest.mark.parametrize("case", list(MISTAKES))
def test_check_stops_on_each_params_mistake(tmp_path, case):
    reports, fragments = MISTAKES[case]
    path = write(tmp_path, reports=reports)
    assert_stopped(check(path), path, *fragments)


def test_a_stage_mapped_onto_an_unknown_name_is_named(tmp_path):
    data = {"base_dir": ".", "tables": {"deals": {"file": "deals.csv", "values": {"stage": {"Neg": "Negotation"}}}}}
    path = write(tmp_path, data=data)
    assert_stopped(check(path), path, "data.tables.deals", "'Negotation'", "did you mean 'Negotiation'")


def test_a_lookup_header_row_counts_from_one(tmp_path):
    lookup = {"file": "a.csv", "key": "k", "on": "account_id", "columns": {"s": "segment"}, "header_row": 0}
    path = write(tmp_path, data={"base_dir": ".", "tables": {"deals": {"file": "d.csv", "lookups": [lookup]}}})
    assert_stopped(check(path), path, "data.tables.deals.lookups.0.header_row", "counts from 1")


def test_valid_cross_field_values_pass(tmp_path):
    from salesnb.params import load_params

    reports = {
        "targets": {"holidays_country": "us", "target_period": 2026, "weights": [2, 1]},
        "funnel": {"target_conversion": {"Proposal": 0.4, "Negotiation": 1}, "lost_stage_without_history": "Proposal"},
    }
    params = load_params(write(tmp_path, reports=reports))
    assert params.reports.targets.holidays_country == "US"  # as the holidays package spells it
    assert params.reports.targets.target_period == "2026"


def test_run_stops_before_any_kernel_on_a_params_mistake(tmp_path):
    path = write(tmp_path, reports={"targets": {"holidays_country": "XX"}})
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--only", "targets"])
    assert_stopped(result, path, "reports.targets.holidays_country", "'XX'")
    assert not out.exists()


# --- checks that need the data -------------------------------------------------------------------------


def demo_params(folder: Path, demo: Path, **case_study) -> Path:
    study = {"date": "2025-01-01", **case_study}
    return write(folder, data={"base_dir": str(demo)}, reports={"case_study": study})


def test_check_names_a_treated_rep_missing_from_the_data(tmp_path, tiny_demo):
    path = demo_params(tmp_path, tiny_demo, treated_reps=["R001", "R0O5"])
    assert_stopped(check(path), path, "reports.case_study.treated_reps", "'R0O5'", "no rep_id in the data", "R001")


def test_check_names_a_treated_or_control_team_missing_from_the_data(tmp_path, tiny_demo):
    path = demo_params(tmp_path, tiny_demo, treated_teams=["Nort-1"])
    assert_stopped(check(path), path, "reports.case_study.treated_teams", "'Nort-1'", "did you mean 'North-1'")
    path = demo_params(tmp_path, tiny_demo, treated_teams=["North-1"], control_teams=["Suoth-1"])
    assert_stopped(check(path), path, "reports.case_study.control_teams", "'Suoth-1'", "did you mean 'South-1'")


def test_a_zero_padded_rep_id_is_explained(tmp_path, tiny_demo):
    # ids in the data are compared with leading zeros dropped; the case study matches params ids as written
    numbered = tmp_path / "demo"
    numbered.mkdir()
    for file in tiny_demo.glob("*.csv"):
        (numbered / file.name).write_text(file.read_text(encoding="utf-8").replace("R0", "0"), encoding="utf-8")
    path = demo_params(tmp_path, numbered, treated_reps=["001"])
    assert_stopped(check(path), path, "reports.case_study.treated_reps", "'001'", "the data writes it '1'")


# --- check writes nothing -----------------------------------------------------------------------------------


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize(
    "source", ["duckdb://{dir}/missing.duckdb", "{dir}/missing.duckdb", "sqlite://{dir}/missing.db"]
)
def test_check_does_not_create_a_missing_database(tmp_path, source):
    path = write(tmp_path, data={"source": source.format(dir=tmp_path), "tables": {"deals": {"table": "deals"}}})
    before = tree(tmp_path)
    assert_stopped(check(path), tmp_path / "missing", "not found")
    assert tree(tmp_path) == before


def test_check_leaves_no_file_behind(tmp_path, tiny_demo):
    """A whole `salesnb check` in its own process: the working folder, the params folder and the temp
    folder (where the load's DuckDB and spill files live) are as they were."""
    work, temp = tmp_path / "cwd", tmp_path / "tmp"
    work.mkdir()
    temp.mkdir()
    path = demo_params(tmp_path, tiny_demo, treated_reps=["R001"])
    client = f"writes-nothing-{os.getpid()}-{tmp_path.name}"  # its own: other tests' runs may use the default root
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump({**raw, "client": client}, allow_unicode=True), encoding="utf-8")
    before, data_before = tree(tmp_path), tree(tiny_demo)
    result = subprocess.run(
        [sys.executable, "-m", "salesnb.run.cli", "check", str(path)],
        cwd=work,
        env={**os.environ, "TMPDIR": str(temp)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "deals" in result.stdout and "Traceback" not in result.stderr
    assert tree(tmp_path) == before
    assert tree(tiny_demo) == data_before
    assert not (REPO_ROOT / "outputs" / client).exists()  # no output folder or snapshot under the default root


def test_an_unusable_engine_temp_dir_is_one_paragraph(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder", encoding="utf-8")
    path = write(tmp_path, data={"base_dir": ".", "engine": {"temp_dir": str(blocker / "spill")}})
    assert_stopped(check(path), path, f"cannot use {blocker / 'spill'}")
