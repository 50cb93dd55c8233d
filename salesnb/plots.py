"""Drawing: the seaborn house style, the bundled CJK font, and one function per chart.

Plots take a result and an optional ``ax`` and return the ``Axes``; they never compute
metrics, they draw what a result's ``.summary`` already holds.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib import font_manager

from salesnb.labels import Language, t

# Noto Sans CJK SC (SIL Open Font License) as shipped by the mplfonts package; its
# SimHei file is not freely licensed and is never used.
CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
CJK_FONT_FAMILY = "Noto Sans CJK SC"
PALETTE = ["#1f5f8b", "#e07b39", "#5b9a68", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]
STATUS_COLORS = {"won": "#5b9a68", "lost": "#c44e52", "open": "#1f5f8b"}


@cache
def cjk_font_path() -> Path:
    """Path of the bundled Noto Sans CJK SC font file."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / CJK_FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the mplfonts package is installed without {CJK_FONT_FILE}")
    return path


@cache
def _register_font() -> str:
    font_manager.fontManager.addfont(str(cjk_font_path()))
    return CJK_FONT_FAMILY


def use_house_style() -> None:
    """Apply the report style: seaborn whitegrid, our palette, CJK-capable font, crisp PNGs."""
    family = _register_font()
    sns.set_theme(style="whitegrid", palette=PALETTE, font=family, font_scale=0.95)
    plt.rcParams.update(
        {
            "font.sans-serif": [family, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "figure.figsize": (8.0, 3.6),
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


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
