"""Small shared pieces of the demo generator: calendar arithmetic, category draws, text columns, CSV.

Days are integer offsets from ``HISTORY_START`` everywhere in the generator; the
helpers here turn them into ISO date text and build the text columns (labels,
``D0000001``/``A000001`` ids) through Arrow so that millions of rows stay fast.
Nothing here plants an effect; only :func:`_draw_category` draws random numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from salesnb.demo.constants import _START

_TEXT = pd.StringDtype(na_value=np.nan)


# --- calendar ---------------------------------------------------------------------


def _day(text: str) -> int:
    """Day offset of an ISO date from ``HISTORY_START``.

    Parameters
    ----------
    text : str
        ``YYYY-MM-DD``.

    Returns
    -------
    int
        Days since ``HISTORY_START`` (negative before it).
    """
    return int((np.datetime64(text, "D") - _START).astype(np.int64))


def _iso(day: int) -> str:
    """ISO ``YYYY-MM-DD`` text of a day offset."""
    return str(_START + int(day))


def _year(days: np.ndarray) -> np.ndarray:
    """Calendar year of each day offset."""
    return (_START + days).astype("datetime64[Y]").astype(np.int64) + 1970


def _weekday(days: np.ndarray) -> np.ndarray:
    """Monday is 0; the epoch 1970-01-01 was a Thursday."""
    return ((_START + days).astype(np.int64) + 3) % 7


def _off_weekend(days: np.ndarray) -> np.ndarray:
    """Saturdays move to Friday and Sundays to Monday: reps log work on weekdays."""
    weekday = _weekday(days)
    return days - (weekday == 5) + (weekday == 6)


def _round(value: float, digits: int = 4) -> float:
    """``value`` as a Python float rounded to ``digits`` decimals, for the ground truth."""
    return round(float(value), digits)


# --- draws ------------------------------------------------------------------------


def _draw_category(
    rng: np.random.Generator, probabilities: np.ndarray, *, group: np.ndarray | None = None, size: int | None = None
) -> np.ndarray:
    """Draw a category index per row; with ``group``, row i uses ``probabilities[group[i]]``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws one uniform number per row.
    probabilities : ndarray
        Category weights, 1-D, or 2-D with one row of weights per group.
    group : ndarray of int, optional
        Row of ``probabilities`` for each drawn row; gives the number of rows.
    size : int, optional
        Number of rows when ``group`` is not given.

    Returns
    -------
    ndarray of int
        Category index per row.
    """
    cumulative = np.cumsum(probabilities, axis=-1)
    cumulative = cumulative / cumulative[..., -1:]
    if group is None:
        return np.minimum(np.searchsorted(cumulative, rng.random(size), side="right"), cumulative.size - 1)
    u = rng.random(group.size)
    return np.minimum((u[:, None] >= cumulative[group]).sum(axis=1), cumulative.shape[1] - 1)


# --- text columns -----------------------------------------------------------------


def _labels(codes: np.ndarray, vocabulary, *, present: np.ndarray | None = None) -> pd.Series:
    """Text column from integer codes into a small vocabulary, fast for millions of rows.

    Parameters
    ----------
    codes : ndarray of int
        Index into ``vocabulary`` per row.
    vocabulary : sequence
        Values, written as ``str(value)``.
    present : ndarray of bool, optional
        Rows that hold a value; the others are missing.

    Returns
    -------
    Series
        String column (missing values are NaN).
    """
    mask = None if present is None else ~np.asarray(present)
    indices = pa.array(np.asarray(codes, dtype=np.int32), mask=mask)
    dictionary = pa.array([str(v) for v in vocabulary], pa.string())
    return pd.Series(pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string()), dtype=_TEXT)


def _text(values) -> pd.Series:
    """String column of ``str(value)`` for each value."""
    return pd.Series(pa.array([str(v) for v in values], pa.string()), dtype=_TEXT)


def _dates(days: np.ndarray, *, present: np.ndarray | None = None) -> pd.Series:
    """ISO date text for day offsets; rows not ``present`` are missing."""
    days = np.asarray(days, dtype=np.int64)
    shown = days if present is None else days[np.asarray(present)]
    low = int(shown.min()) if shown.size else 0
    high = int(shown.max()) if shown.size else 0
    vocabulary = np.datetime_as_string(_START + np.arange(low, high + 1)).tolist()
    codes = np.clip(days - low, 0, high - low)
    return _labels(codes, vocabulary, present=present)


def _numbered(prefix: str, numbers: np.ndarray, width: int, present: np.ndarray | None = None) -> pd.Series:
    """``prefix`` followed by each number zero-padded to ``width`` digits; rows not ``present`` are missing."""
    mask = None if present is None else ~np.asarray(present)
    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype=np.int64), mask=mask).cast(pa.string()), width, "0")
    return pd.Series(pc.binary_join_element_wise(prefix, digits, ""), dtype=_TEXT)


def _deal_ids(index: np.ndarray, n_deals: int, present: np.ndarray | None = None) -> pd.Series:
    """``D0000001``-style ids, 1-based; wide enough for the clean deals plus dirty rows."""
    width = max(7, len(str(2 * n_deals)))
    return _numbered("D", np.asarray(index) + 1, width, present)


def _account_ids(number: np.ndarray) -> pd.Series:
    """``A000001``-style account ids from 0-based account numbers."""
    return _numbered("A", np.asarray(number) + 1, 6)


def _day_numbers(text: pd.Series) -> np.ndarray:
    """Day offsets of a column of ISO date text (the inverse of :func:`_dates`)."""
    parsed = pd.to_datetime(text, format="%Y-%m-%d").to_numpy().astype("datetime64[D]")
    return (parsed - _START).astype(np.int64)


# --- CSV --------------------------------------------------------------------------


def _two_decimals(values: np.ndarray) -> pa.Array:
    """Money as text with exactly two decimals, vectorised for millions of rows."""
    cents = np.rint(np.asarray(values, dtype=float) * 100)
    missing = np.isnan(cents)
    cents = np.where(missing, 0, cents).astype(np.int64)
    size = np.abs(cents)
    whole = pa.array(size // 100).cast(pa.string())
    fraction = pc.utf8_lpad(pa.array(size % 100).cast(pa.string()), 2, "0")
    text = pc.binary_join_element_wise(whole, fraction, ".")
    text = pc.if_else(pa.array(cents < 0), pc.binary_join_element_wise("-", text, ""), text)
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as unquoted UTF-8 CSV with ``\\n`` line ends and floats to two decimals.

    Parameters
    ----------
    frame : DataFrame
        A demo table.
    path : Path
        File to (over)write.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, field in enumerate(table.schema):
        if pa.types.is_floating(field.type):
            table = table.set_column(i, field.name, _two_decimals(table.column(i).to_numpy()))
    # Unquoted output fails loudly if a value ever holds a comma, quote or newline.
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="none", quoting_header="none"))
