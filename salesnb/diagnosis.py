"""The diagnosis (report 01): where the team stands, rep by rep, with honest numbers.

Every function takes the loaded data and returns tidy frames built from the KPI
definitions in :mod:`salesnb.metrics`; :func:`diagnose` gathers them into one
:class:`Diagnosis` whose ``findings`` are generated from those frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

import numpy as np
import pandas as pd
from scipy import stats

from salesnb import metrics, schema
from salesnb.data import CrmData
from salesnb.labels import Language, fmt_int, fmt_money, fmt_pct, t
from salesnb.metrics import Window
from salesnb.params import DiagnosisParams
from salesnb.stats import (
    BetaPrior,
    fit_beta_binomial,
    holm_adjust,
    percentile_rank,
    rate_test_p,
    shrunk_rate,
    wilson_interval,
)

BREAKDOWN_DIMENSIONS = ("segment", "product", "region", "lead_source")
# KPIs compared against the team per rep: column -> higher is better?
STRENGTH_KPIS: dict[str, bool] = {
    "revenue": True,
    "win_rate_shrunk": True,
    "avg_deal_size": True,
    "median_cycle_days": False,
    "activities": True,
    "csat": True,
    "attainment": True,
}
ARCHETYPES = ("productive", "busy_not_closing", "efficient_closer", "under_active", "too_few_deals")
DAYS_PER_MONTH = 30.4375
# A team's win-rate change must reach this (3 percentage points) before a finding names it.
DRIVER_MIN_CHANGE = 0.03
# Significance level of the omnibus test and of the family of per-rep tests (Holm) on win rate.
ALPHA = 0.05
# Pipeline created is treated as won value when at least this share of lost deals carry no amount.
PIPELINE_BLANK_LOST_SHARE = 0.5
# Deals without a created date, as a share of the period's deals created, above which created-deal
# changes are not shown: such deals are usually the newest, so the current window is undercounted.
UNDATED_SHARE = 0.1


@dataclass(frozen=True)
class Scorecard:
    """One row per rep, with the beta prior used to shrink win rates and the standout decision.

    Win rate is ranked and reps are named on it only when the omnibus chi-square finds a
    difference (``reps_differ``); a rep is then named (``standout`` "above"/"below") only when the
    score test of its rate against the team rate stays below ``alpha`` after Holm correction across
    the reps tested. Ranks also need a prior off its boundary (some variance between reps).
    """

    summary: pd.DataFrame
    prior: BetaPrior
    min_closed: int
    homogeneity_p: float  # chi-square test that reps with enough closed deals share one win rate
    team_rate: float = float("nan")  # won / closed over every rep in the window (deals with an owner)
    alpha: float = ALPHA
    # The deals without an owner, as one row of the same KPIs (rep_id schema.UNASSIGNED), or None when
    # every deal has one: shown beside the reps, never ranked, tested, flagged or coached.
    unassigned: pd.DataFrame | None = None

    @property
    def reps_differ(self) -> bool:
        """Whether rep win rates differ more than chance would give (p < alpha)."""
        return self.homogeneity_p < self.alpha

    @property
    def ranks_win_rate(self) -> bool:
        """Whether win-rate ranks, percentiles and quadrants mean anything."""
        return self.reps_differ and not self.prior.at_boundary

    @property
    def tested(self) -> int:
        """Reps whose win rate was tested against the team rate (enough closed deals)."""
        return int(self.summary["win_rate_p"].notna().sum())

    @property
    def with_unassigned(self) -> pd.DataFrame:
        """The reps' rows and, last, the unassigned bucket's (for display and export)."""
        if self.unassigned is None:
            return self.summary
        return pd.concat([self.summary, self.unassigned], ignore_index=True)

    @property
    def standouts(self) -> pd.DataFrame:
        """Reps named as above or below the team rate, largest gap first."""
        card = self.summary
        named = card[card["standout"] != ""]
        return named.reindex((named["win_rate"] - self.team_rate).abs().sort_values(ascending=False).index)


@dataclass(frozen=True)
class Diagnosis:
    windows: dict[str, Window]
    kpis: pd.DataFrame
    trend: pd.DataFrame
    scorecard: Scorecard
    strengths: pd.DataFrame  # rep_id + percentile per KPI
    strength_words: pd.DataFrame  # rep_id, strongest, strongest_pct, weakest, weakest_pct
    archetypes: pd.DataFrame | None  # rep_id, activities, win_rate_shrunk, archetype
    archetype_cut: dict[str, float]
    breakdowns: dict[str, pd.DataFrame]
    team_breakdown: pd.DataFrame | None
    team_previous: pd.DataFrame | None
    concentration: pd.DataFrame
    accounts: pd.DataFrame
    customers: pd.DataFrame  # metric, value
    attrition: pd.DataFrame | None  # window, leavers, average_headcount, rate
    actions: pd.DataFrame  # flag, action, reps, count
    missing: dict[str, str] = field(default_factory=dict)  # section -> table that is missing
    coverage: pd.DataFrame | None = None  # metrics.coverage_table of the three windows
    pipeline_gaps: dict[str, float] = field(default_factory=dict)  # metrics.pipeline_amount_gaps, current window
    date_gaps: dict[str, int] = field(default_factory=dict)  # metrics.date_gaps, current window
    owners: dict[str, int] = field(default_factory=dict)  # metrics.owner_counts
    spans: pd.DataFrame | None = None  # metrics.date_spans: where the data starts and ends
    dimensions: tuple[str, ...] = ()  # the breakdown dimensions the deals have (segment, product, …)
    closed: dict[str, int] = field(default_factory=dict)  # window name -> deals won or lost in it

    @property
    def has_period_data(self) -> bool:
        """Whether the report period holds any closed deal to report on (revenue is a figure, not "–")."""
        revenue = self.kpis.set_index("kpi").loc["revenue", "current"]
        return bool(revenue == revenue)

    @property
    def summary(self) -> pd.DataFrame:
        return self.kpis

    def findings(self, lang: Language, currency: str) -> list[str]:
        return _findings(self, lang, currency)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table the report shows, for export (sheet name -> frame)."""
        out = {
            "team_kpis": self.kpis,
            "monthly_trend": self.trend,
            "rep_scorecard": self.scorecard.summary,
            "rep_percentiles": self.strengths,
            "rep_strengths": self.strength_words,
            "concentration": self.concentration,
            "customers": self.customers,
            "actions": self.actions,
        }
        if self.coverage is not None:
            out["window_coverage"] = self.coverage
        if self.archetypes is not None:
            out["archetypes"] = self.archetypes
        if self.team_breakdown is not None:
            out["by_team"] = self.team_breakdown
        out.update({f"by_{name}": frame for name, frame in self.breakdowns.items()})
        if self.attrition is not None:
            out["rep_attrition"] = self.attrition
        return out


# --- team KPIs ----------------------------------------------------------------------------------

KPI_ORDER = (
    "revenue",
    "won",
    "win_rate",
    "avg_deal_size",
    "median_cycle_days",
    "mean_cycle_days",
    "new_customers",
    "deals_created",
    "pipeline_created",
    "activities",
    "csat",
    "attainment",
)
# KPIs whose change is shown in percentage points rather than as a relative change.
POINT_CHANGE = ("win_rate", "attainment")


def team_kpis(data: CrmData, windows: dict[str, Window], *, coverage: pd.DataFrame | None = None) -> pd.DataFrame:
    """KPIs for the current, previous and same-last-year windows, with both changes.

    A comparison window that the data covers less than :data:`metrics.COVERAGE_MIN` on a KPI's
    basis (closed date, created date, activity or survey date) has no figure for that KPI, and a
    change needs both windows covered: a partial window is not compared with a whole one.
    """
    deals = metrics.deals_with_team(data)
    if coverage is None:
        coverage = metrics.coverage_table(metrics.date_spans(data), windows)
    complete = coverage.set_index(["window", "basis"])["complete"]
    share = coverage.set_index(["window", "basis"])["coverage"]

    def covered(name: str, kpi: str) -> bool:
        return bool(complete.get((name, metrics.KPI_BASIS[kpi]), False))

    def outside(name: str, kpi: str) -> bool:  # no day of the window lies in the data's span
        return float(share.get((name, metrics.KPI_BASIS[kpi]), 1.0)) == 0.0

    columns = {}
    for name, window in windows.items():
        row = metrics.deal_kpis(deals, window).iloc[0].to_dict()
        row["new_customers"] = metrics.new_customers(deals, window) if "account_id" in deals.columns else np.nan
        row["activities"] = (
            float(
                data.table("activities")
                .filter(metrics._in_window(data.table("activities").occurred_at, window))
                .count()
                .execute()
            )
            if data.has("activities")
            else np.nan
        )
        row["csat"] = (
            float(metrics.csat(data.table("surveys"), window)["csat"].iloc[0]) if data.has("surveys") else np.nan
        )
        if data.has("targets"):
            target = metrics.revenue_targets(data.table("targets"), window)["target"].iloc[0]
            row["attainment"] = row["revenue"] / target if target and target == target else np.nan
        else:
            row["attainment"] = np.nan
        if name != "current":
            # A window the data only partly covers has no figures, not partial ones.
            row.update({kpi: np.nan for kpi in KPI_ORDER if not covered(name, kpi)})
        else:
            # The report period in progress keeps its figures to date; one the data does not reach has
            # none (before the first or after the last date, or no deal closed yet): not "CNY 0".
            row.update({kpi: np.nan for kpi in KPI_ORDER if outside(name, kpi)})
        columns[name] = row
    frame = pd.DataFrame(columns).loc[list(KPI_ORDER)]
    frame = frame.astype("float64")
    out = frame.rename_axis("kpi").reset_index()
    for other, change in (("previous", "change_previous"), ("last_year", "change_last_year")):
        out[change] = [
            _change(kpi, cur, old) if covered("current", kpi) else np.nan
            for kpi, cur, old in zip(out["kpi"], out["current"], out[other], strict=True)
        ]
    out["change_unit"] = np.where(out["kpi"].isin(POINT_CHANGE), "pp", "relative")
    return out[["kpi", "current", "previous", "change_previous", "last_year", "change_last_year", "change_unit"]]


def coverage_reasons(coverage: pd.DataFrame, lang: Language, *, window: str | None = None) -> list[str]:
    """Why each incomplete window is not compared, e.g. "closed dates start 2017-03-01; 2016-Q4 covered 0%"."""
    rows = coverage[~coverage["complete"]]
    if window is not None:
        rows = rows[rows["window"] == window]
    out = []
    for r in rows.itertuples():
        cut_at_start = pd.isna(r.first) or r.first > r.start
        out.append(
            t(
                "diag.cov.start" if cut_at_start else "diag.cov.end",
                lang,
                basis=t(f"diag.cov.basis.{r.basis}", lang),
                date="–"
                if pd.isna(r.first if cut_at_start else r.last)
                else f"{(r.first if cut_at_start else r.last):%Y-%m-%d}",
                window=r.label,
                share=fmt_pct(r.coverage, digits=0),
            )
        )
    return out


def _change(kpi: str, current: float, old: float) -> float:
    if pd.isna(current) or pd.isna(old):
        return np.nan
    if kpi in POINT_CHANGE:
        return current - old
    return (current - old) / old if old else np.nan


# --- rep scorecard ------------------------------------------------------------------------------


def scorecard_window(params: DiagnosisParams, windows: dict[str, Window]) -> Window:
    current = windows["current"]
    return metrics.trailing_months(current.end) if params.scorecard_window == "trailing_12_months" else current


def rep_scorecard(data: CrmData, window: Window, *, min_closed: int = 30) -> Scorecard:
    """Per-rep KPIs with Wilson intervals, beta-binomial shrunk win rates and small-sample flags.

    Deals without an owner are left out of every rep's figures and of the tests; their KPIs come
    back as :attr:`Scorecard.unassigned`.
    """
    deals = metrics.deals_with_team(data)
    per_rep = metrics.deal_kpis(deals, window, by="rep_id")
    per_rep = per_rep[(per_rep["closed"] > 0) | (per_rep["deals_created"] > 0)]
    owner_less = per_rep[per_rep["rep_id"].isna()]
    per_rep = per_rep[per_rep["rep_id"].notna()].reset_index(drop=True)
    reps = data.reps.to_pandas() if data.has("reps") else pd.DataFrame({"rep_id": per_rep["rep_id"]})
    info = [c for c in ("name", "team", "hired_at", "left_at") if c in reps]
    card = per_rep.merge(reps[["rep_id", *info]], on="rep_id", how="left")
    if data.has("activities"):
        card = card.merge(metrics.activity_counts(data.table("activities"), window), on="rep_id", how="left")
        activity_columns = [c for c in card.columns if c.startswith("activities")]
        card[activity_columns] = card[activity_columns].fillna(0).astype("int64")
    if data.has("surveys"):
        scores = metrics.csat(data.table("surveys"), window, by="rep_id")
        card = card.merge(scores.rename(columns={"responses": "csat_responses"}), on="rep_id", how="left")
    if data.has("targets"):
        targets = metrics.revenue_targets(data.table("targets"), window, by="rep_id")
        card = card.merge(targets, on="rep_id", how="left")
        card["attainment"] = card["revenue"] / card["target"].where(card["target"] > 0)
    if "hired_at" in card:
        card["tenure_months"] = (pd.Timestamp(window.end) - card["hired_at"]).dt.days / DAYS_PER_MONTH
    if "left_at" in card:  # a reps table may give hire dates and no leave dates
        card["left_before_end"] = card["left_at"].notna() & (card["left_at"] <= pd.Timestamp(window.end))
    scored = rate_reps(card, min_closed=min_closed)
    if owner_less.empty:
        return scored
    bucket = owner_less.assign(rep_id=schema.UNASSIGNED, small_sample=owner_less["closed"] < min_closed)
    return replace(scored, unassigned=bucket.reset_index(drop=True))


def rate_reps(per_rep: pd.DataFrame, *, min_closed: int = 30, alpha: float = ALPHA) -> Scorecard:
    """The win-rate decision on a per-rep frame (rep_id, won, lost, closed; optional win_rate and its
    Wilson interval, revenue).

    1. Reps with fewer than ``min_closed`` closed deals are flagged ``small_sample`` and not tested.
    2. Omnibus: chi-square test that the other reps share one win rate (``homogeneity_p``).
    3. Each tested rep: score test of its rate against the team rate (won / closed of all reps),
       the test the Wilson interval inverts; p-values Holm-adjusted across the tested reps.
    4. ``standout`` is "above"/"below" only when the omnibus p and the rep's Holm p are both < alpha.
    5. ``win_rate_rank`` (by beta-binomial shrunk rate) exists only when the omnibus finds a
       difference and the prior is off its boundary; at the boundary every shrunk rate is the
       team rate.

    Pure and database-free, so the calibration suite simulates exactly this decision.

    >>> frame = pd.DataFrame({"rep_id": list("abc"), "won": [20, 21, 19], "lost": [20, 19, 21]})
    >>> card = rate_reps(frame.assign(closed=frame.won + frame.lost), min_closed=30)
    >>> card.reps_differ, "win_rate_rank" in card.summary, card.summary["standout"].tolist()
    (False, False, ['', '', ''])
    """
    card = per_rep.copy()
    if "win_rate" not in card:
        card["win_rate"] = card["won"] / card["closed"].where(card["closed"] > 0)
    if "win_rate_low" not in card:
        card["win_rate_low"], card["win_rate_high"] = wilson_interval(card["won"], card["closed"])
    prior = fit_beta_binomial(card["won"], card["closed"])
    card["win_rate_shrunk"] = shrunk_rate(card["won"], card["closed"], prior)
    card["small_sample"] = card["closed"] < min_closed
    rated = ~card["small_sample"] & (card["closed"] > 0)
    homogeneity = _homogeneity_p(card[rated])
    closed = card["closed"].sum()
    team_rate = float(card["won"].sum() / closed) if closed else float("nan")
    card["win_rate_p"] = np.where(rated, rate_test_p(card["won"], card["closed"], team_rate), np.nan)
    card["win_rate_p_holm"] = holm_adjust(card["win_rate_p"])
    named = (homogeneity < alpha) & (card["win_rate_p_holm"] < alpha)
    card["standout"] = np.select(
        [named & (card["win_rate"] > team_rate), named & (card["win_rate"] < team_rate)], ["above", "below"], ""
    )
    if homogeneity < alpha and not prior.at_boundary:
        ranked = card.loc[rated, "win_rate_shrunk"].rank(ascending=False, method="min")
        card["win_rate_rank"] = ranked.reindex(card.index).astype("Int64")
    if "revenue" in card:
        card["revenue_rank"] = card["revenue"].rank(ascending=False, method="min").astype("int64")
        card = card.sort_values(["revenue_rank", "rep_id"]).reset_index(drop=True)
    return Scorecard(card, prior, min_closed, homogeneity, team_rate, alpha)


def _homogeneity_p(rated: pd.DataFrame) -> float:
    if len(rated) < 2 or rated["won"].sum() == 0 or rated["lost"].sum() == 0:
        return float("nan")
    return float(stats.chi2_contingency(rated[["won", "lost"]].to_numpy())[1])


def rep_percentiles(card: pd.DataFrame, *, rank_win_rate: bool | None = None) -> pd.DataFrame:
    """Each KPI as the rep's percentile against the team (100 = best, whatever the KPI's direction).

    Win-rate percentiles use shrunk rates, are left empty for reps with too few closed deals, and
    are left out altogether when win rate is not ranked (default: when the card has no
    ``win_rate_rank``, i.e. rep win rates do not differ beyond chance).
    """
    if rank_win_rate is None:
        rank_win_rate = "win_rate_rank" in card
    out = card[["rep_id"]].copy()
    for kpi, higher_is_better in STRENGTH_KPIS.items():
        if kpi not in card or card[kpi].notna().sum() < 2:
            continue
        if kpi == "win_rate_shrunk" and not rank_win_rate:
            continue
        values = card[kpi].where(~card["small_sample"]) if kpi == "win_rate_shrunk" else card[kpi]
        out[kpi] = percentile_rank(values, higher_is_better=higher_is_better)
    return out


def strength_words(percentiles: pd.DataFrame) -> pd.DataFrame:
    """Each rep's strongest and weakest KPI with their percentiles."""
    kpis = percentiles.drop(columns="rep_id")
    rows = []
    if kpis.columns.empty:  # a single rep, or nothing to compare
        return pd.DataFrame(rows, columns=["rep_id", "strongest", "strongest_pct", "weakest", "weakest_pct"])
    for rep, values in zip(percentiles["rep_id"], kpis.itertuples(index=False), strict=True):
        series = pd.Series(values, index=kpis.columns).dropna()
        if series.empty:
            continue
        rows.append((rep, series.idxmax(), series.max(), series.idxmin(), series.min()))
    return pd.DataFrame(rows, columns=["rep_id", "strongest", "strongest_pct", "weakest", "weakest_pct"])


def archetypes(card: pd.DataFrame) -> tuple[pd.DataFrame | None, dict[str, float]]:
    """Activity vs conversion quadrant, split at the team medians (reps with enough closed deals).

    productive: activity ≥ median and win rate ≥ median; busy_not_closing: activity ≥ median,
    win rate < median; efficient_closer: activity < median, win rate ≥ median; under_active:
    both below; too_few_deals: fewer closed deals than the small-sample threshold. None when
    there are no activities, or when win rate is not ranked (no ``win_rate_rank``): a median split
    of rates that do not differ would sort reps on noise.
    """
    if "activities" not in card or "win_rate_rank" not in card:
        return None, {}
    rated = card.loc[~card["small_sample"]]
    cut = {"activities": float(rated["activities"].median()), "win_rate": float(rated["win_rate_shrunk"].median())}
    busy = card["activities"] >= cut["activities"]
    converts = card["win_rate_shrunk"] >= cut["win_rate"]
    kind = np.select(
        [card["small_sample"], busy & converts, busy & ~converts, ~busy & converts],
        ["too_few_deals", "productive", "busy_not_closing", "efficient_closer"],
        default="under_active",
    )
    out = card[["rep_id", "activities", "win_rate_shrunk", "closed"]].assign(archetype=kind)
    return out, cut


def breakdown_skip(d: Diagnosis) -> tuple[str, dict[str, str]]:
    """Why no breakdown by segment, product, region or lead source is shown (label key, fields)."""
    if not d.dimensions:
        return "diag.skip.breakdowns", {}
    return "diag.skip.breakdowns_empty", {"period": d.windows["current"].label}


def archetype_skip_reason(d: Diagnosis) -> str:
    """The label key saying why reps are not sorted into activity/conversion types."""
    if "activities" in d.missing:
        return "diag.skip.activities"
    if d.scorecard.tested < 2:
        return "diag.skip.archetypes_few"
    return "diag.skip.archetypes_alike"


# --- breakdowns and customers ----------------------------------------------------------------------


def breakdowns(data: CrmData, window: Window) -> dict[str, pd.DataFrame]:
    """Revenue, win rate and deal size per segment, product, region and lead source present in the data."""
    deals = metrics.deals_with_team(data)
    out = {}
    for dimension in BREAKDOWN_DIMENSIONS:
        if dimension not in deals.columns:
            continue
        frame = metrics.deal_kpis(deals, window, by=dimension)
        frame = frame[frame[dimension].notna() & ((frame["closed"] > 0) | (frame["deals_created"] > 0))]
        if len(frame) >= 2:
            out[dimension] = frame.sort_values("revenue", ascending=False).reset_index(drop=True)
    return out


def customer_health(data: CrmData, windows: dict[str, Window], *, spans: pd.DataFrame | None = None) -> pd.DataFrame:
    """New and returning customers, retention, repeat purchase, CAC and a simple CLV estimate.

    Retention (and the CLV built on it) needs the earlier window covered by the closed dates;
    otherwise it is left empty rather than computed on part of a window.
    """
    deals = data.deals
    current, previous = windows["current"], windows["previous"]
    spans = metrics.date_spans(data) if spans is None else spans
    buyers = metrics.buying_accounts(deals, current)
    new = metrics.new_customers(deals, current)
    rate, kept, base = metrics.retention(deals, current, previous)
    if not _closed_dates_cover(spans, previous):
        rate = np.nan
    repeat, repeat_n, buyers_all = metrics.repeat_purchase_rate(deals, until=current.end)
    rows = [
        ("active_customers", float(len(buyers))),
        ("new_customers", float(new)),
        ("returning_customers", float(len(buyers) - new)),
        ("retention", rate),
        ("repeat_purchase", repeat),
    ]
    if data.has("costs"):
        costs = data.table("costs")
        spend = (
            costs.filter(
                (costs.period_start >= pd.Timestamp(current.start))
                & (costs.period_end < pd.Timestamp(current.end_exclusive))
            )
            .amount.sum()
            .execute()
        )
        rows.append(("cac", float(spend) / new if new else np.nan))
        rows.append(("clv_estimate", _clv_estimate(deals, current, spans)))
    return pd.DataFrame(rows, columns=["metric", "value"])


def _closed_dates_cover(spans: pd.DataFrame, window: Window) -> bool:
    closed = spans.set_index("basis").loc["closed"]
    return metrics.window_coverage(window, closed["first"], closed["last"]) >= metrics.COVERAGE_MIN


def _clv_estimate(deals, current: Window, spans: pd.DataFrame) -> float:
    """Revenue per active customer per year × expected lifetime 1 / (1 − annual retention), capped at 10 years."""
    year = metrics.trailing_months(current.end)
    year_before = Window("t12-1", metrics._add_months(year.start, -12), year.start - timedelta(days=1))
    if not _closed_dates_cover(spans, year) or not _closed_dates_cover(spans, year_before):
        return np.nan
    accounts = metrics.account_revenue(deals, year)
    if accounts.empty:
        return np.nan
    annual_revenue = accounts["revenue"].sum() / len(accounts)
    rate, _, base = metrics.retention(deals, year, year_before)
    if not base or rate != rate:
        return np.nan
    lifetime = min(1 / (1 - rate), 10.0) if rate < 1 else 10.0
    return annual_revenue * lifetime


def attrition_table(data: CrmData, windows: dict[str, Window]) -> pd.DataFrame | None:
    """Rep attrition over the last 12 months and per calendar year of the reps table."""
    if not data.has("reps"):
        return None
    reps = data.reps.to_pandas()
    if "left_at" not in reps or "hired_at" not in reps or reps["hired_at"].isna().all():
        return None
    end = windows["current"].end
    trailing = metrics.trailing_months(end)
    first_deal = data.deals.created_at.min().execute()
    first_year = max(int(reps["hired_at"].min().year), pd.Timestamp(first_deal).year, end.year - 3)
    rows = [(trailing.label, *metrics.rep_attrition(reps, trailing).values())]
    for year in range(first_year, end.year + 1):
        window = metrics.window_from_text(str(year))
        if window.end > end:
            window = Window(f"{year} (to {end:%m-%d})", window.start, end)
        rows.append((window.label, *metrics.rep_attrition(reps, window).values()))
    return pd.DataFrame(rows, columns=["window", "leavers", "average_headcount", "rate", "annualised"])


# --- the whole diagnosis -----------------------------------------------------------------------------


def diagnose(data: CrmData) -> Diagnosis:
    """Compute everything report 01 shows."""
    from salesnb.actions import suggest_actions

    params = data.params
    options = params.reports.diagnosis
    windows = metrics.comparison_windows(params)
    spans = metrics.date_spans(data)
    coverage = metrics.coverage_table(spans, windows)
    card = rep_scorecard(data, scorecard_window(options, windows), min_closed=options.min_closed_deals)
    percentiles = rep_percentiles(card.summary, rank_win_rate=card.ranks_win_rate)
    kinds, cut = archetypes(card.summary)
    deals = metrics.deals_with_team(data)
    has_team = "team" in deals.columns
    # deals without an owner are a team row of their own ("Unassigned"), never one team's
    by_team = metrics.label_unassigned(deals, "team") if has_team else None
    team = metrics.deal_kpis(by_team, windows["current"], by="team") if has_team else None
    team_previous = metrics.deal_kpis(by_team, windows["previous"], by="team") if has_team else None
    has_accounts = "account_id" in data.deals.columns
    accounts = metrics.account_revenue(data.deals, windows["current"]) if has_accounts else pd.DataFrame()
    missing = {
        section: table
        for section, table in (
            ("activities", "activities"),
            ("csat", "surveys"),
            ("attainment", "targets"),
            ("costs", "costs"),
        )
        if not data.has(table)
    }
    kpis = team_kpis(data, windows, coverage=coverage)
    gaps = metrics.pipeline_amount_gaps(deals, windows["current"])
    if _pipeline_is_won_value(gaps):
        # Later windows have had less time to win their deals: a change would measure that, not pipeline.
        kpis.loc[kpis["kpi"] == "pipeline_created", ["change_previous", "change_last_year"]] = np.nan
    if _many_undated(gaps):
        created_kpis = kpis["kpi"].isin(["deals_created", "pipeline_created"])
        kpis.loc[created_kpis, ["change_previous", "change_last_year"]] = np.nan
    return Diagnosis(
        windows=windows,
        kpis=kpis,
        trend=metrics.monthly_trend(deals, rolling_months=options.rolling_months),
        scorecard=card,
        strengths=percentiles,
        strength_words=strength_words(percentiles),
        archetypes=kinds,
        archetype_cut=cut,
        breakdowns=breakdowns(data, windows["current"]),
        team_breakdown=team,
        team_previous=team_previous,
        concentration=metrics.concentration(accounts) if has_accounts else pd.DataFrame(),
        accounts=accounts,
        customers=(
            customer_health(data, windows, spans=spans) if has_accounts else pd.DataFrame(columns=["metric", "value"])
        ),
        attrition=attrition_table(data, windows),
        actions=suggest_actions(card.summary, kinds, options),
        missing=missing,
        coverage=coverage,
        pipeline_gaps=gaps,
        date_gaps=metrics.date_gaps(deals, windows["current"]),
        owners=metrics.owner_counts(deals),
        spans=spans,
        dimensions=tuple(c for c in BREAKDOWN_DIMENSIONS if c in deals.columns),
        closed={
            name: int(metrics.deal_kpis(deals, windows[name]).iloc[0]["closed"]) for name in ("current", "previous")
        },
    )


def _many_undated(gaps: dict[str, float]) -> bool:
    return gaps["no_created_date"] > UNDATED_SHARE * max(gaps["created"], 1)


def _pipeline_is_won_value(gaps: dict[str, float]) -> bool:
    return gaps["lost"] > 0 and gaps["lost_no_amount"] >= PIPELINE_BLANK_LOST_SHARE * gaps["lost"]


def pipeline_note(d: Diagnosis) -> tuple[str, dict[str, str]] | None:
    """What pipeline created leaves out in the current window (label key, fields), or None when
    every deal created has an amount."""
    gaps = d.pipeline_gaps
    if not gaps or gaps["lost_no_amount"] + gaps["open_no_amount"] == 0:
        return None
    fields = dict(
        period=d.windows["current"].label,
        created=fmt_int(gaps["created"]),
        lost=fmt_int(gaps["lost_no_amount"]),
        open=fmt_int(gaps["open_no_amount"]),
        won_share=fmt_pct(gaps["won_share"], digits=0),
    )
    return ("diag.pipeline_won_value" if _pipeline_is_won_value(gaps) else "diag.pipeline_gaps"), fields


def kpi_notes(d: Diagnosis, lang: Language) -> list[tuple[str, dict[str, str]]]:
    """Notes under the KPI table as (label key, fields): windows not compared and why, pipeline gaps."""
    out = []
    reasons = coverage_reasons(d.coverage, lang) if d.coverage is not None else []
    if reasons:
        out.append(
            (
                "diag.kpis_coverage",
                dict(threshold=fmt_pct(metrics.COVERAGE_MIN, digits=0), reasons=t("semicolon", lang).join(reasons)),
            )
        )
    pipeline = pipeline_note(d)
    if pipeline:
        out.append(pipeline)
    if d.pipeline_gaps and d.pipeline_gaps["no_created_date"]:
        key = "diag.undated_many" if _many_undated(d.pipeline_gaps) else "diag.undated"
        out.append((key, dict(count=fmt_int(d.pipeline_gaps["no_created_date"]))))
    gaps = d.date_gaps
    if gaps.get("won_no_created"):
        out.append(
            ("diag.cycle_undated", dict(count=fmt_int(gaps["won_no_created"]), period=d.windows["current"].label))
        )
    if gaps.get("lost_undated"):
        out.append(("diag.lost_undated", dict(count=fmt_int(gaps["lost_undated"]))))
    if d.owners.get("unassigned"):
        out.append(
            (
                "diag.unassigned_note",
                dict(
                    count=fmt_int(d.owners["unassigned"]),
                    deals=fmt_int(d.owners["deals"]),
                    share=fmt_pct(d.owners["unassigned"] / d.owners["deals"], digits=0),
                ),
            )
        )
    return out


# --- findings -----------------------------------------------------------------------------------------


def _findings(d: Diagnosis, lang: Language, currency: str) -> list[str]:
    if d.has_period_data:
        out = [_revenue_finding(d, lang, currency), _win_rate_finding(d, lang), _rep_finding(d, lang)]
    else:
        out = [_no_data_finding(d, lang), _rep_finding(d, lang)]
    if not d.concentration.empty and d.concentration["revenue"].sum() > 0:
        top = d.concentration.set_index("top_share")
        out.append(
            t(
                "diag.find.concentration",
                lang,
                share10=fmt_pct(top.loc[0.1, "revenue_share"], digits=0),
                share20=fmt_pct(top.loc[0.2, "revenue_share"], digits=0),
                accounts=fmt_int(len(d.accounts)),
            )
        )
    k = d.kpis.set_index("kpi")
    attainment = k.loc["attainment", "current"]
    if attainment == attainment:
        out.append(
            t("diag.find.attainment", lang, attainment=fmt_pct(attainment, digits=0), period=d.windows["current"].label)
        )
    elif d.attrition is not None:
        row = d.attrition.iloc[0]
        out.append(
            t(
                "diag.find.attrition",
                lang,
                rate=fmt_pct(row["rate"], digits=0),
                leavers=fmt_int(row["leavers"]),
                window=row["window"],
            )
        )
    return out[:5]


def _no_data_finding(d: Diagnosis, lang: Language) -> str:
    """Why the period has no figures: no deal has closed yet, or the period lies outside the data."""
    period = d.windows["current"].label
    spans = d.spans.set_index("basis") if d.spans is not None else None
    if spans is None or pd.isna(spans.loc["closed", "first"]):
        return t("diag.find.none_closed", lang, period=period)
    first = spans.loc[["closed", "created"], "first"].min()
    last = spans.loc["closed", "last"]
    return t("diag.find.no_data", lang, period=period, first=f"{first:%Y-%m-%d}", last=f"{last:%Y-%m-%d}")


def _not_compared(d: Diagnosis, lang: Language, window: str, basis: str = "closed") -> str:
    """Why a window is not compared on a basis ("2016-Q4 covered 0% (closed dates start 2017-03-01)")."""
    if d.coverage is None:
        return ""
    rows = d.coverage[(d.coverage["basis"] == basis) & d.coverage["window"].isin([window, "current"])]
    return t("semicolon", lang).join(coverage_reasons(rows, lang))


def _revenue_finding(d: Diagnosis, lang: Language, currency: str) -> str:
    k = d.kpis.set_index("kpi")
    cur, prev, last = d.windows["current"], d.windows["previous"], d.windows["last_year"]
    revenue = k.loc["revenue"]
    fields = dict(
        period=cur.label,
        revenue=fmt_money(revenue["current"], currency),
        change=_signed_pct(revenue["change_previous"]),
        previous=prev.label,
        change_ly=_signed_pct(revenue["change_last_year"]),
        last_year=last.label,
        won=fmt_int(k.loc["won", "current"]),
        size=fmt_money(k.loc["avg_deal_size", "current"], currency),
    )
    has_previous = revenue["change_previous"] == revenue["change_previous"]
    has_last_year = revenue["change_last_year"] == revenue["change_last_year"]
    if has_previous and has_last_year:
        return t("diag.find.revenue", lang, **fields)
    if has_previous:
        return t("diag.find.revenue_no_ly", lang, **fields, reason=_not_compared(d, lang, "last_year"))
    reasons = [r for r in (_not_compared(d, lang, "previous"), _not_compared(d, lang, "last_year")) if r]
    return t(
        "diag.find.revenue_no_comparison", lang, **fields, reason=t("semicolon", lang).join(dict.fromkeys(reasons))
    )


def _win_rate_finding(d: Diagnosis, lang: Language) -> str:
    rate = d.kpis.set_index("kpi").loc["win_rate"]
    prev = d.windows["previous"]
    if rate["change_previous"] != rate["change_previous"]:
        return t(
            "diag.find.win_rate_no_prev",
            lang,
            current=fmt_pct(rate["current"]),
            prev_label=prev.label,
            reason=_not_compared(d, lang, "previous"),
        )
    sentence = t(
        "diag.find.win_rate",
        lang,
        previous=fmt_pct(rate["previous"]),
        current=fmt_pct(rate["current"]),
        points=_signed_points(rate["change_previous"]),
        prev_label=prev.label,
    )
    driver = _win_rate_driver(d)
    if driver:
        sentence += t("diag.find.win_rate_driver", lang, **driver)
    now, before = d.closed.get("current", 0), d.closed.get("previous", 0)
    if d.closed and min(now, before) < d.scorecard.min_closed:
        # the change of a rate on a few deals is mostly chance: said beside it, not left out
        sentence += t("diag.find.win_rate_few", lang, now=fmt_int(now), before=fmt_int(before))
    return sentence + t("diag.find.end", lang)


def _rep_finding(d: Diagnosis, lang: Language) -> str:
    """One sentence on rep win rates: no standout, the reps that stand out, or too few deals to tell."""
    sc = d.scorecard
    card = sc.summary
    if card.empty:
        return t("diag.find.no_reps", lang)
    rated = card[card["win_rate_p"].notna()]
    small = fmt_int(card["small_sample"].sum())
    if len(rated) < 2 or sc.homogeneity_p != sc.homogeneity_p:
        return t("diag.find.too_few", lang, small=small, min_closed=sc.min_closed)
    common = dict(
        p=_p_text(sc.homogeneity_p),
        reps=fmt_int(len(rated)),
        min_closed=sc.min_closed,
        team=fmt_pct(sc.team_rate),
    )
    if not sc.reps_differ:
        return t(
            "diag.find.reps_alike",
            lang,
            low=fmt_pct(rated["win_rate"].min()),
            high=fmt_pct(rated["win_rate"].max()),
            **common,
        )
    named = sc.standouts
    if named.empty:
        return t("diag.find.reps_differ_none", lang, **common)
    parts = []
    for side in ("above", "below"):
        reps = named[named["standout"] == side]
        if reps.empty:
            continue
        listed = [
            t(
                "diag.find.rep_rate",
                lang,
                rep=_rep_name(r),
                rate=fmt_pct(r["win_rate"], digits=0),
                low=fmt_pct(r["win_rate_low"], digits=0),
                high=fmt_pct(r["win_rate_high"], digits=0),
            )
            for _, r in reps.head(3).iterrows()
        ]
        more = t("diag.find.more", lang, count=fmt_int(len(reps) - 3)) if len(reps) > 3 else ""
        parts.append(t(f"diag.find.side.{side}", lang, reps=t("and", lang).join(listed) + more))
    return t(
        "diag.find.reps",
        lang,
        standouts=t("semicolon", lang).join(parts),
        others=fmt_int(len(rated) - len(named)),
        **common,
    )


def _p_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}" if p < 0.01 else f"= {p:.2f}"


def _win_rate_driver(d: Diagnosis) -> dict[str, str] | None:
    """The team whose win-rate change moved the overall rate most (change × its share of closed deals).

    Named only when that team's own change passes a two-proportion test at ALPHA after Bonferroni
    correction for the teams compared, and the overall change is itself comparable.
    """
    if d.team_breakdown is None or d.team_previous is None:
        return None
    overall = d.kpis.set_index("kpi").loc["win_rate", "change_previous"]
    if overall != overall:
        return None  # the previous window is not covered: nothing to attribute
    both = d.team_breakdown.merge(d.team_previous, on="team", suffixes=("", "_prev"))
    both = both[both["team"].notna() & (both["team"] != schema.UNASSIGNED)]  # a team to name, not a bucket
    both = both[(both["closed"] > 0) & (both["closed_prev"] > 0)]
    if both.empty:
        return None
    teams = len(both)
    both["effect"] = (both["win_rate"] - both["win_rate_prev"]) * both["closed"] / both["closed"].sum()
    if overall != 0:
        both = both[np.sign(both["effect"]) == np.sign(overall)]
    if both.empty:
        return None
    top = both.loc[both["effect"].abs().idxmax()]
    if abs(top["win_rate"] - top["win_rate_prev"]) < DRIVER_MIN_CHANGE:
        return None  # no team moved enough to name
    if _two_proportion_p(top["won"], top["closed"], top["won_prev"], top["closed_prev"]) * teams >= ALPHA:
        return None  # the largest move is within chance for one of several teams
    return {"team": str(top["team"]), "before": fmt_pct(top["win_rate_prev"]), "after": fmt_pct(top["win_rate"])}


def _two_proportion_p(won_a: float, closed_a: float, won_b: float, closed_b: float) -> float:
    """Two-sided pooled z-test p-value that two win rates are equal."""
    pooled = (won_a + won_b) / (closed_a + closed_b)
    if pooled in (0, 1):
        return 1.0
    se = np.sqrt(pooled * (1 - pooled) * (1 / closed_a + 1 / closed_b))
    return float(2 * stats.norm.sf(abs(won_a / closed_a - won_b / closed_b) / se))


def rep_names(card: pd.DataFrame) -> pd.Series:
    """Display name per rep_id: "Name (id)" when the reps table has names."""
    return pd.Series([_rep_name(row) for _, row in card.iterrows()], index=card["rep_id"].to_numpy())


def _rep_name(row: pd.Series) -> str:
    name = row.get("name")
    return (
        f"{name} ({row['rep_id']})" if isinstance(name, str) and name and name != row["rep_id"] else str(row["rep_id"])
    )


def _signed_pct(value: float) -> str:
    return "–" if value != value else f"{value * 100:+.0f}%"


def _signed_points(value: float) -> str:
    return "–" if value != value else f"{value * 100:+.1f} pp"


# --- views: the frames the report displays (formatting only, no new numbers) ----------------------------

_MONEY_KPIS = ("revenue", "avg_deal_size", "pipeline_created")
_COUNT_KPIS = ("won", "new_customers", "deals_created", "activities")


def _format_kpi(kpi: str, value: float, currency: str) -> str:
    if value != value:
        return "–"
    if kpi in _MONEY_KPIS:
        return fmt_money(value, currency)
    if kpi in _COUNT_KPIS:
        return fmt_int(value)
    if kpi in ("win_rate", "attainment"):
        return fmt_pct(value)
    return f"{value:,.1f}"


def kpi_view(kpis: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Team KPIs as display strings; KPIs with no data (missing tables) are left out."""
    shown = kpis[kpis["current"].notna() | kpis["previous"].notna()]
    rows = []
    for r in shown.itertuples():
        change = _signed_points if r.change_unit == "pp" else _signed_pct
        rows.append(
            (
                r.kpi,
                _format_kpi(r.kpi, r.current, currency),
                _format_kpi(r.kpi, r.previous, currency),
                change(r.change_previous),
                _format_kpi(r.kpi, r.last_year, currency),
                change(r.change_last_year),
            )
        )
    return pd.DataFrame(
        rows, columns=["kpi", "current", "previous", "change_previous", "last_year", "change_last_year"]
    )


# The executive index's tiles, in this order; at most six that have a figure for the period.
TILE_KPIS = ("revenue", "won", "win_rate", "avg_deal_size", "median_cycle_days", "deals_created", "csat")
# KPIs where a fall is good news (the tile's arrow still points the way the number moved).
LOWER_IS_BETTER = ("median_cycle_days", "mean_cycle_days")


def kpi_tiles(kpis: pd.DataFrame, currency: str, windows: dict[str, Window], *, limit: int = 6) -> list[dict]:
    """The team KPIs the executive index shows as tiles: figure, change against the previous period.

    Same numbers as :func:`kpi_view` (formatting only). ``trend`` is ``up``/``down``/``flat`` or
    ``none`` when the change is not shown (a window the data does not cover); ``good`` says whether
    the move is good news (``None`` when there is no move).

    >>> from datetime import date
    >>> kpis = pd.DataFrame({"kpi": ["revenue", "median_cycle_days"], "current": [1200.0, 30.0],
    ...     "previous": [1000.0, 40.0], "change_previous": [0.2, -0.25], "change_unit": ["relative", "relative"]})
    >>> w = {"current": Window("2025-Q4", date(2025, 10, 1), date(2025, 12, 31)),
    ...      "previous": Window("2025-Q3", date(2025, 7, 1), date(2025, 9, 30))}
    >>> [(x["value"], x["change"], x["good"]) for x in kpi_tiles(kpis, "USD", w)]
    [('USD 1,200', '+20%', True), ('30.0', '-25%', True)]
    """
    rows = kpis.set_index("kpi")
    tiles = []
    for kpi in TILE_KPIS:
        if kpi not in rows.index or rows.at[kpi, "current"] != rows.at[kpi, "current"]:
            continue
        r = rows.loc[kpi]
        change = r["change_previous"]
        shown = (_signed_points if r["change_unit"] == "pp" else _signed_pct)(change)
        moved = change == change and round(change * 100, 1 if r["change_unit"] == "pp" else 0) != 0  # as shown
        trend = "none" if change != change else ("flat" if not moved else ("up" if change > 0 else "down"))
        good = None if trend in ("none", "flat") else (trend == "up") != (kpi in LOWER_IS_BETTER)
        tiles.append(
            {
                "kpi": kpi,
                "value": _format_kpi(kpi, r["current"], currency),
                "previous": _format_kpi(kpi, r["previous"], currency),
                "change": shown,
                "trend": trend,
                "good": good,
                "period": windows["current"].label,
                "previous_period": windows["previous"].label,
            }
        )
    return tiles[:limit]


def scorecard_notes(sc: Scorecard, window: Window) -> list[tuple[str, dict[str, str]]]:
    """The notes above the scorecard, as (label key, fields): window and rules, then what the test found."""
    prior = sc.prior
    out = [
        (
            "diag.scorecard_note",
            dict(window=window.label, team_rate=fmt_pct(sc.team_rate), min_closed=str(sc.min_closed)),
        )
    ]
    if sc.unassigned is not None:
        bucket = sc.unassigned.iloc[0]
        out.append(
            (
                "diag.scorecard_unassigned",
                dict(
                    window=window.label,
                    created=fmt_int(bucket["deals_created"]),
                    closed=fmt_int(bucket["closed"]),
                    won=fmt_int(bucket["won"]),
                ),
            )
        )
    if sc.homogeneity_p != sc.homogeneity_p:
        return out
    if not sc.reps_differ:
        out.append(("diag.scorecard_alike", dict(p=_p_text(sc.homogeneity_p))))
    elif prior.at_boundary:
        out.append(("diag.scorecard_differ_unranked", dict(p=_p_text(sc.homogeneity_p), tested=str(sc.tested))))
    else:
        out.append(
            (
                "diag.scorecard_ranked",
                dict(
                    p=_p_text(sc.homogeneity_p),
                    prior_mean=fmt_pct(prior.mean, digits=0),
                    strength=f"{prior.strength:,.0f}",
                    tested=str(sc.tested),
                ),
            )
        )
    if prior.at_boundary:
        out.append(("diag.prior_boundary", dict(rate=fmt_pct(prior.mean))))
    return out


def scorecard_view(card: pd.DataFrame, lang: Language) -> pd.DataFrame:
    """The scorecard as shown: revenue rank, rep, win rate with its interval, flags in words.

    Shrunk rate, win-rate rank and the standout column appear only when win rate is ranked
    (the card has ``win_rate_rank``). The unassigned bucket (:attr:`Scorecard.with_unassigned`) comes
    last, without a rank.
    """
    owner_less = (card["rep_id"] == schema.UNASSIGNED).to_numpy()
    if "revenue_rank" not in card:  # no rep had a deal in the window: only the unassigned bucket, if any
        card = card.assign(revenue_rank=pd.NA)
    view = pd.DataFrame({"revenue_rank": card["revenue_rank"].astype("Int64"), "rep": card.apply(_rep_name, axis=1)})
    if "team" in card:
        view["team"] = card["team"]
    view["revenue"] = card["revenue"].round(0)
    view["won"] = card["won"]
    view["closed"] = card["closed"]
    view["win_rate_ci"] = [
        "–" if c == 0 else f"{fmt_pct(w, digits=0)} ({fmt_pct(lo, digits=0)}–{fmt_pct(hi, digits=0)})"
        for w, lo, hi, c in zip(
            card["win_rate"], card["win_rate_low"], card["win_rate_high"], card["closed"], strict=True
        )
    ]
    if "win_rate_rank" in card:
        view["win_rate_shrunk"] = card["win_rate_shrunk"]
        view["win_rate_rank"] = card["win_rate_rank"]
    if "standout" in card and (card["standout"].fillna("") != "").any():
        view["standout"] = [t(f"diag.standout.{s}", lang) if s else "" for s in card["standout"].fillna("")]
    view["avg_deal_size"] = card["avg_deal_size"].round(0)
    view["median_cycle_days"] = card["median_cycle_days"]
    for column in ("activities_call", "activities_visit", "csat", "attainment"):
        if column in card:
            view[column] = card[column].round(1) if column == "csat" else card[column]
    if "tenure_months" in card:
        view["tenure_months"] = card["tenure_months"].round(0)
    flags = []
    left_early = card.get("left_before_end", pd.Series(False, index=card.index)).fillna(False).astype(bool)
    for small, left, bucket in zip(card["small_sample"], left_early, owner_less, strict=True):
        words = [t("diag.unassigned_row", lang)] if bucket else []
        words += [t("few_deals", lang)] if small else []
        words += [t("left", lang)] if left else []
        flags.append(t("and", lang).join(words))
    view["note"] = flags
    return view


def strengths_view(words: pd.DataFrame, card: pd.DataFrame) -> pd.DataFrame:
    names = rep_names(card)
    view = words.assign(rep=words["rep_id"].map(names))
    return view[["rep", "strongest", "strongest_pct", "weakest", "weakest_pct"]].round(
        {"strongest_pct": 0, "weakest_pct": 0}
    )


def archetype_view(kinds: pd.DataFrame, card: pd.DataFrame) -> pd.DataFrame:
    names = rep_names(card)
    view = kinds.assign(rep=kinds["rep_id"].map(names))
    order = {k: i for i, k in enumerate(ARCHETYPES)}
    view = view.sort_values(
        ["archetype", "win_rate_shrunk"], key=lambda c: c.map(order) if c.name == "archetype" else -c
    )
    return view[["rep", "archetype", "activities", "closed", "win_rate_shrunk"]]


def breakdown_view(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    view = frame[[key, "revenue", "won", "closed", "win_rate", "avg_deal_size"]].copy()
    view["win_rate_ci"] = [
        "–" if c == 0 else f"{fmt_pct(w, digits=0)} ({fmt_pct(lo, digits=0)}–{fmt_pct(hi, digits=0)})"
        for w, lo, hi, c in zip(
            frame["win_rate"], frame["win_rate_low"], frame["win_rate_high"], frame["closed"], strict=True
        )
    ]
    view["revenue"] = view["revenue"].round(0)
    view["avg_deal_size"] = view["avg_deal_size"].round(0)
    return view.drop(columns="win_rate")


def customers_view(customers: pd.DataFrame, currency: str) -> pd.DataFrame:
    formats = {
        "retention": fmt_pct,
        "repeat_purchase": fmt_pct,
        "cac": lambda v: fmt_money(v, currency),
        "clv_estimate": lambda v: fmt_money(v, currency),
    }
    values = [
        formats.get(m, fmt_int)(v) if v == v else "–"
        for m, v in zip(customers["metric"], customers["value"], strict=True)
    ]
    return pd.DataFrame({"metric": customers["metric"], "value": values})
