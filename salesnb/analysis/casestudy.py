"""The case study (report 04): did an intervention work? Before/after, DiD or ITS, honest uncertainty.

Deals belong to the period of their created date (a rollout changes how deals started after it
are worked); surveys to their survey date; attrition to the leave date. The treated group is the
reps of ``treated_teams``/``treated_reps``; everyone else is the control unless ``control_teams``
narrows it.

- Before/after per group: Welch t and Mann-Whitney (cycle, deal size, CSAT), two-proportion z or
  Fisher (win rate, attrition); Welch or Newcombe intervals, a seeded bootstrap interval for the
  median change; Hedges' g or Cohen's h.
- With a control: difference-in-differences by weighted OLS on rep × month cells with rep and month
  fixed effects (team × month when reps were treated inside teams); win rate as a linear probability
  model, cycle and deal size on the log scale (read as %). Inference happens at the unit the
  intervention was assigned to (teams when ``treated_teams`` names them, reps when ``treated_reps``
  does): exact randomization inference over every possible assignment when there are few, sampled
  randomization inference otherwise, errors clustered by that unit once there are 50+ units with 10+
  in each group. When the design cannot give a p-value below alpha (1/K > alpha for K possible
  assignments) nothing is called significant and the report says why. An event study by quarter and
  a joint pre-trend test on the before window, at the same unit.
- Without a control: interrupted time series on the treated group's monthly KPI (level and slope
  change; Prais–Winsten AR(1) errors with a bootstrap-t interval; month-of-year terms only with 24+
  months before, otherwise left out and said so).
- Minimum detectable effect at the assignment level; a non-significant result is reported with it,
  never as "no effect", and when it cannot be estimated the report says so.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_effectsize, proportions_ztest

from salesnb import schema
from salesnb.analysis import metrics
from salesnb.analysis.metrics import Window
from salesnb.analysis.stats import bootstrap_median_difference, holm_adjust
from salesnb.data import CrmData
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
    # The unit the intervention was assigned to: "team" when whole teams were named, else "rep".
    unit: str = "rep"
    unit_of: dict[str, str] = field(default_factory=dict)  # rep_id -> assignment unit
    team_of: dict[str, str] = field(default_factory=dict)  # rep_id -> team (when the reps table has teams)

    @property
    def has_control(self) -> bool:
        return len(self.control_reps) > 0

    @property
    def treated_units(self) -> tuple[str, ...]:
        return tuple(sorted({self.unit_of[r] for r in self.treated_reps}))

    @property
    def control_units(self) -> tuple[str, ...]:
        return tuple(sorted({self.unit_of[r] for r in self.control_reps}))

    @property
    def without_deals(self) -> int:
        return len(self.treated_without_deals) + len(self.control_without_deals)

    def roster(self, group: str) -> tuple[str, ...]:
        """Every listed rep of the group, with or without deals (the headcount for attrition)."""
        if group == "treated":
            return self.treated_reps + self.treated_without_deals
        return self.control_reps + self.control_without_deals


def design(data: CrmData, options: CaseStudyParams) -> Design:
    """Windows, treated/control reps and the assignment unit from the params.

    Whole teams named in ``treated_teams`` (and no single reps) make the team the assignment unit;
    otherwise (reps named, or teams and reps mixed) it is the rep.
    """
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
    if data.has("reps"):
        reps = data.reps.to_pandas()
    else:  # the owners found on deals; deals without one belong to neither group
        deals = data.deals
        reps = deals.filter(deals.rep_id.notnull()).select("rep_id").distinct().order_by("rep_id").to_pandas()
    team = reps["team"] if "team" in reps else pd.Series(pd.NA, index=reps.index)
    treated = reps["rep_id"].isin(options.treated_reps) | team.isin(options.treated_teams)
    control = ~treated if options.control_teams is None else team.isin(options.control_teams) & ~treated
    active = _reps_with_deals(data, Window("study", before.start, after.end))
    has_deals = reps["rep_id"].isin(active)
    unit = "team" if options.treated_teams and not options.treated_reps and "team" in reps else "rep"
    team_of = dict(zip(reps["rep_id"], team.astype("string").fillna(reps["rep_id"]), strict=True))
    unit_of = team_of if unit == "team" else {r: r for r in reps["rep_id"]}
    return Design(
        options.name,
        start,
        before,
        after,
        tuple(sorted(reps.loc[treated & has_deals, "rep_id"])),
        tuple(sorted(reps.loc[control & has_deals, "rep_id"])),
        tuple(sorted(reps.loc[treated & ~has_deals, "rep_id"])),
        tuple(sorted(reps.loc[control & ~has_deals, "rep_id"])),
        unit,
        {str(k): str(v) for k, v in unit_of.items()},
        {str(k): str(v) for k, v in team_of.items()} if "team" in reps else {},
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
        frame = s.select("rep_id", when=s.surveyed_at, y=metrics.csat_score(s))
    elif kpi == "attrition":
        return pd.DataFrame()  # rep-level, see attrition_table
    else:
        deals = data.deals
        closed = deals.filter(
            deals.status.isin(schema.CLOSED_STATUSES) & deals.closed_at.notnull() & deals.created_at.notnull()
        )
        if kpi == "win_rate":
            # an integer CASE cast to double: PostgreSQL types a CASE of 1.0 / 0.0 as numeric (Decimal)
            y = (closed.status == schema.WON).ifelse(1, 0).cast("float64")
            frame = closed.select("rep_id", when=closed.created_at, y=y)
        else:
            won = closed.filter(closed.status == schema.WON)
            value = (
                (won.closed_at.epoch_seconds() - won.created_at.epoch_seconds()) / 86400
                if kpi == "cycle_days"
                else won.amount
            )
            frame = won.select("rep_id", when=won.created_at, y=value)
            frame = frame.filter(frame.y > 0)
    return _label(metrics.to_frame(frame), d)


def _label(frame: pd.DataFrame, d: Design) -> pd.DataFrame:
    """The rows of ``frame`` (rep_id, when, y) dated in the before or after window and belonging to a
    treated or control rep, with their period, group and month, in the order they came (the bootstrap
    resamples by position). Masks and labels are built on arrays, not compared as strings."""
    when = pd.to_datetime(frame["when"]).to_numpy()

    def within(window: Window) -> np.ndarray:
        return (when >= np.datetime64(pd.Timestamp(window.start))) & (
            when < np.datetime64(pd.Timestamp(window.end_exclusive))
        )

    before, after = within(d.before), within(d.after)
    treated = frame["rep_id"].isin(d.treated_reps).to_numpy()
    control = frame["rep_id"].isin(d.control_reps).to_numpy()
    keep = (before | after) & (treated | control)
    return pd.DataFrame(
        {
            "rep_id": frame["rep_id"].to_numpy()[keep],
            "y": frame["y"].to_numpy()[keep],
            "period": np.where(before[keep], "before", "after"),
            "group": np.where(treated[keep], "treated", "control"),
            # the first of the month at midnight, as pandas' to_period("M").to_timestamp() gives it
            "month": when[keep].astype("datetime64[M]").astype("datetime64[ns]"),
        }
    )


# --- before/after tests ------------------------------------------------------------------------------------------


def compare_periods(obs: pd.DataFrame, kpi: str, *, options: CaseStudyParams) -> dict:
    """Before vs after within one group: level, change, interval, p-value, effect size, sizes."""
    # sorted: the bootstrap resamples by position, so the interval must not depend on the order the
    # engine returned the rows in (DuckDB, PostgreSQL and Spark return them in different orders)
    before = np.sort(obs.loc[obs["period"] == "before", "y"].to_numpy(dtype=float))
    after = np.sort(obs.loc[obs["period"] == "after", "y"].to_numpy(dtype=float))
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
    # scipy.stats.bootstrap's percentile interval of the median change, same draws, without its
    # resamples × observations arrays (bootstrap_median_difference)
    median_low, median_high = bootstrap_median_difference(
        after, before, n_resamples=options.bootstrap, confidence=1 - options.alpha, seed=options.seed
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
        "median_low": median_low,
        "median_high": median_high,
        "test": "welch_t",
        "effect_size": (after.mean() - before.mean()) / pooled * correction if pooled else np.nan,
    }


# --- inference at the level the intervention was assigned -----------------------------------------------------------
#
# Every estimate is weighted OLS on rep × month cells (cell mean, weight = observations in the cell), which gives
# the same coefficient and the same cluster scores as OLS on the deals themselves but keeps the arrays small
# enough to refit for every possible assignment. Fixed effects are partialled out once (Frisch–Waugh–Lovell):
# the treatment column of *any* assignment of the units is a sum of per-unit columns, so the estimate of an
# assignment is two quadratic forms in its 0/1 vector.

EXACT_MAX = 2000  # enumerate every assignment up to this many; above, draw SAMPLED random ones
SAMPLED = 1999
CR_MIN_UNITS = 50  # cluster-robust errors only with this many units (36 reps over-rejected: 8.5 %) ...
CR_MIN_GROUP = 10  # ... and this many in each group; otherwise randomization inference


def cells(obs: pd.DataFrame, kpi: str, d: Design) -> pd.DataFrame:
    """Rep × month cells: y (mean, log scale for cycle and deal size), n, unit, team, treated, post, rel_month."""
    frame = obs.assign(y=np.log(obs["y"]) if kpi in LOG_KPIS else obs["y"])
    out = frame.groupby(["rep_id", "month"], as_index=False).agg(y=("y", "mean"), n=("y", "size"))
    out["unit"] = out["rep_id"].map(d.unit_of)
    out["team"] = out["rep_id"].map(d.team_of).fillna(out["rep_id"])
    out["treated"] = out["rep_id"].isin(d.treated_reps)
    out["post"] = out["month"] >= pd.Timestamp(d.after.start).to_period("M").to_timestamp()
    out["rel_month"] = (out["month"].dt.year - d.date.year) * 12 + out["month"].dt.month - d.date.month
    return out


def time_effects(frame: pd.DataFrame, unit: str) -> str:
    """'team_month' when reps were treated within teams that each hold both groups (compare within team and
    month, which removes team-wide shocks), else 'month'."""
    if unit != "rep" or frame["team"].nunique() < 2:
        return "month"
    both = frame.groupby("team")["treated"].agg(["min", "max"])
    return "team_month" if ((both["min"] == 0) & (both["max"] == 1)).all() else "month"


class _FixedEffects:
    """Weighted projection off rep and time fixed effects for one cell frame."""

    def __init__(self, frame: pd.DataFrame, time: str):
        time_key = frame["month"].dt.strftime("%Y-%m")
        if time == "team_month":
            time_key = frame["team"].astype(str) + "|" + time_key
        rep = pd.get_dummies(frame["rep_id"], dtype=float).to_numpy()
        period = pd.get_dummies(time_key, dtype=float).to_numpy()[:, 1:]
        self.x = np.column_stack([rep, period])
        self.w = frame["n"].to_numpy(dtype=float)
        self.root = np.sqrt(self.w)
        # An orthonormal basis of the weighted fixed-effect columns (rank-revealing, so a rep seen in one
        # month only or a team-month with one rep needs no special case).
        basis, singular, _ = np.linalg.svd(self.x * self.root[:, None], full_matrices=False)
        self.rank = int((singular > singular.max() * max(self.x.shape) * np.finfo(float).eps).sum())
        self.basis = basis[:, : self.rank]

    def partial(self, z: np.ndarray) -> np.ndarray:
        """z minus its weighted projection on the fixed effects (columns of z handled together)."""
        z2 = z if z.ndim == 2 else z[:, None]
        scaled = z2 * self.root[:, None]
        out = (scaled - self.basis @ (self.basis.T @ scaled)) / self.root[:, None]
        return out if z.ndim == 2 else out[:, 0]


@dataclass(frozen=True)
class Assignments:
    """The assignments of the treated label that inference compares the actual one with."""

    units: tuple[str, ...]
    matrix: np.ndarray  # assignments × units, 0/1; row 0 is the actual assignment
    kind: str  # exact_ri | sampled_ri
    total: int  # number of possible assignments (for exact: rows of matrix)
    min_p: float  # smallest p-value the comparison can give
    min_p_text: str  # e.g. "1/7", "2/6"

    @property
    def actual(self) -> np.ndarray:
        return self.matrix[0]


def assignments(frame: pd.DataFrame, *, strata: bool, seed: int, draws: int = SAMPLED) -> Assignments:
    """Every way to pick as many treated units as were treated (when there are at most EXACT_MAX), else
    ``draws`` random picks plus the actual one (a valid test at any number of draws); with ``strata`` picks are made within each team (a rep
    pilot that treated part of every team)."""
    per_unit = frame.groupby("unit").agg(treated=("treated", "max"), team=("team", "first"))
    units = tuple(per_unit.index)
    actual = per_unit["treated"].to_numpy(dtype=float)
    n, k = len(units), int(actual.sum())
    if strata:
        teams = per_unit["team"].to_numpy()
        total = 1
        for team in np.unique(teams):
            inside = teams == team
            total *= math.comb(int(inside.sum()), int(actual[inside].sum()))
    else:
        total = math.comb(n, k)
    if not strata and total <= EXACT_MAX:
        rows = np.zeros((total, n))
        for i, pick in enumerate(itertools.combinations(range(n), k)):
            rows[i, list(pick)] = 1.0
        first = int(np.flatnonzero((rows == actual).all(axis=1))[0])
        rows[[0, first]] = rows[[first, 0]]
        # Treating the complement of the actual group gives exactly minus its estimate, so with half the
        # units treated the actual assignment always ties its mirror image.
        ties = 2 if 2 * k == n else 1
        return Assignments(units, rows, "exact_ri", total, ties / total, f"{ties}/{total}")
    rng = np.random.default_rng(seed)
    rows = np.empty((draws + 1, n))
    rows[0] = actual
    groups = [np.flatnonzero(teams == team) for team in np.unique(teams)] if strata else [np.arange(n)]
    for idx in groups:
        keys = rng.random((draws, idx.size))
        rows[1:, idx] = (np.argsort(np.argsort(keys, axis=1), axis=1) < int(actual[idx].sum())).astype(float)
    return Assignments(units, rows, "sampled_ri", total, 1 / (draws + 1), f"1/{draws + 1}")


def _unit_columns(frame: pd.DataFrame, units: tuple[str, ...], mask: np.ndarray) -> np.ndarray:
    """Cells × units: 1 where the cell belongs to the unit and ``mask`` holds."""
    codes = pd.Categorical(frame["unit"], categories=list(units)).codes
    out = np.zeros((len(frame), len(units)))
    out[np.arange(len(frame)), codes] = 1.0
    return out * mask[:, None]


def _acceptance_hull(b: np.ndarray, c: np.ndarray, b_obs: float, alpha: float) -> tuple[float, float]:
    """Interval of effects τ not rejected by the randomization test of 'the effect is τ everywhere'.

    With y − τ·D the estimate of assignment a is b_a − τ c_a (the actual one: b_obs − τ); τ is rejected when
    the share of assignments with |b_a − τ c_a| ≥ |b_obs − τ| is at most alpha. That share only changes
    where some (b_a − τ c_a)² − (b_obs − τ)² changes sign, so it is evaluated at those roots and between them.
    """
    qa, qb, qc = c**2 - 1, -2 * (b * c - b_obs), b**2 - b_obs**2
    roots = []
    linear = np.abs(qa) < 1e-12
    ok = linear & (np.abs(qb) > 1e-12)
    roots.append(-qc[ok] / qb[ok])
    disc = qb**2 - 4 * qa * qc
    ok = ~linear & (disc >= 0)
    sq = np.sqrt(disc[ok])
    roots += [(-qb[ok] + sq) / (2 * qa[ok]), (-qb[ok] - sq) / (2 * qa[ok])]
    roots = np.unique(np.concatenate(roots + [[b_obs]]))
    roots = roots[np.isfinite(roots)]
    spread = max(np.ptp(roots), abs(b_obs), 1e-9)
    mids = (roots[1:] + roots[:-1]) / 2
    points = np.concatenate([roots, mids, [roots.min() - spread, roots.max() + spread]])
    share = (
        np.abs(b[None, :] - points[:, None] * c[None, :]) >= np.abs(b_obs - points)[:, None] - 1e-12 * spread
    ).mean(axis=1)
    accepted = points[share > alpha]
    if accepted.size == 0:
        return b_obs, b_obs
    low = -np.inf if share[-2] > alpha else accepted.min()
    high = np.inf if share[-1] > alpha else accepted.max()
    return float(low), float(high)


def did_cells(frame: pd.DataFrame, d_unit: str, *, alpha: float, power: float, seed: int, draws: int = SAMPLED) -> dict:
    """DiD on cells with inference at the assignment unit (column ``unit`` of the cells).

    Randomization inference (exact over every assignment when there are at most EXACT_MAX, else sampled)
    unless there are at least CR_MIN_UNITS units with CR_MIN_GROUP in each group; then errors clustered by
    unit (CR1, t with units − 1 df). The randomization p is returned as ``permutation_p`` either way.
    """
    time = time_effects(frame, d_unit)
    fe = _FixedEffects(frame, time)
    post = frame["post"].to_numpy()
    y = frame["y"].to_numpy(dtype=float)
    w = fe.w
    pick = assignments(frame, strata=time == "team_month", seed=seed, draws=draws)
    h = fe.partial(_unit_columns(frame, pick.units, post))
    gram = h.T @ (w[:, None] * h)
    z = h.T @ (w * y)
    t_all = pick.matrix
    denom = np.einsum("au,uv,av->a", t_all, gram, t_all)
    if denom[0] <= 1e-9 * w.sum():
        # No treated unit is seen both before and after beyond what the fixed effects absorb (say each
        # treated rep won deals on one side only): the effect is not identified, and a rounding-error
        # denominator would give an estimate of 10^15.
        return {}
    valid = denom > 1e-12 * denom[0]
    t_all, denom = t_all[valid], denom[valid]
    b = (t_all @ z) / denom
    c = (t_all @ gram @ t_all[0]) / denom
    b_obs = float(b[0])
    ri_p = float(np.mean(np.abs(b) >= abs(b_obs) * (1 - 1e-9) - 1e-12))
    n_units = len(pick.units)
    n_treated = int(pick.actual.sum())
    out = {
        "estimate": b_obs,
        "permutation_p": ri_p,
        "unit": d_unit,
        "units": n_units,
        "treated_units": n_treated,
        "assignments": pick.total,
        "draws": len(pick.matrix) - 1,
        "time_effects": time,
        "n": int(w.sum()),
    }
    if n_units >= CR_MIN_UNITS and min(n_treated, n_units - n_treated) >= CR_MIN_GROUP:
        d_tilde = h @ pick.actual
        resid = fe.partial(y) - b_obs * d_tilde
        codes = pd.Categorical(frame["unit"], categories=list(pick.units)).codes
        scores = np.bincount(codes, weights=w * d_tilde * resid, minlength=n_units)
        k = fe.rank + 1
        correction = n_units / (n_units - 1) * (w.sum() - 1) / (w.sum() - k)
        se = float(np.sqrt(correction * (scores**2).sum()) / denom[0])
        df = n_units - 1
        q = stats.t.ppf(1 - alpha / 2, df)
        p = float(2 * stats.t.sf(abs(b_obs) / se, df)) if se > 0 else np.nan
        return out | {
            "inference": "cluster_robust",
            "se": se,
            "low": b_obs - q * se,
            "high": b_obs + q * se,
            "p": p,
            "min_p": 0.0,
            "min_p_text": "",
            "testable": True,
            "mde": (q + stats.t.ppf(power, df)) * se,
        }
    low, high = _acceptance_hull(b, c, b_obs, alpha)
    testable = pick.min_p <= alpha
    mde = float(np.quantile(np.abs(b), 1 - alpha) + stats.norm.ppf(power) * b.std()) if testable else np.nan
    return out | {
        "inference": pick.kind,
        "se": float(b.std()),
        "low": low,
        "high": high,
        "p": ri_p,
        "min_p": pick.min_p,
        "min_p_text": pick.min_p_text,
        "testable": testable,
        "mde": mde,
    }


def _quarter(rel_month: pd.Series) -> np.ndarray:
    return np.floor(rel_month.to_numpy() / 3).astype(int)


def pre_trend_cells(frame: pd.DataFrame, d_unit: str, *, alpha: float, seed: int, draws: int = SAMPLED) -> dict:
    """Joint test that treated − control was flat over the quarters before the intervention.

    Uses only the before window (its outcomes cannot carry the effect), quarter −1 as reference, rep and
    time fixed effects, the same units and inference rule as :func:`did_cells`: randomization inference
    on the Wald-type statistic β'Σ⁻¹β (Σ = covariance of the quarter coefficients over the assignments),
    or with CR_MIN_UNITS+ units a cluster-robust Wald test read as F(Q, G − Q) (Hotelling's small-sample
    form). Returns p, the number of quarters tested and whether the design can reach alpha at all.
    """
    before = frame[~frame["post"].to_numpy()].reset_index(drop=True)
    quarter = _quarter(before["rel_month"])
    tested = sorted(q for q in np.unique(quarter) if q != -1)
    empty = {"p": np.nan, "quarters": 0, "testable": False, "min_p_text": "", "inference": ""}
    if not tested or before["treated"].nunique() < 2 or (quarter == -1).sum() == 0:
        return empty
    time = time_effects(before, d_unit)
    fe = _FixedEffects(before, time)
    pick = assignments(before, strata=time == "team_month", seed=seed, draws=draws)
    w, y = fe.w, before["y"].to_numpy(dtype=float)
    hs = [fe.partial(_unit_columns(before, pick.units, quarter == q)) for q in tested]
    nq = len(tested)
    grams = np.array([[hs[i].T @ (w[:, None] * hs[j]) for j in range(nq)] for i in range(nq)])  # q, q', u, v
    zs = np.array([h.T @ (w * y) for h in hs])  # q, u
    t_all = pick.matrix
    s = np.einsum("au,ijuv,av->aij", t_all, grams, t_all)
    r = np.einsum("au,iu->ai", t_all, zs)
    ok = np.linalg.matrix_rank(s) == nq
    if not ok[0]:
        return empty
    t_all, s, r = t_all[ok], s[ok], r[ok]
    beta = np.linalg.solve(s, r[..., None])[..., 0]
    n_units, n_treated = len(pick.units), int(pick.actual.sum())
    if n_units >= CR_MIN_UNITS and min(n_treated, n_units - n_treated) >= CR_MIN_GROUP:
        cols = np.column_stack([h @ pick.actual for h in hs])
        resid = fe.partial(y) - cols @ beta[0]
        codes = pd.Categorical(before["unit"], categories=list(pick.units)).codes
        scores = np.column_stack(
            [np.bincount(codes, weights=w * cols[:, j] * resid, minlength=n_units) for j in range(nq)]
        )
        k = fe.rank + nq
        correction = n_units / (n_units - 1) * (w.sum() - 1) / (w.sum() - k)
        inv = np.linalg.inv(s[0])
        cov = correction * inv @ (scores.T @ scores) @ inv
        wald = float(beta[0] @ np.linalg.solve(cov, beta[0]))
        f = wald * (n_units - nq) / (nq * (n_units - 1))
        return {
            "p": float(stats.f.sf(f, nq, n_units - nq)),
            "quarters": nq,
            "testable": True,
            "min_p_text": "",
            "inference": "cluster_robust",
        }
    spread = np.cov(beta, rowvar=False).reshape(nq, nq)
    stat = np.einsum("ai,ij,aj->a", beta, np.linalg.pinv(spread), beta)
    p = float(np.mean(stat >= stat[0] * (1 - 1e-9) - 1e-12))
    return {
        "p": p,
        "quarters": nq,
        "testable": pick.min_p <= alpha,
        "min_p_text": pick.min_p_text,
        "inference": pick.kind,
    }


def event_study_cells(frame: pd.DataFrame, d_unit: str, *, alpha: float) -> pd.DataFrame:
    """Treated − control by quarter relative to the intervention (quarter −1 = 0) for the chart. Intervals
    are cluster-robust at the assignment unit when there are enough units (see :func:`did_cells`); with
    fewer they are not shown, since per-quarter intervals from a handful of units would be fiction."""
    quarter = _quarter(frame["rel_month"])
    quarters = sorted(q for q in np.unique(quarter) if q != -1)
    if not quarters or (quarter == -1).sum() == 0:
        return pd.DataFrame()
    fe = _FixedEffects(frame, time_effects(frame, d_unit))
    w, y = fe.w, frame["y"].to_numpy(dtype=float)
    treated = frame["treated"].to_numpy(dtype=float)
    cols = fe.partial(np.column_stack([treated * (quarter == q) for q in quarters]))
    xtx = cols.T @ (w[:, None] * cols)
    if np.linalg.matrix_rank(xtx) < len(quarters):
        return pd.DataFrame()
    inv = np.linalg.inv(xtx)
    beta = inv @ (cols.T @ (w * y))
    low = high = np.full(len(quarters), np.nan)
    units = frame["unit"].nunique()
    n_treated = frame.loc[frame["treated"], "unit"].nunique()
    if units >= CR_MIN_UNITS and min(n_treated, units - n_treated) >= CR_MIN_GROUP:
        resid = fe.partial(y) - cols @ beta
        codes = pd.factorize(frame["unit"])[0]
        scores = np.column_stack(
            [np.bincount(codes, weights=w * cols[:, j] * resid, minlength=units) for j in range(len(quarters))]
        )
        correction = units / (units - 1) * (w.sum() - 1) / (w.sum() - fe.rank - len(quarters))
        se = np.sqrt(np.diag(correction * inv @ (scores.T @ scores) @ inv))
        q = stats.t.ppf(1 - alpha / 2, units - 1)
        low, high = beta - q * se, beta + q * se
    rows = pd.DataFrame({"quarter": quarters, "estimate": beta, "low": low, "high": high})
    rows = pd.concat([rows, pd.DataFrame({"quarter": [-1], "estimate": [0.0], "low": [0.0], "high": [0.0]})])
    return rows.sort_values("quarter").reset_index(drop=True)


def simple_did(frame: pd.DataFrame, treated: np.ndarray) -> float:
    """(treated after − treated before) − (control after − control before) on observation means."""
    t = np.isin(frame["rep_id"].to_numpy(), treated)
    a = frame["period"].to_numpy() == "after"
    y = frame["y"].to_numpy(dtype=float)
    return (y[t & a].mean() - y[t & ~a].mean()) - (y[~t & a].mean() - y[~t & ~a].mean())


def did(obs: pd.DataFrame, kpi: str, d: Design, *, options: CaseStudyParams) -> dict:
    """Difference in differences with inference at the assignment unit (see :func:`did_cells`)."""
    if obs["group"].nunique() < 2 or obs["period"].nunique() < 2:
        return {}
    found = did_cells(
        cells(obs, kpi, d),
        d.unit,
        alpha=options.alpha,
        power=options.power,
        seed=options.seed,
        draws=options.permutations,
    )
    return (
        found | {"scale": "log" if kpi in LOG_KPIS else "level", "reps": int(obs["rep_id"].nunique())} if found else {}
    )


def event_study(obs: pd.DataFrame, kpi: str, d: Design, *, options: CaseStudyParams) -> tuple[pd.DataFrame, dict]:
    """Quarterly treated − control for the chart, and the pre-trend test (see :func:`pre_trend_cells`)."""
    frame = cells(obs, kpi, d)
    return (
        event_study_cells(frame, d.unit, alpha=options.alpha),
        pre_trend_cells(frame, d.unit, alpha=options.alpha, seed=options.seed, draws=options.permutations),
    )


# --- interrupted time series ----------------------------------------------------------------------------------------
#
# Newey–West (HAC) errors on 24 monthly points covered a planted level change in 77–86 % of simulated series
# (82 % even with independent errors), so the level change is estimated by Prais–Winsten regression with AR(1)
# errors whose coefficient is bias-corrected by a parametric bootstrap, and the interval is a bootstrap-t
# interval from series simulated with that AR(1): 94–96 % coverage in the same simulations (docs/calibration.md).

SEASONAL_PRE_MONTHS = 24


def its_design(
    monthly: pd.DataFrame, *, pre_months_for_seasonality: int = SEASONAL_PRE_MONTHS
) -> tuple[np.ndarray, bool, int]:
    """Columns: intercept, trend, level change, slope change (+ month-of-year terms when there are at least
    24 months before and the design keeps full rank). Returns the matrix, whether it is seasonal, its rank."""
    t = monthly["t"].to_numpy(dtype=float)
    post = monthly["post"].to_numpy(dtype=float)
    start = t[post == 1].min()
    base = np.column_stack([np.ones_like(t), t, post, np.where(post == 1, t - start, 0.0)])
    if int((post == 0).sum()) >= pre_months_for_seasonality:
        moy = monthly["month"].dt.month.to_numpy()
        seasonal = np.column_stack([base] + [(moy == m).astype(float) for m in range(2, 13)])
        rank = int(np.linalg.matrix_rank(seasonal))
        if rank == seasonal.shape[1]:
            return seasonal, True, rank
    return base, False, int(np.linalg.matrix_rank(base))


def _ar1(resid: np.ndarray) -> np.ndarray:
    return np.clip((resid[..., 1:] * resid[..., :-1]).sum(-1) / (resid**2).sum(-1), -0.9, 0.9)


def _prais_winsten(x: np.ndarray, y: np.ndarray, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prais–Winsten GLS of each row of y (series × months) on x with its own AR(1) coefficient; returns the
    coefficients and their standard errors (series × columns)."""
    scale = np.sqrt(1 - rho**2)
    xs = np.empty((len(y), *x.shape))
    xs[:, 0] = scale[:, None] * x[0]
    xs[:, 1:] = x[None, 1:] - rho[:, None, None] * x[None, :-1]
    ys = np.empty_like(y)
    ys[:, 0] = scale * y[:, 0]
    ys[:, 1:] = y[:, 1:] - rho[:, None] * y[:, :-1]
    xt = xs.transpose(0, 2, 1)
    inv = np.linalg.inv(xt @ xs)
    beta = (inv @ (xt @ ys[..., None]))[..., 0]
    resid = ys - (xs @ beta[..., None])[..., 0]
    sigma2 = (resid**2).sum(1) / (x.shape[0] - x.shape[1] - 1)
    return beta, np.sqrt(sigma2[:, None] * np.diagonal(inv, axis1=1, axis2=2))


def _ar1_series(rng: np.random.Generator, mean: np.ndarray, rho: float, sigma: float, draws: int) -> np.ndarray:
    shocks = rng.normal(0, sigma, (draws, mean.size))
    noise = np.empty_like(shocks)
    noise[:, 0] = shocks[:, 0] / np.sqrt(1 - rho**2)
    for i in range(1, mean.size):
        noise[:, i] = rho * noise[:, i - 1] + shocks[:, i]
    return mean[None] + noise


def its_fit(monthly: pd.DataFrame, *, alpha: float, power: float, seed: int, draws: int) -> dict:
    """Level (and slope) change of a monthly series at the first post month.

    ``monthly`` has month, t (0, 1, …), post (0/1) and y. Prais–Winsten with a bias-corrected AR(1)
    coefficient; bootstrap-t interval and p-value from ``draws`` series simulated under the fitted model.
    """
    x, seasonal, rank = its_design(monthly)
    y = monthly["y"].to_numpy(dtype=float)
    months = len(y)
    if months - x.shape[1] - 1 < 4:
        return {}
    rng = np.random.default_rng(seed)
    ols = np.linalg.lstsq(x, y, rcond=None)[0]
    resid = y - x @ ols
    rho = float(_ar1(resid))
    # The lag-1 autocorrelation of regression residuals is biased towards zero in short series: measure the
    # bias on series simulated at the estimate and add it back once.
    sims = _ar1_series(rng, x @ ols, rho, float(resid.std()), draws)
    rho = float(np.clip(2 * rho - _ar1(sims - (np.linalg.lstsq(x, sims.T, rcond=None)[0].T @ x.T)).mean(), -0.9, 0.9))
    beta, se = _prais_winsten(x, y[None], np.array([rho]))
    beta, se = beta[0], se[0]
    fitted = x @ beta
    innovations = (y - fitted)[1:] - rho * (y - fitted)[:-1]
    sigma = float(np.sqrt((innovations**2).sum() / (months - x.shape[1] - 1)))
    sims = _ar1_series(rng, fitted, rho, sigma, draws)
    sim_rho = _ar1(sims - (np.linalg.lstsq(x, sims.T, rcond=None)[0].T @ x.T))
    sim_beta, sim_se = _prais_winsten(x, sims, sim_rho)
    t_star = np.abs((sim_beta[:, 2] - beta[2]) / sim_se[:, 2])
    q = float(np.quantile(t_star, 1 - alpha))
    slope_t = np.abs((sim_beta[:, 3] - beta[3]) / sim_se[:, 3])
    q_slope = float(np.quantile(slope_t, 1 - alpha))
    return {
        "level": float(beta[2]),
        "level_low": float(beta[2] - q * se[2]),
        "level_high": float(beta[2] + q * se[2]),
        "level_p": float((1 + (t_star >= abs(beta[2]) / se[2]).sum()) / (draws + 1)),
        "level_se": float(se[2]),
        "mde": float((q + stats.norm.ppf(power)) * se[2]),
        "slope": float(beta[3]),
        "slope_low": float(beta[3] - q_slope * se[3]),
        "slope_high": float(beta[3] + q_slope * se[3]),
        "rho": rho,
        "months": months,
        "pre_months": int((monthly["post"] == 0).sum()),
        "seasonal": seasonal,
        "rank": rank,
    }


def interrupted_time_series(obs: pd.DataFrame, kpi: str, d: Design, *, options: CaseStudyParams) -> dict:
    """Segmented regression of the treated group's monthly KPI mean (see :func:`its_fit`)."""
    part = obs[obs["group"] == "treated"]
    monthly = part.groupby("month")["y"].mean().reset_index().sort_values("month")
    if len(monthly) < 8:
        return {}
    first = monthly["month"].min()
    monthly["t"] = (monthly["month"].dt.year - first.year) * 12 + monthly["month"].dt.month - first.month
    monthly["post"] = (monthly["month"] >= pd.Timestamp(d.after.start).to_period("M").to_timestamp()).astype(float)
    if monthly["post"].sum() < 2 or (1 - monthly["post"]).sum() < 4:
        return {}
    return its_fit(monthly, alpha=options.alpha, power=options.power, seed=options.seed, draws=options.bootstrap)


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
    # kpi, method, estimate, low, high, p, permutation_p, mde, scale, verdict, inference, unit, units,
    # treated_units, assignments, min_p, min_p_text, testable
    effects: pd.DataFrame
    events: dict[str, pd.DataFrame]
    pre_trend_p: dict[str, float]
    monthly: dict[str, pd.DataFrame]  # kpi -> month, group, y
    caveats: list[str]
    missing: list[str] = field(default_factory=list)
    open_share_after: float = np.nan
    pre_trend: dict[str, dict] = field(default_factory=dict)  # kpi -> p, quarters, testable, min_p_text, inference
    first_dates: dict[str, date | None] = field(default_factory=dict)  # first created / closed deal in the data

    @property
    def summary(self) -> pd.DataFrame:
        return self.effects

    def findings(self, lang, currency: str) -> list[str]:
        from salesnb.analysis.casestudy_text import findings

        return findings(self, lang, currency)

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"before_after": self.table, "effects": self.effects}
        out.update({f"event_{k}": v for k, v in self.events.items()})
        out.update({f"monthly_{k}": v for k, v in self.monthly.items()})
        return out

    @property
    def pre_trend_flagged(self) -> list[str]:
        """KPIs whose pre-trend test rejects at alpha after Holm's correction across the KPIs tested (the
        warning is one claim per report: unadjusted, four KPIs would raise it in about 19 % of clean
        studies); only where the design can reject at all."""
        tested = {k: r["p"] for k, r in self.pre_trend.items() if r.get("testable") and r["p"] == r["p"]}
        if not tested:
            return []
        adjusted = holm_adjust(list(tested.values()))
        return [k for k, p in zip(tested, adjusted, strict=True) if p < self.design_alpha]

    @property
    def design_alpha(self) -> float:
        return float(self.effects.attrs.get("alpha", 0.05)) if len(self.effects) else 0.05


def verdict(low: float, high: float, p: float = np.nan, alpha: float = 0.05, testable: bool = True) -> str:
    """increase / decrease only when the design can test, the p-value is below alpha and the interval
    excludes zero; unclear otherwise; unknown without an interval."""
    if low != low or high != high:
        return "unknown"
    if not testable or (p == p and p >= alpha):
        return "unclear"
    if low > 0:
        return "increase"
    if high < 0:
        return "decrease"
    return "unclear"


def its_verdict(found: dict, alpha: float) -> str:
    """What the report claims from an :func:`its_fit`: nothing unless month-of-year terms were modelled
    (24+ months before the date), since a season cannot otherwise be told apart from a change."""
    return verdict(found["level_low"], found["level_high"], found["level_p"], alpha, testable=found["seasonal"])


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
            found = did(obs, kpi, d, options=options)
            if not found:  # no estimate: said so with the KPIs that lack data, never shown as a number
                missing.append(kpi)
            if found:
                keep = ("estimate", "low", "high", "p", "permutation_p", "mde", "scale", "inference", "unit")
                more = (
                    "units",
                    "treated_units",
                    "assignments",
                    "draws",
                    "min_p",
                    "min_p_text",
                    "testable",
                    "time_effects",
                )
                effects.append(
                    {"kpi": kpi, "method": "did", **{k: found[k] for k in keep + more}}
                    | {
                        "verdict": verdict(
                            found["low"], found["high"], found["p"], options.alpha, testable=found["testable"]
                        )
                    }
                )
                chart, pre_trend[kpi] = event_study(obs, kpi, d, options=options)
                if len(chart):  # no quarter on both sides of the date with both groups: nothing to chart
                    events[kpi] = chart
        else:
            its = interrupted_time_series(obs, kpi, d, options=options)
            if not its:
                missing.append(kpi)
            if its:
                effects.append(
                    {
                        "kpi": kpi,
                        "method": "its",
                        "estimate": its["level"],
                        "low": its["level_low"],
                        "high": its["level_high"],
                        # Without month-of-year terms a seasonal KPI's season reads as a change (12 % false
                        # alarms in the calibration), and the data cannot tell whether the KPI is seasonal: no p.
                        "p": its["level_p"] if its["seasonal"] else np.nan,
                        "permutation_p": np.nan,
                        "mde": its["mde"],
                        "scale": "level",
                        "inference": "ar1_bootstrap",
                        "unit": "month",
                        "units": its["months"],
                        "testable": its["seasonal"],
                        "seasonal": its["seasonal"],
                        "pre_months": its["pre_months"],
                        "verdict": its_verdict(its, options.alpha),
                    }
                )
    table = pd.DataFrame(rows)
    effects_frame = pd.DataFrame(effects)
    effects_frame.attrs["alpha"] = options.alpha
    open_share = _open_share_after(data, d)
    firsts = _first_dates(data)
    pre_p = {k: r["p"] for k, r in pre_trend.items()}
    study = CaseStudy(d, table, effects_frame, events, pre_p, monthly, [], missing, open_share, pre_trend, firsts)
    return CaseStudy(
        d, table, effects_frame, events, pre_p, monthly, caveats(study, options), missing, open_share, pre_trend, firsts
    )


def _open_share_after(data: CrmData, d: Design) -> float:
    deals = data.deals
    after = deals.filter(
        (deals.created_at >= pd.Timestamp(d.after.start)) & (deals.created_at < pd.Timestamp(d.after.end_exclusive))
    )
    counts = after.aggregate(n=after.count(), open=(after.status == schema.OPEN).sum()).to_pandas().iloc[0]
    return float(counts["open"] / counts["n"]) if counts["n"] else np.nan


def _first_dates(data: CrmData) -> dict[str, date | None]:
    deals = data.deals
    row = deals.aggregate(created=deals.created_at.min(), closed=deals.closed_at.min()).to_pandas().iloc[0]
    return {k: (pd.Timestamp(v).date() if pd.notna(v) else None) for k, v in row.items()}


def caveats(study: CaseStudy, options: CaseStudyParams) -> list[str]:
    """Caveat codes that apply (the report words them)."""
    out = []
    d = study.design
    if study.pre_trend_flagged:
        out.append("pre_trend")
    if any(not r.get("testable", True) for r in study.effects.to_dict("records") if r.get("method") == "did"):
        out.append("design_cannot_test")
    if not d.has_control:
        out.append("no_control")
        its = study.effects[study.effects["method"] == "its"] if len(study.effects) else study.effects
        if len(its) and "seasonal" in its and not its["seasonal"].astype(bool).all():
            out.append("its_no_seasonality")
        elif options.before_months % 12 or options.after_months % 12:
            out.append("seasonality")
    if options.before_months < 6 or options.after_months < 6:
        out.append("short_windows")
    first = study.first_dates.get("closed") or study.first_dates.get("created")
    if first is not None and first > d.before.start + timedelta(days=31):
        out.append("before_censored")
    if study.open_share_after == study.open_share_after and study.open_share_after > 0.1:
        out.append("censoring")
    if _treated_were_worst(study):
        out.append("regression_to_mean")
    if d.has_control:
        out.append("team_assignment" if d.unit == "team" else "rep_assignment")
    out.append("other_changes")
    return out


def _treated_were_worst(study: CaseStudy) -> bool:
    """Regression to the mean is a risk when the treated group started clearly below the control."""
    t = study.table
    if t.empty or "win_rate" not in set(t["kpi"]):
        return False
    wr = t[t["kpi"] == "win_rate"].set_index("group")["before"]
    return "control" in wr and "treated" in wr and wr["treated"] < 0.8 * wr["control"]
