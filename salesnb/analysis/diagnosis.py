"""The diagnosis (report 01): where the team stands, rep by rep, with honest numbers.

Every function takes the loaded data and returns tidy frames built from the KPI
definitions in :mod:`salesnb.analysis.metrics`; :func:`diagnose` gathers them into one
:class:`Diagnosis`. Its words (findings, notes) and display frames are in
:mod:`salesnb.analysis.diagnosis_text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

import numpy as np
import pandas as pd
from scipy import stats

from salesnb import schema
from salesnb.analysis import metrics
from salesnb.analysis.metrics import Window
from salesnb.analysis.stats import (
    BetaPrior,
    fit_beta_binomial,
    holm_adjust,
    percentile_rank,
    rate_test_p,
    shrunk_rate,
    wilson_interval,
)
from salesnb.data import CrmData
from salesnb.labels import Language
from salesnb.params import DiagnosisParams

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
    card_window: Window | None = None  # the scorecard's window (scorecard_window): the period or trailing 12 months

    @property
    def has_period_data(self) -> bool:
        """Whether the report period holds any closed deal to report on (revenue is a figure, not "–")."""
        revenue = self.kpis.set_index("kpi").loc["revenue", "current"]
        return bool(revenue == revenue)

    @property
    def summary(self) -> pd.DataFrame:
        return self.kpis

    @property
    def pipeline_is_won_value(self) -> bool:
        """Whether pipeline created measures won value (most lost deals carry no amount)."""
        return bool(self.pipeline_gaps) and _pipeline_is_won_value(self.pipeline_gaps)

    @property
    def many_undated(self) -> bool:
        """Whether too many deals created lack a created date for created-deal changes to be shown."""
        return bool(self.pipeline_gaps) and _many_undated(self.pipeline_gaps)

    def win_rate_driver(self) -> dict[str, object] | None:
        """The team that drove the win-rate change (team, before, after), or None (:func:`_win_rate_driver`)."""
        return _win_rate_driver(self)

    def findings(self, lang: Language, currency: str) -> list[str]:
        from salesnb.analysis.diagnosis_text import findings

        return findings(self, lang, currency)

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
    from salesnb.analysis.actions import suggest_actions

    params = data.params
    options = params.reports.diagnosis
    windows = metrics.comparison_windows(params)
    spans = metrics.date_spans(data)
    coverage = metrics.coverage_table(spans, windows)
    card_window = scorecard_window(options, windows)
    card = rep_scorecard(data, card_window, min_closed=options.min_closed_deals)
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
        card_window=card_window,
    )


def _many_undated(gaps: dict[str, float]) -> bool:
    return gaps["no_created_date"] > UNDATED_SHARE * max(gaps["created"], 1)


def _pipeline_is_won_value(gaps: dict[str, float]) -> bool:
    return gaps["lost"] > 0 and gaps["lost_no_amount"] >= PIPELINE_BLANK_LOST_SHARE * gaps["lost"]


# --- the team behind a win-rate change ---------------------------------------------------------------


def _win_rate_driver(d: Diagnosis) -> dict[str, object] | None:
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
    return {"team": str(top["team"]), "before": float(top["win_rate_prev"]), "after": float(top["win_rate"])}


def _two_proportion_p(won_a: float, closed_a: float, won_b: float, closed_b: float) -> float:
    """Two-sided pooled z-test p-value that two win rates are equal."""
    pooled = (won_a + won_b) / (closed_a + closed_b)
    if pooled in (0, 1):
        return 1.0
    se = np.sqrt(pooled * (1 - pooled) * (1 / closed_a + 1 / closed_b))
    return float(2 * stats.norm.sf(abs(won_a / closed_a - won_b / closed_b) / se))
