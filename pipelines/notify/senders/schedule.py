"""When a notification may be delivered: quiet hours (not_before), per-recipient rate limits and retry backoff.

Pure state, no I/O: the runner (runner.py) asks `SendQueue` what is due and tells it what happened. The
decisions live here, in the sender, because only a sender knows what it has already delivered: composition
only stamps each message with its policy (not_before, rate_limit_per_hour, urgent). A rate-limited message is
deferred, never dropped: it goes out in the next free slot of its recipient's sliding hour.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipelines.notify.models import DEAD_LETTER, FAILED, SENT, Notification, NotificationDelivery

WINDOW = timedelta(hours=1)


class RateLimiter:
    """Deliveries per recipient in the last hour; urgent messages are neither limited nor counted."""

    def __init__(self) -> None:
        self._sent: defaultdict[str, deque[datetime]] = defaultdict(deque)

    def next_slot(self, recipient: str, limit: int, now: datetime) -> datetime:
        """`now` when the recipient got fewer than `limit` messages in the hour before, else when one ages out."""
        sent = self._sent[recipient]
        while sent and sent[0] <= now - WINDOW:
            sent.popleft()
        if limit <= 0 or len(sent) < limit:
            return now
        return sent[-limit] + WINDOW

    def record(self, recipient: str, at: datetime) -> None:
        sent = self._sent[recipient]
        sent.append(at)
        if len(sent) > 1 and sent[-2] > at:  # restored history may arrive out of order
            self._sent[recipient] = deque(sorted(sent))


def backoff(attempt: int, base_s: float, max_s: float) -> timedelta:
    """The wait after failed attempt n: base * 2**(n-1), capped."""
    return timedelta(seconds=min(base_s * 2 ** (attempt - 1), max_s))


def delivery(note: Notification, status: str, attempt: int, reason: str, at: datetime) -> NotificationDelivery:
    ident = hashlib.blake2b(f"{note.notification_id}\x00{attempt}".encode(), digest_size=16).hexdigest()
    return NotificationDelivery(
        delivery_id=ident,
        notification_id=note.notification_id,
        tenant_id=note.tenant_id,
        account_id=note.account_id,
        kind=note.kind,
        channel=note.channel,
        recipient=note.recipient,
        status=status,
        attempt=attempt,
        reason=reason,
        attempted_at=at,
    )


@dataclass(order=True)
class Pending:
    due: datetime
    seq: int
    note: Notification = field(compare=False)
    attempt: int = field(compare=False)  # the attempt to make next
    source: object = field(compare=False)  # where it came from (the runner's topic partition and offset)


@dataclass
class SendQueue:
    """Messages waiting for their time, the ids already settled (sent or given up), the rate limiter."""

    max_attempts: int
    backoff_base_s: float
    backoff_max_s: float
    limiter: RateLimiter = field(default_factory=RateLimiter)
    settled: set[str] = field(default_factory=set)
    _heap: list[Pending] = field(default_factory=list)
    _waiting: set[str] = field(default_factory=set)
    _seq: int = 0

    def restore(self, record: NotificationDelivery) -> None:
        """Learn from an earlier run's delivery record: settled ids are skipped, sends count for rate limits."""
        if record.status in (SENT, DEAD_LETTER):
            self.settled.add(record.notification_id)
        if record.status == SENT:
            self.limiter.record(record.recipient, record.attempted_at)

    def admit(self, note: Notification, source: object, now: datetime) -> bool:
        """Queue a message read from the topic; False (nothing to do) when it is settled or already waiting."""
        if note.notification_id in self.settled or note.notification_id in self._waiting:
            return False
        due = max(now, note.not_before) if note.not_before is not None and not note.urgent else now
        self._push(Pending(due, 0, note, 1, source))
        self._waiting.add(note.notification_id)
        return True

    def due(self, now: datetime) -> list[Pending]:
        """Messages whose time has come and whose recipient has a free slot; the others move to their slot."""
        ready: list[Pending] = []
        while self._heap and self._heap[0].due <= now:
            item = heapq.heappop(self._heap)
            limit = 0 if item.note.urgent else item.note.rate_limit_per_hour
            slot = self.limiter.next_slot(item.note.recipient, limit, now)
            if slot > now:
                item.due = slot
                self._push(item)
                continue
            if not item.note.urgent:
                self.limiter.record(item.note.recipient, now)  # reserve the slot while the attempt runs
            ready.append(item)
        return ready

    def next_due(self) -> datetime | None:
        return self._heap[0].due if self._heap else None

    def waiting_sources(self) -> list[object]:
        return [item.source for item in self._heap]

    def outcome(self, item: Pending, error: str | None, retryable: bool, now: datetime) -> NotificationDelivery:
        """Record an attempt: settled when sent or out of retries, else back in the queue after its backoff."""
        note = item.note
        if error is None:
            status, reason = SENT, ""
        elif retryable and item.attempt < self.max_attempts:
            status, reason = FAILED, error
            wait = backoff(item.attempt, self.backoff_base_s, self.backoff_max_s)
            self._push(Pending(now + wait, 0, note, item.attempt + 1, item.source))
        else:
            status, reason = DEAD_LETTER, f"after {item.attempt} attempt(s): {error}"
        if status != FAILED:
            self._waiting.discard(note.notification_id)
            self.settled.add(note.notification_id)
        return delivery(note, status, item.attempt, reason, now)

    def _push(self, item: Pending) -> None:
        self._seq += 1
        item.seq = self._seq
        heapq.heappush(self._heap, item)
