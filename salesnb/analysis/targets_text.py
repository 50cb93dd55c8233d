"""Words and display frames for report 02 (no new numbers: everything comes from a TargetPlan)."""

from __future__ import annotations

import pandas as pd

from salesnb.analysis import forecast as fc
from salesnb.labels import Language, fmt_int, fmt_money, fmt_pct, t

Note = tuple[str, dict[str, object]]  # a label key and the fields its text fills


def fmt_value(value: float, metric: str, currency: str) -> str:
    if value != value:
        return "–"
    if metric == "revenue":
        return fmt_money(value, currency)
    if metric == "csat":
        return f"{value:.1f}"
    return fmt_int(value)


def method_code(method: str, *, seasonal: bool) -> str:
    """The label code of a method as fitted: the seasonal methods fitted trend-only say so."""
    if not seasonal and method in ("regression_seasonal", "exponential_smoothing"):
        return f"{method}.trend"
    return method


def method_name(plan, lang: Language) -> str:
    return t(f"tgt.method.{method_code(plan.method, seasonal=plan.baselines.seasonal)}", lang)


def reachable_range(plan) -> tuple[float, float]:
    """Targets reached with probability too_easy and too_hard: the motivating band."""
    too_easy, too_hard = plan.thresholds
    e = plan.errors
    low = fc.target_at_probability(too_easy, plan.forecast, log_sd=e.scale, df=e.df, bias=e.bias)
    high = fc.target_at_probability(too_hard, plan.forecast, log_sd=e.scale, df=e.df, bias=e.bias)
    if plan.metric == "csat":
        low, high = min(low, fc.CSAT_TOP), min(high, fc.CSAT_TOP)
    return low, high


def capped(plan) -> bool:
    """Whether the team target is the top of the CSAT scale rather than forecast × (1 + stretch)."""
    return plan.metric == "csat" and plan.forecast * (1 + plan.stretch) > fc.CSAT_TOP


def chance_text(plan, lang: Language) -> str:
    """How the team's chance was judged, inside the headline: measured errors or an assumed spread."""
    probability = fmt_pct(plan.probability, digits=0)
    if plan.errors.assumed:
        return t("tgt.chance.assumed", lang, probability=probability, sd=fmt_pct(plan.errors.scale, digits=0))
    return t("tgt.chance.measured", lang, probability=probability, n=plan.errors.errors)


def method_text(plan, lang: Language) -> str:
    """The backtest finding: chosen by backtest (≥ 2 held-out periods), named in params, or a declared default."""
    b = plan.baselines
    rows = b.forecasts.set_index("method")
    fields = dict(method=method_name(plan, lang), months=plan.history.months)
    if plan.chosen_by == "default":
        text = t("tgt.find.not_backtested", lang, n=b.folds, **fields)
        text += t("tgt.find.single_fold", lang) if b.folds == 1 else ""
    else:
        key = "tgt.find.backtest" if plan.chosen_by == "backtest" else "tgt.find.backtest_params"
        text = t(
            key,
            lang,
            mape=fmt_pct(rows.loc[plan.method, "mape"]),
            n=int(rows.loc[plan.method, "backtests"]),
            naive=fmt_pct(rows.loc["last_period_uplift", "mape"]) if "last_period_uplift" in rows.index else "–",
            **fields,
        )
    if plan.errors.assumed:
        text += t("tgt.find.assumed_spread", lang, sd=fmt_pct(plan.errors.scale, digits=0))
    return text


def rep_reach_text(plan, lang: Language) -> str:
    """The range of the reps' chances of reaching, from their own history (appended to the split finding)."""
    if plan.payout is None or not len(plan.payout):
        return ""
    chances = plan.payout["reach_probability"]
    too_easy, too_hard = plan.thresholds
    return t(
        "tgt.find.rep_reach",
        lang,
        periods=plan.share_periods,
        low=fmt_pct(chances.min(), digits=0),
        high=fmt_pct(chances.max(), digits=0),
        hard=int((chances < too_hard).sum()),
        easy=int((chances > too_easy).sum()),
        too_hard=fmt_pct(too_hard, digits=0),
        too_easy=fmt_pct(too_easy, digits=0),
    )


def history_limits(plan, lang: Language) -> str:
    """What the history allows: seasonal models, or trend-only (too short, or too short in the earliest fold)."""
    h = plan.history
    if not h.seasonal:
        return t("tgt.history_short", lang)
    if plan.baselines is not None and not plan.baselines.seasonal:
        folds = plan.baselines.backtests
        shortest = int(folds["train_months"].min()) if len(folds) else h.months
        return t("tgt.history_trend_folds", lang, n=shortest)
    return t("tgt.history_seasonal", lang)


def baselines_note_fields(plan, options, lang: Language) -> dict[str, object]:
    """Fields of the baselines note: folds fitted, the one model family, the declared default method."""
    return dict(
        period=plan.window.label,
        n=options.backtest_periods,
        folds=plan.baselines.folds,
        family=t("tgt.family.seasonal" if plan.baselines.seasonal else "tgt.family.trend", lang),
        default=t(f"tgt.method.{fc.DEFAULT_METHOD}", lang),  # a level: the same in either family
    )


def errors_text(plan, lang: Language) -> str:
    """The team note's account of the forecast error distribution behind every chance of reaching."""
    e = plan.errors
    if e.assumed:
        return t("tgt.errors.assumed", lang, sd=fmt_pct(e.scale, digits=0))
    sd = plan.baselines.forecasts.set_index("method").loc[plan.method, "log_sd"]
    return t("tgt.errors.measured", lang, n=e.errors, bias=f"{e.bias:+.1%}", sd=fmt_pct(sd), df=f"{e.df:g}")


def findings(plan, lang: Language, currency: str) -> list[str]:
    out = []
    metric_name = t(f"tgt.metric.{plan.metric}", lang)
    if plan.gap is not None:
        out.append(t(f"tgt.find.{plan.gap}", lang, **gap_fields(plan)))
        return out
    if not plan.feasible:
        if not plan.history.months:  # e.g. revenue before any deal is won
            out.append(t("tgt.find.no_series", lang, metric=metric_name))
        else:
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
            method=method_name(plan, lang),
            how=t(f"tgt.how.{plan.chosen_by}", lang) if plan.chosen_by != "backtest" else "",
            stretch=fmt_pct(plan.stretch, digits=0),
            cap=t("tgt.find.capped", lang, top=f"{fc.CSAT_TOP:.0f}") if capped(plan) else "",
            chance=chance_text(plan, lang),
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
    caveat = t("tgt.find.band_assumed", lang) if plan.errors.assumed else ""
    if plan.probability > too_easy:
        out.append(t("tgt.find.too_easy", lang, **band) + caveat)
    elif plan.probability < too_hard:
        out.append(t("tgt.find.too_hard", lang, **band) + caveat)
    out.append(method_text(plan, lang))
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
            + rep_reach_text(plan, lang)
            + (
                t("tgt.find.unassigned", lang, share=fmt_pct(plan.unassigned_share, digits=0))
                if plan.unassigned_share > 0
                else ""
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


def skip_key(plan) -> str:
    """Why a section needing the target is left out: the period lies outside the data, too little history,
    or (a target exists) no rep to split it to."""
    if plan.gap is not None:
        return "tgt.skip.outside_data"
    return "tgt.skip.no_reps" if plan.feasible else "tgt.skip.no_forecast"


def gap_fields(plan) -> dict[str, str]:
    """Fields of the sentence saying the report period lies outside the data (``plan.gap``)."""
    return dict(
        target_period=plan.window.label,
        first=f"{plan.data_first:%Y-%m-%d}" if plan.data_first else "–",
        last=f"{plan.data_last:%Y-%m-%d}" if plan.data_last else "–",
    )


def baselines_view(plan, currency: str) -> pd.DataFrame:
    frame = plan.baselines.forecasts.copy()
    frame["forecast"] = [fmt_value(v, plan.metric, currency) for v in frame["forecast"]]
    frame["chosen"] = frame["method"].eq(plan.method).map({True: "✓", False: ""})
    frame["method"] = [method_code(m, seasonal=plan.baselines.seasonal) for m in frame["method"]]
    frame["mape"] = frame["mape"].where(frame["backtests"] > 0)
    return frame[["method", "forecast", "mape", "backtests", "chosen"]]


def split_view(plan, currency: str, lang: Language = "en") -> pd.DataFrame:
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
    if plan.rep_model is not None:
        model = plan.rep_model[["rep_id", "history_share", "basis"]].rename(columns={"basis": "rep_basis"})
        view = view.merge(model, on="rep_id", how="left")
    if plan.payout is not None:
        view = view.merge(plan.payout[["rep_id", "expected_payout", "reach_probability"]], on="rep_id", how="left")
        view["expected_payout"] = view["expected_payout"].round(0)
    if "rep_basis" in view:
        view["rep_basis"] = view["rep_basis"].map(lambda v: t(f"tgt.rep_basis.{v}", lang) if v == v else "–")
    return view


def smart_view(plan) -> pd.DataFrame:
    view = plan.smart.copy()
    if view.empty:  # no target was set
        return view
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
            "method": [method_code(m, seasonal=s) for m, s in zip(frame["method"], frame["seasonal"], strict=True)],
            "forecast": [fmt_value(v, m, currency) for v, m in zip(frame["forecast"], frame["metric"], strict=True)],
            "mape": frame["mape"],
            "target": [fmt_value(v, m, currency) for v, m in zip(frame["target"], frame["metric"], strict=True)],
        }
    )


# --- notes, skipped sections and chart arguments of the report's sections ------------------------------------------

# Columns of the split table shown as percentages.
SPLIT_PERCENT = ("ramp", "share", "history_share", "reach_probability")
# Team attainments the commission cost table lists (the curve runs from 0 to 150 %).
CURVE_ATTAINMENTS = (0.5, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5)


def _month(value) -> str:
    return f"{value:%Y-%m}" if value is not None else "–"


def history_notes(plan, lang: Language) -> list[Note]:
    """The note on the history: its months, the warm-up left out and what the length allows."""
    h = plan.history
    metric = t(f"tgt.metric.{plan.metric}", lang)
    if not h.months:
        return [("tgt.history_none", dict(metric=metric))]
    fields = dict(
        months=h.months,
        metric=metric,
        first=_month(h.first),
        last=_month(h.last),
        warmup=t("tgt.history_warmup", lang, n=h.warm_up) if h.warm_up else "",
        limits=history_limits(plan, lang),
    )
    return [("tgt.history_note", fields)]


def skip_reason(plan, section: str, *, period: str = "", lang: Language = "en") -> Note | None:
    """Why a section of the report is left out (label key, fields), or None when it is shown.

    ``section`` is one of baselines, team, other, split, phasing, smart, commission, pacing;
    ``period`` is the report period's label (pacing covers it, not the target period).
    """
    if section in ("split", "phasing") and plan.feasible and not fc.ADDITIVE[plan.metric]:
        # a mean such as CSAT: every rep's target, each month, is the team's
        metric = t(f"tgt.metric.{plan.metric}", lang)
        return "tgt.skip.mean_not_split", dict(metric=metric, target=fmt_value(plan.team_target, plan.metric, ""))
    if section == "other":
        return ("tgt.skip.no_other", {}) if plan.other_metrics.empty else None
    if section == "pacing":
        return (
            None
            if plan.pacing is not None
            else ("tgt.skip.pacing", dict(as_of=f"{plan.as_of:%Y-%m-%d}", period=period))
        )
    if section == "commission" and plan.feasible and plan.curve is None:
        return "tgt.skip.commission", {}
    shown = {
        "baselines": plan.feasible,
        "team": plan.feasible,
        "split": len(plan.split) > 0,
        "phasing": bool(plan.phasing),
        "smart": not plan.smart.empty,
        "commission": plan.feasible,
    }[section]
    return None if shown else (skip_key(plan), {})


def history_chart(plan) -> dict[str, object]:
    """Arguments of :func:`salesnb.render.plots.target_history` (but ``lang``)."""
    return dict(series=plan.series, path=plan.forecast_path, target=plan.team_target, months=plan.window.months)


def team_note_fields(plan, lang: Language) -> dict[str, str]:
    """Fields of the note on the team target: the stretch and the forecast errors behind its chance."""
    return dict(stretch=f"{plan.stretch:.0%}", errors=errors_text(plan, lang))


def team_view(plan) -> pd.DataFrame:
    """The team's rows of the SMART audit: the targets set, their chance of being reached and why."""
    smart = plan.smart
    columns = ["metric", "target", "probability", "achievable", "achievable_reason", "period"]
    return smart[smart["scope"] == "team"][columns].rename(columns={"metric": "kpi"})


def split_note_fields(plan, lang: Language) -> dict[str, str]:
    """Fields of the note on how the team target is split: method, tier weights, ramp, floor, cap, rounding."""
    o = plan.options
    return dict(
        method=t(f"tgt.split.{o.split}", lang),
        weights=", ".join(f"{k} {v:g}" for k, v in o.tier_weights.items()),
        start=f"{o.ramp_start_share:.0%}",
        ramp=f"{o.ramp_months:g}",
        floor=f"{o.floor_share:.0%}",
        cap=f"{o.cap_share:.0%}",
        unit=f"{o.rounding:g}",
    )


def rep_reach_notes(plan) -> list[Note]:
    """The note on how each rep's chance of reaching was simulated (when the reps' shares were modelled)."""
    if plan.rep_model is None:
        return []
    new = int((plan.rep_model["basis"] == "new_hire").sum())
    return [("tgt.rep_reach_note", dict(periods=plan.share_periods, n=plan.options.commission.simulations, new=new))]


def phasing_note_fields(plan, lang: Language) -> dict[str, str]:
    """Fields of the phasing note: what the months are weighted by, whose public holidays are left out."""
    basis = plan.phasing["months"]["basis"].iloc[0]
    return dict(basis=t(f"tgt.basis.{basis}", lang), country=plan.options.holidays_country)


def smart_note_fields(plan) -> dict[str, str]:
    """Fields of the SMART note: the band of chances counted as achievable."""
    return dict(hard=f"{plan.options.too_hard:.0%}", easy=f"{plan.options.too_easy:.0%}")


def commission_note_fields(plan, lang: Language) -> dict[str, object]:
    """Fields of the commission note: the plan's mode, bands and cap, and the simulations behind it."""
    c = plan.options.commission
    return dict(
        mode=t(f"tgt.mode.{c.mode}", lang),
        bands="; ".join(f"≥ {b.at:.0%}: {b.rate:.1%}" for b in c.bands),
        cap=t("tgt.cap_text", lang, cap=f"{c.cap_attainment:.0%}") if c.cap_attainment else "",
        n=c.simulations,
    )


def commission_chart(plan) -> dict[str, object]:
    """Arguments of :func:`salesnb.render.plots.commission_curve` (but ``lang``)."""
    return dict(curve=plan.curve, band_starts=[b.at for b in plan.options.commission.bands])


def curve_view(plan) -> pd.DataFrame:
    """The commission cost curve at the attainments the table lists (:data:`CURVE_ATTAINMENTS`)."""
    return plan.curve[plan.curve["attainment"].isin(list(CURVE_ATTAINMENTS))]


def pacing_note_fields(plan, currency: str) -> dict[str, object]:
    """Fields of the pacing note: working days done, target, actual and planned to date, projection."""
    p = plan.pacing
    money = {
        name: fmt_value(p[key], "revenue", currency)
        for name, key in (
            ("target", "target"),
            ("actual", "actual"),
            ("planned", "planned_to_date"),
            ("projection", "projection"),
            ("required", "required_per_day"),
        )
    }
    return dict(
        period=p["window"].label,
        as_of=f"{p['as_of']:%Y-%m-%d}",
        done=p["working_days_done"],
        total=p["working_days_done"] + p["working_days_left"],
        attainment=f"{p['projected_attainment']:.0%}",
        **money,
    )


def pacing_chart(plan) -> dict[str, object]:
    """Arguments of :func:`salesnb.render.plots.pacing_chart` (but ``lang``)."""
    return dict(reps=plan.pacing["reps"], threshold=plan.options.behind_threshold)
