"""Run the report notebooks for one params file: validate, execute with papermill, render HTML.

The params file and the data are checked before any kernel starts. Each notebook
runs on a kernel pinned to this interpreter, over IPC sockets (no TCP ports, so
parallel kernels cannot clash). A failed notebook keeps its executed copy for
debugging and never replaces the last good HTML.
"""

from __future__ import annotations

import html
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import CaselessStrEnum

from salesnb.config import KERNEL_NAME, NOTEBOOKS_DIR, OUTPUTS_DIR, REPORTS
from salesnb.data import read_canonical, save_snapshot
from salesnb.errors import SalesnbError
from salesnb.labels import t
from salesnb.params import Params, load_params
from salesnb.report import OUTPUT_ENV, SNAPSHOT_ENV

SNAPSHOT_DIR = "_snapshot"
STATUS_FILE = "run_status.json"
CELL_TIMEOUT_S = 1800


class IpcKernelManager(AsyncKernelManager):
    """A kernel manager talking to its kernel over Unix sockets instead of TCP ports.

    Each manager gets its own socket path prefix: jupyter_client's default ("kernel-ipc"
    in the working folder) would be shared by kernels started from the same folder.
    """

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    def _ip_default(self) -> str:
        return os.path.join(tempfile.gettempdir(), f"salesnb-{os.getpid()}-{uuid.uuid4().hex[:12]}-ipc")


@dataclass(frozen=True)
class NotebookResult:
    report: str
    stem: str
    ok: bool
    seconds: float
    html: Path | None
    executed: Path
    error: str = ""


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
    progress: Callable[[str], None] = print,
) -> RunResult:
    """Validate, execute and render the reports of one params file."""
    started = time.perf_counter()
    params = load_params(params_path)
    reports = select_reports(params, only)
    progress(f"params ok: {params.source_path} (client {params.client}, period {params.period.label})")
    canonical, load_report = read_canonical(params)
    deals = load_report.accounts["deals"]
    progress(
        f"data ok: {deals.rows_read:,} deal rows read, {deals.rows_used:,} used, {deals.rows_excluded:,} excluded "
        f"({time.perf_counter() - started:.1f}s)"
    )
    output_dir = (output_root or OUTPUTS_DIR) / params.client / params.period.label
    try:
        snapshot = save_snapshot(canonical, load_report, output_dir / SNAPSHOT_DIR)
    finally:
        canonical.close()  # kernels read the snapshot: nothing of the load stays open while they run
    ensure_kernel()
    notebooks = str(notebooks_dir or NOTEBOOKS_DIR)
    tasks = [
        (name, REPORTS[name], str(params.source_path), str(snapshot), str(output_dir), notebooks) for name in reports
    ]
    results: list[NotebookResult] = []
    if jobs <= 1 or len(tasks) == 1:
        for i, task in enumerate(tasks, 1):
            progress(f"[{i}/{len(tasks)}] {task[1]} running …")
            results.append(_announce(run_notebook(*task), progress))
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(run_notebook, *task) for task in tasks]
            progress(f"running {len(tasks)} notebooks on {jobs} workers …")
            for future in as_completed(futures):
                results.append(_announce(future.result(), progress))
        results.sort(key=lambda r: list(REPORTS.values()).index(r.stem))
    index = write_index(params, output_dir)
    progress(f"index: {index} ({time.perf_counter() - started:.1f}s in all)")
    return RunResult(params, output_dir, results, index)


def _announce(result: NotebookResult, progress: Callable[[str], None]) -> NotebookResult:
    if result.ok:
        size = result.html.stat().st_size / 1024 if result.html else 0
        progress(f"  ✓ {result.stem} → {result.html} ({result.seconds:.1f}s, {size:,.0f} KB)")
    else:
        progress(f"  ✗ {result.stem} FAILED ({result.seconds:.1f}s): {result.error}")
        progress(f"    executed notebook kept for debugging: {result.executed}")
    return result


def run_notebook(
    report: str, stem: str, params_path: str, snapshot: str, output_dir: str, notebooks_dir: str = str(NOTEBOOKS_DIR)
) -> NotebookResult:
    """Execute one notebook with papermill and render it; never raises for a notebook error."""
    import nbformat
    import papermill as pm

    from salesnb.html import notebook_to_html

    started = time.perf_counter()
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    executed = out / f"{stem}.ipynb"
    target = out / f"{stem}.html"
    os.environ[SNAPSHOT_ENV] = snapshot
    os.environ[OUTPUT_ENV] = output_dir
    params = load_params(params_path)
    try:
        pm.execute_notebook(
            str(Path(notebooks_dir) / f"{stem}.ipynb"),
            str(executed),
            parameters={"params_path": params_path, "snapshot_dir": snapshot},
            kernel_name=KERNEL_NAME,
            kernel_manager_class="salesnb.runner.IpcKernelManager",
            cwd=str(NOTEBOOKS_DIR.parent),
            progress_bar=False,
            execution_timeout=CELL_TIMEOUT_S,
        )
    except pm.PapermillExecutionError as exc:
        first_line = (exc.source or "").strip().splitlines()[0][:70] if (exc.source or "").strip() else ""
        error = f"cell {exc.exec_count} ({first_line}): {exc.ename}: {exc.evalue.strip()}"
        _write_status(out, stem, ok=False, error=error)
        return NotebookResult(report, stem, False, time.perf_counter() - started, None, executed, error)
    except Exception as exc:  # kernel died, timeout, unreadable notebook: report it the same way
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        _write_status(out, stem, ok=False, error=error)
        return NotebookResult(report, stem, False, time.perf_counter() - started, None, executed, error)
    nb = nbformat.read(executed, as_version=4)
    page = notebook_to_html(
        nb,
        title=f"{t(f'{report}.title', params.language)} · {params.client} · {params.period.label}",
        lang=params.language,
    )
    temporary = target.with_suffix(".html.tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(target)  # atomic: a reader never sees half a report
    _write_status(out, stem, ok=True)
    return NotebookResult(report, stem, True, time.perf_counter() - started, target, executed)


def _write_status(out: Path, stem: str, *, ok: bool, error: str = "") -> None:
    # One small file per notebook, so parallel workers never write the same file.
    status = {"ok": ok, "error": error, "at": datetime.now().isoformat(timespec="seconds")}
    (out / f".{stem}.status.json").write_text(json.dumps(status))


def write_index(params: Params, output_dir: Path) -> Path:
    """index.html linking every report present in the folder, with its last run status."""
    from salesnb.html import index_page

    lang = params.language
    rows = []
    for report, stem in REPORTS.items():
        status_file = output_dir / f".{stem}.status.json"
        html_file = output_dir / f"{stem}.html"
        if not status_file.is_file() and not html_file.is_file():
            continue
        status = json.loads(status_file.read_text()) if status_file.is_file() else {"ok": True}
        if status["ok"]:
            label, href = t("index.ok", lang), html_file.name
        elif html_file.is_file():
            label, href = t("index.stale", lang), html_file.name
        else:
            label, href = t("index.failed", lang), f"{stem}.ipynb"
        rows.append((t(f"{report}.title", lang), href, label))
    period = params.period
    header = (
        f'<table class="snb-meta"><tr><th>{t("header.client", lang)}</th><td>{html.escape(params.client)}</td></tr>'
        f"<tr><th>{t('header.period', lang)}</th><td>{period.label} ({period.start} – {period.end})</td></tr>"
        f"<tr><th>{t('header.generated', lang)}</th><td>{datetime.now():%Y-%m-%d %H:%M}</td></tr></table>"
    )
    title = t("index.title", lang, client=params.client, period=period.label)
    index = output_dir / "index.html"
    index.write_text(index_page(title=title, lang=lang, rows=rows, header_html=header), encoding="utf-8")
    return index
