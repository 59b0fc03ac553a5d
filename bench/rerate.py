"""Sessions re-rated per second by the batch re-rater (jobs/rerate.py), ClickHouse reads and writes included.

A month of synthetic sessions is rated with one catalog and written as the sink writes them; then the energy price
changes and `rerate` re-prices the month: every session is read back, rated again and written as a new revision
with its adjustment row. Once for a simple tariff (flat + energy), once for a complex one (time-of-day, weekday,
power and duration restrictions, parking with a step, min/max price, an off-peak discount). The no-op re-run
(read and rate, nothing to write) is measured too.
Run: .venv/bin/python -m bench.rerate [--sessions N]   (starts its own embedded warehouse)
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from jobs.rerate import Selection, rerate
from pipelines.catalog.models import Catalog
from pipelines.catalog.view import CatalogView
from pipelines.config import Settings
from pipelines.ingest.models import DeadLetter
from pipelines.rating.rerate import RerateRun
from pipelines.rating.route import price_benefits, rate_with_catalog
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind
from pipelines.warehouse.client import connect
from pipelines.warehouse.migrate import apply_migrations
from pipelines.warehouse.rows import Row, rated_session_rows
from pipelines.warehouse.sink import insert_tables

REPO = Path(__file__).resolve().parents[1]
MONTH = date(2026, 10, 1)
CHARGERS = 200
VAT = Decimal(19)


def _component(kind: str, price: str, step: int = 1) -> dict:
    return {"type": kind, "price": Decimal(price), "vat": VAT, "step_size": step}


def simple_tariff(energy: str) -> dict:
    return {"id": "SIMPLE", "tenant_id": "simple", "currency": "EUR",
            "elements": [{"price_components": [_component("FLAT", "1.00")]},
                         {"price_components": [_component("ENERGY", energy)]}]}  # fmt: skip


def complex_tariff(energy: str) -> dict:
    weekday = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]
    peak = str(Decimal(energy) + Decimal("0.10"))
    return {"id": "COMPLEX", "tenant_id": "complex", "currency": "EUR",
            "min_price": {"excl_vat": Decimal("1.50"), "incl_vat": Decimal("1.785")},
            "max_price": {"excl_vat": Decimal("60.00")},
            "elements": [
                {"price_components": [_component("FLAT", "0.50")]},
                {"price_components": [_component("ENERGY", peak, 100)],
                 "restrictions": {"start_time": "07:00", "end_time": "21:00", "day_of_week": weekday, "min_power": 22}},
                {"price_components": [_component("ENERGY", energy, 100)]},
                {"price_components": [_component("TIME", "1.20", 60)], "restrictions": {"min_duration": 5400}},
                {"price_components": [_component("PARKING_TIME", "6.00", 300)],
                 "restrictions": {"start_time": "08:00", "end_time": "20:00"}},
            ]}  # fmt: skip


def bench_catalog(energy: str) -> CatalogView:
    """Two tenants of CHARGERS chargers each, one priced by the simple tariff and one by the complex tariff."""
    off_peak = {"rule_id": "NIGHT", "tenant_id": "complex", "kind": "off_peak", "name": "Night", "percentage": 20,
                "windows": [{"start_time": "22:00", "end_time": "06:00"}]}  # fmt: skip
    sections: dict[str, list] = {"tenants": [], "sites": [], "chargers": [], "discounts": [off_peak]}
    for tenant, tariff in (("simple", simple_tariff(energy)), ("complex", complex_tariff(energy))):
        sections["tenants"].append({"tenant_id": tenant, "name": tenant, "currency": "EUR", "country": "DE"})
        sections["sites"].append({"site_id": f"{tenant}-site", "tenant_id": tenant, "name": tenant,
                                  "time_zone": "Europe/Berlin", "default_tariff_id": tariff["id"]})  # fmt: skip
        sections["chargers"] += [
            {"charge_point_id": f"{tenant}-{n:04d}", "tenant_id": tenant, "site_id": f"{tenant}-site",
             "connectors": [{"connector_id": 1, "power_type": "AC", "max_power_kw": 22}]}
            for n in range(CHARGERS)
        ]  # fmt: skip
        sections.setdefault("tariffs", []).append(tariff)
    return CatalogView.from_catalog(Catalog(**sections))


def synthetic_session(tenant: str, n: int) -> ClosedSession:
    """Deterministic variety: start any time of the month, 20-200 min charging at 3.7-22 kW, some parking."""
    start = datetime(MONTH.year, MONTH.month, 1, tzinfo=UTC) + timedelta(minutes=(n * 7919) % (29 * 24 * 60))
    charging = timedelta(minutes=20 + (n * 37) % 180)
    kw = Decimal(37 + (n * 13) % 184) / 10
    energy = (kw * Decimal(charging.total_seconds()) / 3600 * 1000).quantize(Decimal("0.001"))
    periods = [ChargingPeriod(start, start + charging, PeriodKind.CHARGING, energy, max_power_w=kw * 1000)]
    if n % 3 == 0:
        periods.append(ChargingPeriod(start + charging, start + charging + timedelta(minutes=n % 90 + 5),
                                      PeriodKind.PARKING, Decimal(0)))  # fmt: skip
    cp = f"{tenant}-{n % CHARGERS:04d}"
    return ClosedSession(f"{tenant}/{cp}/{n}", tenant, cp, 1, str(n), f"TAG{n % 997:04d}", start, periods[-1].end,
                         Decimal(0), energy, energy, "EVDisconnected", tuple(periods))  # fmt: skip


def seed(settings: Settings, catalog: CatalogView, tenant: str, count: int) -> None:
    """`count` sessions of the tenant rated as the agents rate them and written as the sink writes them."""
    client, rated_at = connect(settings, database=settings.clickhouse_database), datetime.now(UTC)
    tables: dict[str, list[Row]] = {}
    for n in range(count):
        priced = rate_with_catalog(synthetic_session(tenant, n), catalog, rated_at=rated_at)
        rated = priced if isinstance(priced, DeadLetter) else price_benefits(priced, catalog, {})
        if isinstance(rated, DeadLetter):
            raise RuntimeError(f"bench session {n} of {tenant} did not rate: {rated.reason}")
        for table, rows in rated_session_rows(rated).items():
            tables.setdefault(table, []).extend(rows)
        if len(tables["rated_sessions"]) >= 10_000 or n == count - 1:
            insert_tables(client, settings.clickhouse_database, tables)
            tables = {}


@dataclass(frozen=True)
class Timed:
    sessions: int
    changed: int
    seconds: float

    def report(self) -> dict:
        return {"sessions": self.sessions, "changed": self.changed, "seconds": round(self.seconds, 3),
                "sessions_per_s": round(self.sessions / self.seconds, 1)}  # fmt: skip


def timed_rerate(settings: Settings, catalog: CatalogView, tenant: str) -> Timed:
    client = connect(settings, database=settings.clickhouse_database)
    selection = Selection(MONTH, MONTH + timedelta(days=29), tenant_id=tenant)
    started = time.perf_counter()
    summary = rerate(client, settings.clickhouse_database, catalog, selection,
                     RerateRun("bench", "bench", datetime.now(UTC)))  # fmt: skip
    return Timed(summary.read, summary.changed, time.perf_counter() - started)


def rerate_rate(settings: Settings, sessions: int = 10_000, raw_consume_per_s: float | None = None) -> dict:
    """Sessions/s of the batch re-rater per tariff, from ClickHouse back to ClickHouse, in a database of its own.

    `raw_consume_per_s` (bench/run.py's broker baseline) adds each figure as a ratio to it."""
    settings = settings.model_copy(update={"clickhouse_database": f"{settings.clickhouse_database}_rerate"})
    apply_migrations(connect(settings), REPO / "schemas" / "clickhouse", settings.clickhouse_database)
    before, after = bench_catalog("0.40"), bench_catalog("0.45")
    report: dict = {"sessions_per_tariff": sessions}
    try:
        for tenant in ("simple", "complex"):
            seed(settings, before, tenant, sessions)
            changed = timed_rerate(settings, after, tenant)
            unchanged = timed_rerate(settings, after, tenant)
            report[tenant] = {"rerate": changed.report(), "rerun_no_change": unchanged.report()}
            if raw_consume_per_s:
                report[tenant]["ratio_to_raw_consume"] = changed.sessions / changed.seconds / raw_consume_per_s
    finally:
        connect(settings).command(f"DROP DATABASE IF EXISTS `{settings.clickhouse_database}`")
    return report


def main() -> None:
    from infra.warehouse.launch import running_warehouse

    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--sessions", type=int, default=10_000, help="sessions per tariff")
    opts = args.parse_args()
    base = Path(tempfile.mkdtemp(prefix="chargeledger-bench-rerate-"))
    with running_warehouse(base / "data", base / "warehouse.log") as warehouse:
        settings = Settings(clickhouse_url=warehouse.url, clickhouse_database="bench")
        print(json.dumps(rerate_rate(settings, opts.sessions), indent=2))


if __name__ == "__main__":
    main()
