"""Issue 13, items 1, 5, 6, 7 (unwritable --out) and 8: runs that read only their own data, one run per
output folder, output sets swapped in whole, and nothing left behind by a run that is stopped or killed."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import yaml

from salesnb.config import REPO_ROOT
from salesnb.data import SNAPSHOT_ID_ENV, SNAPSHOT_ID_FILE, check_snapshot_id
from salesnb.errors import DataError, SalesnbError
from salesnb.run.runner import (
    KERNEL_DIR_MAX,
    KERNEL_DIR_PREFIX,
    LOCK_INFO_FILE,
    STAGING_MARK,
    _remove_leftovers,
    make_kernel_dir,
    run,
)

# Module fixtures here are expensive (loads or renders): keep this file on one xdist worker, run together,
# so each fixture is set up once.
pytestmark = pytest.mark.xdist_group("security-runs")

CLI = [sys.executable, "-m", "salesnb.run.cli", "run"]
# client and period of params/demo.yaml: the output folder is <out>/demo/2025-Q4
SET_PARTS = ("demo", "2025-Q4")


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) → sha256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def env_with_tmp(tmpdir: Path) -> dict[str, str]:
    return {**os.environ, "TMPDIR": str(tmpdir)}


def short_tmp() -> Path:
    # A fresh temp folder for a run, short enough for socket paths (pytest's tmp_path is not always).
    return Path(tempfile.mkdtemp(prefix="snb-", dir="/tmp" if Path("/tmp").is_dir() else None))


@pytest.fixture
def tmpdir_for_run() -> Iterator[Path]:
    folder = short_tmp()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A folder outside the repository with a tiny demo data set and a params file, both named relatively."""
    from salesnb.demo import write_demo

    folder = tmp_path_factory.mktemp("work")
    write_demo(folder / "demo_data", n_deals=200, seed=7)
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = "demo_data"
    (folder / "p.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def relative_run(work) -> Iterator[tuple[subprocess.CompletedProcess, dict[str, str], Path, list[str]]]:
    """`salesnb run p.yaml --out out_rel --only audit` started in ``work``: its result, the files of ``work``
    before the run, the output folder (the previous good set for the other tests) and what the run left
    in its temp folder."""
    before = tree(work)
    tmpdir = short_tmp()
    done = subprocess.run(
        [*CLI, "p.yaml", "--out", "out_rel", "--only", "audit"],
        cwd=work,
        env=env_with_tmp(tmpdir),
        capture_output=True,
        text=True,
        timeout=600,
    )
    left = sorted(p.name for p in tmpdir.iterdir())
    shutil.rmtree(tmpdir, ignore_errors=True)
    yield done, before, work / "out_rel" / Path(*SET_PARTS), left


@pytest.fixture
def previous_set(relative_run, tmp_path) -> Path:
    """A copy of a good audit set in a fresh output root; returns its output folder."""
    output_dir = tmp_path / "root" / Path(*SET_PARTS)
    shutil.copytree(relative_run[2], output_dir)
    return output_dir


def test_relative_out_from_another_folder_renders_this_runs_data(relative_run, work):
    done, before, output_dir, left_in_tmp = relative_run
    assert done.returncode == 0, done.stderr[-2000:]
    console = re.search(r"data ok: ([\d,]+) deal rows read", done.stdout)
    page = (output_dir / "00_data_audit.html").read_text(encoding="utf-8")
    shown = re.search(r"([\d,]+) deal rows read", page)
    assert console and shown and console.group(1) == shown.group(1) == "205"
    # Everything the run wrote is under out_rel; nothing new elsewhere in the working folder.
    new = set(tree(work)) - set(before)
    assert new and all(name.startswith("out_rel/") for name in new), sorted(new)
    assert output_dir.resolve() == (work / "out_rel" / "demo" / "2025-Q4").resolve()
    assert not list(output_dir.parent.glob(f"*{STAGING_MARK}*")), "the staging folder must be gone"
    # The kernel got absolute paths only, and the snapshot it read carries this run's id.
    nb = nbformat.read(output_dir / "00_data_audit.ipynb", as_version=4)
    injected = next(c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    paths = dict(re.findall(r'(params_path|snapshot_dir) = "([^"]*)"', injected))
    assert set(paths) == {"params_path", "snapshot_dir"}
    assert all(os.path.isabs(p) for p in paths.values()), paths
    assert (output_dir / "_snapshot" / SNAPSHOT_ID_FILE).read_text().strip()
    # Kernel connection files and IPC sockets went with the kernels.
    assert left_in_tmp == []


def tiny_notebook(path: Path, code: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "salesnb", "language": "python", "display_name": "salesnb"}
    nb.cells = [
        nbformat.v4.new_code_cell('params_path = ""\nsnapshot_dir = ""', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(code),
    ]
    nbformat.write(nb, path)


DIAGNOSIS_STUB = """\
import os
import pandas as pd
from salesnb.render.report import open_report
assert os.path.isabs(params_path) and os.path.isabs(snapshot_dir), (params_path, snapshot_dir)
assert open(os.path.join(snapshot_dir, "snapshot_id")).read() == os.environ["SALESNB_SNAPSHOT_ID"]
report = open_report("diagnosis", params_path, snapshot_dir)
report.export(pd.DataFrame({"deals": [report.data.report.accounts["deals"].rows_used]}), "01_rep_scorecard")
"""


def test_failed_notebook_keeps_its_reports_last_good_set(previous_set, work, tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    tiny_notebook(notebooks / "00_data_audit.ipynb", "raise RuntimeError('planted failure')")
    tiny_notebook(notebooks / "01_diagnosis.ipynb", DIAGNOSIS_STUB)
    # An old diagnosis set whose export this run no longer writes.
    (previous_set / "01_diagnosis.html").write_text("old diagnosis")
    (previous_set / "01_old_export.csv").write_text("old")
    audit_before = {name: sha for name, sha in tree(previous_set).items() if name.startswith("00_")}
    assert {"00_data_audit.html", "00_data_audit.ipynb", "00_excluded_rows.csv", "00_excluded_rows.xlsx"} <= set(
        audit_before
    )
    lines: list[str] = []
    result = run(
        work / "p.yaml",
        only=["audit", "diagnosis"],
        output_root=tmp_path / "root",
        notebooks_dir=notebooks,
        progress=lines.append,
    )
    assert [(r.stem, r.ok) for r in result.results] == [("00_data_audit", False), ("01_diagnosis", True)]
    after = tree(previous_set)
    # The failed report's set is untouched, byte for byte; its executed copy is kept beside it.
    assert {name: sha for name, sha in after.items() if name.startswith("00_") and "failed" not in name} == (
        audit_before
    )
    failed = nbformat.read(previous_set / "00_data_audit.failed.ipynb", as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in failed.cells for o in c.get("outputs", []))
    assert any(
        line.endswith("kept for debugging: " + str(previous_set / "00_data_audit.failed.ipynb")) for line in lines
    )
    # The report that rendered replaced its whole set.
    assert "01_old_export.csv" not in after
    assert (previous_set / "01_diagnosis.html").read_text(encoding="utf-8") != "old diagnosis"
    assert (previous_set / "01_rep_scorecard.csv").read_text(encoding="utf-8-sig").split() == ["deals", "200"]
    status = json.loads((previous_set / ".00_data_audit.status.json").read_text())
    assert status["ok"] is False and "planted failure" in status["error"]
    assert "failed this run; showing the last good version" in (previous_set / "index.html").read_text()
    assert sorted(p.name for p in previous_set.parent.iterdir()) == ["2025-Q4"], "no staging folder left"


def start_run(work: Path, out_root: Path, tmpdir: Path) -> tuple[subprocess.Popen, Path]:
    """Start `salesnb run --only audit` and return once its kernel runs: the process and its kernel folder."""
    process = subprocess.Popen(
        [*CLI, str(work / "p.yaml"), "--out", str(out_root), "--only", "audit"],
        env=env_with_tmp(tmpdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        pid_files = list(tmpdir.glob(f"{KERNEL_DIR_PREFIX}*/*.pid"))
        if pid_files:
            return process, pid_files[0].parent
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    out, err = process.communicate()
    pytest.fail(f"the run never started a kernel:\n{out}\n{err}")


def kernel_pids(kernel_dir: Path) -> list[int]:
    return [int(p.read_text()) for p in kernel_dir.glob("*.pid")]


def gone(pids: list[int], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            return True
        time.sleep(0.1)
    return False


def test_sigterm_mid_run_leaves_previous_set_and_no_kernel_files(previous_set, work, tmp_path, tmpdir_for_run):
    before = tree(previous_set)
    tmpdir = tmpdir_for_run
    process, kernel_dir = start_run(work, tmp_path / "root", tmpdir)
    pids = kernel_pids(kernel_dir)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, err[-2000:]
    assert "stopped by SIGTERM" in out and "Traceback" not in err
    assert tree(previous_set) == before, "the previous set must be byte-identical"
    assert sorted(p.name for p in previous_set.parent.iterdir()) == ["2025-Q4"], "no staging folder left"
    assert gone(pids, within=10), f"kernel processes {pids} still running"
    assert list(tmpdir.iterdir()) == [], "connection files, IPC sockets or other temp files were left"


def test_sigkill_mid_run_leaves_previous_set_byte_identical(previous_set, work, tmp_path, tmpdir_for_run, monkeypatch):
    before = tree(previous_set)
    tmpdir = tmpdir_for_run
    process, kernel_dir = start_run(work, tmp_path / "root", tmpdir)
    pids = kernel_pids(kernel_dir)
    process.kill()
    process.communicate(timeout=60)
    after = tree(previous_set)
    # A killed run cannot remove the note naming the lock's holder (the lock itself is released by the system).
    assert after.pop(LOCK_INFO_FILE, None) and after == before, "the previous set must be byte-identical"
    # The workers die with the runner and the kernels with their worker.
    assert gone(pids, within=30), f"kernel processes {pids} still running"
    # What SIGKILL could not clean, the next run on this folder removes before it starts.
    leftovers = [p for p in previous_set.parent.iterdir() if STAGING_MARK in p.name]
    assert leftovers and kernel_dir.exists()
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
    _remove_leftovers(previous_set)
    assert not any(p.exists() for p in leftovers) and not kernel_dir.exists()
    after = tree(previous_set)
    after.pop(LOCK_INFO_FILE, None)
    assert after == before


HOLD_LOCK = """\
import sys, time
from pathlib import Path
from salesnb.run.runner import output_lock
with output_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    Path(sys.argv[3]).touch()  # the last thing before the lock is released
"""


def test_second_run_on_the_same_folder_waits_or_stops(tmp_path, write_params):
    (tmp_path / "deals.csv").write_bytes(b"")  # the run fails fast once it holds the lock and reads the data
    params = write_params()
    output_dir = tmp_path / "root" / "acme" / "2025-Q4"
    output_dir.mkdir(parents=True)
    released = tmp_path / "released"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(output_dir), "4", str(released)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = tree(output_dir)
        with pytest.raises(SalesnbError, match=rf"another salesnb run \(pid {holder.pid} on .*\) is writing to"):
            run(params, output_root=tmp_path / "root", wait=False, progress=lambda _: None)
        assert tree(output_dir) == before, "a run that stops at the lock writes nothing"

        lines: list[str] = []
        with pytest.raises(DataError, match="deals.csv"):
            run(params, output_root=tmp_path / "root", progress=lines.append)
        assert released.exists(), "the second run went on before the first one finished"
        waiting = [line for line in lines if line.startswith("waiting for the run in")]
        assert waiting and f"(pid {holder.pid} " in waiting[0] and str(output_dir) in waiting[0]
    finally:
        holder.kill()
        holder.wait()


def test_unwritable_out_fails_before_any_kernel(work, tmp_path, tmpdir_for_run):
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o500)
    target = readonly
    try:
        if os.access(readonly, os.W_OK):
            # root writes into 0o500 folders; /proc refuses new folders to everyone
            target = Path("/proc/salesnb-readonly-out")
            try:
                target.mkdir()
            except OSError:
                pass
            else:
                target.rmdir()
                pytest.skip("this user can write into a 0o500 folder and into /proc: no read-only place to test")
        tmpdir = tmpdir_for_run
        done = subprocess.run(
            [*CLI, str(work / "p.yaml"), "--out", str(target)],
            env=env_with_tmp(tmpdir),
            capture_output=True,
            text=True,
        )
        assert done.returncode == 2
        assert "cannot write to the output folder" in done.stderr and "Traceback" not in done.stderr
        assert done.stderr.count("\n") == 1 and "data ok" not in done.stdout
        assert list(readonly.iterdir()) == [] and list(tmpdir.iterdir()) == []
    finally:
        readonly.chmod(0o700)


def test_out_that_is_a_file_fails_before_any_kernel(work, tmp_path, tmpdir_for_run):
    not_a_folder = tmp_path / "report.txt"
    not_a_folder.write_text("a file, not a folder")
    tmpdir = tmpdir_for_run
    done = subprocess.run(
        [*CLI, str(work / "p.yaml"), "--out", str(not_a_folder)],
        env=env_with_tmp(tmpdir),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    assert "cannot write to the output folder" in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "data ok" not in done.stdout
    assert not_a_folder.read_text() == "a file, not a folder" and list(tmpdir.iterdir()) == []


def test_snapshot_of_another_run_is_refused(tmp_path, monkeypatch):
    snapshot = tmp_path / "_snapshot"
    snapshot.mkdir()
    (snapshot / SNAPSHOT_ID_FILE).write_text("older-run")
    monkeypatch.delenv(SNAPSHOT_ID_ENV, raising=False)
    check_snapshot_id(snapshot)  # outside the runner any snapshot is accepted
    monkeypatch.setenv(SNAPSHOT_ID_ENV, "this-run")
    with pytest.raises(DataError, match="not written by the current run"):
        check_snapshot_id(snapshot)
    (snapshot / SNAPSHOT_ID_FILE).write_text("this-run")
    check_snapshot_id(snapshot)


def test_kernel_folder_avoids_a_temp_path_too_long_for_sockets(tmp_path, monkeypatch):
    long_tmp = tmp_path / ("x" * 60)
    long_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long_tmp))
    if not Path("/tmp").is_dir():
        pytest.skip("no /tmp to fall back to")
    folder = make_kernel_dir()
    try:
        assert folder.parent == Path("/tmp") and len(str(folder)) <= KERNEL_DIR_MAX
        assert folder.stat().st_mode & 0o077 == 0, "the kernel folder must be private"
    finally:
        folder.rmdir()
