"""Benchmark: funnel metrics on large generated data: salesnb's Ibis code on DuckDB, the same metrics
as hand-written DuckDB SQL (the reference for what the engine can do), and in pandas.

    python benchmarks/bench_funnel.py --deals 1000000 [--json out.json] [--keep DIR]

Each engine runs in its own process on the same Parquet files (so peak memory is that
engine's alone) and computes: deals reaching each stage (skips count as passed), time in
stage (median and p90, first-entry convention) and stuck open deals (p90). Ibis and SQL
read the files as views, as a report kernel reads its snapshot. The script checks that
the engines give the same numbers and prints time and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = ["Prospecting", "Qualification", "Proposal", "Negotiation", "Won"]
LOST = "Lost"


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM starts afresh at exec, unlike ru_maxrss, which a
    child inherits from the parent that generated the data."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_ibis(folder: Path) -> dict:
    import ibis
    import pandas as pd

    from salesnb.analysis import funnel as fn
    from salesnb.analysis.metrics import Window
    from salesnb.data.dataset import CrmData, LoadReport
    from salesnb.params import Params

    started = time.perf_counter()
    con = ibis.duckdb.connect()
    params = Params.model_validate(
        {
            "client": "bench",
            "period": "2025-Q4",
            "stages": {"order": STAGES, "won": "Won", "lost": LOST},
            "data": {"tables": {"deals": {"file": "deals.parquet"}}},
        }
    )
    names = ("deals", "stage_history")
    files = {name: folder / f"{name}.parquet" for name in names}
    data = CrmData(params, con, LoadReport({}, {}, "bench", str(folder)), names, files)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    facts = fn.deal_facts(data, stages=params.stages, policy="count_as_passed")
    window = Window("all", pd.Timestamp("2000-01-01").date(), pd.Timestamp("2100-01-01").date())
    funnel = fn.funnel_table(facts, window, stages=params.stages)
    exits = fn.stage_exits(data.stage_history).cache()  # as analyse_funnel does: once for both metrics
    times = fn.time_in_stage(data, stages=params.stages, exits=exits)
    stuck, _ = fn.stuck_deals(data, stages=params.stages, as_of=pd.Timestamp("2025-12-31").date(), exits=exits)
    seconds = time.perf_counter() - started
    return {
        "engine": "ibis+duckdb",
        "load_s": loaded,
        "metrics_s": seconds,
        "peak_mb": peak_mb(),
        "reached": funnel["reached"].tolist(),
        "p50": times.set_index("stage")["p50"].round(3).to_dict(),
        "p90": times.set_index("stage")["p90"].round(3).to_dict(),
        "stuck": len(stuck),
    }


def run_sql(folder: Path) -> dict:
    """The same metrics as one would write them by hand in DuckDB SQL: the engine's own speed."""
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect()
    for name in ("deals", "stage_history"):
        con.execute(f"create view {name} as select * from read_parquet('{folder / f'{name}.parquet'}')")
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    rank = " ".join(f"when '{name}' then {i}" for i, name in enumerate(STAGES)) + f" when '{LOST}' then -1"
    reached_cols = ", ".join(f"count(*) filter (where top >= {i})" for i in range(len(STAGES)))
    reached = con.execute(
        f"select {reached_cols} from (select deal_id, max(case stage {rank} end) as top "
        "from stage_history group by deal_id)"
    ).fetchone()
    con.execute(
        """create temp table exits as
        with first as (select deal_id, stage, min(entered_at) as first from stage_history group by all)
        select stage, (epoch(next_first) - epoch(first)) / 86400 as days from (
            select *, lead(first) over (partition by deal_id order by first, stage) as next_first from first
        ) where next_first is not null"""
    )
    quantiles = con.execute(
        "select stage, quantile_cont(days, 0.5), quantile_cont(days, 0.9) from exits group by stage"
    ).fetchall()
    stuck = con.execute(
        """with limits as (select stage, quantile_cont(days, 0.9) as threshold from exits group by stage),
        current as (
            select deal_id, stage, entered_at from stage_history where entered_at < timestamp '2026-01-01'
            qualify row_number() over (partition by deal_id order by entered_at desc, stage desc) = 1
        )
        select count(*) from deals d join current c using (deal_id) join limits l on c.stage = l.stage
        where d.status = 'open' and d.created_at < timestamp '2026-01-01'
          and (epoch(timestamp '2026-01-01') - epoch(c.entered_at)) / 86400 - 1 > l.threshold"""
    ).fetchone()[0]
    seconds = time.perf_counter() - started
    inner = [q for q in quantiles if q[0] in STAGES[:-1]]
    return {
        "engine": "duckdb-sql",
        "load_s": loaded,
        "metrics_s": seconds,
        "peak_mb": peak_mb(),
        "reached": list(reached),
        "p50": {q[0]: round(q[1], 3) for q in inner},
        "p90": {q[0]: round(q[2], 3) for q in inner},
        "stuck": int(stuck),
    }


def run_pandas(folder: Path) -> dict:
    import pandas as pd

    started = time.perf_counter()
    deals = pd.read_parquet(folder / "deals.parquet", columns=["deal_id", "status", "created_at"])
    history = pd.read_parquet(folder / "stage_history.parquet", columns=["deal_id", "stage", "entered_at"])
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    rank = {name: i for i, name in enumerate(STAGES)} | {LOST: -1}
    history["rank"] = history["stage"].map(rank)
    max_rank = history.groupby("deal_id")["rank"].max()
    reached = [int((max_rank >= i).sum()) for i in range(len(STAGES))]
    first = history.groupby(["deal_id", "stage"], as_index=False)["entered_at"].min()
    first = first.sort_values(["deal_id", "entered_at", "stage"])
    first["next_first"] = first.groupby("deal_id")["entered_at"].shift(-1)
    left = first.dropna(subset=["next_first"]).copy()
    left["days"] = (left["next_first"] - left["entered_at"]).dt.total_seconds() / 86400
    stats = left[left["stage"].isin(STAGES[:-1])].groupby("stage")["days"].quantile([0.5, 0.9]).unstack()
    thresholds = left.groupby("stage")["days"].quantile(0.9)
    today = pd.Timestamp("2025-12-31") + pd.Timedelta(days=1)
    current = (
        history[history["entered_at"] < today]
        .sort_values(["deal_id", "entered_at", "stage"])
        .groupby("deal_id")
        .tail(1)
    )
    open_ids = deals.loc[deals["status"] == "open", "deal_id"]
    current = current[current["deal_id"].isin(open_ids)]
    days_in = (today - current["entered_at"]).dt.total_seconds() / 86400 - 1
    stuck = int((days_in > current["stage"].map(thresholds)).sum())
    seconds = time.perf_counter() - started
    return {
        "engine": "pandas",
        "load_s": loaded,
        "metrics_s": seconds,
        "peak_mb": peak_mb(),
        "reached": reached,
        "p50": stats[0.5].round(3).to_dict(),
        "p90": stats[0.9].round(3).to_dict(),
        "stuck": stuck,
    }


def _typed(folder: Path) -> None:
    """The demo writes dates as text (some are planted bad); give the engines clean typed columns."""
    import pandas as pd

    for name, dates in (("deals", ["created_at", "closed_at"]), ("stage_history", ["entered_at", "exited_at"])):
        frame = pd.read_parquet(folder / f"{name}.parquet")
        for column in dates:
            frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d", errors="coerce")
        if name == "deals":
            frame = frame.dropna(subset=["created_at"]).drop_duplicates("deal_id")
        frame.to_parquet(folder / f"{name}.parquet", index=False)


ENGINES = {"ibis": run_ibis, "sql": run_sql, "pandas": run_pandas}


def agree(a: dict, b: dict) -> bool:
    """Same counts, and time-in-stage quantiles within a millionth of a day."""
    return (
        a["reached"] == b["reached"]
        and a["stuck"] == b["stuck"]
        and a["p50"].keys() == b["p50"].keys()
        and all(abs(a["p50"][k] - b["p50"][k]) < 1e-6 for k in a["p50"])
        and all(abs(a["p90"][k] - b["p90"][k]) < 1e-6 for k in a["p90"])
    )


def generate(folder: Path, deals: int, seed: int) -> float:
    """Demo data as typed Parquet files in ``folder``; returns the seconds it took."""
    from salesnb.demo import write_demo

    started = time.perf_counter()
    write_demo(folder, n_deals=deals, seed=seed, file_format="parquet")
    _typed(folder)
    return time.perf_counter() - started


def bench(folder: Path) -> list[dict]:
    """Each engine in a fresh process on the files in ``folder``."""
    results = []
    for engine in ENGINES:
        done = subprocess.run(
            [sys.executable, __file__, "--engine", engine, "--folder", str(folder)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="Also write the results to this file.")
    parser.add_argument("--keep", type=Path, help="Generate into (or reuse) this folder and keep it.")
    parser.add_argument("--engine", choices=list(ENGINES), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        print(json.dumps(ENGINES[args.engine](args.folder), default=str))
        return

    folder = args.keep or Path(tempfile.mkdtemp(prefix="salesnb-funnel-bench-"))
    if not (folder / "stage_history.parquet").is_file():
        seconds = generate(folder, args.deals, args.seed)
        print(f"generated {args.deals:,} deals as Parquet in {seconds:.1f}s ({folder})")
    results = bench(folder)
    print(f"deals reaching each stage: {results[0]['reached']}")
    for r in results:
        print(
            f"{r['engine']:12} load {r['load_s']:6.1f}s  metrics {r['metrics_s']:6.1f}s  "
            f"peak RSS {r['peak_mb']:7,.0f} MB  stuck {r['stuck']:,}"
        )
    same = all(agree(results[0], r) for r in results[1:])
    print("engines agree on every metric" if same else f"ENGINES DISAGREE: {results}")
    if args.json:
        args.json.write_text(json.dumps({"deals": args.deals, "agree": same, "results": results}, indent=1))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
