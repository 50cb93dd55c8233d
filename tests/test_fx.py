"""data.fx: amounts in several currencies are converted into the report currency, or refused."""

from __future__ import annotations

import pytest

from salesnb.data import load_data, read_canonical
from salesnb.errors import DataError
from salesnb.params import load_params

DEALS = """deal_id,rep_id,created_at,amount,status,closed_at,currency
D1,R1,2025-01-05,100,won,2025-02-10,USD
D2,R1,2025-01-06,200,won,2025-03-02,usd
D3,R1,2025-01-07,50,lost,2025-02-03,EUR
D4,R1,2025-03-01,70,open,,USD
D5,R1,2025-01-08,300,won,2025-01-20,CNY
D6,R1,2025-01-09,10,won,2025-01-25,
"""
HISTORY = "deal_id,stage,entered_at,amount\nD1,Prospecting,2025-01-05,90\nD3,Prospecting,2025-01-07,50\nD5,Prospecting,2025-01-08,300\n"
STAGES = {"order": ["Prospecting", "Won"], "won": "Won", "lost": "Lost"}


@pytest.fixture
def mixed(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    (tmp_path / "stage_history.csv").write_text(HISTORY, encoding="utf-8")

    def params(fx=None):
        data = {"base_dir": str(tmp_path), **({"fx": fx} if fx is not None else {})}
        return load_params(write_params(stages=STAGES, currency="CNY", data=data))

    return params


def test_mixed_currencies_without_rates_are_refused_with_the_fx_block_to_add(mixed):
    with pytest.raises(DataError) as err:
        read_canonical(mixed())
    message = str(err.value)
    assert "deals.csv: deal currencies are USD (3 rows), CNY (2 rows), EUR (1 row)" in message
    assert "no rate for USD (3 rows), EUR (1 row)" in message
    assert "data:\n  fx:\n    USD: <CNY per 1 USD>\n    EUR: <CNY per 1 EUR>" in message


def test_one_foreign_currency_is_refused_too(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(
        "deal_id,rep_id,created_at,amount,status,currency\nD1,R1,2025-01-05,100,open,USD\n", encoding="utf-8"
    )
    with pytest.raises(DataError, match=r"deal currencies are USD \(1 row\); the report currency is CNY"):
        read_canonical(load_params(write_params(currency="CNY", data={"base_dir": str(tmp_path)})))


def test_amounts_converted_per_currency_and_month(mixed):
    data = load_data(mixed({"USD": {"2025-02": 7.0, "2025-03": 7.2}, "EUR": 8}))
    deals = data.deals.order_by("deal_id").to_pandas()
    # D1 closed in Feb (7.0), D2 in March (7.2), D4 is open: its created month, March.
    assert deals["amount"].tolist() == pytest.approx([700.0, 1440.0, 400.0, 504.0, 300.0, 10.0])
    assert set(deals["currency"]) == {"CNY"}
    account = data.report.accounts["deals"]
    uses = {u.currency: (u.rows, u.rate, u.months, u.blank) for u in account.currencies}
    assert uses == {
        "USD": (3, None, {"2025-02": 7.0, "2025-03": 7.2}, 0),
        "CNY": (2, 1.0, {}, 1),
        "EUR": (1, 8.0, {}, 0),
    }
    assert {i.reason: i.count for i in account.flagged} == {"blank_currency": 1}
    history = data.stage_history.order_by("deal_id").to_pandas()
    assert history["amount"].tolist() == pytest.approx([630.0, 400.0, 300.0])  # at each deal's rate


def test_a_month_missing_from_a_per_month_table_is_refused(mixed):
    with pytest.raises(DataError, match=r"data\.fx\.USD gives a rate per month but none for 2025-03 \(2 rows\)"):
        read_canonical(mixed({"USD": {"2025-02": 7.0}, "EUR": 8}))


def test_rates_without_a_currency_column_are_refused(tmp_path, write_params):
    (tmp_path / "deals.csv").write_text(
        "deal_id,rep_id,created_at,amount,status\nD1,R1,2025-01-05,100,open\n", encoding="utf-8"
    )
    params = load_params(write_params(data={"base_dir": str(tmp_path), "fx": {"USD": 7.1}}))
    with pytest.raises(DataError, match=r"deals\.csv: data\.fx gives exchange rates but the deals have no currency"):
        read_canonical(params)


def test_the_audit_lists_each_currency_as_read_with_its_rate(mixed):
    from salesnb.analysis.audit import data_audit

    data = load_data(mixed(fx={"USD": 7.0, "EUR": {"2025-02": 7.5}}))
    table = data_audit(data).currencies.set_index("currency")
    assert table.loc["USD", "deals"] == 3 and table.loc["USD", "fx_rate"] == "7"
    assert table.loc["EUR", "fx_rate"] == "2025-02: 7.5"
    assert table.loc["CNY", "deals"] == 2  # D5, and D6 whose blank currency is taken as CNY
