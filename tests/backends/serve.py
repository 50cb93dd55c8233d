"""Serve clean canonical frames as a CrmData on PostgreSQL or Spark (tests and benchmarks).

The analyses only see ``CrmData.table(name)``; here the tables live on another engine. Column
types are kept as DuckDB serves them: text, float64 and naive timestamps (PostgreSQL
``timestamp without time zone``; Spark's session time zone is UTC so nothing shifts).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import ibis
import pandas as pd

from salesnb.data import CrmData


def _ibis_schema(frame: pd.DataFrame) -> ibis.Schema:
    return ibis.memtable(frame).schema()


# --- PostgreSQL ---------------------------------------------------------------------------------------------------


def postgres_client_missing() -> str | None:
    """Why the Python side of PostgreSQL is not usable, or None."""
    try:
        import ibis.backends.postgres  # noqa: F401
        import psycopg  # noqa: F401
    except Exception as exc:  # ImportError, or psycopg's own error when libpq is missing
        return f"the PostgreSQL client is not installed ({type(exc).__name__}: {exc}); pip install -e '.[postgres]'"
    return None


def copy_to_postgres(con, name: str, frame: pd.DataFrame) -> None:
    """Create ``name`` with the frame's Ibis schema and fill it with COPY: the 20 k demo's 165 k rows in
    3–5 s, where ibis' ``create_table(name, frame)`` INSERTs took 15 s. Missing values become NULL."""
    from psycopg import sql

    con.create_table(name, schema=_ibis_schema(frame), overwrite=True)
    values = frame.astype(object).where(frame.notna(), None)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(name), sql.SQL(", ").join(sql.Identifier(c) for c in frame.columns)
    )
    with con.con.cursor() as cur:
        with cur.copy(statement) as copy:
            for row in values.itertuples(index=False, name=None):
                copy.write_row(row)
        cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(name)))
    con.con.commit()


def postgres_data(url: str, params, frames: dict[str, pd.DataFrame], report) -> CrmData:
    con = ibis.connect(url)
    for name, frame in frames.items():
        copy_to_postgres(con, name, frame)
    return CrmData(params, con, report, tuple(frames))


# --- Spark --------------------------------------------------------------------------------------------------------


def spark_missing() -> str | None:
    """Why a local Spark session cannot start here, or None."""
    try:
        import ibis.backends.pyspark  # noqa: F401
        import pyspark  # noqa: F401
    except Exception as exc:
        return f"PySpark is not installed ({type(exc).__name__}: {exc}); pip install -e '.[spark]'"
    java = Path(os.environ["JAVA_HOME"]) / "bin" / "java" if os.environ.get("JAVA_HOME") else shutil.which("java")
    if not java or not Path(java).exists():
        where = (
            f"JAVA_HOME={os.environ['JAVA_HOME']} has no bin/java" if os.environ.get("JAVA_HOME") else "none on PATH"
        )
        return f"no Java runtime ({where}); Spark needs Java 17"
    try:
        done = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30, check=False)
    except Exception as exc:
        return f"{java} -version failed: {exc}"
    if done.returncode != 0:
        return f"{java} -version failed: {done.stderr.strip()[:200]}"
    return None


def spark_session(workdir: Path | None = None, cores: int = 2, *, small: bool = True):
    """A local-mode session: UTC, no UI, quiet; with ``small`` tuned for a few hundred thousand rows.

    The reports run ~150 small queries, each paying Spark's fixed cost, so for small data: one
    shuffle partition, no adaptive re-planning, and a JVM that compiles with C1 only and uses the
    serial GC (measured on the 20 k demo, 2 busy cores: JVM CPU 99 s -> 46 s, wall 131 s -> 68 s).
    """
    from pyspark.sql import SparkSession

    if workdir is None:  # the warehouse folder (empty unless tables are saved), removed at exit
        workdir = Path(tempfile.mkdtemp(prefix="salesnb-spark-"))
        atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # loopback only, and no hostname warning
    java = "-Duser.timezone=UTC" + (" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC" if small else "")
    partitions = "1" if small else str(cores * 2)
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("salesnb")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", java)
        .config("spark.executor.extraJavaOptions", java)
        .config("spark.sql.shuffle.partitions", partitions)
        .config("spark.default.parallelism", str(cores))
        .config("spark.sql.adaptive.enabled", "false" if small else "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.warehouse.dir", str(workdir / "warehouse"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_data(session, params, frames: dict[str, pd.DataFrame], report) -> CrmData:
    """Each frame as a cached temporary view (ibis' create_table writes Parquet tables: slower)."""
    from pyspark.sql import types as T

    con = ibis.pyspark.connect(session)
    for name, frame in frames.items():
        schema = _ibis_schema(frame)
        fields = [T.StructField(c, _spark_type(t), True) for c, t in schema.items()]
        df = session.createDataFrame(frame, T.StructType(fields))  # through Arrow
        df.cache().createOrReplaceTempView(name)
        df.count()  # materialise the cache once, not inside the first report
    return CrmData(params, con, report, tuple(frames))


def _spark_type(dtype):
    from pyspark.sql import types as T

    if dtype.is_string():
        return T.StringType()
    if dtype.is_float64():
        return T.DoubleType()
    if dtype.is_integer():
        return T.LongType()
    if dtype.is_boolean():
        return T.BooleanType()
    if dtype.is_timestamp():
        return T.TimestampNTZType()
    if dtype.is_date():
        return T.DateType()
    raise TypeError(f"no Spark type for {dtype}")
