"""The key tables of every report, computed from one CrmData, and a backend-neutral comparison.

Used by the PostgreSQL and Spark equality tests (and importable by benchmarks): each report's
entry point runs exactly as its notebook calls it (``data_audit``, ``diagnose``, ``plan_targets``,
``analyse_funnel``, ``run_case_study``); every frame the notebook shows or exports (the reports'
own ``tables()``), plus the scalars and the findings text it shows, is collected under
``<report>/<name>``. The funnel also runs in its two other code paths: period mode, and without
stage history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from salesnb.data import CrmData

# Floats may differ in the last bits between engines (summation order); nothing else may differ.
RTOL = 1e-9
ATOL = 1e-12


def _audit(data: CrmData) -> dict[str, object]:
    from salesnb.analysis.audit import data_audit

    audit = data_audit(data)
    out = {
        name: getattr(audit, name)
        for name in ("accounting", "exclusions", "flags", "completeness", "date_ranges", "statuses", "monthly")
    }
    out.update(currencies=audit.currencies, reps=audit.reps, moves=audit.moves, history_deals=audit.history_deals)
    out["findings"] = audit.findings("en")
    return out


def _diagnosis(data: CrmData) -> dict[str, object]:
    from salesnb.analysis import diagnosis as dx

    diag = dx.diagnose(data)
    out: dict[str, object] = dict(diag.tables())
    card = diag.scorecard
    out.update(
        team_rate=card.team_rate,
        prior=dataclasses.asdict(card.prior) if dataclasses.is_dataclass(card.prior) else card.prior,
        archetype_cut=diag.archetype_cut,
        pipeline_gaps=diag.pipeline_gaps,
        missing=diag.missing,
        findings=diag.findings("en", "CNY"),
    )
    return out


def _targets(data: CrmData) -> dict[str, object]:
    from salesnb.analysis.targets import plan_targets

    plan = plan_targets(data)
    out: dict[str, object] = dict(plan.tables())
    out.update(
        series=plan.series.rename("value").rename_axis("month").reset_index(),
        forecast=plan.forecast,
        team_target=plan.team_target,
        probability=plan.probability,
        spread=plan.spread,
        method=plan.method,
        history=dataclasses.asdict(plan.history),
        findings=plan.findings("en", "CNY"),
    )
    if plan.pacing is not None:
        out["pacing"] = {k: v for k, v in plan.pacing.items() if k != "reps"}
    if plan.forecast_path is not None:
        out["forecast_path"] = plan.forecast_path
    return out


def _funnel(data: CrmData) -> dict[str, object]:
    from salesnb.analysis.funnel import analyse_funnel

    fun = analyse_funnel(data)
    out: dict[str, object] = dict(fun.tables())
    if fun.durations is not None:
        out["durations"] = fun.durations
    out.update(
        mode=fun.mode,
        as_of=fun.as_of,
        span_months=fun.span_months,
        undated=fun.undated,
        has_history=fun.has_history,
        findings=fun.findings("en", "CNY"),
    )
    return out


def _case_study(data: CrmData) -> dict[str, object]:
    from salesnb.analysis.casestudy import run_case_study

    study = run_case_study(data)
    out: dict[str, object] = dict(study.tables())
    out.update(
        pre_trend_p=study.pre_trend_p,
        pre_trend=study.pre_trend,
        open_share_after=study.open_share_after,
        first_dates=study.first_dates,
        caveats=study.caveats,
        missing=study.missing,
        findings=study.findings("en", "CNY"),
    )
    return out


def _funnel_period(data: CrmData) -> dict[str, object]:
    """The funnel of stage entries in the window (``reports.funnel.mode: period``), another code path."""
    params = data.params
    funnel = params.reports.funnel.model_copy(update={"mode": "period"})
    reports = params.reports.model_copy(update={"funnel": funnel})
    return _funnel(dataclasses.replace(data, params=params.model_copy(update={"reports": reports})))


def _funnel_no_history(data: CrmData) -> dict[str, object]:
    """The funnel without a stage history table (a snapshot of current stages, as for the Maven data)."""
    return _funnel(dataclasses.replace(data, names=tuple(n for n in data.names if n != "stage_history")))


REPORTS: dict[str, Callable[[CrmData], dict[str, object]]] = {
    "audit": _audit,
    "diagnosis": _diagnosis,
    "targets": _targets,
    "funnel": _funnel,
    "case_study": _case_study,
    "funnel_period": _funnel_period,
    "funnel_no_history": _funnel_no_history,
}


def key_tables(data: CrmData, reports: tuple[str, ...] = tuple(REPORTS)) -> dict[str, pd.DataFrame]:
    """``<report>/<name>`` -> frame, for every report in ``reports``; scalars become one-row frames."""
    out: dict[str, pd.DataFrame] = {}
    for report in reports:
        for name, value in REPORTS[report](data).items():
            out[f"{report}/{name}"] = as_frame(value)
    return out


def as_frame(value: object) -> pd.DataFrame:
    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, pd.Series):
        return value.to_frame()
    if value is None:
        return pd.DataFrame({"value": [None]})
    if isinstance(value, dict):
        return pd.DataFrame({"key": [str(k) for k in value], "value": [_plain(v) for v in value.values()]})
    if isinstance(value, list | tuple):
        return pd.DataFrame({"value": [_plain(v) for v in value]})
    return pd.DataFrame({"value": [_plain(value)]})


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return repr(dataclasses.asdict(value))
    if isinstance(value, dict | list | tuple | pd.DataFrame | pd.Series):
        return repr(value)
    return value


# --- comparison --------------------------------------------------------------------------------------------------


def normalise(frame: pd.DataFrame, sort: bool = True) -> pd.DataFrame:
    """Engine-neutral dtypes (numbers float64, times naive datetime64[ns], text/object with None for
    missing), a plain index and, with ``sort``, rows in a canonical order."""
    out = frame.copy()
    out.attrs = {}
    if not isinstance(out.index, pd.RangeIndex) or out.index.name is not None:
        out = out.reset_index()
    out.columns = [str(c) for c in out.columns]
    for column in out.columns:
        out[column] = _column(out[column])
    out = out.reset_index(drop=True)
    if sort and len(out) > 1:
        keys = pd.DataFrame({c: out[c].map(_sort_key) for c in out.columns})
        out = out.loc[keys.sort_values(list(keys.columns), kind="stable").index].reset_index(drop=True)
    return out


def _column(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    kind = series.dtype.kind
    if kind == "b" or str(series.dtype) == "boolean":
        return series.astype(object).where(series.notna(), None)
    if kind in "iuf" or str(series.dtype) in ("Int64", "Int32", "Float64", "Int8", "Int16", "UInt8"):
        return series.astype("float64")
    if kind == "M" or isinstance(series.dtype, pd.DatetimeTZDtype):
        values = pd.to_datetime(series)
        if values.dt.tz is not None:
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        return values.astype("datetime64[ns]")
    if kind == "m":
        return series.astype("timedelta64[ns]")
    values = series.astype(object)
    return values.map(_cell).astype(object)


def _cell(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.tz_convert("UTC").tz_localize(None) if value.tzinfo else value
    if isinstance(value, dt.datetime):
        return pd.Timestamp(value)
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    return value


def _sort_key(value: object) -> tuple:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return (2, "")
    if isinstance(value, int | float | np.number):
        return (0, f"{float(value):+.6e}")  # rounded, so last-bit differences do not reorder rows
    return (1, str(value))


def differences(expected: dict[str, pd.DataFrame], actual: dict[str, pd.DataFrame]) -> dict[str, str]:
    """``name -> what differs`` (empty when every table matches after sorting rows)."""
    problems: dict[str, str] = {}
    for name in sorted(set(expected) | set(actual)):
        if name not in actual or name not in expected:
            problems[name] = "missing on " + ("the backend" if name not in actual else "DuckDB")
            continue
        problem = difference(expected[name], actual[name])
        if problem:
            problems[name] = problem
    return problems


def _kind(series: pd.Series) -> str:
    """The kind of a column, coarser than its dtype (int64 vs float64 vs Int64 are alike; a column of
    Decimal or other objects where the other side has numbers is not)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    kind = series.dtype.kind
    if kind == "b" or str(series.dtype) == "boolean":
        return "bool"
    if kind in "iuf" or str(series.dtype).startswith(("Int", "UInt", "Float")):
        return "number"
    if kind == "M" or isinstance(series.dtype, pd.DatetimeTZDtype):
        return "time"
    values = series.dropna()
    if len(values) == 0:
        return "empty"
    types = {type(v) for v in values}
    if types <= {str}:
        return "text"
    return "object(" + ",".join(sorted(t.__name__ for t in types)) + ")"


def difference(expected: pd.DataFrame, actual: pd.DataFrame) -> str | None:
    left, right = normalise(expected), normalise(actual)
    if list(left.columns) != list(right.columns):
        return f"columns differ: {list(left.columns)} vs {list(right.columns)}"
    if expected.columns.is_unique and list(map(str, expected.columns)) == list(map(str, actual.columns)):
        kinds = [
            f"{c}: {_kind(expected[c])} vs {_kind(actual[c])}"
            for c in expected.columns
            if "empty" not in (_kind(expected[c]), _kind(actual[c])) and _kind(expected[c]) != _kind(actual[c])
        ]
        if kinds:
            return "column kinds differ: " + "; ".join(kinds)
    if len(left) != len(right):
        return f"{len(left)} rows vs {len(right)}"
    try:
        pd.testing.assert_frame_equal(left, right, check_dtype=False, rtol=RTOL, atol=ATOL, check_exact=False)
    except AssertionError as exc:
        return str(exc).strip()[:1500]
    return None


def order_differences(expected: dict[str, pd.DataFrame], actual: dict[str, pd.DataFrame]) -> list[str]:
    """Tables equal as sets of rows whose row order differs (informational)."""
    out = []
    for name in sorted(set(expected) & set(actual)):
        left, right = normalise(expected[name], sort=False), normalise(actual[name], sort=False)
        if list(left.columns) != list(right.columns) or len(left) != len(right):
            continue
        try:
            pd.testing.assert_frame_equal(left, right, check_dtype=False, rtol=RTOL, atol=ATOL, check_exact=False)
        except AssertionError:
            out.append(name)
    return out


NOTEBOOK_REPORTS = ("audit", "diagnosis", "targets", "funnel", "case_study")  # without the funnel variants


def run_reports(
    data: CrmData, reports: tuple[str, ...] = tuple(REPORTS)
) -> tuple[dict[str, pd.DataFrame], dict[str, str], dict[str, float]]:
    """Key tables of ``reports``, the reports that raised (report -> error) and seconds per report."""
    import time
    import traceback

    tables: dict[str, pd.DataFrame] = {}
    errors: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for report in reports:
        start = time.perf_counter()
        try:
            tables.update(key_tables(data, (report,)))
        except Exception as exc:
            tail = "".join(traceback.format_exception(exc)[-3:])
            errors[report] = f"{type(exc).__name__}: {exc}"[:800] + "\n" + tail[-1200:]
        seconds[report] = round(time.perf_counter() - start, 1)
    return tables, errors, seconds


def assert_reports_equal(
    expected: dict[str, pd.DataFrame], data: CrmData, backend: str, reports: tuple[str, ...] = tuple(REPORTS)
) -> dict[str, float]:
    """Run ``reports`` on ``data`` and fail listing each report that raised and each table that differs."""
    actual, errors, seconds = run_reports(data, reports)
    ran = {k: v for k, v in expected.items() if k.split("/")[0] in reports and k.split("/")[0] not in errors}
    problems = differences(ran, actual)
    if errors or problems:
        lines = [f"on {backend} ({seconds} s per report):"]
        lines += [f"=== {report} raised: {error}" for report, error in errors.items()]
        lines += [f"--- {name} differs from DuckDB: {problem}" for name, problem in problems.items()]
        raise AssertionError("\n".join(lines))
    return seconds
