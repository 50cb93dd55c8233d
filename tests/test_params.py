from datetime import date

import pytest

from salesnb.config import REPO_ROOT
from salesnb.data.presets import check_mapping
from salesnb.errors import ParamsError
from salesnb.params import load_params, parse_period


def test_shipped_params_files_validate():
    for name in ("demo.yaml", "demo_zh.yaml", "maven.yaml"):
        params = load_params(REPO_ROOT / "params" / name)
        assert params.stages.won == "Won"
    assert load_params(REPO_ROOT / "params" / "maven.yaml").period.start == date(2017, 10, 1)


def test_typo_key_names_file_key_and_suggestion(write_params):
    path = write_params(data={"base_dir": ".", "tabels": {}})
    with pytest.raises(ParamsError) as err:
        load_params(path)
    message = str(err.value)
    assert str(path) in message
    assert "unknown key 'data.tabels'" in message
    assert "did you mean 'tables'" in message
    assert "\n" not in message


def test_typo_in_nested_table_entry(write_params):
    path = write_params(data={"tables": {"deals": {"file": "d.csv", "colums": {}}}})
    with pytest.raises(ParamsError, match=r"unknown key 'data\.tables\.deals\.colums' \(did you mean 'columns'\?\)"):
        load_params(path)


def test_missing_required_key(write_params):
    path = write_params()
    text = path.read_text().replace("client: acme\n", "")
    path.write_text(text)
    with pytest.raises(ParamsError, match="missing required key 'client'"):
        load_params(path)


def test_bad_language_value_is_named(write_params):
    with pytest.raises(ParamsError, match=r"'language'.*'zh' or 'en'.*got 'fr'"):
        load_params(write_params(language="fr"))


def test_mapping_onto_unknown_canonical_column(write_params):
    path = write_params(data={"tables": {"deals": {"file": "d.csv", "columns": {"单号": "deal_idd"}}}})
    with pytest.raises(ParamsError, match=r"maps onto 'deal_idd'.*did you mean 'deal_id'"):
        check_mapping(load_params(path))


def test_won_stage_must_be_in_order(write_params):
    with pytest.raises(ParamsError, match="won stage 'Closed' must be one of"):
        load_params(write_params(stages={"order": ["A", "B"], "won": "Closed", "lost": "Lost"}))


def test_invalid_yaml_reports_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("client: a\nperiod: [2025\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"not valid YAML at line \d+"):
        load_params(path)


def test_missing_params_file():
    with pytest.raises(ParamsError, match="params file not found"):
        load_params("params/nope.yaml")


@pytest.mark.parametrize(
    ("text", "fy_start", "start", "end", "label"),
    [
        ("2025-Q4", 1, date(2025, 10, 1), date(2025, 12, 31), "2025-Q4"),
        ("2025-Q1", 4, date(2024, 4, 1), date(2024, 6, 30), "2025-Q1"),
        ("FY2025", 4, date(2024, 4, 1), date(2025, 3, 31), "FY2025"),
        ("2024", 1, date(2024, 1, 1), date(2024, 12, 31), "2024"),
        ("2024-02", 1, date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        ("2025-H2", 7, date(2025, 1, 1), date(2025, 6, 30), "2025-H2"),
    ],
)
def test_parse_period(text, fy_start, start, end, label):
    period = parse_period(text, fiscal_year_start=fy_start)
    assert (period["start"], period["end"], period["label"]) == (start, end, label)


def test_unknown_period_format(write_params):
    with pytest.raises(ParamsError, match="period 'Q4 2025' not understood"):
        load_params(write_params(period="Q4 2025"))
