"""Drops frames a gateway delivered twice: remembers the last N event ids of one charge point.

Window: the `capacity` (default 512) most recently remembered event ids of the charge point, in the order they
were remembered; at one frame per 10-30 s that is hours of traffic, far beyond a gateway's retries. Past it a
duplicate counts as fresh again: the warehouse tables collapse it by event_id, sessionization sees it twice.
Ids are kept as 8-byte BLAKE2b digests (~60 bytes each in memory, 8 in a snapshot); a false match needs a 64-bit
collision within one charge point's window (~1e-17 per event).

Keys are remembered only by `remember`, after the caller has durably written the events: `fresh` marks nothing,
so a batch replayed after a failed write is processed again instead of being dropped as already seen. `fresh`
does drop repeats within the events it is given.

A digest costs about 1 us; the hot path computes it once per event (`digest` + `is_new`) and hands the same
key to `remember_keys` after the write, instead of hashing every event id again in `remember`.
"""

from __future__ import annotations

import base64
from collections import deque
from collections.abc import Iterable
from hashlib import blake2b

from pipelines.ingest.models import ChargingEvent

DEFAULT_CAPACITY = 512
_FORMAT = b"dedup1"
_DIGEST_BYTES = 8


def digest(event_id: str) -> bytes:
    """The dedup key of an event id, as kept in memory and in snapshots."""
    return blake2b(event_id.encode(), digest_size=_DIGEST_BYTES).digest()


class Deduplicator:
    """The event ids one charge point recently had written, oldest evicted first."""

    __slots__ = ("_order", "_seen", "capacity")

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._order: deque[bytes] = deque()
        self._seen: set[bytes] = set()

    def __len__(self) -> int:
        return len(self._order)

    def fresh(self, events: Iterable[ChargingEvent]) -> list[ChargingEvent]:
        """The events not remembered yet (and not repeated earlier in `events`), in order; marks nothing."""
        seen = self._seen
        kept: list[ChargingEvent] = []
        kept_keys: set[bytes] = set()
        for event in events:
            key = digest(event.event_id)
            if key not in seen and key not in kept_keys:
                kept.append(event)
                kept_keys.add(key)
        return kept

    def is_new(self, key: bytes) -> bool:
        """Whether a `digest` is not remembered yet; marks nothing."""
        return key not in self._seen

    def remember(self, events: Iterable[ChargingEvent]) -> None:
        """Mark events as seen; call only after they were durably written."""
        for event in events:
            self._remember_key(digest(event.event_id))

    def remember_keys(self, keys: Iterable[bytes]) -> None:
        """Mark `digest`s as seen, oldest first; call only after their events were durably written."""
        for key in keys:
            self._remember_key(key)

    def _remember_key(self, key: bytes) -> None:
        if key in self._seen:
            return
        if len(self._order) >= self.capacity:
            self._seen.discard(self._order.popleft())
        self._order.append(key)
        self._seen.add(key)

    def to_bytes(self) -> bytes:
        """ASCII snapshot of the window for a changelog: b'dedup1:<capacity>:<base64 of the digests, oldest first>'."""
        digests = base64.b64encode(b"".join(self._order))
        return b"%s:%d:%s" % (_FORMAT, self.capacity, digests)

    @classmethod
    def from_bytes(cls, raw: bytes) -> Deduplicator:
        """The Deduplicator a `to_bytes` snapshot describes; ValueError when it is not one."""
        parts = raw.split(b":")
        if len(parts) != 3 or parts[0] != _FORMAT or not parts[1].isdigit():
            raise ValueError(f"not a dedup snapshot: {raw[:40]!r}")
        packed = base64.b64decode(parts[2], validate=True)
        if len(packed) % _DIGEST_BYTES:
            raise ValueError(f"dedup snapshot holds {len(packed)} bytes, not a multiple of {_DIGEST_BYTES}")
        restored = cls(int(parts[1]))
        for start in range(0, len(packed), _DIGEST_BYTES):
            restored._remember_key(packed[start : start + _DIGEST_BYTES])
        return restored

    snapshot = to_bytes
    restore = from_bytes
