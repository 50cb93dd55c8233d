"""The house style without seaborn: the hard-coded theme against seaborn's own."""

import matplotlib as mpl
import pytest

from salesnb.plots import CJK_FONT_FAMILY, FONT_SCALE, PALETTE, SEABORN_THEME_RC


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
