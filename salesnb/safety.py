"""Rules that keep a run from writing where it should not or handing over something that executes.

One rule for the names that become folders (client, period label), one check that an output
path stays under its root, and the OWASP CSV-injection rule for every exported cell.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from salesnb.errors import SalesnbError

if TYPE_CHECKING:  # pandas is imported where a frame is neutralised: params (and the CLI) load without it
    import pandas as pd

MAX_NAME_LENGTH = 100
# Separators on any system, and ":" (a drive letter "C:" or an NTFS stream "a:b").
_FORBIDDEN = {"/": "a slash", "\\": "a backslash", ":": "a colon"}
# Control, format (e.g. the right-to-left override that disguises a name), surrogate, private-use and
# unassigned characters, and the line/paragraph separators.
_BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# OWASP CSV injection: a spreadsheet reads a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# ...except a plain signed number written as text ("-40410.00" in a row kept as read): a spreadsheet
# reads it as that number and nothing else, so it is handed over unchanged.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?")


def safe_folder_name(text: str, what: str) -> str:
    """``text`` unchanged if it can be one folder name on any system, else ValueError saying why.

    Rejects path separators, a colon (drive letters), a leading dot (covers ``.`` and ``..``),
    a trailing dot, leading or trailing spaces, control characters and names over 100 characters.
    Letters of any script, digits, spaces and punctuation are allowed.

    >>> safe_folder_name("华东 区 2025-Q4", "period label")
    '华东 区 2025-Q4'
    >>> safe_folder_name("../x", "client")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: client '../x' cannot be a folder name: it contains a slash; ...
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"{what} must be a non-empty text (it names the output folder)")
    problem = _name_problem(text)
    if problem:
        shown = text if len(text) <= 60 else text[:57] + "…"
        raise ValueError(
            f"{what} {shown!r} cannot be a folder name: {problem}; use letters, digits, spaces, '-' or '_' "
            f"(at most {MAX_NAME_LENGTH} characters, no '/', '\\', ':' or leading '.')"
        )
    return text


def _name_problem(text: str) -> str:
    for char, name in _FORBIDDEN.items():
        if char in text:
            return f"it contains {name}"
    bad = [c for c in text if unicodedata.category(c) in _BAD_CATEGORIES]
    if bad:
        return f"it contains the control character {ascii(bad[0])}"
    if text.startswith("."):
        return "it starts with a dot ('.' and '..' name the current and parent folder, others are hidden)"
    if text != text.strip():
        return "it starts or ends with a space"
    if text.endswith("."):
        return "it ends with a dot (Windows drops it, so two names would share a folder)"
    if len(text) > MAX_NAME_LENGTH:
        return f"it is {len(text)} characters long"
    # Belt and braces: whatever the checks above missed, one name must stay one relative part.
    for flavour in (PurePosixPath, PureWindowsPath):
        path = flavour(text)
        if path.is_absolute() or path.drive or path.name != text:
            return "it reads as a path, not a name"
    return ""


def confined(root: str | Path, *parts: str) -> Path:
    """``root/part/…`` resolved, or SalesnbError when it would land outside the resolved ``root``.

    Symbolic links are followed before comparing, so a link inside the root that points
    elsewhere is refused as well.
    """
    shown = "/".join(parts)
    try:
        base = Path(root).expanduser().resolve()
        target = base.joinpath(*parts).resolve()
    except (ValueError, OSError) as exc:  # a NUL byte, a link loop
        raise SalesnbError(f"the output folder for {shown!r} under {root} is not a usable path ({exc}).") from None
    if target == base or not target.is_relative_to(base):
        raise SalesnbError(
            f"the output folder for {shown!r} would be {target}, which is not inside the output root {base}; "
            "client and period label must be plain folder names."
        )
    return target


def neutralise_cell(value: object) -> object:
    """A text starting with = + - @ tab or CR gets a leading ``'`` so a spreadsheet shows it as text;
    anything else is returned unchanged: numbers, and a signed number written as text ("-5").

    >>> neutralise_cell('=HYPERLINK("http://x","y")'), neutralise_cell("-1+1"), neutralise_cell("-5")
    ('\\'=HYPERLINK("http://x","y")', "'-1+1", '-5')
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name passed through :func:`neutralise_cell`.

    Numeric, boolean and date columns are left as they are, so they stay numbers and dates in the file.

    >>> import pandas as pd
    >>> neutralise_formulas(pd.DataFrame({"rep": ["=1+1", "Ann"], "amount": [-5, 3.5]})).to_dict("list")
    {'rep': ["'=1+1", 'Ann'], 'amount': [-5.0, 3.5]}
    """
    import pandas as pd

    out = frame.copy()
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        elif not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        neutral = values.map(neutralise_cell)
        if not neutral.equals(values):
            out.isetitem(i, neutral)
    out.columns = [neutralise_cell(c) for c in frame.columns]
    return out
