"""What a calibration check is, its Monte-Carlo error and the acceptable range it is judged by."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Check:
    """One simulated property of one claim type.

    ``value`` is the observed rate over ``replications`` seeded data sets; ``nominal`` what the
    report promises (alpha for false alarms, 0.95 for interval coverage, the stated chance for a
    reach probability); the check passes when ``low <= value <= high``.
    """

    claim: str
    scenario: str
    measure: str
    value: float
    nominal: float
    replications: int
    low: float = 0.0
    high: float = 1.0

    @property
    def mc_se(self) -> float:
        """Monte-Carlo standard error of a rate equal to the nominal one."""
        return math.sqrt(self.nominal * (1 - self.nominal) / self.replications)

    @property
    def passed(self) -> bool:
        return self.low <= self.value <= self.high


def false_alarm_check(claim: str, scenario: str, alarms, *, alpha: float, limit: float = 1.0) -> Check:
    """False alarms out of replications with nothing planted: passes at ≤ alpha + 2 Monte-Carlo SE
    (or at ≤ ``limit`` when an issue set a stricter target)."""
    alarms = np.asarray(alarms, dtype=bool)
    n = alarms.size
    return Check(
        claim,
        scenario,
        "false alarms",
        float(alarms.mean()),
        alpha,
        n,
        high=min(limit, alpha + 2 * math.sqrt(alpha * (1 - alpha) / n)),
    )


def coverage_check(claim: str, scenario: str, covered, *, confidence: float = 0.95, floor: float = 0.92) -> Check:
    """Share of intervals holding the planted value: passes at ≥ ``floor`` (0.92 for 95 % intervals)."""
    covered = np.asarray(covered, dtype=bool)
    return Check(claim, scenario, "coverage", float(covered.mean()), confidence, covered.size, low=floor)


def power_check(claim: str, scenario: str, detected, *, floor: float) -> Check:
    """Share of replications with a planted effect in which the claim is made: passes at ≥ ``floor``."""
    detected = np.asarray(detected, dtype=bool)
    return Check(claim, scenario, "power", float(detected.mean()), floor, detected.size, low=floor)


def assert_checks(checks: list[Check]) -> None:
    failed = [c for c in checks if not c.passed]
    assert not failed, "\n".join(
        f"{c.claim} / {c.scenario} / {c.measure}: {c.value:.3f} outside [{c.low:.3f}, {c.high:.3f}] "
        f"(nominal {c.nominal:.3f}, n={c.replications})"
        for c in failed
    )
