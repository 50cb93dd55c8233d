"""data.source as a DuckDB file or an Ibis URL: same mapping and validation as files."""

import duckdb
import pytest

from salesnb.data import load_data
from salesnb.errors import DataError
from salesnb.params import load_params


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "create table opps as select * from (values "
        "('D1', 'R1', date '2025-01-02', 100.0, 'Closed Won', date '2025-02-01'),"
        "('D2', 'R1', date '2025-01-03', -4.0, 'Closed Lost', date '2025-02-01'),"
        "('D3', 'R2', date '2025-01-04', 7.0, 'Open', null)"
        ") t(id, owner, created, value, state, closed)"
    )
    con.close()
    return path


TABLES = {
    "deals": {
        "table": "opps",
        "columns": {
            "id": "deal_id",
            "owner": "rep_id",
            "created": "created_at",
            "value": "amount",
            "state": "status",
            "closed": "closed_at",
        },
    }
}


@pytest.mark.parametrize("style", ["path", "url"])
def test_duckdb_file_and_ibis_url_sources(warehouse, write_params, style):
    source = str(warehouse) if style == "path" else f"duckdb://{warehouse}"
    params = load_params(write_params(data={"source": source, "tables": TABLES}))
    data = load_data(params)
    account = data.report.accounts["deals"]
    assert (account.rows_read, account.rows_used) == (3, 2)
    assert [(i.reason, i.count) for i in account.excluded] == [("negative_amount", 1)]
    assert data.deals.order_by("deal_id").status.to_pandas().tolist() == ["won", "open"]


def test_unknown_table_in_database(warehouse, write_params):
    tables = {"deals": {**TABLES["deals"], "table": "deals"}}
    params = load_params(write_params(data={"source": str(warehouse), "tables": tables}))
    with pytest.raises(DataError, match="has no table 'deals' \\(for deals\\); its tables are: opps"):
        load_data(params)


def test_typed_ids_in_a_database_match_zero_padded_text_ids(tmp_path, write_params):
    path = tmp_path / "typed.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table agents as select * from (values ('015'), ('016')) t(agent)")
    con.execute(
        "create table opps as select * from (values "
        "(1.0, 15.0, date '2025-01-02', 100.0, 'won', date '2025-02-01'),"
        "(2.0, 17.0, date '2025-01-03', 4.0, 'open', null)"
        ") t(id, owner, created, value, state, closed)"
    )
    con.close()
    tables = {"reps": {"table": "agents", "columns": {"agent": "rep_id"}}, **TABLES}
    data = load_data(load_params(write_params(data={"source": str(path), "tables": tables})))
    account = data.report.accounts["deals"]
    assert [(i.reason, i.count) for i in account.excluded] == [("unknown_rep", 1)]
    assert account.excluded[0].examples[["owner", "rep_id (as compared)"]].values.tolist() == [["17.0", "17"]]
    assert data.deals.to_pandas()[["deal_id", "rep_id"]].values.tolist() == [["1", "15"]]
    assert data.reps.order_by("rep_id").rep_id.to_pandas().tolist() == ["15", "16"]
