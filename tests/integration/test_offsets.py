"""Log-end offsets and consumer lag against the real Tansu broker, whose ListOffsets(latest) is short."""

import uuid
from collections import Counter

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from pipelines.config import Settings
from pipelines.streaming.offsets import consumer_lag, log_end_offsets
from pipelines.streaming.topics import TopicSpec, ensure_topics

PARTITIONS = 3
RECORDS = 5_000
BATCHES = 10


def _fresh_topic(broker: str) -> str:
    name = f"offsets.{uuid.uuid4().hex[:8]}"
    ensure_topics(broker, [TopicSpec(name, PARTITIONS)])
    return name


async def _produce(broker: str, topic: str) -> Counter[int]:
    """RECORDS records over PARTITIONS partitions, sent as BATCHES rounds so each partition has many batches."""
    counts: Counter[int] = Counter()
    producer = AIOKafkaProducer(bootstrap_servers=broker, linger_ms=5, acks="all")
    await producer.start()
    try:
        per_batch = RECORDS // BATCHES
        for batch in range(BATCHES):
            futures = []
            for i in range(per_batch):
                partition = (batch * per_batch + i) % PARTITIONS
                futures.append(await producer.send(topic, value=b"x" * 50, partition=partition))
                counts[partition] += 1
            for future in futures:
                await future
    finally:
        await producer.stop()
    return counts


@pytest.fixture(scope="module")
def settings(broker: str) -> Settings:
    return Settings(kafka_bootstrap_servers=broker)


@pytest.fixture(scope="module")
async def produced(broker: str) -> tuple[str, Counter[int]]:
    topic = _fresh_topic(broker)
    return topic, await _produce(broker, topic)


async def test_log_end_offsets_equal_records_per_partition(
    settings: Settings, produced: tuple[str, Counter[int]]
) -> None:
    topic, counts = produced
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    ends = await log_end_offsets(settings, partitions, exact_list_offsets=False)
    assert ends == {TopicPartition(topic, p): counts[p] for p in range(PARTITIONS)}
    assert sum(ends.values()) == RECORDS


async def test_plain_end_offsets_are_short_on_tansu(settings: Settings, produced: tuple[str, Counter[int]]) -> None:
    """Documents the defect the workaround exists for: trusting ListOffsets(latest) loses the last batch."""
    topic, counts = produced
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    trusted = await log_end_offsets(settings, partitions, exact_list_offsets=True)
    assert all(trusted[tp] < counts[tp.partition] for tp in partitions)
    assert sum(trusted.values()) < RECORDS


async def test_empty_partitions_end_at_zero(broker: str, settings: Settings) -> None:
    topic = _fresh_topic(broker)
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    assert await log_end_offsets(settings, partitions, exact_list_offsets=False) == dict.fromkeys(partitions, 0)


async def test_single_record_partition(broker: str, settings: Settings) -> None:
    topic = _fresh_topic(broker)
    producer = AIOKafkaProducer(bootstrap_servers=broker)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"one", partition=1)
    finally:
        await producer.stop()
    ends = await log_end_offsets(settings, [TopicPartition(topic, p) for p in range(PARTITIONS)], False)
    assert [ends[TopicPartition(topic, p)] for p in range(PARTITIONS)] == [0, 1, 0]


async def test_consumer_lag_reaches_zero_after_group_commits(
    broker: str, settings: Settings, produced: tuple[str, Counter[int]]
) -> None:
    topic, counts = produced
    group = f"lag-{uuid.uuid4().hex[:8]}"
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    assert await consumer_lag(settings, group, [topic], exact_list_offsets=False) == {topic: RECORDS}

    consumer = AIOKafkaConsumer(
        bootstrap_servers=broker, group_id=group, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.commit({partitions[0]: 100})
        assert await consumer_lag(settings, group, [topic], exact_list_offsets=False) == {topic: RECORDS - 100}
        seen = 0
        while seen < RECORDS - 100:
            batches = await consumer.getmany(timeout_ms=500)
            seen += sum(len(records) for records in batches.values())
        assert seen == RECORDS - 100
        await consumer.commit()
    finally:
        await consumer.stop()
    assert await consumer_lag(settings, group, [topic], exact_list_offsets=False) == {topic: 0}
    assert counts.total() == RECORDS


async def test_lag_from_trusted_list_offsets_hides_the_last_batches(
    broker: str, settings: Settings, produced: tuple[str, Counter[int]]
) -> None:
    topic, _ = produced
    group = f"naive-{uuid.uuid4().hex[:8]}"
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    trusted = await log_end_offsets(settings, partitions, exact_list_offsets=True)
    committer = AIOKafkaConsumer(bootstrap_servers=broker, group_id=group, enable_auto_commit=False)
    await committer.start()
    try:
        committer.assign(partitions)
        await committer.commit(trusted)
    finally:
        await committer.stop()
    assert await consumer_lag(settings, group, [topic], exact_list_offsets=True) == {topic: 0}
    assert await consumer_lag(settings, group, [topic], exact_list_offsets=False) == {
        topic: RECORDS - sum(trusted.values())
    }
