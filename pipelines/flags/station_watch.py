"""Station-health rules over charging.events without a per-event Faust agent (events come at frame rate).

A batch consumer (group <app>-stations; events are keyed by charge point, so each station's events meet in one
worker) notes per record only that the station was heard (key and record timestamp, nothing decoded: silence is
judged by when the pipeline last heard a station, against the wall clock). It decodes just the records whose bytes
can be a status event, an Authorize or its answer, or a boot or heartbeat of a station it does not know yet: the
event kind and action are Avro strings, so a record without those bytes is none of those. `sweep` runs on a timer.

State is in memory and rebuilt from the stream: after a restart, a station is judged again from its next frame
on (offsets are committed, the state is not); flag ids are stable, so what is raised again replaces itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime

from aiokafka import ConsumerRecord

from pipelines.catalog.flag_policy import DEFAULT_FLAG_POLICY, FlagPolicy
from pipelines.catalog.view import CatalogView
from pipelines.config import Settings
from pipelines.flags.attempts import Pending, observe_authorize
from pipelines.flags.models import Flag
from pipelines.flags.stations import StationState, StatusEvent, observe_status, seen, sweep
from pipelines.ingest.models import ChargingEvent, EventKind
from pipelines.streaming import kafka
from pipelines.streaming.codec import decoder, encoder

log = logging.getLogger(__name__)


def avro_string(text: str) -> bytes:
    """A short string as Avro writes it: its zigzag-encoded length in one byte, then its UTF-8 bytes."""
    raw = text.encode()
    if len(raw) >= 64:
        raise ValueError("only strings shorter than 64 bytes have a one-byte length")
    return bytes([2 * len(raw)]) + raw


STATUS_MARK = avro_string(EventKind.STATUS.value)  # the kind field of a status event, length byte included
# an Authorize request (kind) or its answer (action): refused card attempts
AUTHORIZE_MARKS = (avro_string(EventKind.AUTHORIZE.value), avro_string("Authorize"))
NEW_STATION_MARKS = (avro_string(EventKind.HEARTBEAT.value), avro_string(EventKind.BOOT.value))
SWEEP_INTERVAL_S = 1.0


class StationTracker:
    """Every station's state, fed with raw event records; pure apart from the decoder it is given."""

    def __init__(self, policy_of: Callable[[str], FlagPolicy], decode: Callable[[bytes], ChargingEvent]) -> None:
        self.policy_of = policy_of
        self.decode = decode
        self.states: dict[str, StationState] = {}  # by charge point id (the events' key)
        self.authorizing: dict[str, Pending] = {}  # by charge point id: Authorize requests not answered yet

    def record(self, key: bytes, value: bytes, at: datetime) -> list[Flag]:
        """One raw charging.events record seen at `at`. Decoded only if it can be a status event, or a heartbeat or
        boot of a station not yet known (to learn its tenant). A mark can never be missed; a stray one (some other
        string holding the same bytes) only costs a decode."""
        state = self.states.get(key.decode())
        if state is not None:
            seen(state, at)
        wanted = STATUS_MARK in value or any(mark in value for mark in AUTHORIZE_MARKS)
        wanted = wanted or (state is None and any(mark in value for mark in NEW_STATION_MARKS))
        if not wanted:
            return []
        try:
            event = self.decode(value)
        except Exception as error:  # the warehouse sink dead-letters it; here it is only not a status
            log.debug("undecodable event skipped: %s", error)
            return []
        return self.event(event, at)

    def event(self, event: ChargingEvent, at: datetime) -> list[Flag]:
        """One decoded event, the station heard at `at`; faults are timed by the gateway's receive time."""
        state = self.states.get(event.charge_point_id)
        if state is None:
            state = self.states[event.charge_point_id] = StationState(event.tenant_id, event.charge_point_id, at)
        seen(state, at)
        if event.action == "Authorize":
            return observe_authorize(self.authorizing.setdefault(event.charge_point_id, OrderedDict()), event)
        if event.kind is not EventKind.STATUS or event.status is None or event.transaction_id is not None:
            return []  # a 2.0.1 chargingState rides on a transaction; connector health is StatusNotification's
        status = StatusEvent(event.connector_id or 0, event.status, event.error_code, event.received_at)
        return observe_status(state, status, self.policy_of(state.tenant_id))

    def sweep(self, now: datetime) -> list[Flag]:
        return [flag for state in self.states.values() for flag in sweep(state, now, self.policy_of(state.tenant_id))]


def catalog_policy(catalog: CatalogView) -> Callable[[str], FlagPolicy]:
    def policy_of(tenant_id: str) -> FlagPolicy:
        tenant = catalog.tenant(tenant_id)
        return (tenant.flag_policy if tenant is not None else None) or DEFAULT_FLAG_POLICY

    return policy_of


def arrival(message: ConsumerRecord) -> datetime:
    """When the pipeline saw the event: the record's timestamp (ms), else now."""
    if message.timestamp and message.timestamp > 0:
        return datetime.fromtimestamp(message.timestamp / 1000, UTC)
    return datetime.now(UTC)


class StationWatch:
    """The batch consumer around a StationTracker; flags go to the flags topic before offsets are committed."""

    def __init__(self, settings: Settings, catalog: CatalogView) -> None:
        self.settings = settings
        self.tracker = StationTracker(catalog_policy(catalog), decoder("ChargingEvent"))
        self.encode = encoder("Flag")

    async def run(self, stop: asyncio.Event) -> None:
        topics = self.settings.topics
        consumer = kafka.consumer(self.settings, topics.events, group_id=f"{self.settings.app_id}-stations")
        producer = kafka.producer(self.settings)
        await producer.start()
        await consumer.start()
        last_sweep = time.monotonic()
        try:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=200, max_records=10_000)
                flags = [
                    flag
                    for messages in batches.values()
                    for message in messages
                    if message.key is not None and message.value is not None
                    for flag in self.tracker.record(message.key, message.value, arrival(message))
                ]
                if time.monotonic() - last_sweep >= SWEEP_INTERVAL_S and sum(map(len, batches.values())) < 10_000:
                    flags += self.tracker.sweep(datetime.now(UTC))
                    last_sweep = time.monotonic()
                await asyncio.gather(
                    *[await producer.send(topics.flags, key=f.flag_id.encode(), value=self.encode(f)) for f in flags]
                )
                if batches:
                    await consumer.commit({tp: messages[-1].offset + 1 for tp, messages in batches.items()})
        finally:
            await consumer.stop()
            await producer.stop()
