"""The benchmark suite behind ``make bench``: measures issue 11's figures and writes docs/benchmarks.md.

    python benchmarks/suite.py [--deals 1000000] [--runs 3] [--out docs/benchmarks.md]

Rows:
- the demo's 5 reports with ``salesnb run --jobs 2``, warm (one run first, then the median of ``--runs``);
- the funnel's core metrics on ``--deals`` generated deals: salesnb's Ibis code, the same metrics
  hand-written in DuckDB SQL (the reference) and pandas, checked to agree (bench_funnel.py);
- opening the snapshot in a report kernel: views registered on first use (what kernels do) against
  copying every table into DuckDB (what they did before), each in a fresh process.

The machines are shared, so every figure is written beside the load average (1/5/15 min) read
before and after it was measured; compare figures only under similar load.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import bench_funnel  # noqa: E402  (a sibling script, not a package)


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def measured(fn):
    """Run ``fn`` and return (its result, load average before, load average after)."""
    before = load()
    result = fn()
    return result, before, load()


@dataclass
class Row:
    """One line of docs/benchmarks.md; rows with a goal say whether it is met and, if not, by how much."""

    what: str
    result: str
    goal: str
    load: str
    key: str = ""
    met: bool | None = None
    miss: str = ""

    def verdict(self) -> str:
        if self.met is None:
            return "–"
        return "met" if self.met else f"**missed**: {self.miss}" + (" (why: below)" if self.key in WHY else "")


TITLE = {
    "demo": "Demo in 20 s",
    "all_reports": "1 M deals, all reports in 60 s",
    "ibis_sql": "Ibis within 1.3× of hand-written SQL",
    "pandas_ibis": "pandas 4× slower than Ibis",
    "check_5m": "5 M deals, check in 3 GiB",
    "funnel_5m": "5 M deals, funnel report in 4 GiB",
    "postgres": "PostgreSQL check within 1.5× of files",
}

# Why a goal is missed, from profiles of the code as it stands (issue 11's closing note has the figures);
# printed under the table only for rows that miss.
WHY = {
    "demo": "Five kernels each pay ~2 s to start (papermill + ipykernel) and 2.5–2.9 s of imports "
    "(matplotlib.pyplot 0.8 s, scipy.stats 0.8 s, pandas 0.3 s, Ibis 0.3 s) before any analysis; the "
    "report work itself is 1–5 s per notebook, and HTML rendering ~0.5 s. `run --jobs 2` spends ~53 s of CPU "
    "for the five reports, so two cores cannot finish in under ~27 s. The engine loader (4.6 s for 20 k "
    "rows) is mostly Ibis compiling the validation expressions (1.8 s) and sampling date formats (1.6 s) — "
    "fixed costs that do not grow with the data. Closing the gap needs kernels started once and reused "
    "across reports (or a pre-forked kernel pool), not faster queries.",
    "all_reports": "The load (read, map, validate, write the snapshot; the row's own figure) is still the "
    "largest single stage — about 1/3 of the time at 1 M — then the five kernels run on two workers. Of the "
    "load, Ibis compiling the validation expressions and materialising the checked rows dominate; the kernels' "
    "CPU was cut 38 % last round (101.5 → 62.8 s at 1 M: case study aggregated to rep × month cells, shared queries, Arrow fetches).",
    "ibis_sql": "The Ibis path computes more than the hand-written reference: per-stage entry counts, "
    "re-entry (cumulative) times, means and p75, and funnel amounts per window; the SQL reference computes "
    "only reached counts, p50/p90 and the stuck count. Per step at 1 M (quiet machine): stage exits 1.6 s "
    "(cached, used twice), funnel table 0.8 s, time in stage 0.6 s, stuck deals 0.4 s.",
    "pandas_ibis": "pandas is 2.5–3.2× slower than the Ibis path on two cores when the machine is quiet; "
    "the ratio grows only as the Ibis path approaches the hand-written SQL (previous row).",
    "check_5m": "Not profiled in this round: the peak is the whole process tree (Python, Arrow buffers of the "
    "reader and DuckDB, whose own share is bounded by data.engine.memory_limit).",
    "funnel_5m": "Not profiled in this round. The tree holds the runner, the papermill worker and the funnel "
    "kernel; DuckDB's share per process is bounded by data.engine.memory_limit (default a quarter of RAM, "
    "at most 2 GB), so a lower limit is the first thing to try; the remainder is Python-side results.",
    "postgres": "Load-sensitive: the PostgreSQL server and the check share the two cores. The same benchmark "
    "measured 1.28× in the previous round at load 2.5–3; see this row's load. The rows stay in the database "
    "either way (the row's 'most rows any SELECT returned').",
}


def demo_runs(runs: int) -> tuple[list[float], list[str]]:
    """Wall seconds of `salesnb run params/demo.yaml --jobs 2`, after one warm-up run."""
    salesnb = Path(sys.executable).parent / "salesnb"
    seconds, loads = [], []
    for i in range(runs + 1):
        before = load()
        started = time.perf_counter()
        done = subprocess.run([str(salesnb), "run", "params/demo.yaml", "--jobs", "2"], cwd=REPO, capture_output=True)
        if done.returncode:
            sys.exit(f"salesnb run params/demo.yaml failed; no timing written:\n{done.stdout.decode()[-2000:]}")
        if i:  # the first run only warms caches
            seconds.append(time.perf_counter() - started)
            loads.append(f"{before} → {load()}")
    return seconds, loads


SNAPSHOT_CHILD = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
import ibis
from salesnb.data import load_snapshot
from salesnb.params import Params
sys.path.insert(0, {here!r})
from bench_funnel import peak_mb
folder, mode = Path(sys.argv[1]), sys.argv[2]
params = Params.model_validate({{"client": "bench", "period": "2025-Q4",
    "stages": {{"order": ["Prospecting", "Qualification", "Proposal", "Negotiation", "Won"], "won": "Won", "lost": "Lost"}},
    "data": {{"tables": {{"deals": {{"file": "deals.parquet"}}}}}}}})
imported = time.perf_counter()
if mode == "views":
    data = load_snapshot(params, folder)
    opened = time.perf_counter()
    deals = data.deals.count().execute()
else:  # the previous behaviour: every table copied into the kernel's DuckDB
    con = ibis.duckdb.connect()
    for path in sorted(folder.glob("*.parquet")):
        con.create_table(path.stem, con.read_parquet(path))
    opened = time.perf_counter()
    deals = con.table("deals").count().execute()
done = time.perf_counter()
print(json.dumps({{"open_s": opened - imported, "first_query_s": done - opened, "peak_mb": peak_mb(), "deals": int(deals)}}))
"""


def snapshot_load(folder: Path) -> dict[str, dict]:
    """Open the snapshot in a fresh process, as views (now) and as copies (before), and count the deals."""
    from salesnb.data.dataset import SNAPSHOT_FILE, LoadReport

    (folder / SNAPSHOT_FILE).write_bytes(pickle.dumps(LoadReport({}, {}, "bench", str(folder))))
    out = {}
    for mode in ("views", "copies"):
        done = subprocess.run(
            [sys.executable, "-c", SNAPSHOT_CHILD.format(here=str(HERE)), str(folder), mode],
            capture_output=True,
            text=True,
            check=True,
        )
        out[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def scale(what: str, deals: int) -> dict:
    """One benchmarks/bench_scale.py measurement in a child process (its data in a temp folder)."""
    import shutil

    folder = Path(tempfile.mkdtemp(prefix=f"salesnb-{what}-"))
    try:
        done = subprocess.run(
            [sys.executable, str(HERE / "bench_scale.py"), what, "--deals", str(deals), "--data", str(folder)],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def scale_rows(deals: int) -> list[Row]:
    """Whole runs: all reports at ``deals``, peak memory at 5 M, and a PostgreSQL source at 500 k."""
    rows = []
    print("all 5 reports at 1 M deals …", flush=True)
    r, before, after = measured(lambda: scale("all-reports", deals))
    rows.append(
        Row(
            f"{deals / 1e6:g} M deals, all 5 reports, `run --jobs 2` ({r['load']}); peak RSS of the process tree "
            f"{r['peak_mb']:,.0f} MB",
            f"{r['seconds']:.0f} s",
            "≤ 60 s",
            f"{before} → {after}",
            key="all_reports",
            met=r["seconds"] <= 60,
            miss=f"{r['seconds'] - 60:.0f} s over ({r['seconds'] / 60:.1f}× the goal)",
        )
    )
    print("5 M deals: check, then the funnel report, peak memory …", flush=True)
    r, before, after = measured(lambda: scale("check-memory", 5_000_000))
    gib = r["peak_mb"] / 1024
    rows.append(
        Row(
            f"5 M deals, `salesnb check` ({r['seconds']:.0f} s), peak RSS of the process tree",
            f"{gib:.2f} GiB",
            "≤ 3 GiB",
            f"{before} → {after}",
            key="check_5m",
            met=gib <= 3,
            miss=f"{gib - 3:.2f} GiB over",
        )
    )
    r, before, after = measured(lambda: scale("funnel-memory", 5_000_000))
    gib = r["peak_mb"] / 1024
    rows.append(
        Row(
            f"5 M deals, funnel report, peak memory of the process tree ({r['seconds']:.0f} s)",
            f"{gib:.2f} GiB",
            "≤ 4 GiB",
            f"{before} → {after}",
            key="funnel_5m",
            met=gib <= 4,
            miss=f"{gib - 4:.2f} GiB over",
        )
    )
    print("500 k deals from PostgreSQL …", flush=True)
    r, before, after = measured(lambda: scale("postgres-check", 500_000))
    if "skipped" in r:
        rows.append(Row("500 k deals from PostgreSQL, `check`", "not run: " + r["skipped"], "≤ 1.5× files", ""))
    else:
        biggest = max(
            (
                s["rows"] // max(s["calls"], 1)
                for s in r["largest_selects"]
                if s["query"].lstrip().upper().startswith("SELECT")
            ),
            default=0,
        )
        ratio = r["database_s"] / r["files_s"]
        rows.append(
            Row(
                f"500 k deals from PostgreSQL (typed columns), `check` {r['database_s']:.1f} s vs the same files "
                f"{r['files_s']:.1f} s; Python peak RSS {r['database_peak_mb']:,.0f} MB (files: "
                f"{r['files_peak_mb']:,.0f} MB); most rows any SELECT returned: {biggest:,}",
                f"{ratio:.2f}×",
                "≤ 1.5×",
                f"{before} → {after}",
                key="postgres",
                met=ratio <= 1.5,
                miss=f"{ratio / 1.5 - 1:.0%} over",
            )
        )
    return rows


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown CPU",
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, Python {platform.python_version()}"


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "salesnb"], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--keep", type=Path, help="Generated data folder to reuse (and keep).")
    parser.add_argument("--no-scale", action="store_true", help="Skip the whole-run rows (1 M, 5 M, PostgreSQL).")
    args = parser.parse_args()
    rows: list[Row] = []

    print(f"demo: 1 warm-up + {args.runs} runs of salesnb run params/demo.yaml --jobs 2 …", flush=True)
    seconds, loads = demo_runs(args.runs)
    runs = ", ".join(f"{s:.1f}" for s in seconds)
    median = statistics.median(seconds)
    rows.append(
        Row(
            f"demo, 5 reports, `run --jobs 2`, warm: median of {args.runs} (runs: {runs} s)",
            f"{median:.1f} s",
            "≤ 20 s",
            "<br>".join(loads),
            key="demo",
            met=median <= 20,
            miss=f"{median - 20:.1f} s over ({median / 20 - 1:.0%})",
        )
    )

    folder = args.keep or Path(tempfile.mkdtemp(prefix="salesnb-bench-"))
    if not (folder / "stage_history.parquet").is_file():
        print(f"generating {args.deals:,} deals …", flush=True)
        bench_funnel.generate(folder, args.deals, seed=7)
    print(f"funnel core metrics: ibis, duckdb-sql, pandas, {args.runs} rounds …", flush=True)
    rounds, before, after = measured(lambda: [bench_funnel.bench(folder) for _ in range(args.runs)])
    # every engine, every round, against the hand-written SQL of the same round
    agree = all(bench_funnel.agree(next(x for x in r if x["engine"] == "duckdb-sql"), x) for r in rounds for x in r)
    n = f"{args.deals / 1e6:g} M" if args.deals >= 1e6 else f"{args.deals:,}"
    per_engine: dict[str, list[dict]] = {}
    for r in rounds:
        for x in r:
            per_engine.setdefault(x["engine"], []).append(x)
    for engine, xs in per_engine.items():
        secs = [x["metrics_s"] for x in xs]
        rows.append(
            Row(
                f"funnel core metrics, {n} deals: {engine}, median of {len(xs)} (rounds: "
                f"{', '.join(f'{v:.2f}' for v in secs)} s; peak RSS {max(x['peak_mb'] for x in xs):,.0f} MB)",
                f"{statistics.median(secs):.2f} s",
                "–",
                f"{before} → {after}",
            )
        )
    seconds_of = {e: [x["metrics_s"] for x in xs] for e, xs in per_engine.items()}
    ibis_sql = [i / q for i, q in zip(seconds_of["ibis+duckdb"], seconds_of["duckdb-sql"], strict=True)]
    pandas_ibis = [p / i for p, i in zip(seconds_of["pandas"], seconds_of["ibis+duckdb"], strict=True)]
    verdict = "" if agree else " — **ENGINES DISAGREE**"
    rows.append(
        Row(
            f"funnel core metrics: Ibis ÷ hand-written DuckDB SQL, per round "
            f"{', '.join(f'{v:.2f}' for v in ibis_sql)}{verdict or '; all three engines agree in every round'}",
            f"{statistics.median(ibis_sql):.2f}×",
            "≤ 1.3×",
            f"{before} → {after}",
            key="ibis_sql",
            met=agree and statistics.median(ibis_sql) <= 1.3,
            miss=f"{statistics.median(ibis_sql) / 1.3 - 1:.0%} over",
        )
    )
    rows.append(
        Row(
            f"funnel core metrics: pandas ÷ Ibis, per round {', '.join(f'{v:.2f}' for v in pandas_ibis)}",
            f"{statistics.median(pandas_ibis):.2f}×",
            "≥ 4×",
            f"{before} → {after}",
            key="pandas_ibis",
            met=statistics.median(pandas_ibis) >= 4,
            miss=f"{1 - statistics.median(pandas_ibis) / 4:.0%} under",
        )
    )

    print("snapshot load per kernel …", flush=True)
    opened, before, after = measured(lambda: snapshot_load(folder))
    for mode, label in (("views", "views, registered on first use (now)"), ("copies", "every table copied (before)")):
        r = opened[mode]
        rows.append(
            Row(
                f"snapshot load per kernel, {n} deals: {label}; then count deals {r['first_query_s']:.2f} s; "
                f"peak RSS {r['peak_mb']:,.0f} MB",
                f"{r['open_s']:.2f} s",
                "–",
                f"{before} → {after}",
            )
        )
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)

    if not args.no_scale:
        rows += scale_rows(args.deals)

    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`benchmarks/suite.py`); issue 11's goals in the third column.",
        "Do not edit by hand: rerun it. The machines' cores are shared, so each figure stands beside the",
        "load average (1 / 5 / 15 min, `os.getloadavg()`) read before → after it was measured; compare figures",
        "only when the loads are alike.",
        "",
        f"- run at {datetime.now():%Y-%m-%d %H:%M}, commit {commit()}",
        f"- machine: {machine()}",
        "",
        "| benchmark | result | goal | verdict | load average before → after |",
        "|---|---|---|---|---|",
        *(f"| {r.what} | {r.result} | {r.goal} | {r.verdict()} | {r.load} |" for r in rows),
        "",
    ]
    missed = [r for r in rows if r.met is False and r.key in WHY]
    if missed:
        lines += ["## Why the missed goals are missed", ""]
        lines += [f"- **{TITLE[r.key]}** — {WHY[r.key]}" for r in missed]
        lines.append("")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
