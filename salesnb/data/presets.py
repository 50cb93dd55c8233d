"""Column-mapping presets: a preset fills ``data.tables`` defaults; the params file overrides them.

``generic`` expects canonical column names in files named after the tables
(``deals.csv``, ``reps.xlsx``, …). ``maven_crm`` maps the Maven Analytics "CRM Sales
Opportunities" export (see shared/data/real/.../PROVENANCE.md): its four CSVs are joined
and its quirks are handled in the open (``GTXPro`` is renamed ``GTX Pro`` so it matches
products.csv, and the audit counts the renamed rows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from salesnb import schema
from salesnb.params import TableSource

if TYPE_CHECKING:
    from salesnb.params import Params

# A preset table whose file is missing is simply absent (optional tables), except deals.
GENERIC: dict[str, dict] = {name: {"file": f"{name}.*"} for name in schema.TABLES}

MAVEN_CRM: dict[str, dict] = {
    "deals": {
        "file": "sales_pipeline.csv",
        "columns": {
            "opportunity_id": "deal_id",
            "sales_agent": "rep_id",
            "engage_date": "created_at",
            "close_date": "closed_at",
            "close_value": "amount",
            "deal_stage": "stage",
            "account": "account_id",
            "product": "product",
        },
        "values": {"product": {"GTXPro": "GTX Pro"}, "segment": {"technolgy": "technology"}},
        "constants": {"currency": "USD"},
        "lookups": [
            {"file": "accounts.csv", "key": "account", "on": "account_id", "columns": {"sector": "segment"}},
            {"file": "products.csv", "key": "product", "on": "product", "columns": {}},
            {"file": "sales_teams.csv", "key": "sales_agent", "on": "rep_id", "columns": {"regional_office": "region"}},
        ],
    },
    "reps": {
        "file": "sales_teams.csv",
        "columns": {
            "sales_agent": ["rep_id", "name"],
            "manager": ["manager", "team"],
            "regional_office": "region",
        },
    },
}

PRESETS: dict[str, dict[str, dict]] = {"generic": GENERIC, "maven_crm": MAVEN_CRM}


def effective_tables(params: Params) -> dict[str, TableSource]:
    """The preset's tables overlaid with the params file's own ``data.tables``.

    A table named in the params file replaces the preset's keys it sets and extends its
    mappings (``columns``, ``values``, ``constants``); the rest of the preset entry is kept,
    so ``deals: {encoding: gb18030}`` only changes the encoding.
    """
    merged: dict[str, TableSource] = {}
    preset = PRESETS[params.data.preset]
    for name in schema.TABLES:
        own = params.data.tables.get(name)
        base = preset.get(name)
        if own is None and base is None:
            continue
        if own is None:
            merged[name] = TableSource.model_validate(base)
            continue
        given = own.model_dump(exclude_unset=True)
        if base and "table" not in given:
            combined = {**base, **given}
            for key in ("columns", "constants"):
                combined[key] = {**base.get(key, {}), **given.get(key, {})}
            values = {col: dict(m) for col, m in base.get("values", {}).items()}
            for col, mapping in given.get("values", {}).items():
                values[col] = {**values.get(col, {}), **mapping}
            combined["values"] = values
            merged[name] = TableSource.model_validate(combined)
        else:
            merged[name] = own
    return merged


def is_preset_only(params: Params, name: str) -> bool:
    """True when a table comes from the preset alone, so a missing file means 'no such table'."""
    return name not in params.data.tables
