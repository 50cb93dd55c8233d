import ibis
import pandas as pd

from salesnb.analysis.stages import classify_moves, move_counts
from salesnb.params import StageConfig

STAGES = StageConfig(order=["A", "B", "C", "Won"], won="Won", lost="Lost")
HISTORY = pd.DataFrame(
    {
        "deal_id": ["1", "1", "1", "2", "2", "3", "3", "3", "4", "4", "4", "5", "5"],
        "stage": ["A", "B", "Won", "B", "Lost", "A", "C", "B", "A", "Lost", "B", "A", "A"],
        "entered_at": pd.to_datetime(
            [
                "2024-01-01",
                "2024-01-05",
                "2024-01-09",
                "2024-01-01",
                "2024-02-01",
                "2024-01-01",
                "2024-01-02",
                "2024-01-03",
                "2024-01-01",
                "2024-01-02",
                "2024-01-03",
                "2024-01-01",
                "2024-01-04",
            ]
        ),
    }
)


def test_each_move_kind_is_classified():
    moves = classify_moves(ibis.memtable(HISTORY), stages=STAGES).to_pandas()
    kinds = moves.sort_values(["deal_id", "entered_at"]).groupby("deal_id")["move"].apply(list).to_dict()
    assert kinds == {
        "1": ["first", "forward", "skip"],
        "2": ["late_entry", "close_lost"],
        "3": ["first", "skip", "backward"],
        "4": ["first", "close_lost", "reopen"],
        "5": ["first", "repeat"],
    }
    skipped = moves.loc[moves["move"] == "skip"].sort_values("deal_id")["skipped_stages"].tolist()
    assert skipped == [1, 1]


def test_move_counts_per_kind():
    counts = move_counts(ibis.memtable(HISTORY), stages=STAGES).set_index("move")
    assert counts.loc["skip", "moves"] == 2 and counts.loc["skip", "deals"] == 2
    assert counts.loc["reopen", "deals"] == 1
    assert counts.loc["late_entry", "deals"] == 1
    assert counts["moves"].sum() == len(HISTORY)
