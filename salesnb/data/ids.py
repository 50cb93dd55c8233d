"""One rule for comparing ids, as an engine expression.

Exports write the same id several ways: ``015`` in one file, ``15`` in another, ``15.0``
where a spreadsheet stored it as a number. With ``data.normalise_ids`` (the default)
every ``deal_id``, ``rep_id`` and ``account_id`` — and lookup keys joined on them — goes
through :func:`normalise_id`: surrounding blanks are stripped, and an id made only of
digits (with an optional ``.0…`` tail) loses its leading zeros and the tail. Anything
else (``A015``, ``15.5``, ``-3``) is kept as written.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from salesnb.data.parse import text

# Columns compared by the rule, in every table that has them.
ID_COLUMNS = ("deal_id", "rep_id", "account_id")

# Greedy only (no look-ahead, no lazy quantifiers, no back-references) so that DuckDB's RE2,
# PostgreSQL and Spark's Java regexes read it alike: ``0*`` takes the leading zeros but must
# leave one digit to the group, so ``000`` keeps ``0``.
_NUMERIC_ID = r"^0*([0-9]+)(\.0*)?$"


def normalise_id(value: ir.Value) -> ir.StringValue:
    """``value`` as stripped text, numeric-looking ids without leading zeros or a ``.0`` tail.

    Blank cells become NULL (as :func:`salesnb.data.parse.text` does).
    """
    return normalise_text_id(text(value))


def normalise_text_id(cell: ir.StringValue) -> ir.StringValue:
    """:func:`normalise_id` of a cell already stripped by :func:`salesnb.data.parse.text`."""
    # Only a leading zero or a dot can change: most ids skip the regular expressions.
    numeric = ibis.cases((cell.re_search(_NUMERIC_ID), cell.re_extract(_NUMERIC_ID, 1)), else_=cell)
    return ibis.cases((cell.startswith("0") | cell.contains("."), numeric), else_=cell)


def normalise_ids(values: pd.Series) -> pd.Series:
    """The rule on a pandas Series (tests, notebooks), run through an in-memory DuckDB.

    >>> normalise_ids(pd.Series(["015", "15.0", " 0015.00 ", "0", "A015", ""])).tolist()
    ['15', '15', '15', '0', 'A015', <NA>]
    """
    con = ibis.duckdb.connect()
    frame = pd.DataFrame({"v": values.reset_index(drop=True).astype("string")})
    table = con.create_table("v", frame).mutate(i=ibis.row_number())
    out = table.select("i", value=normalise_id(table.v)).order_by("i").to_pandas()
    con.disconnect()
    result = out["value"].astype("string")
    result.index = values.index
    return result
