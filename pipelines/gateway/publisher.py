"""Envelopes from every connection to ocpp.inbound in batches: publish() never waits on Kafka.

Connections append to one buffer; a single flusher hands everything buffered to the producer as one record
batch per partition (aiokafka's per-record send() costs ~20 us, a batch append ~2 us). aiokafka takes one
pending batch per partition, so under load the flusher waits and the next batch grows: batching adapts to the
rate, and at low rates a frame leaves at the next loop turn plus the producer's 5 ms linger. Partitions come
from Kafka's default (murmur2) partitioner on the charge point id, as any other gateway's producer would pick.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

log = logging.getLogger(__name__)

MAX_BUFFERED = 100_000  # frames; beyond that connections wait before reading their next frame
MAX_CACHED_KEYS = 100_000


class FramePublisher:
    """Buffer + flusher over a started producer; `close()` delivers everything buffered before it returns."""

    def __init__(self, producer: AIOKafkaProducer, topic: str, partitions: int, max_buffered: int = MAX_BUFFERED):
        self._producer = producer
        self._topic = topic
        self._partitions = list(range(partitions))
        self._partition_of: dict[bytes, int] = {}
        self._max_buffered = max_buffered
        self._buffer: list[tuple[bytes, bytes]] = []
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._in_flight: set[asyncio.Future] = set()
        self._closing = False
        self._task: asyncio.Task | None = None
        self.delivered = 0  # records Kafka acknowledged
        self.failed = 0  # records Kafka refused or that could not be sent; each failure is logged

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-publisher")

    def publish(self, key: bytes, value: bytes) -> None:
        self._buffer.append((key, value))
        self._wake.set()

    async def wait_for_room(self) -> None:
        """Backpressure: a connection calls this before reading on, and waits only while Kafka lags far behind."""
        if len(self._buffer) >= self._max_buffered:
            self._room.clear()
            await self._room.wait()

    async def close(self, timeout_s: float = 30.0) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=timeout_s)
            if pending:
                log.error("%d batch(es) not acknowledged by Kafka within %.0f s at shutdown", len(pending), timeout_s)

    async def _run(self) -> None:
        while not (self._closing and not self._buffer):
            await self._wake.wait()
            self._wake.clear()
            records, self._buffer = self._buffer, []
            self._room.set()
            if records:
                try:
                    await self._send(records)
                except Exception:  # Kafka trouble must not end the flusher; every lost frame is counted and logged
                    self.failed += len(records)
                    log.exception("could not hand %d frames to Kafka", len(records))

    async def _send(self, records: list[tuple[bytes, bytes]]) -> None:
        by_partition: dict[int, list[tuple[bytes, bytes]]] = defaultdict(list)
        for key, value in records:
            by_partition[self._partition(key)].append((key, value))
        for partition, items in by_partition.items():
            batch = self._producer.create_batch()
            count = 0
            for key, value in items:
                if batch.append(key=key, value=value, timestamp=None) is None:
                    await self._submit(batch, partition, count)
                    batch, count = self._producer.create_batch(), 0
                    batch.append(key=key, value=value, timestamp=None)
                count += 1
            await self._submit(batch, partition, count)

    async def _submit(self, batch: object, partition: int, count: int) -> None:
        future = await self._producer.send_batch(batch, self._topic, partition=partition)
        self._in_flight.add(future)
        future.add_done_callback(lambda done: self._delivered(done, count))

    def _delivered(self, future: asyncio.Future, count: int) -> None:
        self._in_flight.discard(future)
        if future.cancelled() or future.exception() is not None:
            self.failed += count
            log.error(
                "Kafka did not take %d frames: %s", count, "cancelled" if future.cancelled() else future.exception()
            )
        else:
            self.delivered += count

    def _partition(self, key: bytes) -> int:
        partition = self._partition_of.get(key)
        if partition is None:
            if len(self._partition_of) >= MAX_CACHED_KEYS:
                self._partition_of.clear()
            partition = self._partition_of[key] = DefaultPartitioner()(key, self._partitions, self._partitions)
        return partition
