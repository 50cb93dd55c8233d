"""Targets (report 02): a reachable stretch target, its split to reps and days, and what it costs.

Steps: history check → baselines with backtests (:mod:`salesnb.forecast`) → team target =
chosen forecast × (1 + stretch) with its chance of being reached → split to reps (tier,
history share or equal; ramp for new hires; floors and caps; exact sum) → phasing to months,
weeks and working days → SMART audit → tiered commission → pacing of a period in progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import holidays as holiday_calendars
import numpy as np
import pandas as pd

from salesnb import forecast as fc
from salesnb import metrics
from salesnb.data import CrmData
from salesnb.metrics import Window
from salesnb.params import CommissionParams, TargetsParams

DAYS_PER_MONTH = 30.4375


# --- rounding that keeps sums exact --------------------------------------------------------------------


def round_to_total(values, total: float, *, unit: float = 1.0) -> np.ndarray:
    """Round ``values`` to multiples of ``unit`` so they add up exactly to ``total`` (largest remainder).

    >>> round_to_total([1.5, 1.5, 1.0], 4).tolist()
    [2.0, 1.0, 1.0]
    """
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return values
    units = values / unit
    floors = np.floor(units)
    short = int(round(total / unit - floors.sum()))
    order = np.argsort(-(units - floors), kind="stable")
    floors[order[:short]] += 1
    return floors * unit


# --- target period and history --------------------------------------------------------------------------


def target_window(data: CrmData) -> Window:
    """The period to set targets for: ``targets.target_period`` or the one after the params period."""
    params = data.params
    chosen = params.reports.targets.target_period
    if chosen:
        return metrics.window_from_text(chosen, fiscal_year_start=params.fiscal_year_start)
    current = metrics.comparison_windows(params)["current"]
    return current.shifted(current.months, fiscal_year_start=params.fiscal_year_start)


@dataclass(frozen=True)
class HistoryCheck:
    months: int
    warm_up: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    enough: bool
    seasonal: bool


def history_check(series: pd.Series, options: TargetsParams) -> HistoryCheck:
    trimmed, warm_up = fc.trim_warm_up(series)
    months = len(trimmed)
    return HistoryCheck(
        months=months,
        warm_up=warm_up,
        first=trimmed.index.min() if months else None,
        last=trimmed.index.max() if months else None,
        enough=months >= options.min_history_months,
        seasonal=months >= 2 * options.seasonality_months,
    )


# --- split to reps ------------------------------------------------------------------------------------------


def active_reps(data: CrmData, window: Window, *, history_end: date) -> pd.DataFrame:
    """Reps who can carry a target in the window: employed at its start or hired during it.

    Without hire/leave dates, reps with a deal in the last six months of history.
    """
    deals = data.deals
    recent_start = pd.Timestamp(metrics._add_months(history_end.replace(day=1), -5))
    recent = deals.filter(deals.created_at >= recent_start).select("rep_id").distinct().to_pandas()
    if data.has("reps"):
        reps = data.reps.to_pandas()
        if "hired_at" in reps and reps["hired_at"].notna().any():
            hired = reps["hired_at"].fillna(pd.Timestamp("1900-01-01"))
            left = reps["left_at"] if "left_at" in reps else pd.Series(pd.NaT, index=reps.index)
            stays = left.isna() | (left > pd.Timestamp(history_end))  # reps who have left get none
            keep = (hired <= pd.Timestamp(window.end)) & stays
            return reps.loc[keep].reset_index(drop=True)
        return reps[reps["rep_id"].isin(recent["rep_id"])].reset_index(drop=True)
    return recent.sort_values("rep_id").reset_index(drop=True)


def ramp_factor(hired_at: pd.Series, window: Window, options: TargetsParams) -> pd.Series:
    """Average productivity share over the window's months for reps still ramping (1 when ramped)."""
    if hired_at.isna().all():
        return pd.Series(1.0, index=hired_at.index)
    mids = pd.date_range(window.start, window.end, freq="MS") + pd.Timedelta(days=14)
    factors = []
    for hired in hired_at:
        if pd.isna(hired):
            factors.append(1.0)
            continue
        months = np.clip((mids - hired).days / DAYS_PER_MONTH, 0, None)
        share = options.ramp_start_share + (1 - options.ramp_start_share) * months / options.ramp_months
        working = np.where(mids >= hired, np.clip(share, options.ramp_start_share, 1.0), 0.0)
        factors.append(float(working.mean()))
    return pd.Series(factors, index=hired_at.index)


def capability_tiers(performance: pd.Series, tenure_months: pd.Series) -> pd.Series:
    """A/B/C by revenue per month employed (thirds); fewer than 12 months of tenure caps a rep at B."""
    ranks = performance.rank(pct=True, method="average")
    tier = np.where(ranks > 2 / 3, "A", np.where(ranks > 1 / 3, "B", "C"))
    tier = np.where((tier == "A") & (tenure_months.fillna(999) < 12), "B", tier)
    return pd.Series(tier, index=performance.index)


def clip_shares(weights: np.ndarray, total: float, floors: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` with per-rep floors and caps (water-filling)."""
    weights = np.asarray(weights, dtype=float)
    amounts = np.zeros_like(weights)
    fixed = np.zeros(len(weights), dtype=bool)
    for _ in range(len(weights) + 1):
        free = ~fixed
        remaining = total - amounts[fixed].sum()
        if not free.any():
            break
        share = weights[free] / weights[free].sum() if weights[free].sum() > 0 else np.full(free.sum(), 1 / free.sum())
        amounts[free] = remaining * share
        high = free & (amounts > caps)
        low = free & (amounts < floors)
        # Fix one side at a time: capping the top frees money that may lift reps off the floor.
        if high.any():
            amounts[high] = caps[high]
            fixed |= high
        elif low.any():
            amounts[low] = floors[low]
            fixed |= low
        else:
            break
    return amounts


def split_to_reps(
    data: CrmData, team_target: float, window: Window, options: TargetsParams, *, history_end: date
) -> pd.DataFrame:
    """Rep targets summing exactly to ``team_target`` (after rounding to ``options.rounding`` units)."""
    reps = active_reps(data, window, history_end=history_end)
    if reps.empty:
        return pd.DataFrame(columns=["rep_id", "target"])
    trailing = metrics.trailing_months(history_end)
    revenue = metrics.deal_kpis(data.deals, trailing, by="rep_id").set_index("rep_id")["revenue"]
    out = reps[[c for c in ("rep_id", "name", "team", "hired_at") if c in reps]].copy()
    out["trailing_revenue"] = out["rep_id"].map(revenue).fillna(0.0)
    hired = out["hired_at"] if "hired_at" in out else pd.Series(pd.NaT, index=out.index)
    tenure = (pd.Timestamp(window.start) - hired).dt.days / DAYS_PER_MONTH
    out["tenure_months"] = tenure
    months_in_trailing = np.clip(tenure.fillna(12), 1, 12)
    out["revenue_per_month"] = out["trailing_revenue"] / months_in_trailing
    out["ramp"] = ramp_factor(hired, window, options)
    if options.split == "equal":
        base = np.ones(len(out))
    elif options.split == "history_share":
        base = out["trailing_revenue"].to_numpy(dtype=float)
        base = np.where(base > 0, base, base[base > 0].min() if (base > 0).any() else 1.0)
    else:
        out["tier"] = capability_tiers(out["revenue_per_month"], tenure)
        base = out["tier"].map(options.tier_weights).to_numpy(dtype=float)
    weights = base * out["ramp"].to_numpy()
    average = team_target / len(out)
    floors = options.floor_share * average * out["ramp"].to_numpy()
    caps = options.cap_share * average * np.maximum(out["ramp"].to_numpy(), 1e-9)
    amounts = clip_shares(weights, team_target, floors, caps)
    out["weight"] = weights
    out["target"] = round_to_total(amounts, team_target, unit=options.rounding)
    out["share"] = out["target"] / team_target
    return out


# --- phasing ------------------------------------------------------------------------------------------------


def working_days(window: Window, country: str) -> pd.DataFrame:
    """Every day of the window with whether it is a working day (Mon–Fri, not a public holiday)."""
    days = pd.date_range(window.start, window.end, freq="D")
    calendar = holiday_calendars.country_holidays(country, years=sorted({d.year for d in days}))
    holiday = np.array([d.date() in calendar for d in days])
    names = [calendar.get(d.date(), "") for d in days]
    return pd.DataFrame(
        {"day": days, "holiday": holiday, "holiday_name": names, "working": (days.day_of_week < 5) & ~holiday}
    )


def seasonal_index(series: pd.Series) -> pd.Series | None:
    """Month-of-year index (mean 1) from full calendar years: each month over its year's mean."""
    frame = series.to_frame("value").reset_index(drop=True)
    frame["year"] = series.index.year
    frame["month"] = series.index.month
    frame = frame.dropna()
    full = frame.groupby("year")["value"].transform("size") == 12
    frame = frame[full]
    if frame.empty:
        return None
    frame["ratio"] = frame["value"] / frame.groupby("year")["value"].transform("mean")
    index = frame.groupby("month")["ratio"].mean()
    return index / index.mean()


def phase(
    total: float, window: Window, *, index: pd.Series | None, country: str, unit: float
) -> dict[str, pd.DataFrame]:
    """Phase a period total to months (seasonality), then to working days; weeks sum the days."""
    days = working_days(window, country)
    days["month"] = days["day"].dt.to_period("M").dt.to_timestamp()
    months = days.groupby("month").agg(days=("day", "size"), working_days=("working", "sum")).reset_index()
    if index is not None:
        weight = months["month"].dt.month.map(index).to_numpy(dtype=float)
        basis = "seasonality"
    else:
        weight = months["working_days"].to_numpy(dtype=float)
        basis = "working_days"
    months["share"] = weight / weight.sum()
    months["target"] = round_to_total(months["share"] * total, total, unit=unit)
    months["basis"] = basis
    daily = []
    for row in months.itertuples():
        in_month = days[days["month"] == row.month].copy()
        count = int(in_month["working"].sum())
        raw = np.where(in_month["working"], row.target / count, 0.0) if count else np.zeros(len(in_month))
        in_month["target"] = round_to_total(raw, row.target, unit=unit) if count else 0.0
        daily.append(in_month)
    days = pd.concat(daily, ignore_index=True)
    days["week_start"] = days["day"] - pd.to_timedelta(days["day"].dt.day_of_week, unit="D")
    weeks = (
        days.groupby("week_start")
        .agg(
            first_day=("day", "min"), last_day=("day", "max"), working_days=("working", "sum"), target=("target", "sum")
        )
        .reset_index()
    )
    return {"months": months, "weeks": weeks, "days": days.drop(columns="month")}


def rep_month_targets(split: pd.DataFrame, months: pd.DataFrame, *, metric: str, unit: float) -> pd.DataFrame:
    """Rep × month targets in the canonical targets layout, each rep's months summing to its target."""
    rows = []
    for rep in split.itertuples():
        amounts = round_to_total(months["share"].to_numpy() * rep.target, rep.target, unit=unit)
        for month, amount in zip(months["month"], amounts, strict=True):
            end = (month + pd.offsets.MonthEnd(0)).date()
            rows.append((month.date(), end, metric, amount, rep.rep_id, getattr(rep, "team", None)))
    return pd.DataFrame(rows, columns=["period_start", "period_end", "metric", "value", "rep_id", "team"])


# --- SMART audit --------------------------------------------------------------------------------------------


def smart_audit(
    team_target: float,
    split: pd.DataFrame,
    window: Window,
    *,
    metric: str,
    measurable: bool,
    team_probability: float,
    rep_probability: pd.Series,
    options: TargetsParams,
) -> pd.DataFrame:
    """One row per target (team, then reps): each SMART criterion pass/warn with its reason code."""

    def achievable(p: float) -> tuple[str, str]:
        if p != p:
            return "warn", "achievable_unknown"
        if p > options.too_easy:
            return "warn", "too_easy"
        if p < options.too_hard:
            return "warn", "too_hard"
        return "pass", "achievable_ok"

    sums = abs(split["target"].sum() - team_target) < options.rounding / 2 if len(split) else False
    rows = []
    targets = [("team", None, team_target, team_probability)] + [
        ("rep", r.rep_id, r.target, rep_probability.get(r.rep_id, np.nan)) for r in split.itertuples()
    ]
    for scope, rep_id, value, probability in targets:
        a_status, a_reason = achievable(probability)
        relevant = sums if scope == "team" else value > 0 and sums
        rows.append(
            {
                "scope": scope,
                "rep_id": rep_id,
                "metric": metric,
                "target": value,
                "probability": probability,
                "specific": "pass",
                "measurable": "pass" if measurable else "warn",
                "achievable": a_status,
                "achievable_reason": a_reason,
                "relevant": "pass" if relevant else "warn",
                "time_bound": "pass" if window.start <= window.end else "warn",
                "period": f"{window.start:%Y-%m-%d} – {window.end:%Y-%m-%d}",
            }
        )
    return pd.DataFrame(rows)


# --- commission ---------------------------------------------------------------------------------------------


def commission(revenue, target, options: CommissionParams) -> np.ndarray:
    """Payout for revenue against target under tiered rates.

    ``marginal``: revenue inside each attainment band earns that band's rate (no cliff);
    ``flat``: all revenue earns the rate of the band reached. Revenue above
    ``cap_attainment`` × target earns nothing more.

    >>> from salesnb.params import CommissionParams
    >>> bands = CommissionParams(bands=[{"at": 0, "rate": 0.02}, {"at": 1.0, "rate": 0.05}], cap_attainment=None)
    >>> commission([150.0], [100.0], bands).tolist()
    [4.5]
    """
    revenue = np.asarray(revenue, dtype=float)
    target = np.asarray(target, dtype=float)
    attainment = np.divide(revenue, target, out=np.zeros_like(revenue), where=target > 0)
    if options.cap_attainment is not None:
        attainment = np.minimum(attainment, options.cap_attainment)
    starts = np.array([b.at for b in options.bands])
    rates = np.array([b.rate for b in options.bands])
    if options.mode == "flat":
        band = np.searchsorted(starts, attainment, side="right") - 1
        return np.where(band >= 0, rates[np.clip(band, 0, None)] * attainment * target, 0.0)
    ends = np.append(starts[1:], np.inf)
    inside = np.clip(attainment[..., None], starts, ends) - starts
    return (inside * rates).sum(axis=-1) * target


def cost_curve(split: pd.DataFrame, options: CommissionParams, *, top: float = 1.5, step: float = 0.01) -> pd.DataFrame:
    """Total payout if every rep reaches the same attainment, from 0 to ``top``."""
    levels = np.round(np.arange(0, top + step / 2, step), 4)
    targets = split["target"].to_numpy(dtype=float)
    payout = [float(commission(level * targets, targets, options).sum()) for level in levels]
    revenue = levels * targets.sum()
    return pd.DataFrame(
        {
            "attainment": levels,
            "revenue": revenue,
            "payout": payout,
            "cost_share": np.divide(payout, revenue, out=np.zeros(len(levels)), where=revenue > 0),
        }
    )


def expected_payout(
    split: pd.DataFrame, team_forecast: float, team_target: float, *, log_sd: float, options: CommissionParams
) -> pd.DataFrame:
    """Mean payout per rep over seeded simulations of the forecast's error and each rep's own noise.

    A rep's expected revenue is the team forecast times the rep's share of the target.
    """
    rng = np.random.default_rng(options.seed)
    n = options.simulations
    team = np.exp(rng.normal(0.0, log_sd, size=(n, 1)))
    own = np.exp(rng.normal(0.0, options.rep_log_sd, size=(n, len(split))) - options.rep_log_sd**2 / 2)
    expected = team_forecast * split["share"].to_numpy()
    revenue = expected * team * own
    targets = split["target"].to_numpy(dtype=float)
    payout = commission(revenue, np.broadcast_to(targets, revenue.shape), options)
    out = split[["rep_id"]].copy()
    out["expected_revenue"] = revenue.mean(axis=0)
    out["expected_payout"] = payout.mean(axis=0)
    out["payout_p90"] = np.quantile(payout, 0.9, axis=0)
    out["reach_probability"] = (revenue >= targets).mean(axis=0)
    total = payout.sum(axis=1)
    out.attrs["total_expected"] = float(total.mean())
    out.attrs["total_p90"] = float(np.quantile(total, 0.9))
    return out


# --- pacing -------------------------------------------------------------------------------------------------


def pacing(
    data: CrmData, window: Window, as_of: date, options: TargetsParams, *, index: pd.Series | None
) -> dict | None:
    """Actual revenue to date against the phased target of a period in progress, team and reps."""
    if not (window.start <= as_of <= window.end) or not data.has("targets"):
        return None
    target = metrics.revenue_targets(data.table("targets"), window)["target"].iloc[0]
    if not target or target != target:
        return None
    to_date = Window("to date", window.start, as_of)
    actual = metrics.deal_kpis(data.deals, to_date).iloc[0]["revenue"]
    plan = phase(target, window, index=index, country=options.holidays_country, unit=options.rounding)["days"]
    done = plan["day"] <= pd.Timestamp(as_of)
    planned = float(plan.loc[done, "target"].sum())
    worked, total_days = int(plan.loc[done, "working"].sum()), int(plan["working"].sum())
    projection = actual / worked * total_days if worked else np.nan
    remaining = total_days - worked
    required = (target - actual) / remaining if remaining else np.nan
    reps = metrics.revenue_targets(data.table("targets"), window, by="rep_id")
    rep_actual = metrics.deal_kpis(data.deals, to_date, by="rep_id")[["rep_id", "revenue"]]
    reps = reps.merge(rep_actual, on="rep_id", how="left").fillna({"revenue": 0.0})
    reps["planned_to_date"] = reps["target"] * (planned / target)
    reps["pace"] = reps["revenue"] / reps["planned_to_date"].where(reps["planned_to_date"] > 0)
    reps["behind"] = reps["pace"] < options.behind_threshold
    return {
        "as_of": as_of,
        "window": window,
        "target": float(target),
        "actual": float(actual),
        "planned_to_date": planned,
        "pace": actual / planned if planned else np.nan,
        "projection": float(projection),
        "projected_attainment": projection / target if target else np.nan,
        "required_per_day": float(required),
        "working_days_done": worked,
        "working_days_left": remaining,
        "reps": reps.sort_values("pace").reset_index(drop=True),
    }


# --- the whole plan -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetPlan:
    metric: str
    window: Window
    history: HistoryCheck
    series: pd.Series
    baselines: fc.Baselines | None
    method: str | None
    forecast: float
    team_target: float
    probability: float
    spread: float
    spread_assumed: bool
    other_metrics: pd.DataFrame  # metric, method, forecast, mape, target
    split: pd.DataFrame
    phasing: dict[str, pd.DataFrame]
    rep_months: pd.DataFrame
    smart: pd.DataFrame
    payout: pd.DataFrame | None
    curve: pd.DataFrame | None
    pacing: dict | None
    as_of: date
    options: TargetsParams
    forecast_path: pd.DataFrame | None = None  # month, forecast (chosen method, target window)

    @property
    def thresholds(self) -> tuple[float, float]:
        return self.options.too_easy, self.options.too_hard

    @property
    def stretch(self) -> float:
        return self.options.stretch

    @property
    def split_method(self) -> str:
        return self.options.split

    @property
    def min_history(self) -> int:
        return self.options.min_history_months

    @property
    def summary(self) -> pd.DataFrame:
        return self.baselines.forecasts if self.baselines else pd.DataFrame()

    @property
    def feasible(self) -> bool:
        return self.baselines is not None

    def findings(self, lang, currency: str) -> list[str]:
        from salesnb.targets_text import findings

        return findings(self, lang, currency)

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"baselines": self.summary}
        if self.baselines is not None:
            out["backtests"] = self.baselines.backtests
        out["other_metrics"] = self.other_metrics
        out["rep_split"] = self.split
        out.update({f"phasing_{k}": v for k, v in self.phasing.items()})
        out["rep_month_targets"] = self.rep_months
        out["smart_audit"] = self.smart
        if self.payout is not None:
            out["expected_commission"] = self.payout
            out["commission_cost_curve"] = self.curve
        if self.pacing is not None:
            out["pacing_reps"] = self.pacing["reps"]
        return out


def _metric_available(data: CrmData, metric: str) -> bool:
    if metric == "csat":
        return data.has("surveys")
    if metric == "new_customers":
        return "account_id" in data.deals.columns
    return True


def plan_targets(data: CrmData) -> TargetPlan:
    """Everything report 02 shows, for ``targets.metric`` (revenue by default)."""
    params = data.params
    options = params.reports.targets
    window = target_window(data)
    history_end = params.period.end
    metric = options.metric if _metric_available(data, options.metric) else "revenue"
    series = fc.monthly_series(data, metric, until=history_end)
    check = history_check(series, options)
    as_of = options.as_of or date.today()
    index = seasonal_index(fc.trim_warm_up(series)[0]) if check.seasonal and fc.ADDITIVE[metric] else None
    pace = pacing(data, metrics.comparison_windows(params)["current"], as_of, options, index=index)
    others = _other_metrics(data, options, history_end, window)
    empty = pd.DataFrame()
    if not check.enough:
        return TargetPlan(
            metric,
            window,
            check,
            series,
            None,
            None,
            np.nan,
            np.nan,
            np.nan,
            np.nan,
            True,
            others,
            empty,
            {},
            empty,
            empty,
            None,
            None,
            pace,
            as_of,
            options,
        )
    found = _baselines(series, options, window, metric)
    method = found.chosen if options.method == "auto" else options.method
    row = found.forecasts.set_index("method").loc[method]
    forecast = float(row["forecast"])
    log_sd, assumed = fc.spread(row)
    additive = fc.ADDITIVE[metric]
    raw_target = forecast * (1 + options.stretch)
    unit = options.rounding if additive else 0.1
    team_target = float(np.round(raw_target / unit) * unit)
    probability = fc.reach_probability(team_target, forecast, log_sd=log_sd)
    if additive:
        split = split_to_reps(data, team_target, window, options, history_end=history_end)
        phasing = phase(team_target, window, index=index, country=options.holidays_country, unit=unit)
        rep_months = rep_month_targets(split, phasing["months"], metric=metric, unit=unit)
    else:  # a mean such as CSAT is every rep's target as it is
        split = active_reps(data, window, history_end=history_end)[["rep_id"]].assign(target=team_target, share=np.nan)
        phasing, rep_months = {}, pd.DataFrame()
    payout = curve = None
    if metric == "revenue" and len(split):
        payout = expected_payout(split, forecast, team_target, log_sd=log_sd, options=options.commission)
        curve = cost_curve(split, options.commission)
    rep_probability = payout.set_index("rep_id")["reach_probability"] if payout is not None else pd.Series(dtype=float)
    smart = (
        smart_audit(
            team_target,
            split if additive else split.assign(target=team_target * 0),
            window,
            metric=metric,
            measurable=_metric_available(data, metric),
            team_probability=probability,
            rep_probability=rep_probability,
            options=options,
        )
        if additive
        else smart_audit(
            team_target,
            split.iloc[0:0],
            window,
            metric=metric,
            measurable=True,
            team_probability=probability,
            rep_probability=rep_probability,
            options=options,
        )
    )
    months = pd.date_range(window.start, periods=window.months, freq="MS")
    path = fc.forecast_months(
        fc.trim_warm_up(series)[0],
        method,
        window.months,
        period_months=window.months,
        uplift=options.uplift,
        weights=tuple(options.weights),
    )
    return TargetPlan(
        metric,
        window,
        check,
        series,
        found,
        method,
        forecast,
        team_target,
        probability,
        log_sd,
        assumed,
        others,
        split,
        phasing,
        rep_months,
        smart,
        payout,
        curve,
        pace,
        as_of,
        options,
        pd.DataFrame({"month": months, "forecast": path}),
    )


def _baselines(series: pd.Series, options: TargetsParams, window: Window, metric: str) -> fc.Baselines:
    return fc.baselines(
        series,
        metric=metric,
        period_months=window.months,
        uplift=options.uplift,
        weights=tuple(options.weights),
        backtest_periods=options.backtest_periods,
        min_train_months=options.min_history_months,
    )


def _other_metrics(data: CrmData, options: TargetsParams, history_end: date, window: Window) -> pd.DataFrame:
    """The chosen baseline and a stretch target for each metric the data supports (non-revenue targets)."""
    rows = []
    for metric in fc.ADDITIVE:
        if not _metric_available(data, metric):
            continue
        series = fc.monthly_series(data, metric, until=history_end)
        if history_check(series, options).enough and series.notna().sum() >= options.min_history_months:
            found = _baselines(series.dropna() if not fc.ADDITIVE[metric] else series, options, window, metric)
            row = found.chosen_row
            stretch = options.stretch if metric != "csat" else 0.0
            target = row["forecast"] * (1 + stretch) if metric != "csat" else min(row["forecast"] + 2.0, 100.0)
            rows.append((metric, found.chosen, row["forecast"], row["mape"], target))
    return pd.DataFrame(rows, columns=["metric", "method", "forecast", "mape", "target"])
