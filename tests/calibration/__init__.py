"""Calibration suite: every claim type a report prints, simulated with and without a planted effect.

Each ``test_*.py`` module here defines ``calibrate() -> list[Check]`` (seeded, cached) and tests that
assert each check; ``python -m tests.calibration`` runs them all and writes ``docs/calibration.md``.
"""
