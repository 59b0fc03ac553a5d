"""Ingest + sessions over one batch of inbound records; pure, state held per charge point in memory.

Per batch: each frame's events are deduplicated and stepped into their charge point's sessions state, then every
charge point the batch touched is settled once (so a stop and late events for it in one batch emit one revision).
`housekeep(now)`, called on the worker's timer, closes provisionally, forgets and takes running snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson

from pipelines.ingest.dedup import Deduplicator, digest
from pipelines.ingest.logic import ingest_frame
from pipelines.ingest.models import ChargingEvent, DeadLetter
from pipelines.sessions.lifecycle import expire, running_snapshots, settle
from pipelines.sessions.limits import DEFAULT_LIMITS, Limits
from pipelines.sessions.logic import step
from pipelines.sessions.models import ClosedSession
from pipelines.sessions.state import ChargePointState, new_state
from pipelines.sessions.state_json import state_from_bytes, state_to_bytes

STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class InboundRecord:
    partition: int
    offset: int
    value: bytes


@dataclass(slots=True)
class KeyState:
    """Everything kept for one charge point: its open transactions and the frames already seen."""

    partition: int
    sessions: ChargePointState
    dedup: Deduplicator


@dataclass(slots=True)
class BatchResult:
    events: list[tuple[int, ChargingEvent]] = field(default_factory=list)
    dead_letters: list[tuple[int, DeadLetter]] = field(default_factory=list)
    closed: list[tuple[int, ClosedSession]] = field(default_factory=list)
    running: list[tuple[int, ClosedSession]] = field(default_factory=list)  # snapshots of open sessions, revision 0
    touched: set[str] = field(default_factory=set)
    # (state key, dedup digest) of each entry of `events`, so `mark_written` does not hash every id again
    dedup_keys: list[tuple[str, bytes]] = field(default_factory=list)


def state_key(event: ChargingEvent) -> str:
    return f"{event.tenant_id}/{event.charge_point_id}"


class FrameProcessor:
    """Turns raw frames into charging events, dead letters and closed sessions.

    Dedup keys are only remembered by `mark_written`, after the caller durably wrote the batch's outputs,
    so a batch replayed after a crash is processed again instead of being dropped as already seen.
    """

    def __init__(self, source_topic: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.source_topic = source_topic
        self.limits = limits
        self.states: dict[str, KeyState] = {}

    def process(self, records: list[InboundRecord], read_at: datetime) -> BatchResult:
        result = BatchResult()
        # Dedup keys are remembered only after the write, so repeats within one batch are caught here.
        in_batch: set[str] = set()
        for record in records:
            ingested = ingest_frame(
                record.value,
                source_topic=self.source_topic,
                partition=record.partition,
                offset=record.offset,
                read_at=read_at,
            )
            if isinstance(ingested, DeadLetter):
                result.dead_letters.append((record.partition, ingested))
            elif ingested:
                self._apply(record.partition, ingested, in_batch, result, read_at)
        for key in result.touched:
            state = self.states[key]
            result.closed += [(state.partition, session) for session in settle(state.sessions, self.limits)]
        return result

    def housekeep(self, now: datetime, running_interval: timedelta) -> BatchResult:
        """Provisional closes and forgetting (`expire`) and running snapshots of every charge point, as of `now`.
        `touched` names the charge points whose state changed in a way that must be checkpointed."""
        result = BatchResult()
        limits = self.limits
        for key, state in self.states.items():
            if not state.sessions.transactions and not state.sessions.parked:
                continue  # most charge points, most of the time
            closed = expire(state.sessions, now, limits)
            if closed:
                result.closed += [(state.partition, session) for session in closed]
                result.touched.add(key)
            snapshots = running_snapshots(state.sessions, now, running_interval, limits)
            result.running += [(state.partition, snapshot) for snapshot in snapshots]
        return result

    def _apply(
        self, partition: int, events: list[ChargingEvent], in_batch: set[str], result: BatchResult, now: datetime
    ) -> None:
        """Sessionize the events of one frame (all of one charge point) seen neither in this batch nor before.

        A frame whose events all repeat earlier ones of the batch touches no new key: the first copy did.
        """
        key = state_key(events[0])
        state = self.states.get(key)
        if state is None:
            state = self.states[key] = KeyState(partition, new_state(), Deduplicator())
        dedup, limits = state.dedup, self.limits
        for event in events:
            event_id = event.event_id
            if event_id in in_batch:
                continue
            in_batch.add(event_id)
            dedup_key = digest(event_id)
            if not dedup.is_new(dedup_key):
                continue
            result.events.append((partition, event))
            result.dedup_keys.append((key, dedup_key))
            state.sessions, dead = step(state.sessions, event, now, limits)
            if dead:
                result.dead_letters += [(partition, letter) for letter in dead]
        result.touched.add(key)

    def mark_written(self, result: BatchResult) -> None:
        """Remember the batch's events as seen; call only once its outputs are durably written."""
        if len(result.dedup_keys) != len(result.events):  # a result not built by `process`
            result.dedup_keys = [(state_key(event), digest(event.event_id)) for _, event in result.events]
        for key, dedup_key in result.dedup_keys:
            self.states[key].dedup.remember_keys((dedup_key,))

    def snapshot(self, key: str) -> bytes:
        state = self.states[key]
        return orjson.dumps(
            {
                "v": STATE_VERSION,
                "sessions": state_to_bytes(state.sessions).decode(),
                "dedup": state.dedup.to_bytes().decode(),
            }
        )

    def restore(self, partition: int, key: str, raw: bytes | None) -> None:
        if raw is None:
            self.states.pop(key, None)
            return
        data = orjson.loads(raw)
        if data.get("v") != STATE_VERSION:
            raise ValueError(f"state of {key} has version {data.get('v')}, this worker reads {STATE_VERSION}")
        sessions = state_from_bytes(data["sessions"].encode())
        if not sessions.charge_point_id:  # migrated from a state version that did not keep it
            sessions.tenant_id, _, sessions.charge_point_id = key.partition("/")
        self.states[key] = KeyState(partition, sessions, Deduplicator.from_bytes(data["dedup"].encode()))

    def drop_partitions(self, partitions: set[int]) -> None:
        for key in [k for k, s in self.states.items() if s.partition in partitions]:
            del self.states[key]
