"""The case study (report 04): did an intervention work? Before/after, DiD or ITS, honest uncertainty.

Deals belong to the period of their created date (a rollout changes how deals started after it
are worked); surveys to their survey date; attrition to the leave date. The treated group is the
reps of ``treated_teams``/``treated_reps``; everyone else is the control unless ``control_teams``
narrows it.

- Before/after per group: Welch t and Mann-Whitney (cycle, deal size, CSAT), two-proportion z or
  Fisher (win rate, attrition); Welch or Newcombe intervals, a seeded bootstrap interval for the
  median change; Hedges' g or Cohen's h.
- With a control: difference-in-differences by OLS with rep and month fixed effects and rep-clustered
  errors (win rate as a linear probability model; cycle and deal size on the log scale, read as %),
  a rep-level permutation (placebo) test, an event study by quarter with a joint pre-trend test.
- Without a control: interrupted time series on the monthly KPI (level and slope change, HAC errors,
  month-of-year dummies with 24+ months).
- Minimum detectable effect = (z₁₋α/₂ + z_power) × standard error; a non-significant result is
  reported with it, never as "no effect".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_effectsize, proportions_ztest

from salesnb import metrics, schema
from salesnb.data import CrmData
from salesnb.metrics import Window
from salesnb.params import CaseStudyParams

PROPORTION_KPIS = ("win_rate", "attrition")
LOG_KPIS = ("cycle_days", "deal_size")


@dataclass(frozen=True)
class Design:
    name: str
    date: date
    before: Window
    after: Window
    treated_reps: tuple[str, ...]
    control_reps: tuple[str, ...]
    # Listed reps of each group without a deal created in the before or after window: not counted in
    # group sizes (they contribute no observation), but still on the roster for attrition.
    treated_without_deals: tuple[str, ...] = ()
    control_without_deals: tuple[str, ...] = ()

    @property
    def has_control(self) -> bool:
        return len(self.control_reps) > 0

    @property
    def without_deals(self) -> int:
        return len(self.treated_without_deals) + len(self.control_without_deals)

    def roster(self, group: str) -> tuple[str, ...]:
        """Every listed rep of the group, with or without deals (the headcount for attrition)."""
        if group == "treated":
            return self.treated_reps + self.treated_without_deals
        return self.control_reps + self.control_without_deals


def design(data: CrmData, options: CaseStudyParams) -> Design:
    """Windows and treated/control reps from the params."""
    start = options.date
    before = Window(
        "before",
        metrics._add_months(start.replace(day=1), -options.before_months)
        if start.day == 1
        else start - timedelta(days=round(options.before_months * 30.4375)),
        start - timedelta(days=1),
    )
    after_start = start + timedelta(days=options.washout_days)
    after_end = (
        metrics._add_months(start.replace(day=1), options.after_months) - timedelta(days=1)
        if start.day == 1
        else start + timedelta(days=round(options.after_months * 30.4375)) - timedelta(days=1)
    )
    after = Window("after", after_start, after_end)
    reps = (
        data.reps.to_pandas() if data.has("reps") else pd.DataFrame({"rep_id": data.deals.rep_id.to_pandas().unique()})
    )
    team = reps["team"] if "team" in reps else pd.Series(pd.NA, index=reps.index)
    treated = reps["rep_id"].isin(options.treated_reps) | team.isin(options.treated_teams)
    control = ~treated if options.control_teams is None else team.isin(options.control_teams) & ~treated
    active = _reps_with_deals(data, Window("study", before.start, after.end))
    has_deals = reps["rep_id"].isin(active)
    return Design(
        options.name,
        start,
        before,
        after,
        tuple(sorted(reps.loc[treated & has_deals, "rep_id"])),
        tuple(sorted(reps.loc[control & has_deals, "rep_id"])),
        tuple(sorted(reps.loc[treated & ~has_deals, "rep_id"])),
        tuple(sorted(reps.loc[control & ~has_deals, "rep_id"])),
    )


def _reps_with_deals(data: CrmData, window: Window) -> set[str]:
    deals = data.deals
    created = deals.filter(deals.rep_id.notnull() & metrics._in_window(deals.created_at, window))
    return set(created.select("rep_id").distinct().to_pandas()["rep_id"])


# --- the observations per KPI -----------------------------------------------------------------------------------


def observations(data: CrmData, d: Design, kpi: str) -> pd.DataFrame:
    """One row per observation: rep_id, group (treated/control), period (before/after), month, y."""
    if kpi == "csat":
        if not data.has("surveys") or "rep_id" not in data.table("surveys").columns:
            return pd.DataFrame()
        s = data.table("surveys")
        score = s.score * 100 / s.scale if "scale" in s.columns else s.score
        frame = s.select("rep_id", when=s.surveyed_at, y=score).to_pandas()
    elif kpi == "attrition":
        return pd.DataFrame()  # rep-level, see attrition_table
    else:
        deals = data.deals
        closed = deals.filter(
            deals.status.isin(schema.CLOSED_STATUSES) & deals.closed_at.notnull() & deals.created_at.notnull()
        )
        if kpi == "win_rate":
            frame = closed.select("rep_id", when=closed.created_at, y=(closed.status == schema.WON).cast("float64"))
        else:
            won = closed.filter(closed.status == schema.WON)
            value = (
                (won.closed_at.epoch_seconds() - won.created_at.epoch_seconds()) / 86400
                if kpi == "cycle_days"
                else won.amount
            )
            frame = won.select("rep_id", when=won.created_at, y=value)
            frame = frame.filter(frame.y > 0)
        frame = frame.to_pandas()
    return _label(frame, d)


def _label(frame: pd.DataFrame, d: Design) -> pd.DataFrame:
    when = pd.to_datetime(frame["when"])
    period = np.select(
        [
            (when >= pd.Timestamp(d.before.start)) & (when < pd.Timestamp(d.before.end_exclusive)),
            (when >= pd.Timestamp(d.after.start)) & (when < pd.Timestamp(d.after.end_exclusive)),
        ],
        ["before", "after"],
        default="",
    )
    group = np.select(
        [frame["rep_id"].isin(d.treated_reps), frame["rep_id"].isin(d.control_reps)], ["treated", "control"], ""
    )
    out = frame.assign(period=period, group=group, month=when.dt.to_period("M").dt.to_timestamp())
    return out[(out["period"] != "") & (out["group"] != "")].drop(columns="when").reset_index(drop=True)


# --- before/after tests ------------------------------------------------------------------------------------------


def compare_periods(obs: pd.DataFrame, kpi: str, *, options: CaseStudyParams) -> dict:
    """Before vs after within one group: level, change, interval, p-value, effect size, sizes."""
    before = obs.loc[obs["period"] == "before", "y"].to_numpy(dtype=float)
    after = obs.loc[obs["period"] == "after", "y"].to_numpy(dtype=float)
    row = {"n_before": len(before), "n_after": len(after)}
    if len(before) < 2 or len(after) < 2:
        return row | {
            "before": np.nan,
            "after": np.nan,
            "change": np.nan,
            "low": np.nan,
            "high": np.nan,
            "p": np.nan,
            "test": "too_few",
            "effect_size": np.nan,
        }
    if kpi in PROPORTION_KPIS:
        k1, k2 = after.sum(), before.sum()
        table = np.array([[k1, len(after) - k1], [k2, len(before) - k2]])
        if table.min() < 5:
            p, test = stats.fisher_exact(table)[1], "fisher"
        else:
            p, test = proportions_ztest([k1, k2], [len(after), len(before)])[1], "two_proportion_z"
        low, high = confint_proportions_2indep(k1, len(after), k2, len(before), method="newcomb")
        pa, pb = after.mean(), before.mean()
        return row | {
            "before": pb,
            "after": pa,
            "change": pa - pb,
            "low": low,
            "high": high,
            "p": float(p),
            "test": test,
            "effect_size": float(proportion_effectsize(pa, pb)),
        }
    welch = stats.ttest_ind(after, before, equal_var=False)
    ci = welch.confidence_interval(1 - options.alpha)
    mann = stats.mannwhitneyu(after, before, alternative="two-sided")
    pooled = np.sqrt(
        ((len(after) - 1) * after.var(ddof=1) + (len(before) - 1) * before.var(ddof=1)) / (len(after) + len(before) - 2)
    )
    correction = 1 - 3 / (4 * (len(after) + len(before)) - 9)
    boot = stats.bootstrap(
        (after, before),
        lambda a, b, axis=-1: np.median(a, axis=axis) - np.median(b, axis=axis),
        n_resamples=options.bootstrap,
        confidence_level=1 - options.alpha,
        method="percentile",
        random_state=np.random.default_rng(options.seed),
        vectorized=True,
    )
    return row | {
        "before": before.mean(),
        "after": after.mean(),
        "change": after.mean() - before.mean(),
        "low": ci.low,
        "high": ci.high,
        "p": float(welch.pvalue),
        "p_mann_whitney": float(mann.pvalue),
        "median_change": float(np.median(after) - np.median(before)),
        "median_low": float(boot.confidence_interval.low),
        "median_high": float(boot.confidence_interval.high),
        "test": "welch_t",
        "effect_size": (after.mean() - before.mean()) / pooled * correction if pooled else np.nan,
    }


# --- difference in differences --------------------------------------------------------------------------------------


def _did_frame(obs: pd.DataFrame, kpi: str) -> pd.DataFrame:
    frame = obs.copy()
    if kpi in LOG_KPIS:
        frame["y"] = np.log(frame["y"])
    frame["treat_after"] = ((frame["group"] == "treated") & (frame["period"] == "after")).astype(float)
    frame["month_key"] = frame["month"].dt.strftime("%Y-%m")
    return frame


def did(obs: pd.DataFrame, kpi: str, *, options: CaseStudyParams) -> dict:
    """DiD estimate with rep and month fixed effects and rep-clustered errors, plus a placebo p-value."""
    frame = _did_frame(obs, kpi)
    if frame["group"].nunique() < 2 or frame["period"].nunique() < 2:
        return {}
    fit = smf.ols("y ~ treat_after + C(rep_id) + C(month_key)", data=frame).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(frame["rep_id"])[0]}, use_t=True
    )
    estimate = float(fit.params["treat_after"])
    low, high = (float(v) for v in fit.conf_int(alpha=options.alpha).loc["treat_after"])
    se = float(fit.bse["treat_after"])
    df = frame["rep_id"].nunique() - 1
    z = stats.t.ppf(1 - options.alpha / 2, df) + stats.t.ppf(options.power, df)
    return {
        "estimate": estimate,
        "low": low,
        "high": high,
        "p": float(fit.pvalues["treat_after"]),
        "se": se,
        "mde": z * se,
        "permutation_p": permutation_p(frame, options=options),
        "scale": "log" if kpi in LOG_KPIS else "level",
        "n": int(fit.nobs),
        "reps": int(frame["rep_id"].nunique()),
    }


def simple_did(frame: pd.DataFrame, treated: np.ndarray) -> float:
    """(treated after − treated before) − (control after − control before) on cell means."""
    t = np.isin(frame["rep_id"].to_numpy(), treated)
    a = frame["period"].to_numpy() == "after"
    y = frame["y"].to_numpy(dtype=float)
    return (y[t & a].mean() - y[t & ~a].mean()) - (y[~t & a].mean() - y[~t & ~a].mean())


def permutation_p(frame: pd.DataFrame, *, options: CaseStudyParams) -> float:
    """Share of random reassignments of 'treated' among reps giving a DiD at least as large (two-sided)."""
    reps = frame["rep_id"].unique()
    treated = frame.loc[frame["group"] == "treated", "rep_id"].unique()
    observed = simple_did(frame, treated)
    rng = np.random.default_rng(options.seed)
    # Per rep and period sums make each permutation a few array sums.
    cells = frame.groupby(["rep_id", "period"])["y"].agg(["sum", "count"]).unstack(fill_value=0)
    sums_after, sums_before = (
        cells[("sum", "after")].reindex(reps, fill_value=0).to_numpy(),
        cells[("sum", "before")].reindex(reps, fill_value=0).to_numpy(),
    )
    n_after, n_before = (
        cells[("count", "after")].reindex(reps, fill_value=0).to_numpy(),
        cells[("count", "before")].reindex(reps, fill_value=0).to_numpy(),
    )
    hits = 0
    for _ in range(options.permutations):
        pick = np.zeros(len(reps), dtype=bool)
        pick[rng.choice(len(reps), size=len(treated), replace=False)] = True

        def mean(s, n, m):
            return s[m].sum() / n[m].sum() if n[m].sum() else np.nan

        value = (mean(sums_after, n_after, pick) - mean(sums_before, n_before, pick)) - (
            mean(sums_after, n_after, ~pick) - mean(sums_before, n_before, ~pick)
        )
        hits += abs(value) >= abs(observed) - 1e-12
    return (hits + 1) / (options.permutations + 1)


def event_study(obs: pd.DataFrame, kpi: str, d: Design, *, options: CaseStudyParams) -> tuple[pd.DataFrame, float]:
    """Treated − control by quarter relative to the intervention (the quarter before = 0), and the
    joint p-value that every pre-intervention quarter is zero (the pre-trend check)."""
    frame = _did_frame(obs, kpi)
    if frame["group"].nunique() < 2:
        return pd.DataFrame(), np.nan
    months = (frame["month"].dt.year - d.date.year) * 12 + frame["month"].dt.month - d.date.month
    frame["q"] = np.floor(months / 3).astype(int)
    quarters = sorted(q for q in frame["q"].unique() if q != -1)
    treated = (frame["group"] == "treated").astype(float)
    names = []
    for q in quarters:
        name = f"tq_{'m' if q < 0 else 'p'}{abs(q)}"
        frame[name] = treated * (frame["q"] == q)
        names.append((q, name))
    formula = "y ~ " + " + ".join(n for _, n in names) + " + C(rep_id) + C(month_key)"
    fit = smf.ols(formula, data=frame).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(frame["rep_id"])[0]}, use_t=True
    )
    ci = fit.conf_int(alpha=options.alpha)
    rows = [(q, float(fit.params[n]), float(ci.loc[n, 0]), float(ci.loc[n, 1])) for q, n in names]
    rows.append((-1, 0.0, 0.0, 0.0))
    table = (
        pd.DataFrame(rows, columns=["quarter", "estimate", "low", "high"]).sort_values("quarter").reset_index(drop=True)
    )
    pre = [n for q, n in names if q < -1]
    pre_p = float(fit.f_test(", ".join(f"{n} = 0" for n in pre)).pvalue) if pre else np.nan
    return table, pre_p


def interrupted_time_series(obs: pd.DataFrame, kpi: str, d: Design, *, options: CaseStudyParams) -> dict:
    """Segmented regression of the treated group's monthly KPI: level and slope change at the date."""
    monthly = obs[obs["group"] == "treated"].groupby("month")["y"].mean().reset_index()
    if len(monthly) < 6:
        return {}
    monthly["t"] = np.arange(len(monthly), dtype=float)
    monthly["post"] = (monthly["month"] >= pd.Timestamp(d.date).to_period("M").to_timestamp()).astype(float)
    start = monthly.loc[monthly["post"] == 1, "t"].min()
    monthly["t_post"] = np.where(monthly["post"] == 1, monthly["t"] - start, 0.0)
    monthly["moy"] = monthly["month"].dt.month.astype(str)
    formula = "y ~ t + post + t_post" + (" + C(moy)" if len(monthly) >= 24 else "")
    fit = smf.ols(formula, data=monthly).fit(cov_type="HAC", cov_kwds={"maxlags": 3})
    ci = fit.conf_int(alpha=options.alpha)
    return {
        "level": float(fit.params["post"]),
        "level_low": float(ci.loc["post", 0]),
        "level_high": float(ci.loc["post", 1]),
        "level_p": float(fit.pvalues["post"]),
        "slope": float(fit.params["t_post"]),
        "slope_low": float(ci.loc["t_post", 0]),
        "slope_high": float(ci.loc["t_post", 1]),
        "months": len(monthly),
        "seasonal": len(monthly) >= 24,
    }


# --- attrition -------------------------------------------------------------------------------------------------------


def attrition_rows(data: CrmData, d: Design, options: CaseStudyParams) -> pd.DataFrame:
    """Per group and period: leavers, mean daily headcount, rate (annualised), and Fisher's p for the change."""
    if not data.has("reps"):
        return pd.DataFrame()
    reps = data.reps.to_pandas()
    if "left_at" not in reps or "hired_at" not in reps:
        return pd.DataFrame()
    rows = []
    for group in ("treated", "control"):
        part = reps[reps["rep_id"].isin(d.roster(group))]
        if part.empty:
            continue
        cells = {}
        for period, window in (("before", d.before), ("after", d.after)):
            result = metrics.rep_attrition(part, window)
            cells[period] = result
        table = np.array(
            [
                [cells["after"]["leavers"], max(cells["after"]["average_headcount"] - cells["after"]["leavers"], 0)],
                [cells["before"]["leavers"], max(cells["before"]["average_headcount"] - cells["before"]["leavers"], 0)],
            ]
        )
        p = stats.fisher_exact(np.rint(table).astype(int))[1]
        rows.append(
            {
                "group": group,
                "before": cells["before"]["annualised"],
                "after": cells["after"]["annualised"],
                "change": cells["after"]["annualised"] - cells["before"]["annualised"],
                "leavers_before": cells["before"]["leavers"],
                "leavers_after": cells["after"]["leavers"],
                "headcount": cells["before"]["average_headcount"],
                "p": float(p),
                "test": "fisher",
            }
        )
    return pd.DataFrame(rows)


# --- whole study ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseStudy:
    design: Design | None
    table: (
        pd.DataFrame
    )  # kpi, group, before, after, change, relative, low, high, p, test, effect_size, n_before, n_after
    effects: pd.DataFrame  # kpi, method, estimate, low, high, p, permutation_p, mde, scale, verdict
    events: dict[str, pd.DataFrame]
    pre_trend_p: dict[str, float]
    monthly: dict[str, pd.DataFrame]  # kpi -> month, group, y
    caveats: list[str]
    missing: list[str] = field(default_factory=list)
    open_share_after: float = np.nan

    @property
    def summary(self) -> pd.DataFrame:
        return self.effects

    def findings(self, lang, currency: str) -> list[str]:
        from salesnb.casestudy_text import findings

        return findings(self, lang, currency)

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"before_after": self.table, "effects": self.effects}
        out.update({f"event_{k}": v for k, v in self.events.items()})
        out.update({f"monthly_{k}": v for k, v in self.monthly.items()})
        return out


def verdict(low: float, high: float) -> str:
    if low != low or high != high:
        return "unknown"
    if low > 0:
        return "increase"
    if high < 0:
        return "decrease"
    return "unclear"


def run_case_study(data: CrmData) -> CaseStudy:
    """Everything report 04 shows for the intervention in params."""
    options = data.params.reports.case_study
    if options.date is None:
        return CaseStudy(None, pd.DataFrame(), pd.DataFrame(), {}, {}, {}, ["not_defined"])
    d = design(data, options)
    rows, effects, events, pre_trend, monthly, missing = [], [], {}, {}, {}, []
    for kpi in options.kpis:
        if kpi == "attrition":
            att = attrition_rows(data, d, options)
            if att.empty:
                missing.append(kpi)
                continue
            for r in att.to_dict("records"):
                rows.append(
                    {
                        "kpi": kpi,
                        **r,
                        "relative": r["change"] / r["before"] if r["before"] else np.nan,
                        "low": np.nan,
                        "high": np.nan,
                        "effect_size": np.nan,
                        "n_before": r["headcount"],
                        "n_after": r["headcount"],
                    }
                )
            if len(att) == 2:
                t, c = att.set_index("group").loc["treated"], att.set_index("group").loc["control"]
                effects.append(
                    {
                        "kpi": kpi,
                        "method": "did_rates",
                        "estimate": t["change"] - c["change"],
                        "low": np.nan,
                        "high": np.nan,
                        "p": np.nan,
                        "permutation_p": np.nan,
                        "mde": np.nan,
                        "scale": "level",
                        "verdict": "unclear",
                    }
                )
            continue
        obs = observations(data, d, kpi)
        if obs.empty or (obs["group"] == "treated").sum() < 2:
            missing.append(kpi)
            continue
        for group in ("treated", "control"):
            part = obs[obs["group"] == group]
            if part.empty:
                continue
            result = compare_periods(part, kpi, options=options)
            rows.append(
                {
                    "kpi": kpi,
                    "group": group,
                    **result,
                    "relative": result["change"] / result["before"] if result.get("before") else np.nan,
                }
            )
        monthly[kpi] = obs.groupby(["month", "group"])["y"].mean().reset_index()
        if d.has_control and (obs["group"] == "control").sum() >= 2:
            found = did(obs, kpi, options=options)
            if found:
                effects.append(
                    {
                        "kpi": kpi,
                        "method": "did",
                        **{k: found[k] for k in ("estimate", "low", "high", "p", "permutation_p", "mde", "scale")},
                        "verdict": verdict(found["low"], found["high"]),
                    }
                )
                events[kpi], pre_trend[kpi] = event_study(obs, kpi, d, options=options)
        else:
            its = interrupted_time_series(obs, kpi, d, options=options)
            if its:
                z = stats.norm.ppf(1 - options.alpha / 2) + stats.norm.ppf(options.power)
                se = (its["level_high"] - its["level_low"]) / (2 * stats.norm.ppf(1 - options.alpha / 2))
                effects.append(
                    {
                        "kpi": kpi,
                        "method": "its",
                        "estimate": its["level"],
                        "low": its["level_low"],
                        "high": its["level_high"],
                        "p": its["level_p"],
                        "permutation_p": np.nan,
                        "mde": z * se,
                        "scale": "level",
                        "verdict": verdict(its["level_low"], its["level_high"]),
                    }
                )
    table = pd.DataFrame(rows)
    effects_frame = pd.DataFrame(effects)
    open_share = _open_share_after(data, d)
    study = CaseStudy(d, table, effects_frame, events, pre_trend, monthly, [], missing, open_share)
    return CaseStudy(d, table, effects_frame, events, pre_trend, monthly, caveats(study, options), missing, open_share)


def _open_share_after(data: CrmData, d: Design) -> float:
    deals = data.deals
    after = deals.filter(
        (deals.created_at >= pd.Timestamp(d.after.start)) & (deals.created_at < pd.Timestamp(d.after.end_exclusive))
    )
    counts = (
        after.aggregate(n=after.count(), open=(after.status == schema.OPEN).cast("int64").sum()).to_pandas().iloc[0]
    )
    return float(counts["open"] / counts["n"]) if counts["n"] else np.nan


def caveats(study: CaseStudy, options: CaseStudyParams) -> list[str]:
    """Caveat codes that apply (the report words them)."""
    out = []
    d = study.design
    if any(p == p and p < options.alpha for p in study.pre_trend_p.values()):
        out.append("pre_trend")
    if not d.has_control:
        out.append("no_control")
        if options.before_months % 12 or options.after_months % 12:
            out.append("seasonality")
    if options.before_months < 6 or options.after_months < 6:
        out.append("short_windows")
    if study.open_share_after == study.open_share_after and study.open_share_after > 0.1:
        out.append("censoring")
    worst = _treated_were_worst(study)
    if worst:
        out.append("regression_to_mean")
    if d.has_control:
        out.append("team_assignment")
    out.append("other_changes")
    return out


def _treated_were_worst(study: CaseStudy) -> bool:
    """Regression to the mean is a risk when the treated group started clearly below the control."""
    t = study.table
    if t.empty or "win_rate" not in set(t["kpi"]):
        return False
    wr = t[t["kpi"] == "win_rate"].set_index("group")["before"]
    return "control" in wr and "treated" in wr and wr["treated"] < 0.8 * wr["control"]
