"""Events per second of the sessions step alone (no Kafka, no ingest) on a realistic pre-built event stream.

The stream is bench.traffic's fleet (whole OCPP 1.6 sessions, ~95 % MeterValues), ingested once up front;
each round replays it through fresh per-charge-point states the way the hot path does (`step` per event, `settle`
per touched charge point per batch of BATCH events) and runs `expire` once per round as its timer would.
Run: .venv/bin/python -m bench.sessions
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from bench.traffic import fleet
from pipelines.ingest.logic import ingest_frame
from pipelines.ingest.models import ChargingEvent, DeadLetter
from pipelines.sessions.lifecycle import expire, settle
from pipelines.sessions.limits import Limits
from pipelines.sessions.logic import step
from pipelines.sessions.state import ChargePointState, new_state

READ_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
BATCH = 5000


def event_stream(charge_points: int = 200, sessions_per_cp: int = 3, samples: int = 60) -> list[ChargingEvent]:
    """The fleet's frames as charging events, in topic order."""
    events: list[ChargingEvent] = []
    for offset, (_, frame) in enumerate(fleet(charge_points, sessions_per_cp, samples)):
        ingested = ingest_frame(frame, source_topic="bench", partition=0, offset=offset, read_at=READ_AT)
        if not isinstance(ingested, DeadLetter):
            events.extend(ingested)
    return events


def _round(events: list[ChargingEvent], limits: Limits) -> int:
    """One pass over the stream with fresh states; returns the number of closed sessions."""
    states: dict[str, ChargePointState] = {}
    closed = 0
    for first in range(0, len(events), BATCH):
        touched = set()
        for event in events[first : first + BATCH]:
            key = event.charge_point_id
            state = states.get(key)
            if state is None:
                state = states[key] = new_state()
            step(state, event, READ_AT, limits)
            touched.add(key)
        for key in touched:
            closed += len(settle(states[key], limits))
    later = READ_AT + timedelta(days=2)
    for state in states.values():
        closed += len(expire(state, later, limits))
    return closed


def sessions_rate(seconds: float = 2.0) -> dict:
    """The sessions step's events/s over whole rounds of the stream, for about `seconds` (wall clock; the CPU time
    is reported too, as it moves less on a shared machine)."""
    events = event_stream()
    limits = Limits()
    _round(events[: len(events) // 10], limits)  # warm caches
    rounds, closed = 0, 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while True:
        closed += _round(events, limits)
        rounds += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            break
    cpu = time.process_time() - cpu_started
    total = rounds * len(events)
    return {
        "events": total,
        "seconds": elapsed,
        "events_per_s": total / elapsed,
        "us_per_event": elapsed / total * 1e6,
        "cpu_us_per_event": cpu / total * 1e6,
        "closed_sessions_per_round": closed // rounds,
    }


if __name__ == "__main__":
    print(json.dumps(sessions_rate(), indent=2))
