"""Suggested actions: a rule table mapping a flag on the rep scorecard to an action.

The rules are data, not prose in a notebook: each names the flag, the action's label
key and the test that picks the reps it applies to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from salesnb.params import DiagnosisParams


@dataclass(frozen=True)
class ActionRule:
    flag: str  # label key diag.flag.<flag>
    action: str  # label key diag.action.<action>
    applies: Callable[[pd.DataFrame, pd.DataFrame | None, DiagnosisParams], pd.Series]
    needs: str | None = None  # scorecard column without which the rule is skipped


def _low_conversion(card: pd.DataFrame, kinds, options: DiagnosisParams) -> pd.Series:
    # Only reps whose win rate is below the team's beyond chance (omnibus test, then Holm across reps:
    # diagnosis.rate_reps); a bottom quantile of rates that do not differ would pick reps at random.
    # options.low_conversion_quantile is therefore no longer used.
    return card["standout"] == "below"


def _bottom_group(card: pd.DataFrame, kinds, options: DiagnosisParams) -> pd.Series:
    working = card if "left_before_end" not in card else card[~card["left_before_end"]]
    cut = working["revenue"].quantile(options.bottom_share)
    stayed = ~card["left_before_end"] if "left_before_end" in card else True
    # reps who all earned the same (say nothing has closed yet) have no bottom group
    spread = bool(len(working)) and cut < working["revenue"].max()
    return stayed & (card["revenue"] <= cut) & spread


def _new_rep(card: pd.DataFrame, kinds, options: DiagnosisParams) -> pd.Series:
    return card["tenure_months"] < options.new_rep_months


def _low_activity(card: pd.DataFrame, kinds, options: DiagnosisParams) -> pd.Series:
    return card["activities"] < options.low_activity_share * card["activities"].median()


def _busy_not_closing(card: pd.DataFrame, kinds, options: DiagnosisParams) -> pd.Series:
    if kinds is None:
        return pd.Series(False, index=card.index)
    busy = set(kinds.loc[kinds["archetype"] == "busy_not_closing", "rep_id"])
    return card["rep_id"].isin(busy)


def _low_csat(card: pd.DataFrame, kinds, options: DiagnosisParams) -> pd.Series:
    scores = card["csat"]
    return scores < scores.mean() - scores.std()


ACTION_RULES: tuple[ActionRule, ...] = (
    ActionRule("low_conversion", "training", _low_conversion, needs="standout"),
    ActionRule("bottom_group", "coaching", _bottom_group),
    ActionRule("new_rep", "pairing", _new_rep, needs="tenure_months"),
    ActionRule("low_activity", "activity_targets", _low_activity, needs="activities"),
    ActionRule("busy_not_closing", "qualification", _busy_not_closing, needs="activities"),
    ActionRule("low_csat", "service_review", _low_csat, needs="csat"),
)


def suggest_actions(card: pd.DataFrame, kinds: pd.DataFrame | None, options: DiagnosisParams) -> pd.DataFrame:
    """One row per rule that applies to at least one rep: flag, action, the reps, how many."""
    rows = []
    for rule in ACTION_RULES:
        if rule.needs and rule.needs not in card:
            continue
        hit = rule.applies(card, kinds, options).fillna(False).astype(bool)
        reps = sorted(card.loc[hit, "rep_id"].astype(str))
        if reps:
            rows.append((rule.flag, rule.action, ", ".join(reps), len(reps)))
    return pd.DataFrame(rows, columns=["flag", "action", "reps", "count"])
