"""Benchmark: funnel metrics on large generated data, Ibis on DuckDB against the same metrics in pandas.

    python benchmarks/bench_funnel.py --deals 1000000

Each engine runs in its own process on the same Parquet files (so peak memory is that
engine's alone) and computes: deals reaching each stage (skips count as passed), next-step
conversion, time in stage (median and p90, first-entry convention) and stuck open deals (p90).
The script checks that both engines give the same numbers and prints time and peak RSS.
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

    from salesnb import funnel as fn
    from salesnb.data.dataset import CrmData, LoadReport
    from salesnb.metrics import Window
    from salesnb.params import Params

    started = time.perf_counter()
    con = ibis.duckdb.connect()
    for name in ("deals", "stage_history"):
        con.create_table(name, con.read_parquet(folder / f"{name}.parquet"))
    params = Params.model_validate(
        {
            "client": "bench",
            "period": "2025-Q4",
            "stages": {"order": STAGES, "won": "Won", "lost": LOST},
            "data": {"tables": {"deals": {"file": "deals.parquet"}}},
        }
    )
    data = CrmData(params, con, LoadReport({}, {}, "bench", str(folder)), ("deals", "stage_history"))
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    facts = fn.deal_facts(data, stages=params.stages, policy="count_as_passed")
    window = Window("all", pd.Timestamp("2000-01-01").date(), pd.Timestamp("2100-01-01").date())
    funnel = fn.funnel_table(facts, window, stages=params.stages)
    times = fn.time_in_stage(data, stages=params.stages)
    stuck, _ = fn.stuck_deals(data, stages=params.stages, as_of=pd.Timestamp("2025-12-31").date())
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--engine", choices=["ibis", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        result = run_ibis(args.folder) if args.engine == "ibis" else run_pandas(args.folder)
        print(json.dumps(result, default=str))
        return

    from salesnb.demo import write_demo

    folder = Path(tempfile.mkdtemp(prefix="salesnb-funnel-bench-"))
    started = time.perf_counter()
    write_demo(folder, n_deals=args.deals, seed=args.seed, file_format="parquet")
    _typed(folder)
    print(f"generated {args.deals:,} deals as Parquet in {time.perf_counter() - started:.1f}s ({folder})")
    results = []
    for engine in ("ibis", "pandas"):
        done = subprocess.run(
            [sys.executable, __file__, "--engine", engine, "--folder", str(folder)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    rows = results[0]["reached"]
    print(f"deals reaching each stage: {rows}")
    for r in results:
        print(
            f"{r['engine']:12} load {r['load_s']:6.1f}s  metrics {r['metrics_s']:6.1f}s  peak RSS {r['peak_mb']:7,.0f} MB  stuck {r['stuck']:,}"
        )
    same = (
        results[0]["reached"] == results[1]["reached"]
        and results[0]["stuck"] == results[1]["stuck"]
        and all(abs(results[0]["p50"][k] - results[1]["p50"][k]) < 1e-6 for k in results[0]["p50"])
        and all(abs(results[0]["p90"][k] - results[1]["p90"][k]) < 1e-6 for k in results[0]["p90"])
    )
    print("engines agree on every metric" if same else f"ENGINES DISAGREE: {results}")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
