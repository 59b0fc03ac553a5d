"""Faust's aiokafka transport with a short fetch wait, because Tansu does not answer a long poll early.

Faust hard-codes `fetch_max_wait_ms=1500`. A broker that wakes waiting fetches when data arrives (Kafka)
makes that harmless; the embedded Tansu holds every empty fetch for the full wait, which measured as ~0.75 s
median added to each Faust hop. The same wait as our own batch consumers keeps a session's latency low.
Faust's table recovery reads a changelog up to the end offsets ListOffsets reports, which Tansu gives one
batch short (EMBEDDED.md); unless the app's settings trust the broker, they come from
pipelines/streaming/offsets.py, with the same TLS/SASL as every other client. The consumer also seeks after a
rebalance with the flow stopped, so that no fetched record is dropped (`_Consumer.perform_seek`; docs/scaling.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import aiokafka
from faust.transport.consumer import RecordMap
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from pipelines.streaming.kafka import FETCH_MAX_WAIT_MS
from pipelines.streaming.offsets import log_end_offsets


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: faust_aiokafka.Transport) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read when the consumer starts its fetcher
        return consumer

    async def _highwaters(self, partitions: list[TP]) -> Mapping[TP, int]:
        settings = getattr(self.app, "settings", None)
        if settings is None or settings.broker_list_offsets_exact or self.consumer.in_transaction:
            return await super()._highwaters(partitions)
        wanted = {aiokafka.TopicPartition(tp.topic, tp.partition): tp for tp in partitions}
        ends = await log_end_offsets(settings, wanted, exact_list_offsets=False)
        return {wanted[tp]: end for tp, end in ends.items()}


class _Consumer(faust_aiokafka.Consumer):
    """Faust's consumer, with the seek after a rebalance made safe (`perform_seek`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fetch_idle = asyncio.Event()  # set while no fetch is in flight
        self._fetch_idle.set()

    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _getmany(self, active_partitions: set[TP] | None, timeout: float) -> RecordMap:
        self._fetch_idle.clear()
        try:
            return await super()._getmany(active_partitions, timeout)
        finally:
            self._fetch_idle.set()

    async def perform_seek(self) -> None:
        """Move every stream partition back to its committed offset while nothing is fetched.

        Faust 0.15 drops fetched records around a rebalance's table recovery, after the fetcher's position has moved
        past them: the fetch thread gets Faust's live set of active partitions, which is empty for a moment when
        recovery pauses the changelogs, and aiokafka reads an empty set as "all", so a fetch in flight returns paused
        stream partitions' records, which Faust then discards; and the recovery resumes the stream partitions and
        seeks them with the flow still running, then `flow_control.resume()` empties the agents' queues. Faust's
        seek moves back only partitions with a committed offset, and only those sought after the drop; any other
        partition was not read there again until the next rebalance. So: stop the flow, wait out a fetch in
        flight, and seek every stream partition (`seek_to_committed`); Faust then clears the queues and resumes the
        flow, which reads from the seek. Records an agent already had are read again (at least once).
        """
        self.stop_flow()
        await self._fetch_idle.wait()
        await super().perform_seek()

    async def seek_to_committed(self) -> Mapping[TP, int]:
        """Stream partitions with a commit to it, the others to their first record (the app reads from the earliest,
        pipelines/app.py), as the group's assignment does; aiokafka leaves a partition without a commit (or 0) where
        it is. Changelog partitions are the recovery's to place."""
        committed: Mapping[TP, int] = await super().seek_to_committed()
        uncommitted = [tp for tp, offset in committed.items() if not offset and not self._is_changelog_tp(tp)]
        if uncommitted:
            await self._thread.seek_to_beginning(*uncommitted)
        return committed


class Transport(faust_aiokafka.Transport):
    Consumer = _Consumer
