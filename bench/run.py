"""`make bench`: raw broker and ClickHouse baselines, then the pipeline measured against them.

Writes a JSON report and prints a table. Every pipeline figure is also given as a ratio to a baseline
measured in the same run on the same machine, so the numbers travel between machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench import dashboard as dashboard_bench
from bench import exports as exports_bench
from bench.gateway import gateway_rate
from bench.rating import rating_rates
from bench.rating_agent import agent_rates, with_complex_site
from bench.rerate import rerate_rate
from bench.sessions import sessions_rate
from bench.traffic import bench_catalog, charge_point_ids, fleet, session_frames
from infra.stack import embedded_stack
from jobs.catalog_publish import publish_catalog
from jobs.worker_process import start_worker, stop_worker
from pipelines.config import Settings, Topics
from pipelines.hotpath.worker import HotPathWorker
from pipelines.ingest.models import ChargingEvent, EventKind
from pipelines.streaming import kafka
from pipelines.streaming.topics import TopicSpec, ensure_topics, pipeline_topic_specs
from pipelines.warehouse.client import connect
from pipelines.warehouse.migrate import apply_migrations
from pipelines.warehouse.rows import EVENT_COLUMNS, event_row

REPO = Path(__file__).resolve().parents[1]
LATENCY_CP, LATENCY_TENANT, LATENCY_TAG = "LAT-00000", "bench", "BENCH0001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def produce_all(settings: Settings, topic: str, frames: list[tuple[bytes, bytes]], partitions: int) -> float:
    producer = kafka.producer(settings)
    await producer.start()
    try:
        started = time.perf_counter()
        items = [(hash(key) % partitions, key, value) for key, value in frames]
        await asyncio.gather(*await kafka.send_to_partitions(producer, topic, items))
        return time.perf_counter() - started
    finally:
        await producer.stop()


@asynccontextmanager
async def reader_from_start(settings: Settings, topic: str, partitions: int) -> AsyncIterator[AIOKafkaConsumer]:
    """A group-less consumer assigned every partition of `topic`, at the first record."""
    reader = kafka.consumer(settings, group_id=None)
    try:
        await reader.start()
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        reader.assign(tps)
        await reader.seek_to_beginning(*tps)
        yield reader
    finally:
        await reader.stop()


async def consume_all(settings: Settings, topic: str, partitions: int, expected: int) -> float:
    async with reader_from_start(settings, topic, partitions) as reader:
        seen, started = 0, time.perf_counter()
        while seen < expected:
            batches = await reader.getmany(timeout_ms=1000, max_records=10_000)
            seen += sum(len(messages) for messages in batches.values())
        return time.perf_counter() - started


async def relay_all(settings: Settings, source: str, target: str, partitions: int, expected: int) -> float:
    """The least a Python stage can do that turns each input record into an output record: consume, JSON decode,
    JSON encode, produce (batched, every batch awaited). The hot path's ceiling on this machine, before any work."""
    producer = kafka.producer(settings)
    try:
        await producer.start()
        async with reader_from_start(settings, source, partitions) as reader:
            seen, started = 0, time.perf_counter()
            while seen < expected:
                batches = await reader.getmany(timeout_ms=1000, max_records=5000)
                items = [
                    (tp.partition, message.key, orjson.dumps(orjson.loads(message.value or b"null")))
                    for tp, messages in batches.items()
                    for message in messages
                ]
                seen += len(items)
                await asyncio.gather(*await kafka.send_to_partitions(producer, target, items))
            return time.perf_counter() - started
    finally:
        await producer.stop()


def clickhouse_insert(settings: Settings, rows: int) -> float:
    client = connect(settings)
    db = settings.clickhouse_database
    client.command(f"CREATE TABLE IF NOT EXISTS {db}.bench_events AS {db}.charging_events")
    now = datetime.now(UTC)
    data = [
        event_row(
            ChargingEvent(
                f"e{i}", "bench", f"CP-{i % 500}", "ocpp1.6", "upstream", 2, str(i), "MeterValues",
                EventKind.METER_VALUES, now, now, connector_id=1, transaction_id=str(i // 60), payload="{}",
            )
        )
        for i in range(rows)
    ]  # fmt: skip
    started = time.perf_counter()
    for chunk in range(0, rows, 50_000):
        client.insert("bench_events", data[chunk : chunk + 50_000], column_names=list(EVENT_COLUMNS), database=db)
    return time.perf_counter() - started


async def hotpath_rate(settings: Settings, frames: list[tuple[bytes, bytes]]) -> dict[str, float]:
    await produce_all(settings, settings.topics.inbound, frames, settings.partitions)
    worker = HotPathWorker(settings)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    while worker.stats.frames == 0:
        await asyncio.sleep(0.005)
    started = time.perf_counter() - 0.05  # the first batch's poll
    while worker.stats.frames < len(frames):
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    return {
        "frames": len(frames),
        "seconds": elapsed,
        "frames_per_s": len(frames) / elapsed,
        "closed_sessions": worker.stats.closed_sessions,
        "dead_letters": worker.stats.dead_letters,
    }


async def pipeline_rate(settings: Settings, frames: list[tuple[bytes, bytes]], sessions: int, prefix: str) -> dict:
    """Frames in -> rated sessions queryable, through a running worker (hot path, Faust agents, sink)."""
    client = connect(settings)
    query = (
        f"SELECT count() FROM {settings.clickhouse_database}.sessions_current"
        f" WHERE startsWith(session_id, 'bench/{prefix}-')"
    )
    started = time.perf_counter()
    await produce_all(settings, settings.topics.inbound, frames, settings.partitions)
    while (rated := client.query(query).result_rows[0][0]) < sessions:
        if time.perf_counter() - started > 600:
            raise TimeoutError(f"only {rated} of {sessions} sessions rated after 600 s")
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    return {
        "frames": len(frames),
        "sessions": sessions,
        "seconds": elapsed,
        "frames_per_s": len(frames) / elapsed,
        "sessions_per_s": sessions / elapsed,
    }


def isolated_topics(settings: Settings, suffix: str) -> Settings:
    """Settings whose topics are this stage's own, created here: its output must not become the worker's backlog."""
    topics = settings.topics.model_dump()
    own = Topics(**{name: value if name == "catalog_prefix" else f"{value}.{suffix}" for name, value in topics.items()})
    isolated = settings.model_copy(update={"topics": own, "app_id": f"{settings.app_id}-{suffix}"})
    ensure_topics(settings.kafka_bootstrap_servers, pipeline_topic_specs(isolated))
    return isolated


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def latency(settings: Settings, sessions: int, warmup: int = 3) -> dict[str, float]:
    """Publish whole sessions one by one; time from StopTransaction sent to the rated row being queryable.

    The first `warmup` sessions are not counted: they include the worker joining its consumer groups."""
    client = connect(settings)
    producer = kafka.producer(settings, linger_ms=0)
    await producer.start()
    waits = []
    try:
        for n in range(warmup + sessions):
            start = datetime.now(UTC) - timedelta(minutes=30)
            frames, _ = session_frames(
                LATENCY_CP, LATENCY_TENANT, 900_000 + n, start, n * 10_000, 5, id_tag=LATENCY_TAG
            )
            for frame in frames[:-1]:
                await producer.send_and_wait(settings.topics.inbound, frame, key=LATENCY_CP.encode())
            sent = time.perf_counter()
            await producer.send_and_wait(settings.topics.inbound, frames[-1], key=LATENCY_CP.encode())
            session_id = f"{LATENCY_TENANT}/{LATENCY_CP}/{900_000 + n}"
            while not client.query(
                f"SELECT count() FROM {settings.clickhouse_database}.rated_sessions WHERE session_id = %(s)s",
                parameters={"s": session_id},
            ).result_rows[0][0]:
                if time.perf_counter() - sent > 60:
                    raise TimeoutError(f"{session_id} not rated within 60 s")
                await asyncio.sleep(0.01)
            if n >= warmup:
                waits.append(time.perf_counter() - sent)
    finally:
        await producer.stop()
    waits.sort()
    return {
        "sessions": sessions,
        "p50_s": statistics.median(waits),
        "p95_s": waits[int(0.95 * (len(waits) - 1))],
        "p99_s": waits[int(0.99 * (len(waits) - 1))],
        "max_s": waits[-1],
    }


def run(out: Path, charge_points: int, sessions_per_cp: int, samples: int) -> dict:
    state = Path(tempfile.mkdtemp(prefix="chargeledger-bench-"))
    settings = Settings(
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        clickhouse_url=f"http://127.0.0.1:{free_port()}",
        state_dir=state,
        app_id="bench",
    )
    frames = list(fleet(charge_points, sessions_per_cp, samples))
    pipe_cps = max(charge_points // 4, 1)
    pipe_frames = list(fleet(pipe_cps, sessions_per_cp, samples, prefix="PIPE"))
    catalog = state / "bench-catalog.yaml"
    agent_cps, complex_cps = charge_point_ids("AGENT", 50), charge_point_ids("CPLX", 50)
    fleet_cps = charge_point_ids("BENCH", charge_points) + charge_point_ids("PIPE", pipe_cps) + [LATENCY_CP]
    catalog.write_text(with_complex_site(bench_catalog(fleet_cps + agent_cps), complex_cps))
    report: dict = {
        "machine": {"cpus": __import__("os").cpu_count(), "python": sys.version.split()[0]},
        "frames": len(frames),
    }
    with embedded_stack(settings, state):
        raw_topics = [TopicSpec("bench.raw", 4), TopicSpec("bench.relay", 4)]
        ensure_topics(settings.kafka_bootstrap_servers, [*pipeline_topic_specs(settings), *raw_topics])
        apply_migrations(connect(settings), REPO / "schemas" / "clickhouse", settings.clickhouse_database)
        asyncio.run(publish_catalog(settings, catalog))
        produce_s = asyncio.run(produce_all(settings, "bench.raw", frames, 4))
        consume_s = asyncio.run(consume_all(settings, "bench.raw", 4, len(frames)))
        relay_s = asyncio.run(relay_all(settings, "bench.raw", "bench.relay", 4, len(frames)))
        insert_rows = 200_000
        insert_s = clickhouse_insert(settings, insert_rows)
        report["baseline"] = {
            "broker_produce_per_s": len(frames) / produce_s,
            "broker_consume_per_s": len(frames) / consume_s,
            "python_relay_per_s": len(frames) / relay_s,
            "clickhouse_insert_rows_per_s": insert_rows / insert_s,
        }
        consume = report["baseline"]["broker_consume_per_s"]
        report["components"] = components(settings, report["baseline"])
        hot = asyncio.run(hotpath_rate(isolated_topics(settings, "hotpath"), frames))
        hot["ratio_to_raw_consume"] = hot["frames_per_s"] / consume
        hot["ratio_to_python_relay"] = hot["frames_per_s"] / report["baseline"]["python_relay_per_s"]
        report["hotpath"] = hot
        worker = start_worker(settings, state / "worker.log")
        try:
            report["latency"] = asyncio.run(latency(settings, 100))
            pipe = asyncio.run(pipeline_rate(settings, pipe_frames, pipe_cps * sessions_per_cp, "PIPE"))
            pipe["ratio_to_raw_consume"] = pipe["frames_per_s"] / consume
            pipe["rated_sessions_ratio_to_raw_consume"] = pipe["sessions_per_s"] / consume
            report["pipeline"] = pipe
            agent = agent_rates(settings, agent_cps, complex_cps)
            for kind in ("simple", "complex"):
                agent[kind]["ratio_to_raw_consume"] = agent[kind]["sessions_per_s"] / consume
            report["rating_agent"] = agent
            report["worker_peak_rss_mb"] = peak_rss_mb(worker.pid)
        finally:
            stop_worker(worker)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    return report


def components(settings: Settings, baseline: dict) -> dict:
    """Gateway, sessions step, rating and re-rating, each with its ratio to the raw broker rate of this run."""
    produce, consume = baseline["broker_produce_per_s"], baseline["broker_consume_per_s"]
    gateway = gateway_rate(settings.kafka_bootstrap_servers, stations=100, clickhouse_url=settings.clickhouse_url)
    gateway["ratio_to_raw_produce"] = gateway["frames_per_s"] / produce
    sessions = sessions_rate()
    sessions["ratio_to_raw_consume"] = sessions["events_per_s"] / consume
    rating = rating_rates()
    for kind in ("simple", "complex"):
        rating[f"{kind}_ratio_to_raw_consume"] = rating[f"{kind}_tariff_sessions_per_s"] / consume
    rerate = rerate_rate(settings, sessions=5_000, raw_consume_per_s=consume)
    exports = exports_bench.run(settings)  # a month of 1,000 chargers, against the raw Arrow read rate
    dashboard = dashboard_bench.run(settings)  # query latencies on a month of 1,000 chargers
    return {"gateway": gateway, "sessions_step": sessions, "rating": rating, "rerate": rerate, "exports": exports,
            "dashboard": dashboard}  # fmt: skip


def render(report: dict) -> str:
    b, h, lat = report["baseline"], report["hotpath"], report["latency"]
    rows = [
        ("broker produce (records/s)", f"{b['broker_produce_per_s']:,.0f}", "baseline"),
        ("broker consume (records/s)", f"{b['broker_consume_per_s']:,.0f}", "baseline"),
        ("Python relay: consume, JSON, produce (records/s)", f"{b['python_relay_per_s']:,.0f}", "baseline"),
        ("ClickHouse insert via HTTP (rows/s)", f"{b['clickhouse_insert_rows_per_s']:,.0f}", "baseline"),
        (
            "hot path ingest+sessions (frames/s)",
            f"{h['frames_per_s']:,.0f}",
            f"{h['ratio_to_raw_consume']:.2f} x consume, {h['ratio_to_python_relay']:.2f} x relay",
        ),
        (
            "pipeline frames in -> rated sessions (frames/s)",
            f"{report['pipeline']['frames_per_s']:,.0f}",
            f"{report['pipeline']['ratio_to_raw_consume']:.2f} x consume",
        ),
        (
            "pipeline rating agent, bench tariff (sessions/s)",
            f"{report['pipeline']['sessions_per_s']:,.0f}",
            f"{report['pipeline']['rated_sessions_ratio_to_raw_consume']:.3f} x consume",
        ),
        *(
            (
                f"rating agent, {kind} tariff (sessions/s)",
                f"{report['rating_agent'][kind]['sessions_per_s']:,.0f}",
                f"{report['rating_agent'][kind]['ratio_to_raw_consume']:.3f} x consume",
            )
            for kind in ("simple", "complex")
        ),
        *component_rows(report["components"]),
        ("StopTransaction -> rated row p50 (s)", f"{lat['p50_s']:.3f}", ""),
        ("StopTransaction -> rated row p99 (s)", f"{lat['p99_s']:.3f}", ""),
        ("worker peak RSS (MB)", f"{report['worker_peak_rss_mb']:.0f}", ""),
    ]
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{name:<{width}}  {value:>14}  {note}" for name, value, note in rows)


def component_rows(c: dict) -> list[tuple[str, str, str]]:
    g, s, r, rr, ex = c["gateway"], c["sessions_step"], c["rating"], c["rerate"], c["exports"]
    page = c["dashboard"]["latency"]["one_tenant"]["page"]
    return [
        ("gateway, 100 stations (frames/s)", f"{g['frames_per_s']:,.0f}", f"{g['ratio_to_raw_produce']:.3f} x produce"),
        ("sessions step alone (events/s)", f"{s['events_per_s']:,.0f}", f"{s['ratio_to_raw_consume']:.2f} x consume"),
        ("rating, simple tariff (sessions/s)", f"{r['simple_tariff_sessions_per_s']:,.0f}",
         f"{r['simple_ratio_to_raw_consume']:.3f} x consume"),
        ("rating, complex tariff (sessions/s)", f"{r['complex_tariff_sessions_per_s']:,.0f}",
         f"{r['complex_ratio_to_raw_consume']:.3f} x consume"),
        *(
            (f"batch re-rating, {kind} tariff (sessions/s)",
             f"{rr[kind]['rerate']['sessions'] / rr[kind]['rerate']['seconds']:,.0f}",
             f"{rr[kind]['ratio_to_raw_consume']:.3f} x consume")
            for kind in ("simple", "complex")
        ),
        ("ClickHouse Arrow read, a month (rows/s)", f"{ex['raw_arrow_read_rows_per_s']:,.0f}", "baseline"),
        ("data-quality gate, the month (s)", f"{ex['gate']['seconds']:.1f}", f"{ex['sessions']:,} sessions"),
        *(
            (f"export {fmt} (rows/s)", f"{ex[fmt]['rows_per_s']:,.0f}", f"{ex[fmt]['ratio_to_raw_read']:.2f} x read")
            for fmt in ("csv", "parquet", "datev", "sie", "ocpi-cdr")
        ),
        ("dashboard page, one tenant, median (ms)", f"{page['median_ms']:,.0f}", f"max {page['max_ms']:,.0f}"),
    ]  # fmt: skip


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--out", type=Path, default=REPO / "bench" / "report.json")
    args.add_argument("--charge-points", type=int, default=400)
    args.add_argument("--sessions", type=int, default=3)
    args.add_argument("--samples", type=int, default=150)
    opts = args.parse_args()
    report = run(opts.out, opts.charge_points, opts.sessions, opts.samples)
    print(render(report))
    print(f"\nreport written to {opts.out}")


if __name__ == "__main__":
    main()
