"""The sender process: notifications topic in, deliveries out, offsets committed only behind settled messages.

Once-only delivery: on start the runner reads the deliveries topic to learn which notification ids are settled
(sent or dead-lettered) and skips them; within a run the queue drops a redelivered id. Offsets are committed up
to the oldest message still waiting (quiet hours, rate limit, retry), so a crash re-reads what was not settled.
A crash between a send and its delivery record can still send once more: at-least-once at the channel,
with the notification id (Message-ID, X-Chargeledger-Notification-Id) for the receiver to drop it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition

from pipelines.config import Settings
from pipelines.notify.models import Notification, NotificationDelivery
from pipelines.notify.senders.base import DeliveryError, Sender
from pipelines.notify.senders.schedule import Pending, SendQueue
from pipelines.notify.senders.settings import SenderSettings
from pipelines.streaming import kafka
from pipelines.streaming.codec import decoder, encoder
from pipelines.streaming.offsets import log_end_offsets

log = logging.getLogger(__name__)
MAX_WAIT_MS = 200


def _now() -> datetime:
    return datetime.now(UTC)


class SendRunner:
    def __init__(
        self,
        settings: Settings,
        sender: Sender,
        options: SenderSettings,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.settings = settings
        self.sender = sender
        self.clock = clock
        self.queue = SendQueue(options.max_attempts, options.backoff_base_s, options.backoff_max_s)
        self.decode = decoder("Notification")
        self.encode = encoder("NotificationDelivery")
        self.read_through: dict[TopicPartition, int] = {}  # next offset after the last message read
        self.deliveries: list[NotificationDelivery] = []  # what this run recorded, for tests and stats

    async def run(self, stop: asyncio.Event) -> None:
        await self.restore()
        s = self.settings
        group = f"{s.app_id}-send-{self.sender.channel}"
        consumer = kafka.consumer(s, s.topics.notifications, group_id=group)
        producer = kafka.producer(s)
        await consumer.start()
        await producer.start()
        committed: dict[TopicPartition, int] = {}
        try:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=self._wait_ms())
                for tp, messages in batches.items():
                    for message in messages:
                        self.admit(tp, message)
                await self.deliver_due(producer)
                offsets = {tp: at for tp, at in self.commit_offsets().items() if committed.get(tp) != at}
                if offsets:
                    await consumer.commit(offsets)
                    committed.update(offsets)
        finally:
            await consumer.stop()
            await producer.stop()

    async def restore(self) -> None:
        """Read every delivery record so far: settled ids and recent sends (for the rate limit)."""
        s = self.settings
        read = decoder("NotificationDelivery")
        reader = kafka.consumer(s, group_id=None)
        await reader.start()
        try:
            tps = [TopicPartition(s.topics.notification_deliveries, p) for p in range(s.partitions)]
            ends = await log_end_offsets(s, tps, s.broker_list_offsets_exact)
            todo = {tp: end for tp, end in ends.items() if end > 0}
            if not todo:
                return
            reader.assign(list(todo))
            await reader.seek_to_beginning(*todo)
            while todo:
                for tp, messages in (await reader.getmany(timeout_ms=1000)).items():
                    for message in messages:
                        self.queue.restore(read(message.value))
                    if messages and messages[-1].offset + 1 >= todo.get(tp, 0):
                        todo.pop(tp, None)
        finally:
            await reader.stop()

    def admit(self, tp: TopicPartition, message: ConsumerRecord) -> None:
        self.read_through[tp] = message.offset + 1
        try:
            note: Notification = self.decode(message.value)
        except Exception as exc:  # a foreign record: nothing to deliver; the warehouse sink dead-letters it
            log.warning("skipping undecodable notification at %s/%d: %s", tp, message.offset, exc)
            return
        if note.channel == self.sender.channel:
            self.queue.admit(note, (tp, message.offset), self.clock())

    async def deliver_due(self, producer: AIOKafkaProducer) -> None:
        for item in self.queue.due(self.clock()):
            record = self.queue.outcome(item, *await self._attempt(item), self.clock())
            self.deliveries.append(record)
            await producer.send_and_wait(
                self.settings.topics.notification_deliveries,
                self.encode(record),
                key=record.notification_id.encode(),
            )

    async def _attempt(self, item: Pending) -> tuple[str | None, bool]:
        try:
            await self.sender.send(item.note)
        except DeliveryError as exc:
            log.warning("%s delivery of %s failed (attempt %d): %s", self.sender.channel,
                        item.note.notification_id, item.attempt, exc.reason)  # fmt: skip
            return exc.reason, exc.retryable
        return None, False

    def commit_offsets(self) -> dict[TopicPartition, int]:
        """Per partition: the oldest offset still waiting, else the next after the last one read."""
        offsets = dict(self.read_through)
        for source in self.queue.waiting_sources():
            tp, offset = cast(tuple[TopicPartition, int], source)
            offsets[tp] = min(offsets[tp], offset)
        return offsets

    def _wait_ms(self) -> int:
        due = self.queue.next_due()
        if due is None:
            return MAX_WAIT_MS
        return max(0, min(MAX_WAIT_MS, int((due - self.clock()).total_seconds() * 1000)))
