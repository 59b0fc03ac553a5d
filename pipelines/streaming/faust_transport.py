"""Faust's aiokafka transport with a short fetch wait, because Tansu does not answer a long poll early.

Faust hard-codes `fetch_max_wait_ms=1500`. A broker that wakes waiting fetches when data arrives (Kafka)
makes that harmless; the embedded Tansu holds every empty fetch for the full wait, which measured as ~0.75 s
median added to each Faust hop. The same wait as our own batch consumers keeps a session's latency low.
Faust's table recovery reads a changelog up to the end offsets ListOffsets reports, which Tansu gives one
batch short (EMBEDDED.md); unless the app's settings trust the broker, they come from
pipelines/streaming/offsets.py, with the same TLS/SASL as every other client.
"""

from __future__ import annotations

from collections.abc import Mapping

import aiokafka
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
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    Consumer = _Consumer
