"""The timeline: ordered, idempotent insertion and a bound that never changes an in-order session's result."""

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.models import ChargingEvent
from pipelines.sessions.limits import Limits
from pipelines.sessions.models import ClosedSession
from pipelines.sessions.timeline import CHANGE, READING, STATUS, Entry, compact, insert, kind_changes

from .station import MAX_WH_PER_S, Station

T = datetime(2026, 11, 23, tzinfo=UTC)


def entry(second: int, tag: int, wh: int | None = None, status: str | None = None) -> Entry:
    rank = CHANGE if status else READING
    return ((T.replace(second=second), 0, rank, tag), None if wh is None else Decimal(wh), None, None, status, False)


def test_insert_keeps_time_order_and_refuses_a_repeat() -> None:
    entries: list[Entry] = []
    for e in (entry(5, 1, 50), entry(1, 2, 10), entry(3, 3, 30), entry(3, 4, status="SuspendedEV")):
        assert insert(entries, e)
    assert not insert(entries, entry(3, 3, 30))
    assert [(e[0][0].second, e[0][2]) for e in entries] == [(1, READING), (3, READING), (3, CHANGE), (5, READING)]


def test_compact_merges_the_oldest_readings_and_keeps_changes_and_falls() -> None:
    readings = [entry(s, s, 100 + s) for s in range(0, 40)]
    readings[20] = entry(20, 20, 5)  # a reset: kept
    readings.insert(31, entry(30, 99, status="SuspendedEV"))
    merged = compact(readings, 16)
    assert len(merged) < len(readings)
    assert entry(20, 20, 5) in merged and entry(30, 99, status="SuspendedEV") in merged
    assert merged[0] == readings[0] and merged[-1] == readings[-1]
    assert [e[0] for e in merged] == sorted(e[0] for e in merged)


@st.composite
def long_session(draw: st.DrawFn) -> list[ChargingEvent]:
    """Up to 150 events in station order: readings, now and then a status change, a power dip or a reset."""
    cp = Station()
    clock, register, power = 0, Decimal(draw(st.integers(0, 10**6))), "11000"
    cp.start(1, clock, str(register), "1")
    for _ in range(draw(st.integers(0, 150))):
        step_s = draw(st.integers(0, 120))
        clock += step_s
        roll = draw(st.integers(0, 29))
        if roll == 0:
            cp.status(1, draw(st.sampled_from(["Charging", "SuspendedEV", "Faulted"])), clock)
        elif roll == 1 and register > 2000:
            register = Decimal(draw(st.integers(0, 100)))
            cp.meter(clock, wh=str(register))
        else:
            if roll == 2:
                power = draw(st.sampled_from(["0", "11000", "7400"]))
            register += draw(st.decimals(0, MAX_WH_PER_S * step_s, places=3))
            wh = str(register) if draw(st.booleans()) else None
            cp.meter(clock, wh=wh, power=draw(st.sampled_from([None, power])))
    cp.stop("1", clock + 60, str(register))
    return cp.events


def replay(events: list[ChargingEvent], limits: Limits) -> tuple[ClosedSession, Station]:
    cp = Station(limits=limits)
    for event in events:
        cp.send(event)
    [session] = cp.closed()
    return session, cp


@given(long_session())
def test_the_bound_keeps_an_in_order_session_exact_unless_it_flaps_more_than_the_bound_holds(
    events: list[ChargingEvent],
) -> None:
    cap = 32
    bounded, _ = replay(events, Limits(max_entries=cap, max_entries_closed=cap))
    exact, cp = replay(events, Limits(max_entries=10**6, max_entries_closed=10**6))
    entries = cp.state.transactions["1"].entries
    statuses = sum(e[STATUS] is not None for e in entries)
    if 4 * len(kind_changes(entries)) + statuses < cap - 2:  # what the exact merge can always keep below 2 x cap
        assert bounded == exact
    else:  # the oldest periods coalesce; energy stays exact
        assert dataclasses.replace(bounded, periods=()) == dataclasses.replace(exact, periods=())
        assert sum(p.energy_wh for p in bounded.periods) == bounded.energy_wh
