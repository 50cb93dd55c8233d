"""Without the Maven data (a clone without ../shared), `salesnb check` and `salesnb run` on
params/maven.yaml say in one paragraph where to get it and exit 2, before any kernel starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from salesnb.config import REPO_ROOT


def maven_params(tmp_path: Path, data_dir: Path) -> Path:
    """params/maven.yaml as it is, but with data.base_dir pointing at ``data_dir``."""
    params = yaml.safe_load((REPO_ROOT / "params" / "maven.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(data_dir)
    path = tmp_path / "maven.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return path


def salesnb(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "salesnb.run.cli", *args], capture_output=True, text=True, encoding="utf-8", timeout=300
    )


def assert_says_where_to_get_the_data(result: subprocess.CompletedProcess, folder: Path) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr  # one paragraph
    message = errors[0]
    assert f"{folder / 'sales_pipeline.csv'}: file for the deals table not found" in message
    assert 'Maven Analytics "CRM Sales Opportunities"' in message
    assert "https://mavenanalytics.io/data-playground" in message
    assert "sales_pipeline.csv, sales_teams.csv, accounts.csv and products.csv" in message
    assert "data.base_dir" in message
    return message


@pytest.mark.parametrize("command", ["check", "run"])
def test_without_the_maven_data_the_command_says_where_to_get_it(tmp_path, command):
    missing = tmp_path / "shared" / "data" / "real" / "maven_crm_sales_opportunities"
    params = maven_params(tmp_path, missing)
    args = [command, str(params)] + (["--out", str(tmp_path / "outputs")] if command == "run" else [])
    message = assert_says_where_to_get_the_data(salesnb(*args), missing)
    assert f"the data folder {missing} does not exist (data.base_dir in {params})" in message
    assert not list(tmp_path.rglob("*.html")) and not list(tmp_path.rglob("*.ipynb"))


def test_an_empty_data_folder_also_gets_the_download_hint(tmp_path):
    empty = tmp_path / "maven"
    empty.mkdir()
    message = assert_says_where_to_get_the_data(salesnb("check", str(maven_params(tmp_path, empty))), empty)
    assert "does not exist" not in message
