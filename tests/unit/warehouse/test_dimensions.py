"""Catalog entities as dimension rows: one per entity, columns in DIMENSION_COLUMNS order, no personal data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipelines.catalog.load import load_catalog
from pipelines.warehouse.dimensions import DIMENSION_COLUMNS, dimension_rows

CATALOG = Path(__file__).resolve().parents[2] / "integration" / "catalog.yaml"
AT = datetime(2026, 11, 1, tzinfo=UTC)


def test_every_entity_becomes_one_row_of_its_table() -> None:
    catalog = load_catalog(CATALOG)
    rows = dimension_rows(catalog, AT)
    assert set(rows) == set(DIMENSION_COLUMNS)
    assert len(rows["dim_sites"]) == len(catalog.sites) and len(rows["dim_accounts"]) == len(catalog.accounts)
    assert len(rows["dim_connectors"]) == sum(len(c.connectors) for c in catalog.chargers)
    for table, table_rows in rows.items():
        assert all(len(row) == len(DIMENSION_COLUMNS[table]) and row[-1] == AT for row in table_rows), table


def test_rows_hold_names_groups_and_ratings_but_no_contacts() -> None:
    catalog = load_catalog(CATALOG)
    rows = dimension_rows(catalog, AT)
    assert rows["dim_sites"][0][:3] == ("e2e", "E2E-SITE", "Testplatz")
    charger = catalog.chargers[0]
    assert rows["dim_chargers"][0][3:5] == (len(charger.connectors), max(c.max_power_kw for c in charger.connectors))
    account = dict(zip(DIMENSION_COLUMNS["dim_accounts"], rows["dim_accounts"][0], strict=True))
    assert account["customer_group"] == "public" and account["billing_mode"] == catalog.accounts[0].billing_mode.value
    flat = repr(rows)
    assert not any(a.email and a.email in flat for a in catalog.accounts)
    assert not any(a.name in flat for a in catalog.accounts)
