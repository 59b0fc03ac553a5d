"""Sessions rated per second by the streaming rating path of a running worker, per tariff.

Closed sessions are published straight onto the closed-sessions topic, so the figure is the rating and
benefits agents (with their table and topics) plus the sink, without the hot path in front of them: the
agent counterpart of bench/rating.py's function figures.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from decimal import Decimal

import yaml

from bench.rating import COMPLEX, sessions
from bench.traffic import driver_tag
from pipelines.catalog.load import ExactNumberLoader
from pipelines.config import Settings
from pipelines.streaming import kafka
from pipelines.streaming.codec import encoder
from pipelines.warehouse.client import connect

COMPLEX_SITE = "BENCH-COMPLEX"


def with_complex_site(base_yaml: str, charge_points: list[str]) -> str:
    """The catalog YAML `base_yaml` plus a site priced by bench/rating.py's complex tariff on `charge_points`."""

    class Dumper(yaml.SafeDumper):
        pass

    def decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
        return dumper.represent_scalar("tag:yaml.org,2002:float", str(value))

    Dumper.add_representer(Decimal, decimal)
    catalog = yaml.load(base_yaml, Loader=ExactNumberLoader)
    catalog["tariffs"].append(
        {**COMPLEX, "id": "BENCH-COMPLEX", "tenant_id": "bench", "country_code": "DE", "party_id": "BEN",
         "type": "REGULAR", "last_updated": "2026-10-01T00:00:00Z"}
    )  # fmt: skip
    catalog["sites"].append(
        {"site_id": COMPLEX_SITE, "tenant_id": "bench", "name": "Bench complex", "time_zone": "Europe/Berlin",
         "default_tariff_id": "BENCH-COMPLEX"}
    )  # fmt: skip
    catalog["chargers"] += [
        {"charge_point_id": cp, "tenant_id": "bench", "site_id": COMPLEX_SITE,
         "connectors": [{"connector_id": 1, "power_type": "DC", "max_power_kw": 150}]}
        for cp in charge_points
    ]  # fmt: skip
    return yaml.dump(catalog, Dumper=Dumper, sort_keys=False)


async def agent_rate(settings: Settings, charge_points: list[str], prefix: str, count: int) -> dict[str, float]:
    """Publish `count` closed sessions on `charge_points`; sessions/s until all are rated rows in ClickHouse."""
    encode = encoder("ClosedSession")
    records = []
    for n, session in enumerate(sessions(count, seed=11)):
        cp = charge_points[n % len(charge_points)]
        session_id = f"bench/{cp}/{prefix}{n}"
        closed = replace(
            session,
            session_id=session_id,
            charge_point_id=cp,
            transaction_id=f"{prefix}{n}",
            id_tag=driver_tag(n),
            revision=1,
        )
        records.append((session_id.encode(), encode(closed)))
    client = connect(settings)
    query = (
        f"SELECT count() FROM {settings.clickhouse_database}.sessions_current"
        f" WHERE session_id LIKE 'bench/%%/{prefix}%%'"
    )
    producer = kafka.producer(settings)
    await producer.start()
    started = time.perf_counter()
    try:
        for key, value in records:
            await producer.send(settings.topics.sessions_closed, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()
    while (rated := client.query(query).result_rows[0][0]) < count:
        if time.perf_counter() - started > 600:
            raise TimeoutError(f"only {rated} of {count} sessions rated after 600 s")
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    return {"sessions": count, "seconds": elapsed, "sessions_per_s": count / elapsed}


def agent_rates(settings: Settings, simple_cps: list[str], complex_cps: list[str], count: int = 2_000) -> dict:
    """The streaming rating path's sessions/s for the simple (bench_catalog's) and the complex tariff."""
    return {
        "simple": asyncio.run(agent_rate(settings, simple_cps, "AS", count)),
        "complex": asyncio.run(agent_rate(settings, complex_cps, "AC", count)),
    }
