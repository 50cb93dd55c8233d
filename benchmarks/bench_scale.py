"""Scale benchmarks behind ``make bench``: whole runs at 1 M deals, peak memory at 5 M, and a
PostgreSQL source at 500 k. Each measures a ``salesnb`` command in a child process and samples
the resident memory of its whole process tree (runner + kernels) every 0.1 s.

    python benchmarks/bench_scale.py all-reports --deals 1000000
    python benchmarks/bench_scale.py check-memory --deals 5000000
    python benchmarks/bench_scale.py funnel-memory --deals 5000000
    python benchmarks/bench_scale.py postgres-check --deals 500000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SALESNB = Path(sys.executable).parent / "salesnb"


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants (MB), from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return total / 2**20


def measure(command: list[str], env: dict | None = None) -> dict:
    """Wall seconds and peak process-tree RSS of ``command``; fails loudly if it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
    )
    peak = [0.0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = process.communicate()[0].decode(errors="replace")
    sampler.join()
    if process.returncode:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}):\n{output[-3000:]}")
    return {"seconds": time.perf_counter() - started, "peak_mb": peak[0], "output": output[-2000:]}


def demo_data(folder: Path, deals: int) -> Path:
    """The demo's files at ``deals`` deals in ``folder`` (reused when already there), and a params file."""
    if not (folder / "deals.csv").is_file():
        subprocess.run([str(SALESNB), "demo", "--out", str(folder), "--deals", str(deals)], check=True)
    raw = yaml.safe_load((REPO / "params" / "demo.yaml").read_text(encoding="utf-8"))
    raw["data"]["base_dir"] = str(folder)
    params = folder / "bench.yaml"
    params.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return params


def all_reports(folder: Path, deals: int) -> dict:
    params = demo_data(folder, deals)
    result = measure([str(SALESNB), "run", str(params), "--jobs", "2", "--out", str(folder / "out")])
    load = next((line for line in result["output"].splitlines() if line.startswith("data ok")), "")
    result["load"] = load
    return result


def check_memory(folder: Path, deals: int) -> dict:
    return measure([str(SALESNB), "check", str(demo_data(folder, deals))])


def funnel_memory(folder: Path, deals: int) -> dict:
    params = demo_data(folder, deals)
    return measure([str(SALESNB), "run", str(params), "--only", "funnel", "--out", str(folder / "out")])


def postgres_check(folder: Path, deals: int) -> dict:
    """`salesnb check` on the demo loaded into PostgreSQL against the same files, and what the server ran."""
    sys.path.insert(0, str(REPO))
    from tests.backends.pgserver import running_postgres, unavailable_reason

    why = unavailable_reason()
    if why:
        return {"skipped": why}
    import psycopg

    params_files = demo_data(folder, deals)
    files = measure([str(SALESNB), "check", str(params_files)])
    raw = yaml.safe_load(params_files.read_text(encoding="utf-8"))
    with running_postgres() as url:
        with psycopg.connect(url) as con, con.cursor() as cur:
            cur.execute(
                "create function bench_try_timestamp(t text) returns timestamp language plpgsql immutable as "
                "$$ begin return t::timestamp; exception when others then return null; end $$"
            )
            for name in ("reps", "deals", "stage_history", "activities", "targets", "surveys", "costs"):
                path = folder / f"{name}.csv"
                with path.open(encoding="utf-8") as handle:
                    header = next(csv.reader(handle))
                columns = ", ".join(f'"{c}" text' for c in header)
                cur.execute(f'create temp table "load_{name}" ({columns})')
                copy_sql = f'copy "load_{name}" from stdin (format csv, header true)'
                with path.open("rb") as handle, cur.copy(copy_sql) as copy:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        copy.write(block)
                # A CRM database stores dates and amounts typed; text that is no date/number becomes NULL.
                cur.execute(f'create table "{name}" as select {typed(name, header)} from "load_{name}"')
            con.commit()
            if url.stat_statements:
                cur.execute("select pg_stat_statements_reset()")
        raw["data"]["source"] = str(url)
        raw["data"]["tables"] = {
            name: {**spec, "table": name} | {"file": None} for name, spec in (raw["data"].get("tables") or {}).items()
        }
        for name in ("reps", "deals", "stage_history", "activities", "targets", "surveys", "costs"):
            raw["data"]["tables"].setdefault(name, {"table": name})
        for spec in raw["data"]["tables"].values():
            spec.pop("file", None)
        pg_params = folder / "bench_pg.yaml"
        pg_params.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        database = measure([str(SALESNB), "check", str(pg_params)])
        statements = []
        if url.stat_statements:
            with psycopg.connect(url) as con, con.cursor() as cur:
                cur.execute(
                    "select query, calls, rows, round(total_exec_time) from pg_stat_statements "
                    "order by total_exec_time desc limit 6"
                )
                statements = [{"query": q[:300], "calls": c, "rows": r, "ms": ms} for q, c, r, ms in cur.fetchall()]
                # Rows returned to Python: the largest result of any SELECT the check sent.
                cur.execute(
                    "select query, calls, rows, round(total_exec_time) from pg_stat_statements "
                    "where query ilike 'select%' order by rows / greatest(calls, 1) desc limit 3"
                )
                statements += [{"query": q[:300], "calls": c, "rows": r, "ms": ms} for q, c, r, ms in cur.fetchall()]
    deal_rows = deals + deals // 400  # the demo adds bad rows
    return {
        "files_s": files["seconds"],
        "files_peak_mb": files["peak_mb"],
        "database_s": database["seconds"],
        "database_peak_mb": database["peak_mb"],
        "largest_selects": statements,
        "deal_rows": deal_rows,
        "output": database["output"],
    }


def typed(name: str, header: list[str]) -> str:
    """SELECT list casting the demo's date and number columns to the types a database would use."""
    from salesnb import schema

    kinds = schema.TABLES[name].columns
    out = []
    for column in header:
        quoted = f'"{column}"'
        if kinds.get(column) == schema.DATE:
            out.append(f"bench_try_timestamp({quoted}) as {quoted}")
        elif kinds.get(column) == schema.NUMBER:
            out.append(f"case when {quoted} ~ '^-?[0-9.]+$' then {quoted}::double precision end as {quoted}")
        else:
            out.append(quoted)
    return ", ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["all-reports", "check-memory", "funnel-memory", "postgres-check"])
    parser.add_argument("--deals", type=int, required=True)
    parser.add_argument("--data", type=Path, help="Folder for (or with) the generated demo files.")
    args = parser.parse_args()
    folder = args.data or Path(tempfile.mkdtemp(prefix=f"salesnb-{args.deals}-"))
    folder.mkdir(parents=True, exist_ok=True)
    run = {
        "all-reports": all_reports,
        "check-memory": check_memory,
        "funnel-memory": funnel_memory,
        "postgres-check": postgres_check,
    }[args.what]
    print(json.dumps(run(folder, args.deals)))


if __name__ == "__main__":
    main()
