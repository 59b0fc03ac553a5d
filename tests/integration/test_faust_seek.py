"""No record is lost when a worker's stream partitions are resumed after table recovery
(pipelines/streaming/faust_transport.py).

Faust's recovery resumes the stream partitions and then seeks them, with the flow it resumed to read the changelogs
still running; records fetched during the seek went to the agent's queue, which Faust empties when the seek is done,
and the fetcher's position was already past them. A worker restarting onto a backlog, with a changelog to recover
and records still arriving, brings that about: the records it dropped were never forwarded.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from pipelines.streaming.topics import TopicSpec, ensure_topics

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PARTITIONS = 40
BACKLOG = 10  # records per partition waiting when the worker restarts
TRICKLE = 200  # records sent one by one while it recovers, so that fetches keep returning data


def _values(prefix: str, rounds: int) -> list[bytes]:
    return [f"{p}.{prefix}{n}".encode() for n in range(rounds) for p in range(PARTITIONS)]


async def _produce(broker: str, topic: str, values: list[bytes], pause_s: float = 0) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=broker, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value=value, partition=int(value.split(b".")[0]))
            await asyncio.sleep(pause_s)
    finally:
        await producer.stop()


async def _forwarded(broker: str, topic: str, wanted: int, timeout_s: float) -> set[bytes]:
    """Values on the sink once `wanted` arrived or timeout_s passed."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=broker, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    seen: set[bytes] = set()
    try:
        deadline = time.monotonic() + timeout_s
        while len(seen) < wanted and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                seen.update(record.value for record in records)
    finally:
        await consumer.stop()
    return seen


def _start(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.forward_app", "worker", "--without-web", "--loglevel", "warn"],
        env=env,
        cwd=REPO,
        stdout=log_path.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


async def _restart_under_load(broker: str, source: str, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    await _produce(broker, source, _values("backlog", BACKLOG))
    worker = _start(env, log_path)
    await _produce(broker, source, _values("trickle", TRICKLE // PARTITIONS), pause_s=0.05)
    return worker


def test_a_restarted_worker_recovering_its_table_loses_no_record(broker: str, tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:8]
    source, sink = f"seek.source.{run}", f"seek.sink.{run}"
    ensure_topics(broker, [TopicSpec(source, PARTITIONS), TopicSpec(sink, 1)])
    env = dict(os.environ, FORWARD_BROKER=broker, FORWARD_APP_ID=f"seek-{run}", FORWARD_SOURCE=source)
    env |= {"FORWARD_SINK": sink, "FORWARD_PARTITIONS": str(PARTITIONS), "FORWARD_DATADIR": str(tmp_path / "faust")}
    first = _start(env, tmp_path / "worker.log")
    try:
        asyncio.run(_produce(broker, source, _values("first", 1)))
        forwarded = asyncio.run(_forwarded(broker, sink, PARTITIONS, timeout_s=60))
    finally:
        _stop(first)
    assert len(forwarded) == PARTITIONS, "the first run did not forward its records"
    second = asyncio.run(_restart_under_load(broker, source, env, tmp_path / "worker.log"))
    try:
        expected = set(_values("first", 1) + _values("backlog", BACKLOG) + _values("trickle", TRICKLE // PARTITIONS))
        forwarded = asyncio.run(_forwarded(broker, sink, len(expected), timeout_s=60))
    finally:
        _stop(second)
    missing = expected - forwarded
    assert not missing, f"{len(missing)} of {len(expected)} records never reached the agent"
