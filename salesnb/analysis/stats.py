"""Statistics shared by the reports: intervals, shrinkage, percentiles.

Intervals come from statsmodels; the beta-binomial fit uses scipy. Nothing here
touches Ibis: inputs are the small aggregated frames the metrics return.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from statsmodels.stats.proportion import proportion_confint

CONFIDENCE = 0.95
# Prior strength (pseudo-trials) at which the beta-binomial fit is taken to have found no
# between-unit variance: the likelihood keeps rising towards the pure binomial model.
PRIOR_STRENGTH_CAP = 1e5


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
    """Beta(alpha, beta) prior fitted to many units' success counts.

    ``at_boundary`` marks a fit whose strength ran to the cap: the data show no variance between
    units beyond chance, so every unit's shrunk rate is the pooled rate (see :func:`shrunk_rate`).
    """

    alpha: float
    beta: float
    at_boundary: bool = False

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def strength(self) -> float:
        """Prior weight in pseudo-trials: how many trials a unit needs before its own data dominates."""
        return self.alpha + self.beta


def fit_beta_binomial(successes, trials) -> BetaPrior:
    """Maximum-likelihood Beta prior for per-unit rates (empirical Bayes).

    Units without trials are ignored. With fewer than three units the prior falls back to the
    pooled rate with a weak strength of 2. When the units spread no more than chance would give,
    the maximum-likelihood strength is infinite: the prior is then centred on the pooled rate at
    :data:`PRIOR_STRENGTH_CAP` and marked ``at_boundary``.

    >>> fit_beta_binomial([30, 30, 30, 30], [100, 100, 100, 100]).at_boundary
    True
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
        # Beta-binomial log pmf without the binomial coefficient, which does not depend on (a, b);
        # written with betaln because scipy.stats.betabinom's checks cost 10x the arithmetic.
        a, b = np.exp(log_params)
        return -(special.betaln(k + a, n - k + b).sum() - len(k) * special.betaln(a, b))

    start = np.log([pooled * 10, (1 - pooled) * 10])
    fit = optimize.minimize(negative_log_likelihood, start, method="Nelder-Mead", options={"maxiter": 2000})
    a, b = np.exp(fit.x)
    # No between-unit spread drives a+b to infinity: that is the boundary (zero variance), not a
    # finite prior whose tiny residual differences could be ranked.
    if np.isfinite(a + b) and a + b > PRIOR_STRENGTH_CAP:
        return BetaPrior(pooled * PRIOR_STRENGTH_CAP, (1 - pooled) * PRIOR_STRENGTH_CAP, at_boundary=True)
    if not fit.success or not np.isfinite(a + b):
        return BetaPrior(pooled * 10, (1 - pooled) * 10)
    return BetaPrior(float(a), float(b))


def shrunk_rate(successes, trials, prior: BetaPrior) -> np.ndarray:
    """Posterior mean rate of each unit under the prior: (k + α) / (n + α + β).

    A prior at its boundary (no between-unit variance) gives every unit the prior mean exactly.

    >>> shrunk_rate([9], [10], BetaPrior(3, 7)).round(3).tolist()
    [0.6]
    >>> shrunk_rate([9, 1], [10, 10], BetaPrior(3e4, 7e4, at_boundary=True)).tolist()
    [0.3, 0.3]
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if prior.at_boundary:
        return np.full(np.broadcast(k, n).shape, prior.mean)
    return (k + prior.alpha) / (n + prior.alpha + prior.beta)


def rate_test_p(successes, trials, rate: float) -> np.ndarray:
    """Two-sided score-test p-value that each unit's rate equals ``rate`` (NaN without trials).

    The score test is the one the Wilson interval inverts: a unit's 1 − a Wilson interval
    excludes ``rate`` exactly when this p-value is below a.

    >>> round(float(rate_test_p(8, 10, 0.5)), 4)
    0.0578
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if not 0 < rate < 1:
        return np.full(np.broadcast(k, n).shape, np.nan)
    safe = np.where(n > 0, n, 1)
    z = (k / safe - rate) / np.sqrt(rate * (1 - rate) / safe)
    return np.where(n > 0, 2 * stats.norm.sf(np.abs(z)), np.nan)


def holm_adjust(pvalues) -> np.ndarray:
    """Holm step-down adjusted p-values (family-wise error control); NaNs stay NaN.

    >>> holm_adjust([0.01, 0.04, 0.03, float("nan")]).round(2).tolist()[:3]
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    keep = np.flatnonzero(~np.isnan(p))
    # Written out rather than statsmodels' multipletests, which runs a garbage collection on every
    # call (70 ms): the calibration suite calls this thousands of times. Checked against it in tests.
    order = keep[np.argsort(p[keep], kind="stable")]
    m = len(order)
    out[order] = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    return out


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


BOOTSTRAP_ROWS = 32  # resamples drawn and reduced at a time: 32 × 50 k indices stay in cache, not 1000 × 50 k in RAM


def bootstrap_median_difference(
    after, before, *, n_resamples: int, confidence: float = CONFIDENCE, seed: int = 0
) -> tuple[float, float]:
    """Percentile-bootstrap interval of median(after) − median(before): exactly what
    ``scipy.stats.bootstrap((after, before), median difference, method="percentile",
    random_state=np.random.default_rng(seed), vectorized=True)`` returns, in a fraction of its
    time and memory.

    The resample indices are the same draws from the same generator (all of ``after``'s resamples,
    then ``before``'s), taken a few resamples at a time; a resample's median is read from the order
    statistics of the resampled *ranks* in the sorted sample (the sorted values are monotone in
    the rank), which is the value ``np.median`` picks, without gathering and partitioning a
    resamples × observations float array (at 1 M deals, 1000 × 55 k: 0.4 GB, 5 s per call).
    The interval is then scipy's own, read from this bootstrap distribution. Data with NaN goes
    to scipy unchanged.

    >>> a, b = np.arange(10.0), np.arange(7.0) * 2
    >>> fast = bootstrap_median_difference(a, b, n_resamples=200, seed=3)
    >>> slow = stats.bootstrap((a, b), lambda x, y, axis=-1: np.median(x, axis=axis) - np.median(y, axis=axis),
    ...     n_resamples=200, method="percentile", random_state=np.random.default_rng(3), vectorized=True)
    >>> fast == (slow.confidence_interval.low, slow.confidence_interval.high)
    True
    """
    after = np.asarray(after, dtype=float)
    before = np.asarray(before, dtype=float)

    def median_difference(a, b, axis=-1):
        return np.median(a, axis=axis) - np.median(b, axis=axis)

    options = {"confidence_level": confidence, "method": "percentile", "vectorized": True}
    if np.isnan(after).any() or np.isnan(before).any():
        result = stats.bootstrap(
            (after, before),
            median_difference,
            n_resamples=n_resamples,
            random_state=np.random.default_rng(seed),
            **options,
        )
    else:
        rng = np.random.default_rng(seed)
        theta = _resampled_medians(after, n_resamples, rng) - _resampled_medians(before, n_resamples, rng)
        # scipy computes the interval from a given bootstrap distribution when asked for no new resamples
        given = SimpleNamespace(bootstrap_distribution=theta)
        result = stats.bootstrap((after, before), median_difference, n_resamples=0, bootstrap_result=given, **options)
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _resampled_medians(sample: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Medians of ``n_resamples`` bootstrap resamples of ``sample``, drawn as scipy draws them
    (``rng.integers(0, n, (n_resamples, n))``, row by row in the generator's stream)."""
    n = sample.size
    order = np.argsort(sample, kind="stable")
    ordered = sample[order]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    middle = [n // 2 - 1, n // 2] if n % 2 == 0 else [n // 2]
    out = np.empty(n_resamples)
    for start in range(0, n_resamples, BOOTSTRAP_ROWS):
        rows = min(BOOTSTRAP_ROWS, n_resamples - start)
        ranks = rank[rng.integers(0, n, (rows, n))]
        picked = np.partition(ranks, middle, axis=1)
        if len(middle) == 2:
            out[start : start + rows] = (ordered[picked[:, middle[0]]] + ordered[picked[:, middle[1]]]) / 2
        else:
            out[start : start + rows] = ordered[picked[:, middle[0]]]
    return out
