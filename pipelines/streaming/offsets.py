"""The one place that learns log-end offsets and consumer lag, correct on the embedded broker too.

Tansu answers ListOffsets(latest) with the base offset of the last record batch, not the log end
offset (EMBEDDED.md), so end_offsets() comes up short there. The high watermark in a Fetch response is
right: when the broker is not trusted (Settings.broker_list_offsets_exact is False) we seek to the
reported end, fetch once per partition and take the high watermark. A real Kafka is asked directly.
Clients come from pipelines/streaming/kafka.py, so they carry the configured TLS/SASL.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition

from pipelines.config import Settings
from pipelines.streaming import kafka

FETCH_TIMEOUT_S = 10.0
_CONSUMER_OPTIONS: dict[str, object] = {
    "enable_auto_commit": False,
    "fetch_max_wait_ms": 50,
    "max_partition_fetch_bytes": 1 << 16,
}


class OffsetsError(RuntimeError):
    """The broker did not answer a fetch for some partitions in time."""


async def log_end_offsets(
    settings: Settings, topic_partitions: Iterable[TopicPartition], exact_list_offsets: bool
) -> dict[TopicPartition, int]:
    """Log-end offset (next offset to be written) of each partition."""
    partitions = list(topic_partitions)
    if not partitions:
        return {}
    consumer = kafka.consumer(settings, group_id=None, **_CONSUMER_OPTIONS)
    try:
        await consumer.start()  # inside: a failed start still closes the client
        return await _end_offsets(consumer, partitions, exact_list_offsets)
    finally:
        await consumer.stop()


async def _end_offsets(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], exact_list_offsets: bool
) -> dict[TopicPartition, int]:
    reported: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
    if exact_list_offsets:
        return dict(reported)
    consumer.assign(partitions)
    for tp, offset in reported.items():
        consumer.seek(tp, offset)
    deadline = time.monotonic() + FETCH_TIMEOUT_S
    while any(consumer.highwater(tp) is None for tp in partitions):
        if time.monotonic() > deadline:
            raise OffsetsError(f"no fetch response within {FETCH_TIMEOUT_S:.0f} s for {_unanswered(consumer)}")
        await consumer.getmany(timeout_ms=100)
    return {tp: max(reported[tp], consumer.highwater(tp)) for tp in partitions}


def _unanswered(consumer: AIOKafkaConsumer) -> list[str]:
    return [f"{tp.topic}[{tp.partition}]" for tp in consumer.assignment() if consumer.highwater(tp) is None]


async def _partitions_of(consumer: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    await consumer.topics()
    partitions: list[TopicPartition] = []
    for topic in topics:
        numbers = consumer.partitions_for_topic(topic)
        if numbers is None:
            raise OffsetsError(f"topic {topic!r} does not exist")
        partitions.extend(TopicPartition(topic, number) for number in sorted(numbers))
    return partitions


async def consumer_lag(
    settings: Settings, group_id: str, topics: Iterable[str], exact_list_offsets: bool
) -> dict[str, int]:
    """Records not yet committed by group_id, summed per topic (uncommitted partitions count from the start)."""
    names = list(topics)
    consumer = kafka.consumer(settings, group_id=group_id)
    try:
        await consumer.start()  # inside: a failed start still closes the client
        partitions = await _partitions_of(consumer, names)
        committed = {tp: await consumer.committed(tp) for tp in partitions}
        starts = await consumer.beginning_offsets(partitions)
    finally:
        await consumer.stop()
    ends = await log_end_offsets(settings, partitions, exact_list_offsets)
    lag: dict[str, int] = defaultdict(int, dict.fromkeys(names, 0))
    for tp in partitions:
        position = committed[tp] if committed[tp] is not None else starts[tp]
        lag[tp.topic] += max(0, ends[tp] - position)
    return dict(lag)
