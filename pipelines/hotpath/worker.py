"""Kafka adapter of the hot path: batches from ocpp.inbound in, events/dead letters/sessions out.

Per batch: produce outputs and wait for them, then remember the batch's dedup keys. Per checkpoint (every
CHECKPOINT_INTERVAL_S, when the input runs dry, and before partitions are handed over): write the changed
charge points' state to the compacted changelog, then commit input offsets. A crash anywhere replays from
the last commit against the state of that same checkpoint, so nothing is lost; downstream tables are
idempotent, so nothing is doubled.

Housekeeping (every HOUSEKEEPING_INTERVAL_S while caught up with the input, so a worker replaying a backlog does
not close sessions whose stop is still in it; at least every HOUSEKEEPING_MAX_DELAY_S): provisional closes and
running snapshots with the wall clock as `now`. Its sessions are produced like a batch's and the charge points it
changed are checkpointed; a crash before that repeats them with the same revision.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import ConsumerRebalanceListener, TopicPartition

from pipelines.config import Settings
from pipelines.hotpath.process import BatchResult, FrameProcessor, InboundRecord
from pipelines.ingest.models import ChargingEvent, DeadLetter, DeadLetterClass
from pipelines.sessions.limits import Limits
from pipelines.sessions.models import ClosedSession
from pipelines.streaming import kafka
from pipelines.streaming.codec import encoder
from pipelines.streaming.offsets import log_end_offsets

log = logging.getLogger(__name__)
# How often the state changelog is written and offsets committed. Outputs go out with every batch, so this
# bounds replay after a crash, not latency; between checkpoints a charge point's state is written once.
CHECKPOINT_INTERVAL_S = 0.5
# Provisional closes (timeouts of hours) and running snapshots (one a minute) need no finer grain; each round
# visits every charge point, so it runs every few seconds, not per batch.
HOUSEKEEPING_INTERVAL_S = 5.0
HOUSEKEEPING_MAX_DELAY_S = 60.0  # ... and at least this often even while the input never runs dry


@dataclass(slots=True)
class HotPathStats:
    frames: int = 0
    events: int = 0
    dead_letters: int = 0
    closed_sessions: int = 0
    running_snapshots: int = 0
    batches: int = 0
    checkpoints: int = 0


class _Rebalance(ConsumerRebalanceListener):
    """Revocation waits for the batch in flight; restoring is left to the poll loop, because aiokafka may
    already fetch for new partitions while this listener runs, and no frame may meet a state not yet restored.
    """

    def __init__(self, worker: HotPathWorker) -> None:
        self.worker = worker

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        async with self.worker.batch_lock:
            await self.worker.checkpoint()  # hand over committed offsets with the state that matches them
            partitions = {tp.partition for tp in revoked}
            self.worker.processor.drop_partitions(partitions)
            self.worker.to_restore -= partitions

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.worker.to_restore |= {tp.partition for tp in assigned}


def unencodable(record: ChargingEvent | ClosedSession, error: Exception) -> DeadLetter:
    """A record whose values exceed its Avro schema (e.g. a meter register beyond Decimal(18, 3))."""
    if isinstance(record, ChargingEvent):
        ident, original, tenant, cp = record.event_id, record.payload.encode(), record.tenant_id, record.charge_point_id
    else:
        ident, tenant, cp = record.session_id, record.tenant_id, record.charge_point_id
        original = repr(record).encode()
    return DeadLetter(
        dead_letter_id=hashlib.blake2b(f"encode\x00{ident}".encode(), digest_size=16).hexdigest(),
        stage="ingest" if isinstance(record, ChargingEvent) else "sessions",
        error_class=DeadLetterClass.IMPOSSIBLE_VALUE,
        reason=f"{type(record).__name__} {ident} does not fit its Avro schema: {error}",
        original=original,
        received_at=datetime.now(UTC),
        tenant_id=tenant,
        charge_point_id=cp,
    )


def session_limits(settings: Settings) -> Limits:
    return Limits(
        late_window=timedelta(seconds=settings.late_arrival_window_s),
        provisional_timeout=timedelta(seconds=settings.provisional_close_timeout_s),
    )


class HotPathWorker:
    """One consumer-group member of the ingest+sessions stage."""

    def __init__(self, settings: Settings, *, max_records: int = 5000) -> None:
        self.settings = settings
        self.topics = settings.topics
        self.max_records = max_records
        self.processor = FrameProcessor(self.topics.inbound, session_limits(settings))
        self.running_interval = timedelta(seconds=settings.running_cost_interval_s)
        self.stats = HotPathStats()
        self.batch_lock = asyncio.Lock()
        self.to_restore: set[int] = set()
        self._dirty: set[str] = set()  # charge points changed since the last checkpoint
        self._uncommitted: dict[TopicPartition, int] = {}
        self._last_checkpoint = 0.0
        self._last_housekeeping = 0.0
        self._consumer: kafka.AIOKafkaConsumer | None = None
        self._producer: kafka.AIOKafkaProducer | None = None
        self._encode_event = encoder("ChargingEvent")
        self._encode_dead_letter = encoder("DeadLetter")
        self._encode_session = encoder("ClosedSession")

    async def restore(self, partitions: set[int]) -> None:
        """Rebuild the charge points' state of newly assigned partitions from the changelog."""
        if not partitions:
            return
        topic = self.topics.session_state
        tps = [TopicPartition(topic, p) for p in partitions]
        ends = await log_end_offsets(self.settings, tps, self.settings.broker_list_offsets_exact)
        todo = {tp: end for tp, end in ends.items() if end > 0}
        if not todo:
            return
        reader = kafka.consumer(self.settings, group_id=None)
        await reader.start()
        try:
            reader.assign(list(todo))
            await reader.seek_to_beginning(*todo)
            restored = 0
            while todo:
                batches = await reader.getmany(timeout_ms=500, max_records=10_000)
                for tp, messages in batches.items():
                    for message in messages:
                        self.processor.restore(tp.partition, message.key.decode(), message.value)
                        restored += 1
                    if messages and messages[-1].offset + 1 >= todo.get(tp, 0):
                        todo.pop(tp, None)
            log.info("restored %d state records for partitions %s", restored, sorted(partitions))
        finally:
            await reader.stop()

    async def run(self, stop: asyncio.Event) -> None:
        consumer = kafka.consumer(self.settings, group_id=f"{self.settings.app_id}-hotpath")
        producer = kafka.producer(self.settings)
        consumer.subscribe([self.topics.inbound], listener=_Rebalance(self))
        await producer.start()
        await consumer.start()
        self._consumer, self._producer = consumer, producer
        try:
            await self._check_copartitioned(producer)
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=50, max_records=self.max_records)
                async with self.batch_lock:
                    if self.to_restore:
                        await self.restore(self.to_restore)
                        self.to_restore = set()
                    owned = consumer.assignment()
                    batches = {tp: messages for tp, messages in batches.items() if tp in owned}
                    if batches:
                        await self._handle(batches, producer)
                    caught_up = sum(len(messages) for messages in batches.values()) < self.max_records
                    since = time.monotonic() - self._last_housekeeping
                    if since >= HOUSEKEEPING_INTERVAL_S and (caught_up or since >= HOUSEKEEPING_MAX_DELAY_S):
                        await self._housekeep(producer)
                    due = time.monotonic() - self._last_checkpoint >= CHECKPOINT_INTERVAL_S
                    if (self._uncommitted or self._dirty) and (due or not batches):
                        await self.checkpoint()
            async with self.batch_lock:
                await self.checkpoint()
        finally:
            await consumer.stop()
            await producer.stop()

    async def _check_copartitioned(self, producer: kafka.AIOKafkaProducer) -> None:
        """Outputs and state go to the input's partition number, so every topic needs the same count."""
        t = self.topics
        names = [t.inbound, t.events, t.deadletter, t.sessions_closed, t.sessions_running, t.session_state]
        counts = {name: await kafka.partition_count(producer, name) for name in names}
        if len(set(counts.values())) > 1:
            found = ", ".join(f"{name}: {n}" for name, n in counts.items())
            raise RuntimeError(f"the hot path's topics must have equal partition counts ({found})")

    async def _handle(self, batches: dict, producer: kafka.AIOKafkaProducer) -> None:
        records = [
            InboundRecord(tp.partition, message.offset, message.value or b"")
            for tp, messages in batches.items()
            for message in messages
        ]
        result = self.processor.process(records, datetime.now(UTC))
        await self._produce_outputs(producer, result)
        self.processor.mark_written(result)
        self._dirty |= result.touched
        self._uncommitted.update({tp: messages[-1].offset + 1 for tp, messages in batches.items()})
        self._count(len(records), result)

    async def _housekeep(self, producer: kafka.AIOKafkaProducer) -> None:
        result = self.processor.housekeep(datetime.now(UTC), self.running_interval)
        if result.closed or result.running:
            await self._produce_outputs(producer, result)
        self._dirty |= result.touched
        self.stats.closed_sessions += len(result.closed)
        self.stats.running_snapshots += len(result.running)
        self._last_housekeeping = time.monotonic()

    async def checkpoint(self) -> None:
        """Write the state of the charge points changed since the last checkpoint, then commit the offsets
        that produced it. Outputs were already written batch by batch; a crash before the checkpoint
        replays those batches from the previous one, against the previous state, into idempotent tables."""
        if (self._uncommitted or self._dirty) and self._producer is not None and self._consumer is not None:
            states = self.processor.states
            state = [(states[k].partition, k.encode(), self.processor.snapshot(k)) for k in self._dirty if k in states]
            await asyncio.gather(*await kafka.send_to_partitions(self._producer, self.topics.session_state, state))
            if self._uncommitted:
                await self._consumer.commit(self._uncommitted)
            self.stats.checkpoints += 1
        self._dirty.clear()
        self._uncommitted = {}
        self._last_checkpoint = time.monotonic()

    async def _produce_outputs(self, producer: kafka.AIOKafkaProducer, result: BatchResult) -> None:
        topics = self.topics
        events = self._encode_all(self._encode_event, result.events, result, lambda e: e.charge_point_id)
        closed = self._encode_all(self._encode_session, result.closed, result, lambda s: s.session_id)
        running = self._encode_all(self._encode_session, result.running, result, lambda s: s.session_id)
        dead = [(p, (d.charge_point_id or "").encode(), self._encode_dead_letter(d)) for p, d in result.dead_letters]
        futures = await kafka.send_to_partitions(producer, topics.events, events)
        futures += await kafka.send_to_partitions(producer, topics.deadletter, dead)
        futures += await kafka.send_to_partitions(producer, topics.sessions_closed, closed)
        futures += await kafka.send_to_partitions(producer, topics.sessions_running, running)
        await asyncio.gather(*futures)

    @staticmethod
    def _encode_all(
        encode: Callable[[Any], bytes], items: list[tuple[int, Any]], result: BatchResult, key: Callable[[Any], str]
    ) -> list[tuple[int, bytes, bytes]]:
        """Encode each record; one that its Avro schema cannot hold becomes a dead letter instead of
        crashing the worker on every replay of the batch."""
        encoded = []
        for partition, record in items:
            try:
                encoded.append((partition, key(record).encode(), encode(record)))
            except (ValueError, OverflowError, TypeError) as error:
                result.dead_letters.append((partition, unencodable(record, error)))
        return encoded

    def _count(self, frames: int, result: BatchResult) -> None:
        self.stats.frames += frames
        self.stats.events += len(result.events)
        self.stats.dead_letters += len(result.dead_letters)
        self.stats.closed_sessions += len(result.closed)
        self.stats.batches += 1
