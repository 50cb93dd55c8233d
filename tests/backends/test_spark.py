"""Every report's key tables on Spark (PySpark, local mode) equal DuckDB's (the 20 k demo, the same code).

One local session (session time zone UTC); the clean canonical tables are cached temporary views.
Skips, with the reason, when PySpark or Java is missing.

One test for the whole comparison, so that ``pytest -n 2`` starts one JVM (xdist's loadgroup does
not group tests under pytest 9.2: pytest-dev/pytest-xdist#1386).
"""

from __future__ import annotations

import pytest

from tests.backends import serve
from tests.backends.reports import NOTEBOOK_REPORTS, assert_reports_equal


@pytest.fixture(scope="session")  # session, like the reference: so it is set up (or skips) first
def spark(tmp_path_factory):
    reason = serve.spark_missing()
    if reason:
        pytest.skip(f"Spark tests skipped: {reason}")
    try:
        session = serve.spark_session(tmp_path_factory.mktemp("spark"))
    except Exception as exc:  # the JVM did not start
        pytest.skip(f"Spark tests skipped: the local session did not start: {type(exc).__name__}: {exc}")
    yield session
    session.stop()


def test_every_report_on_spark_equals_duckdb(spark, reference):
    data = serve.spark_data(spark, reference.params, reference.frames, reference.report)
    assert data.deals._find_backend().name == "pyspark"
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    for name, frame in reference.frames.items():
        table = data.table(name)
        assert table.count().to_pandas() == len(frame), name
        for column, dtype in table.schema().items():
            if frame[column].dtype.kind == "M":  # naive: TIMESTAMP_NTZ, never shifted
                assert dtype.is_timestamp() and dtype.timezone is None, (name, column, dtype)
    # The five notebook reports; the funnel's period and no-history variants (equal on Spark when last
    # checked) run on PostgreSQL and shuffled DuckDB only: on Spark they would add ~40 % to this test.
    seconds = assert_reports_equal(reference.tables, data, "Spark", NOTEBOOK_REPORTS)
    print(f"Spark: every key table equals DuckDB's; seconds per report: {seconds}")
