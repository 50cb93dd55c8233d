"""The bundled CJK font: where it is, found without importing matplotlib (the index page needs it too)."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
CJK_FONT_FAMILY = "Noto Sans CJK SC"


@cache
def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font file that the mplfonts package ships (SIL OFL 1.1).

    Located from the package's spec, not by importing it: importing mplfonts imports matplotlib.
    """
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the mplfonts package is not installed; it carries the report's CJK font")
    path = Path(spec.origin).parent / "fonts" / CJK_FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the mplfonts package is installed without {CJK_FONT_FILE}")
    return path
