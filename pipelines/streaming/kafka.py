"""aiokafka clients configured from Settings, and batched sends that skip per-record awaits."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from pipelines.config import Settings
from pipelines.security import aiokafka_options

KeyValue = tuple[bytes | None, bytes]
# Tansu holds an empty fetch for the whole wait even when data arrives; a short wait bounds the latency
# each consumer hop adds (see faust_transport.py).
FETCH_MAX_WAIT_MS = 20


def producer(settings: Settings, **overrides: object) -> AIOKafkaProducer:
    options: dict[str, object] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "linger_ms": 5,
        "max_batch_size": 1 << 20,
        "acks": "all",
        "enable_idempotence": False,
        # dead letters keep oversized frames byte for byte (ingest rejects frames above 256 KiB)
        "max_request_size": 16 << 20,
        **aiokafka_options(settings.kafka_security),
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


def consumer(settings: Settings, *topics: str, group_id: str | None, **overrides: object) -> AIOKafkaConsumer:
    options: dict[str, object] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "session_timeout_ms": 10_000,
        "heartbeat_interval_ms": 1_000,
        "fetch_max_wait_ms": FETCH_MAX_WAIT_MS,
        "max_partition_fetch_bytes": 4 << 20,
        "fetch_max_bytes": 16 << 20,
        **aiokafka_options(settings.kafka_security),
    }
    options.update(overrides)
    return AIOKafkaConsumer(*topics, **options)


async def send_to_partitions(
    client: AIOKafkaProducer, topic: str, items: Iterable[tuple[int, bytes | None, bytes]]
) -> list[asyncio.Future]:
    """Append (partition, key, value) items to record batches and send them; returns delivery futures.

    Building batches directly avoids aiokafka's per-record send() overhead, which caps a hot path near
    45k records/s (EMBEDDED.md). Await the returned futures before committing what produced them.
    """
    by_partition: dict[int, list[KeyValue]] = defaultdict(list)
    for partition, key, value in items:
        by_partition[partition].append((key, value))
    futures: list[asyncio.Future] = []
    for partition, records in by_partition.items():
        batch = client.create_batch()
        for key, value in records:
            if batch.append(key=key, value=value, timestamp=None) is None:
                futures.append(await client.send_batch(batch, topic, partition=partition))
                batch = client.create_batch()
                batch.append(key=key, value=value, timestamp=None)
        if batch.record_count():
            futures.append(await client.send_batch(batch, topic, partition=partition))
    return futures


async def partition_count(client: AIOKafkaProducer, topic: str) -> int:
    partitions = await client.partitions_for(topic)
    return len(partitions)
