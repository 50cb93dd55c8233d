"""The funnel (report 03): stage conversion, time in stage, bottlenecks, stuck deals, cohorts, velocity.

Definitions (DESIGN.md §4, printed in the report):

- reached stage k: the deal has a history row at stage k, or — with the default skip policy
  ``count_as_passed`` — at any later pipeline stage (the won stage is the last);
- next-step conversion = deals reaching k+1 / deals reaching k; cumulative = reaching k / reaching
  the first stage (HubSpot's two figures), each with a Wilson 95 % interval;
- time in stage = first entry of the next stage visited − first entry of this stage (Salesforce);
  cumulative time adds every visit to the stage (HubSpot);
- stuck deal = open deal whose time in its current stage exceeds the chosen quantile (p90) of the
  time that deals which left that stage spent in it.

The heavy lifting (per-deal stage facts over millions of history rows) is Ibis on DuckDB; only
per-stage and per-group aggregates come back to pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis
import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from salesnb import metrics, schema
from salesnb.data import CrmData
from salesnb.metrics import Window
from salesnb.params import FunnelParams, StageConfig
from salesnb.stages import move_counts, stage_ranks
from salesnb.stats import wilson_interval

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
    status, amount and the columns groups are made of.

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
        **{f"reached_{i}": reached[i].cast("int64") for i in range(len(names))},
        **{f"entry_{i}": entry[i] for i in range(len(names))},
    )
    return facts


# --- funnel --------------------------------------------------------------------------------------------------


def funnel_table(
    facts: ibis.Table, window: Window, *, stages: StageConfig, mode: str = "cohort", by: str | None = None
) -> pd.DataFrame:
    """Per stage (and group): reached, next-step and cumulative conversion with Wilson intervals,
    drop-off count and amount, deals lost at and still open in the stage."""
    names = pipeline_stages(stages)
    n = len(names)
    keys = [by] if by else []
    start = ibis.timestamp(pd.Timestamp(window.start))
    end = ibis.timestamp(pd.Timestamp(window.end_exclusive))
    if mode in ("cohort", "snapshot"):
        # snapshot: every deal in the CRM, dated or not (used when there is no stage history)
        cohort = facts.filter((facts.created_at >= start) & (facts.created_at < end)) if mode == "cohort" else facts
        counted = {i: cohort[f"reached_{i}"] for i in range(n)}
        table = cohort
    else:  # stage entries that fall in the window
        table = facts
        counted = {
            i: ((facts[f"entry_{i}"] >= start) & (facts[f"entry_{i}"] < end) & (facts[f"reached_{i}"] == 1)).cast(
                "int64"
            )
            for i in range(n)
        }
    amount = ibis.coalesce(table.amount, 0)
    aggregates = {}
    for i in range(n):
        aggregates[f"reached_{i}"] = counted[i].sum()
        aggregates[f"amount_{i}"] = (counted[i] * amount).sum()
        aggregates[f"lost_{i}"] = (
            ((table.status == schema.LOST) & (table.max_rank == i) & (counted[i] == 1)).cast("int64").sum()
        )
        aggregates[f"open_{i}"] = (
            ((table.status == schema.OPEN) & (table.max_rank == i) & (counted[i] == 1)).cast("int64").sum()
        )
    wide = (table.group_by(keys).aggregate(**aggregates) if keys else table.aggregate(**aggregates)).to_pandas()
    rows = []
    for _, row in wide.iterrows():
        first = row["reached_0"]
        for i, name in enumerate(names):
            reached = row[f"reached_{i}"]
            nxt = row[f"reached_{i + 1}"] if i + 1 < n else np.nan
            rows.append(
                {
                    **({by: row[by]} if by else {}),
                    "stage": name,
                    "step": i,
                    "reached": int(reached),
                    "amount": float(row[f"amount_{i}"] or 0.0),
                    "next_reached": nxt,
                    "next_step": nxt / reached if i + 1 < n and reached else np.nan,
                    "cumulative": reached / first if first else np.nan,
                    "drop_off": reached - nxt if i + 1 < n else np.nan,
                    "drop_amount": float(row[f"amount_{i}"] or 0) - float(row[f"amount_{i + 1}"] or 0)
                    if i + 1 < n
                    else np.nan,
                    "lost_here": int(row[f"lost_{i}"]),
                    "open_here": int(row[f"open_{i}"]),
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    valid = out["next_reached"].notna()
    low, high = wilson_interval(out.loc[valid, "next_reached"], out.loc[valid, "reached"])
    out.loc[valid, "next_low"], out.loc[valid, "next_high"] = low, high
    firsts = (
        out.groupby(keys)["reached"].transform("first") if keys else pd.Series(out["reached"].iloc[0], index=out.index)
    )
    out["cum_low"], out["cum_high"] = wilson_interval(out["reached"], firsts)
    return out


# --- time in stage -------------------------------------------------------------------------------------------------


def stage_exits(history: ibis.Table) -> ibis.Table:
    """Per deal and stage: first entry, the first entry of the next stage visited, and the days between
    (rows only for stages the deal has left) — the Salesforce time-in-stage convention."""
    first = history.group_by(["deal_id", "stage"]).aggregate(first=history.entered_at.min())
    w = ibis.window(group_by="deal_id", order_by=[first.first, first.stage])
    first = first.mutate(next_first=first.first.lead().over(w))
    return first.filter(first.next_first.notnull()).mutate(days=_days(first.next_first, first.first))


def time_in_stage(data: CrmData, *, stages: StageConfig, quantiles=(0.5, 0.75, 0.9)) -> pd.DataFrame:
    """Days from first entry of a stage to the first entry of the next stage visited, per stage,
    and the cumulative time over re-entries, for deals that left the stage."""
    h = data.stage_history
    first = stage_exits(h)
    row_w = ibis.window(group_by="deal_id", order_by=[h.entered_at, h.stage])
    visits = h.mutate(next_entry=h.entered_at.lead().over(row_w))
    visits = visits.filter(visits.next_entry.notnull()).mutate(days=_days(visits.next_entry, visits.entered_at))
    cumulative = visits.group_by(["deal_id", "stage"]).aggregate(days=visits.days.sum())
    q = {f"p{int(x * 100)}": first.days.quantile(x) for x in quantiles}
    qc = {f"cum_p{int(x * 100)}": cumulative.days.quantile(x) for x in quantiles}
    a = first.group_by("stage").aggregate(deals=first.count(), mean=first.days.mean(), **q).to_pandas()
    b = cumulative.group_by("stage").aggregate(**qc).to_pandas()
    out = a.merge(b, on="stage", how="left")
    order = {name: i for i, name in enumerate(stages.order)}
    out = out[out["stage"].isin(stages.order[:-1])]
    return out.sort_values("stage", key=lambda s: s.map(order)).reset_index(drop=True)


def stage_durations(data: CrmData, *, stages: StageConfig, limit: int = 200_000) -> pd.DataFrame:
    """A sample of per-deal days in each stage (first-entry convention) for the distribution chart."""
    first = stage_exits(data.stage_history)
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
    data: CrmData, *, stages: StageConfig, as_of: date, quantile: float = 0.9
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
        first = stage_exits(h)
        thresholds = first.group_by("stage").aggregate(threshold=first.days.quantile(quantile), exits=first.count())
        h = h.filter(h.entered_at < today)
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
    out = out.sort_values(["rep_id", "days_in_stage"], ascending=[True, False]).reset_index(drop=True)
    out["days_in_stage"] = out["days_in_stage"].round(0)
    out["threshold"] = out["threshold"].round(0)
    limits = (
        thresholds.to_pandas()
        if thresholds is not None
        else pd.DataFrame({"stage": ["(created → closed)"], "threshold": [float(limit)], "exits": [np.nan]})
    )
    return out, limits


# --- comparisons ------------------------------------------------------------------------------------------------------


def compare_groups(frame: pd.DataFrame, by: str, *, min_deals: int, alpha: float = 0.05) -> pd.DataFrame:
    """Per step: each group's next-step conversion against the rest (chi-square, or Fisher when small),
    p-values Holm-corrected over every group × step test; small groups flagged and not tested."""
    steps = frame[frame["next_reached"].notna()]
    rows = []
    for stage, part in steps.groupby("stage", sort=False):
        total_reached, total_next = part["reached"].sum(), part["next_reached"].sum()
        for r in part.itertuples():
            small = r.reached < min_deals
            p = np.nan
            if not small:
                rest_reached, rest_next = total_reached - r.reached, total_next - r.next_reached
                table = np.array([[r.next_reached, r.reached - r.next_reached], [rest_next, rest_reached - rest_next]])
                if rest_reached > 0:
                    expected = sps.contingency.expected_freq(table) if table.min() >= 0 and table.sum() else table
                    if (expected < 5).any():
                        p = sps.fisher_exact(table)[1]
                    else:
                        p = sps.chi2_contingency(table, correction=False)[1]
            rest_rate = (
                (total_next - r.next_reached) / (total_reached - r.reached) if total_reached > r.reached else np.nan
            )
            rows.append((getattr(r, by), stage, r.reached, r.next_step, rest_rate, small, p))
    out = pd.DataFrame(rows, columns=[by, "stage", "reached", "next_step", "rest", "small", "p"])
    tested = out["p"].notna()
    out["p_adjusted"] = np.nan
    out["significant"] = False
    if tested.any():
        reject, adjusted, _, _ = multipletests(out.loc[tested, "p"], alpha=alpha, method="holm")
        out.loc[tested, "p_adjusted"] = adjusted
        out.loc[tested, "significant"] = reject
    out["direction"] = np.where(out["next_step"] < out["rest"], "lower", "higher")
    return out


# --- bottlenecks -------------------------------------------------------------------------------------------------------


def bottlenecks(
    facts: ibis.Table,
    window: Window,
    *,
    stages: StageConfig,
    options: FunnelParams,
    period_months: int,
    mode: str = "cohort",
) -> pd.DataFrame:
    """Per step, overall and per team: the gap to the best quartile of reps (or the target conversion
    in params) and the revenue gained per period if that gap closed:
    deals reaching the step × gap × win rate after the step × average won deal size."""
    names = pipeline_stages(stages)
    per_rep = funnel_table(facts, window, stages=stages, mode=mode, by="rep_id")
    has_team = "team" in facts.columns
    groups = {"all": funnel_table(facts, window, stages=stages, mode=mode)}
    if has_team:
        team = funnel_table(facts, window, stages=stages, mode=mode, by="team")
        for name, part in team.groupby("team"):
            groups[name] = part.drop(columns="team")
    start = ibis.timestamp(pd.Timestamp(window.start))
    end = ibis.timestamp(pd.Timestamp(window.end_exclusive))
    cohort = facts.filter((facts.created_at >= start) & (facts.created_at < end)) if mode == "cohort" else facts
    keys = ["team"] if has_team else []
    won = cohort.status == schema.WON
    size = cohort.amount.mean(where=won)
    downstream = {f"down_{i}": won.cast("int64").sum(where=cohort[f"reached_{i}"] == 1) for i in range(len(names))}
    sizes_all = cohort.aggregate(size=size, **downstream).to_pandas().iloc[0]
    sizes = (
        cohort.group_by(keys).aggregate(size=size, **downstream).to_pandas().set_index("team")
        if has_team
        else pd.DataFrame()
    )
    # Gains are for the deals of the window; per period scales them to the params period's length.
    scale = period_months / window.months
    rows = []
    for i in range(len(names) - 1):
        step_reps = per_rep[(per_rep["step"] == i) & (per_rep["reached"] >= options.min_deals)]
        target = options.target_conversion.get(names[i])
        benchmark = (
            target
            if target is not None
            else (float(step_reps["next_step"].quantile(0.75)) if len(step_reps) >= 4 else np.nan)
        )
        for group, frame in groups.items():
            step = frame[frame["step"] == i].iloc[0]
            nxt = frame[frame["step"] == i + 1].iloc[0]
            facts_row = sizes_all if group == "all" else sizes.loc[group]
            downstream_rate = facts_row[f"down_{i + 1}"] / nxt["reached"] if nxt["reached"] else np.nan
            gap = max(0.0, benchmark - step["next_step"]) if benchmark == benchmark else np.nan
            gain = step["reached"] * gap * downstream_rate * facts_row["size"] * scale if gap == gap else np.nan
            rows.append(
                (
                    group,
                    names[i],
                    names[i + 1],
                    int(step["reached"]),
                    step["next_step"],
                    benchmark,
                    gap,
                    downstream_rate,
                    facts_row["size"],
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
            "conversion",
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
    """Per creation month: share of the cohort reaching each stage, won and still open."""
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
            still_open=(recent.status == schema.OPEN).cast("int64").sum(),
            **{f"reached_{i}": recent[f"reached_{i}"].sum() for i in range(len(names))},
        )
        .to_pandas()
        .sort_values("month")
    )
    out = agg[["month", "created", "still_open"]].copy()
    for i, name in enumerate(names):
        out[name] = agg[f"reached_{i}"] / agg["created"]
    out["open_share"] = agg["still_open"] / agg["created"]
    return out.reset_index(drop=True)


def velocity(data: CrmData, *, as_of: date, months: int = 12, trailing_months: int = 6) -> pd.DataFrame:
    """Sales velocity per team at each month end: open deals × win rate × average won size / average
    cycle days (revenue per day), win rate, size and cycle over the trailing months."""
    deals = metrics.deals_with_team(data)
    keys = ["team"] if "team" in deals.columns else []
    rows = []
    ends = [pd.Timestamp(as_of) + pd.offsets.MonthEnd(0) - pd.offsets.MonthEnd(k) for k in range(months - 1, -1, -1)]
    for month_end in ends:
        cut = ibis.timestamp(month_end + pd.Timedelta(days=1))
        since = ibis.timestamp(month_end + pd.Timedelta(days=1) - pd.DateOffset(months=trailing_months))
        open_now = deals.filter((deals.created_at < cut) & ((deals.status == schema.OPEN) | (deals.closed_at >= cut)))
        closed = deals.filter(
            deals.status.isin(schema.CLOSED_STATUSES) & (deals.closed_at >= since) & (deals.closed_at < cut)
        )
        won = closed.status == schema.WON
        a = (open_now.group_by(keys) if keys else open_now).aggregate(open_deals=open_now.count()).to_pandas()
        b = (
            (closed.group_by(keys) if keys else closed)
            .aggregate(
                won=won.cast("int64").sum(),
                closed=closed.count(),
                size=closed.amount.mean(where=won),
                cycle=_days(closed.closed_at, closed.created_at).mean(where=won),
            )
            .to_pandas()
        )
        both = a.merge(b, on=keys, how="outer") if keys else pd.concat([a, b], axis=1)
        both["month_end"] = month_end.normalize()
        rows.append(both)
    out = pd.concat(rows, ignore_index=True)
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

    @property
    def summary(self) -> pd.DataFrame:
        return self.funnel

    def findings(self, lang, currency: str) -> list[str]:
        from salesnb.funnel_text import findings

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
    # Without history, the current stage of every deal is all there is: count them all.
    mode = options.mode if has_history else "snapshot"
    funnel = funnel_table(facts, window, stages=stages, mode=mode)
    by_group, tests = {}, {}
    for group in ("team", "rep_id", "segment"):
        if group in facts.columns:
            frame = funnel_table(facts, window, stages=stages, mode=mode, by=group)
            frame = frame[frame[group].notna()]
            by_group[group] = frame
            tests[group] = compare_groups(frame, group, min_deals=options.min_deals, alpha=options.alpha)
    stuck, thresholds = stuck_deals(data, stages=stages, as_of=as_of, quantile=options.stuck_quantile)
    period_months = metrics.comparison_windows(params)["current"].months
    return FunnelReport(
        has_history=has_history,
        window=window,
        mode=mode,
        as_of=as_of,
        funnel=funnel,
        by_group=by_group,
        tests=tests,
        moves=move_counts(data.stage_history, stages=stages) if has_history else None,
        times=time_in_stage(data, stages=stages) if has_history else None,
        durations=stage_durations(data, stages=stages) if has_history else None,
        to_close=time_to_close(data.deals, window),
        bottlenecks=bottlenecks(facts, window, stages=stages, options=options, period_months=period_months, mode=mode),
        stuck=stuck,
        thresholds=thresholds,
        cohorts=cohort_funnel(facts, stages=stages, months=options.cohort_months, until=window.end),
        velocity=velocity(data, as_of=as_of),
        options=options,
        period_months=period_months,
    )
