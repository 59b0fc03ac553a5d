"""Faust's aiokafka transport with a short fetch wait, because Tansu does not answer a long poll early.

Faust hard-codes `fetch_max_wait_ms=1500`. A broker that wakes waiting fetches when data arrives (Kafka)
makes that harmless; the embedded Tansu holds every empty fetch for the full wait, which measured as ~0.75 s
median added to each Faust hop. The same wait as our own batch consumers keeps a session's latency low.
"""

from __future__ import annotations

import aiokafka
from faust.transport.drivers import aiokafka as faust_aiokafka

from pipelines.streaming.kafka import FETCH_MAX_WAIT_MS


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: faust_aiokafka.Transport) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read when the consumer starts its fetcher
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    Consumer = _Consumer
