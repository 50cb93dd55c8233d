"""Run the report notebooks for one params file: validate, execute with papermill, render HTML.

The params file and the data are checked before any kernel starts, and every path a
notebook receives is absolute. One run writes to an output folder at a time (a lock
file in it). A run writes everything into a staging folder beside the output folder
and moves each report's set (HTML, exports, executed notebook) in only at the end: a
failed, interrupted or killed run never leaves a report half replaced, and a failed
notebook keeps the last good set of its report. Each notebook runs in a worker process
on a kernel pinned to this interpreter, over IPC sockets (no TCP ports, so parallel
kernels cannot clash) kept in a temporary folder of the run, which goes away with the
kernels at the end, on Ctrl-C and on SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from multiprocessing import connection, get_context
from pathlib import Path

from salesnb.config import KERNEL_NAME, NOTEBOOKS_DIR, OUTPUTS_DIR, REPORTS
from salesnb.data import SNAPSHOT_ID_FILE, deal_dates, read_canonical, save_snapshot
from salesnb.data.anonymise import anonymise as anonymise_load
from salesnb.data.anonymise import check_key_location
from salesnb.data.anonymise import enable as enable_anonymise
from salesnb.errors import SalesnbError
from salesnb.labels import t
from salesnb.params import Params, load_params
from salesnb.render.report import SUMMARY_SUFFIX
from salesnb.run.checks import check_against_data
from salesnb.run.worker import (
    NotebookResult,
    failed,
    serve,
)
from salesnb.safety import confined

SNAPSHOT_DIR = "_snapshot"
STATUS_FILE = "run_status.json"
# The deals' date span and row counts, for the executive index (written beside the snapshot).
DATA_WINDOW_FILE = "data_window.json"
KERNEL_DIR_PREFIX = "salesnb-run-"
# A Unix socket path holds at most 103 bytes on macOS (107 on Linux); the kernel folder's sockets are
# "<folder>/<8 hex>-ipc-<n>", so the folder's path must stay well under that.
KERNEL_DIR_MAX = 80
LOCK_FILE = ".salesnb.lock"
LOCK_INFO_FILE = ".salesnb.run.json"
STAGING_MARK = ".staging-"
# A failed notebook's executed copy when the report has a last good set to keep.
FAILED_SUFFIX = ".failed.ipynb"
KERNEL_STOP_WAIT_S = 3.0
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class RunTerminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C (not caught by ``except Exception``) so clean-up runs."""


@dataclass(frozen=True)
class RunResult:
    params: Params
    output_dir: Path
    results: list[NotebookResult]
    index: Path

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


def ensure_kernel() -> str:
    """Register the ``salesnb`` kernel for this interpreter and make it the one Jupyter finds.

    The spec goes into this environment's ``share/jupyter`` (or a temporary folder when
    that is read-only), and that folder is put first on JUPYTER_PATH for this process
    and its children, so a same-named kernel elsewhere cannot shadow it.
    """
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"salesnb ({Path(sys.prefix).name})",
        "language": "python",
        "metadata": {"debugger": False},
    }
    for root in (
        Path(sys.prefix) / "share" / "jupyter",
        Path(tempfile.gettempdir()) / f"salesnb-jupyter-{os.getuid()}",
    ):
        kernel_dir = root / "kernels" / KERNEL_NAME
        try:
            kernel_dir.mkdir(parents=True, exist_ok=True)
            target = kernel_dir / "kernel.json"
            if not target.is_file() or json.loads(target.read_text()) != spec:
                target.write_text(json.dumps(spec, indent=1))
        except OSError:
            continue
        paths = [str(root)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p and p != str(root)]
        os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)
        return str(kernel_dir)
    raise SalesnbError("cannot write a Jupyter kernel spec for salesnb (no writable folder)")


def select_reports(params: Params, only: list[str] | None) -> list[str]:
    """Report keys to run: all enabled ones, or those named in ``only``."""
    if only:
        unknown = [name for name in only if name not in REPORTS]
        if unknown:
            raise SalesnbError(f"unknown report(s) {unknown} in --only; choose from {', '.join(REPORTS)}.")
        return [name for name in REPORTS if name in only]
    return [name for name in REPORTS if getattr(params.reports, name).enabled]


def run(
    params_path: str | Path,
    *,
    only: list[str] | None = None,
    jobs: int = 1,
    output_root: Path | None = None,
    notebooks_dir: Path | None = None,
    wait: bool = True,
    pdf: bool = False,
    anonymise: bool = False,
    progress: Callable[[str], None] = print,
) -> RunResult:
    """Validate, execute and render the reports of one params file.

    ``wait`` says what happens when another run is writing to the same output folder:
    wait for it with a message (the default), or stop at once with a :class:`SalesnbError`.
    On SIGTERM the kernels, their files and the staging folder are removed and the run
    exits with status 143; the output folder is left as it was. ``pdf`` also prints each report to
    PDF (:mod:`salesnb.render.pdf`); without Chromium the run says how to enable it and goes on. ``anonymise``
    turns on anonymised sharing (:mod:`salesnb.data.anonymise`) whatever the params file says.
    """
    started = time.perf_counter()
    params = load_params(params_path)
    if anonymise:
        params = enable_anonymise(params)
    reports = select_reports(params, only)
    progress(f"params ok: {params.source_path} (client {params.client}, period {params.period.label})")
    output_dir = prepare_output_dir(params, output_root)
    check_key_location(params, output_dir.parent.parent)  # the key never lands among the reports
    notebooks = Path(notebooks_dir or NOTEBOOKS_DIR).expanduser().resolve()
    with _sigterm_raises(), output_lock(output_dir, wait=wait, progress=progress):
        _remove_leftovers(output_dir)
        staging = output_dir.parent / f".{output_dir.name}{STAGING_MARK}{uuid.uuid4().hex[:8]}"
        kernel_dir: Path | None = None
        try:
            try:
                staging.mkdir()
            except OSError as exc:
                raise SalesnbError(_unwritable(staging.parent, exc)) from None
            kernel_dir = make_kernel_dir()
            canonical, load_report = read_canonical(params)
            deals = load_report.accounts["deals"]
            progress(
                f"data ok: {deals.rows_read:,} deal rows read, {deals.rows_used:,} used, "
                f"{deals.rows_excluded:,} excluded ({time.perf_counter() - started:.1f}s)"
            )
            try:
                check_against_data(params, canonical.tables)  # names in params that the data must hold
                if params.anonymise.enabled:  # names replaced before anything is written
                    canonical, load_report = anonymise_load(params, canonical, load_report)
                    progress(f"anonymised: {_counted(load_report.anonymised.counts)} replaced by pseudonyms")
                snapshot = save_snapshot(canonical, load_report, staging / SNAPSHOT_DIR)
                window = data_window(canonical.tables["deals"], deals.rows_read, load_report.loaded_at)
                (snapshot / DATA_WINDOW_FILE).write_text(json.dumps(window), encoding="utf-8")
            finally:
                canonical.close()  # kernels read the snapshot: nothing of the load stays open while they run
            snapshot_id = uuid.uuid4().hex
            (snapshot / SNAPSHOT_ID_FILE).write_text(snapshot_id, encoding="utf-8")
            ensure_kernel()
            tasks = [
                (name, REPORTS[name], str(params.source_path), str(snapshot), str(staging), str(notebooks))
                for name in reports
            ]
            options = {
                "kernel_dir": str(kernel_dir),
                "snapshot_id": snapshot_id,
                "pdf_with": _pdf_engine(pdf, progress),
            }
            results = _execute(tasks, options, jobs=jobs, output_dir=output_dir, progress=progress)
            with _signals_held():  # SIGINT/SIGTERM wait until the new set is in place
                results = _publish(results, staging, output_dir)
                index = write_index(params, output_dir)
        except (KeyboardInterrupt, RunTerminated) as exc:
            with _signals_held():
                _stop_kernels(kernel_dir)
                shutil.rmtree(staging, ignore_errors=True)
            why = "SIGTERM" if isinstance(exc, RunTerminated) else "Ctrl-C"
            progress(f"stopped by {why}: kernels shut down, {output_dir} left as it was before this run")
            if isinstance(exc, RunTerminated):
                raise SystemExit(128 + signal.SIGTERM) from None
            raise
        finally:
            with _signals_held():
                _stop_kernels(kernel_dir)
                shutil.rmtree(staging, ignore_errors=True)
    progress(f"index: {index} ({time.perf_counter() - started:.1f}s in all)")
    return RunResult(params, output_dir, results, index)


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {what}" for what, n in counts.items())


def prepare_output_dir(params: Params, output_root: str | Path | None) -> Path:
    """The absolute output folder ``<root>/<client>/<period>``, created and checked writable.

    A folder that cannot be created or written to is a :class:`SalesnbError` (one paragraph)
    raised before any data is read or kernel started. The staging folder goes beside the output
    folder, so its parent must be writable as well.
    """
    root = Path(output_root).expanduser().resolve() if output_root is not None else OUTPUTS_DIR
    output_dir = confined(root, params.client, params.period.label)
    folder = output_dir
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        for folder in (output_dir, output_dir.parent):
            probe = folder / f".salesnb-probe-{uuid.uuid4().hex[:8]}"
            probe.mkdir()
            probe.rmdir()
    except OSError as exc:
        raise SalesnbError(_unwritable(folder, exc)) from None
    return output_dir


def _unwritable(folder: Path, exc: OSError) -> str:
    why = exc.strerror or str(exc)
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(folder) else ""
    return (
        f"cannot write to the output folder {folder}: {why}{where}. Choose another output root with --out, "
        "or make this one writable; nothing was run."
    )


@contextmanager
def output_lock(output_dir: Path, *, wait: bool = True, progress: Callable[[str], None] = print) -> Iterator[None]:
    """Hold the output folder's lock file while a run writes to it.

    When another run holds it, wait for that run with a message, or (``wait=False``) raise a
    :class:`SalesnbError` at once. The holder's pid and start time are kept beside the lock
    so the message can name them. The lock is the operating system's (``flock``): a killed
    run releases it.
    """
    from filelock import FileLock, Timeout

    lock = FileLock(str(output_dir / LOCK_FILE))
    info = output_dir / LOCK_INFO_FILE
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            holder = _lock_holder(info)
            if not wait:
                raise SalesnbError(
                    f"another salesnb run ({holder}) is writing to {output_dir}; nothing was changed. Wait for it "
                    "to finish, or run again without --no-wait to wait for it."
                ) from None
            progress(f"waiting for the run in {output_dir} ({holder}) to finish; Ctrl-C stops waiting …")
            lock.acquire()
    except OSError as exc:
        raise SalesnbError(_unwritable(output_dir, exc)) from None
    try:
        started = datetime.now().isoformat(timespec="seconds")
        info.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": started}))
        yield
    finally:
        info.unlink(missing_ok=True)
        lock.release()


def _lock_holder(info: Path) -> str:
    try:
        holder = json.loads(info.read_text())
    except (OSError, ValueError):
        return "pid unknown"
    return f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, started {holder.get('started', '?')}"


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into :class:`RunTerminated` (once: a second one cannot interrupt the clean-up)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigterm(signum, frame) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise RunTerminated(signum)

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (they arrive afterwards) while files are moved or removed."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _kernel_dir_parents() -> list[Path]:
    # The temp folder, and /tmp when the temp folder's path is too long for socket paths (macOS's
    # per-user TMPDIR can be).
    parents = [Path(tempfile.gettempdir())]
    if Path("/tmp").is_dir() and Path("/tmp") not in parents:
        parents.append(Path("/tmp"))
    return parents


def make_kernel_dir() -> Path:
    """A private folder (mode 700) for this run's kernel connection files, IPC sockets and pids."""
    for parent in _kernel_dir_parents():
        if len(str(parent / f"{KERNEL_DIR_PREFIX}{os.getpid()}-12345678")) > KERNEL_DIR_MAX:
            continue
        try:
            return Path(tempfile.mkdtemp(prefix=f"{KERNEL_DIR_PREFIX}{os.getpid()}-", dir=parent))
        except OSError:
            continue
    raise SalesnbError(
        f"no temporary folder for the kernels' sockets: {tempfile.gettempdir()} is too long a path for a socket "
        "(or not writable), and so is /tmp. Set TMPDIR to a short writable folder, e.g. TMPDIR=/tmp."
    )


def _remove_leftovers(output_dir: Path) -> None:
    """Remove what killed runs left: staging folders of this output folder (we hold its lock) and
    kernel folders of runs whose process is gone (stopping any kernel still recorded there)."""
    for staging in output_dir.parent.glob(f".{output_dir.name}{STAGING_MARK}*"):
        shutil.rmtree(staging, ignore_errors=True)
    for folder in (f for parent in _kernel_dir_parents() for f in parent.glob(f"{KERNEL_DIR_PREFIX}*")):
        try:
            pid = int(folder.name.removeprefix(KERNEL_DIR_PREFIX).split("-")[0])
            mine = folder.is_dir() and folder.stat().st_uid == os.getuid()
        except (ValueError, OSError):
            continue
        if mine and not _alive(pid):
            _stop_kernels(folder)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_kernel_of(pid: int, folder: Path) -> bool:
    """Whether ``pid`` is still a kernel started for ``folder`` (guards against a reused pid)."""
    if not Path("/proc/self/cmdline").exists():  # no /proc (macOS): a recorded pid is taken as the kernel
        return _alive(pid)
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return str(folder) in cmdline or os.path.realpath(folder) in cmdline


def _stop_kernels(folder: Path | None) -> None:
    """Stop the kernels recorded in a run's kernel folder (TERM, then KILL) and remove the folder."""
    if folder is None:
        return
    pids = []
    for pid_file in folder.glob("*.pid"):
        try:
            pid = int(pid_file.read_text())
        except (OSError, ValueError):
            continue
        if _is_kernel_of(pid, folder):
            pids.append(pid)
    for signum in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signum)  # a kernel leads its own process group
        deadline = time.monotonic() + KERNEL_STOP_WAIT_S
        while time.monotonic() < deadline and any(_is_kernel_of(pid, folder) for pid in pids):
            time.sleep(0.05)
        pids = [pid for pid in pids if _is_kernel_of(pid, folder)]
        if not pids:
            break
    shutil.rmtree(folder, ignore_errors=True)


def _execute(
    tasks: list[tuple],
    options: dict[str, str],
    *,
    jobs: int,
    output_dir: Path,
    progress: Callable[[str], None],
) -> list[NotebookResult]:
    """Run the notebooks on ``jobs`` worker processes; results in report order.

    Notebooks never run in this process: papermill's kernel client installs its own SIGINT
    and SIGTERM handlers, and this process must stay the one that decides what a signal
    does. Workers are killed on the way out, whatever happened.
    """
    context = get_context("spawn")
    workers: list = []
    busy: dict = {}  # connection -> (worker, task)
    results: list[NotebookResult] = []
    pending = list(tasks)
    try:
        for _ in range(max(1, min(jobs, len(tasks)))):
            ours, theirs = context.Pipe()
            worker = context.Process(target=serve, args=(theirs, os.getpid()), daemon=True)
            worker.start()
            theirs.close()
            workers.append((worker, ours))
        idle = list(workers)
        if len(workers) > 1:
            progress(f"running {len(tasks)} notebooks on {len(workers)} workers …")
        while pending or busy:
            while pending and idle:
                worker, conn = idle.pop(0)
                task = pending.pop(0)
                if len(workers) == 1:
                    progress(f"[{len(tasks) - len(pending)}/{len(tasks)}] {task[1]} running …")
                conn.send((task, options))
                busy[conn] = (worker, task)
            ready = connection.wait([*busy, *(worker.sentinel for worker, _ in busy.values())])
            for conn, (worker, task) in list(busy.items()):
                if conn not in ready and worker.sentinel not in ready:
                    continue
                try:
                    result = conn.recv()
                except (EOFError, OSError):  # the worker died (out of memory, killed)
                    result = failed(task, f"worker process stopped (exit code {worker.exitcode})")
                else:
                    idle.append((worker, conn))
                del busy[conn]
                results.append(result)
                _announce(result, progress, output_dir)
            if pending and not idle and not busy:
                raise SalesnbError("every notebook worker stopped; see the messages above.")
    finally:
        for worker, conn in workers:
            if worker.is_alive():
                worker.kill()  # SIGKILL: its kernel is stopped through the kernel folder
            worker.join(timeout=5)
            conn.close()
    return sorted(results, key=lambda r: list(REPORTS.values()).index(r.stem))


def _pdf_engine(wanted: bool, progress: Callable[[str], None]) -> str:
    """The Chromium to print PDFs with ("" when not wanted or not found, with how to enable it)."""
    if not wanted:
        return ""
    from salesnb.render.pdf import HOW_TO_ENABLE, find_chromium

    chromium = find_chromium()
    if chromium is None:
        progress(f"no PDFs this run: {HOW_TO_ENABLE}")
        return ""
    progress(f"PDFs with {chromium}")
    return chromium


def _published_paths(result: NotebookResult, output_dir: Path) -> NotebookResult:
    """Where a result's files are once the set is swapped in."""
    if result.ok:
        return replace(result, html=output_dir / f"{result.stem}.html", executed=output_dir / f"{result.stem}.ipynb")
    keeps_last_good = (output_dir / f"{result.stem}.html").is_file()
    name = f"{result.stem}{FAILED_SUFFIX}" if keeps_last_good else f"{result.stem}.ipynb"
    return replace(result, executed=output_dir / name)


def _report_files(folder: Path, stem: str) -> list[Path]:
    # A report's set: every file named with its number ("01_diagnosis.html", "01_rep_scorecard.csv", …).
    prefix = stem.split("_", 1)[0] + "_"
    return [p for p in folder.iterdir() if p.is_file() and p.name.startswith(prefix)]


def _publish(results: list[NotebookResult], staging: Path, output_dir: Path) -> list[NotebookResult]:
    """Move each report's new set from staging into the output folder.

    A report that rendered replaces its whole set (files of the old set it no longer
    writes are removed). A report that failed keeps its last good set untouched; its
    executed notebook goes beside it as ``<stem>.failed.ipynb`` (or as ``<stem>.ipynb`` when
    there is no good set to keep), and its status file says it is stale. The snapshot is
    replaced when at least one report rendered from it.
    """
    published = []
    for result in results:
        final = _published_paths(result, output_dir)
        if result.ok:
            new = _report_files(staging, result.stem)
            names = {p.name for p in new}
            for old in _report_files(output_dir, result.stem):
                if old.name not in names:
                    old.unlink()
            for path in new:
                os.replace(path, output_dir / path.name)
        elif result.executed.is_file():
            os.replace(result.executed, final.executed)
        status = staging / f".{result.stem}.status.json"
        if status.is_file():
            os.replace(status, output_dir / status.name)
        published.append(final)
    if any(r.ok for r in results) and (staging / SNAPSHOT_DIR).is_dir():
        current = output_dir / SNAPSHOT_DIR
        if current.exists():
            os.replace(current, staging / f"{SNAPSHOT_DIR}.previous")  # removed with the staging folder
        os.replace(staging / SNAPSHOT_DIR, current)
    return published


def _announce(result: NotebookResult, progress: Callable[[str], None], output_dir: Path) -> NotebookResult:
    final = _published_paths(result, output_dir)
    if result.ok:
        size = result.html.stat().st_size / 1024 if result.html and result.html.is_file() else 0
        progress(f"  ✓ {result.stem} → {final.html} ({result.seconds:.1f}s, {size:,.0f} KB)")
        if result.note:
            progress(f"    {result.note}")
    else:
        progress(f"  ✗ {result.stem} FAILED ({result.seconds:.1f}s): {result.error}")
        progress(f"    executed notebook kept for debugging: {final.executed}")
    return result


def data_window(deals, rows_read: int, loaded_at: datetime) -> dict[str, object]:
    """First and last date of the clean deals (created or closed) and how many rows were used of those read.

    One aggregate query, on whichever engine holds the deals.
    """
    row = deal_dates(deals)
    firsts = [v for v in (row["first_created"], row["first_closed"]) if v == v and v is not None]
    lasts = [v for v in (row["last_created"], row["last_closed"]) if v == v and v is not None]
    return {
        "first": f"{min(firsts):%Y-%m-%d}" if firsts else None,
        "last": f"{max(lasts):%Y-%m-%d}" if lasts else None,
        "used": int(row["used"]),
        "read": int(rows_read),
        "loaded_at": f"{loaded_at:%Y-%m-%d %H:%M}",
    }


def write_index(params: Params, output_dir: Path) -> Path:
    """The executive index: data window and freshness, KPI tiles, each report's first findings and status.

    Everything comes from files of the published sets (each report's ``<stem>.summary.json``, the
    snapshot's data window and the status files), so a stale report's findings are the ones its
    page shows, and say so.
    """
    from salesnb.render.html import IndexReport, index_page

    lang = params.language
    reports = []
    for report, stem in REPORTS.items():
        status_file = output_dir / f".{stem}.status.json"
        html_file = output_dir / f"{stem}.html"
        if not status_file.is_file() and not html_file.is_file():
            continue
        status = _read_json(status_file) or {"ok": True}
        if status.get("ok"):
            state, href = "ok", html_file.name
        elif html_file.is_file():
            state, href = "stale", html_file.name
        else:
            state, href = "failed", f"{stem}.ipynb"
        summary = _read_json(output_dir / f"{stem}{SUMMARY_SUFFIX}") if state != "failed" else {}
        reports.append(
            IndexReport(
                key=report,
                title=t(f"{report}.title", lang),
                href=href,
                state=state,
                error="" if status.get("ok") else status.get("error", ""),
                findings=list(summary.get("findings", []))[:3],
                anchor=summary.get("findings_anchor", ""),
                tiles=list(summary.get("tiles", [])),
                pdf=f"{stem}.pdf" if state != "failed" and (output_dir / f"{stem}.pdf").is_file() else "",
            )
        )
    window = _read_json(output_dir / SNAPSHOT_DIR / DATA_WINDOW_FILE)
    index = output_dir / "index.html"
    page = index_page(params=params, reports=reports, window=window, generated=datetime.now())
    temporary = index.with_suffix(".html.tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(index)
    return index


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
