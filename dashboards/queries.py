"""Every query the operator dashboard runs, as SQL with ClickHouse server-side parameters, and the one runner.

User input (tenant, period) only ever reaches ClickHouse as a bound parameter ({name:Type}), never formatted into
the SQL text. Money columns come back as Decimal and stay Decimal here; only rendering turns them into text or
chart coordinates. A panel names the tables it reads, so a warehouse migrated before those tables existed (flags
arrive with a later migration) shows "no data yet" instead of an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clickhouse_connect.driver.client import Client

TENANT = "({tenant:String} = '' OR tenant_id = {tenant:String})"
PERIOD = "started_at >= {start:DateTime64(6, 'UTC')} AND started_at < {end:DateTime64(6, 'UTC')}"
HEATMAP_CHARGERS = 40  # the busiest chargers only: a heatmap of a thousand rows is unreadable
LIST_LIMIT = 100


@dataclass(frozen=True)
class Filters:
    """What the operator asked for: one tenant or all (None), and the period [start, end) in UTC."""

    tenant_id: str | None
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return max(1, round((self.end - self.start).total_seconds() / 86400))

    @property
    def bucket_s(self) -> int:
        """Hourly points for periods of up to three days, daily points beyond."""
        return 3600 if self.days <= 3 else 86400

    def params(self) -> dict[str, Any]:
        return {"tenant": self.tenant_id or "", "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Query:
    """One panel's SQL, the tables it reads and parameters of its own beyond the filters."""

    name: str
    sql: str
    tables: tuple[str, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def params(self, filters: Filters) -> dict[str, Any]:
        """The parameters its SQL uses: live panels ignore the period."""
        given = {**filters.params(), **self.extra}
        return {name: value for name, value in given.items() if f"{{{name}:" in self.sql}


@dataclass(frozen=True)
class Result:
    """Rows of a panel's query, or `missing` naming the tables the warehouse does not have yet."""

    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    missing: tuple[str, ...] = ()

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def timeline(filters: Filters) -> Query:
    sql = f"""
SELECT toStartOfInterval(started_at, INTERVAL {{bucket_s:UInt32}} SECOND) AS bucket, currency,
       count() AS sessions, sum(total_energy_kwh) AS energy_kwh,
       sum(total_cost_excl_vat) AS revenue_excl_vat, sum(total_cost_incl_vat) AS revenue_incl_vat
FROM sessions_current
WHERE {PERIOD} AND {TENANT}
GROUP BY bucket, currency
ORDER BY bucket, currency"""
    return Query("timeline", sql, ("rated_sessions",), {"bucket_s": filters.bucket_s})


def utilization(filters: Filters) -> Query:
    """Occupied share of each hour of the day per charger: plugged-in connector time over the connector time the
    period offers (days x 3600 s x connectors seen), for the busiest chargers. Hours are UTC."""
    sql = f"""
WITH sessions AS (
    SELECT charge_point_id, connector_id, started_at, stopped_at FROM sessions_current WHERE {PERIOD} AND {TENANT}
), chargers AS (
    SELECT charge_point_id, uniqExact(connector_id) AS connectors,
           sum(dateDiff('second', started_at, stopped_at)) AS busy_s
    FROM sessions GROUP BY charge_point_id ORDER BY busy_s DESC, charge_point_id LIMIT {{chargers:UInt32}}
)
SELECT s.charge_point_id AS charge_point_id, toHour(h) AS hour,
       sum(dateDiff('second', greatest(s.started_at, h), least(s.stopped_at, h + INTERVAL 1 HOUR)))
           / (any(c.connectors) * 3600 * {{days:UInt32}}) AS share
FROM sessions AS s INNER JOIN chargers AS c ON s.charge_point_id = c.charge_point_id
ARRAY JOIN arrayMap(x -> toDateTime64(x, 6, 'UTC'),
                    range(toUInt32(toStartOfHour(s.started_at)), toUInt32(s.stopped_at), 3600)) AS h
GROUP BY charge_point_id, hour
ORDER BY charge_point_id, hour"""
    return Query("utilization", sql, ("rated_sessions",), {"chargers": HEATMAP_CHARGERS, "days": filters.days})


def sites(filters: Filters) -> Query:
    sql = f"""
SELECT site_id, currency, count() AS sessions, sum(total_energy_kwh) AS energy_kwh,
       sum(total_cost_excl_vat) AS revenue_excl_vat
FROM sessions_current
WHERE {PERIOD} AND {TENANT}
GROUP BY site_id, currency
ORDER BY revenue_excl_vat DESC, site_id"""
    return Query("sites", sql, ("rated_sessions",))


def tariff_mix(filters: Filters) -> Query:
    sql = f"""
SELECT tariff_id, currency, count() AS sessions, sum(total_energy_kwh) AS energy_kwh,
       sum(total_cost_excl_vat) AS revenue_excl_vat
FROM sessions_current
WHERE {PERIOD} AND {TENANT}
GROUP BY tariff_id, currency
ORDER BY sessions DESC, tariff_id"""
    return Query("tariff_mix", sql, ("rated_sessions",))


def open_flags(filters: Filters) -> Query:
    """Flags open now, whatever the period: an open flag needs attention however old it is."""
    sql = f"""
SELECT raised_at, tenant_id, severity, flag_type, subject_type, subject
FROM open_flags
WHERE {TENANT}
ORDER BY raised_at DESC, flag_type
LIMIT {{limit:UInt32}}"""
    return Query("open_flags", sql, ("open_flags",), {"limit": LIST_LIMIT})


def live_sessions(filters: Filters) -> Query:
    """Sessions running now with their latest running cost, whatever the period."""
    sql = f"""
SELECT started_at, as_of, tenant_id, site_id, charge_point_id, connector_id, tariff_id, currency,
       energy_kwh, cost_incl_vat
FROM live_sessions
WHERE {TENANT}
ORDER BY started_at DESC, session_id
LIMIT {{limit:UInt32}}"""
    return Query("live_sessions", sql, ("running_costs", "rated_sessions"), {"limit": LIST_LIMIT})


PANELS = (timeline, utilization, sites, tariff_mix, open_flags, live_sessions)

TENANTS_SQL = """
SELECT DISTINCT tenant_id FROM (
    SELECT tenant_id FROM rated_sessions UNION ALL SELECT tenant_id FROM running_costs
) ORDER BY tenant_id"""


def existing_tables(client: Client) -> frozenset[str]:
    """Tables and views of the client's database."""
    rows = client.query("SELECT name FROM system.tables WHERE database = currentDatabase()").result_rows
    return frozenset(name for (name,) in rows)


def run(client: Client, query: Query, filters: Filters, tables: frozenset[str]) -> Result:
    missing = tuple(table for table in query.tables if table not in tables)
    if missing:
        return Result(missing=missing)
    result = client.query(query.sql, parameters=query.params(filters))
    return Result(tuple(result.column_names), tuple(tuple(row) for row in result.result_rows))


def tenants(client: Client, tables: frozenset[str]) -> list[str]:
    """Tenants with sessions, finished or running; empty on a warehouse not migrated yet."""
    if not {"rated_sessions", "running_costs"} <= tables:
        return []
    return [tenant for (tenant,) in client.query(TENANTS_SQL).result_rows]


def run_all(client: Client, filters: Filters, tables: frozenset[str]) -> dict[str, Result]:
    """Every panel's result by panel name."""
    return {query.name: run(client, query, filters, tables) for query in (panel(filters) for panel in PANELS)}
