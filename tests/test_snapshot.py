"""The run's snapshot as each report kernel sees it: Parquet views, registered when a report first reads them."""

from __future__ import annotations

import pandas as pd
import yaml

from salesnb.analysis import funnel as fn
from salesnb.config import REPO_ROOT
from salesnb.data import load_snapshot, read_canonical, save_snapshot
from salesnb.params import load_params


def registered(data) -> dict[str, str]:
    """Relations on the kernel's DuckDB connection and their kind (VIEW or BASE TABLE)."""
    rows = data.con.raw_sql("select table_name, table_type from information_schema.tables").fetchall()
    return dict(rows)


def snapshot(tmp_path, demo_dir):
    raw = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    raw["data"]["base_dir"] = str(demo_dir)
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    params = load_params(path)
    canonical, report = read_canonical(params)
    return params, canonical, save_snapshot(canonical, report, tmp_path / "snap")


def test_snapshot_is_served_as_views_registered_on_first_use(tmp_path, demo_dir):
    params, _, folder = snapshot(tmp_path, demo_dir)
    data = load_snapshot(params, folder)
    assert data.has("activities") and data.has("stage_history")
    assert registered(data) == {}  # nothing read or copied when the kernel opens the snapshot
    closing = fn.time_to_close(data.deals)  # a report step that reads only the deals
    assert closing["deals"].sum() > 0
    assert registered(data) == {"deals": "VIEW"}
    data.table("activities")
    assert registered(data) == {"deals": "VIEW", "activities": "VIEW"}


def test_snapshot_views_hold_the_rows_a_copy_held(tmp_path, demo_dir):
    params, canonical, folder = snapshot(tmp_path, demo_dir)
    data = load_snapshot(params, folder)
    for name in data.names:
        copy = data.con.create_table(f"copy_{name}", data.con.read_parquet(folder / f"{name}.parquet"))
        view = data.table(name)
        assert view.schema() == copy.schema(), name
        pd.testing.assert_frame_equal(view.to_pandas(), copy.to_pandas(), check_exact=True)
        engine = canonical.tables[name].to_pandas()  # what the load's engine holds
        pd.testing.assert_frame_equal(view.to_pandas(), engine, check_exact=True)
    assert data.deals.count().execute() == report_rows(folder)


def report_rows(folder) -> int:
    import pickle

    return pickle.loads((folder / "load_report.pkl").read_bytes()).accounts["deals"].rows_used
