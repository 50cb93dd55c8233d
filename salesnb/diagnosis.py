"""The diagnosis (report 01): where the team stands, rep by rep, with honest numbers.

Every function takes the loaded data and returns tidy frames built from the KPI
definitions in :mod:`salesnb.metrics`; :func:`diagnose` gathers them into one
:class:`Diagnosis` whose ``findings`` are generated from those frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd
from scipy import stats

from salesnb import metrics
from salesnb.data import CrmData
from salesnb.labels import Language, fmt_int, fmt_money, fmt_pct, t
from salesnb.metrics import Window
from salesnb.params import DiagnosisParams
from salesnb.stats import BetaPrior, fit_beta_binomial, percentile_rank, shrunk_rate

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


@dataclass(frozen=True)
class Scorecard:
    """One row per rep, with the beta prior used to shrink win rates."""

    summary: pd.DataFrame
    prior: BetaPrior
    min_closed: int
    homogeneity_p: float  # chi-square test that ranked reps share one win rate

    @property
    def reps_differ(self) -> bool:
        """Whether rep win rates differ more than chance would give (p < 0.05)."""
        return self.homogeneity_p < 0.05


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


def team_kpis(data: CrmData, windows: dict[str, Window]) -> pd.DataFrame:
    """KPIs for the current, previous and same-last-year windows, with both changes."""
    deals = metrics.deals_with_team(data)
    first_closed = pd.Timestamp(data.deals.closed_at.min().execute())
    first_created = pd.Timestamp(data.deals.created_at.min().execute())
    columns = {}
    for name, window in windows.items():
        row = metrics.deal_kpis(deals, window).iloc[0].to_dict()
        # A window before the data starts has no figures, not zero ones.
        if pd.isna(first_closed) or pd.Timestamp(window.end_exclusive) <= first_closed:
            row.update(
                {
                    k: np.nan
                    for k in (
                        "revenue",
                        "won",
                        "lost",
                        "closed",
                        "win_rate",
                        "avg_deal_size",
                        "mean_cycle_days",
                        "median_cycle_days",
                    )
                }
            )
        if pd.isna(first_created) or pd.Timestamp(window.end_exclusive) <= first_created:
            row.update(deals_created=np.nan, pipeline_created=np.nan)
        covered = not pd.isna(row["revenue"])
        row["new_customers"] = (
            metrics.new_customers(deals, window) if "account_id" in deals.columns and covered else np.nan
        )
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
        columns[name] = row
    frame = pd.DataFrame(columns).loc[list(KPI_ORDER)]
    frame = frame.astype("float64")
    out = frame.rename_axis("kpi").reset_index()
    for other, change in (("previous", "change_previous"), ("last_year", "change_last_year")):
        out[change] = [
            _change(kpi, cur, old) for kpi, cur, old in zip(out["kpi"], out["current"], out[other], strict=True)
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
    """Per-rep KPIs with Wilson intervals, beta-binomial shrunk win rates and small-sample flags."""
    deals = metrics.deals_with_team(data)
    per_rep = metrics.deal_kpis(deals, window, by="rep_id")
    per_rep = per_rep[(per_rep["closed"] > 0) | (per_rep["deals_created"] > 0)]
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
        card["left_before_end"] = card["left_at"].notna() & (card["left_at"] <= pd.Timestamp(window.end))
    prior = fit_beta_binomial(card["won"], card["closed"])
    card["win_rate_shrunk"] = shrunk_rate(card["won"], card["closed"], prior)
    card["small_sample"] = card["closed"] < min_closed
    ranked = card.loc[~card["small_sample"], "win_rate_shrunk"].rank(ascending=False, method="min")
    card["win_rate_rank"] = ranked.reindex(card.index).astype("Int64")
    card["revenue_rank"] = card["revenue"].rank(ascending=False, method="min").astype("int64")
    card = card.sort_values(["revenue_rank", "rep_id"]).reset_index(drop=True)
    return Scorecard(card, prior, min_closed, _homogeneity_p(card[~card["small_sample"]]))


def _homogeneity_p(rated: pd.DataFrame) -> float:
    if len(rated) < 2 or rated["won"].sum() == 0 or rated["lost"].sum() == 0:
        return float("nan")
    return float(stats.chi2_contingency(rated[["won", "lost"]].to_numpy())[1])


def rep_percentiles(card: pd.DataFrame) -> pd.DataFrame:
    """Each KPI as the rep's percentile against the team (100 = best, whatever the KPI's direction).

    Win-rate percentiles use shrunk rates and are left empty for reps with too few closed deals.
    """
    out = card[["rep_id"]].copy()
    for kpi, higher_is_better in STRENGTH_KPIS.items():
        if kpi not in card or card[kpi].notna().sum() < 2:
            continue
        values = card[kpi].where(~card["small_sample"]) if kpi == "win_rate_shrunk" else card[kpi]
        out[kpi] = percentile_rank(values, higher_is_better=higher_is_better)
    return out


def strength_words(percentiles: pd.DataFrame) -> pd.DataFrame:
    """Each rep's strongest and weakest KPI with their percentiles."""
    kpis = percentiles.drop(columns="rep_id")
    rows = []
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
    both below; too_few_deals: fewer closed deals than the small-sample threshold.
    """
    if "activities" not in card:
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


def customer_health(data: CrmData, windows: dict[str, Window]) -> pd.DataFrame:
    """New and returning customers, retention, repeat purchase, CAC and a simple CLV estimate."""
    deals = data.deals
    current, previous = windows["current"], windows["previous"]
    buyers = metrics.buying_accounts(deals, current)
    new = metrics.new_customers(deals, current)
    rate, kept, base = metrics.retention(deals, current, previous)
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
        rows.append(("clv_estimate", _clv_estimate(deals, current)))
    return pd.DataFrame(rows, columns=["metric", "value"])


def _clv_estimate(deals, current: Window) -> float:
    """Revenue per active customer per year × expected lifetime 1 / (1 − annual retention), capped at 10 years."""
    year = metrics.trailing_months(current.end)
    year_before = Window("t12-1", metrics._add_months(year.start, -12), year.start - timedelta(days=1))
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
    card = rep_scorecard(data, scorecard_window(options, windows), min_closed=options.min_closed_deals)
    percentiles = rep_percentiles(card.summary)
    kinds, cut = archetypes(card.summary)
    deals = metrics.deals_with_team(data)
    has_team = "team" in deals.columns
    team = metrics.deal_kpis(deals, windows["current"], by="team") if has_team else None
    team_previous = metrics.deal_kpis(deals, windows["previous"], by="team") if has_team else None
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
    return Diagnosis(
        windows=windows,
        kpis=team_kpis(data, windows),
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
        customers=customer_health(data, windows) if has_accounts else pd.DataFrame(columns=["metric", "value"]),
        attrition=attrition_table(data, windows),
        actions=suggest_actions(card.summary, kinds, options),
        missing=missing,
    )


# --- findings -----------------------------------------------------------------------------------------


def _findings(d: Diagnosis, lang: Language, currency: str) -> list[str]:
    out = []
    k = d.kpis.set_index("kpi")
    cur, prev, last = d.windows["current"], d.windows["previous"], d.windows["last_year"]
    revenue = k.loc["revenue"]
    out.append(
        t(
            "diag.find.revenue"
            if revenue["change_last_year"] == revenue["change_last_year"]
            else "diag.find.revenue_no_ly",
            lang,
            period=cur.label,
            revenue=fmt_money(revenue["current"], currency),
            change=_signed_pct(revenue["change_previous"]),
            previous=prev.label,
            change_ly=_signed_pct(revenue["change_last_year"]),
            last_year=last.label,
            won=fmt_int(k.loc["won", "current"]),
            size=fmt_money(k.loc["avg_deal_size", "current"], currency),
        )
    )
    rate = k.loc["win_rate"]
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
    out.append(sentence + t("diag.find.end", lang))
    card = d.scorecard.summary
    rated = card[~card["small_sample"]].sort_values(["win_rate_shrunk", "win_rate"], ascending=False)
    if len(rated) >= 2 and not d.scorecard.reps_differ:
        out.append(
            t(
                "diag.find.reps_alike",
                lang,
                low=fmt_pct(rated["win_rate"].min()),
                high=fmt_pct(rated["win_rate"].max()),
                p=f"{d.scorecard.homogeneity_p:.2f}",
                reps=fmt_int(len(rated)),
            )
        )
    elif len(rated) >= 2:
        best, worst = rated.iloc[0], rated.iloc[-1]
        out.append(
            t(
                "diag.find.reps",
                lang,
                best=_rep_name(best),
                best_rate=fmt_pct(best["win_rate"]),
                best_low=fmt_pct(best["win_rate_low"], digits=0),
                best_high=fmt_pct(best["win_rate_high"], digits=0),
                worst=_rep_name(worst),
                worst_rate=fmt_pct(worst["win_rate"]),
                worst_low=fmt_pct(worst["win_rate_low"], digits=0),
                worst_high=fmt_pct(worst["win_rate_high"], digits=0),
                small=fmt_int(card["small_sample"].sum()),
                min_closed=d.scorecard.min_closed,
            )
        )
    else:
        out.append(
            t("diag.find.too_few", lang, small=fmt_int(card["small_sample"].sum()), min_closed=d.scorecard.min_closed)
        )
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
    attainment = k.loc["attainment", "current"]
    if attainment == attainment:
        out.append(t("diag.find.attainment", lang, attainment=fmt_pct(attainment, digits=0), period=cur.label))
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


def _win_rate_driver(d: Diagnosis) -> dict[str, str] | None:
    """The team whose win-rate change moved the overall rate most (change × its share of closed deals)."""
    if d.team_breakdown is None or d.team_previous is None:
        return None
    both = d.team_breakdown.merge(d.team_previous, on="team", suffixes=("", "_prev"))
    both = both[(both["closed"] > 0) & (both["closed_prev"] > 0)]
    if both.empty:
        return None
    overall = d.kpis.set_index("kpi").loc["win_rate", "change_previous"]
    both["effect"] = (both["win_rate"] - both["win_rate_prev"]) * both["closed"] / both["closed"].sum()
    if overall == overall and overall != 0:
        both = both[np.sign(both["effect"]) == np.sign(overall)]
    if both.empty:
        return None
    top = both.loc[both["effect"].abs().idxmax()]
    if abs(top["win_rate"] - top["win_rate_prev"]) < DRIVER_MIN_CHANGE:
        return None  # no team moved enough to name
    return {"team": str(top["team"]), "before": fmt_pct(top["win_rate_prev"]), "after": fmt_pct(top["win_rate"])}


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


def scorecard_view(card: pd.DataFrame, lang: Language) -> pd.DataFrame:
    """The scorecard as shown: ranks, rep, win rate with its interval, flags in words."""
    view = pd.DataFrame({"revenue_rank": card["revenue_rank"], "rep": card.apply(_rep_name, axis=1)})
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
    view["win_rate_shrunk"] = card["win_rate_shrunk"]
    view["win_rate_rank"] = card["win_rate_rank"]
    view["avg_deal_size"] = card["avg_deal_size"].round(0)
    view["median_cycle_days"] = card["median_cycle_days"]
    for column in ("activities_call", "activities_visit", "csat", "attainment"):
        if column in card:
            view[column] = card[column].round(1) if column == "csat" else card[column]
    if "tenure_months" in card:
        view["tenure_months"] = card["tenure_months"].round(0)
    flags = []
    for small, left in zip(
        card["small_sample"], card.get("left_before_end", pd.Series(False, index=card.index)), strict=True
    ):
        words = [t("few_deals", lang)] if small else []
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
