"""Words and display frames for report 02 (no new numbers: everything comes from a TargetPlan)."""

from __future__ import annotations

import pandas as pd

from salesnb import forecast as fc
from salesnb.labels import Language, fmt_int, fmt_money, fmt_pct, t


def fmt_value(value: float, metric: str, currency: str) -> str:
    if value != value:
        return "–"
    if metric == "revenue":
        return fmt_money(value, currency)
    if metric == "csat":
        return f"{value:.1f}"
    return fmt_int(value)


def reachable_range(plan) -> tuple[float, float]:
    """Targets reached with probability too_easy and too_hard: the motivating band."""
    too_easy, too_hard = plan.thresholds
    low = fc.target_at_probability(too_easy, plan.forecast, log_sd=plan.spread)
    high = fc.target_at_probability(too_hard, plan.forecast, log_sd=plan.spread)
    return low, high


def findings(plan, lang: Language, currency: str) -> list[str]:
    out = []
    metric_name = t(f"tgt.metric.{plan.metric}", lang)
    if not plan.feasible:
        out.append(t("tgt.find.no_history", lang, months=plan.history.months, needed=plan.min_history))
        return out
    out.append(
        t(
            "tgt.find.target",
            lang,
            metric=metric_name,
            period=plan.window.label,
            target=fmt_value(plan.team_target, plan.metric, currency),
            forecast=fmt_value(plan.forecast, plan.metric, currency),
            method=t(f"tgt.method.{plan.method}", lang),
            stretch=fmt_pct(plan.stretch, digits=0),
            probability=fmt_pct(plan.probability, digits=0),
        )
    )
    low, high = reachable_range(plan)
    too_easy, too_hard = plan.thresholds
    band = dict(
        low=fmt_value(low, plan.metric, currency),
        high=fmt_value(high, plan.metric, currency),
        easy=fmt_pct(too_easy, digits=0),
        hard=fmt_pct(too_hard, digits=0),
    )
    if plan.probability > too_easy:
        out.append(t("tgt.find.too_easy", lang, **band))
    elif plan.probability < too_hard:
        out.append(t("tgt.find.too_hard", lang, **band))
    chosen = plan.baselines.forecasts.set_index("method")
    naive = chosen.loc["last_period_uplift"]
    out.append(
        t(
            "tgt.find.backtest",
            lang,
            method=t(f"tgt.method.{plan.method}", lang),
            mape=fmt_pct(chosen.loc[plan.method, "mape"]),
            n=int(chosen.loc[plan.method, "backtests"]),
            naive=fmt_pct(naive["mape"]),
            months=plan.history.months,
        )
        + (t("tgt.find.assumed_spread", lang, sd=fmt_pct(plan.spread, digits=0)) if plan.spread_assumed else "")
    )
    if len(plan.split) and plan.split["target"].sum() > 0 and fc.ADDITIVE[plan.metric]:
        ramping = int((plan.split["ramp"] < 1).sum()) if "ramp" in plan.split else 0
        out.append(
            t(
                "tgt.find.split",
                lang,
                reps=len(plan.split),
                method=t(f"tgt.split.{plan.split_method}", lang),
                low=fmt_value(plan.split["target"].min(), plan.metric, currency),
                high=fmt_value(plan.split["target"].max(), plan.metric, currency),
                ramping=ramping,
            )
        )
    if plan.curve is not None:
        at_100 = plan.curve.set_index("attainment").loc[1.0]
        out.append(
            t(
                "tgt.find.commission",
                lang,
                cost=fmt_money(at_100["payout"], currency),
                share=fmt_pct(at_100["cost_share"]),
                expected=fmt_money(plan.payout.attrs["total_expected"], currency),
            )
        )
    if plan.pacing is not None:
        p = plan.pacing
        behind = int(p["reps"]["behind"].sum())
        out.append(
            t(
                "tgt.find.pacing",
                lang,
                as_of=f"{p['as_of']:%Y-%m-%d}",
                pace=fmt_pct(p["pace"], digits=0),
                projected=fmt_pct(p["projected_attainment"], digits=0),
                behind=behind,
            )
        )
    return out[:6]


def baselines_view(plan, currency: str) -> pd.DataFrame:
    frame = plan.baselines.forecasts.copy()
    frame["forecast"] = [fmt_value(v, plan.metric, currency) for v in frame["forecast"]]
    frame["chosen"] = frame["method"].eq(plan.method).map({True: "✓", False: ""})
    return frame[["method", "forecast", "mape", "backtests", "chosen"]]


def split_view(plan, currency: str) -> pd.DataFrame:
    split = plan.split
    columns = [
        c
        for c in ("rep_id", "name", "team", "tier", "tenure_months", "ramp", "trailing_revenue", "target", "share")
        if c in split
    ]
    view = split[columns].copy()
    if "tenure_months" in view:
        view["tenure_months"] = view["tenure_months"].round(0)
    view["trailing_revenue"] = view["trailing_revenue"].round(0)
    if plan.payout is not None:
        view = view.merge(plan.payout[["rep_id", "expected_payout", "reach_probability"]], on="rep_id", how="left")
        view["expected_payout"] = view["expected_payout"].round(0)
    return view


def smart_view(plan) -> pd.DataFrame:
    view = plan.smart.copy()
    view["rep_id"] = view["rep_id"].fillna("—")
    return view[
        [
            "scope",
            "rep_id",
            "target",
            "probability",
            "specific",
            "measurable",
            "achievable",
            "achievable_reason",
            "relevant",
            "time_bound",
            "period",
        ]
    ]


def other_metrics_view(plan, currency: str) -> pd.DataFrame:
    frame = plan.other_metrics
    return pd.DataFrame(
        {
            "kpi": frame["metric"],
            "method": frame["method"],
            "forecast": [fmt_value(v, m, currency) for v, m in zip(frame["forecast"], frame["metric"], strict=True)],
            "mape": frame["mape"],
            "target": [fmt_value(v, m, currency) for v, m in zip(frame["target"], frame["metric"], strict=True)],
        }
    )
