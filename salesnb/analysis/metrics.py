"""KPI definitions shared by every report: one definition per KPI (docs/metrics.md).

Everything that scans rows is an Ibis expression; results come back as small pandas
frames. Windows are inclusive calendar dates: a deal closed at any time on ``end``
belongs to the window.

- revenue: sum of ``amount`` of won deals closed in the window
- win rate: won / (won + lost) among deals closed in the window
- average deal size: mean amount of won deals closed in the window
- sales cycle: closed_at − created_at in days, won deals closed in the window (mean and median)
- pipeline created: count and amount of deals created in the window (any status)
- new customer: account whose first won deal (over all history) closes in the window
- retention: accounts buying in both the previous and this window / accounts buying in the previous
- activities: activity rows in the window; CSAT: mean survey score on a 0–100 scale
- attainment: revenue / revenue target of the periods inside the window
- rep attrition: leavers in the window / mean daily headcount (employed from hired_at through left_at)
- coverage: share of a window's days between the first and last date the data holds for a figure
  (first closed date for closed-deal KPIs, first created date for created-deal KPIs, both up to the
  last date of any kind in the deals table); a window covered < 90 % is not compared

Deals a real export leaves incomplete are kept and placed where they can be: a deal without an
owner (``rep_id`` NULL) counts in every team figure and in no rep's (breakdowns by rep or team show
such deals as one "Unassigned" group: :func:`label_unassigned`); a lost deal without a close date
counts in conversion but in no window's win rate; a deal without a created date is in no window by
creation date and has no cycle time (:func:`date_gaps` counts them for the reports to say so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import numpy as np
import pandas as pd

from salesnb import schema
from salesnb.analysis.stats import wilson_interval
from salesnb.data import CrmData, deal_dates
from salesnb.params import Params, parse_period


@dataclass(frozen=True)
class Window:
    """A reporting window: label plus first and last day (inclusive)."""

    label: str
    start: date
    end: date

    @property
    def end_exclusive(self) -> date:
        return self.end + timedelta(days=1)

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def shifted(self, months: int, *, fiscal_year_start: int) -> Window:
        """The window of the same length moved by ``months`` (negative = earlier)."""
        start = _add_months(self.start, months)
        end = _add_months(date(self.end.year, self.end.month, 1), months)
        end = _add_months(end, 1) - timedelta(days=1)
        return Window(window_label(start, end, fiscal_year_start=fiscal_year_start), start, end)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def window_label(start: date, end: date, *, fiscal_year_start: int = 1) -> str:
    """A label in the params' own style: 2025-Q3, 2025-09, 2025 or FY2025.

    >>> window_label(date(2024, 4, 1), date(2024, 6, 30), fiscal_year_start=4)
    '2025-Q1'
    """
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    fiscal_year = start.year + (1 if fiscal_year_start != 1 and start.month >= fiscal_year_start else 0)
    index = (start.month - fiscal_year_start) % 12
    if months == 1:
        return f"{start:%Y-%m}"
    if months == 3 and index % 3 == 0:
        return f"{fiscal_year}-Q{index // 3 + 1}"
    if months == 6 and index % 6 == 0:
        return f"{fiscal_year}-H{index // 6 + 1}"
    if months == 12 and index == 0:
        return f"FY{fiscal_year}" if fiscal_year_start != 1 else str(fiscal_year)
    return f"{start:%Y-%m-%d}–{end:%Y-%m-%d}"


def trailing_months(end: date, months: int = 12) -> Window:
    """The ``months`` calendar months ending with the month of ``end`` (through ``end`` itself).

    >>> trailing_months(date(2025, 12, 31)).label
    '2025-01–2025-12'
    """
    start = _add_months(end.replace(day=1), -(months - 1))
    return Window(f"{start:%Y-%m}–{end:%Y-%m}", start, end)


def comparison_windows(params: Params) -> dict[str, Window]:
    """The report period, the one before it, and the same period a year earlier."""
    p = params.period
    current = Window(p.label, p.start, p.end)
    fy = params.fiscal_year_start
    return {
        "current": current,
        "previous": current.shifted(-current.months, fiscal_year_start=fy),
        "last_year": current.shifted(-12, fiscal_year_start=fy),
    }


# A comparison window the data covers less than this is shown as "–", not as a partial figure.
COVERAGE_MIN = 0.9
# The date each KPI is counted on (its coverage basis).
KPI_BASIS = {
    "revenue": "closed",
    "won": "closed",
    "lost": "closed",
    "closed": "closed",
    "win_rate": "closed",
    "avg_deal_size": "closed",
    "median_cycle_days": "closed",
    "mean_cycle_days": "closed",
    "new_customers": "closed",
    "attainment": "closed",
    "deals_created": "created",
    "pipeline_created": "created",
    "activities": "activities",
    "csat": "surveys",
}


def date_spans(data: CrmData) -> pd.DataFrame:
    """First and last date the data holds per coverage basis (basis, first, last).

    Deals give two bases sharing one end, the last created or closed date (the data's reach):
    ``closed`` starts at the first closed date, ``created`` at the first created date.
    Activities and surveys, when present, span their own dates.
    """
    row = deal_dates(data.deals)
    last = pd.Series([row["last_created"], row["last_closed"]]).max()
    rows = [("closed", row["first_closed"], last), ("created", row["first_created"], last)]
    for basis, table, column in (("activities", "activities", "occurred_at"), ("surveys", "surveys", "surveyed_at")):
        if data.has(table):
            values = data.table(table)[column]
            span = data.table(table).aggregate(first=values.min(), last=values.max()).to_pandas().iloc[0]
            rows.append((basis, span["first"], span["last"]))
    out = pd.DataFrame(rows, columns=["basis", "first", "last"])
    out["first"] = pd.to_datetime(out["first"]).dt.normalize()
    out["last"] = pd.to_datetime(out["last"]).dt.normalize()
    return out


def window_coverage(window: Window, first, last) -> float:
    """Share of the window's days that lie between ``first`` and ``last`` (inclusive dates).

    >>> window_coverage(Window("2016-Q4", date(2016, 10, 1), date(2016, 12, 31)), date(2016, 10, 20), date(2017, 12, 31))
    0.7934782608695652
    """
    if first is None or last is None or pd.isna(first) or pd.isna(last):
        return 0.0
    start = max(window.start, pd.Timestamp(first).date())
    end = min(window.end, pd.Timestamp(last).date())
    days = (window.end - window.start).days + 1
    return max((end - start).days + 1, 0) / days


def coverage_table(spans: pd.DataFrame, windows: dict[str, Window]) -> pd.DataFrame:
    """Coverage of each window per basis: window, label, start, end, basis, first, last, coverage, complete."""
    rows = [
        (
            name,
            window.label,
            pd.Timestamp(window.start),
            pd.Timestamp(window.end),
            s.basis,
            s.first,
            s.last,
            window_coverage(window, s.first, s.last),
        )
        for name, window in windows.items()
        for s in spans.itertuples()
    ]
    out = pd.DataFrame(rows, columns=["window", "label", "start", "end", "basis", "first", "last", "coverage"])
    out["complete"] = out["coverage"] >= COVERAGE_MIN
    return out


def window_from_text(text: str, *, fiscal_year_start: int = 1) -> Window:
    period = parse_period(text, fiscal_year_start=fiscal_year_start)
    return Window(period["label"], period["start"], period["end"])


# --- deals ------------------------------------------------------------------------------------


def deals_with_team(data: CrmData) -> ibis.Table:
    """Deals with the rep's team (and name) attached when the reps table has them."""
    deals = data.deals
    if not data.has("reps"):
        return deals
    reps = data.reps
    extra = [c for c in ("team", "name") if c in reps.columns and c not in deals.columns]
    if not extra:
        return deals
    lookup = reps.select("rep_id", *extra)
    return deals.left_join(lookup, "rep_id").drop("rep_id_right")


def label_unassigned(deals: ibis.Table, column: str = "rep_id") -> ibis.Table:
    """Deals with the owner-less ones (``rep_id`` NULL) labelled :data:`schema.UNASSIGNED` in ``column``.

    For breakdowns only (a by-rep or by-team table or chart), where the unassigned bucket is shown as
    one group of its own; rankings, tests, targets and controls use the unlabelled table, in which
    such deals belong to no rep and no team.
    """
    unassigned = ibis.literal(schema.UNASSIGNED)
    if column == "rep_id":
        return deals.mutate(rep_id=ibis.coalesce(deals.rep_id, unassigned))
    return deals.mutate(**{column: ibis.ifelse(deals.rep_id.isnull(), unassigned, deals[column])})


def owner_counts(deals: ibis.Table) -> dict[str, int]:
    """Deals in all and without an owner, with the won deals of each (whole history)."""
    won = deals.status == schema.WON
    row = (
        deals.aggregate(
            deals=deals.count(),
            unassigned=deals.rep_id.isnull().sum(),
            won=won.sum(),
            unassigned_won=(won & deals.rep_id.isnull()).sum(),
        )
        .to_pandas()
        .iloc[0]
    )
    return {k: int(v or 0) for k, v in row.items()}


def date_gaps(deals: ibis.Table, window: Window | None = None) -> dict[str, int]:
    """Deals a dated figure cannot place, as counts (whole history unless ``window`` is given):

    - ``lost_undated``: lost deals without a close date (counted in conversion, in no window's win rate);
    - ``no_created``: deals without a created date (in no window by creation date, no cycle time);
    - ``closed_no_created``: won or lost deals with a close date but no created date (no time to close);
    - ``won_no_created``: won deals closed in ``window`` without a created date (left out of its cycle time).
    """
    closed = deals.status.isin(schema.CLOSED_STATUSES)
    won_in = deals.status == schema.WON
    if window is not None:
        won_in = won_in & _in_window(deals.closed_at, window)
    row = (
        deals.aggregate(
            lost_undated=((deals.status == schema.LOST) & deals.closed_at.isnull()).sum(),
            no_created=deals.created_at.isnull().sum(),
            closed_no_created=(closed & deals.closed_at.notnull() & deals.created_at.isnull()).sum(),
            won_no_created=(won_in & deals.closed_at.notnull() & deals.created_at.isnull()).sum(),
        )
        .to_pandas()
        .iloc[0]
    )
    return {k: int(v or 0) for k, v in row.items()}


def to_frame(table: ibis.Table) -> pd.DataFrame:
    """A query's rows as a pandas frame, through Arrow.

    For row-level results (hundreds of thousands of rows): Ibis' ``to_pandas`` on DuckDB turns every
    column that holds a null into Python objects first (``to_pylist``), 18× slower on the funnel's
    350 k deal rows at 1 M deals. The values are the same; timestamps keep Arrow's unit.
    """
    return table.to_pyarrow().to_pandas()


def _in_window(column: ibis.Column, window: Window) -> ibis.BooleanValue:
    return (column >= ibis.timestamp(window.start.isoformat())) & (
        column < ibis.timestamp(window.end_exclusive.isoformat())
    )


DEAL_KPI_COLUMNS = [
    "revenue",
    "won",
    "lost",
    "closed",
    "win_rate",
    "win_rate_low",
    "win_rate_high",
    "avg_deal_size",
    "mean_cycle_days",
    "median_cycle_days",
    "deals_created",
    "pipeline_created",
]


def deal_kpis(deals: ibis.Table, window: Window, *, by: list[str] | str | None = None) -> pd.DataFrame:
    """Deal KPIs for one window, overall or per group (``by`` = rep_id, team, segment, …).

    Returns one row per group with revenue, won, lost, closed, win_rate (+ Wilson 95 %
    interval), avg_deal_size, mean/median cycle days, deals_created and pipeline_created.
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    closed = deals.filter(deals.status.isin(schema.CLOSED_STATUSES) & _in_window(deals.closed_at, window))
    won = closed.status == schema.WON
    cycle = (closed.closed_at.epoch_seconds() - closed.created_at.epoch_seconds()) / 86400
    closed_metrics = dict(
        revenue=closed.amount.sum(where=won),
        won=won.sum(),
        lost=(closed.status == schema.LOST).sum(),
        avg_deal_size=closed.amount.mean(where=won),
        mean_cycle_days=cycle.mean(where=won),
        # the filter on the argument, not where=: ibis 12 renders median(where=) invalid for Spark
        median_cycle_days=ibis.ifelse(won, cycle, ibis.null()).median(),
    )
    created = deals.filter(_in_window(deals.created_at, window))
    created_metrics = dict(deals_created=created.count(), pipeline_created=created.amount.sum())
    if keys:
        a = closed.group_by(keys).aggregate(**closed_metrics).to_pandas()
        b = created.group_by(keys).aggregate(**created_metrics).to_pandas()
        out = a.merge(b, on=keys, how="outer")
    else:
        out = pd.concat(
            [closed.aggregate(**closed_metrics).to_pandas(), created.aggregate(**created_metrics).to_pandas()], axis=1
        )
    for column in ("won", "lost", "deals_created"):
        out[column] = out[column].astype("float64").fillna(0).astype("int64")
    out["revenue"] = out["revenue"].fillna(0.0)
    out["pipeline_created"] = out["pipeline_created"].fillna(0.0)
    out["closed"] = out["won"] + out["lost"]
    out["win_rate"] = np.where(out["closed"] > 0, out["won"] / out["closed"].where(out["closed"] > 0, 1), np.nan)
    out["win_rate_low"], out["win_rate_high"] = wilson_interval(out["won"], out["closed"])
    return out[keys + DEAL_KPI_COLUMNS].sort_values(keys).reset_index(drop=True) if keys else out[DEAL_KPI_COLUMNS]


def pipeline_amount_gaps(deals: ibis.Table, window: Window) -> dict[str, float]:
    """Deals created in the window by status, and how many carry no amount (missing or 0).

    When lost deals carry no amount, pipeline created is mostly the value of deals that were won.
    Returns created, won, lost, open, lost_no_amount, open_no_amount, won_share (won amount /
    pipeline created) and no_created_date (deals of any window that cannot be placed in one).
    """
    created = deals.filter(_in_window(deals.created_at, window))
    blank = created.amount.isnull() | (created.amount == 0)
    status = created.status
    row = (
        created.aggregate(
            created=created.count(),
            won=(status == schema.WON).sum(),
            lost=(status == schema.LOST).sum(),
            open=(status == schema.OPEN).sum(),
            lost_no_amount=((status == schema.LOST) & blank).sum(),
            open_no_amount=((status == schema.OPEN) & blank).sum(),
            won_amount=created.amount.sum(where=status == schema.WON),
            amount=created.amount.sum(),
        )
        .to_pandas()
        .iloc[0]
    )
    out = {k: int(row[k] or 0) for k in ("created", "won", "lost", "open", "lost_no_amount", "open_no_amount")}
    out["no_created_date"] = int(deals.filter(deals.created_at.isnull()).count().execute())
    amount = float(row["amount"] or 0)
    out["won_share"] = float(row["won_amount"] or 0) / amount if amount else float("nan")
    return out


def monthly_trend(deals: ibis.Table, *, rolling_months: int = 3) -> pd.DataFrame:
    """Revenue, won, closed and win rate per month of closing, with a rolling window over months."""
    closed = deals.filter(deals.status.isin(schema.CLOSED_STATUSES) & deals.closed_at.notnull())
    won = closed.status == schema.WON
    month = closed.closed_at.truncate("M").name("month")
    out = (
        closed.group_by(month)
        .aggregate(revenue=closed.amount.sum(where=won), won=won.sum(), closed=closed.count())
        .to_pandas()
        .sort_values("month")
    )
    if out.empty:  # nothing has closed yet
        columns = ["month", "revenue", "won", "closed", "win_rate", "revenue_rolling", "win_rate_rolling"]
        return pd.DataFrame(columns=columns)
    months = pd.date_range(out["month"].min(), out["month"].max(), freq="MS")
    out = out.set_index("month").reindex(months, fill_value=0).rename_axis("month").reset_index()
    out["revenue"] = out["revenue"].fillna(0.0)
    out["win_rate"] = out["won"] / out["closed"].where(out["closed"] > 0)
    rolled = out[["revenue", "won", "closed"]].rolling(rolling_months, min_periods=rolling_months).sum()
    out["revenue_rolling"] = rolled["revenue"] / rolling_months
    out["win_rate_rolling"] = rolled["won"] / rolled["closed"].where(rolled["closed"] > 0)
    return out


# --- customers --------------------------------------------------------------------------------


def _won_deals(deals: ibis.Table) -> ibis.Table:
    return deals.filter((deals.status == schema.WON) & deals.closed_at.notnull() & deals.account_id.notnull())


def buying_accounts(deals: ibis.Table, window: Window) -> set[str]:
    """Accounts with a won deal closed in the window."""
    won = _won_deals(deals)
    rows = won.filter(_in_window(won.closed_at, window)).select("account_id").distinct().to_pandas()
    return set(rows["account_id"])


def new_customers(deals: ibis.Table, window: Window) -> int:
    """Accounts whose first won deal over all history closes in the window."""
    won = _won_deals(deals)
    first = won.group_by("account_id").aggregate(first_win=won.closed_at.min())
    return int(first.filter(_in_window(first.first_win, window)).count().execute())


def retention(deals: ibis.Table, window: Window, previous: Window) -> tuple[float, int, int]:
    """(rate, kept, base): accounts buying in both windows / accounts buying in the previous one."""
    before = buying_accounts(deals, previous)
    now = buying_accounts(deals, window)
    kept = len(before & now)
    return (kept / len(before) if before else float("nan")), kept, len(before)


def account_revenue(deals: ibis.Table, window: Window) -> pd.DataFrame:
    """Won revenue and won deals per account in the window, largest first."""
    won = _won_deals(deals)
    won = won.filter(_in_window(won.closed_at, window))
    out = won.group_by("account_id").aggregate(revenue=won.amount.sum(), deals=won.count()).to_pandas()
    return out.sort_values(["revenue", "account_id"], ascending=[False, True]).reset_index(drop=True)


def concentration(accounts: pd.DataFrame, shares: tuple[float, ...] = (0.1, 0.2)) -> pd.DataFrame:
    """Share of revenue from the top x % of accounts (Pareto), for each x in ``shares``."""
    total = accounts["revenue"].sum()
    rows = []
    for share in shares:
        top = int(np.ceil(len(accounts) * share)) if len(accounts) else 0
        revenue = accounts["revenue"].head(top).sum()
        rows.append((share, top, revenue, revenue / total if total else float("nan")))
    return pd.DataFrame(rows, columns=["top_share", "accounts", "revenue", "revenue_share"])


def repeat_purchase_rate(deals: ibis.Table, *, until: date) -> tuple[float, int, int]:
    """(rate, repeat, buyers): accounts with two or more won deals / accounts with one, up to ``until``."""
    won = _won_deals(deals)
    won = won.filter(won.closed_at < ibis.timestamp((until + timedelta(days=1)).isoformat()))
    counts = won.group_by("account_id").aggregate(n=won.count()).to_pandas()
    buyers = len(counts)
    repeat = int((counts["n"] >= 2).sum())
    return (repeat / buyers if buyers else float("nan")), repeat, buyers


# --- other tables ------------------------------------------------------------------------------


def activity_counts(activities: ibis.Table, window: Window, *, by: str = "rep_id") -> pd.DataFrame:
    """Activities per group in the window: total and one column per type (call, visit, …)."""
    inside = activities.filter(_in_window(activities.occurred_at, window))
    counts = inside.group_by([by, "type"]).aggregate(n=inside.count()).to_pandas()
    if counts.empty:
        return pd.DataFrame(columns=[by, "activities"])
    wide = counts.pivot_table(index=by, columns="type", values="n", aggfunc="sum", fill_value=0)
    wide.columns = [f"activities_{c}" for c in wide.columns]
    wide.insert(0, "activities", wide.sum(axis=1))
    return wide.astype("int64").reset_index()


# Scales surveys are commonly asked on (1–5, 1–7, 0–10, 0–100): scores that come without their scale are
# read on the smallest of them that holds the highest such score, and the data audit says so.
SURVEY_SCALES = (5.0, 7.0, 10.0, 100.0)


def unscaled_scores(surveys: ibis.Table) -> tuple[int, float | None]:
    """How many survey scores come without a scale (no scale column, or a blank scale) and the highest."""
    unscaled = surveys.filter(surveys.scale.isnull()) if "scale" in surveys.columns else surveys
    row = unscaled.aggregate(n=unscaled.count(), top=unscaled.score.max()).to_pandas().iloc[0]
    return int(row["n"]), (None if pd.isna(row["top"]) else float(row["top"]))


def survey_scale(surveys: ibis.Table) -> float | None:
    """The scale taken for scores without one: the smallest of :data:`SURVEY_SCALES` holding the highest of
    them (a 1–5 survey's 4 is 80 out of 100, not 4); None when every score has its scale or the highest
    lies above 100 (then scores are read as given)."""
    n, top = unscaled_scores(surveys)
    if not n or top is None:
        return None
    return next((scale for scale in SURVEY_SCALES if top <= scale), None)


def csat_score(surveys: ibis.Table) -> ibis.Value:
    """Each survey's score on a 0–100 scale: score / scale × 100, with its own scale or, where it has none,
    :func:`survey_scale`'s. One rule for the diagnosis, the targets' CSAT history and the case study."""
    assumed = survey_scale(surveys)
    given = surveys.scale.cast("float64") if "scale" in surveys.columns else ibis.null("float64")
    scale = given.fill_null(assumed) if assumed is not None else given
    return ibis.coalesce(surveys.score * 100 / scale, surveys.score)


def csat(surveys: ibis.Table, window: Window, *, by: str | None = None) -> pd.DataFrame:
    """Mean survey score on a 0–100 scale (:func:`csat_score`) and responses."""
    inside = surveys.mutate(snb_score=csat_score(surveys)).filter(_in_window(surveys.surveyed_at, window))
    metrics = dict(csat=inside.snb_score.mean(), responses=inside.count())
    if by:
        return inside.group_by(by).aggregate(**metrics).to_pandas()
    return inside.aggregate(**metrics).to_pandas()


def revenue_targets(targets: ibis.Table, window: Window, *, by: str | None = None) -> pd.DataFrame:
    """Revenue targets of the periods lying inside the window.

    Rep-level rows are summed when there are any (team rows would count the same money
    twice); otherwise team-level rows are used.
    """
    inside = targets.filter(
        (targets.metric.lower() == "revenue")
        & (targets.period_start >= ibis.timestamp(window.start.isoformat()))
        & (targets.period_end < ibis.timestamp(window.end_exclusive.isoformat()))
    )
    has_rep = "rep_id" in inside.columns
    rep_rows = inside.filter(inside.rep_id.notnull()) if has_rep else None
    if by == "rep_id":
        if rep_rows is None:
            return pd.DataFrame(columns=["rep_id", "target"])
        return rep_rows.group_by("rep_id").aggregate(target=rep_rows.value.sum()).to_pandas()
    if rep_rows is not None and int(rep_rows.count().execute()) > 0:
        return rep_rows.aggregate(target=rep_rows.value.sum()).to_pandas()
    team_rows = inside.filter(inside.rep_id.isnull()) if has_rep else inside
    return team_rows.aggregate(target=team_rows.value.sum()).to_pandas()


def headcount(reps: pd.DataFrame, window: Window) -> pd.Series:
    """Reps employed on each day of the window (from hired_at through left_at, inclusive)."""
    days = pd.date_range(window.start, window.end, freq="D")
    hired = reps["hired_at"] if "hired_at" in reps else pd.Series(pd.NaT, index=reps.index)
    left = reps["left_at"] if "left_at" in reps else pd.Series(pd.NaT, index=reps.index)
    hired = hired.astype("datetime64[ns]").to_numpy()
    left = left.astype("datetime64[ns]").to_numpy()
    hired = np.where(np.isnat(hired), np.datetime64("1900-01-01", "ns"), hired)  # no hire date: always employed
    left = np.where(np.isnat(left), np.datetime64("2200-01-01", "ns"), left)  # still employed
    day_values = days.to_numpy(dtype="datetime64[ns]")
    employed = (day_values[None, :] >= hired[:, None]) & (day_values[None, :] <= left[:, None])
    return pd.Series(employed.sum(axis=0), index=days)


def rep_attrition(reps: pd.DataFrame, window: Window) -> dict[str, float]:
    """Leavers in the window, mean daily headcount, and their ratio (annualised when the window is not a year)."""
    if "left_at" not in reps:
        return {
            "leavers": float("nan"),
            "average_headcount": float("nan"),
            "rate": float("nan"),
            "annualised": float("nan"),
        }
    left = reps["left_at"]
    leavers = int(((left >= pd.Timestamp(window.start)) & (left < pd.Timestamp(window.end_exclusive))).sum())
    average = float(headcount(reps, window).mean())
    rate = leavers / average if average else float("nan")
    days = (window.end_exclusive - window.start).days
    return {"leavers": leavers, "average_headcount": average, "rate": rate, "annualised": rate * 365.25 / days}
