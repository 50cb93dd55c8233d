"""Statistics shared by the reports: intervals, shrinkage, percentiles.

Intervals come from statsmodels; the beta-binomial fit uses scipy. Nothing here
touches Ibis: inputs are the small aggregated frames the metrics return.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.stats.proportion import proportion_confint

CONFIDENCE = 0.95


def wilson_interval(successes, trials, *, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (NaN where there are no trials).

    >>> low, high = wilson_interval(8, 10)
    >>> round(float(low), 4), round(float(high), 4)
    (0.4902, 0.9433)
    """
    successes = np.asarray(successes, dtype=float)
    trials = np.asarray(trials, dtype=float)
    successes = np.minimum(successes, trials)  # period-mode counts can exceed their base; the rate caps at 1
    safe = np.where(trials > 0, trials, 1)
    low, high = proportion_confint(successes, safe, alpha=1 - confidence, method="wilson")
    low = np.where(trials > 0, low, np.nan)
    high = np.where(trials > 0, high, np.nan)
    return low, high


@dataclass(frozen=True)
class BetaPrior:
    """Beta(alpha, beta) prior fitted to many units' success counts."""

    alpha: float
    beta: float

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def strength(self) -> float:
        """Prior weight in pseudo-trials: how many trials a unit needs before its own data dominates."""
        return self.alpha + self.beta


def fit_beta_binomial(successes, trials) -> BetaPrior:
    """Maximum-likelihood Beta prior for per-unit rates (empirical Bayes).

    Units without trials are ignored. With fewer than three units, or no spread between
    them, the prior falls back to the pooled rate with a weak strength of 2.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    keep = n > 0
    k, n = k[keep], n[keep]
    pooled = k.sum() / n.sum() if n.sum() else 0.5
    pooled = min(max(pooled, 1e-3), 1 - 1e-3)
    if len(n) < 3:
        return BetaPrior(2 * pooled, 2 * (1 - pooled))

    def negative_log_likelihood(log_params: np.ndarray) -> float:
        a, b = np.exp(log_params)
        return -stats.betabinom.logpmf(k, n, a, b).sum()

    start = np.log([pooled * 10, (1 - pooled) * 10])
    fit = optimize.minimize(negative_log_likelihood, start, method="Nelder-Mead", options={"maxiter": 2000})
    a, b = np.exp(fit.x)
    # No between-unit spread drives a+b to infinity; cap it so shrinkage stays finite.
    if not fit.success or not np.isfinite(a + b) or a + b > 1e5:
        scale = 1e5 if np.isfinite(a + b) and a + b > 1e5 else 10
        return BetaPrior(pooled * scale, (1 - pooled) * scale)
    return BetaPrior(float(a), float(b))


def shrunk_rate(successes, trials, prior: BetaPrior) -> np.ndarray:
    """Posterior mean rate of each unit under the prior: (k + α) / (n + α + β).

    >>> shrunk_rate([9], [10], BetaPrior(3, 7)).round(3).tolist()
    [0.6]
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    return (k + prior.alpha) / (n + prior.alpha + prior.beta)


def percentile_rank(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    """Each value's percentile (0–100) among the non-missing values; ties share the average rank."""
    ranked = values.rank(pct=True, method="average", ascending=higher_is_better)
    return ranked * 100


def bootstrap_median_interval(
    values, *, n_resamples: int = 2000, confidence: float = CONFIDENCE, seed: int = 0
) -> tuple[float, float]:
    """Percentile-bootstrap interval for a median (seeded, so reports are reproducible)."""
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    if len(data) < 2:
        return float("nan"), float("nan")
    result = stats.bootstrap(
        (data,),
        np.median,
        n_resamples=n_resamples,
        confidence_level=confidence,
        method="percentile",
        random_state=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)
