"""Drawing: the house style, the bundled CJK font, and one function per chart.

Plots take a result and an optional ``ax`` and return the ``Axes``; they never compute
metrics, they draw what a result's ``.summary`` already holds.
"""

from __future__ import annotations

from functools import cache

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import cycler, font_manager
from matplotlib.colors import to_rgb

from salesnb import schema
from salesnb.labels import Language, t
from salesnb.render.fonts import CJK_FONT_FAMILY, cjk_font_path

# Noto Sans CJK SC (SIL Open Font License) as shipped by the mplfonts package; its
# SimHei file is not freely licensed and is never used.
PALETTE = ["#1f5f8b", "#e07b39", "#5b9a68", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]
STATUS_COLORS = {"won": "#5b9a68", "lost": "#c44e52", "open": "#1f5f8b"}

FONT_SCALE = 0.95
# What ``sns.set_theme(style="whitegrid", palette=PALETTE, font=CJK_FONT_FAMILY, font_scale=FONT_SCALE)``
# changes in matplotlib's defaults, written out so a report does not import seaborn only to style
# its charts (with scipy.stats, 0.8 s of CPU in a kernel that needs neither). Left out:
# "image.cmap" = "rocket", a colormap that exists only once seaborn is imported; every chart here
# names its colormap. tests/test_plots.py checks this against seaborn so it cannot drift.
SEABORN_THEME_RC = {
    "axes.axisbelow": True,
    "axes.edgecolor": ".8",
    "axes.grid": True,
    "axes.labelcolor": ".15",
    "axes.labelsize": 12 * FONT_SCALE,
    "axes.linewidth": 1.25,
    "axes.prop_cycle": cycler(color=[to_rgb(c) for c in PALETTE]),
    "axes.titlesize": 12 * FONT_SCALE,
    "font.family": [CJK_FONT_FAMILY],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 12 * FONT_SCALE,
    "grid.color": ".8",
    "grid.linewidth": 1.0,
    "legend.fontsize": 11 * FONT_SCALE,
    "legend.title_fontsize": 12 * FONT_SCALE,
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "text.color": ".15",
    "xtick.bottom": False,
    "xtick.color": ".15",
    "xtick.labelsize": 11 * FONT_SCALE,
    "xtick.major.size": 6.0,
    "xtick.major.width": 1.25,
    "xtick.minor.size": 4.0,
    "xtick.minor.width": 1.0,
    "ytick.color": ".15",
    "ytick.labelsize": 11 * FONT_SCALE,
    "ytick.left": False,
    "ytick.major.size": 6.0,
    "ytick.major.width": 1.25,
    "ytick.minor.size": 4.0,
    "ytick.minor.width": 1.0,
}


@cache
def _register_font() -> str:
    font_manager.fontManager.addfont(str(cjk_font_path()))
    return CJK_FONT_FAMILY


def use_house_style() -> None:
    """Apply the report style: seaborn's whitegrid theme, our palette, CJK-capable font, crisp PNGs."""
    import logging

    # A missing bold face falls back to regular; matplotlib's note about it is not for the reader.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    family = _register_font()
    plt.rcParams.update(SEABORN_THEME_RC)
    plt.rcParams.update(
        {
            "font.sans-serif": [family, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "figure.figsize": (8.0, 3.6),
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "axes.titleweight": "normal",  # the bundled CJK font has one weight
            "axes.titlesize": 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
            # Client text is drawn as written: a rep called "Li $Wei$" or an amount "$5" is not TeX
            # (mathtext would typeset it, or fail on an unbalanced "$").
            "text.parse_math": False,
        }
    )


def group_label(value, lang: Language) -> str:
    """A group value as a chart shows it: the unassigned bucket in the report's language."""
    return t("unassigned", lang) if value == schema.UNASSIGNED else str(value)


def monthly_deals(summary: pd.DataFrame, *, lang: Language, ax=None):
    """Stacked bars of deals created per month by status (from ``DataAudit.monthly``)."""
    ax = ax or plt.figure().subplots()
    labels = {s: t(f"status.{s}", lang) for s in STATUS_COLORS} | {"deals": t("col.deals", lang)}
    wide = summary.pivot_table(index="month", columns="status", values="deals", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=[s for s in ("won", "lost", "open") if s in wide.columns])
    bottom = pd.Series(0, index=wide.index)
    width = 25  # days: bars a little narrower than a month
    for status in wide.columns:
        ax.bar(wide.index, wide[status], bottom=bottom, width=width, color=STATUS_COLORS[status], label=labels[status])
        bottom = bottom + wide[status]
    ax.set_xlabel("")
    ax.set_ylabel(labels["deals"])
    ax.legend(frameon=False, ncols=3, loc="upper left")
    ax.figure.autofmt_xdate()
    return ax


def revenue_trend(summary: pd.DataFrame, *, lang: Language, ax=None):
    """Monthly revenue bars with the rolling average line (from ``Diagnosis.trend``)."""
    ax = ax or plt.figure().subplots()
    ax.bar(summary["month"], summary["revenue"], width=25, color=PALETTE[0], alpha=0.55, label=t("kpi.revenue", lang))
    ax.plot(summary["month"], summary["revenue_rolling"], color=PALETTE[1], linewidth=2.2, label="—")
    ax.set_ylabel(t("kpi.revenue", lang))
    ax.yaxis.set_major_formatter(_compact_number)
    ax.legend([t("kpi.revenue", lang)], frameon=False, loc="upper left")
    ax.figure.autofmt_xdate()
    return ax


def win_rate_trend(summary: pd.DataFrame, *, lang: Language, ax=None):
    """Monthly win rate (points) and its rolling pooled rate (line)."""
    ax = ax or plt.figure().subplots()
    ax.plot(summary["month"], summary["win_rate"], "o", color=PALETTE[0], alpha=0.6, markersize=4)
    ax.plot(summary["month"], summary["win_rate_rolling"], color=PALETTE[1], linewidth=2.2)
    ax.set_ylabel(t("kpi.win_rate", lang))
    ax.yaxis.set_major_formatter(_percent)
    ax.figure.autofmt_xdate()
    return ax


def win_rate_intervals(
    card: pd.DataFrame,
    *,
    lang: Language,
    prior_mean: float,
    ranked: bool = True,
    unassigned: pd.DataFrame | None = None,
    ax=None,
):
    """Each rep's observed win rate with its 95% interval and the shrunk estimate.

    Best first when ``ranked``; otherwise (reps do not differ on win rate) in revenue order, so the
    chart draws no ranking the test does not support. The deals without an owner
    (``Scorecard.unassigned``), when given, are drawn below the reps, in grey, without a shrunk rate.
    """
    rated = card[card["closed"] > 0].sort_values("win_rate_shrunk" if ranked else "revenue")
    if unassigned is not None and (unassigned["closed"] > 0).any():
        rated = pd.concat([unassigned[unassigned["closed"] > 0], rated], ignore_index=True)
    height = max(3.0, 0.24 * len(rated) + 0.8)
    ax = ax or plt.figure(figsize=(8.0, height)).subplots()
    y = range(len(rated))
    colors = [
        PALETTE[7] if small or rep == schema.UNASSIGNED else PALETTE[0]
        for small, rep in zip(rated["small_sample"].fillna(True), rated["rep_id"], strict=True)
    ]
    ax.hlines(y, rated["win_rate_low"], rated["win_rate_high"], colors=colors, linewidth=2, alpha=0.7)
    ax.scatter(rated["win_rate"], y, color=colors, s=18, zorder=3, label=t("kpi.win_rate", lang))
    ax.scatter(
        rated["win_rate_shrunk"], y, marker="|", color=PALETTE[1], s=120, zorder=4, label=t("kpi.win_rate_shrunk", lang)
    )
    ax.axvline(prior_mean, color=PALETTE[7], linestyle="--", linewidth=1)
    labels = [
        str(n) if isinstance(n, str) and n else group_label(r, lang)
        for n, r in zip(rated.get("name", rated["rep_id"]), rated["rep_id"], strict=True)
    ]
    ax.set_yticks(list(y), labels)
    ax.xaxis.set_major_formatter(_percent)
    ax.legend(frameon=False, loc="lower right")
    ax.set_ylabel("")
    return ax


def percentile_heatmap(percentiles: pd.DataFrame, *, names: pd.Series, lang: Language, ax=None):
    """Reps × KPIs, each cell the rep's percentile against the team (100 = best)."""
    import seaborn as sns  # only the charts drawn with seaborn pay for importing it

    grid = percentiles.set_index("rep_id")
    grid.index = [names.get(r, r) for r in grid.index]
    grid.columns = [t(f"kpi.{c}", lang) for c in grid.columns]
    height = max(3.0, 0.26 * len(grid) + 1.2)
    ax = ax or plt.figure(figsize=(8.0, height)).subplots()
    sns.heatmap(
        grid,
        ax=ax,
        cmap="RdYlGn",
        vmin=0,
        vmax=100,
        annot=True,
        fmt=".0f",
        cbar=False,
        linewidths=0.5,
        annot_kws={"fontsize": 7},
    )
    ax.set_xticklabels(ax.get_xticklabels(), rotation=30, ha="right")
    ax.set_ylabel("")
    return ax


ARCHETYPE_COLORS = {
    "productive": "#5b9a68",
    "busy_not_closing": "#c44e52",
    "efficient_closer": "#1f5f8b",
    "under_active": "#e07b39",
    "too_few_deals": "#8c8c8c",
}


def activity_quadrant(kinds: pd.DataFrame, cut: dict[str, float], *, names: pd.Series, lang: Language, ax=None):
    """Activities against shrunk win rate, split at the team medians."""
    ax = ax or plt.figure(figsize=(8.0, 5.0)).subplots()
    for kind, color in ARCHETYPE_COLORS.items():
        part = kinds[kinds["archetype"] == kind]
        if len(part):
            ax.scatter(part["activities"], part["win_rate_shrunk"], color=color, s=36, label=t(f"arch.{kind}", lang))
    for row in kinds.itertuples():
        ax.annotate(
            str(names.get(row.rep_id, row.rep_id)),
            (row.activities, row.win_rate_shrunk),
            fontsize=6.5,
            xytext=(3, 2),
            textcoords="offset points",
            color="#44586a",
        )
    ax.axvline(cut["activities"], color=PALETTE[7], linestyle="--", linewidth=1)
    ax.axhline(cut["win_rate"], color=PALETTE[7], linestyle="--", linewidth=1)
    ax.set_xlabel(t("kpi.activities", lang))
    ax.set_ylabel(t("kpi.win_rate_shrunk", lang))
    ax.yaxis.set_major_formatter(_percent)
    ax.legend(frameon=False, fontsize=8, loc="best")
    return ax


def breakdown_bars(frame: pd.DataFrame, key: str, *, lang: Language, ax=None):
    """Revenue per group (bars) with each group's win rate written beside its bar."""
    bars = frame.sort_values("revenue")
    ax = ax or plt.figure(figsize=(8.0, max(2.2, 0.35 * len(bars) + 0.8))).subplots()
    ax.barh([group_label(v, lang) for v in bars[key]], bars["revenue"], color=PALETTE[0], alpha=0.8)
    for y, (revenue, rate) in enumerate(zip(bars["revenue"], bars["win_rate"], strict=True)):
        if rate == rate:
            ax.text(revenue, y, f"  {t('kpi.win_rate', lang)} {rate:.0%}", va="center", fontsize=8)
    ax.xaxis.set_major_formatter(_compact_number)
    ax.set_xlabel(t("kpi.revenue", lang))
    ax.margins(x=0.25)
    return ax


def pareto_curve(accounts: pd.DataFrame, *, lang: Language, ax=None):
    """Cumulative share of revenue against the share of accounts, largest accounts first."""
    ax = ax or plt.figure(figsize=(6.0, 3.6)).subplots()
    ordered = accounts.sort_values("revenue", ascending=False)
    share_accounts = (pd.Series(range(1, len(ordered) + 1)) / len(ordered)).to_numpy()
    share_revenue = (ordered["revenue"].cumsum() / ordered["revenue"].sum()).to_numpy()
    ax.plot(share_accounts, share_revenue, color=PALETTE[0], linewidth=2)
    ax.plot([0, 1], [0, 1], color=PALETTE[7], linestyle=":", linewidth=1)
    for cut in (0.1, 0.2):
        ax.axvline(cut, color=PALETTE[1], linestyle="--", linewidth=1)
    ax.xaxis.set_major_formatter(_percent)
    ax.yaxis.set_major_formatter(_percent)
    ax.set_xlabel(t("col.accounts", lang))
    ax.set_ylabel(t("col.revenue_share", lang))
    return ax


def _compact(value: float, _pos=None) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.0f}"


_compact_number = plt.FuncFormatter(_compact)
_percent = plt.FuncFormatter(lambda v, _pos=None: f"{v:.0%}")


def target_history(series: pd.Series, path: pd.DataFrame, *, target: float, months: int, lang: Language, ax=None):
    """Monthly history, the chosen method's forecast for the target months, and the target's monthly average."""
    ax = ax or plt.figure().subplots()
    ax.plot(series.index, series.to_numpy(), color=PALETTE[0], linewidth=1.8)
    ax.plot(path["month"], path["forecast"], color=PALETTE[1], linewidth=2.2, marker="o", markersize=4)
    ax.hlines(
        target / months, path["month"].min(), path["month"].max(), colors=PALETTE[3], linestyles="--", linewidth=1.6
    )
    ax.yaxis.set_major_formatter(_compact_number)
    ax.legend([t("tgt.history", lang), t("col.forecast", lang), t("col.target", lang)], frameon=False, loc="upper left")
    ax.figure.autofmt_xdate()
    return ax


def rep_targets(split: pd.DataFrame, *, lang: Language, ax=None):
    """Each rep's target (bars, coloured by tier when tiers exist)."""
    shown = split.sort_values("target")
    ax = ax or plt.figure(figsize=(8.0, max(3.0, 0.24 * len(shown) + 0.8))).subplots()
    tier_colors = {"A": PALETTE[2], "B": PALETTE[0], "C": PALETTE[1]}
    colors = [tier_colors.get(tier, PALETTE[0]) for tier in shown.get("tier", pd.Series("B", index=shown.index))]
    labels = [
        n if isinstance(n, str) and n else r
        for n, r in zip(shown.get("name", shown["rep_id"]), shown["rep_id"], strict=True)
    ]
    ax.barh(labels, shown["target"], color=colors)
    ax.xaxis.set_major_formatter(_compact_number)
    ax.set_xlabel(t("col.target", lang))
    if "tier" in shown:
        handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in tier_colors.values()]
        ax.legend(handles, [f"{t('col.tier', lang)} {k}" for k in tier_colors], frameon=False, loc="lower right")
    return ax


def phasing_chart(weeks: pd.DataFrame, *, lang: Language, ax=None):
    """Weekly phased target (bars); weeks with holidays show fewer working days."""
    ax = ax or plt.figure().subplots()
    ax.bar(weeks["week_start"], weeks["target"], width=5, color=PALETTE[0], alpha=0.8)
    ax.yaxis.set_major_formatter(_compact_number)
    ax.set_ylabel(t("col.target", lang))
    ax.figure.autofmt_xdate()
    return ax


def commission_curve(curve: pd.DataFrame, *, band_starts: list[float], lang: Language, ax=None):
    """Total commission against team attainment 0–150 %, band boundaries dashed."""
    ax = ax or plt.figure().subplots()
    ax.plot(curve["attainment"], curve["payout"], color=PALETTE[0], linewidth=2.2)
    for start in band_starts[1:]:
        ax.axvline(start, color=PALETTE[7], linestyle="--", linewidth=1)
    ax.xaxis.set_major_formatter(_percent)
    ax.yaxis.set_major_formatter(_compact_number)
    ax.set_xlabel(t("col.attainment", lang))
    ax.set_ylabel(t("col.expected_payout", lang))
    return ax


def pacing_chart(reps: pd.DataFrame, *, threshold: float, lang: Language, ax=None):
    """Each rep's pace (actual / phased target to date), the behind threshold dashed."""
    shown = reps.sort_values("pace")
    ax = ax or plt.figure(figsize=(8.0, max(3.0, 0.24 * len(shown) + 0.8))).subplots()
    colors = [PALETTE[3] if b else PALETTE[2] for b in shown["behind"]]
    ax.barh(shown["rep_id"].astype(str), shown["pace"], color=colors)
    ax.axvline(threshold, color=PALETTE[7], linestyle="--", linewidth=1)
    ax.axvline(1.0, color=PALETTE[7], linestyle=":", linewidth=1)
    ax.xaxis.set_major_formatter(_percent)
    ax.set_xlabel(t("col.pace", lang))
    return ax


def funnel_bars(funnel: pd.DataFrame, *, lang: Language, ax=None):
    """Deals reaching each stage (centred bars), with the next-step conversion between bars."""
    ax = ax or plt.figure(figsize=(8.0, 0.6 * len(funnel) + 1.0)).subplots()
    y = list(range(len(funnel)))[::-1]
    widths = funnel["reached"].to_numpy(dtype=float)
    ax.barh(y, widths, left=-widths / 2, color=PALETTE[0], alpha=0.85)
    for yy, (stage, reached) in zip(y, zip(funnel["stage"], funnel["reached"], strict=True), strict=True):
        ax.text(
            0, yy, f"{stage}  {int(reached):,}", ha="center", va="center", color="white", fontsize=9, fontweight="bold"
        )
    for yy, rate in zip(y[:-1], funnel["next_step"].iloc[:-1], strict=True):
        if rate == rate:
            ax.text(widths.max() / 2 * 1.02, yy - 0.5, f"↓ {rate:.0%}", va="center", fontsize=8.5, color="#44586a")
    ax.set_yticks([])
    ax.set_xticks([])
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    return ax


def stage_time_distribution(durations: pd.DataFrame, *, order: list[str], lang: Language, ax=None):
    """Box plots of days in each stage (first-entry convention), outliers beyond the whiskers hidden."""
    import seaborn as sns  # only the charts drawn with seaborn pay for importing it

    ax = ax or plt.figure().subplots()
    present = [s for s in order if s in set(durations["stage"])]
    sns.boxplot(
        data=durations, x="days", y="stage", order=present, ax=ax, color=PALETTE[0], showfliers=False, width=0.5
    )
    ax.set_xlabel(t("col.days_in_stage", lang))
    ax.set_ylabel("")
    return ax


def conversion_heatmap(frame: pd.DataFrame, by: str, *, names: pd.Series | None = None, lang: Language, ax=None):
    """Groups × steps, each cell the next-step conversion; groups too small to judge are blank-annotated."""
    steps = frame[frame["next_step"].notna()]
    grid = steps.pivot_table(index=by, columns="stage", values="next_step", aggfunc="first")
    order = list(dict.fromkeys(steps["stage"]))
    grid = grid[order]
    grid.index = [group_label(names.get(i, i) if names is not None else i, lang) for i in grid.index]
    ax = ax or plt.figure(figsize=(8.0, max(2.5, 0.26 * len(grid) + 1.2))).subplots()
    _share_heatmap(grid, ax=ax, cmap="RdYlGn")
    ax.set_xlabel("")
    ax.set_ylabel("")
    return ax


def _share_heatmap(grid: pd.DataFrame, *, ax, cmap: str) -> None:
    """Shares 0–100 % in cells, annotated as percentages (conversion and cohort heatmaps)."""
    import seaborn as sns  # only the charts drawn with seaborn pay for importing it

    sns.heatmap(
        grid,
        ax=ax,
        cmap=cmap,
        vmin=0,
        vmax=1,
        annot=True,
        fmt=".0%",
        cbar=False,
        linewidths=0.5,
        annot_kws={"fontsize": 7},
    )


def cohort_heatmap(cohorts: pd.DataFrame, *, stages: list[str], lang: Language, ax=None):
    """Creation months × stages: share of the cohort that reached each stage so far."""
    grid = cohorts.set_index(cohorts["month"].dt.strftime("%Y-%m"))[stages[1:]]
    ax = ax or plt.figure(figsize=(8.0, max(2.5, 0.3 * len(grid) + 1.0))).subplots()
    _share_heatmap(grid, ax=ax, cmap="Blues")
    ax.set_xlabel("")
    ax.set_ylabel(t("col.month", lang))
    return ax


def velocity_trend(velocity: pd.DataFrame, *, lang: Language, ax=None):
    """Sales velocity (revenue per day) at each month end, one line per team."""
    ax = ax or plt.figure().subplots()
    if "team" in velocity:
        for i, (team, part) in enumerate(velocity.groupby("team")):
            ax.plot(
                part["month_end"],
                part["velocity"],
                marker="o",
                markersize=3,
                color=PALETTE[i % len(PALETTE)],
                label=group_label(team, lang),
            )
        ax.legend(frameon=False, fontsize=8, ncols=2)
    else:
        ax.plot(velocity["month_end"], velocity["velocity"], marker="o", markersize=3, color=PALETTE[0])
    ax.yaxis.set_major_formatter(_compact_number)
    ax.set_ylabel(t("col.velocity", lang))
    ax.figure.autofmt_xdate()
    return ax


GROUP_COLORS = {"treated": PALETTE[1], "control": PALETTE[0]}


def kpi_over_time(monthly: pd.DataFrame, *, date, kpi_label: str, percent: bool, lang: Language, ax=None):
    """Monthly KPI for treated and control, the intervention date as a vertical line."""
    ax = ax or plt.figure(figsize=(8.0, 3.0)).subplots()
    for group, color in GROUP_COLORS.items():
        part = monthly[monthly["group"] == group]
        if len(part):
            ax.plot(part["month"], part["y"], marker="o", markersize=3, color=color, label=t(f"group.{group}", lang))
    ax.axvline(pd.Timestamp(date), color=PALETTE[3], linestyle="--", linewidth=1.4)
    ax.set_ylabel(kpi_label)
    if percent:
        ax.yaxis.set_major_formatter(_percent)
    ax.legend(frameon=False, fontsize=8)
    ax.figure.autofmt_xdate()
    return ax


def event_study_chart(events: pd.DataFrame, *, kpi_label: str, lang: Language, ax=None):
    """Treated − control by quarter around the intervention with 95% intervals; zero dashed."""
    ax = ax or plt.figure(figsize=(6.0, 3.0)).subplots()
    ax.errorbar(
        events["quarter"],
        events["estimate"],
        yerr=[events["estimate"] - events["low"], events["high"] - events["estimate"]],
        fmt="o",
        color=PALETTE[0],
        capsize=3,
    )
    ax.axhline(0, color=PALETTE[7], linestyle=":", linewidth=1)
    ax.axvline(-0.5, color=PALETTE[3], linestyle="--", linewidth=1.2)
    ax.set_xlabel(t("col.quarter", lang))
    ax.set_ylabel(kpi_label)
    return ax
