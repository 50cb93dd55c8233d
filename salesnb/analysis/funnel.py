"""The funnel (report 03): stage conversion, time in stage, bottlenecks, stuck deals, cohorts, velocity.

Definitions (printed in the report; docs/metrics.md):

- reached stage k: the deal has a history row at stage k, or — with the default skip policy
  ``count_as_passed`` — at any later pipeline stage (the won stage is the last);
- resolved at k: the deal reached k and has either moved on (reached k+1) or ended lost there; a deal
  still open at k is *unresolved* — shown as "still open", never counted as a drop-out;
- next-step conversion = deals reaching k+1 / deals resolved at k (Wilson 95 % interval);
  cumulative = deals reaching k / deals resolved with respect to k (reached it, or lost before it);
- eventual conversion (censoring-aware) = moved on / (moved on + lost) from the Aalen–Johansen
  cumulative incidences of "moved on" and of "lost at k" (the competing event), still-open deals
  censored at the as-of date, over every resolution observed; time counts from the entry into k (or
  from the created date when the entry date is unknown). A group is compared only once some of its
  deals have been followed for the step's horizon (the day by which 95 % of resolved deals had
  resolved). Where the data has no date for moving on (no stage history, intermediate steps), the
  resolved figure is used instead;
- group tests (each group against the rest, Holm) and the bottleneck gain use the step conversion:
  eventual where it can be estimated, resolved otherwise;
- time in stage = first entry of the next stage visited − first entry of this stage (Salesforce);
  cumulative time adds every visit to the stage (HubSpot);
- stuck deal = open deal whose time in its current stage exceeds the chosen quantile (p90) of the
  time that deals which left that stage spent in it.

The heavy lifting (per-deal stage facts over millions of history rows) is Ibis on DuckDB; per-stage
counts come back as aggregates, and the per-deal step outcomes (status, stage reached, days) that
the censoring-aware estimates and tests need come back as one narrow pandas frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import ibis
import numpy as np
import pandas as pd
from scipy import stats as sps

from salesnb import schema
from salesnb.analysis import metrics
from salesnb.analysis.metrics import Window
from salesnb.analysis.stages import move_counts, stage_ranks
from salesnb.analysis.stats import holm_adjust, wilson_interval
from salesnb.data import CrmData
from salesnb.params import FunnelParams, StageConfig

DAY = 86400


def _days(later, earlier):
    return (later.epoch_seconds() - earlier.epoch_seconds()) / DAY


def pipeline_stages(stages: StageConfig) -> list[str]:
    return list(stages.order)


# --- per-deal stage facts -------------------------------------------------------------------------------


def deal_facts(
    data: CrmData, *, stages: StageConfig, policy: str, lost_without_history: str | None = None
) -> ibis.Table:
    """One row per deal: the furthest pipeline rank it reached, its (implied) first entry per stage,
    status, amount, created and closed dates and the columns groups are made of (``GROUP_COLUMNS``).

    With history, ``reached_<k>`` follows the skip policy; without it, the current stage (and, for
    lost deals, ``lost_without_history``) is all there is.
    """
    names = pipeline_stages(stages)
    ranks = stage_ranks(stages)
    deals = metrics.deals_with_team(data)
    if data.has("stage_history"):
        h = data.stage_history
        h = h.mutate(stage_rank=h.stage.cases(*ranks.items(), else_=None))
        per_deal = h.group_by("deal_id").aggregate(
            max_rank=h.stage_rank.max(),
            **{f"first_{i}": h.entered_at.min(where=h.stage == name) for i, name in enumerate(names)},
        )
        facts = deals.left_join(per_deal, "deal_id").drop("deal_id_right")
        facts = facts.filter(facts.max_rank.notnull())
        recorded = {i: facts[f"first_{i}"] for i in range(len(names))}
        entry = {}
        for i in range(len(names)):
            later = [recorded[j] for j in range(i, len(names))]
            entry[i] = ibis.coalesce(*later) if policy == "count_as_passed" and len(later) > 1 else recorded[i]
        reached = {
            i: (facts.max_rank >= i) if policy == "count_as_passed" else recorded[i].notnull()
            for i in range(len(names))
        }
    else:
        current = deals.stage.cases(*ranks.items(), else_=None) if "stage" in deals.columns else ibis.literal(None)
        lost_rank = ranks.get(lost_without_history, 0) if lost_without_history else 0
        won_rank = ranks[stages.won]
        max_rank = ibis.cases(
            (deals.status == schema.WON, won_rank),
            (deals.status == schema.LOST, lost_rank),
            else_=ibis.coalesce(current, 0),
        )
        facts = deals.mutate(max_rank=max_rank)
        entry = {0: facts.created_at}
        for i in range(1, len(names)):
            entry[i] = ibis.cases(
                (facts.max_rank >= i, facts.closed_at if i == won_rank else ibis.null("timestamp")),
                else_=ibis.null("timestamp"),
            )
        reached = {i: facts.max_rank >= i for i in range(len(names))}
    facts = facts.mutate(
        # CASE, not CAST(boolean AS BIGINT): PostgreSQL refuses that cast
        **{f"reached_{i}": ibis.ifelse(reached[i], 1, 0).cast("int64") for i in range(len(names))},
        **{f"entry_{i}": entry[i] for i in range(len(names))},
    )
    # only what the funnel reads: the table is cached at 1 M+ deals, and every column costs there
    keep = [c for c in ("deal_id", *GROUP_COLUMNS, "status", "amount", "created_at", "closed_at") if c in facts.columns]
    derived = ["max_rank", *[f"reached_{i}" for i in range(len(names))], *[f"entry_{i}" for i in range(len(names))]]
    return facts.select(*keep, *derived)


# --- funnel --------------------------------------------------------------------------------------------------


def in_window(facts: ibis.Table, window: Window, *, mode: str) -> ibis.Table:
    """The deals a funnel of ``mode`` is built from: created in the window (cohort, and snapshot —
    deals without a created date cannot be placed in it and are left out), or with any stage entry
    in it (period)."""
    start = ibis.timestamp(pd.Timestamp(window.start))
    end = ibis.timestamp(pd.Timestamp(window.end_exclusive))
    if mode in ("cohort", "snapshot"):
        return facts.filter((facts.created_at >= start) & (facts.created_at < end))
    entries = [c for c in facts.columns if c.startswith("entry_")]
    return facts.filter(ibis.or_(*[(facts[c] >= start) & (facts[c] < end) for c in entries]))


def funnel_table(
    facts: ibis.Table, window: Window, *, stages: StageConfig, mode: str = "cohort", by: str | None = None
) -> pd.DataFrame:
    """Per stage (and group): deals reached, resolved (moved on or lost there) and still open there;
    next-step conversion on resolved deals and cumulative conversion, each with a Wilson interval;
    drop-off (resolved without moving on) count and amount.

    Cohort and snapshot count deals created in the window; period counts stage entries in it.
    """
    names = pipeline_stages(stages)
    n = len(names)
    keys = [by] if by else []
    start = ibis.timestamp(pd.Timestamp(window.start))
    end = ibis.timestamp(pd.Timestamp(window.end_exclusive))
    table = in_window(facts, window, mode=mode)
    if mode in ("cohort", "snapshot"):
        counted = {i: table[f"reached_{i}"] for i in range(n)}
    else:  # stage entries that fall in the window
        counted = {
            i: ibis.ifelse(
                (table[f"entry_{i}"] >= start) & (table[f"entry_{i}"] < end) & (table[f"reached_{i}"] == 1), 1, 0
            )
            for i in range(n)
        }
    amount = ibis.coalesce(table.amount, 0)
    is_open = table.status == schema.OPEN
    aggregates = {}
    for i in range(n):
        here = (table.max_rank == i) & (counted[i] == 1)
        aggregates[f"reached_{i}"] = counted[i].sum()
        aggregates[f"lost_{i}"] = ((table.status == schema.LOST) & here).sum()
        aggregates[f"open_{i}"] = (is_open & here).sum()
        # open deals that have not reached stage i yet: unresolved with respect to reaching it
        aggregates[f"open_before_{i}"] = (is_open & (table.max_rank < i) & (counted[0] == 1)).sum()
        if i + 1 < n:
            moved = (counted[i] == 1) & (table[f"reached_{i + 1}"] == 1)
            dropped = (counted[i] == 1) & ~moved & ~(is_open & here)
            aggregates[f"moved_{i}"] = moved.sum()
            aggregates[f"drop_amount_{i}"] = ibis.ifelse(dropped, amount, 0).sum()
    wide = (table.group_by(keys).aggregate(**aggregates) if keys else table.aggregate(**aggregates)).to_pandas()
    wide = wide.sort_values(keys, na_position="last") if keys else wide  # engines return groups in any order
    wide = wide[wide["reached_0"].notna()]  # no deal in the window: sums over no rows are NULL, not 0
    rows = []
    for _, row in wide.iterrows():
        first = row["reached_0"]
        for i, name in enumerate(names):
            reached = int(row[f"reached_{i}"])
            still_open = int(row[f"open_{i}"])
            resolved = reached - still_open
            last = i + 1 == n
            moved = np.nan if last else int(row[f"moved_{i}"])
            base = first - int(row[f"open_before_{i}"])
            rows.append(
                {
                    **({by: row[by]} if by else {}),
                    "stage": name,
                    "step": i,
                    "reached": reached,
                    "resolved": np.nan if last else resolved,
                    "open_here": still_open,
                    "next_reached": moved,
                    "next_step": moved / resolved if not last and resolved else np.nan,
                    "cum_base": base,
                    "cumulative": reached / base if base else np.nan,
                    "drop_off": np.nan if last else resolved - moved,
                    "drop_amount": np.nan if last else float(row[f"drop_amount_{i}"] or 0.0),
                    "lost_here": int(row[f"lost_{i}"]),
                }
            )
    columns = [*keys, "stage", "step", "reached", "resolved", "open_here", "next_reached", "next_step", "cum_base"]
    columns += ["cumulative", "drop_off", "drop_amount", "lost_here", "next_low", "next_high", "cum_low", "cum_high"]
    out = pd.DataFrame(rows, columns=columns[:-4])
    if out.empty:
        return pd.DataFrame(columns=columns)
    valid = out["next_step"].notna()
    out["next_low"], out["next_high"] = np.nan, np.nan
    low, high = wilson_interval(out.loc[valid, "next_reached"], out.loc[valid, "resolved"])
    out.loc[valid, "next_low"], out.loc[valid, "next_high"] = low, high
    out["cum_low"], out["cum_high"] = np.nan, np.nan
    based = out["cum_base"] > 0
    out.loc[based, "cum_low"], out.loc[based, "cum_high"] = wilson_interval(
        out.loc[based, "reached"], out.loc[based, "cum_base"]
    )
    return out


# --- per-deal step outcomes and the censoring-aware estimate ----------------------------------------------


OUTCOME_OPEN, OUTCOME_MOVED, OUTCOME_LOST = 0, 1, 2
MATURE_OPEN_SHARE = 0.10  # a cohort's won-of-resolved share is shown once at most this share is open
GROUP_COLUMNS = ("team", "rep_id", "segment")


def deal_rows(facts: ibis.Table, window: Window, *, stages: StageConfig, mode: str = "cohort") -> pd.DataFrame:
    """The deals of the funnel's population as a narrow pandas frame (one row per deal): group columns,
    status, amount, created/closed dates, furthest rank, and reached/entry per stage."""
    n = len(pipeline_stages(stages))
    table = in_window(facts, window, mode=mode)
    columns = [c for c in GROUP_COLUMNS if c in table.columns] + [
        "status",
        "amount",
        "created_at",
        "closed_at",
        "max_rank",
        *[f"reached_{i}" for i in range(n)],
        *[f"entry_{i}" for i in range(n)],
    ]
    return metrics.to_frame(table.select(*columns))


def step_outcomes(
    rows: pd.DataFrame, *, stages: StageConfig, as_of: date, window: Window | None = None, mode: str = "cohort"
) -> pd.DataFrame:
    """One row per deal and step it reached: ``outcome`` 1 = moved on to the next stage, 2 = ended lost
    (or otherwise closed) without moving on, 0 = still open at the step (censored at ``as_of``), and
    ``days`` from entering the step (or from the created date when that entry is unknown) to the
    outcome — NaN when the date of the outcome is unknown (moving on, without stage history).

    ``rows`` is :func:`deal_rows`' frame. In period mode a step counts deals that entered it in the window.
    """
    names = pipeline_stages(stages)
    keys = [c for c in GROUP_COLUMNS if c in rows.columns]
    censor_at = float((pd.Timestamp(as_of) + pd.Timedelta(days=1)).value) / 1e9 / DAY

    def day_numbers(column: str) -> np.ndarray:  # days since the epoch, NaN where there is no date
        values = pd.to_datetime(rows[column]).to_numpy(dtype="datetime64[ns]")
        out = values.astype("int64").astype(float) / 1e9 / DAY
        out[np.isnat(values)] = np.nan
        return out

    entries = [day_numbers(f"entry_{k}") for k in range(len(names))]
    created, closed = day_numbers("created_at"), day_numbers("closed_at")
    is_open = (rows["status"] == schema.OPEN).to_numpy()
    status = rows["status"].to_numpy()
    amount = rows["amount"].to_numpy(dtype=float)
    groups = {c: rows[c].to_numpy() for c in keys}
    index = rows.index.to_numpy()
    if mode == "period" and window is not None:
        start = pd.Timestamp(window.start).value / 1e9 / DAY
        end = pd.Timestamp(window.end_exclusive).value / 1e9 / DAY
    parts = []
    for k in range(len(names) - 1):
        take = (rows[f"reached_{k}"] == 1).to_numpy()
        if mode == "period" and window is not None:
            take &= (entries[k] >= start) & (entries[k] < end)
        origin = np.where(np.isnan(entries[k]), created, entries[k])[take]
        moved = (rows[f"reached_{k + 1}"] == 1).to_numpy()[take]
        still_open = ~moved & is_open[take]
        outcome = np.where(moved, OUTCOME_MOVED, np.where(still_open, OUTCOME_OPEN, OUTCOME_LOST))
        when = np.where(moved, entries[k + 1][take], np.where(still_open, censor_at, closed[take]))
        parts.append(
            {
                "deal": index[take],
                **{c: values[take] for c, values in groups.items()},
                "stage": np.full(outcome.size, names[k], dtype=object),
                "step": np.full(outcome.size, k, dtype=np.int64),
                "outcome": outcome,
                "days": np.clip(when - origin, 0, None),
                "status": status[take],
                "amount": amount[take],
            }
        )
    columns = ["deal", *keys, "stage", "step", "outcome", "days", "status", "amount"]
    if not parts:
        return pd.DataFrame(columns=columns)
    # One frame from whole columns, so its blocks are consolidated: a frame concatenated from parts is not,
    # and every filter of it downstream (a dozen) would merge its blocks again (0.4 s each at 1 M deals).
    return pd.DataFrame({c: np.concatenate([part[c] for part in parts]) for c in columns})


@dataclass(frozen=True)
class Incidence:
    """Aalen–Johansen cumulative incidences by a horizon and the conversion they imply.

    ``moved`` and ``lost``: chance of having moved on / ended lost by the horizon (open deals
    censored), ``moved_var`` the Greenwood-type variance of ``moved`` (lifelines' formula);
    ``conversion`` = moved / (moved + lost), the eventual conversion of the deals that resolve, with
    ``n_eff`` its effective number of deals (Kish) for intervals and tests; ``at_risk`` deals still
    followed at the horizon.
    """

    moved: float
    lost: float
    moved_var: float
    conversion: float
    n_eff: float
    at_risk: int


def cumulative_incidence(days, outcome, *, horizon: float) -> Incidence:
    """Aalen–Johansen estimate with "moved on" (1) as the event of interest, "lost" (2) competing and
    "still open" (0) censored, read at ``horizon`` days.

    Each deal resolving at time t carries the weight S(t−)/n(t) (overall survival just before t over
    the number still at risk), so ``conversion`` is the inverse-probability-of-censoring weighted share
    of resolved deals that moved on: young deals that resolved early (often lost) are not
    over-represented, and deals still open are neither failures nor successes. Tied times share one
    risk set, so no jitter is needed.

    >>> round(cumulative_incidence([1, 2, 3, 4], [1, 2, 1, 0], horizon=10).conversion, 3)
    0.667
    """
    days = np.asarray(days, dtype=float)
    outcome = np.asarray(outcome)
    at_horizon = int((days >= horizon).sum())
    if days.size == 0:
        return Incidence(np.nan, np.nan, np.nan, np.nan, 0.0, 0)
    times, inverse = np.unique(days, return_inverse=True)
    return _incidence(times, *_incidence_counts(inverse, outcome, times.size), horizon=horizon, at_horizon=at_horizon)


def _incidence_counts(inverse: np.ndarray, outcome: np.ndarray, size: int) -> tuple[np.ndarray, ...]:
    """Per distinct time (``inverse`` indexes the times): deals moved on, deals resolved, deals leaving the
    risk set. Whole counts (float sums of ones, exact), so a group's can be subtracted from a total."""
    d1 = np.bincount(inverse, weights=outcome == OUTCOME_MOVED, minlength=size)
    d = np.bincount(inverse, weights=outcome != OUTCOME_OPEN, minlength=size)
    leaving = np.bincount(inverse, minlength=size)
    return d1, d, leaving


def _incidence(
    times: np.ndarray, d1: np.ndarray, d: np.ndarray, leaving: np.ndarray, *, horizon: float, at_horizon: int
) -> Incidence:
    """:func:`cumulative_incidence` from the per-time counts of :func:`_incidence_counts`. Times at which
    nothing resolves drop out, so counts on a finer grid of times (a superset) give the same result."""
    at_risk = leaving.sum() - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    keep = (d > 0) & (times <= horizon)
    d1, d, n = d1[keep], d[keep], at_risk[keep].astype(float)
    if d.size == 0:
        return Incidence(0.0, 0.0, 0.0, np.nan, 0.0, at_horizon)
    survival = np.cumprod(1 - d / n)
    lag = np.concatenate([[1.0], survival[:-1]])
    weight = lag / n  # per resolved deal at that time
    cif = np.cumsum(weight * d1)
    moved = cif[-1]
    lost = float((weight * (d - d1)).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.where(n > d, (moved - cif) ** 2 * d / (n * (n - d)), 0.0)
    variance = first.sum() + (lag**2 * d1 * (n - d1) / n**3).sum() - 2 * ((moved - cif) * lag * d1 / n**2).sum()
    total = (weight * d).sum()
    n_eff = total**2 / (weight**2 * d).sum()
    return Incidence(float(moved), lost, float(max(variance, 0.0)), float(moved / total), float(n_eff), at_horizon)


def _wilson(p: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson 95 % interval for a share ``p`` of ``n`` (possibly effective, non-integer) deals."""
    if not n or p != p:
        return np.nan, np.nan
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return float(centre - half), float(centre + half)


def two_share_p(p1: float, n1: float, p2: float, n2: float) -> float:
    """Two-sided p of a pooled two-proportion z-test (the uncorrected chi-square for whole counts)."""
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = np.sqrt(max(pooled * (1 - pooled), 0.0) * (1 / n1 + 1 / n2))  # rounding can put pooled a hair above 1
    if se == 0:
        return 1.0
    return float(2 * sps.norm.sf(abs(p1 - p2) / se))


def step_horizons(outcomes: pd.DataFrame, quantile: float = 0.95) -> dict[str, float]:
    """Per step: the day by which ``quantile`` of its resolved deals had resolved (NaN when the date of
    moving on is unknown, i.e. the step has no censoring-aware estimate)."""
    out = {}
    for stage, part in outcomes.groupby("stage", sort=False):
        resolved = part.loc[part["outcome"] != OUTCOME_OPEN, "days"]
        timed = part["days"].notna().all() and len(resolved) > 0
        out[stage] = float(np.quantile(resolved, quantile)) if timed else np.nan
    return out


def step_conversion(
    outcomes: pd.DataFrame, *, by: str | None = None, horizons: dict[str, float] | None = None
) -> pd.DataFrame:
    """Per step (and group): deals reached, resolved, still open; the resolved next-step conversion with
    its Wilson interval; the eventual conversion (:func:`cumulative_incidence` over every resolution)
    with a Wilson interval on its effective number of deals, the step's horizon and how many deals were
    followed that long; and ``conversion``/``basis``: the figure
    comparisons and bottlenecks use (eventual where it can be estimated, resolved otherwise)."""
    horizons = horizons if horizons is not None else step_horizons(outcomes)
    keys = [by] if by else []
    frame = outcomes[outcomes[by].notna()] if by else outcomes
    rows = []
    outcomes_all = frame["outcome"].to_numpy()
    days_all = frame["days"].to_numpy(dtype=float)
    steps_all = frame["step"].to_numpy()
    for key, index in frame.groupby([*keys, "stage"], sort=False).indices.items():
        stage = key[-1] if isinstance(key, tuple) else key
        outcome = outcomes_all[index]
        moved = int((outcome == OUTCOME_MOVED).sum())
        still_open = int((outcome == OUTCOME_OPEN).sum())
        resolved = len(index) - still_open
        horizon = horizons.get(stage, np.nan)
        if horizon == horizon:
            # read over every resolution: moving on is slower than being lost, so a cut-off would
            # drop slow movers; the horizon only says whether the group has been followed long enough
            inc = cumulative_incidence(days_all[index], outcome, horizon=np.inf)
            inc = replace(inc, at_risk=int((days_all[index] >= horizon).sum()))
        else:
            inc = Incidence(np.nan, np.nan, np.nan, np.nan, 0.0, 0)
        low, high = _wilson(inc.conversion, inc.n_eff)
        next_low, next_high = _wilson(moved / resolved if resolved else np.nan, resolved)
        timed = horizon == horizon
        rows.append(
            {
                **({by: key[0]} if by else {}),
                "stage": stage,
                "step": int(steps_all[index[0]]),
                "reached": len(index),
                "resolved": resolved,
                "open": still_open,
                "moved_on": moved,
                "next_step": moved / resolved if resolved else np.nan,
                "eventual": inc.conversion,
                "eventual_low": low,
                "eventual_high": high,
                "n_eff": inc.n_eff,
                "moved_by_horizon": inc.moved,
                "lost_by_horizon": inc.lost,
                "horizon_days": horizon,
                "at_risk_at_horizon": inc.at_risk,
                "next_low": next_low,
                "next_high": next_high,
                "basis": "eventual" if timed else "resolved",
                "conversion": inc.conversion if timed else (moved / resolved if resolved else np.nan),
                "conversion_low": low if timed else next_low,
                "conversion_high": high if timed else next_high,
            }
        )
    columns = [*keys, "stage", "step", "reached", "resolved", "open", "moved_on", "next_step", "eventual"]
    columns += ["eventual_low", "eventual_high", "n_eff", "moved_by_horizon", "lost_by_horizon", "horizon_days"]
    columns += ["at_risk_at_horizon", "next_low", "next_high", "basis", "conversion", "conversion_low"]
    return pd.DataFrame(rows, columns=[*columns, "conversion_high"])


# --- time in stage -------------------------------------------------------------------------------------------------


def stage_exits(history: ibis.Table) -> ibis.Table:
    """Per deal and stage: first entry, the first entry of the next stage visited, and the days between
    — the Salesforce time-in-stage convention — for the stages the deal has left (``next_first`` not
    null: :func:`_left`); and ``entries``, how many history rows the deal has at the stage. A stage
    entered more than once keeps its row even where the deal has not left it, so that every deal
    :func:`time_in_stage` has to follow visit by visit is found here. One pass over the history;
    callers cache it for all its uses."""
    first = history.group_by(["deal_id", "stage"]).aggregate(first=history.entered_at.min(), entries=history.count())
    w = ibis.window(group_by="deal_id", order_by=[first.first, first.stage])
    first = first.mutate(next_first=first.first.lead().over(w))
    first = first.filter(first.next_first.notnull() | (first.entries > 1))
    return first.select("deal_id", "stage", "first", "next_first", "entries", days=_days(first.next_first, first.first))


def _left(exits: ibis.Table) -> ibis.Table:
    """The rows of :func:`stage_exits` for stages the deal has left."""
    return exits.filter(exits.next_first.notnull())


def time_in_stage(
    data: CrmData, *, stages: StageConfig, quantiles=(0.5, 0.75, 0.9), exits: ibis.Table | None = None
) -> pd.DataFrame:
    """Days from first entry of a stage to the first entry of the next stage visited, per stage,
    and the cumulative time over re-entries, for deals that left the stage.

    ``exits`` is :func:`stage_exits` of the history when the caller already has it.
    """
    h = data.stage_history
    exits = stage_exits(h) if exits is None else exits
    first = _left(exits)
    # Cumulative time: a deal that entered every stage once visited them in the order of their first
    # entries, so its time per visit is its exit time; only the deals with re-entries (~1.5 % in the demo)
    # are followed visit by visit, not every history row through a window.
    again = exits.filter(exits.entries > 1).select("deal_id").distinct()
    h = h.semi_join(again, "deal_id")
    row_w = ibis.window(group_by="deal_id", order_by=[h.entered_at, h.stage])
    visits = h.mutate(next_entry=h.entered_at.lead().over(row_w))
    visits = visits.filter(visits.next_entry.notnull()).mutate(days=_days(visits.next_entry, visits.entered_at))
    repeated = visits.group_by(["deal_id", "stage"]).aggregate(days=visits.days.sum())
    cumulative = first.anti_join(again, "deal_id").select("deal_id", "stage", "days").union(repeated)
    q = {f"p{int(x * 100)}": first.days.quantile(x) for x in quantiles}
    qc = {f"cum_p{int(x * 100)}": cumulative.days.quantile(x) for x in quantiles}
    a = first.group_by("stage").aggregate(deals=first.count(), mean=first.days.mean(), **q).to_pandas()
    b = cumulative.group_by("stage").aggregate(**qc).to_pandas()
    out = a.merge(b, on="stage", how="left")
    order = {name: i for i, name in enumerate(stages.order)}
    out = out[out["stage"].isin(stages.order[:-1])]
    return out.sort_values("stage", key=lambda s: s.map(order)).reset_index(drop=True)


def stage_durations(
    data: CrmData, *, stages: StageConfig, limit: int = 200_000, exits: ibis.Table | None = None
) -> pd.DataFrame:
    """A sample of per-deal days in each stage (first-entry convention) for the distribution chart."""
    first = _left(stage_exits(data.stage_history) if exits is None else exits)
    first = first.filter(first.stage.isin(stages.order[:-1]))
    return first.select("stage", "days").limit(limit).to_pandas()


def time_to_close(deals: ibis.Table, window: Window | None = None) -> pd.DataFrame:
    """Days from created to closed for won and lost deals (closed in the window when given)."""
    closed = deals.filter(
        deals.status.isin(schema.CLOSED_STATUSES) & deals.closed_at.notnull() & deals.created_at.notnull()
    )
    if window is not None:
        closed = closed.filter(
            (closed.closed_at >= ibis.timestamp(pd.Timestamp(window.start)))
            & (closed.closed_at < ibis.timestamp(pd.Timestamp(window.end_exclusive)))
        )
    days = _days(closed.closed_at, closed.created_at)
    out = closed.group_by("status").aggregate(
        deals=closed.count(), mean=days.mean(), p50=days.quantile(0.5), p75=days.quantile(0.75), p90=days.quantile(0.9)
    )
    return out.to_pandas().sort_values("status", ascending=False).reset_index(drop=True)


# --- stuck deals ---------------------------------------------------------------------------------------------------


def as_of_date(data: CrmData, options: FunnelParams) -> date:
    """The funnel's "today": params ``funnel.as_of`` or the latest date in the data."""
    if options.as_of:
        return options.as_of
    deals = data.deals
    latest = (
        [deals.created_at.max().execute(), deals.closed_at.max().execute()]
        if "closed_at" in deals.columns
        else [deals.created_at.max().execute()]
    )
    if data.has("stage_history"):
        latest.append(data.stage_history.entered_at.max().execute())
    return max(pd.Timestamp(d) for d in latest if d is not None and not pd.isna(d)).date()


def stuck_deals(
    data: CrmData, *, stages: StageConfig, as_of: date, quantile: float = 0.9, exits: ibis.Table | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Open deals in their current stage for longer than the stage's ``quantile`` of exit times.

    Returns (stuck deals, thresholds per stage). Without stage history the time is counted from
    the created date and compared with the time to close of closed deals (labelled in the report).
    """
    today = ibis.timestamp(pd.Timestamp(as_of) + pd.Timedelta(days=1))
    deals = metrics.deals_with_team(data)
    open_deals = deals.filter((deals.status == schema.OPEN) & (deals.created_at < today))
    if data.has("stage_history"):
        h = data.stage_history
        first = _left(stage_exits(h) if exits is None else exits)
        thresholds = first.group_by("stage").aggregate(threshold=first.days.quantile(quantile), exits=first.count())
        # a handful of rows, computed once: PostgreSQL otherwise re-aggregates them for every open deal
        # (a nested loop on a misestimated join: 16 s instead of 0.1 s on the 20 k demo)
        thresholds = thresholds.cache() if hasattr(thresholds, "cache") else thresholds
        # the open deals' rows only: their latest entry is looked for where it is needed, not over all history
        h = h.filter(h.entered_at < today).semi_join(open_deals.select("deal_id"), "deal_id")
        last_w = ibis.window(group_by="deal_id", order_by=[h.entered_at.desc(), h.stage.desc()])
        current = h.mutate(row=ibis.row_number().over(last_w)).filter(lambda t: t.row == 0)
        current = current.select("deal_id", current_stage=current.stage, in_stage_since=current.entered_at)
        rows = open_deals.inner_join(current, "deal_id")
        rows = rows.mutate(days_in_stage=_days(today, rows.in_stage_since) - 1)
        rows = rows.inner_join(thresholds, rows.current_stage == thresholds.stage)
    else:
        closed = deals.filter(
            deals.status.isin(schema.CLOSED_STATUSES) & deals.closed_at.notnull() & deals.created_at.notnull()
        )
        limit = _days(closed.closed_at, closed.created_at).quantile(quantile).execute()
        stage = open_deals.stage if "stage" in open_deals.columns else ibis.literal(stages.order[0])
        rows = open_deals.filter(open_deals.created_at.notnull()).mutate(
            current_stage=stage,
            in_stage_since=open_deals.created_at,
            threshold=ibis.literal(float(limit)),
        )
        rows = rows.mutate(days_in_stage=_days(today, rows.in_stage_since) - 1)
        thresholds = None
    rows = rows.filter(rows.days_in_stage > rows.threshold)
    columns = [
        c
        for c in (
            "deal_id",
            "rep_id",
            "name",
            "team",
            "account_id",
            "current_stage",
            "in_stage_since",
            "days_in_stage",
            "threshold",
            "amount",
            "expected_close_at",
            "created_at",
        )
        if c in rows.columns
    ]
    out = rows.select(*columns).to_pandas()
    # deal_id breaks ties: the engine returns rows in any order, and the report shows the first 200
    keys = [c for c in ("rep_id", "days_in_stage", "deal_id") if c in out.columns]
    out = out.sort_values(keys, ascending=[c != "days_in_stage" for c in keys]).reset_index(drop=True)
    out["days_in_stage"] = out["days_in_stage"].round(0)
    out["threshold"] = out["threshold"].round(0)
    rank = {stage: i for i, stage in enumerate(stages.order)}  # pipeline order, then any other stage by name
    limits = (
        thresholds.to_pandas()
        .sort_values("stage", key=lambda s: s.map(lambda v: (rank.get(v, len(rank)), str(v))))
        .reset_index(drop=True)
        if thresholds is not None
        else pd.DataFrame({"stage": ["(created → closed)"], "threshold": [float(limit)], "exits": [np.nan]})
    )
    return out, limits


# --- comparisons ------------------------------------------------------------------------------------------------------


class _StepCounts:
    """One step's deals by group, for comparing each group with the rest of them: the rest's counts are the
    step's totals less the group's, so no per-group pass over the other groups' deals is needed (the same
    numbers as :func:`cumulative_incidence` on the rest's deals; see :func:`_incidence`)."""

    def __init__(self, groups: pd.Series, outcome: pd.Series, days: pd.Series):
        codes, values = pd.factorize(groups)
        self.code = {value: i for i, value in enumerate(values)}
        self.outcome = outcome.to_numpy()
        self.days = days.to_numpy(dtype=float)
        self.codes = codes
        self.infinite = np.isposinf(self.days)
        self.moved = np.bincount(codes, weights=self.outcome == OUTCOME_MOVED, minlength=len(values))
        self.resolved = np.bincount(codes, weights=self.outcome != OUTCOME_OPEN, minlength=len(values))
        self.size = np.bincount(codes, minlength=len(values))
        self._grid = None

    def rest_incidence(self, group: int) -> Incidence:
        """:func:`cumulative_incidence` over every resolution of the deals outside ``group``."""
        if self.size.sum() - self.size[group] == 0:
            return Incidence(np.nan, np.nan, np.nan, np.nan, 0.0, 0)
        if self._grid is None:
            times, inverse = np.unique(self.days, return_inverse=True)
            self._grid = times, inverse, _incidence_counts(inverse, self.outcome, times.size)
        times, inverse, totals = self._grid
        mine = self.codes == group
        own = _incidence_counts(inverse[mine], self.outcome[mine], times.size)
        rest = [total - part for total, part in zip(totals, own, strict=True)]
        at_horizon = int(self.infinite.sum() - self.infinite[mine].sum())  # days >= inf, as cumulative_incidence
        return _incidence(times, *rest, horizon=np.inf, at_horizon=at_horizon)


def compare_groups(outcomes: pd.DataFrame, by: str, *, min_deals: int, alpha: float = 0.05) -> pd.DataFrame:
    """Per step: each group's step conversion against the rest of the groups, p-values Holm-corrected
    over every group × step test.

    Where the step has a censoring-aware estimate, the two eventual conversions (Aalen–Johansen) are
    compared with a pooled two-proportion z-test on their effective numbers of
    deals (the uncorrected chi-square when nothing is censored); otherwise the resolved deals are
    compared (chi-square, or Fisher when an expected count is below 5). Still-open deals are never
    counted as failures. A group is not tested (``small``) with fewer than ``min_deals`` resolved deals
    at the step, or — censoring-aware — when none of its deals has been followed up to the horizon
    (its eventual conversion cannot be estimated yet). Deals without a group value are left out.
    """
    frame = outcomes[outcomes[by].notna()]
    horizons = step_horizons(frame)
    per_group = step_conversion(frame, by=by, horizons=horizons)
    steps = {
        stage: _StepCounts(part[by], part["outcome"], part["days"])
        for stage, part in frame.groupby("stage", sort=False)
    }
    rows = []
    for r in per_group.itertuples():
        timed = r.basis == "eventual"
        small = r.resolved < min_deals or (timed and r.at_risk_at_horizon < 1)
        p, rest_rate = np.nan, np.nan
        step = steps[r.stage]
        group = step.code[getattr(r, by)]
        rest_moved = int(step.moved.sum() - step.moved[group])
        rest_resolved = int(step.resolved.sum() - step.resolved[group])
        if timed:
            inc = step.rest_incidence(group)
            rest_rate, rest_n = inc.conversion, inc.n_eff
        elif rest_resolved:
            rest_rate = rest_moved / rest_resolved
        if not small and rest_resolved:
            if timed:
                p = two_share_p(r.eventual, r.n_eff, rest_rate, rest_n) if rest_n else np.nan
            else:
                table = np.array(
                    [[r.moved_on, r.resolved - r.moved_on], [rest_moved, rest_resolved - rest_moved]], dtype=float
                )
                if (table.sum(axis=0) == 0).any():
                    p = 1.0  # everyone (or no one) moved on: nothing to tell apart
                elif (sps.contingency.expected_freq(table) < 5).any():
                    p = sps.fisher_exact(table)[1]
                else:
                    p = sps.chi2_contingency(table, correction=False)[1]
        rows.append(
            (
                getattr(r, by),
                r.stage,
                r.reached,
                r.resolved,
                r.open,
                r.next_step,
                r.conversion,
                rest_rate,
                r.basis,
                small,
                p,
            )
        )
    columns = [by, "stage", "reached", "resolved", "open", "next_step", "conversion", "rest", "basis", "small", "p"]
    out = pd.DataFrame(rows, columns=columns)
    out["horizon_days"] = out["stage"].map(horizons) if len(out) else np.nan
    tested = out["p"].notna()
    out["p_adjusted"] = np.nan
    out["significant"] = False
    if tested.any():
        adjusted = holm_adjust(out.loc[tested, "p"].to_numpy(dtype=float))
        out.loc[tested, "p_adjusted"] = adjusted
        out.loc[tested, "significant"] = adjusted <= alpha
    out["direction"] = np.where(out["conversion"] < out["rest"], "lower", "higher")
    # groups in order (steps stay in order within each): the rows came in whatever order the engine returned
    return out.sort_values(by, kind="stable", na_position="last").reset_index(drop=True)


# --- bottlenecks -------------------------------------------------------------------------------------------------------


def gain_scale(window: Window, period: Window, *, as_of: date, first_created: date | None) -> tuple[float, float]:
    """(scale, span in months): the bottleneck gain is for the deals of the funnel, created (or entering
    stages) over the real span from the later of the window start and the first such deal to the
    earlier of the window end and the as-of date; one period is ``period``'s length in days."""
    start = max(window.start, first_created) if first_created else window.start
    end = min(window.end, as_of)
    span_days = max((end - start).days + 1, 1)
    period_days = (period.end - period.start).days + 1
    return period_days / span_days, span_days / (365.25 / 12)


def _best_quartile(reps: pd.DataFrame) -> float:
    """The 75th percentile of the reps' step conversions after shrinking each toward the weighted mean
    by the between-rep variance (empirical Bayes, DerSimonian–Laird moment estimate, on effective
    counts): reps that differ no more than chance would make all shrink to the mean, so chance spread is
    not taken for a better practice.

    >>> reps = pd.DataFrame({"basis": ["resolved"] * 4, "resolved": [100] * 4, "n_eff": [0.0] * 4,
    ...                      "conversion": [0.5, 0.52, 0.48, 0.5]})
    >>> round(_best_quartile(reps), 3)
    0.5
    """
    n = np.where(reps["basis"] == "eventual", reps["n_eff"], reps["resolved"]).astype(float)
    rate = reps["conversion"].to_numpy(dtype=float)
    keep = (n > 0) & np.isfinite(rate)
    n, rate = n[keep], rate[keep]
    pooled = float((rate * n).sum() / n.sum())
    if not 0 < pooled < 1:
        return pooled
    v = pooled * (1 - pooled) / n
    w = 1 / v
    mean = float((w * rate).sum() / w.sum())
    q = float((w * (rate - mean) ** 2).sum())
    tau2 = max(0.0, (q - (len(rate) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    shrunk = mean + tau2 / (tau2 + v) * (rate - mean)
    return float(np.quantile(shrunk, 0.75))


def bottlenecks(
    outcomes: pd.DataFrame, *, stages: StageConfig, options: FunnelParams, scale: float = 1.0
) -> pd.DataFrame:
    """Per step, overall and per team: the gap between the step conversion (eventual where it can be
    estimated, resolved otherwise) and the best quartile of reps with at least ``min_deals`` resolved
    deals there, their rates shrunk toward each other (:func:`_best_quartile`), or the target conversion
    in params; and the revenue gained per period if that gap
    closed: deals reaching the step × gap × win rate after the step (won / resolved among deals that
    reached the next stage) × average won deal size × ``scale`` (period length / span of the deals).
    Deals without a rep are left out: no rep benchmark applies to them."""
    names = pipeline_stages(stages)
    if "rep_id" in outcomes:  # the benchmark is the reps': deals nobody owns have none to reach
        outcomes = outcomes[outcomes["rep_id"].notna()]
    horizons = step_horizons(outcomes)
    per_rep = step_conversion(outcomes, by="rep_id", horizons=horizons) if "rep_id" in outcomes else pd.DataFrame()
    # per group: the step conversions, the average won deal size and won / closed per step reached
    flags = pd.DataFrame(
        {
            "team": outcomes.get("team"),
            "step": outcomes["step"],
            "won": outcomes["status"] == schema.WON,
            "closed": outcomes["status"].isin(schema.CLOSED_STATUSES),
            "won_amount": outcomes["amount"].where((outcomes["status"] == schema.WON) & (outcomes["step"] == 0)),
        }
    )
    first_step = flags[flags["step"] == 0]
    groups = {"all": (step_conversion(outcomes, horizons=horizons), flags.groupby("step")[["won", "closed"]].sum())}
    sizes = {"all": first_step["won_amount"].mean()}
    if "team" in outcomes:
        teams = step_conversion(outcomes, by="team", horizons=horizons)
        after = flags.groupby(["team", "step"])[["won", "closed"]].sum()
        team_sizes = first_step.groupby("team")["won_amount"].mean()
        for name, part in teams.groupby("team"):
            groups[name] = (part.drop(columns="team"), after.loc[name])
            sizes[name] = team_sizes.get(name, np.nan)
    rows = []
    for i in range(len(names) - 1):
        target = options.target_conversion.get(names[i])
        if target is not None:
            benchmark = target
        else:
            judged = (
                per_rep[(per_rep["step"] == i) & (per_rep["resolved"] >= options.min_deals)]
                if len(per_rep)
                else per_rep
            )
            if len(judged):
                judged = judged[(judged["basis"] == "resolved") | (judged["at_risk_at_horizon"] >= 1)]
            benchmark = _best_quartile(judged) if len(judged) >= 4 else np.nan
        for group, (frame, counts) in groups.items():
            step = frame[frame["step"] == i]
            if step.empty:
                continue
            step = step.iloc[0]
            size = sizes[group]
            if i + 1 == len(names) - 1:
                downstream = 1.0
            else:
                won, closed = counts.loc[i + 1] if i + 1 in counts.index else (0, 0)
                downstream = won / closed if closed else np.nan
            conversion = step["conversion"]
            gap = max(0.0, benchmark - conversion) if benchmark == benchmark and conversion == conversion else np.nan
            gain = step["reached"] * gap * downstream * size * scale if gap == gap else np.nan
            rows.append(
                (
                    group,
                    names[i],
                    names[i + 1],
                    int(step["reached"]),
                    int(step["resolved"]),
                    int(step["open"]),
                    conversion,
                    step["conversion_low"],
                    step["conversion_high"],
                    step["basis"],
                    benchmark,
                    gap,
                    downstream,
                    size,
                    gain,
                )
            )
    out = pd.DataFrame(
        rows,
        columns=[
            "group",
            "stage",
            "next_stage",
            "reached",
            "resolved",
            "open",
            "conversion",
            "conversion_low",
            "conversion_high",
            "basis",
            "benchmark",
            "gap",
            "downstream_win_rate",
            "deal_size",
            "gain_per_period",
        ],
    )
    return out.sort_values("gain_per_period", ascending=False, na_position="last").reset_index(drop=True)


# --- cohorts and velocity ------------------------------------------------------------------------------------------------


def cohort_funnel(facts: ibis.Table, *, stages: StageConfig, months: int, until: date) -> pd.DataFrame:
    """Per creation month: share of the cohort that reached each stage so far, the share still open,
    and won / (won + lost) among its resolved deals."""
    names = pipeline_stages(stages)
    start = pd.Timestamp(metrics._add_months(until.replace(day=1), -(months - 1)))
    recent = facts.filter(
        (facts.created_at >= ibis.timestamp(start))
        & (facts.created_at < ibis.timestamp(pd.Timestamp(until) + pd.Timedelta(days=1)))
    )
    month = recent.created_at.truncate("M").name("month")
    agg = (
        recent.group_by(month)
        .aggregate(
            created=recent.count(),
            still_open=(recent.status == schema.OPEN).sum(),
            won=(recent.status == schema.WON).sum(),
            lost=(recent.status == schema.LOST).sum(),
            **{f"reached_{i}": recent[f"reached_{i}"].sum() for i in range(len(names))},
        )
        .to_pandas()
        .sort_values("month")
    )
    out = agg[["month", "created", "still_open"]].copy()
    for i, name in enumerate(names):
        out[name] = agg[f"reached_{i}"] / agg["created"]
    out["open_share"] = agg["still_open"] / agg["created"]
    # the cohort's win rate among its resolved deals, shown once at most 10 % is still open: before
    # that the quick losses dominate what has resolved, and the share would understate the cohort
    resolved = (agg["won"] + agg["lost"]).where(agg["won"] + agg["lost"] > 0)
    out["won_of_resolved"] = (agg["won"] / resolved).where(out["open_share"] <= MATURE_OPEN_SHARE)
    return out.reset_index(drop=True)


def velocity(data: CrmData, *, as_of: date, months: int = 12, trailing_months: int = 6) -> pd.DataFrame:
    """Sales velocity per team at each month end: open deals × win rate × average won size / average
    cycle days (revenue per day), win rate, size and cycle over the trailing months.

    One query for all month ends, and the deals aggregated before they meet them: every cut-off (a
    month's first day, and the first day of the month the trailing window starts) falls on a month
    boundary, so deals of one team, status, created month and closed month are open, closed or won at
    the same month ends. Those groups (thousands, not a million deals) meet each month end, and each
    month's open and closed deals are flags inside the aggregation.
    """
    deals = metrics.deals_with_team(data)
    keys = ["team"] if "team" in deals.columns else []
    if keys:  # the deals without an owner are a line of their own, not one team's
        deals = metrics.label_unassigned(deals, "team")
    ends = [pd.Timestamp(as_of) + pd.offsets.MonthEnd(0) - pd.offsets.MonthEnd(k) for k in range(months - 1, -1, -1)]

    def month_number(day: pd.Timestamp) -> int:  # months since year 0: a timestamp is before the 1st of a month
        return day.year * 12 + day.month - 1  # at midnight exactly when its month number is smaller

    cycle = _days(deals.closed_at, deals.created_at)
    groups = deals.group_by(
        [
            *keys,
            "status",
            (deals.created_at.year() * 12 + deals.created_at.month() - 1).name("created_month"),
            (deals.closed_at.year() * 12 + deals.closed_at.month() - 1).name("closed_month"),
        ]
    ).aggregate(
        deals=deals.count(),
        amount_sum=deals.amount.sum(),
        amounts=deals.amount.count(),
        cycle_sum=cycle.sum(),
        cycles=cycle.count(),
    )
    cuts = ibis.memtable(
        {
            "month": list(range(len(ends))),
            "cut": [month_number(end + pd.Timedelta(days=1)) for end in ends],
            "since": [month_number(end + pd.Timedelta(days=1) - pd.DateOffset(months=trailing_months)) for end in ends],
        },
        schema={"month": "int64", "cut": "int64", "since": "int64"},
    )
    grid = groups.cross_join(cuts)
    is_open = (grid.created_month < grid.cut) & ((grid.status == schema.OPEN) | (grid.closed_month >= grid.cut))
    closed = (
        grid.status.isin(schema.CLOSED_STATUSES) & (grid.closed_month >= grid.since) & (grid.closed_month < grid.cut)
    )
    won = closed & (grid.status == schema.WON)

    def mean(total, count):  # the won deals' mean from their groups' sums and counts (null without any)
        total, count = total.sum(where=won), count.sum(where=won)
        return ibis.ifelse(count > 0, total / count, ibis.null("float64"))

    agg = grid.group_by(["month", *keys]).aggregate(
        open_deals=ibis.ifelse(is_open, grid.deals, 0).sum(),
        won=ibis.ifelse(won, grid.deals, 0).sum(),
        closed=ibis.ifelse(closed, grid.deals, 0).sum(),
        size=mean(grid.amount_sum, grid.amounts),
        cycle=mean(grid.cycle_sum, grid.cycles),
    )
    out = agg.to_pandas().sort_values(["month", *keys], na_position="last").reset_index(drop=True)
    if keys:
        # a team appears in a month when it has open or recently closed deals; a side it lacks is
        # missing (NaN), not zero, as in an outer join of the two per-month tables
        out = out[(out["open_deals"] > 0) | (out["closed"] > 0)].reset_index(drop=True)
        out["open_deals"] = out["open_deals"].where(out["open_deals"] > 0)
        out["closed"] = out["closed"].where(out["closed"] > 0)
    out["month_end"] = pd.DatetimeIndex([ends[k].normalize() for k in out["month"]]).as_unit(ends[0].unit)
    out["win_rate"] = out["won"] / out["closed"]
    out["velocity"] = out["open_deals"] * out["win_rate"] * out["size"] / out["cycle"]
    return out[["month_end", *keys, "open_deals", "win_rate", "size", "cycle", "velocity"]]


# --- everything ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelReport:
    has_history: bool
    window: Window
    mode: str
    as_of: date
    funnel: pd.DataFrame
    by_group: dict[str, pd.DataFrame]
    tests: dict[str, pd.DataFrame]
    moves: pd.DataFrame | None
    times: pd.DataFrame | None
    durations: pd.DataFrame | None
    to_close: pd.DataFrame
    bottlenecks: pd.DataFrame
    stuck: pd.DataFrame
    thresholds: pd.DataFrame
    cohorts: pd.DataFrame
    velocity: pd.DataFrame
    options: FunnelParams
    period_months: int = 3
    span_months: float = 12.0
    gain_scale: float = 0.25
    undated: int = 0
    first_created: date | None = None  # the data's first and last created date (for "no deals in the window")
    last_created: date | None = None
    date_gaps: dict[str, int] = field(default_factory=dict)  # metrics.date_gaps: deals time to close leaves out

    @property
    def summary(self) -> pd.DataFrame:
        return self.funnel

    @property
    def has_deals(self) -> bool:
        """Whether any deal is in the funnel's window (else its sections say so and are left out)."""
        return len(self.funnel) > 0 and self.funnel["reached"].iloc[0] > 0

    def findings(self, lang, currency: str) -> list[str]:
        from salesnb.analysis.funnel_text import findings

        return findings(self, lang, currency)

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {
            "funnel": self.funnel,
            "bottlenecks": self.bottlenecks,
            "stuck_deals": self.stuck,
            "stuck_thresholds": self.thresholds,
            "time_to_close": self.to_close,
            "cohorts": self.cohorts,
            "velocity": self.velocity,
        }
        if self.times is not None:
            out["time_in_stage"] = self.times
        if self.moves is not None:
            out["stage_moves"] = self.moves
        for name, frame in self.by_group.items():
            out[f"funnel_by_{name}"] = frame
        for name, frame in self.tests.items():
            out[f"tests_by_{name}"] = frame
        return out


def funnel_window(data: CrmData, options: FunnelParams) -> Window:
    current = metrics.comparison_windows(data.params)["current"]
    return metrics.trailing_months(current.end) if options.window == "trailing_12_months" else current


def analyse_funnel(data: CrmData) -> FunnelReport:
    """Compute everything report 03 shows."""
    params = data.params
    options = params.reports.funnel
    stages = params.stages
    window = funnel_window(data, options)
    as_of = as_of_date(data, options)
    has_history = data.has("stage_history")
    facts = deal_facts(
        data, stages=stages, policy=stages.skipped, lost_without_history=options.lost_stage_without_history
    )
    facts = facts.cache() if hasattr(facts, "cache") else facts
    # stage exits feed time in stage, the duration chart and the stuck thresholds: computed once
    exits = stage_exits(data.stage_history) if has_history else None
    exits = exits.cache() if exits is not None and hasattr(exits, "cache") else exits
    # Without history, each deal's current stage is all there is: a snapshot of the deals created in the window.
    mode = options.mode if has_history else "snapshot"
    rows = deal_rows(facts, window, stages=stages, mode=mode)
    outcomes = step_outcomes(rows, stages=stages, as_of=as_of, window=window, mode=mode)
    eventual = step_conversion(outcomes)
    funnel = funnel_table(facts, window, stages=stages, mode=mode)
    if len(eventual):
        funnel = funnel.merge(
            eventual[["stage", "eventual", "eventual_low", "eventual_high", "horizon_days", "basis", "conversion"]],
            on="stage",
            how="left",
        )
    by_group, tests = {}, {}
    for group in GROUP_COLUMNS:
        if group in facts.columns:
            # the deals without an owner are a row of their own in the by-rep and by-team funnels, never tested
            shown = metrics.label_unassigned(facts, group) if group in ("rep_id", "team") else facts
            frame = funnel_table(shown, window, stages=stages, mode=mode, by=group)
            frame = frame[frame[group].notna()]
            by_group[group] = frame
            tests[group] = compare_groups(outcomes, group, min_deals=options.min_deals, alpha=options.alpha)
    stuck, thresholds = stuck_deals(data, stages=stages, as_of=as_of, quantile=options.stuck_quantile, exits=exits)
    period = metrics.comparison_windows(params)["current"]
    first = rows["created_at"].min() if len(rows) else None
    scale, span_months = gain_scale(
        window, period, as_of=as_of, first_created=None if first is None or pd.isna(first) else first.date()
    )
    undated = int(facts.filter(facts.created_at.isnull()).count().execute()) if mode != "period" else 0
    deals = data.deals
    span = deals.aggregate(first=deals.created_at.min(), last=deals.created_at.max()).to_pandas().iloc[0]
    return FunnelReport(
        has_history=has_history,
        window=window,
        mode=mode,
        as_of=as_of,
        funnel=funnel,
        by_group=by_group,
        tests=tests,
        moves=move_counts(data.stage_history, stages=stages) if has_history else None,
        times=time_in_stage(data, stages=stages, exits=exits) if has_history else None,
        durations=stage_durations(data, stages=stages, exits=exits) if has_history else None,
        to_close=time_to_close(data.deals, window),
        bottlenecks=bottlenecks(outcomes, stages=stages, options=options, scale=scale),
        stuck=stuck,
        thresholds=thresholds,
        cohorts=cohort_funnel(facts, stages=stages, months=options.cohort_months, until=window.end),
        velocity=velocity(data, as_of=as_of),
        options=options,
        period_months=period.months,
        span_months=span_months,
        gain_scale=scale,
        undated=undated,
        first_created=None if pd.isna(span["first"]) else pd.Timestamp(span["first"]).date(),
        last_created=None if pd.isna(span["last"]) else pd.Timestamp(span["last"]).date(),
        date_gaps=metrics.date_gaps(deals),
    )
