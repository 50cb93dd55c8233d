"""The house style without seaborn: the hard-coded theme against seaborn's own."""

import matplotlib as mpl
import pytest

from salesnb.render.plots import CJK_FONT_FAMILY, FONT_SCALE, PALETTE, SEABORN_THEME_RC


def _changed_by(apply) -> dict:
    with mpl.rc_context():
        mpl.rcdefaults()
        before = dict(mpl.rcParams)
        apply()
        return {k: v for k, v in mpl.rcParams.items() if v != before[k]}


def test_house_theme_sets_what_seaborn_set_theme_sets():
    sns = pytest.importorskip("seaborn")
    from_seaborn = _changed_by(
        lambda: sns.set_theme(style="whitegrid", palette=PALETTE, font=CJK_FONT_FAMILY, font_scale=FONT_SCALE)
    )
    # seaborn's default colormap is left out on purpose: it exists only once seaborn is imported.
    assert from_seaborn.pop("image.cmap") == "rocket"
    assert _changed_by(lambda: mpl.rcParams.update(SEABORN_THEME_RC)) == from_seaborn


def test_client_text_with_dollar_signs_is_drawn_as_written(tmp_path):
    import matplotlib.pyplot as plt
    import pandas as pd

    from salesnb import schema
    from salesnb.render.plots import breakdown_bars, use_house_style

    names = ["Li $Wei$", "Wu $\\frac{$", "A$B", schema.UNASSIGNED]
    frame = pd.DataFrame({"rep": names, "revenue": [1.0, 2.0, 3.0, 4.0], "win_rate": [0.1, 0.2, 0.3, 0.4]})
    with mpl.rc_context():
        use_house_style()
        ax = breakdown_bars(frame, "rep", lang="zh")
        ax.set_title("CNY $5 $")
        ax.figure.savefig(tmp_path / "chart.png")  # mathtext would fail on the unbalanced "\frac{"
        labels = ax.get_yticklabels()
        shown = [label.get_text() for label in labels]
        assert not any(label.get_parse_math() for label in [*labels, ax.title])
        plt.close(ax.figure)
    assert shown == [*names[:3], "未分配"]  # as written; the unassigned bucket in the report's language
