"""Words and display frames for report 04 (everything comes from a CaseStudy)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesnb.labels import Language, fmt_money, fmt_pct, t


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
    return tuple("–" if v != v else convert(v) for v in (row["estimate"], row["low"], row["high"]))


def _p(p: float) -> str:
    return "–" if p != p else ("< 0.001" if p < 0.001 else f"{p:.3f}")


def conclusion(row, lang: Language, currency: str, *, has_control: bool) -> str:
    estimate, low, high = fmt_effect(row, currency)
    kpi = t(f"cs.kpi.{row['kpi']}", lang)
    if row["method"] == "did_rates":
        return t("cs.sentence.attrition", lang, kpi=kpi, estimate=estimate)
    key = {"increase": "cs.sentence.up", "decrease": "cs.sentence.down"}.get(row["verdict"], "cs.sentence.unclear")
    mde = fmt_effect(
        {"scale": row["scale"], "kpi": row["kpi"], "estimate": row["mde"], "low": np.nan, "high": np.nan}, currency
    )[0]
    if key != "cs.sentence.unclear":
        estimate = estimate.lstrip("+-")  # "rose by" / "fell by" carry the sign
    return t(
        key,
        lang,
        kpi=kpi,
        estimate=estimate,
        low=low,
        high=high,
        p=_p(row["p"]),
        perm=_p(row["permutation_p"]),
        mde=mde.lstrip("+"),
        versus=t("cs.versus_control" if has_control else "cs.versus_trend", lang),
    )


def findings(study, lang: Language, currency: str) -> list[str]:
    if study.design is None:
        return [t("cs.not_defined", lang)]
    out = []
    d = study.design
    out.append(
        t(
            "cs.find.design",
            lang,
            name=d.name,
            date=f"{d.date:%Y-%m-%d}",
            treated=len(d.treated_reps),
            control=len(d.control_reps),
            before=f"{d.before.start:%Y-%m}–{d.before.end:%Y-%m}",
            after=f"{d.after.start:%Y-%m}–{d.after.end:%Y-%m}",
        )
        + (t("cs.find.without_deals", lang, n=d.without_deals) if d.without_deals else "")
    )
    for row in study.effects.to_dict("records"):
        if row["method"] != "did_rates":
            out.append(conclusion(row, lang, currency, has_control=d.has_control))
    for code in study.caveats:
        if code in ("pre_trend", "regression_to_mean", "no_control"):
            out.append(
                t(
                    f"cs.caveat.{code}",
                    lang,
                    kpis=", ".join(t(f"cs.kpi.{k}", lang) for k, p in study.pre_trend_p.items() if p < 0.05),
                )
            )
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


def effects_view(effects: pd.DataFrame, currency: str) -> pd.DataFrame:
    rows = []
    for r in effects.to_dict("records"):
        estimate, low, high = fmt_effect(r, currency)
        mde = fmt_effect({**r, "estimate": r["mde"], "low": np.nan, "high": np.nan}, currency)[0]
        rows.append(
            {
                "kpi": r["kpi"],
                "method_name": r["method"],
                "estimate": estimate,
                "ci": f"{low} … {high}" if low != "–" else "–",
                "p_value": _p(r["p"]),
                "permutation": _p(r["permutation_p"]),
                "mde": mde.lstrip("+"),
                "verdict": r["verdict"],
            }
        )
    return pd.DataFrame(rows)
