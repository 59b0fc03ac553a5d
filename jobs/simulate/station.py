"""One simulated charge point's outbox: CALLs and the central system's CALLRESULTs, in causal order."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from jobs.simulate.frames import DOWNSTREAM, UPSTREAM, SimFrame, call_frame, envelope, result_frame


@dataclass(slots=True)
class Station:
    """Collects a charge point's frames; receive times stay strictly increasing per charge point."""

    charge_point_id: str
    tenant_id: str
    rng: random.Random  # message ids and network latency only
    _events: list[tuple[datetime, int, str, str, list[Any]]] = field(default_factory=list)

    def call(self, at: datetime, request: object, result: object | None = None) -> str:
        """A CALL sent at station time `at`, followed by the central system's CALLRESULT when given."""
        message_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        action = type(request).__name__
        self._add(at, UPSTREAM, action, call_frame(message_id, request))
        if result is not None:
            self._add(at, DOWNSTREAM, action, result_frame(message_id, result))
        return message_id

    def raw(self, at: datetime, direction: str, action: str, message: list[Any]) -> None:
        """A frame built by hand (the bad ones)."""
        self._add(at, direction, action, message)

    def _add(self, at: datetime, direction: str, action: str, message: list[Any]) -> None:
        self._events.append((at, len(self._events), direction, action, message))

    def frames(self) -> list[SimFrame]:
        """Envelopes in station-time order; each received 40-400 ms after it was sent, never out of order."""
        key = self.charge_point_id.encode()
        out: list[SimFrame] = []
        previous: datetime | None = None
        for at, _, direction, action, message in sorted(self._events, key=lambda event: (event[0], event[1])):
            received = at.astimezone(UTC) + timedelta(milliseconds=self.rng.randint(40, 400))
            if previous is not None and received <= previous:
                received = previous + timedelta(milliseconds=self.rng.randint(5, 60))
            previous = received
            out.append(SimFrame(received, key, envelope(self.charge_point_id, self.tenant_id, received, direction,
                                                        action, message)))  # fmt: skip
        return out
