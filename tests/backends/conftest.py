"""The DuckDB reference for the backend tests: the 20 k demo (seed 7) loaded by salesnb, its clean
tables as frames, and the key tables of every report computed on DuckDB.

Computed once per test run: with xdist, the first worker that needs it writes it to a folder shared
by the workers (under a lock) and the others read it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml

from salesnb.config import REPO_ROOT


@dataclass
class Reference:
    params_path: Path
    frames: dict[str, pd.DataFrame]  # the clean canonical tables as DuckDB serves them
    report: object  # the LoadReport, shared by every backend (row accounting is the loader's)
    tables: dict[str, pd.DataFrame]  # key_tables on DuckDB

    @property
    def params(self):
        from salesnb.params import load_params

        return load_params(self.params_path)


@contextlib.contextmanager
def _locked(path: Path):
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(folder: Path) -> None:
    from salesnb.data import load_data
    from salesnb.demo import write_demo
    from salesnb.params import load_params
    from tests.backends.reports import key_tables

    demo = write_demo(folder / "demo", n_deals=20_000, seed=7)
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(demo)
    params_path = folder / "demo.yaml"
    params_path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    data = load_data(load_params(params_path))
    tables = key_tables(data)
    (folder / "frames").mkdir(exist_ok=True)
    for name in data.names:
        data.table(name).to_pandas().to_parquet(folder / "frames" / f"{name}.parquet", index=False)
    (folder / "reference.pkl").write_bytes(pickle.dumps((list(data.names), data.report, tables)))


@pytest.fixture(scope="session")
def reference(tmp_path_factory) -> Reference:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    root = tmp_path_factory.getbasetemp().parent if run else tmp_path_factory.getbasetemp()
    folder = root / f"backend-reference-{run or 'solo'}"
    folder.mkdir(exist_ok=True)
    with _locked(root / f"backend-reference-{run or 'solo'}.lock"):
        if not (folder / "reference.pkl").is_file():
            _build(folder)
    names, report, tables = pickle.loads((folder / "reference.pkl").read_bytes())
    frames = {name: pd.read_parquet(folder / "frames" / f"{name}.parquet") for name in names}
    return Reference(folder / "demo.yaml", frames, report, tables)
