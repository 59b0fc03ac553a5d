"""Catalog entities as ClickHouse dimension rows, so reporting can join names, groups and ratings.

`dimension_rows` is pure; `write_dimensions` inserts one row per entity, stamped with the publication time (the
dim_* tables are ReplacingMergeTree(published_at): the newest publication of an entity wins). Only what
reporting groups or labels by is written: no personal data (account names, contacts, addresses).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import OperationalError

from pipelines.catalog.models import Catalog, Charger
from pipelines.config import Settings
from pipelines.warehouse.client import connect
from pipelines.warehouse.rows import Row

log = logging.getLogger(__name__)

DIMENSION_COLUMNS: dict[str, tuple[str, ...]] = {
    "dim_tenants": ("tenant_id", "name", "currency", "country", "published_at"),
    "dim_sites": ("tenant_id", "site_id", "name", "time_zone", "default_tariff_id", "published_at"),
    "dim_chargers": ("tenant_id", "charge_point_id", "site_id", "connectors", "max_power_kw", "published_at"),
    "dim_connectors": (
        "tenant_id", "charge_point_id", "connector_id", "site_id", "power_type", "max_power_kw", "published_at",
    ),
    "dim_tariffs": ("tenant_id", "tariff_id", "currency", "type", "description", "published_at"),
    "dim_accounts": (
        "tenant_id", "account_id", "customer_group", "membership_level", "billing_mode", "language", "published_at",
    ),
}  # fmt: skip


def dimension_rows(catalog: Catalog, published_at: datetime) -> dict[str, list[Row]]:
    """Rows per dim_* table for every entity of the catalog, columns as in DIMENSION_COLUMNS."""
    at = published_at
    return {
        "dim_tenants": [(t.tenant_id, t.name, t.currency, t.country, at) for t in catalog.tenants],
        "dim_sites": [(s.tenant_id, s.site_id, s.name, s.time_zone, s.default_tariff_id, at) for s in catalog.sites],
        "dim_chargers": [_charger(c, at) for c in catalog.chargers],
        "dim_connectors": [
            (c.tenant_id, c.charge_point_id, k.connector_id, c.site_id, k.power_type.value, k.max_power_kw, at)
            for c in catalog.chargers
            for k in c.connectors
        ],
        "dim_tariffs": [_tariff(t, at) for t in catalog.tariffs],
        "dim_accounts": [
            (a.tenant_id, a.account_id, a.customer_group, a.membership_level, a.billing_mode.value, a.language, at)
            for a in catalog.accounts
        ],
    }


def _charger(charger: Charger, at: datetime) -> Row:
    peak = max(connector.max_power_kw for connector in charger.connectors)
    return (charger.tenant_id, charger.charge_point_id, charger.site_id, len(charger.connectors), peak, at)


def _tariff(tariff: dict[str, Any], at: datetime) -> Row:
    """OCPI tariff: its first alternative text (the one shown to drivers) describes it."""
    texts = tariff.get("tariff_alt_text") or []
    description = str(texts[0].get("text", "")) if texts and isinstance(texts[0], dict) else ""
    return (tariff["tenant_id"], tariff["id"], tariff["currency"], tariff.get("type"), description, at)


def write_dimensions(client: Client, database: str, catalog: Catalog, published_at: datetime) -> int:
    """Insert the catalog's dimension rows; returns how many rows were written."""
    written = 0
    for table, rows in dimension_rows(catalog, published_at).items():
        if rows:
            client.insert(table, rows, column_names=list(DIMENSION_COLUMNS[table]), database=database)
            written += len(rows)
    return written


def missing_dimension_tables(client: Client, database: str) -> list[str]:
    """dim_* tables the database lacks (migration 0013 not applied yet); empty when all exist."""
    result = client.query(
        "SELECT name FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}",
        parameters={"db": database, "names": list(DIMENSION_COLUMNS)},
    )
    present = {name for (name,) in result.result_rows}
    return [table for table in DIMENSION_COLUMNS if table not in present]


def publish_dimensions(settings: Settings, catalog: Catalog, published_at: datetime) -> int | None:
    """Write the catalog's dimensions to the configured warehouse; rows written, or None when it is skipped.

    The catalog topics are the source of truth and the warehouse may be down or not migrated yet when a catalog is
    published: that is logged and skipped (the next publication writes the dimensions), never an error.
    """
    try:
        client = connect(settings)  # no default database: it may not exist yet
        missing = missing_dimension_tables(client, settings.clickhouse_database)
    except OperationalError as error:
        log.warning("catalog dimensions not written: warehouse unreachable (%s)", error)
        return None
    if missing:
        log.warning("catalog dimensions not written: run `chargeledger migrate` first (missing %s)", ", ".join(missing))
        return None
    return write_dimensions(client, settings.clickhouse_database, catalog, published_at)
