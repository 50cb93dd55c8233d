"""Benchmark: generate N demo deals, then time loading (read + map + validate + serve) and the audit.

    python benchmarks/bench_load.py --deals 1000000 [--format csv|parquet] [--keep DIR]

Prints one line per step with seconds and peak memory (RSS) so figures can be quoted in notes.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import yaml


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--keep", type=Path, help="Keep the generated data in this folder.")
    args = parser.parse_args()

    from salesnb.analysis.audit import data_audit
    from salesnb.config import REPO_ROOT
    from salesnb.data import load_data
    from salesnb.demo import write_demo
    from salesnb.params import load_params

    folder = args.keep or Path(tempfile.mkdtemp(prefix="salesnb-bench-"))
    timings: list[tuple[str, float]] = []

    started = time.perf_counter()
    write_demo(folder, n_deals=args.deals, seed=args.seed, file_format=args.format)
    timings.append((f"generate {args.deals:,} deals ({args.format})", time.perf_counter() - started))
    sizes = {p.name: p.stat().st_size for p in folder.iterdir()}

    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(folder)
    params_file = folder / "bench.yaml"
    params_file.write_text(yaml.safe_dump(params), encoding="utf-8")

    started = time.perf_counter()
    data = load_data(load_params(params_file))
    timings.append(("load: read + map + validate + serve", time.perf_counter() - started))

    started = time.perf_counter()
    audit = data_audit(data)
    timings.append(("audit profile (Ibis on DuckDB)", time.perf_counter() - started))

    for name, account in data.report.accounts.items():
        print(
            f"{name:14} read {account.rows_read:>11,}  used {account.rows_used:>11,}  excluded {account.rows_excluded:>7,}"
        )
    print(
        f"files: {sum(sizes.values()) / 1e6:,.0f} MB ({', '.join(f'{k} {v / 1e6:,.0f} MB' for k, v in sizes.items())})"
    )
    for label, seconds in timings:
        print(f"{label:45} {seconds:8.1f} s")
    print(f"peak RSS {peak_mb():,.0f} MB; findings: {len(audit.findings('en'))}")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
