"""A small, hand-checkable warehouse for the reporting tests: two tenants, a corrected revision, status events.

Tenant e2e (the integration catalog's dimensions): on 2026-10-05 CP-E2E-1 connector 1 charges 09:00-10:00
(session 1, 10 kWh) and is Charging 09:00-10:30 by its status, then Available; session 2 on 2026-10-06 was
rated at 10 kWh (revision 0) and corrected to 12 kWh (revision 1); three meter readings 09:10-09:40 on
2026-10-05, inserted twice as a replayed batch would be. Tenant other: one session, two statuses and a meter
reading on 2026-10-05 at CP-O-1.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from clickhouse_connect.driver.client import Client

from pipelines.catalog.load import load_catalog
from pipelines.config import Settings
from pipelines.warehouse.client import connect
from pipelines.warehouse.dimensions import DIMENSION_COLUMNS, write_dimensions
from pipelines.warehouse.migrate import apply_migrations
from pipelines.warehouse.rows import EVENT_COLUMNS, Row, rated_session_rows
from pipelines.warehouse.sink import insert_tables
from tests.integration.pipeline_harness import CATALOG, REPO
from tests.unit.rating.builders import rate, session, tariff

SIMPLE = tariff(
    """{"id": "E2E-T1", "currency": "EUR", "elements": [{"price_components": [
    {"type": "FLAT", "price": 1.00, "vat": 19, "step_size": 1},
    {"type": "ENERGY", "price": 0.40, "vat": 19, "step_size": 1}]}]}"""
)
PUBLISHED = datetime(2026, 10, 1, tzinfo=UTC)


def rated(tenant: str, cp: str, tx: int, start: datetime, kwh: int, revision: int = 0) -> dict[str, list[Row]]:
    ids = {"tenant_id": tenant, "charge_point_id": cp, "transaction_id": str(tx), "session_id": f"{tenant}/{cp}/{tx}"}
    closed = replace(session(start, ("c", 60, kwh)), revision=revision, **ids)
    site, account = ("E2E-SITE", "E2E-A1") if tenant == "e2e" else ("O-SITE", "O-A1")
    return rated_session_rows(replace(rate(closed, SIMPLE), site_id=site, account_id=account))


def event(tenant: str, cp: str, at: datetime, kind: str, **fields: Any) -> Row:
    values: dict[str, Any] = {
        "event_id": uuid.uuid4().hex, "tenant_id": tenant, "charge_point_id": cp, "protocol": "ocpp1.6",
        "direction": "upstream", "message_type": 2, "message_id": "m", "action": "StatusNotification", "kind": kind,
        "received_at": at, "station_time": at, "connector_id": 1, "offline": False, "payload": "{}",
    } | fields  # fmt: skip
    return tuple(values.get(column) for column in EVENT_COLUMNS)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


@functools.cache
def build_reporting_warehouse(warehouse_url: str) -> tuple[Settings, Client]:
    """A migrated database holding the data described above, built once per warehouse and shared by the reporting,
    analyst-query and row-policy tests (none of them changes it); the client's default database is it."""
    settings = Settings(clickhouse_url=warehouse_url, clickhouse_database=f"t_rep_{uuid.uuid4().hex[:8]}")
    apply_migrations(connect(settings), REPO / "schemas" / "clickhouse", settings.clickhouse_database)
    client = connect(settings, database=settings.clickhouse_database)
    database = settings.clickhouse_database
    write_dimensions(client, database, load_catalog(CATALOG), PUBLISHED)
    site = ("other", "O-SITE", "Anderer Platz", "Europe/Berlin", "O-T1", PUBLISHED)
    client.insert("dim_sites", [site], column_names=list(DIMENSION_COLUMNS["dim_sites"]))
    for tables in [
        rated("e2e", "CP-E2E-1", 1, at(5, 9), 10),
        rated("e2e", "CP-E2E-1", 2, at(6, 9), 10, revision=0),
        rated("e2e", "CP-E2E-1", 2, at(6, 9), 12, revision=1),
        rated("other", "CP-O-1", 1, at(5, 9), 7),
    ]:
        insert_tables(client, database, tables)
    status = [
        event("e2e", "CP-E2E-1", at(5, 9), "status", status="Charging"),
        event("e2e", "CP-E2E-1", at(5, 10, 30), "status", status="Available"),
        event("other", "CP-O-1", at(5, 9), "status", status="Charging"),
        event("other", "CP-O-1", at(5, 10), "status", status="Available"),
    ]
    meter = [
        event("e2e", "CP-E2E-1", at(5, 9, minute), "meter_values", action="MeterValues", meter_wh=Decimal(wh),
              power_w=Decimal(power))
        for minute, wh, power in [(10, 1000, 11000), (20, 5000, 22000), (40, 11000, 21000)]
    ]  # fmt: skip
    meter.append(event("other", "CP-O-1", at(5, 9, 30), "meter_values", meter_wh=Decimal(500), power_w=Decimal(7000)))
    insert_tables(client, database, {"charging_events": status + meter})
    insert_tables(client, database, {"charging_events": meter})  # a replayed batch: same event ids
    return settings, client
