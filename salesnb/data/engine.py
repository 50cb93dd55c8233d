"""The embedded DuckDB where client files are read, checked and turned into clean tables.

One :class:`Workspace` per load: a DuckDB database file in a private temporary folder,
with a memory limit and a spill folder, so millions of rows spill to disk instead of
growing the process. Everything in it is deleted when the load is done.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path

import ibis

from salesnb.params import EngineConfig

MAX_DEFAULT_MEMORY = 2 * 2**30  # bytes: the default memory_limit is a quarter of RAM, at most this


def default_memory_limit() -> str:
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "2GB"
    return f"{max(256, min(MAX_DEFAULT_MEMORY, ram // 4) // 2**20)}MB"


def duckdb_config(engine: EngineConfig | None, temp_dir: Path | None = None) -> dict[str, object]:
    """DuckDB settings for a connection: memory_limit, spill folder and threads."""
    engine = engine or EngineConfig()
    config: dict[str, object] = {"memory_limit": engine.memory_limit or default_memory_limit()}
    spill = temp_dir or (Path(engine.temp_dir) if engine.temp_dir else None)
    if spill is not None:
        config["temp_directory"] = str(spill)
    if engine.threads:
        config["threads"] = engine.threads
    return config


def connect(engine: EngineConfig | None = None, database: str = ":memory:", **kwargs) -> ibis.BaseBackend:
    """An Ibis DuckDB connection with salesnb's memory bounds."""
    return ibis.duckdb.connect(database, **kwargs, **duckdb_config(engine))


class Workspace:
    """A private DuckDB database (and folder) for one load; :meth:`close` removes both."""

    def __init__(self, engine: EngineConfig | None = None) -> None:
        engine = engine or EngineConfig()
        parent = Path(engine.temp_dir).expanduser() if engine.temp_dir else None
        if parent is not None:
            parent.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix="salesnb-load-", dir=parent))
        spill = self.folder / "spill"
        spill.mkdir()
        self.con = ibis.duckdb.connect(str(self.folder / "work.duckdb"), **duckdb_config(engine, spill))
        self._names = itertools.count(1)
        self.closed = False

    def name(self, stem: str) -> str:
        """A fresh table name in the workspace."""
        return f"{stem}_{next(self._names)}"

    def path(self, name: str) -> Path:
        return self.folder / name

    def close(self) -> None:
        """Disconnect and delete the folder; safe to call more than once."""
        if self.closed:
            return
        self.closed = True
        try:
            self.con.disconnect()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
