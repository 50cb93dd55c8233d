"""Targets (report 02): a reachable stretch target, its split to reps and days, and what it costs.

Steps: history check → baselines with backtests (:mod:`salesnb.analysis.forecast`) → team target =
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

from salesnb import schema
from salesnb.analysis import forecast as fc
from salesnb.analysis import metrics
from salesnb.analysis.metrics import Window
from salesnb.data import CrmData, deal_dates
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
    # owners only: deals without one (rep_id NULL) are nobody who could carry a target
    recent = deals.filter((deals.created_at >= recent_start) & deals.rep_id.notnull()).select("rep_id").distinct()
    recent = recent.to_pandas()
    if data.has("reps"):
        # by rep_id: the split's rounding and the reach simulation go rep by rep, and engines return rows in any order
        reps = data.reps.order_by("rep_id").to_pandas()
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
    mids = (pd.date_range(window.start, window.end, freq="MS") + pd.Timedelta(days=14)).to_numpy()
    hired = pd.to_datetime(hired_at).to_numpy()[:, None]
    months = np.clip((mids[None, :] - hired) / np.timedelta64(1, "D") / DAYS_PER_MONTH, 0, None)
    share = options.ramp_start_share + (1 - options.ramp_start_share) * months / options.ramp_months
    working = np.where(mids[None, :] >= hired, np.clip(share, options.ramp_start_share, 1.0), 0.0)
    factors = np.where(pd.isna(hired_at).to_numpy(), 1.0, working.mean(axis=1))
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


# --- each rep's chance of reaching their target, from their own history ------------------------------------

# Past periods (of the target period's length) a rep's share of team revenue is measured over.
REP_SHARE_PERIODS = 4
# Weight of the pooled spread in a rep's own spread, in periods: with 4 periods of their own a rep's
# spread is half theirs, half the team's (scaled to their share).
SHARE_PRIOR_DF = 4.0
# Blocks in which a rep worked at under this share of full productivity are too noisy to scale up.
MIN_BLOCK_RAMP = 0.25


def share_blocks(history_end: date, period_months: int, *, first_month: pd.Timestamp, periods: int) -> list[Window]:
    """The last ``periods`` whole periods of ``period_months`` ending with ``history_end``'s month, oldest first,
    none starting before ``first_month`` (the warm-up-trimmed start of the history).
    """
    blocks = []
    end_month = pd.Timestamp(history_end).to_period("M").to_timestamp()
    for k in range(periods):
        start = end_month - pd.DateOffset(months=(k + 1) * period_months - 1)
        if start < first_month:
            break
        end = (end_month - pd.DateOffset(months=k * period_months)) + pd.offsets.MonthEnd(0)
        blocks.append(Window(f"{start:%Y-%m}–{end:%Y-%m}", start.date(), end.date()))
    return blocks[::-1]


def rep_share_history(
    data: CrmData, split: pd.DataFrame, blocks: list[Window], options: TargetsParams
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Revenue per rep and block (NaN where the rep did not work the whole block), team revenue per
    block, and each rep's ramp factor in each block.

    A rep worked a block when hired (or, without hire dates, had created a first deal) by its start.
    """
    deals = data.deals
    if "hired_at" in split and split["hired_at"].notna().any():
        # As in active_reps: a rep without a hire date in a dated list has been there all along.
        started = split.set_index("rep_id")["hired_at"].fillna(pd.Timestamp("1900-01-01"))
        hired = split["hired_at"].reset_index(drop=True)
    else:
        first = deals.group_by("rep_id").aggregate(first=deals.created_at.min()).to_pandas().set_index("rep_id")
        started = split["rep_id"].map(first["first"]).set_axis(split["rep_id"])
        hired = pd.Series(pd.NaT, index=range(len(split)), dtype="datetime64[ns]")
    revenue, ramps, team = {}, {}, {}
    # deal_kpis' revenue (won deals closed in the block) for every block at once: two queries, not four per block
    won = deals.filter(deals.status == schema.WON)
    sums = {f"b{i}": won.amount.sum(where=metrics._in_window(won.closed_at, b)) for i, b in enumerate(blocks)}
    rep_sums = won.group_by("rep_id").aggregate(**sums).to_pandas().set_index("rep_id") if sums else None
    team_sums = won.aggregate(**sums).to_pandas().iloc[0] if sums else None
    for i, block in enumerate(blocks):
        by_rep = rep_sums[f"b{i}"]
        team[block.label] = float(0.0 if pd.isna(team_sums[f"b{i}"]) else team_sums[f"b{i}"])
        worked = pd.to_datetime(started).le(pd.Timestamp(block.start)).to_numpy()
        values = split["rep_id"].map(by_rep).fillna(0.0).to_numpy(dtype=float)
        revenue[block.label] = np.where(worked, values, np.nan)
        ramps[block.label] = ramp_factor(hired, block, options).to_numpy()
    index = pd.Index(split["rep_id"], name="rep_id")
    return (
        pd.DataFrame(revenue, index=index),
        pd.Series(team, dtype=float),
        pd.DataFrame(ramps, index=index),
    )


def rep_share_model(
    block_revenue: pd.DataFrame,
    team_revenue: pd.Series,
    *,
    block_ramp: pd.DataFrame | None = None,
    target_ramp: pd.Series | None = None,
    prior_df: float = SHARE_PRIOR_DF,
) -> pd.DataFrame:
    """Each rep's share of team revenue in the target period: a centre, a spread and a Student-t.

    Shares come from the rep's own past periods (``block_revenue``: reps × periods, NaN where the
    rep did not work the whole period), divided by the rep's ramp in each period so that a rep
    still ramping is judged at full productivity, then partially pooled (empirical Bayes):

    - a rep's spread mixes their own period-to-period variance with the team's, scaled to the
      rep's share (variance ∝ share, as for a sum of lumpy deals), ``prior_df`` periods' worth;
    - a rep's centre is shrunk towards the typical rep's share by how noisy their own mean is
      against the spread between reps, so a rep with one period moves most;
    - a rep with no full period (a new hire) gets the typical rep's share and the spread between
      reps (``basis`` "new_hire");

    then multiplied by the rep's ramp in the target period and rescaled so that the centres add up
    to 1 (the team forecast is shared by the reps who will be there: leavers' share goes to them,
    new hires' share comes from them).

    Returns one row per rep: periods, history_share (mean raw share), share, share_sd, df, basis.

    Two reps with shares 60 % then 70 % and 40 % then 30 %: centres a little short of their own
    means (65 %, 35 %), pulled towards the typical rep's 50 %.

    >>> blocks = pd.DataFrame({"q1": [60.0, 40.0], "q2": [70.0, 30.0]}, index=["A", "B"])
    >>> model = rep_share_model(blocks, pd.Series({"q1": 100.0, "q2": 100.0}))
    >>> model["share"].round(2).tolist()
    [0.64, 0.36]
    """
    reps = block_revenue.index
    ramp = (
        block_ramp.reindex_like(block_revenue).fillna(1.0)
        if block_ramp is not None
        else pd.DataFrame(1.0, index=reps, columns=block_revenue.columns)
    )
    shares = block_revenue.div(team_revenue.reindex(block_revenue.columns).where(lambda v: v > 0), axis=1)
    full = (shares / ramp).where(ramp >= MIN_BLOCK_RAMP)
    n = full.notna().sum(axis=1).to_numpy(dtype=float)
    mean = full.mean(axis=1).to_numpy(dtype=float)
    var = full.var(axis=1, ddof=1).to_numpy(dtype=float)
    seen = n >= 1
    typical = float(np.nanmean(mean[seen])) if seen.any() else 1.0 / max(len(reps), 1)
    # Pooled dispersion: period-to-period variance per unit of share, over reps with two or more periods.
    several = (n >= 2) & (mean > 0)
    if several.any():
        dispersion = float(np.sum((n[several] - 1) * var[several]) / np.sum((n[several] - 1) * mean[several]))
    elif seen.sum() >= 2:
        dispersion = float(np.var(mean[seen], ddof=1) / typical)
    else:
        dispersion = 0.25 * typical
    level = np.where(seen, np.maximum(np.nan_to_num(mean), 0.1 * typical), typical)
    own = np.where(n >= 2, np.nan_to_num(var), 0.0)
    within = (prior_df * dispersion * level + (n - 1).clip(min=0) * own) / (prior_df + (n - 1).clip(min=0))
    within = np.maximum(within, 1e-12)  # shares that never moved: tiny, not zero, spread
    # Spread between reps' true shares: what the means vary by beyond their own noise (method of moments).
    if seen.sum() >= 2:
        between = float(np.var(mean[seen], ddof=1) - np.mean(within[seen] / n[seen]))
        between = max(between, 0.1 * float(np.var(mean[seen], ddof=1)), 1e-12)
    else:
        # one rep (or none) seen: no spread between reps to measure; a lone rep whose share never
        # moved (always 100 %) would give 0, so the same tiny floor as above
        between = max(dispersion * typical, 1e-12)
    precision = np.where(seen, n / within, 0.0) + 1 / between
    centre = (np.where(seen, n * np.nan_to_num(mean) / within, 0.0) + typical / between) / precision
    sd = np.sqrt(within + 1 / precision)
    target = (
        target_ramp.reindex(reps).fillna(1.0) if target_ramp is not None else pd.Series(1.0, index=reps)
    ).to_numpy()
    centre, sd = centre * target, sd * target
    scale = 1 / centre.sum() if centre.sum() > 0 else 1.0
    return pd.DataFrame(
        {
            "rep_id": reps,
            "periods": n.astype(int),
            "history_share": shares.mean(axis=1).to_numpy(dtype=float),
            "share": centre * scale,
            "share_sd": sd * scale,
            "df": prior_df + (n - 1).clip(min=0),
            "basis": np.where(n >= 2, "own_history", np.where(n == 1, "short_history", "new_hire")),
        }
    ).reset_index(drop=True)


def simulate_rep_revenue(
    model: pd.DataFrame,
    forecast: float,
    *,
    errors: fc.ErrorModel,
    simulations: int,
    seed: int,
) -> np.ndarray:
    """Seeded draws (simulations × reps) of each rep's revenue: the team outcome times the rep's share.

    The team outcome is the forecast with the error distribution behind the team's reach chance
    (:func:`salesnb.analysis.forecast.error_model`); each rep's share is its :func:`rep_share_model`
    centre plus a Student-t of its spread (no negative shares). Both the reps' reach chances and the
    expected commission come from these draws.
    """
    rng = np.random.default_rng(seed)
    team = forecast * np.exp(errors.draw(rng, (simulations, 1)))
    t = rng.standard_t(model["df"].to_numpy(dtype=float), size=(simulations, len(model)))
    share = np.clip(model["share"].to_numpy() + model["share_sd"].to_numpy() * t, 0.0, None)
    return team * share


def rep_reach(draws: np.ndarray, targets) -> np.ndarray:
    """Each rep's chance of reaching their target: the share of draws at or above it."""
    return (draws >= np.asarray(targets, dtype=float)).mean(axis=0)


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


def expected_payout(split: pd.DataFrame, draws: np.ndarray, options: CommissionParams) -> pd.DataFrame:
    """Mean payout per rep over the simulated rep revenues of :func:`simulate_rep_revenue`.

    The same draws give each rep's chance of reaching their target, so the payout and the chance
    rest on one distribution: the team forecast's error times the rep's share of team revenue as
    measured in their own history.
    """
    targets = split["target"].to_numpy(dtype=float)
    payout = commission(draws, np.broadcast_to(targets, draws.shape), options)
    out = split[["rep_id"]].copy()
    # The median, not the mean: with a Student-t on the log scale the mean is dominated by rare huge draws.
    out["median_revenue"] = np.median(draws, axis=0)
    out["expected_payout"] = payout.mean(axis=0)
    out["payout_p90"] = np.quantile(payout, 0.9, axis=0)
    out["reach_probability"] = rep_reach(draws, targets)
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
        "reps": reps.sort_values(["pace", "rep_id"]).reset_index(drop=True),
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
    other_metrics: pd.DataFrame  # metric, method, forecast, mape, target, seasonal (model family)
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
    errors: fc.ErrorModel = fc.ASSUMED  # the forecast's error distribution behind every reach chance
    chosen_by: str = "default"  # backtest | default (not backtested) | params (named in the params file)
    rep_model: pd.DataFrame | None = None  # rep_share_model: each rep's share of team revenue
    share_periods: int = 0  # past periods the rep shares were measured over
    # Why no target can be set although the params are valid: "before_data" (the report period ends before
    # the first deal), "after_data" (it starts after the last date in the data), or None.
    gap: str | None = None
    # Share of the last 12 months' revenue won on deals without an owner: the team target includes it and
    # the split hands it to the reps (they are the ones who will work such leads); 0 when every deal has one.
    unassigned_share: float = 0.0
    data_first: date | None = None  # first and last date of the deals (created or closed)
    data_last: date | None = None

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
        from salesnb.analysis.targets_text import findings

        return findings(self, lang, currency)

    def exports(self) -> dict[str, pd.DataFrame]:
        """The tables handed over as CSV and XLSX files (file stem -> frame): none without a split; for a mean
        such as CSAT (not phased) only the reps' targets."""
        if not len(self.split):
            return {}
        out = {"02_target_split": self.split}
        if self.phasing:
            out["02_rep_month_targets"] = self.rep_months
            out.update({f"02_phasing_{k}": self.phasing[k] for k in ("months", "weeks", "days")})
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"baselines": self.summary}
        if self.baselines is not None:
            out["backtests"] = self.baselines.backtests
        out["other_metrics"] = self.other_metrics
        out["rep_split"] = self.split
        out.update({f"phasing_{k}": v for k, v in self.phasing.items()})
        out["rep_month_targets"] = self.rep_months
        out["smart_audit"] = self.smart
        if self.rep_model is not None:
            out["rep_share_model"] = self.rep_model
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
    first, last = _deal_dates(data)
    gap = _history_gap(first, last, params.period.start, history_end)
    # months after the data's last date are not months without sales: the history shown stops there
    series = fc.monthly_series(data, metric, until=last if gap == "after_data" else history_end)
    check = history_check(series, options)
    as_of = options.as_of or date.today()
    index = seasonal_index(fc.trim_warm_up(series)[0]) if check.seasonal and fc.ADDITIVE[metric] else None
    pace = pacing(data, metrics.comparison_windows(params)["current"], as_of, options, index=index)
    others = _other_metrics(data, options, history_end, window) if gap is None else pd.DataFrame(columns=OTHER_COLUMNS)
    empty = pd.DataFrame()
    if not check.enough or gap is not None:
        return TargetPlan(
            metric=metric,
            window=window,
            history=check,
            series=series,
            baselines=None,
            method=None,
            forecast=np.nan,
            team_target=np.nan,
            probability=np.nan,
            spread=np.nan,
            spread_assumed=True,
            other_metrics=others,
            split=empty,
            phasing={},
            rep_months=empty,
            smart=empty,
            payout=None,
            curve=None,
            pacing=pace,
            as_of=as_of,
            options=options,
            gap=gap,
            data_first=first,
            data_last=last,
        )
    found = _baselines(_observed(series, metric), options, window, metric)
    method, chosen_by = (found.chosen, found.chosen_by) if options.method == "auto" else (options.method, "params")
    row = found.forecasts.set_index("method").loc[method]
    forecast = float(row["forecast"])
    errors = fc.error_model(row)
    additive = fc.ADDITIVE[metric]
    raw_target = forecast * (1 + options.stretch)
    if metric == "csat":  # a stretch cannot lift a score above the top of its scale
        raw_target = min(raw_target, fc.CSAT_TOP)
    unit = options.rounding if additive else 0.1
    team_target = float(np.round(raw_target / unit) * unit)
    probability = fc.reach_probability(team_target, forecast, log_sd=errors.scale, df=errors.df, bias=errors.bias)
    rep_model, blocks = None, []
    if additive:
        split = split_to_reps(data, team_target, window, options, history_end=history_end)
        phasing = phase(team_target, window, index=index, country=options.holidays_country, unit=unit)
        rep_months = rep_month_targets(split, phasing["months"], metric=metric, unit=unit)
    else:  # a mean such as CSAT is every rep's target as it is
        split = active_reps(data, window, history_end=history_end)[["rep_id"]].assign(target=team_target, share=np.nan)
        phasing, rep_months = {}, pd.DataFrame()
    payout = curve = None
    rep_probability = pd.Series(dtype=float)
    if metric == "revenue" and len(split):
        trimmed = fc.trim_warm_up(series)[0]
        blocks = share_blocks(history_end, window.months, first_month=trimmed.index.min(), periods=REP_SHARE_PERIODS)
        block_revenue, team_revenue, block_ramp = rep_share_history(data, split, blocks, options)
        rep_model = rep_share_model(
            block_revenue, team_revenue, block_ramp=block_ramp, target_ramp=split.set_index("rep_id")["ramp"]
        )
        c = options.commission
        draws = simulate_rep_revenue(rep_model, forecast, errors=errors, simulations=c.simulations, seed=c.seed)
        payout = expected_payout(split, draws, c)
        curve = cost_curve(split, c)
        rep_probability = payout.set_index("rep_id")["reach_probability"]
        rep_model = rep_model.merge(split[["rep_id", "target"]], on="rep_id").assign(
            median_revenue=payout["median_revenue"].to_numpy(),
            reach_probability=rep_probability.to_numpy(),
        )
    smart = smart_audit(
        team_target,
        split if additive else split.iloc[0:0],
        window,
        metric=metric,
        measurable=_metric_available(data, metric) if additive else True,
        team_probability=probability,
        rep_probability=rep_probability,
        options=options,
    )
    months = pd.date_range(window.start, periods=window.months, freq="MS")
    path = fc.forecast_months(
        fc.trim_warm_up(_observed(series, metric))[0],
        method,
        window.months,
        period_months=window.months,
        uplift=options.uplift,
        weights=tuple(options.weights),
        seasonal=found.seasonal,
    )
    return TargetPlan(
        metric=metric,
        window=window,
        history=check,
        series=series,
        baselines=found,
        method=method,
        forecast=forecast,
        team_target=team_target,
        probability=probability,
        spread=errors.scale,
        spread_assumed=errors.assumed,
        other_metrics=others,
        split=split,
        phasing=phasing,
        rep_months=rep_months,
        smart=smart,
        payout=payout,
        curve=curve,
        pacing=pace,
        as_of=as_of,
        options=options,
        forecast_path=pd.DataFrame({"month": months, "forecast": path}),
        errors=errors,
        chosen_by=chosen_by,
        rep_model=rep_model,
        share_periods=len(blocks),
        unassigned_share=_unassigned_share(data, history_end) if additive else 0.0,
        data_first=first,
        data_last=last,
    )


def _unassigned_share(data: CrmData, history_end: date) -> float:
    """Revenue of deals without an owner / all revenue, over the 12 months to ``history_end``."""
    per_rep = metrics.deal_kpis(data.deals, metrics.trailing_months(history_end), by="rep_id")
    total = per_rep["revenue"].sum()
    return float(per_rep.loc[per_rep["rep_id"].isna(), "revenue"].sum() / total) if total > 0 else 0.0


def _deal_dates(data: CrmData) -> tuple[date | None, date | None]:
    """The first and last date of any kind (created or closed) in the deals table."""
    row = deal_dates(data.deals)
    firsts = [pd.Timestamp(v) for v in (row["first_created"], row["first_closed"]) if pd.notna(v)]
    lasts = [pd.Timestamp(v) for v in (row["last_created"], row["last_closed"]) if pd.notna(v)]
    return (min(firsts).date() if firsts else None), (max(lasts).date() if lasts else None)


def _history_gap(first: date | None, last: date | None, period_start: date, history_end: date) -> str | None:
    """Whether the history a target needs (up to the report period's end) is outside the data altogether.

    A period the data reaches into (one in progress) is history to date; one lying wholly after the
    data's last date would be forecast from months that are not in it, so no target is set then.
    """
    if first is None or first > history_end:
        return "before_data"
    if last is not None and last < period_start:
        return "after_data"
    return None


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


OTHER_COLUMNS = ["metric", "method", "forecast", "mape", "target", "seasonal"]


def _observed(series: pd.Series, metric: str) -> pd.Series:
    """The months a forecast learns from: every month for a sum (a month without sales is 0), the months
    with a figure for a mean (a month without any survey has no CSAT, not 0)."""
    return series if fc.ADDITIVE[metric] else series.dropna()


def _other_metrics(data: CrmData, options: TargetsParams, history_end: date, window: Window) -> pd.DataFrame:
    """The chosen baseline and a stretch target for each metric the data supports (non-revenue targets)."""
    rows = []
    for metric in fc.ADDITIVE:
        if not _metric_available(data, metric):
            continue
        series = fc.monthly_series(data, metric, until=history_end)
        if history_check(series, options).enough and series.notna().sum() >= options.min_history_months:
            found = _baselines(_observed(series, metric), options, window, metric)
            row = found.chosen_row
            stretch = options.stretch if metric != "csat" else 0.0
            target = row["forecast"] * (1 + stretch) if metric != "csat" else min(row["forecast"] + 2.0, fc.CSAT_TOP)
            rows.append((metric, found.chosen, row["forecast"], row["mape"], target, found.seasonal))
    return pd.DataFrame(rows, columns=OTHER_COLUMNS)
