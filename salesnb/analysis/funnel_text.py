"""Words and display frames for report 03 (everything comes from a FunnelReport)."""

from __future__ import annotations

import pandas as pd

from salesnb import schema
from salesnb.labels import Language, fmt_int, fmt_money, fmt_pct, t

Note = tuple[str, dict[str, object]]  # a label key and the fields its text fills

# Columns of the bottleneck table shown as percentages.
BOTTLENECK_PERCENT = ("conversion", "benchmark", "gap", "downstream_win_rate")


def _ci(value: float, low: float, high: float) -> str:
    if value != value:
        return "–"
    return f"{fmt_pct(value)} ({fmt_pct(low, digits=0)}–{fmt_pct(high, digits=0)})"


def findings(report, lang: Language, currency: str) -> list[str]:
    out = []
    best = headline_bottleneck(report)
    funnel = report.funnel
    nothing_closed = report.has_deals and funnel["lost_here"].sum() == 0 and funnel["reached"].iloc[-1] == 0
    if not report.has_deals:
        out.append(t("fun.find.no_deals", lang, **no_deals_fields(report)))
    elif nothing_closed:
        out.append(t("fun.find.all_open", lang, deals=fmt_int(funnel.iloc[0]["reached"]), window=report.window.label))
    elif best is not None:
        named = best["group"] != "all"
        key = "fun.find.bottleneck_team" if named else "fun.find.bottleneck"
        out.append(
            t(
                key,
                lang,
                stage=best["stage"],
                next_stage=best["next_stage"],
                team=best["group"],
                conversion=fmt_pct(best["conversion"], digits=0),
                benchmark=fmt_pct(best["benchmark"], digits=0),
                gain=fmt_money(best["gain_per_period"], currency),
                months=report.period_months,
                span=f"{report.span_months:.0f}",
                open=fmt_int(best["open"]),
            )
        )
    else:
        out.append(t("fun.find.no_bottleneck", lang))
    steps = funnel[funnel["drop_off"].notna() & (funnel["drop_off"] > 0)] if report.has_deals else funnel.iloc[0:0]
    if len(steps):
        worst = steps.loc[steps["drop_off"].astype(float).idxmax()]
        won = funnel.iloc[-1]
        out.append(
            t(
                "fun.find.overall",
                lang,
                deals=fmt_int(funnel.iloc[0]["reached"]),
                resolved=fmt_int(won["cum_base"]),
                open=fmt_int(funnel.iloc[0]["reached"] - won["cum_base"]),
                won=fmt_pct(won["cumulative"]),
                stage=worst["stage"],
                drop=fmt_int(worst["drop_off"]),
                share=fmt_pct(1 - worst["next_step"], digits=0),
            )
        )
    if report.times is not None and len(report.times):
        slow = report.times.loc[report.times["p50"].idxmax()]
        out.append(t("fun.find.time", lang, stage=slow["stage"], p50=f"{slow['p50']:.0f}", p90=f"{slow['p90']:.0f}"))
    if len(report.stuck):
        by_rep = report.stuck.groupby("rep_id").size().sort_values(ascending=False)  # reps only: no owner is no rep
        owner_less = int(report.stuck["rep_id"].isna().sum()) if "rep_id" in report.stuck else 0
        named_rep = not by_rep.empty
        if not named_rep:
            by_rep = pd.Series({t("unassigned", lang): owner_less})
        amount = report.stuck["amount"].sum()
        out.append(
            t(
                "fun.find.stuck" if report.has_history else "fun.find.stuck_no_history",
                lang,
                n=fmt_int(len(report.stuck)),
                amount=fmt_money(amount, currency)
                if amount == amount and amount > 0
                else t("fun.amount_unknown", lang),
                rep=str(by_rep.index[0]),
                rep_n=int(by_rep.iloc[0]),
                q=f"p{int(report.options.stuck_quantile * 100)}",
            )
            + (t("fun.find.stuck_unassigned", lang, n=fmt_int(owner_less)) if owner_less and named_rep else "")
        )
    if not report.has_history:
        out.append(t("fun.find.no_history", lang))
    elif report.moves is not None:
        moves = report.moves.set_index("move")["deals"]
        out.append(
            t(
                "fun.find.moves",
                lang,
                skip=fmt_int(moves["skip"]),
                backward=fmt_int(moves["backward"]),
                reopen=fmt_int(moves["reopen"]),
                late=fmt_int(moves["late_entry"]),
            )
        )
    return out[:5]


def no_deals_fields(report) -> dict[str, str]:
    """Fields of the sentence saying the funnel's window holds no deal: the window and the data's span."""
    first, last = report.first_created, report.last_created
    return dict(
        window=report.window.label,
        first=f"{first:%Y-%m-%d}" if first else "–",
        last=f"{last:%Y-%m-%d}" if last else "–",
    )


def to_close_note(report) -> dict[str, str] | None:
    """Fields of the note on deals time to close leaves out (lost without close date, closed without created
    date), or None when it leaves none out."""
    gaps = report.date_gaps
    if not gaps.get("lost_undated") and not gaps.get("closed_no_created"):
        return None
    return dict(lost=fmt_int(gaps.get("lost_undated", 0)), created=fmt_int(gaps.get("closed_no_created", 0)))


def headline_bottleneck(report) -> pd.Series | None:
    """The bottleneck the first finding states: the claimable row (:func:`_claimable`) with the largest
    gain; when that is an all-teams step and a team significantly below the others at the same step is
    claimable too, that team (the shortfall is concentrated there)."""
    top = report.bottlenecks.dropna(subset=["gain_per_period"])
    top = top[[_claimable(report, row) for _, row in top.iterrows()]] if len(top) else top
    if top.empty:
        return None
    best = top.iloc[0]
    teams = top[(top["stage"] == best["stage"]) & (top["group"] != "all")]
    return teams.iloc[0] if best["group"] == "all" and len(teams) else best


def _claimable(report, row) -> bool:
    """A bottleneck is claimed for all teams only when the gap to the benchmark is larger than the
    step conversion's own 95 % margin, and for one team only when its conversion at that step is
    significantly lower than the other teams' (Holm) — otherwise a team's figures would be shown
    under an all-teams sentence, or chance spread would be called a bottleneck."""
    if not row["gain_per_period"] > 0:
        return False
    if row["group"] == "all":
        margin = (row["conversion_high"] - row["conversion_low"]) / 2
        return bool(row["gap"] > margin)
    return _supported(report, row)


def _supported(report, row) -> bool:
    """Name a team only when its conversion at that step differs significantly from the rest."""
    if row["group"] == "all" or "team" not in report.tests:
        return False
    tests = report.tests["team"]
    hit = tests[(tests["team"] == row["group"]) & (tests["stage"] == row["stage"])]
    return bool(len(hit) and hit["significant"].iloc[0] and hit["direction"].iloc[0] == "lower")


def funnel_view(funnel: pd.DataFrame) -> pd.DataFrame:
    eventual = funnel["eventual"] if "eventual" in funnel else pd.Series(float("nan"), index=funnel.index)
    view = pd.DataFrame(
        {
            "stage": funnel["stage"],
            "reached": funnel["reached"],
            "resolved": funnel["resolved"],
            "open_here": funnel["open_here"],
            "next_step_ci": [
                _ci(v, lo, hi)
                for v, lo, hi in zip(funnel["next_step"], funnel["next_low"], funnel["next_high"], strict=True)
            ],
            "eventual_ci": [
                _ci(v, lo, hi)
                for v, lo, hi in zip(
                    eventual, funnel.get("eventual_low", eventual), funnel.get("eventual_high", eventual), strict=True
                )
            ],
            "horizon_days": funnel.get("horizon_days", eventual),
            "cumulative_ci": [
                _ci(v, lo, hi)
                for v, lo, hi in zip(funnel["cumulative"], funnel["cum_low"], funnel["cum_high"], strict=True)
            ],
            "lost_here": funnel["lost_here"],
            "drop_amount": funnel["drop_amount"].round(0),
        }
    )
    return view


def bottleneck_view(frame: pd.DataFrame, lang: Language) -> pd.DataFrame:
    view = frame.head(10).copy()
    view["group"] = view["group"].replace({"all": t("fun.all_teams", lang)})
    view["step"] = view["stage"] + " → " + view["next_stage"]
    view["conversion_basis"] = [t(f"fun.basis.{b}", lang) for b in view["basis"]]
    view["gain_per_period"] = view["gain_per_period"].round(0)
    view["deal_size"] = view["deal_size"].round(0)
    return view[
        [
            "group",
            "step",
            "reached",
            "resolved",
            "open",
            "conversion",
            "conversion_basis",
            "benchmark",
            "gap",
            "downstream_win_rate",
            "deal_size",
            "gain_per_period",
        ]
    ]


def tests_view(tests: pd.DataFrame, by: str, lang: Language = "en") -> pd.DataFrame:
    shown = tests[tests["significant"]].copy()
    shown["p_adjusted"] = [("<0.001" if p < 0.001 else f"{p:.3f}") for p in shown["p_adjusted"]]
    shown["conversion_basis"] = [t(f"fun.basis.{b}", lang) for b in shown["basis"]]
    columns = [by, "stage", "resolved", "open", "conversion", "rest", "conversion_basis", "p_adjusted", "direction"]
    return shown[columns].rename(columns={by: "group"})


def stuck_view(stuck: pd.DataFrame) -> pd.DataFrame:
    """The stuck deals as listed; a deal without an owner shows the Unassigned label as its rep."""
    if "rep_id" in stuck:
        stuck = stuck.assign(rep_id=stuck["rep_id"].fillna(schema.UNASSIGNED))
    columns = [
        c
        for c in (
            "rep_id",
            "name",
            "deal_id",
            "account_id",
            "current_stage",
            "in_stage_since",
            "days_in_stage",
            "threshold",
            "amount",
            "expected_close_at",
        )
        if c in stuck
    ]
    return stuck[columns]


# --- notes and skipped sections of the report's sections ----------------------------------------------------------------


def _day(value) -> str:
    return f"{value:%Y-%m-%d}"


def skip_reason(report, section: str) -> Note | None:
    """Why a section of the report is left out (label key, fields), or None when it is shown.

    ``section`` is one of deals (the sections that need deals in the window), time, cohorts.
    """
    if section == "deals":
        return None if report.has_deals else ("fun.skip.no_deals", no_deals_fields(report))
    if section == "time":
        return ("fun.skip.time", {}) if report.times is None else None
    if section == "cohorts":
        fields = dict(months=report.options.cohort_months, end=_day(report.window.end))
        return ("fun.skip.no_cohorts", fields) if report.cohorts.empty else None
    raise ValueError(f"no section {section!r} in the funnel report")


def funnel_notes(report, params, lang: Language) -> list[Note]:
    """The notes above the funnel: mode, window and skip policy; without stage history, what is assumed."""
    out = [
        (
            "fun.funnel_note",
            dict(
                mode=t(f"fun.mode.{report.mode}", lang),
                window=report.window.label,
                policy=t(f"fun.policy.{params.stages.skipped}", lang),
            ),
        )
    ]
    if not report.has_history:
        lost = report.options.lost_stage_without_history or params.stages.order[0]
        out.append(("fun.no_history_note", dict(lost=lost, undated=f"{report.undated:,}")))
    return out


def bottlenecks_note_fields(report, params, lang: Language) -> dict[str, object]:
    """Fields of the bottleneck note: the benchmark's minimum deals, the target conversion, the gain's scale."""
    return dict(
        min=report.options.min_deals,
        target=t("fun.target_note", lang) if report.options.target_conversion else "",
        period=params.period.label,
        span=f"{report.span_months:.1f}",
    )


def compared_groups(report, lang: Language) -> list[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """The groups compared stage by stage (those with a next-step conversion): (group, frame, tests shown)."""
    return [
        (group, frame, tests_view(report.tests[group], group, lang))
        for group, frame in report.by_group.items()
        if not frame["next_step"].isna().all()
    ]


def to_close_notes(report) -> list[Note]:
    """The note on the deals time to close leaves out (:func:`to_close_note`), if it leaves any out."""
    fields = to_close_note(report)
    return [("fun.to_close_undated", fields)] if fields else []


def stuck_notes(report) -> list[Note]:
    """The notes above the stuck deals: the rule, and without stage history what time is counted from."""
    q = f"p{report.options.stuck_quantile * 100:.0f}"
    out = [("fun.stuck_note", dict(as_of=_day(report.as_of), q=q))]
    if not report.has_history:
        out.append(("fun.stuck_no_history", dict(q=q)))
    return out


def velocity_view(velocity: pd.DataFrame) -> pd.DataFrame:
    """The velocity table's rows: the last month's."""
    return velocity[velocity["month_end"] == velocity["month_end"].max()]


def definitions_fields(report) -> dict[str, str]:
    """Fields of the definitions: the day the report counts open deals and ages to."""
    return dict(as_of=_day(report.as_of))
