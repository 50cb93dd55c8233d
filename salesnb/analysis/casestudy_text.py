"""Words and display frames for report 04 (everything comes from a CaseStudy)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesnb.labels import Language, fmt_money, fmt_pct, t

Note = tuple[str, dict[str, object]]  # a label key and the fields its text fills


def fmt_kpi(kpi: str, value: float, currency: str) -> str:
    if value != value:
        return "–"
    if kpi in ("win_rate", "attrition"):
        return fmt_pct(value)
    if kpi == "deal_size":
        return fmt_money(value, currency)
    return f"{value:,.1f}"


def fmt_effect(row, currency: str) -> tuple[str, str, str]:
    """Estimate and interval in the KPI's own unit: pp for rates, % for log-scale KPIs."""
    if row["scale"] == "log":
        convert = lambda v: f"{(np.exp(v) - 1) * 100:+.1f}%"  # noqa: E731
    elif row["kpi"] in ("win_rate", "attrition"):
        convert = lambda v: f"{v * 100:+.1f} pp"  # noqa: E731
    else:
        convert = lambda v: f"{v:+,.1f}"  # noqa: E731
    return tuple(
        "–" if v != v or not np.isfinite(v) else convert(v) for v in (row["estimate"], row["low"], row["high"])
    )


def _p(p: float) -> str:
    return "–" if p != p else ("< 0.001" if p < 0.001 else f"{p:.3f}")


def _value(row, key: str, default=np.nan):
    value = row.get(key, default)
    return default if value is None or (isinstance(value, float) and value != value) else value


def basis(row, lang: Language) -> str:
    """How the p-value and interval were obtained, in words (the assignment level they count)."""
    inference = _value(row, "inference", "")
    if inference == "ar1_bootstrap":
        return t("cs.basis.ar1_bootstrap", lang, months=int(_value(row, "units", 0)))
    if not inference:
        return ""
    unit = _value(row, "unit", "rep")
    return t(
        f"cs.basis.{inference}",
        lang,
        assignments=f"{int(_value(row, 'assignments', 0)):,}",
        draws=f"{int(_value(row, 'draws', 0)):,}",
        treated=int(_value(row, "treated_units", 0)),
        units=int(_value(row, "units", 0)),
        unit_plural=t(f"cs.unit.{unit}", lang),
        unit_one=t(f"cs.unit_one.{unit}", lang),
    )


def conclusion(row, lang: Language, currency: str, *, has_control: bool, alpha: float = 0.05) -> str:
    estimate, low, high = fmt_effect(row, currency)
    kpi = t(f"cs.kpi.{row['kpi']}", lang)
    if row["method"] == "did_rates":
        return t("cs.sentence.attrition", lang, kpi=kpi, estimate=estimate)
    unit = _value(row, "unit", "rep")
    fields = {
        "kpi": kpi,
        "estimate": estimate,
        "low": low,
        "high": high,
        "p": _p(row["p"]),
        "basis": basis(row, lang),
        "alpha": f"{alpha:g}",
        "min_p": _value(row, "min_p_text", ""),
        "units": t("cs.units_n", lang, n=int(_value(row, "units", 0)), unit_plural=t(f"cs.unit.{unit}", lang)),
        "unit_plural": t(f"cs.unit.{unit}", lang),
        "versus": t("cs.versus_control" if has_control else "cs.versus_trend", lang),
    }
    if row["method"] == "its" and not bool(_value(row, "testable", True)):
        return t("cs.sentence.its_no_test", lang, **fields, pre=int(_value(row, "pre_months", 0)))
    if not bool(_value(row, "testable", True)):
        return t("cs.sentence.no_test", lang, **fields)
    key = {"increase": "cs.sentence.up", "decrease": "cs.sentence.down"}.get(row["verdict"])
    if key:
        fields["estimate"] = estimate.lstrip("+-")  # "rose by" / "fell by" carry the sign
        return t(key, lang, **fields)
    mde = row.get("mde", np.nan)
    if mde != mde or not np.isfinite(mde) or mde <= 0:
        return t("cs.sentence.unclear_no_mde", lang, **fields)
    shown = fmt_effect(
        {"scale": row["scale"], "kpi": row["kpi"], "estimate": mde, "low": np.nan, "high": np.nan}, currency
    )
    return t("cs.sentence.unclear", lang, **fields, mde=shown[0].lstrip("+"))


def caveat_fields(study, lang: Language) -> dict:
    """Fields every caveat label may use (each label takes the ones it names)."""
    d = study.design
    did_rows = [r for r in study.effects.to_dict("records") if r.get("method") == "did"] if len(study.effects) else []
    untestable = next((r for r in did_rows if not r.get("testable", True)), did_rows[0] if did_rows else {})
    unit = d.unit if d is not None else "rep"
    first = study.first_dates.get("closed") or study.first_dates.get("created")
    return {
        "kpis": ", ".join(t(f"cs.kpi.{k}", lang) for k in study.pre_trend_flagged),
        "alpha": f"{study.design_alpha:g}",
        "unit_plural": t(f"cs.unit.{unit}", lang),
        "units": int(_value(untestable, "units", len(d.treated_units) + len(d.control_units) if d else 0)),
        "treated": int(_value(untestable, "treated_units", len(d.treated_units) if d else 0)),
        "assignments": f"{int(_value(untestable, 'assignments', 0)):,}",
        "min_p": _value(untestable, "min_p_text", ""),
        "first": f"{first:%Y-%m-%d}" if first else "",
        "start": f"{d.before.start:%Y-%m-%d}" if d else "",
    }


def pre_trend_note(study, lang: Language) -> str:
    """One line per KPI: the pre-trend p, or why the test cannot reach alpha with this design."""
    parts = []
    for kpi, r in study.pre_trend.items():
        name = t(f"cs.kpi.{kpi}", lang)
        if r["p"] != r["p"]:
            parts.append(f"{name}: –")
        elif not r.get("testable", True):
            parts.append(t("cs.pre_trend_untestable", lang, kpi=name, p=_p(r["p"]), min_p=r["min_p_text"]))
        else:
            parts.append(f"{name} p = {_p(r['p'])}")
    return "; ".join(parts)


def findings(study, lang: Language, currency: str) -> list[str]:
    if study.design is None:
        return [t("cs.not_defined", lang)]
    out = []
    d = study.design
    assignment = (
        t("cs.assigned.team", lang, treated=len(d.treated_units), units=len(d.treated_units) + len(d.control_units))
        if d.unit == "team"
        else t("cs.assigned.rep", lang)
    )
    out.append(
        t(
            "cs.find.design",
            lang,
            name=d.name,
            date=f"{d.date:%Y-%m-%d}",
            treated=len(d.treated_reps),
            control=len(d.control_reps),
            assignment=assignment,
            before=f"{d.before.start:%Y-%m}–{d.before.end:%Y-%m}",
            after=f"{d.after.start:%Y-%m}–{d.after.end:%Y-%m}",
        )
        + (t("cs.find.without_deals", lang, n=d.without_deals) if d.without_deals else "")
    )
    for row in study.effects.to_dict("records"):
        if row["method"] != "did_rates":
            out.append(conclusion(row, lang, currency, has_control=d.has_control, alpha=study.design_alpha))
    fields = caveat_fields(study, lang)
    for code in study.caveats:
        if code in ("design_cannot_test", "pre_trend", "regression_to_mean", "no_control"):
            out.append(t(f"cs.caveat.{code}", lang, **fields))
            break
    return out[:6]


def before_after_view(table: pd.DataFrame, currency: str) -> pd.DataFrame:
    rows = []
    for r in table.to_dict("records"):
        proportion = r["kpi"] in ("win_rate", "attrition")
        change = f"{r['change'] * 100:+.1f} pp" if proportion else f"{r['change']:+,.1f}"
        ci = (
            "–"
            if r.get("low") != r.get("low")
            else (
                f"{r['low'] * 100:+.1f} … {r['high'] * 100:+.1f} pp"
                if proportion
                else f"{r['low']:+,.1f} … {r['high']:+,.1f}"
            )
        )
        rows.append(
            {
                "kpi": r["kpi"],
                "group_name": r["group"],
                "before": fmt_kpi(r["kpi"], r["before"], currency),
                "after": fmt_kpi(r["kpi"], r["after"], currency),
                "change": change,
                "relative": r.get("relative"),
                "ci": ci,
                "p_value": _p(r["p"]),
                "test_name": r.get("test"),
                "n_before": r.get("n_before"),
                "n_after": r.get("n_after"),
            }
        )
    view = pd.DataFrame(rows)
    for column in ("n_before", "n_after"):
        view[column] = view[column].round(0).astype("Int64")
    return view


def effects_view(effects: pd.DataFrame, currency: str, lang: Language = "en") -> pd.DataFrame:
    rows = []
    for r in effects.to_dict("records"):
        estimate, low, high = fmt_effect(r, currency)
        if r["method"] == "did_rates":
            ci = "–"
        elif low == "–" and high == "–" and r.get("low") == r.get("low"):
            ci = t("cs.unbounded", lang)
        else:
            ci = f"{low} … {high}"
        mde = fmt_effect({**r, "estimate": r["mde"], "low": np.nan, "high": np.nan}, currency)[0]
        rows.append(
            {
                "kpi": r["kpi"],
                "method_name": r["method"],
                "estimate": estimate,
                "ci": ci,
                "p_value": _p(r["p"]),
                "permutation": _p(r["permutation_p"]),
                "mde": mde.lstrip("+"),
                "verdict": r["verdict"],
                "note": basis(r, lang)
                + (
                    t("cs.smallest_p", lang, min_p=r["min_p_text"])
                    if r.get("inference") in ("exact_ri",) and r.get("min_p_text")
                    else ""
                ),
            }
        )
    return pd.DataFrame(rows)


# --- notes, skipped sections and chart arguments of the report's sections ----------------------------------------------


def _kpi_name(kpi: str, lang: Language) -> str:
    return t(f"cs.kpi.{kpi}", lang)


def skip_reason(study, section: str) -> Note | None:
    """Why a section of the report is left out (label key, fields), or None when it is shown.

    ``section`` is one of design, effects, before_after.
    """
    if section == "design":
        return ("cs.not_defined", {}) if study.design is None else None
    empty = {"effects": study.effects, "before_after": study.table}[section].empty
    return ("cs.skip.no_estimate", {}) if empty else None


def missing_skip(study, lang: Language) -> Note | None:
    """The KPIs left out for lack of data, as a skipped-section line, or None when none is."""
    if not study.missing:
        return None
    return "cs.missing", dict(kpis=", ".join(_kpi_name(k, lang) for k in study.missing))


def design_note_fields(study, options, lang: Language) -> dict[str, object]:
    """Fields of the design note: who was treated and who is the control, the two windows, the washout."""
    d = study.design
    control = ", ".join(options.control_teams) if options.control_teams else f"{len(d.control_reps)} reps"
    return dict(
        treated=", ".join(options.treated_teams + options.treated_reps),
        control=control,
        before_start=d.before.start,
        before_end=d.before.end,
        after_start=d.after.start,
        after_end=d.after.end,
        washout=t("cs.washout", lang, days=options.washout_days) if options.washout_days else "",
    )


def effects_notes(study, options, lang: Language) -> list[Note]:
    """The note above the effects: difference-in-differences with a control group, else interrupted time series."""
    d = study.design
    key = "cs.effects_note_did" if d.has_control else "cs.effects_note_its"
    return [(key, dict(unit_plural=t(f"cs.unit.{d.unit}", lang), power=f"{options.power:.0%}"))]


def event_notes(study, lang: Language) -> list[Note]:
    """The notes above the event-study charts: the pre-trend tests, and why no interval is drawn if none is."""
    d = study.design
    unit_plural = t(f"cs.unit.{d.unit}", lang)
    out = [("cs.event_note", dict(unit_plural=unit_plural, tests=pre_trend_note(study, lang)))]
    if any(events["low"].isna().any() for events in study.events.values()):
        units = len(d.treated_units) + len(d.control_units)
        out.append(("cs.event_no_intervals", dict(units=units, unit_plural=unit_plural)))
    return out


def event_charts(study, lang: Language) -> list[tuple[pd.DataFrame, dict[str, object]]]:
    """Each KPI's event study with the arguments of :func:`salesnb.render.plots.event_study_chart` (but ``lang``)."""
    return [(events, dict(kpi_label=_kpi_name(kpi, lang))) for kpi, events in study.events.items()]


def over_time_charts(study, lang: Language) -> list[tuple[pd.DataFrame, dict[str, object]]]:
    """Each KPI's monthly series with the arguments of :func:`salesnb.render.plots.kpi_over_time` (but ``lang``)."""
    return [
        (monthly, dict(date=study.design.date, kpi_label=_kpi_name(kpi, lang), percent=kpi == "win_rate"))
        for kpi, monthly in study.monthly.items()
    ]


def caveat_notes(study, lang: Language) -> list[Note]:
    """One note per caveat the study raised, in order."""
    fields = caveat_fields(study, lang)
    return [(f"cs.caveat.{code}", fields) for code in study.caveats]
