"""Run the input catalogue (catalogue.py): every odd or bad file gets the outcome a user should get."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from salesnb.data.dataset import read_canonical
from salesnb.errors import SalesnbError
from salesnb.params import load_params
from tests.conftest import STAGES
from tests.inputs.catalogue import CASES, COLUMNS, Case, Error, Excluded, Flagged, Value


def _merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def write_case(case: Case, folder) -> tuple:
    (folder / case.file).write_bytes(case.content())
    for name, content in case.extra_files.items():
        content = content() if callable(content) else content
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    deals = {"file": case.file, "columns": dict(COLUMNS), **case.source}
    params = {
        "client": "acme",
        "period": "2025-Q1",
        "language": "en",
        "stages": STAGES,
        "data": {"base_dir": str(folder), "tables": {"deals": deals}},
    }
    params = _merge(params, case.params)
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True) + case.yaml_tail, encoding="utf-8")
    return path


def _shown(value):
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    return value


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, tmp_path):
    params_path = write_case(case, tmp_path)
    if isinstance(case.outcome, Error):
        with pytest.raises(SalesnbError) as caught:
            read_canonical(load_params(params_path)).__getitem__(0).close()
        message = str(caught.value)
        assert case.outcome.fragment.lower() in message.lower(), message
        files = [case.file, "params.yaml", *case.extra_files, case.source.get("file", "")]
        files += [lookup["file"] for lookup in case.source.get("lookups", [])]
        assert any(f and f in message for f in files), f"message names no file: {message}"
        return
    canonical, report = read_canonical(load_params(params_path))
    try:
        for account in report.accounts.values():
            assert account.rows_read == account.rows_used + account.rows_excluded, account
        account = report.accounts[getattr(case.outcome, "table", "deals")]
        if isinstance(case.outcome, Excluded):
            counts = {i.reason: i.count for i in account.excluded}
            assert counts.get(case.outcome.reason) == case.outcome.n, counts
        elif isinstance(case.outcome, Flagged):
            counts = {i.reason: i.count for i in account.flagged}
            assert counts.get(case.outcome.code) == case.outcome.n, counts
        elif isinstance(case.outcome, Value):
            frame = canonical.tables[case.outcome.table].to_pandas()
            got = tuple(_shown(v) for v in frame[case.outcome.column].tolist())
            expected = case.outcome.values
            if expected and isinstance(expected[0], float):
                assert got[-len(expected) :] == pytest.approx(expected), got
            else:
                assert got[-len(expected) :] == expected, got
    finally:
        canonical.close()


def test_catalogue_size():
    assert len(CASES) >= 120, f"the catalogue holds {len(CASES)} cases"
    assert len({c.id for c in CASES}) == len(CASES), "case ids repeat"
