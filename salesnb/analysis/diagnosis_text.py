"""Words and display frames for report 01 (no new numbers: everything comes from a Diagnosis).

Findings, the notes above and under the tables (as label key and fields, for ``Report.notes``), why a
section is left out (for ``Report.skip``), the frames the tables show and the charts' arguments.
"""

from __future__ import annotations

import pandas as pd

from salesnb import schema
from salesnb.analysis import metrics
from salesnb.analysis.metrics import Window
from salesnb.labels import Language, fmt_int, fmt_money, fmt_pct, t

Note = tuple[str, dict[str, str]]  # a label key and the fields its text fills

# The sections said to be left out under the KPI table when their table is missing (Diagnosis.missing);
# costs (customer acquisition cost) is said under customer health.
KPI_MISSING = ("activities", "csat", "attainment")
# The types salesnb.analysis.diagnosis.archetypes sorts reps into, in the order the table lists them.
ARCHETYPES = ("productive", "busy_not_closing", "efficient_closer", "under_active", "too_few_deals")


# --- findings -----------------------------------------------------------------------------------------


def findings(d, lang: Language, currency: str) -> list[str]:
    """At most five plain-language findings (:meth:`Diagnosis.findings`), most important first."""
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


def _no_data_finding(d, lang: Language) -> str:
    """Why the period has no figures: no deal has closed yet, or the period lies outside the data."""
    period = d.windows["current"].label
    spans = d.spans.set_index("basis") if d.spans is not None else None
    if spans is None or pd.isna(spans.loc["closed", "first"]):
        return t("diag.find.none_closed", lang, period=period)
    first = spans.loc[["closed", "created"], "first"].min()
    last = spans.loc["closed", "last"]
    return t("diag.find.no_data", lang, period=period, first=f"{first:%Y-%m-%d}", last=f"{last:%Y-%m-%d}")


def _not_compared(d, lang: Language, window: str, basis: str = "closed") -> str:
    """Why a window is not compared on a basis ("2016-Q4 covered 0% (closed dates start 2017-03-01)")."""
    if d.coverage is None:
        return ""
    rows = d.coverage[(d.coverage["basis"] == basis) & d.coverage["window"].isin([window, "current"])]
    return t("semicolon", lang).join(coverage_reasons(rows, lang))


def _revenue_finding(d, lang: Language, currency: str) -> str:
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


def _win_rate_finding(d, lang: Language) -> str:
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
    driver = d.win_rate_driver()
    if driver:
        before, after = fmt_pct(driver["before"]), fmt_pct(driver["after"])
        sentence += t("diag.find.win_rate_driver", lang, team=driver["team"], before=before, after=after)
    now, before = d.closed.get("current", 0), d.closed.get("previous", 0)
    if d.closed and min(now, before) < d.scorecard.min_closed:
        # the change of a rate on a few deals is mostly chance: said beside it, not left out
        sentence += t("diag.find.win_rate_few", lang, now=fmt_int(now), before=fmt_int(before))
    return sentence + t("diag.find.end", lang)


def _rep_finding(d, lang: Language) -> str:
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


# --- notes and why a section is left out ---------------------------------------------------------------


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


def kpis_note_fields(d) -> dict[str, str]:
    """Fields of the note above the KPI table: the three windows compared."""
    w = d.windows
    return dict(current=w["current"].label, previous=w["previous"].label, last_year=w["last_year"].label)


def pipeline_note(d) -> Note | None:
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
    return ("diag.pipeline_won_value" if d.pipeline_is_won_value else "diag.pipeline_gaps"), fields


def kpi_notes(d, lang: Language) -> list[Note]:
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
        key = "diag.undated_many" if d.many_undated else "diag.undated"
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


def archetype_rule_fields(d) -> dict[str, str]:
    """Fields of the note stating where the activity/conversion quadrant is split (the team medians)."""
    return dict(activities=f"{d.archetype_cut['activities']:.0f}", win_rate=f"{d.archetype_cut['win_rate']:.0%}")


def breakdown_skip(d) -> Note:
    """Why no breakdown by segment, product, region or lead source is shown (label key, fields)."""
    if not d.dimensions:
        return "diag.skip.breakdowns", {}
    return "diag.skip.breakdowns_empty", {"period": d.windows["current"].label}


def archetype_skip_reason(d) -> str:
    """The label key saying why reps are not sorted into activity/conversion types."""
    if "activities" in d.missing:
        return "diag.skip.activities"
    if d.scorecard.tested < 2:
        return "diag.skip.archetypes_few"
    return "diag.skip.archetypes_alike"


def skip_reason(d, section: str) -> Note | None:
    """Why a section of the report is left out (label key, fields), or None when it is shown.

    ``section`` is one of trend, winrate_chart, strengths, archetypes, breakdowns, concentration,
    customers, attrition.
    """
    period = d.windows["current"].label
    if section == "trend":
        return ("diag.skip.no_closed", {}) if d.trend.empty else None
    if section == "winrate_chart":
        if (d.scorecard.with_unassigned["closed"] > 0).any():
            return None
        return "diag.skip.no_closed_window", {"window": d.card_window.label}
    if section == "strengths":
        return ("diag.skip.strengths", {}) if d.strength_words.empty else None
    if section == "archetypes":
        return (archetype_skip_reason(d), {}) if d.archetypes is None else None
    if section == "breakdowns":
        return breakdown_skip(d) if not d.breakdowns else None
    if section == "concentration":
        if d.concentration.empty:
            return "diag.skip.customers", {}
        return ("diag.skip.no_won", {"period": period}) if d.accounts.empty else None
    if section == "customers":
        if d.customers.empty:
            return "diag.skip.customers", {}
        return ("diag.skip.no_period_data", {"period": period}) if not d.has_period_data else None
    if section == "attrition":
        return ("diag.skip.attrition", {}) if d.attrition is None else None
    raise ValueError(f"no section {section!r} in the diagnosis")


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


def scorecard_notes(sc, window: Window) -> list[Note]:
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


def win_rate_chart(d) -> dict[str, object]:
    """Arguments of :func:`salesnb.render.plots.win_rate_intervals` (but ``lang``): the reps, the team's
    prior mean, whether win rate is ranked, the deals without an owner."""
    sc = d.scorecard
    return dict(card=sc.summary, prior_mean=sc.prior.mean, ranked=sc.ranks_win_rate, unassigned=sc.unassigned)


def archetype_chart(d) -> dict[str, object]:
    """Arguments of :func:`salesnb.render.plots.activity_quadrant` (but ``names`` and ``lang``)."""
    return dict(kinds=d.archetypes, cut=d.archetype_cut)


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
