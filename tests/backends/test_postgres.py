"""Every report's key tables on PostgreSQL equal DuckDB's (the 20 k demo, the same analysis code).

A throwaway server (tests/backends/pgserver.py) runs on loopback in a temp folder; the clean
canonical tables are copied into it and the five reports run there through Ibis. Skips, with the
reason, when the server binaries or the Python client are missing.

One test for the whole comparison, so that ``pytest -n 2`` starts one server (xdist's loadgroup
does not group tests under pytest 9.2: pytest-dev/pytest-xdist#1386).
"""

from __future__ import annotations

import contextlib

import pytest

from tests.backends import serve
from tests.backends.pgserver import running_postgres, unavailable_reason
from tests.backends.reports import assert_reports_equal


@pytest.fixture(scope="session")  # session, like the reference: so it is set up (or skips) first
def pg_url():
    reason = unavailable_reason() or serve.postgres_client_missing()
    if reason:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    stack = contextlib.ExitStack()
    try:
        url = stack.enter_context(running_postgres())
    except RuntimeError as exc:
        pytest.skip(f"PostgreSQL tests skipped: the server did not start: {exc}")
    with stack:  # stops the server and deletes its folder
        yield url


def test_every_report_on_postgres_equals_duckdb(pg_url, reference):
    data = serve.postgres_data(pg_url, reference.params, reference.frames, reference.report)
    try:
        assert data.deals._find_backend().name == "postgres"
        for name, frame in reference.frames.items():
            table = data.table(name)
            assert table.count().to_pandas() == len(frame), name
            for column, dtype in table.schema().items():
                if frame[column].dtype.kind == "M":  # naive: timestamp without time zone, never shifted
                    assert dtype.is_timestamp() and dtype.timezone is None, (name, column, dtype)
        seconds = assert_reports_equal(reference.tables, data, "PostgreSQL")
        print(f"PostgreSQL: every key table equals DuckDB's; seconds per report: {seconds}")
        if pg_url.stat_statements:  # the work ran in the database: its aggregate queries were seen there
            seen = data.con.sql(
                "SELECT sum(calls) AS calls FROM pg_stat_statements WHERE query ILIKE '%GROUP BY%'"
            ).to_pandas()
            assert int(seen["calls"].iloc[0]) >= 20, seen
    finally:
        data.con.disconnect()
