"""Operator dashboard query latencies on a month of rated sessions for 1,000 chargers (issue 7).

Two tenants share the fleet: sites of ten chargers, every third site DC-priced. Each session is rated with the
catalog as the agents rate it and written as the sink writes it; then every dashboard query runs `repeats` times
for all tenants and for one tenant over the month, and the whole page is built as the server builds it.
Run: .venv/bin/python -m bench.dashboard [--chargers N --sessions-per-charger M]   (starts its own warehouse)
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

from dashboards import queries
from dashboards.server import build
from pipelines.catalog.models import Catalog
from pipelines.catalog.view import CatalogView
from pipelines.config import Settings
from pipelines.ingest.models import DeadLetter
from pipelines.rating.route import rate_with_catalog
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind
from pipelines.warehouse.client import connect
from pipelines.warehouse.migrate import apply_migrations
from pipelines.warehouse.rows import Row, rated_session_rows
from pipelines.warehouse.sink import insert_tables

REPO = Path(__file__).resolve().parents[1]
MONTH = date(2026, 10, 1)
TENANTS = ("nord", "sued")
SITE_SIZE = 10
INSERT_BATCH = 10_000
VAT = Decimal(19)


def _tariff(tariff_id: str, tenant: str, energy: str, second: dict) -> dict:
    energy_component = {"type": "ENERGY", "price": Decimal(energy), "vat": VAT, "step_size": 1}
    elements = [{"price_components": [energy_component]}, {"price_components": [{**second, "vat": VAT}]}]
    return {"id": tariff_id, "tenant_id": tenant, "currency": "EUR", "elements": elements}


def _power_type(site: int) -> str:
    return "DC" if site % 3 == 2 else "AC"


def fleet_catalog(chargers: int) -> CatalogView:
    """`chargers` chargers in sites of SITE_SIZE, the tenants' sites alternating; every third site DC-priced."""
    sections: dict[str, list] = {"tenants": [], "sites": [], "chargers": [], "tariffs": []}
    parking = {"type": "PARKING_TIME", "price": Decimal("6.00"), "step_size": 60}
    flat = {"type": "FLAT", "price": Decimal("1.00"), "step_size": 1}
    for tenant in TENANTS:
        sections["tenants"].append({"tenant_id": tenant, "name": tenant, "currency": "EUR", "country": "DE"})
        sections["tariffs"] += [_tariff(f"{tenant}-AC", tenant, "0.39", parking),
                                _tariff(f"{tenant}-DC", tenant, "0.59", flat)]  # fmt: skip
    for site in range((chargers + SITE_SIZE - 1) // SITE_SIZE):
        tenant = tenant_of(site * SITE_SIZE)
        sections["sites"].append({"site_id": f"{tenant}-site-{site:03d}", "tenant_id": tenant, "name": f"site {site}",
                                  "time_zone": "Europe/Berlin",
                                  "default_tariff_id": f"{tenant}-{_power_type(site)}"})  # fmt: skip
    for n in range(chargers):
        kind = _power_type(n // SITE_SIZE)
        connector = {"connector_id": 1, "power_type": kind, "max_power_kw": 150 if kind == "DC" else 22}
        site = sections["sites"][n // SITE_SIZE]
        sections["chargers"].append({"charge_point_id": charger_id(n), "tenant_id": site["tenant_id"],
                                     "site_id": site["site_id"], "connectors": [connector]})  # fmt: skip
    return CatalogView.from_catalog(Catalog(**sections))


def charger_id(n: int) -> str:
    return f"CP-{n:05d}"


def tenant_of(charger: int) -> str:
    return TENANTS[(charger // SITE_SIZE) % len(TENANTS)]


def synthetic_session(charger: int, n: int, month: date) -> ClosedSession:
    """The n-th session of a charger: deterministic start within the month, 20-200 min charging, some parking."""
    start = datetime(month.year, month.month, 1, tzinfo=UTC) + timedelta(minutes=(n * 7919 + charger * 131) % 40_000)
    charging = timedelta(minutes=20 + (n * 37 + charger) % 180)
    kw = Decimal(37 + (n * 13 + charger) % 184) / 10
    energy = (kw * Decimal(charging.total_seconds()) / 3600 * 1000).quantize(Decimal("0.001"))
    periods = [ChargingPeriod(start, start + charging, PeriodKind.CHARGING, energy, max_power_w=kw * 1000)]
    if n % 3 == 0:
        end = start + charging + timedelta(minutes=n % 90 + 5)
        periods.append(ChargingPeriod(start + charging, end, PeriodKind.PARKING, Decimal(0)))
    tenant, cp = tenant_of(charger), charger_id(charger)
    return ClosedSession(f"{tenant}/{cp}/{n}", tenant, cp, 1, str(n),
                         f"TAG{(n + charger) % 997:04d}", start, periods[-1].end, Decimal(0), energy, energy,
                         "EVDisconnected", tuple(periods))  # fmt: skip


def seed_month(settings: Settings, chargers: int, sessions_per_charger: int, month: date = MONTH) -> int:
    """Rate and write `sessions_per_charger` sessions for each charger into the settings' database; returns count."""
    catalog = fleet_catalog(chargers)
    client, rated_at = connect(settings, database=settings.clickhouse_database), datetime.now(UTC)
    tables: dict[str, list[Row]] = {}
    written = 0
    for n in range(sessions_per_charger):
        for charger in range(chargers):
            rated = rate_with_catalog(synthetic_session(charger, n, month), catalog, rated_at=rated_at)
            if isinstance(rated, DeadLetter):
                raise RuntimeError(f"bench session {n} of charger {charger} did not rate: {rated.reason}")
            for table, rows in rated_session_rows(rated).items():
                tables.setdefault(table, []).extend(rows)
            written += 1
            if len(tables["rated_sessions"]) >= INSERT_BATCH:
                insert_tables(client, settings.clickhouse_database, tables)
                tables = {}
    if tables:
        insert_tables(client, settings.clickhouse_database, tables)
    return written


def _timed(action: Callable[[], object], repeats: int) -> dict[str, float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def latencies(settings: Settings, month: date = MONTH, repeats: int = 5) -> dict:
    """Per dashboard query and for the whole page: median and max milliseconds, all tenants and one tenant."""
    client = connect(settings, database=settings.clickhouse_database)
    tables = queries.existing_tables(client)
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = (start + timedelta(days=32)).replace(day=1)
    report: dict = {}
    for scope, tenant in (("all_tenants", None), ("one_tenant", TENANTS[0])):
        filters = queries.Filters(tenant, start, end)
        report[scope] = {
            query.name: _timed(partial(queries.run, client, query, filters, tables), repeats)
            for query in (panel(filters) for panel in queries.PANELS)
        }
        asked = {"tenant": tenant or "", "from": f"{start:%Y-%m-%d}", "to": f"{end - timedelta(days=1):%Y-%m-%d}"}
        report[scope]["page"] = _timed(partial(build, client, asked), repeats)
    return report


def run(settings: Settings, chargers: int = 1000, sessions_per_charger: int = 30, repeats: int = 5) -> dict:
    """Seed a month in a database of its own, measure, drop it. Returns the JSON-ready report."""
    settings = settings.model_copy(update={"clickhouse_database": f"{settings.clickhouse_database}_dashboard"})
    apply_migrations(connect(settings), REPO / "schemas" / "clickhouse", settings.clickhouse_database)
    try:
        started = time.perf_counter()
        sessions = seed_month(settings, chargers, sessions_per_charger)
        seeded_s = time.perf_counter() - started
        report = {"chargers": chargers, "sessions": sessions, "seed_seconds": round(seeded_s, 1)}
        return {**report, "latency": latencies(settings, repeats=repeats)}
    finally:
        connect(settings).command(f"DROP DATABASE IF EXISTS `{settings.clickhouse_database}`")


def main() -> None:
    from infra.warehouse.launch import running_warehouse

    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--chargers", type=int, default=1000)
    args.add_argument("--sessions-per-charger", type=int, default=30)
    args.add_argument("--repeats", type=int, default=5)
    opts = args.parse_args()
    base = Path(tempfile.mkdtemp(prefix="chargeledger-bench-dashboard-"))
    with running_warehouse(base / "data", base / "warehouse.log") as warehouse:
        settings = Settings(clickhouse_url=warehouse.url, clickhouse_database="bench")
        print(json.dumps(run(settings, opts.chargers, opts.sessions_per_charger, opts.repeats), indent=2))


if __name__ == "__main__":
    main()
