"""Scale-out on the embedded stack: frames in -> rated sessions in ClickHouse with one to three worker processes
sharing the partitions, the state they keep, and how long a restarted worker takes to be useful again.

`run(...) -> dict`, or `python -m bench.scaling` (`make bench` runs it after bench.run). Every worker count gets
its own topics, database and consumer groups on one broker and warehouse, so runs never see each other's data.
On a machine with fewer cores than workers the workers share cores: the ratio to one worker then measures
contention, not the design (docs/scaling.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bench.run import REPO, free_port, pipeline_rate
from bench.traffic import bench_catalog, charge_point_ids, fleet
from infra.stack import embedded_stack
from jobs.catalog_publish import publish_catalog
from jobs.worker_process import start_worker, stop_worker
from pipelines.config import Settings, Topics
from pipelines.health import READY_PATH
from pipelines.streaming import kafka
from pipelines.streaming.offsets import log_end_offsets
from pipelines.streaming.topics import ensure_topics, pipeline_topic_specs
from pipelines.warehouse.client import connect
from pipelines.warehouse.migrate import apply_migrations


def isolated(settings: Settings, tag: str) -> Settings:
    names = Topics().model_dump()
    topics = Topics.model_validate(
        {n: f"{v}{tag}." if n == "catalog_prefix" else f"{v}.{tag}" for n, v in names.items()}
    )
    return settings.model_copy(
        update={"app_id": f"scale-{tag}", "clickhouse_database": f"scale_{tag}", "topics": topics}
    )


async def group_members(settings: Settings, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([group])
        (described,) = response.groups
        return len(described[5]) if described[2] == "Stable" else 0
    finally:
        await admin.close()


def wait_members(settings: Settings, count: int, timeout_s: float = 120) -> float:
    """Seconds until the hot path's group is stable with `count` members."""
    started = time.monotonic()
    while asyncio.run(group_members(settings, f"{settings.app_id}-hotpath")) != count:
        if time.monotonic() - started > timeout_s:
            raise TimeoutError(f"{count} workers did not join within {timeout_s:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - started


async def topic_size(settings: Settings, topic: str) -> dict[str, int]:
    """Records and bytes (keys + values) in a topic, read to the fetched end."""
    consumer = kafka.consumer(settings, group_id=None)
    await consumer.start()
    try:
        partitions = sorted(consumer.partitions_for_topic(topic) or await _partitions(consumer, topic))
        tps = [TopicPartition(topic, p) for p in partitions]
        ends = await log_end_offsets(settings, tps, settings.broker_list_offsets_exact)
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        records = size = 0
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for messages in (await consumer.getmany(timeout_ms=500, max_records=10_000)).values():
                records += len(messages)
                size += sum(len(m.key or b"") + len(m.value or b"") for m in messages)
        return {"records": records, "bytes": size}
    finally:
        await consumer.stop()


async def _partitions(consumer: kafka.AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer.topics()
    return consumer.partitions_for_topic(topic) or set()


def directory_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def measure(settings: Settings, workers: int, frames: list, sessions: int, prefix: str, state: Path) -> dict:
    """Throughput with `workers` processes; for the last run also state size and restart time."""
    processes = [_start(settings, state / f"w{i}") for i in range(workers)]
    try:
        join_s = wait_members(settings, workers)
        rate = asyncio.run(pipeline_rate(settings, frames, sessions, prefix))
        rate |= {"workers": workers, "join_s": join_s, "frames_per_s_per_worker": rate["frames_per_s"] / workers}
        rate["state"] = state_size(settings, state)
        rate["restart"] = restart(settings, processes, state, prefix)
        return rate
    finally:
        for process in processes:
            stop_worker(process)


def _start(settings: Settings, state_dir: Path, *, web: bool = False) -> subprocess.Popen:
    """A worker with its own state directory (its RocksDB tables), logging inside it."""
    return start_worker(settings.model_copy(update={"state_dir": state_dir}), state_dir / "worker.log", web=web)


def wait_ready(port: int, worker: subprocess.Popen, timeout_s: float = 180) -> None:
    """Until the worker's /readyz answers 200: catalog read, group joined, Faust tables recovered."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the restarted worker exited with {worker.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{READY_PATH}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # not listening yet, or 503 (HTTPError is an OSError)
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the restarted worker was not ready within {timeout_s:.0f} s")


def state_size(settings: Settings, state: Path) -> dict:
    topics = {
        "sessions_state": settings.topics.session_state,
        "account_usage": f"{settings.app_id}-account-usage-changelog",
    }
    sizes: dict[str, object] = {name: asyncio.run(topic_size(settings, topic)) for name, topic in topics.items()}
    sizes["worker_disk_bytes"] = directory_bytes(state)  # RocksDB tables with table_store=rocksdb
    return sizes


def restart(settings: Settings, processes: list[subprocess.Popen], state: Path, prefix: str) -> dict:
    """Stop worker 0 cleanly and start it again on its own state directory: seconds from the start until it is
    ready (process start, catalog read, group join, table recovery), and until one more session published then is
    rated (plus the session's own hops)."""
    stop_worker(processes[0])
    settings = settings.model_copy(update={"web_port": free_port()})
    started = time.monotonic()
    processes[0] = _start(settings, state / "w0", web=True)
    wait_ready(settings.web_port, processes[0])
    ready_s = time.monotonic() - started
    asyncio.run(pipeline_rate(settings, list(fleet(1, 1, 10, prefix=f"{prefix}R")), 1, f"{prefix}R"))
    return {
        "restart_to_ready_s": ready_s,
        "restart_to_first_rated_s": time.monotonic() - started,
        "table_store": settings.table_store,
    }


def run(
    *, charge_points: int = 48, sessions_per_cp: int = 2, samples: int = 60, max_workers: int = 3,
    partitions: int = 6, table_store: str = "rocksdb",
) -> dict:  # fmt: skip
    state = Path(tempfile.mkdtemp(prefix="chargeledger-scaling-"))
    base = Settings(
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        clickhouse_url=f"http://127.0.0.1:{free_port()}",
        state_dir=state,
        partitions=partitions,
        table_store=table_store,  # type: ignore[arg-type]
    )
    prefixes = [f"SC{n}" for n in range(1, max_workers + 1)]
    catalog = state / "catalog.yaml"
    restarted = [cp for p in prefixes for cp in charge_point_ids(f"{p}R", 1)]  # one session after each restart
    catalog.write_text(bench_catalog([cp for p in prefixes for cp in charge_point_ids(p, charge_points)] + restarted))
    report: dict = {"partitions": partitions, "charge_points": charge_points, "runs": []}
    try:
        with embedded_stack(base, state):
            for workers, prefix in zip(range(1, max_workers + 1), prefixes, strict=True):
                settings = isolated(base, prefix.lower())
                ensure_topics(settings.kafka_bootstrap_servers, pipeline_topic_specs(settings))
                apply_migrations(connect(settings), REPO / "schemas" / "clickhouse", settings.clickhouse_database)
                asyncio.run(publish_catalog(settings, catalog))
                frames = list(fleet(charge_points, sessions_per_cp, samples, prefix=prefix))
                run_state = state / prefix
                report["runs"].append(
                    measure(settings, workers, frames, charge_points * sessions_per_cp, prefix, run_state)
                )
        one = report["runs"][0]["frames_per_s"]
        for entry in report["runs"]:
            entry["ratio_to_one_worker"] = entry["frames_per_s"] / one
    finally:
        shutil.rmtree(state, ignore_errors=True)
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--charge-points", type=int, default=48)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/scaling.json"))
    args = parser.parse_args()
    result = run(charge_points=args.charge_points, max_workers=args.workers)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
