"""Explicit parsing of dates and amounts as client exports write them.

Each parser returns the parsed values and a mask of cells that were filled in but
could not be parsed, so validation can exclude those rows with a reason. Empty cells
are missing, not bad.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

# Date formats tried when the params file gives none. A column uses the one format
# that parses most of its cells, so 03/04/2025 is never read two ways in one column.
DATE_FORMATS: tuple[str, ...] = (
    "ISO8601",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日",
    "%Y.%m.%d",
    "%d.%m.%Y",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%Y%m%d",
)

_CURRENCY = re.compile(r"(?i)(rmb|cny|usd|eur|gbp|hkd|元|[¥￥$€£\s\u00a0'])")
_CHINESE_UNITS = {"万": 1e4, "亿": 1e8}


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | values.astype("string").str.strip().fillna("").eq("")


def parse_dates(values: pd.Series, *, date_format: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates; return (datetime64 values, mask of unparseable cells).

    Cells that are already datetimes (XLSX, Parquet, databases) are kept as they are.

    >>> parsed, bad = parse_dates(pd.Series(["2025-01-31", "", "n/a"]))
    >>> parsed.dt.strftime("%Y-%m-%d").tolist(), bad.tolist()
    (['2025-01-31', nan, nan], [False, False, True])
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
        return parsed.astype("datetime64[us]"), pd.Series(False, index=values.index)
    blank = _blank(values)
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    if values.dtype == object:  # XLSX cells may mix real dates and text
        is_datetime_object = values.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "year"))
    else:
        is_datetime_object = pd.Series(False, index=values.index)
    if is_datetime_object.any():
        result[is_datetime_object] = pd.to_datetime(values[is_datetime_object], errors="coerce")
    text = values[~blank & ~is_datetime_object].astype("string").str.strip()
    if len(text):
        formats = (date_format,) if date_format else DATE_FORMATS
        best, best_count = None, -1
        sample = text.iloc[: min(len(text), 5000)]
        for fmt in formats:
            count = _to_datetime(sample, fmt).notna().sum()
            if count > best_count:
                best, best_count = fmt, count
        result[text.index] = _to_datetime(text, best)
    bad = ~blank & result.isna()
    return result, bad


def _to_datetime(text: pd.Series, fmt: str) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(None)
    return parsed.astype("datetime64[us]")


def parse_amounts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse money and counts: '¥1,234.50', '1,234', '(200)', '1.5万', 'USD 12'.

    Returns (float values, mask of cells that are filled in but not numbers).

    >>> parsed, bad = parse_amounts(pd.Series(["¥1,234.50", "(200)", "1.5万", "abc", ""]))
    >>> parsed.tolist()[:3], bad.tolist()
    ([1234.5, -200.0, 15000.0], [False, False, False, True, False])
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64"), pd.Series(False, index=values.index)
    blank = _blank(values)
    numbers = pd.to_numeric(values.astype("string").str.strip(), errors="coerce").astype("float64")
    todo = numbers.isna() & ~blank
    if todo.any():  # only cells that are not plain numbers go through the slower cleaning
        numbers[todo] = _clean_amounts(values[todo])
    return numbers, ~blank & numbers.isna()


def _clean_amounts(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    negative = text.str.startswith("(") & text.str.endswith(")")
    text = text.str.strip("()")
    scale = pd.Series(1.0, index=values.index)
    for unit, factor in _CHINESE_UNITS.items():
        has_unit = text.str.endswith(unit).fillna(False)
        scale[has_unit] = factor
        text = text.str.removesuffix(unit)
    cleaned = text.str.replace(_CURRENCY, "", regex=True).str.replace(",", "", regex=False)
    cleaned = cleaned.str.replace("，", "", regex=False)
    numbers = pd.to_numeric(cleaned, errors="coerce").astype("float64") * scale
    return numbers.where(~negative.fillna(False), -numbers)


def clean_text(values: pd.Series) -> pd.Series:
    """Strip text cells; blank cells become missing."""
    text = values.astype("string").str.strip()
    return text.mask(text.eq(""))
