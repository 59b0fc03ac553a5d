"""Migration 0013 on the real warehouse: dimensions, the daily grain, utilization, the meter roll-up, tenant ids."""

from __future__ import annotations

from decimal import Decimal

import pytest
from clickhouse_connect.driver.client import Client

from pipelines.catalog.load import load_catalog
from pipelines.warehouse.dimensions import missing_dimension_tables, publish_dimensions
from tests.integration.pipeline_harness import CATALOG
from tests.integration.reporting_data import PUBLISHED, build_reporting_warehouse

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(warehouse_url: str) -> Client:
    return build_reporting_warehouse(warehouse_url)[1]


def test_usage_daily_counts_the_latest_revision_once_with_dimension_names(client: Client) -> None:
    rows = client.query(
        "SELECT u.day, u.sessions, u.energy_kwh, u.revenue_excl_vat, u.customer_group, s.name "
        "FROM usage_daily AS u LEFT JOIN dim_sites AS s FINAL ON u.tenant_id = s.tenant_id AND u.site_id = s.site_id "
        "WHERE u.tenant_id = 'e2e' ORDER BY u.day"
    ).result_rows
    assert [(str(day), n, kwh, eur, group, site) for day, n, kwh, eur, group, site in rows] == [
        ("2026-10-05", 1, Decimal(10), Decimal("5.000000000"), "public", "Testplatz"),
        ("2026-10-06", 1, Decimal(12), Decimal("5.800000000"), "public", "Testplatz"),  # revision 1 only: 1 + 12 x 0.40
    ]


def test_utilization_per_connector_and_hour(client: Client) -> None:
    rows = client.query(
        "SELECT toHour(hour), occupied_s, charging_s, occupied_share, charging_share FROM utilization_hourly "
        "WHERE tenant_id = 'e2e' AND toDate(hour) = '2026-10-05' ORDER BY hour"
    ).result_rows
    assert rows[:2] == [(9, 3600.0, 3600.0, 1.0, 1.0), (10, 1800.0, 0.0, 0.5, 0.0)]
    assert all(occupied == 0 for _, occupied, *_ in rows[2:])  # Available from 10:30 on


def test_meter_roll_up_is_idempotent_under_replayed_batches(client: Client) -> None:
    rows = client.query(
        "SELECT readings, registered_wh, peak_power_w FROM meter_hourly_current WHERE tenant_id = 'e2e'"
    ).result_rows
    assert rows == [(3, Decimal(10000), Decimal(22000))]  # three readings although the batch arrived twice


def test_every_table_carries_a_tenant_id(client: Client) -> None:
    missing = client.query(
        "SELECT t.name FROM system.tables AS t WHERE t.database = currentDatabase() AND t.name != 'schema_migrations' "
        "AND t.engine NOT IN ('View', 'MaterializedView') AND t.name NOT IN "
        "(SELECT table FROM system.columns WHERE database = currentDatabase() AND name = 'tenant_id')"
    ).result_rows
    assert missing == []


def test_dimensions_publish_newest_wins_and_skip_an_unmigrated_database(client: Client, warehouse_url: str) -> None:
    from datetime import timedelta

    from pipelines.config import Settings

    catalog = load_catalog(CATALOG)
    settings = Settings(clickhouse_url=warehouse_url, clickhouse_database=client.database)
    renamed = catalog.model_copy(update={"sites": [catalog.sites[0].model_copy(update={"name": "Neuer Platz"})]})
    assert publish_dimensions(settings, renamed, PUBLISHED + timedelta(days=1)) == 11  # 1+1+2+2+1+4 entities
    assert client.query("SELECT name FROM dim_sites FINAL WHERE tenant_id = 'e2e'").result_rows == [("Neuer Platz",)]
    unmigrated = settings.model_copy(update={"clickhouse_database": "t_not_migrated"})
    assert publish_dimensions(unmigrated, catalog, PUBLISHED) is None
    assert len(missing_dimension_tables(client, "t_not_migrated")) == 6
    publish_dimensions(settings, catalog, PUBLISHED + timedelta(days=2))  # the other tests' names again
