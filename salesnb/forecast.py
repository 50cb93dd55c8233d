"""Baselines for a target metric, their backtest errors, and the chance of reaching a target.

Work is monthly: a metric becomes a monthly series, each baseline forecasts the months
of a period, and a period's forecast is their sum (or their mean for CSAT). Backtests
hold out past periods of the same length, refit on what came before, and compare.
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
from salesnb.data import CrmData

METHODS = ("last_period_uplift", "weighted_average", "regression_seasonal", "exponential_smoothing")
ADDITIVE = {"revenue": True, "won_deals": True, "new_customers": True, "csat": False}
# Leading months below this share of the median month are pipeline warm-up, not history.
WARM_UP_SHARE = 0.5
# Forecast spread assumed when the backtest has fewer than three errors (stated in the report).
FALLBACK_LOG_SD = 0.15


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
        surveys = surveys.filter(surveys.surveyed_at < end)
        score = surveys.score * 100 / surveys.scale if "scale" in surveys.columns else surveys.score
        month = surveys.surveyed_at.truncate("M").name("month")
        frame = surveys.group_by(month).aggregate(value=score.mean()).to_pandas()
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


def regression_seasonal(history: pd.Series, horizon: int) -> np.ndarray:
    """OLS on a linear trend plus month-of-year dummies (trend only with under 24 months of history)."""
    import statsmodels.api as sm

    design, future = _regression_design(history.index, horizon, seasonal=len(history) >= 24)
    fit = sm.OLS(history.to_numpy(dtype=float), design, missing="drop").fit()
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


def exponential_smoothing(history: pd.Series, horizon: int) -> np.ndarray:
    """Holt-Winters (additive trend, multiplicative seasonality) with 24+ months; Holt's trend otherwise."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    values = history.astype(float)
    seasonal = len(values) >= 24 and (values > 0).all()
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
    history: pd.Series, method: str, horizon: int, *, period_months: int, uplift: float, weights: tuple[float, ...]
) -> np.ndarray:
    if method == "last_period_uplift":
        return last_period_uplift(history, horizon, period_months=period_months, uplift=uplift)
    if method == "weighted_average":
        return weighted_average(history, horizon, weights=weights)
    if method == "regression_seasonal":
        return regression_seasonal(history, horizon)
    if method == "exponential_smoothing":
        return exponential_smoothing(history, horizon)
    raise ValueError(f"unknown method {method!r}")


def period_total(values: np.ndarray, metric: str) -> float:
    values = np.asarray(values, dtype=float)
    return float(np.nansum(values)) if ADDITIVE[metric] else float(np.nanmean(values))


@dataclass(frozen=True)
class Baselines:
    """Every method's forecast for the target period and its backtest on held-out periods."""

    metric: str
    forecasts: pd.DataFrame  # method, forecast, mape, log_sd (RMS of log(actual / forecast)), backtests
    backtests: pd.DataFrame  # method, period_end, actual, forecast, error
    chosen: str
    history_months: int
    warm_up_months: int
    seasonal: bool

    @property
    def summary(self) -> pd.DataFrame:
        return self.forecasts

    @property
    def chosen_row(self) -> pd.Series:
        return self.forecasts.set_index("method").loc[self.chosen]


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
) -> Baselines:
    """Forecast the next period with each method; backtest each on the last held-out periods.

    The chosen method has the lowest MAPE; ties go to the earlier (simpler) method in ``METHODS``.
    """
    history, warm_up = trim_warm_up(series)
    options = dict(period_months=period_months, uplift=uplift, weights=weights)
    tests = []
    for k in range(backtest_periods, 0, -1):
        cut = len(history) - k * period_months
        if cut < min_train_months:
            continue
        train, held_out = history.iloc[:cut], history.iloc[cut : cut + period_months]
        actual = period_total(held_out.to_numpy(), metric)
        for method in methods:
            predicted = period_total(forecast_months(train, method, period_months, **options), metric)
            error = (actual - predicted) / actual if actual else np.nan
            tests.append((method, held_out.index[-1], actual, predicted, error))
    backtests = pd.DataFrame(tests, columns=["method", "period_end", "actual", "forecast", "error"])
    rows = []
    for method in methods:
        forecast = period_total(forecast_months(history, method, period_months, **options), metric)
        mine = backtests[backtests["method"] == method]
        valid = mine[(mine["actual"] > 0) & (mine["forecast"] > 0)]
        ratio = np.log(valid["actual"] / valid["forecast"])
        rows.append(
            (
                method,
                forecast,
                float(mine["error"].abs().mean()) if len(mine) else np.nan,
                # Root mean square, not SD: a biased method's errors count in full.
                float(np.sqrt((ratio**2).mean())) if len(ratio) >= 3 else np.nan,
                len(mine),
            )
        )
    forecasts = pd.DataFrame(rows, columns=["method", "forecast", "mape", "log_sd", "backtests"])
    ranked = forecasts.dropna(subset=["mape"])
    chosen = ranked.loc[ranked["mape"].idxmin(), "method"] if len(ranked) else "weighted_average"
    return Baselines(metric, forecasts, backtests, chosen, len(history), warm_up, len(history) >= 24)


def reach_probability(target: float, forecast: float, *, log_sd: float) -> float:
    """P(actual ≥ target) when log(actual / forecast) ~ Normal(0, log_sd), the backtest's error spread.

    >>> round(reach_probability(110, 100, log_sd=0.1), 3)
    0.17
    """
    if forecast <= 0 or target <= 0:
        return float("nan")
    sd = log_sd if log_sd == log_sd and log_sd > 0 else FALLBACK_LOG_SD
    z = np.log(target / forecast) / sd
    return float(1 - stats.norm.cdf(z))


def target_at_probability(probability: float, forecast: float, *, log_sd: float) -> float:
    """The target that would be reached with the given probability (inverse of :func:`reach_probability`)."""
    sd = log_sd if log_sd == log_sd and log_sd > 0 else FALLBACK_LOG_SD
    return float(forecast * np.exp(stats.norm.ppf(1 - probability) * sd))


def spread(row: pd.Series) -> tuple[float, bool]:
    """The log-error spread to use and whether it is the stated fallback (too few backtests)."""
    if row["log_sd"] == row["log_sd"] and row["log_sd"] > 0:
        return float(row["log_sd"]), False
    return FALLBACK_LOG_SD, True
