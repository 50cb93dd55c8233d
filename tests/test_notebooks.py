"""The report notebooks stay short: each section cell is a few calls (heading, notes, table, chart,
export), the words are assembled in the reports' text modules (salesnb/analysis/*_text.py), and the
committed notebooks carry no outputs. `ruff` lints them with notebooks/ruff.toml (lines of at most 100
characters)."""

from __future__ import annotations

import ast
import inspect
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from salesnb.config import NOTEBOOKS_DIR
from salesnb.render.report import Report

MAX_LINE = 100
# The parameters cell and the setup cell after it (imports, open_report, the analysis) may be longer.
SETUP_CELLS = 2
MAX_CELL_LINES = 8
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
# Text assembled in a notebook: joined strings, a label looked up by hand, a number formatted in an f-string.
ASSEMBLY = {
    "str.join": re.compile(r"""["']\.join\("""),
    "report.t": re.compile(r"\breport\.t\("),
    "format spec": re.compile(r"""\bf(["'])[^"']*\{[^}]*:[^}]*\}[^"']*\1"""),
}


def code_cells(path: Path) -> list[dict]:
    return [cell for cell in json.loads(path.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "code"]


def lines_of(cell: dict) -> list[str]:
    return "".join(cell["source"]).splitlines()


def test_there_are_notebooks_and_ruff_lints_them_at_the_same_length():
    assert [p.stem[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04"]
    config = tomllib.loads((NOTEBOOKS_DIR / "ruff.toml").read_text(encoding="utf-8"))
    assert config["line-length"] == MAX_LINE
    assert "E501" in config["lint"]["extend-select"]  # the package's ignore of E501 is inherited otherwise
    project = tomllib.loads((NOTEBOOKS_DIR.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert "notebooks" not in project["tool"]["ruff"].get("extend-exclude", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_code_line_fits(path):
    long = [
        f"cell {i}, line {n}: {len(line)} characters"
        for i, cell in enumerate(code_cells(path))
        for n, line in enumerate(lines_of(cell), start=1)
        if len(line) > MAX_LINE
    ]
    assert not long, f"{path.name}: lines over {MAX_LINE} characters:\n" + "\n".join(long)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_committed_without_outputs(path):
    cells = code_cells(path)
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in cells)
    assert cells[0]["metadata"].get("tags") == ["parameters"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_section_cells_are_short(path):
    sizes = {i: len(lines_of(cell)) for i, cell in enumerate(code_cells(path)) if i >= SETUP_CELLS}
    longest = max(sizes, key=sizes.get)
    assert sizes[longest] <= MAX_CELL_LINES, (
        f"{path.name}: cell {longest} has {sizes[longest]} lines (at most {MAX_CELL_LINES}): move the notes, "
        "skip reasons and display frames it assembles into the report's text module"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_assemble_no_text(path):
    found = [
        f"cell {i}: {what}: {line.strip()}"
        for i, cell in enumerate(code_cells(path))
        for line in lines_of(cell)
        for what, pattern in ASSEMBLY.items()
        if pattern.search(line)
    ]
    assert not found, f"{path.name} assembles text; move it to the report's text module:\n" + "\n".join(found)


def returns_a_value(method: str) -> bool:
    member = getattr(Report, method, None)
    return callable(member) and inspect.signature(member).return_annotation not in ("None", None)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_ends_with_a_value_jupyter_would_print(path):
    # A cell whose last statement is `report.skip(...)` (a bool) or `report.heading(...)` (the anchor)
    # would print False or the anchor in the report; `if not report.skip(...):` or another order avoids it.
    printed = []
    for i, cell in enumerate(code_cells(path)):
        body = ast.parse("".join(cell["source"])).body
        last = body[-1].value if body and isinstance(body[-1], ast.Expr) else None
        if isinstance(last, ast.Call) and isinstance(last.func, ast.Attribute) and returns_a_value(last.func.attr):
            printed.append(f"cell {i}: {ast.unparse(last)}")
    assert not printed, f"{path.name}: cells ending with a value Jupyter prints:\n" + "\n".join(printed)
    assert returns_a_value("skip") and returns_a_value("heading") and not returns_a_value("note")


def test_ruff_refuses_a_long_notebook_line(tmp_path):
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (the test extra installs it)")
    cell = {"cell_type": "code", "execution_count": None, "id": "x", "metadata": {}, "outputs": []}
    for size, fails in ((MAX_LINE, False), (MAX_LINE + 1, True)):
        source = 'text = "' + ("word " * 30)[: size - 9] + '"'
        assert len(source) == size
        notebook = {"cells": [{**cell, "source": [source]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        path = tmp_path / f"n{size}.ipynb"
        path.write_text(json.dumps(notebook), encoding="utf-8")
        config = str(NOTEBOOKS_DIR / "ruff.toml")
        result = subprocess.run(
            [ruff, "check", "--no-cache", "--config", config, str(path)], capture_output=True, text=True
        )
        assert (result.returncode != 0) == fails, result.stdout + result.stderr
        assert ("E501" in result.stdout) == fails, result.stdout
