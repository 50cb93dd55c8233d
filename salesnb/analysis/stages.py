"""Stage-history semantics shared by the audit and the funnel: how each move is classified.

A move is one history row compared with the deal's previous row (ordered by
``entered_at``). Kinds:

- ``first``: the deal's first recorded stage; ``late_entry`` when that is not the first stage.
- ``forward``: to the next stage; ``skip`` when one or more stages were jumped over.
- ``backward``: to an earlier stage; ``repeat``: the same stage again.
- ``close_lost``: into the lost stage (from anywhere: not a skip).
- ``reopen``: out of the won or lost stage back into the pipeline.
"""

from __future__ import annotations

import ibis
import pandas as pd

from salesnb.params import StageConfig

MOVE_KINDS = ("first", "late_entry", "forward", "skip", "backward", "repeat", "close_lost", "reopen")


def stage_ranks(stages: StageConfig) -> dict[str, int]:
    """Position of each stage in the pipeline; the lost stage ranks -1.

    >>> stage_ranks(StageConfig(order=["Lead", "Deal", "Won"], won="Won", lost="Lost"))
    {'Lead': 0, 'Deal': 1, 'Won': 2, 'Lost': -1}
    """
    return {**{name: i for i, name in enumerate(stages.order)}, stages.lost: -1}


def classify_moves(history: ibis.Table, *, stages: StageConfig) -> ibis.Table:
    """Each history row with its previous stage rank and its move kind (an Ibis expression)."""
    ranks = stage_ranks(stages)
    won_rank = ranks[stages.won]
    rank = history.stage.cases(*ranks.items(), else_=None).name("stage_rank")
    ordered = history.mutate(stage_rank=rank)
    window = ibis.window(group_by="deal_id", order_by=[ordered.entered_at, ordered.stage_rank])
    ordered = ordered.mutate(prev_rank=ordered.stage_rank.lag().over(window))
    cur, prev = ordered.stage_rank, ordered.prev_rank
    kind = ibis.cases(
        (prev.isnull() & (cur == 0), "first"),
        (prev.isnull(), "late_entry"),
        (((prev == -1) | (prev == won_rank)) & (cur != prev), "reopen"),
        (cur == -1, "close_lost"),
        (cur == prev, "repeat"),
        (cur < prev, "backward"),
        (cur == prev + 1, "forward"),
        else_="skip",
    )
    skipped = ibis.cases((kind == "skip", cur - prev - 1), else_=0)
    return ordered.mutate(move=kind, skipped_stages=skipped)


def move_counts(history: ibis.Table, *, stages: StageConfig) -> pd.DataFrame:
    """Moves and deals per move kind: how often each irregularity happens."""
    moves = classify_moves(history, stages=stages)
    counts = moves.group_by("move").aggregate(moves=moves.count(), deals=moves.deal_id.nunique()).to_pandas()
    counts = counts.set_index("move").reindex(MOVE_KINDS, fill_value=0).reset_index()
    return counts.astype({"moves": "int64", "deals": "int64"})
