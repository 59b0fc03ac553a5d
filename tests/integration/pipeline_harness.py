"""A pipeline under test: its own topics, database and consumer groups on the shared embedded stack,
one real worker process, and helpers to publish frames and read ClickHouse."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from pathlib import Path

from aiokafka import ConsumerRecord, TopicPartition
from clickhouse_connect.driver.client import Client

from jobs.catalog_publish import publish_catalog
from jobs.drain import wait_drained
from jobs.worker_process import start_worker, stop_worker
from pipelines.config import Settings, Topics
from pipelines.streaming import kafka
from pipelines.streaming.offsets import log_end_offsets
from pipelines.streaming.topics import ensure_topics, pipeline_topic_specs
from pipelines.warehouse.client import connect
from pipelines.warehouse.migrate import apply_migrations

REPO = Path(__file__).resolve().parents[2]
CATALOG = Path(__file__).with_name("catalog.yaml")


def isolated_settings(broker: str, warehouse_url: str, state_dir: Path) -> Settings:
    tag = uuid.uuid4().hex[:8]
    fields = Topics.model_fields
    topics = Topics(
        **{
            name: f"{field.default}{tag}" if name == "catalog_prefix" else f"{field.default}.{tag}"
            for name, field in fields.items()
        }
    )
    return Settings(
        kafka_bootstrap_servers=broker,
        clickhouse_url=warehouse_url,
        clickhouse_database=f"t_{tag}",
        app_id=f"test-{tag}",
        state_dir=state_dir,
        topics=topics,
    )


class PipelineUnderTest:
    def __init__(self, broker: str, warehouse_url: str, state_dir: Path, catalog: Path = CATALOG) -> None:
        self.settings = isolated_settings(broker, warehouse_url, state_dir)
        self.catalog = catalog
        self.worker: subprocess.Popen | None = None
        self.log_path = state_dir / f"worker-{self.settings.app_id}.log"

    def start(self) -> PipelineUnderTest:
        s = self.settings
        ensure_topics(s.kafka_bootstrap_servers, pipeline_topic_specs(s))
        apply_migrations(connect(s), REPO / "schemas" / "clickhouse", s.clickhouse_database)
        asyncio.run(publish_catalog(s, self.catalog))
        return self.start_worker()

    def start_worker(self) -> PipelineUnderTest:
        self.worker = start_worker(self.settings, self.log_path)
        return self

    def kill_worker(self) -> None:
        """SIGKILL: no shutdown hooks, no final commits, exactly like a crashed machine."""
        assert self.worker is not None
        stop_worker(self.worker, kill=True)

    def stop(self) -> None:
        if self.worker:
            stop_worker(self.worker)

    def publish(self, frames: list[bytes], key: bytes | None = None) -> None:
        async def send() -> None:
            producer = kafka.producer(self.settings, max_request_size=8 << 20)
            await producer.start()
            try:
                for frame in frames:  # one by one, in order, as a gateway would
                    await producer.send_and_wait(self.settings.topics.inbound, frame, key=key or _key_of(frame))
            finally:
                await producer.stop()

        asyncio.run(send())

    def records(self, topic: str, partitions: int | None = None) -> list[ConsumerRecord]:
        """Every record of `topic` (all `partitions`, default the pipeline's), up to its end when called."""

        async def read() -> list[ConsumerRecord]:
            s = self.settings
            tps = [TopicPartition(topic, n) for n in range(partitions or s.partitions)]
            ends = await log_end_offsets(s, tps, s.broker_list_offsets_exact)
            reader = kafka.consumer(s, group_id=None)
            await reader.start()
            try:
                reader.assign(tps)
                await reader.seek_to_beginning(*tps)
                out: list[ConsumerRecord] = []
                while sum(ends.values()) > len(out):
                    out += [m for messages in (await reader.getmany(timeout_ms=1000)).values() for m in messages]
                return out
            finally:
                await reader.stop()

        return asyncio.run(read())

    def resend(self, topic: str, record: ConsumerRecord) -> None:
        """Send `record` again, byte for byte, as an at-least-once redelivery would."""

        async def send() -> None:
            producer = kafka.producer(self.settings)
            await producer.start()
            try:
                await producer.send_and_wait(topic, record.value, key=record.key)
            finally:
                await producer.stop()

        asyncio.run(send())

    def drain(self, timeout_s: float = 120) -> None:
        asyncio.run(wait_drained(self.settings, timeout_s=timeout_s))
        assert self.worker is not None
        assert self.worker.poll() is None, f"worker died:\n{self.log_path.read_text()[-4000:]}"

    @property
    def client(self) -> Client:
        return connect(self.settings, database=self.settings.clickhouse_database)

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self.client.query(sql).result_rows]

    def wait_rows(self, sql: str, expected: list[tuple], timeout_s: float = 30) -> list[tuple]:
        """Poll `sql` until it returns `expected` (for results that appear on a timer, not with the input's lag),
        failing with the last result after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while (got := self.rows(sql)) != expected and time.monotonic() < deadline:
            if self.worker is not None and self.worker.poll() is not None:
                raise AssertionError(f"worker died:\n{self.log_path.read_text()[-4000:]}")
            time.sleep(0.25)
        assert got == expected, f"after {timeout_s} s: {got}"
        return got


def _key_of(frame: bytes) -> bytes:
    import orjson

    try:
        return str(orjson.loads(frame)["charge_point_id"]).encode()
    except Exception:  # garbage frames still need a key; the gateway would use the connection's id
        return b"unknown"
