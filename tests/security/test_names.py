"""Client and period labels become folder names by one rule, and outputs stay under the output root."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from salesnb.config import REPO_ROOT
from salesnb.errors import SalesnbError
from salesnb.run.runner import run
from salesnb.safety import MAX_NAME_LENGTH, confined, safe_folder_name

TRAVERSAL = ["../../../escaped", "..", ".", "a/b", "C:\\x", "C:", "\x00", "a\x00b", "/etc", "\\\\server\\share"]


@pytest.mark.parametrize("name", TRAVERSAL)
def test_folder_name_rule_rejects_paths_and_control_characters(name):
    with pytest.raises(ValueError, match=r"^period label .* cannot be a folder name: it (contains|starts)"):
        safe_folder_name(name, "period label")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        (".hidden", "starts with a dot"),
        (" padded", "starts or ends with a space"),
        ("FY2025.", "ends with a dot"),
        ("line\nbreak", "control character"),
        ("right\u202eleft", "control character"),  # the override that makes "gpj.exe" read "exe.jpg"
        ("x" * (MAX_NAME_LENGTH + 1), f"{MAX_NAME_LENGTH + 1} characters long"),
        ("", "non-empty"),
    ],
)
def test_folder_name_rule_says_why(name, why):
    with pytest.raises(ValueError, match=why):
        safe_folder_name(name, "client")


@pytest.mark.parametrize(
    "name", ["华东 区 2025-Q4", "acme", "2025-Q4", "FY2025", "Acme Ltd", "a..b", "x" * MAX_NAME_LENGTH]
)
def test_folder_name_rule_allows_ordinary_names(name):
    assert safe_folder_name(name, "client") == name


def test_confined_returns_the_resolved_folder_inside_the_root(tmp_path):
    root = tmp_path / "outputs"
    assert confined(root, "华东 区", "2025-Q4") == root.resolve() / "华东 区" / "2025-Q4"
    assert confined(str(tmp_path / "x" / ".." / "outputs"), "acme", "Q4") == root.resolve() / "acme" / "Q4"


@pytest.mark.parametrize(
    "parts", [("acme", "../../../escaped"), ("..", "2025-Q4"), ("/etc",), ("acme", "/etc"), (".",), ("acme", "..")]
)
def test_confined_refuses_a_folder_outside_the_root(tmp_path, parts):
    with pytest.raises(SalesnbError, match="not inside the output root"):
        confined(tmp_path / "outputs", *parts)


def test_confined_follows_symbolic_links(tmp_path):
    root = tmp_path / "outputs"
    root.mkdir()
    (root / "acme").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(SalesnbError, match="not inside the output root"):
        confined(root, "acme", "2025-Q4")


def _params(tmp_path: Path, *, client: str, period: object) -> Path:
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params.update(client=client, period=period)
    params["data"]["base_dir"] = str(tmp_path / "no-data")  # the names must be refused before any data is read
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("client", "label"),
    [
        ("acme", "../../../escaped"),
        ("..", "escaped"),
        ("acme", "/tmp/escaped"),
        ("acme", "C:\\escaped"),
        ("acme", "esc\x00aped"),
    ],
)
def test_run_refuses_names_that_leave_the_output_root(tmp_path, client, label):
    root = tmp_path / "a" / "b" / "outputs"
    params = _params(tmp_path, client=client, period={"label": label, "start": "2025-10-01", "end": "2025-12-31"})
    with pytest.raises(SalesnbError, match="folder name|not inside the output root|not a usable path"):
        run(params, only=["audit"], output_root=root, notebooks_dir=tmp_path / "none", progress=lambda _: None)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != params]
    assert written == [], f"a refused run wrote {written}"


def test_run_refuses_an_output_folder_linked_outside_the_root(tmp_path):
    root, elsewhere = tmp_path / "outputs", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    (root / "acme").symlink_to(elsewhere, target_is_directory=True)
    params = _params(tmp_path, client="acme", period="2025-Q4")
    with pytest.raises(SalesnbError, match="not inside the output root"):
        run(params, only=["audit"], output_root=root, notebooks_dir=tmp_path / "none", progress=lambda _: None)
    assert list(elsewhere.iterdir()) == []


def test_confined_reports_an_unusable_path_as_one_sentence(tmp_path):
    with pytest.raises(SalesnbError, match="not a usable path"):
        confined(tmp_path, "acme", "Q4\x00")
