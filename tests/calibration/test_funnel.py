"""Calibration of the funnel report's claims (report 03).

Claims simulated, through the same functions the report calls (``step_outcomes`` → ``compare_groups``,
``bottlenecks`` and the findings' ``_claimable`` rule):

- **funnel group difference** — "group X's step conversion differs from the rest" (Holm over every
  group × step of one table); a false alarm is any group flagged in a replication where nothing differs;
- **bottleneck team** — the first finding names a team as the bottleneck (it must also be significantly
  lower at that step); a false alarm is naming any team when no team differs.

Data are shaped like real CRM exports: three or four teams of uneven size, reps with very different deal
counts, one rep hired two months before the data end (only young deals, many still open), unowned leads
(no rep, no team) that are mostly lost early, nine months of history, deals still open at every stage,
and losses that come faster than moving on (so the deals that resolved early are mostly losses — the
trap that makes a rep with young deals look like a poor converter on resolved deals alone).
"""

from __future__ import annotations

import functools
from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from salesnb.analysis import funnel as fn
from salesnb.analysis import funnel_text as fx
from salesnb.analysis.metrics import Window
from salesnb.params import FunnelParams, StageConfig
from tests.calibration.common import (
    Check,
    assert_checks,
    coverage_check,
    false_alarm_check,
    power_check,
)

# The tests here share one cached calibrate(): keep them on one xdist worker so it runs once, not once per worker.
pytestmark = pytest.mark.xdist_group("calibration-funnel")

STAGES = StageConfig(order=["Prospecting", "Qualification", "Proposal", "Won"], won="Won", lost="Lost")
BASE = [0.55, 0.62, 0.62]  # chance of moving on at each step, given the deal resolves there
AS_OF = date(2025, 9, 30)
WINDOW = Window("2025-01–2025-09", date(2025, 1, 1), AS_OF)
OPTIONS = FunnelParams()
ALPHA = OPTIONS.alpha
REPLICATIONS = 200  # each scenario with nothing planted
PLANTED_REPLICATIONS = 200
MOVE_DAYS, LOSE_DAYS = 24.0, 9.0  # mean days to move on / to be lost: losses come first


def simulate(
    rng: np.random.Generator,
    *,
    teams: dict[str, list[int]],
    young_team: str | None = None,
    planted: dict | None = None,
    unowned: int = 150,
    dated: bool = True,
) -> pd.DataFrame:
    """Per-deal rows as :func:`salesnb.analysis.funnel.deal_rows` returns them.

    ``teams`` maps a team to its reps' deal counts over nine months; the first rep of ``young_team``
    (or of the last team) joined 60 days before the end. ``planted`` = {"team", "step", "p"} gives one
    team another chance of moving on at one step. ``dated=False`` drops the dates of moving on to the
    intermediate stages, as a CRM without stage history does.
    """
    n_steps = len(STAGES.order) - 1
    end = pd.Timestamp(AS_OF) + pd.Timedelta(days=1)
    span = (end - pd.Timestamp(WINDOW.start)).days
    young_team = young_team or list(teams)[-1]
    team_col, rep_col, ages = [], [], []
    for team, reps in teams.items():
        for i, n in enumerate(reps):
            rep = f"{team}-r{i}"
            young = team == young_team and i == 0
            n_here = max(int(n * (60 / span)) * 2, 10) if young else n
            ages.append(rng.uniform(0, 60 if young else span, n_here))
            team_col += [team] * n_here
            rep_col += [rep] * n_here
    ages.append(rng.uniform(0, span, unowned))
    team_col += [None] * unowned
    rep_col += [None] * unowned
    age = np.concatenate(ages)  # days from creation to the end of the data
    n = age.size
    team_arr = np.array(team_col, dtype=object)
    p = np.tile(np.array(BASE), (n, 1))
    p[team_arr == None, 0] = 0.25  # noqa: E711 - unowned leads are mostly lost at the first step
    if planted:
        p[team_arr == planted["team"], planted["step"]] = planted["p"]
    clock = np.zeros(n)
    rank = np.zeros(n, dtype=int)
    status = np.full(n, "open", dtype=object)
    closed = np.full(n, np.nan)
    entry = np.full((n, n_steps + 1), np.nan)
    entry[:, 0] = 0.0
    alive = np.ones(n, dtype=bool)
    for k in range(n_steps):
        moves = rng.random(n) < p[:, k]
        wait = np.where(moves, rng.gamma(2.0, MOVE_DAYS / 2, n), rng.exponential(LOSE_DAYS, n))
        when = clock + wait
        done = alive & (when <= age)
        moved, lost = done & moves, done & ~moves
        entry[moved, k + 1] = when[moved]
        rank[moved] = k + 1
        status[lost] = "lost"
        closed[lost] = when[lost]
        clock = np.where(moved, when, clock)
        alive = moved
    status[rank == n_steps] = "won"
    closed[rank == n_steps] = entry[rank == n_steps, n_steps]
    created = end - pd.to_timedelta(age, unit="D")

    def stamped(days: np.ndarray) -> pd.Series:  # created + days, NaT where days is NaN
        stamp = created + pd.to_timedelta(np.nan_to_num(days), unit="D")
        return pd.Series(stamp).where(~np.isnan(days))

    rows = pd.DataFrame(
        {
            "team": team_arr,
            "rep_id": np.array(rep_col, dtype=object),
            "status": status,
            "amount": rng.lognormal(9, 0.6, n),
            "created_at": created.floor("D"),
            "closed_at": stamped(closed),
            "max_rank": rank,
        }
    )
    for k in range(n_steps + 1):
        rows[f"reached_{k}"] = (rank >= k).astype(int)
        stamp = stamped(entry[:, k])
        if not dated and 0 < k < n_steps:
            stamp = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns]")
        rows[f"entry_{k}"] = stamp
    return rows


def report_claims(rows: pd.DataFrame, *, by: tuple[str, ...] = ("team",), bottleneck: bool = False) -> SimpleNamespace:
    """What the report would say from these deals: the group tests for each of ``by``, and which team
    (if any) the first finding names as the bottleneck."""
    outcomes = fn.step_outcomes(rows, stages=STAGES, as_of=AS_OF, window=WINDOW)
    tests = {group: fn.compare_groups(outcomes, group, min_deals=OPTIONS.min_deals, alpha=ALPHA) for group in by}
    named = None
    if bottleneck:
        table = fn.bottlenecks(outcomes, stages=STAGES, options=OPTIONS, scale=0.25)
        best = fx.headline_bottleneck(SimpleNamespace(tests=tests, bottlenecks=table))
        if best is not None and best["group"] != "all":
            named = (best["group"], best["stage"])
    return SimpleNamespace(outcomes=outcomes, tests=tests, named=named)


UNEVEN_TEAMS = {"North": [160, 120, 90, 40], "South": [200, 60], "East": [110, 100, 70]}
FOUR_TEAMS = {"A": [150, 90], "B": [120, 110, 60], "C": [200], "D": [80, 70, 50]}


@functools.cache
def calibrate() -> list[Check]:
    checks = []
    claim = "funnel group difference"

    # 1. Nothing planted: four uneven teams, team D has a rep hired two months ago, unowned leads. The
    # same replications serve the rep table, the team table and the bottleneck finding (separate claims,
    # each its own family); and the all-deals step conversion interval's coverage.
    rng = np.random.default_rng(9103)
    rep_alarms, team_alarms, named, covered = [], [], [], []
    for _ in range(REPLICATIONS):
        result = report_claims(simulate(rng, teams=FOUR_TEAMS, young_team="D"), by=("rep_id", "team"), bottleneck=True)
        rep_alarms.append(result.tests["rep_id"]["significant"].any())
        team_alarms.append(result.tests["team"]["significant"].any())
        named.append(result.named is not None)
        overall = fn.step_conversion(result.outcomes)
        overall = overall[overall["step"] == 2].iloc[0]  # owned and unowned share the base rate here
        covered.append(overall["eventual_low"] <= BASE[2] <= overall["eventual_high"])
    scenario = "none differ; 4 uneven teams, a new rep, unowned leads"
    checks.append(false_alarm_check(claim, f"reps, {scenario}", rep_alarms, alpha=ALPHA))
    checks.append(false_alarm_check(claim, f"teams, {scenario}", team_alarms, alpha=ALPHA))
    checks.append(false_alarm_check("bottleneck team", scenario, named, alpha=ALPHA))
    checks.append(coverage_check("step conversion interval", "all deals, Proposal → Won (eventual)", covered))

    # 2. The same without dates of moving on (no stage history): resolved deals are compared.
    rng = np.random.default_rng(9102)
    alarms = [
        report_claims(simulate(rng, teams=UNEVEN_TEAMS, dated=False), by=("rep_id",))
        .tests["rep_id"]["significant"]
        .any()
        for _ in range(REPLICATIONS)
    ]
    checks.append(false_alarm_check(claim, "reps, none differ; no stage history, a new rep", alarms, alpha=ALPHA))

    # 3. Planted: team South moves on from Qualification at 0.35 against 0.62 (the demo's bottleneck size).
    rng = np.random.default_rng(9104)
    planted = {"team": "South", "step": 1, "p": 0.35}
    found, named_right, eventual_cov, resolved_cov = [], [], [], []
    for _ in range(PLANTED_REPLICATIONS):
        result = report_claims(simulate(rng, teams=UNEVEN_TEAMS, planted=planted), bottleneck=True)
        tests = result.tests["team"]
        hit = tests[(tests["team"] == "South") & (tests["stage"] == "Qualification")]
        found.append(bool(hit["significant"].iloc[0] and hit["direction"].iloc[0] == "lower"))
        named_right.append(result.named == ("South", "Qualification"))
        team = fn.step_conversion(result.outcomes, by="team")
        row = team[(team["team"] == "South") & (team["step"] == 1)].iloc[0]
        eventual_cov.append(row["eventual_low"] <= 0.35 <= row["eventual_high"])
        # for reference: the Wilson interval on resolved deals alone
        resolved_cov.append(row["next_low"] <= 0.35 <= row["next_high"])
    scenario = "team 0.35 vs 0.62 at one step, ~130 of ~470 deals there"
    checks.append(power_check(claim, scenario, found, floor=0.8))
    checks.append(power_check("bottleneck team", scenario, named_right, floor=0.8))
    checks.append(coverage_check("step conversion interval", "planted team (eventual)", eventual_cov))
    checks.append(
        Check(
            "step conversion interval",
            "planted team (resolved deals only, for reference)",
            "coverage (reference, not asserted)",
            float(np.mean(resolved_cov)),
            0.95,
            len(resolved_cov),
        )
    )
    return checks


def test_funnel_claims_false_alarms():
    assert_checks([c for c in calibrate() if c.measure == "false alarms"])


def test_funnel_claims_power_and_coverage():
    assert_checks([c for c in calibrate() if c.measure in ("power", "coverage")])


if __name__ == "__main__":
    for check in calibrate():
        print(check)
