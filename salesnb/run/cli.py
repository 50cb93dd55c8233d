"""The ``salesnb`` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from salesnb.errors import SalesnbError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Sales-performance reports from CRM exports.")


def _fail(exc: SalesnbError) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@app.command()
def run(
    params: Annotated[Path, typer.Argument(help="Params YAML file, e.g. params/demo.yaml.")],
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only these reports (repeat or comma-separate).")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Notebooks run in parallel.")] = 1,
    out: Annotated[Path | None, typer.Option(help="Output root (default: outputs/).")] = None,
    notebooks: Annotated[Path | None, typer.Option(help="Folder of report notebooks (default: notebooks/).")] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait",
            help="If another run is writing to the same output folder, wait for it (default) or stop at once (exit 2).",
        ),
    ] = True,
    pdf: Annotated[
        bool,
        typer.Option(
            "--pdf",
            help="Also print each report to PDF with headless Chromium (skipped, with how to enable it, when absent).",
        ),
    ] = False,
    anonymise: Annotated[
        bool,
        typer.Option(
            "--anonymise",
            help="Replace rep, manager, team and account names by pseudonyms (as 'anonymise: true' in the params).",
        ),
    ] = False,
) -> None:
    """Validate params and data, execute the report notebooks and render HTML into outputs/<client>/<period>/."""
    from salesnb.run.runner import run as run_reports

    names = [name.strip() for item in only or [] for name in item.split(",") if name.strip()]
    try:
        result = run_reports(
            params,
            only=names or None,
            jobs=jobs,
            output_root=out,
            notebooks_dir=notebooks,
            wait=wait,
            pdf=pdf,
            anonymise=anonymise,
        )
    except SalesnbError as exc:
        _fail(exc)
    if not result.ok:
        failed = ", ".join(r.stem for r in result.results if not r.ok)
        typer.secho(f"error: {failed} failed; the last good HTML was left in place.", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)


@app.command()
def check(
    params: Annotated[Path, typer.Argument(help="Params YAML file.")],
    anonymise: Annotated[
        bool, typer.Option("--anonymise", help="Also check that names can be replaced by pseudonyms (writes nothing).")
    ] = False,
) -> None:
    """Validate params and data and print the row accounting, without running any notebook."""
    from salesnb.data import read_canonical
    from salesnb.data.anonymise import anonymise as anonymise_load
    from salesnb.data.anonymise import enable
    from salesnb.labels import reason_label
    from salesnb.params import load_params
    from salesnb.run.checks import check_against_data

    try:
        loaded = load_params(params)
        loaded = enable(loaded) if anonymise else loaded
        canonical, report = read_canonical(loaded)
        try:
            check_against_data(loaded, canonical.tables)
            if loaded.anonymise.enabled:
                canonical, report = anonymise_load(loaded, canonical, report, save_key=False)
        finally:
            canonical.close()
    except SalesnbError as exc:
        _fail(exc)
    except OSError as exc:  # a folder the load needs (data.engine.temp_dir, the data) cannot be made or read
        where = exc.filename or "a file"
        _fail(SalesnbError(f"{params}: cannot use {where} while reading the data: {exc.strerror or exc}."))
    for name, account in report.accounts.items():
        typer.echo(
            f"{name:14} read {account.rows_read:>10,}  used {account.rows_used:>10,}  "
            f"excluded {account.rows_excluded:>8,}   ({account.origin})"
        )
        for issue in account.excluded:
            typer.echo(f"{'':16}- excluded {issue.count:>8,}  {reason_label(issue.reason, 'en')}")
        for issue in account.flagged:
            typer.echo(f"{'':16}- flagged  {issue.count:>8,}  {reason_label(issue.reason, 'en')}")
    for name, why in report.absent.items():
        typer.echo(f"{name:14} absent ({why.replace('_', ' ')})")
    if report.anonymised is not None:
        counts = ", ".join(f"{n:,} {what}" for what, n in report.anonymised.counts.items())
        typer.echo(f"anonymise      {counts} would appear under pseudonyms")


@app.command()
def init(
    paths: Annotated[list[Path], typer.Argument(help="The client's CRM export: files and/or folders of files.")],
    out: Annotated[
        Path | None, typer.Option(help="Params file to write (default: params/<client>.yaml). Nothing else is written.")
    ] = None,
    lang: Annotated[str | None, typer.Option(help="Report language, zh or en (default: from the headers).")] = None,
    client: Annotated[str | None, typer.Option(help="Client name (default: the data folder's name).")] = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", help="Accept low-confidence column guesses and overwrite --out even if someone edited it."
        ),
    ] = False,
) -> None:
    """Propose a params file for a client's CRM export, write it with every guess marked, then check it."""
    from salesnb.run.initialise import default_out
    from salesnb.run.initialise import init as write_params

    if lang is not None and lang not in ("zh", "en"):
        _fail(SalesnbError(f"--lang is {lang!r}; use zh or en."))
    try:
        target = out or default_out(paths, client)
        result = write_params(paths, out=target, lang=lang, client=client, yes=yes)
    except SalesnbError as exc:
        _fail(exc)
    for line in result.summary:
        typer.echo(line)
    typer.echo(f"\nWrote {result.path}. Checking it as `salesnb check` does:\n")
    failed: typer.Exit | None = None
    try:
        check(result.path)
    except typer.Exit as exc:
        failed = exc
    typer.echo("\nWhat you must decide (search the file for TODO):")
    for item in result.decisions or ["nothing: every value was found, but read the 'guessed' ones"]:
        typer.echo(f"  - {item}")
    if failed is not None:
        raise failed


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo CSV files and ground_truth.json.")] = Path("data/demo"),
    deals: Annotated[int, typer.Option(min=100, help="Number of deals.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
    file_format: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Generate the demo company's CRM export with planted truths."""
    import time

    from salesnb.demo import write_demo

    started = time.perf_counter()
    path = write_demo(out, n_deals=deals, seed=seed, file_format=file_format)
    typer.echo(f"demo data ({deals:,} deals, seed {seed}) written to {path} in {time.perf_counter() - started:.1f}s")


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option(help="Write the schema to this file instead of printing it.")] = None,
) -> None:
    """Print the JSON Schema of a params file (docs/params.schema.json), for editors and other tools."""
    import json

    from salesnb.run.params_schema import params_json_schema

    text = json.dumps(params_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(SalesnbError(f"{out}: cannot write the schema: {exc.strerror or exc}."))
    typer.echo(f"JSON Schema of a params file written to {out}")


@app.command()
def kernel() -> None:
    """Register the 'salesnb' Jupyter kernel for this environment (the runner also does this itself)."""
    from salesnb.run.runner import ensure_kernel

    typer.echo(f"kernel 'salesnb' for {sys.executable} registered in {ensure_kernel()}")


if __name__ == "__main__":
    app()
