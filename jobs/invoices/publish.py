"""Publishing invoice_issued notifications on the notifications topic, keyed by their idempotency id."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pipelines.config import Settings
from pipelines.notify.models import Notification
from pipelines.streaming import kafka
from pipelines.streaming.codec import encoder


def kafka_publisher(settings: Settings) -> Callable[[list[Notification]], None]:
    """A blocking publish(notifications) that waits until the broker has every record."""

    def publish(notifications: list[Notification]) -> None:
        if notifications:
            asyncio.run(_send(settings, notifications))

    return publish


async def _send(settings: Settings, notifications: list[Notification]) -> None:
    encode = encoder("Notification")
    producer = kafka.producer(settings)
    try:
        await producer.start()  # inside: a failed start still closes the client
        futures = [
            await producer.send(settings.topics.notifications, encode(n), key=n.notification_id.encode())
            for n in notifications
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
