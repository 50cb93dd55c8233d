"""The reports do not depend on the order an engine returns rows in.

PostgreSQL and Spark return the rows of an unordered query in another order than DuckDB; a report
that handles rows in arrival order (a bootstrap, a rounding remainder, a table shown as it came)
would differ there. Here the same clean tables are served on DuckDB with their rows shuffled:
every key table must be unchanged. Needs no server, so it runs everywhere.
"""

from __future__ import annotations

import ibis

from salesnb.data import CrmData
from tests.backends.reports import assert_reports_equal


def test_every_report_ignores_row_order(reference):
    con = ibis.duckdb.connect()
    for name, frame in reference.frames.items():
        con.create_table(name, frame.sample(frac=1.0, random_state=20251120).reset_index(drop=True))
    shuffled = CrmData(reference.params, con, reference.report, tuple(reference.frames))
    assert_reports_equal(reference.tables, shuffled, "DuckDB with shuffled rows")
