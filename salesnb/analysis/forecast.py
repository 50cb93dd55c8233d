"""Baselines for a target metric, their backtest errors, and the chance of reaching a target.

Work is monthly: a metric becomes a monthly series, each baseline forecasts the months
of a period, and a period's forecast is their sum (or their mean for CSAT). Backtests
hold out past periods of the same length, refit on what came before, and compare.

Rules that keep the numbers honest on short histories:

- every fold trims its own warm-up months from its own training data, never from the future;
- the model family (seasonal or trend-only) is decided once, from the shortest training set
  any fit uses, and every fold and the final forecast fit that same family;
- a method is *chosen by backtest* only with at least ``MIN_BACKTESTS_TO_CHOOSE`` held-out
  periods; otherwise the declared ``DEFAULT_METHOD`` is used and reported as not backtested;
- the forecast's error distribution is *measured* only with ``MIN_BACKTESTS_FOR_SPREAD``
  backtest errors (the Student-t predictive of :func:`error_model`: bias, SD × √(1 + 1/n),
  n − 1 degrees of freedom); below that ``FALLBACK_LOG_SD`` is *assumed* and the report says so.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date

import ibis
import numpy as np
import pandas as pd
from scipy import stats

from salesnb import schema
from salesnb.analysis import metrics
from salesnb.data import CrmData

METHODS = ("last_period_uplift", "weighted_average", "regression_seasonal", "exponential_smoothing")
# CSAT is shown on a 0–100 scale (metrics.csat): no target lies above it.
CSAT_TOP = 100.0
ADDITIVE = {"revenue": True, "won_deals": True, "new_customers": True, "csat": False}
# Leading months below this share of the median month are pipeline warm-up, not history.
WARM_UP_SHARE = 0.5
# Forecast spread assumed when the backtest has fewer than three errors (stated in the report).
FALLBACK_LOG_SD = 0.15
MIN_BACKTESTS_TO_CHOOSE = 2
MIN_BACKTESTS_FOR_SPREAD = 3
# Used when too few periods can be held out to choose: a level, not a trend or season fitted to a few points.
DEFAULT_METHOD = "weighted_average"
# Holt-Winters needs two full years to initialise its seasonal factors; the regression uses the same rule.
SEASONAL_MONTHS = 24


def monthly_series(data: CrmData, metric: str, *, until: date) -> pd.Series:
    """The metric per calendar month up to ``until`` (months with no activity are 0 or missing for CSAT)."""
    end = ibis.timestamp(pd.Timestamp(until).normalize() + pd.Timedelta(days=1))
    deals = data.deals
    if metric in ("revenue", "won_deals"):
        won = deals.filter((deals.status == schema.WON) & deals.closed_at.notnull() & (deals.closed_at < end))
        month = won.closed_at.truncate("M").name("month")
        value = won.amount.sum() if metric == "revenue" else won.count()
        frame = won.group_by(month).aggregate(value=value).to_pandas()
    elif metric == "new_customers":
        won = deals.filter((deals.status == schema.WON) & deals.closed_at.notnull() & deals.account_id.notnull())
        first = won.group_by("account_id").aggregate(first=won.closed_at.min())
        first = first.filter(first.first < end)
        month = first.first.truncate("M").name("month")
        frame = first.group_by(month).aggregate(value=first.count()).to_pandas()
    elif metric == "csat":
        surveys = data.table("surveys")
        surveys = surveys.mutate(snb_score=metrics.csat_score(surveys)).filter(surveys.surveyed_at < end)
        month = surveys.surveyed_at.truncate("M").name("month")
        frame = surveys.group_by(month).aggregate(value=surveys.snb_score.mean()).to_pandas()
    else:
        raise ValueError(f"unknown target metric {metric!r}")
    if frame.empty:
        return pd.Series(dtype="float64")
    series = frame.set_index("month")["value"].astype("float64").sort_index()
    months = pd.date_range(series.index.min(), pd.Timestamp(until).to_period("M").to_timestamp(), freq="MS")
    fill = 0.0 if ADDITIVE[metric] else np.nan
    series = series.reindex(months, fill_value=fill)
    series.index.name = "month"
    return series


def trim_warm_up(series: pd.Series) -> tuple[pd.Series, int]:
    """Drop leading months below half the median month (a CRM that starts empty fills up first)."""
    if series.empty:
        return series, 0
    threshold = WARM_UP_SHARE * series.median()
    keep = np.argmax(series.to_numpy() >= threshold) if (series >= threshold).any() else 0
    return series.iloc[keep:], int(keep)


# --- the four baselines: each forecasts the next ``horizon`` months from ``history`` ----------------


def last_period_uplift(history: pd.Series, horizon: int, *, period_months: int, uplift: float) -> np.ndarray:
    """The last period's monthly average × (1 + uplift), for each month ("last quarter × 110 %")."""
    return np.full(horizon, history.iloc[-period_months:].mean() * (1 + uplift))


def weighted_average(history: pd.Series, horizon: int, *, weights: tuple[float, ...]) -> np.ndarray:
    """Weighted moving average of the last months (first weight = most recent month)."""
    recent = history.iloc[-len(weights) :][::-1].to_numpy()
    w = np.asarray(weights[: len(recent)], dtype=float)
    return np.full(horizon, float(np.dot(recent, w) / w.sum()))


def regression_seasonal(history: pd.Series, horizon: int, *, seasonal: bool) -> np.ndarray:
    """OLS on a linear trend plus month-of-year dummies (trend only when ``seasonal`` is false)."""
    from statsmodels.regression.linear_model import OLS  # sm.OLS, without importing all of statsmodels.api

    design, future = _regression_design(history.index, horizon, seasonal=seasonal)
    fit = OLS(history.to_numpy(dtype=float), design, missing="drop").fit()
    return np.asarray(fit.predict(future))


def _regression_design(index: pd.DatetimeIndex, horizon: int, *, seasonal: bool) -> tuple[np.ndarray, np.ndarray]:
    future_index = pd.date_range(index[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")
    both = index.append(future_index)
    columns = [np.ones(len(both)), np.arange(len(both), dtype=float)]
    if seasonal:
        for month in range(2, 13):
            columns.append((both.month == month).astype(float))
    design = np.column_stack(columns)
    return design[: len(index)], design[len(index) :]


def exponential_smoothing(history: pd.Series, horizon: int, *, seasonal: bool) -> np.ndarray:
    """Holt-Winters (damped additive trend, multiplicative seasonality) when ``seasonal``; Holt's trend otherwise."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    # The values by position: a mean metric such as CSAT skips months without a survey, and statsmodels
    # cannot date a forecast from an index with gaps ("No supported index is available").
    values = history.to_numpy(dtype=float)
    model = ExponentialSmoothing(
        values,
        trend="add",
        damped_trend=True,
        seasonal="mul" if seasonal else None,
        seasonal_periods=12 if seasonal else None,
        initialization_method="estimated",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the backtest judges the result
        fit = model.fit()
    return np.asarray(fit.forecast(horizon))


def forecast_months(
    history: pd.Series,
    method: str,
    horizon: int,
    *,
    period_months: int,
    uplift: float,
    weights: tuple[float, ...],
    seasonal: bool,
) -> np.ndarray:
    if method == "last_period_uplift":
        return last_period_uplift(history, horizon, period_months=period_months, uplift=uplift)
    if method == "weighted_average":
        return weighted_average(history, horizon, weights=weights)
    if method == "regression_seasonal":
        return regression_seasonal(history, horizon, seasonal=seasonal)
    if method == "exponential_smoothing":
        return exponential_smoothing(history, horizon, seasonal=seasonal)
    raise ValueError(f"unknown method {method!r}")


def seasonal_family(trainings: list[pd.Series]) -> bool:
    """Whether every fit can be seasonal: each training set has two full years and no empty or
    missing month (a month-of-year pattern cannot be read off a series with gaps).

    Decided once for a backtest from all its training sets (the folds' and the final one), so
    that the folds judge the same model family the final forecast uses.
    """
    return bool(trainings) and all(
        len(t) >= SEASONAL_MONTHS and (t > 0).all() and _every_month(t.index) for t in trainings
    )


def _every_month(index: pd.Index) -> bool:
    """Whether a monthly index runs without a gap from its first month to its last."""
    if not isinstance(index, pd.DatetimeIndex) or len(index) == 0:
        return True  # positions only: nothing says a month is missing
    return len(pd.date_range(index[0], index[-1], freq="MS")) == len(index)


def period_total(values: np.ndarray, metric: str) -> float:
    values = np.asarray(values, dtype=float)
    return float(np.nansum(values)) if ADDITIVE[metric] else float(np.nanmean(values))


@dataclass(frozen=True)
class Baselines:
    """Every method's forecast for the target period and its backtest on held-out periods."""

    metric: str
    # method, forecast, mape, bias and log_sd (mean and SD of log(actual / forecast) over the backtest),
    # backtests (held-out periods), errors (log errors behind bias and log_sd)
    forecasts: pd.DataFrame
    backtests: pd.DataFrame  # method, period_end, train_months, actual, forecast, error
    chosen: str
    history_months: int
    warm_up_months: int
    seasonal: bool  # the model family every fold and the final forecast fit
    folds: int = 0  # held-out periods in the backtest
    chosen_by: str = "backtest"  # "backtest" (lowest MAPE over ≥ 2 folds) or "default" (not backtested)

    @property
    def summary(self) -> pd.DataFrame:
        return self.forecasts

    @property
    def chosen_row(self) -> pd.Series:
        return self.forecasts.set_index("method").loc[self.chosen]

    @property
    def backtested(self) -> bool:
        return self.chosen_by == "backtest"


def backtest_folds(
    series: pd.Series, *, period_months: int, backtest_periods: int, min_train_months: int
) -> list[tuple[pd.Series, pd.Series]]:
    """(training, held-out) pairs for the last ``backtest_periods`` periods, oldest first.

    Each fold trims warm-up months from its own training data only. A fold is kept when its
    trimmed training has ``min_train_months`` and its held-out period lies after the warm-up
    the full series shows (a period the CRM was still filling up says nothing about accuracy).
    """
    full_warm_up = trim_warm_up(series)[1]
    folds = []
    for k in range(backtest_periods, 0, -1):
        cut = len(series) - k * period_months
        if cut < full_warm_up:
            continue
        train = trim_warm_up(series.iloc[:cut])[0]
        if len(train) < min_train_months:
            continue
        folds.append((train, series.iloc[cut : cut + period_months]))
    return folds


def baselines(
    series: pd.Series,
    *,
    metric: str,
    period_months: int,
    uplift: float = 0.10,
    weights: tuple[float, ...] = (3, 2, 1),
    backtest_periods: int = 4,
    min_train_months: int = 6,
    methods: tuple[str, ...] = METHODS,
    default: str = DEFAULT_METHOD,
) -> Baselines:
    """Forecast the next period with each method; backtest each on the last held-out periods.

    With at least ``MIN_BACKTESTS_TO_CHOOSE`` held-out periods the chosen method has the lowest
    MAPE (ties go to the earlier, simpler method in ``METHODS``); with fewer it is ``default``.
    """
    history, warm_up = trim_warm_up(series)
    folds = backtest_folds(
        series, period_months=period_months, backtest_periods=backtest_periods, min_train_months=min_train_months
    )
    seasonal = seasonal_family([train for train, _ in folds] + [history])
    options = dict(period_months=period_months, uplift=uplift, weights=weights, seasonal=seasonal)
    tests = []
    for train, held_out in folds:
        actual = period_total(held_out.to_numpy(), metric)
        for method in methods:
            predicted = period_total(forecast_months(train, method, period_months, **options), metric)
            error = (actual - predicted) / actual if actual else np.nan
            tests.append((method, held_out.index[-1], len(train), actual, predicted, error))
    backtests = pd.DataFrame(tests, columns=["method", "period_end", "train_months", "actual", "forecast", "error"])
    rows = []
    for method in methods:
        forecast = period_total(forecast_months(history, method, period_months, **options), metric)
        mine = backtests[backtests["method"] == method]
        valid = mine[(mine["actual"] > 0) & (mine["forecast"] > 0)]
        ratio = np.log(valid["actual"] / valid["forecast"])
        measured = len(ratio) >= MIN_BACKTESTS_FOR_SPREAD
        rows.append(
            (
                method,
                forecast,
                float(mine["error"].abs().mean()) if len(mine) else np.nan,
                float(ratio.mean()) if measured else np.nan,
                float(ratio.std(ddof=1)) if measured else np.nan,
                len(mine),
                len(ratio),
            )
        )
    forecasts = pd.DataFrame(rows, columns=["method", "forecast", "mape", "bias", "log_sd", "backtests", "errors"])
    ranked = forecasts.dropna(subset=["mape"])
    if len(folds) >= MIN_BACKTESTS_TO_CHOOSE and len(ranked):
        chosen, chosen_by = ranked.loc[ranked["mape"].idxmin(), "method"], "backtest"
    else:
        chosen, chosen_by = (default if default in methods else methods[0]), "default"
    return Baselines(
        metric, forecasts, backtests, chosen, len(history), warm_up, seasonal, folds=len(folds), chosen_by=chosen_by
    )


@dataclass(frozen=True)
class ErrorModel:
    """How log(actual / forecast) is distributed for a period: ``bias`` + ``scale`` × a Student-t with
    ``df`` degrees of freedom (``df`` None: a standard normal, for an assumed spread)."""

    bias: float
    scale: float
    df: float | None
    assumed: bool
    errors: int = 0

    def draw(self, rng: np.random.Generator, size) -> np.ndarray:
        noise = rng.standard_t(self.df, size=size) if self.df else rng.standard_normal(size)
        return self.bias + self.scale * noise


ASSUMED = ErrorModel(0.0, FALLBACK_LOG_SD, None, True)


def error_model(row: pd.Series) -> ErrorModel:
    """The forecast error distribution for one method's row of :attr:`Baselines.forecasts`.

    Measured (``MIN_BACKTESTS_FOR_SPREAD`` or more backtest errors): the Student-t predictive
    distribution of a new error when n past errors are independent normal draws with unknown mean
    and spread — centre their mean (the method's bias), scale their SD × √(1 + 1/n), n − 1 degrees
    of freedom. With three or four errors this is wide, as it should be. Otherwise the assumed
    ±``FALLBACK_LOG_SD`` normal around the forecast, which the report labels as assumed.
    """
    n = int(row.get("errors", 0) or 0)
    if n >= MIN_BACKTESTS_FOR_SPREAD and row["log_sd"] == row["log_sd"] and row["log_sd"] > 0:
        return ErrorModel(float(row["bias"]), float(row["log_sd"]) * np.sqrt(1 + 1 / n), float(n - 1), False, n)
    return ASSUMED


def reach_probability(
    target: float, forecast: float, *, log_sd: float, df: float | None = None, bias: float = 0.0
) -> float:
    """P(actual ≥ target) when (log(actual / forecast) − bias) / log_sd follows a Student-t with
    ``df`` degrees of freedom, or a standard normal when ``df`` is None (see :func:`error_model`).

    >>> round(reach_probability(110, 100, log_sd=0.1), 3)
    0.17
    >>> round(reach_probability(110, 100, log_sd=0.1, df=3), 3)
    0.205
    """
    if forecast <= 0 or target <= 0:
        return float("nan")
    sd = log_sd if log_sd == log_sd and log_sd > 0 else FALLBACK_LOG_SD
    z = (np.log(target / forecast) - bias) / sd
    return float(stats.t.sf(z, df)) if df else float(stats.norm.sf(z))


def target_at_probability(
    probability: float, forecast: float, *, log_sd: float, df: float | None = None, bias: float = 0.0
) -> float:
    """The target that would be reached with the given probability (inverse of :func:`reach_probability`)."""
    sd = log_sd if log_sd == log_sd and log_sd > 0 else FALLBACK_LOG_SD
    z = stats.t.isf(probability, df) if df else stats.norm.isf(probability)
    return float(forecast * np.exp(bias + z * sd))
