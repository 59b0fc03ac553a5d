"""Accounting exports of a month for 1,000 chargers, each format in rows/s against the raw ClickHouse Arrow read.

The month is generated straight into ClickHouse with Arrow inserts (not through the pipeline): per charger and day a
few sessions with a FLAT and an ENERGY line, an idle fee on every tenth, a third of the accounts prepaid. Then the
same period is read raw (`query_arrow` of sessions and line items, the export's own queries) and exported once in
every format, reconciliation included; rows = sessions + line items + adjustments. The data-quality gate runs once
for the period and is reported apart (great-expectations over pandas; it is the same for every format).
Run: .venv/bin/python -m bench.exports [--chargers N]   (starts its own embedded warehouse)
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
from clickhouse_connect.driver.client import Client

from jobs.exports import queries
from jobs.exports.period import FORMATS, parse_period
from jobs.exports.run import Request, write_export
from jobs.quality.gate import run_gate
from pipelines.catalog.accounts_chart import DEFAULT_CHART, DatevIds, SieIds
from pipelines.catalog.models import Account, BillingMode, Catalog, Charger, Connector, PowerType, Site, Tenant
from pipelines.catalog.view import CatalogView
from pipelines.config import Settings
from pipelines.warehouse.client import connect
from pipelines.warehouse.migrate import apply_migrations

REPO = Path(__file__).resolve().parents[1]
PERIOD = parse_period("2026-10")
TENANT = "bench"
ACCOUNTS = 3_000
NANO = 10**9


def _money(nanos: pl.Expr) -> pl.Expr:
    """Exact Decimal(28, 9) from whole nano-units (non-negative), through text: no float on the way."""
    text = (nanos // NANO).cast(pl.String) + pl.lit(".") + (nanos % NANO).cast(pl.String).str.zfill(9)
    return text.cast(pl.Decimal(28, 9))


def month_frames(chargers: int, per_day: int) -> dict[str, pl.DataFrame]:
    """Sessions, line items and periods of a month: 0.39 EUR/kWh, 1.00 flat, 19 % VAT, exact to the nano."""
    n = chargers * 31 * per_day
    i = pl.int_range(n, dtype=pl.Int64)
    start = pl.lit(datetime(2026, 10, 1, tzinfo=UTC)) + pl.duration(
        minutes=(i // chargers) * (31 * 24 * 60 // (n // chargers))
    )
    base = pl.select(i.alias("i")).with_columns(
        session_id=pl.lit("bench/") + i.cast(pl.String), charger=(i % chargers),
        energy_wh=(i * 7919) % 60_000 + 1_000, started_at=start,
    )  # fmt: skip
    base = base.with_columns(stopped_at=pl.col("started_at") + pl.duration(minutes=90), idle=(pl.col("i") % 10 == 0))
    energy_nanos = pl.col("energy_wh") * 390_000  # 0.39 EUR per kWh, in 1e-9 EUR
    idle_nanos = pl.when(pl.col("idle")).then(pl.lit(2 * NANO)).otherwise(0)
    excl = energy_nanos + NANO + idle_nanos
    common = {"tenant_id": pl.lit(TENANT), "revision": pl.lit(1, pl.UInt32)}
    wh = pl.col("energy_wh").cast(pl.Decimal(18, 3))
    sessions = base.select(
        "session_id", **common, site_id=pl.lit("S-") + (pl.col("charger") // 10).cast(pl.String),
        charge_point_id=pl.lit("CP-") + pl.col("charger").cast(pl.String), connector_id=pl.lit(1, pl.UInt16),
        transaction_id=pl.col("i").cast(pl.String), id_tag=pl.lit("TAG-") + (pl.col("i") % ACCOUNTS).cast(pl.String),
        account_id=pl.lit("A-") + (pl.col("i") % ACCOUNTS).cast(pl.String), tariff_id=pl.lit("BENCH"),
        currency=pl.lit("EUR"), started_at="started_at", stopped_at="stopped_at",
        meter_start_wh=_money(pl.lit(0, pl.Int64)).cast(pl.Decimal(18, 3)), meter_stop_wh=wh, energy_wh=wh,
        estimated=pl.lit(False), total_energy_kwh=_money(pl.col("energy_wh") * 1_000_000),
        total_time_h=_money(pl.lit(NANO * 3 // 2)), total_parking_time_h=_money(pl.lit(0, pl.Int64)),
        total_cost_excl_vat=_money(excl), total_cost_incl_vat=_money(excl * 119 // 100),
        rated_at=pl.col("stopped_at"),
    )  # fmt: skip
    line = {"currency": pl.lit("EUR"), "tariff_id": pl.lit("BENCH"), "step_size": pl.lit(1, pl.UInt32),
            "vat_rate": pl.lit(Decimal(19)).cast(pl.Decimal(9, 4))}  # fmt: skip
    flat = base.select("session_id", **common, **line, line_no=pl.lit(0, pl.UInt16), dimension=pl.lit("FLAT"),
                       kind=pl.lit("tariff"), tariff_element=pl.lit(0, pl.UInt16), quantity=_money(pl.lit(NANO)),
                       unit=pl.lit("session"), unit_price=_money(pl.lit(NANO)), amount_excl_vat=_money(pl.lit(NANO)),
                       amount_incl_vat=_money(pl.lit(NANO * 119 // 100)), description=pl.lit("Start fee"))  # fmt: skip
    energy = base.select("session_id", **common, **line, line_no=pl.lit(1, pl.UInt16), dimension=pl.lit("ENERGY"),
                         kind=pl.lit("tariff"), tariff_element=pl.lit(1, pl.UInt16),
                         quantity=_money(pl.col("energy_wh") * 1_000_000), unit=pl.lit("kWh"),
                         unit_price=_money(pl.lit(390_000_000)), amount_excl_vat=_money(energy_nanos),
                         amount_incl_vat=_money(energy_nanos * 119 // 100), description=pl.lit("Energy"))  # fmt: skip
    idle = base.filter("idle").select("session_id", **common, **line, line_no=pl.lit(2, pl.UInt16),
                                      dimension=pl.lit("IDLE_FEE"), kind=pl.lit("idle_fee"),
                                      tariff_element=pl.lit(0, pl.UInt16), quantity=_money(pl.lit(20 * NANO)),
                                      unit=pl.lit("min"), unit_price=_money(pl.lit(NANO // 10)),
                                      amount_excl_vat=_money(pl.lit(2 * NANO)),
                                      amount_incl_vat=_money(pl.lit(2 * NANO * 119 // 100)),
                                      description=pl.lit("Idle fee"))  # fmt: skip
    periods = base.select("session_id", **common, period_no=pl.lit(0, pl.UInt16), start="started_at",
                          end="stopped_at", kind=pl.lit("charging"),
                          energy_wh=wh)  # fmt: skip
    return {
        "rated_sessions": sessions,
        "session_line_items": pl.concat([flat, energy, idle]),
        "session_periods": periods,
    }


def bench_catalog(chargers: int) -> CatalogView:
    chart = DEFAULT_CHART.model_copy(update={
        "datev": DatevIds(consultant_number=4711, client_number=1), "sie": SieIds(company_name="Bench AB",
                                                                                  org_number="556677-8899"),
    })  # fmt: skip
    tenant = Tenant(tenant_id=TENANT, name="Bench", currency="EUR", country="DE", chart_of_accounts=chart)
    sites = [Site(site_id=f"S-{n}", tenant_id=TENANT, name=f"Site {n}", time_zone="Europe/Berlin", latitude=50.0,
                  longitude=6.0, default_tariff_id="BENCH") for n in range(chargers // 10 + 1)]  # fmt: skip
    connectors = [Connector(connector_id=1, power_type=PowerType.AC, max_power_kw=22)]
    fleet = [Charger(charge_point_id=f"CP-{n}", tenant_id=TENANT, site_id=f"S-{n // 10}", connectors=connectors)
             for n in range(chargers)]  # fmt: skip
    modes = (BillingMode.PREPAID, BillingMode.POSTPAID, BillingMode.POSTPAID)
    accounts = [Account(account_id=f"A-{n}", tenant_id=TENANT, name=f"A {n}", billing_mode=modes[n % 3])
                for n in range(ACCOUNTS)]  # fmt: skip
    return CatalogView.from_catalog(Catalog(tenants=[tenant], sites=sites, chargers=fleet, accounts=accounts))


def raw_read_rate(client: Client, database: str) -> float:
    """Rows/s of the export's own session and line-item queries read as Arrow, nothing else done with them."""
    started, rows = time.perf_counter(), 0
    for query in (queries.sessions_query, queries.line_items_query):
        sql, params = query(database, PERIOD, None)
        rows += client.query_arrow(sql, parameters=params).num_rows
    return rows / (time.perf_counter() - started)


def run(settings: Settings, chargers: int = 1_000, per_day: int = 6) -> dict:
    """Export rows/s per format and as a ratio to the raw Arrow read rate, in a database of its own."""
    database = f"{settings.clickhouse_database}_exports"
    settings = settings.model_copy(update={"clickhouse_database": database})
    apply_migrations(connect(settings), REPO / "schemas" / "clickhouse", database)
    client = connect(settings, database=database)
    try:
        started = time.perf_counter()
        frames = month_frames(chargers, per_day)
        for table, frame in frames.items():
            client.insert_arrow(table, frame.to_arrow(), database=database)
        report: dict = {
            "chargers": chargers, "sessions": frames["rated_sessions"].height,
            "line_items": frames["session_line_items"].height, "generate_and_insert_s": time.perf_counter() - started,
        }  # fmt: skip
        raw = raw_read_rate(client, database)
        report["raw_arrow_read_rows_per_s"] = raw
        started = time.perf_counter()
        gate = run_gate(client, database, period_start=PERIOD.first, period_end=PERIOD.after, tenant_id=None)
        report["gate"] = {"passed": gate.passed, "seconds": time.perf_counter() - started}
        catalog = bench_catalog(chargers)
        with tempfile.TemporaryDirectory(prefix="chargeledger-bench-exports-") as out:
            for fmt in FORMATS:
                started = time.perf_counter()
                result = write_export(client, database, catalog, Request(PERIOD, fmt, Path(out) / fmt), lambda _: None)
                seconds = time.perf_counter() - started
                report[fmt] = {"seconds": seconds, "rows_per_s": result.rows / seconds,
                               "ratio_to_raw_read": result.rows / seconds / raw}  # fmt: skip
    finally:
        connect(settings).command(f"DROP DATABASE IF EXISTS `{database}`")
    return report


def main() -> None:
    from infra.warehouse.launch import running_warehouse

    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--chargers", type=int, default=1_000)
    args.add_argument("--per-day", type=int, default=6, help="sessions per charger and day")
    opts = args.parse_args()
    base = Path(tempfile.mkdtemp(prefix="chargeledger-bench-exports-"))
    with running_warehouse(base / "data", base / "warehouse.log") as warehouse:
        settings = Settings(clickhouse_url=warehouse.url, clickhouse_database="bench")
        print(json.dumps(run(settings, opts.chargers, opts.per_day), indent=2))


if __name__ == "__main__":
    main()
