"""The notebook worker: one process of the runner's pool, executing report notebooks it is sent.

Kept apart from the runner so a worker imports only what executing and rendering a notebook needs
(papermill, nbconvert, the params model), not the data layer or the charts: the runner starts its
workers with ``spawn``, so every module the worker's module imports is imported again in each worker.
Each notebook runs on a kernel pinned to this interpreter, over IPC sockets kept in the run's kernel
folder (``SALESNB_KERNEL_DIR``), so the runner can stop the kernels and remove their files.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import CaselessStrEnum, default

from salesnb.config import KERNEL_NAME, NOTEBOOKS_DIR, OUTPUT_ENV, SNAPSHOT_ENV, SNAPSHOT_ID_ENV
from salesnb.labels import t
from salesnb.params import load_params

CELL_TIMEOUT_S = 1800
# Where this run's kernels keep their connection files, IPC sockets and pids.
KERNEL_DIR_ENV = "SALESNB_KERNEL_DIR"


class IpcKernelManager(AsyncKernelManager):
    """A kernel manager talking to its kernel over Unix sockets instead of TCP ports.

    Each manager gets its own socket path prefix: jupyter_client's default ("kernel-ipc"
    in the working folder) would be shared by kernels started from the same folder. Under
    the runner (``SALESNB_KERNEL_DIR`` set) the sockets, the connection file (otherwise a
    ``tmp*.json`` in the temp folder) and the kernel's pid all go into the run's kernel
    folder, so the runner can stop the kernels and remove every file they left, even
    after a worker was killed.
    """

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    @property
    def _file_stem(self) -> str:
        return self.__dict__.setdefault("_salesnb_stem", uuid.uuid4().hex[:8])

    @default("ip")
    def _ip_default(self) -> str:
        folder = os.environ.get(KERNEL_DIR_ENV)
        if folder:
            return os.path.join(folder, f"{self._file_stem}-ipc")
        return os.path.join(tempfile.gettempdir(), f"salesnb-{os.getpid()}-{self._file_stem}-ipc")

    @default("connection_file")
    def _connection_file_default(self) -> str:
        folder = os.environ.get(KERNEL_DIR_ENV)
        return os.path.join(folder, f"{self._file_stem}.json") if folder else ""

    def _pid_file(self) -> Path | None:
        folder = os.environ.get(KERNEL_DIR_ENV)
        return Path(folder, f"{self._file_stem}.pid") if folder else None

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        await super()._async_launch_kernel(kernel_cmd, **kw)
        pid_file, pid = self._pid_file(), getattr(self.provisioner, "pid", None)
        if pid_file is not None and pid:
            pid_file.write_text(str(pid))

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        pid_file = self._pid_file()
        if pid_file is not None and not restart:
            pid_file.unlink(missing_ok=True)  # a kernel shut down normally is nothing to stop later


@dataclass(frozen=True)
class NotebookResult:
    report: str
    stem: str
    ok: bool
    seconds: float
    html: Path | None
    executed: Path
    error: str = ""
    note: str = ""  # e.g. why its PDF is missing; the report itself rendered


def failed(task: tuple, error: str) -> NotebookResult:
    report, stem, *_, staging, _notebooks = task
    write_status(Path(staging), stem, ok=False, error=error)
    return NotebookResult(report, stem, False, 0.0, None, Path(staging) / f"{stem}.ipynb", error)


def serve(conn, parent_pid: int) -> None:
    """A worker process: run the notebooks it is sent until told to stop (``None``)."""
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner handles Ctrl-C and stops the workers
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        task, options = message
        try:
            result = run_notebook(*task, **options)
        except Exception as exc:  # e.g. the executed notebook cannot be rendered: a failed report, not a dead worker
            result = failed(task, f"{type(exc).__name__}: {exc}")
        conn.send(result)


def _die_with_parent(parent_pid: int) -> None:
    # Linux: a runner killed with SIGKILL takes its workers along (their kernels then exit on
    # their own, as ipykernel watches its parent); elsewhere the next run removes the leftovers.
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the runner died before prctl took effect
        os._exit(1)


def run_notebook(
    report: str,
    stem: str,
    params_path: str,
    snapshot: str,
    output_dir: str,
    notebooks_dir: str = str(NOTEBOOKS_DIR),
    *,
    kernel_dir: str | None = None,
    snapshot_id: str = "",
    pdf_with: str = "",
) -> NotebookResult:
    """Execute one notebook with papermill into ``output_dir`` and render it; never raises for a notebook error.

    Every path given to the kernel is absolute; the kernel works in ``output_dir``, so a stray
    relative write lands there and nowhere else.
    """
    import nbformat
    import papermill as pm

    from salesnb.render.html import notebook_to_html

    started = time.perf_counter()
    out = Path(output_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    params_path = str(Path(params_path).resolve())
    snapshot = str(Path(snapshot).resolve())
    executed = out / f"{stem}.ipynb"
    target = out / f"{stem}.html"
    for name, value in (
        (SNAPSHOT_ENV, snapshot),
        (OUTPUT_ENV, str(out)),
        (SNAPSHOT_ID_ENV, snapshot_id),
        (KERNEL_DIR_ENV, kernel_dir or ""),
    ):
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)
    params = load_params(params_path)
    try:
        pm.execute_notebook(
            str(Path(notebooks_dir).resolve() / f"{stem}.ipynb"),
            str(executed),
            parameters={"params_path": params_path, "snapshot_dir": snapshot},
            kernel_name=KERNEL_NAME,
            kernel_manager_class="salesnb.run.worker.IpcKernelManager",
            cwd=str(out),
            progress_bar=False,
            execution_timeout=CELL_TIMEOUT_S,
        )
    except pm.PapermillExecutionError as exc:
        first_line = (exc.source or "").strip().splitlines()[0][:70] if (exc.source or "").strip() else ""
        error = f"cell {exc.exec_count} ({first_line}): {exc.ename}: {exc.evalue.strip()}"
        write_status(out, stem, ok=False, error=error)
        return NotebookResult(report, stem, False, time.perf_counter() - started, None, executed, error)
    except Exception as exc:  # kernel died, timeout, unreadable notebook: report it the same way
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        write_status(out, stem, ok=False, error=error)
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
    note = ""
    if pdf_with:
        from salesnb.render.pdf import html_to_pdf

        try:
            html_to_pdf(target, out / f"{stem}.pdf", chromium=pdf_with)
        except RuntimeError as exc:
            note = f"no PDF: {exc}"
    write_status(out, stem, ok=True)
    return NotebookResult(report, stem, True, time.perf_counter() - started, target, executed, note=note)


def write_status(out: Path, stem: str, *, ok: bool, error: str = "") -> None:
    # One small file per notebook, so parallel workers never write the same file.
    status = {"ok": ok, "error": error, "at": datetime.now().isoformat(timespec="seconds")}
    (out / f".{stem}.status.json").write_text(json.dumps(status))
