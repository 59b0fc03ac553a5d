"""The interface every channel's sender implements, and the failure it reports."""

from __future__ import annotations

from typing import Protocol

from pipelines.notify.models import Notification


class DeliveryError(Exception):
    """A delivery attempt failed; `retryable` says whether trying again later may help (a 5xx, a timeout)."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class Sender(Protocol):
    """Delivers one notification on one channel; raises DeliveryError when it could not.

    `send` must not retry by itself (the runner schedules retries with backoff and records each attempt) and
    must never put secrets into a DeliveryError's reason: reasons are published and stored.
    """

    channel: str

    async def send(self, note: Notification) -> None: ...
