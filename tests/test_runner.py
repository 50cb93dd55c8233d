"""The runner end to end: papermill → HTML on the demo (en, zh) and the Maven data, failures, parallel kernels."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from salesnb.config import NOTEBOOKS_DIR, REPO_ROOT
from salesnb.errors import DataError, ParamsError
from salesnb.run.runner import ensure_kernel, run
from salesnb.run.worker import run_notebook
from tests.renders import RENDERS, demo_params

CODE_MARKERS = (
    "open_report(",
    "data_audit(",
    'class="jp-InputArea',
    'class="jp-InputPrompt',
    'class="jp-CodeMirrorEditor',
)


def assert_clean_report(html_path: Path, executed: Path) -> str:
    page = html_path.read_text(encoding="utf-8")
    for marker in CODE_MARKERS:
        assert marker not in page, f"code leaked into the report: {marker}"
    assert not re.search(r'(src|href)="https?://', page), "the report loads something from the network"
    assert "<script src=" not in page
    assert "data:image/png;base64," in page, "charts must be embedded"
    nb = nbformat.read(executed, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    streams = [o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert not errors and not any("Traceback" in s for s in streams)
    return page


@pytest.mark.xdist_group(RENDERS)
def test_demo_report_in_english(demo_en_run):
    demo_run = demo_en_run
    assert demo_run.ok
    out = demo_run.output_dir
    assert out.parts[-2:] == ("demo", "2025-Q4")
    page = assert_clean_report(out / "00_data_audit.html", out / "00_data_audit.ipynb")
    for heading in ("Data audit", "Findings", "Row accounting", "Excluded rows and why", "Stage history coverage"):
        assert f">{heading}<" in page
    assert 'class="snb-toc"' in page and 'href="#audit-accounting"' in page
    assert "Client" in page and "Data snapshot" in page and "deals.csv" in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="00_data_audit.html"' in index and "up to date" in index


@pytest.mark.xdist_group(RENDERS)
def test_demo_audit_counts_planted_quirks(demo_en_run, demo_dir):
    demo_run = demo_en_run
    truth = json.loads((demo_dir / "ground_truth.json").read_text(encoding="utf-8"))
    page = (demo_run.output_dir / "00_data_audit.html").read_text(encoding="utf-8")
    quirks = truth["quirks"]
    excluded = sum(
        quirks[k]
        for k in ("duplicate_id", "negative_amount", "closed_before_created", "unknown_rep", "unparseable_created_at")
    )
    assert f"{excluded} excluded" in page
    exported = pd.read_csv(demo_run.output_dir / "00_excluded_rows.csv", dtype=str)
    assert len(exported) == excluded == truth["deals"]["quirk_rows"]
    assert exported["Reason"].value_counts().to_dict() == {
        "duplicate id": quirks["duplicate_id"],
        "negative amount": quirks["negative_amount"],
        "closed before created": quirks["closed_before_created"],
        "unknown rep": quirks["unknown_rep"],
        "unparseable created date": quirks["unparseable_created_at"],
    }
    assert sorted(exported.loc[exported["Reason"] == "unknown rep", "deal_id"]) == sorted(
        truth["quirk_rows"]["unknown_rep"]["deal_ids"]
    )
    assert pd.read_excel(demo_run.output_dir / "00_excluded_rows.xlsx").shape[0] == excluded


@pytest.mark.xdist_group(RENDERS)
def test_demo_report_in_chinese(demo_zh_run):
    result = demo_zh_run
    assert result.ok
    page = assert_clean_report(result.output_dir / "00_data_audit.html", result.output_dir / "00_data_audit.ipynb")
    for heading in ("数据审计", "主要发现", "行数核对", "被排除的行及原因", "阶段历史覆盖"):
        assert f">{heading}<" in page
    assert '@font-face { font-family: "SalesnbCJK"' in page  # Chinese renders without OS fonts
    assert 'lang="zh"' in page


@pytest.mark.xdist_group(RENDERS)
def test_maven_report(maven_run):
    result = maven_run
    assert result.ok
    page = assert_clean_report(result.output_dir / "00_data_audit.html", result.output_dir / "00_data_audit.ipynb")
    assert "8,800 deal rows read; all 8,800 used, none excluded." in page
    assert "4,238 won, 2,473 lost and 2,089 open deals" in page
    assert "5 of 35 listed reps have no deals" in page


def test_failing_notebook_keeps_last_good_html(tmp_path, demo_dir):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(NOTEBOOKS_DIR / "00_data_audit.ipynb", notebooks)
    params = demo_params(tmp_path, demo_dir)
    good = run(params, output_root=tmp_path / "o", notebooks_dir=notebooks, progress=lambda _: None)
    html_file = good.output_dir / "00_data_audit.html"
    before = html_file.read_bytes()

    nb = nbformat.read(notebooks / "00_data_audit.ipynb", as_version=4)
    nb.cells[2].source = "raise RuntimeError('planted failure')"
    nbformat.write(nb, notebooks / "00_data_audit.ipynb")
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "salesnb.run.cli",
            "run",
            str(params),
            "--out",
            str(tmp_path / "o"),
            "--notebooks",
            str(notebooks),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert bad.returncode == 1
    assert "00_data_audit FAILED" in bad.stdout
    assert re.search(r"cell \d+ \(raise RuntimeError\('planted failure'\)\): RuntimeError: planted failure", bad.stdout)
    assert html_file.read_bytes() == before
    # the failed execution sits beside the last good one, which stays as it was
    executed = nbformat.read(good.output_dir / "00_data_audit.failed.ipynb", as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in executed.cells for o in c.get("outputs", []))
    assert "failed this run; showing the last good version" in (good.output_dir / "index.html").read_text()


def test_bad_params_fail_before_any_kernel(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "client: x\nperiod: 2025-Q4\nstages: {order: [A, Won], won: Won, lost: Lost}\ndata: {base_dir: ., tabels: {}}\n"
    )
    with pytest.raises(ParamsError):
        run(bad, output_root=tmp_path, progress=lambda _: None)
    assert not (tmp_path / "x").exists()
    cli = subprocess.run([sys.executable, "-m", "salesnb.run.cli", "run", str(bad)], capture_output=True, text=True)
    assert cli.returncode == 2
    assert cli.stderr.count("\n") == 1 and "unknown key 'data.tabels'" in cli.stderr
    assert "Traceback" not in cli.stderr


def test_missing_column_fails_fast_in_cli(tmp_path, write_params):
    # No deal id column: the one column a deal cannot do without (an owner, dates, a status rule can be absent).
    (tmp_path / "deals.csv").write_text("rep_id,amount,status,created_at\nR1,5,won,2025-01-02\n", encoding="utf-8")
    cli = subprocess.run(
        [sys.executable, "-m", "salesnb.run.cli", "run", str(write_params())], capture_output=True, text=True
    )
    assert cli.returncode == 2 and "required column 'deal_id'" in cli.stderr and "Traceback" not in cli.stderr


def test_parallel_kernels_do_not_clash(tmp_path, demo_dir):
    from salesnb.data import read_canonical, save_snapshot
    from salesnb.params import load_params

    params = demo_params(tmp_path, demo_dir)
    frames, report = read_canonical(load_params(params))
    snapshot = save_snapshot(frames, report, tmp_path / "snap")
    ensure_kernel()
    jobs = [("audit", "00_data_audit", str(params), str(snapshot), str(tmp_path / f"out{i}")) for i in range(3)]
    with ProcessPoolExecutor(max_workers=3, mp_context=get_context("spawn")) as pool:
        results = list(pool.map(run_notebook, *zip(*jobs, strict=True)))
    assert [r.ok for r in results] == [True, True, True], [r.error for r in results]


def test_plain_papermill_works(tmp_path, demo_dir):
    out = tmp_path / "out.ipynb"
    papermill = Path(sys.executable).parent / "papermill"
    done = subprocess.run(
        [
            str(papermill),
            "notebooks/00_data_audit.ipynb",
            str(out),
            "-p",
            "params_path",
            str(demo_params(tmp_path, demo_dir)),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    nb = nbformat.read(out, as_version=4)
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for c in nb.cells for o in c.get("outputs", []))
    assert "Row accounting" in html


def test_data_error_names_file(tmp_path, write_params):
    (tmp_path / "deals.csv").write_bytes(b"")
    with pytest.raises(DataError, match="deals.csv: the file is empty"):
        run(write_params(), output_root=tmp_path, progress=lambda _: None)
