"""Arrival order does not matter: any permutation, duplication and delay of a charge point's events (within the
late-arrival window) builds the same sessions, and every session holds exactly the energy its meter registered."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.models import ChargingEvent
from pipelines.sessions.lifecycle import settle
from pipelines.sessions.limits import Limits
from pipelines.sessions.logic import step
from pipelines.sessions.models import LATE_CORRECTION, ClosedSession
from pipelines.sessions.state import new_state

from .station import MAX_WH_PER_S, STATUSES, Station, at

# Bounds high enough that nothing is evicted: the property is about order; the bounds have their own tests.
LIMITS = Limits(max_parked=10_000, max_closed_kept=10)
PROTOCOLS = ("ocpp1.6", "ocpp2.0.1")


@st.composite
def charge_point_day(draw: st.DrawFn, protocol: str) -> tuple[list[ChargingEvent], dict[str, Decimal]]:
    """1-3 valid sessions after each other on connector 1: meter values (1.6: with or without transactionId),
    status changes, an occasional register reset; returns the events in station order and each session's energy
    as the meter registered it (sum of rises between reported readings; a reset counts from its new base)."""
    cp = Station(protocol=protocol)
    v201 = cp.v201
    clock = draw(st.integers(0, 60))
    register = draw(st.decimals(0, 10**6, places=3))
    energies: dict[str, Decimal] = {}
    for n in range(draw(st.integers(1, 3))):
        tx = str(100 + n)
        cp.start(1, clock, str(register), tx)
        reported, energy = register, Decimal(0)
        for _ in range(draw(st.integers(0, 15))):
            step_s = draw(st.integers(1, 900))  # 1.6 has no seqNo: readings of one instant have no order
            clock += step_s
            action = draw(st.sampled_from(["meter", "meter", "status", "reset"]))
            by_id = tx if v201 or draw(st.booleans()) else None
            if action == "status":
                cp.status(
                    1, draw(st.sampled_from((*STATUSES, "EVConnected"))), clock, transaction_id=tx if v201 else None
                )
                continue
            if action == "reset" and reported >= 1200:
                register = draw(st.decimals(0, 100, places=3))
                reported = register
                cp.meter(clock, wh=str(register), transaction_id=by_id)
                continue
            register += draw(st.decimals(0, MAX_WH_PER_S * step_s, places=3))
            has_energy = draw(st.booleans()) or draw(st.booleans())
            power = draw(st.one_of(st.none(), st.sampled_from(["0", "49.9", "50", "11000"])))
            cp.meter(clock, wh=str(register) if has_energy else None, power=power, transaction_id=by_id)
            if has_energy:
                energy, reported = energy + register - reported, register
        step_s = draw(st.integers(0, 900))
        clock += step_s
        register += draw(st.decimals(0, MAX_WH_PER_S * step_s, places=3))
        cp.stop(tx, clock, str(register))
        energies[f"t/CP-1/{tx}"] = energy + register - reported
        clock += draw(st.integers(1, 600))  # the next car plugs in a moment later
    return cp.events, energies


def final_sessions(outputs: list) -> dict[str, ClosedSession]:
    """The latest revision per session id, its number and the late_correction mark (both order-dependent) cleared."""
    latest: dict[str, ClosedSession] = {}
    for session in outputs:
        if isinstance(session, ClosedSession):
            known = latest.get(session.session_id)
            if known is None or session.revision > known.revision:
                latest[session.session_id] = session
    return {
        sid: dataclasses.replace(s, revision=0, anomalies=tuple(a for a in s.anomalies if a != LATE_CORRECTION))
        for sid, s in latest.items()
    }


def run(arrivals: list[ChargingEvent], settle_after: list[bool]) -> list:
    state = new_state()
    outputs: list = []
    for index, (event, settle_now) in enumerate(zip(arrivals, settle_after, strict=True)):
        now = at(index) + timedelta(days=3)  # arrival: after every station time, minutes apart at most
        state, dead = step(state, event, now, LIMITS)
        outputs += dead
        if settle_now:
            outputs += settle(state, LIMITS)
    return outputs + settle(state, LIMITS)


@st.composite
def arrival_order(draw: st.DrawFn, events: list[ChargingEvent]) -> tuple[list[ChargingEvent], list[bool]]:
    """A permutation of the events with some of them repeated, and where batches end (settle)."""
    arrivals = list(draw(st.permutations(events)))
    for repeat in draw(st.lists(st.sampled_from(events), max_size=len(events) // 2)):
        arrivals.insert(draw(st.integers(0, len(arrivals))), repeat)
    return arrivals, draw(st.lists(st.booleans(), min_size=len(arrivals), max_size=len(arrivals)))


@pytest.mark.parametrize("protocol", PROTOCOLS)
@given(data=st.data())
def test_any_arrival_order_builds_the_same_sessions_with_the_metered_energy(protocol: str, data: st.DataObject) -> None:
    events, energies = data.draw(charge_point_day(protocol))
    in_order = final_sessions(run(events, [True] * len(events)))
    assert {sid: s.energy_wh for sid, s in in_order.items()} == energies
    assert all(not s.estimated for s in in_order.values())
    arrivals, batches = data.draw(arrival_order(events))
    assert final_sessions(run(arrivals, batches)) == in_order


@pytest.mark.parametrize("protocol", PROTOCOLS)
@given(data=st.data())
def test_periods_split_each_session_exactly_without_negative_energy(protocol: str, data: st.DataObject) -> None:
    events, _ = data.draw(charge_point_day(protocol))
    for session in final_sessions(run(events, [True] * len(events))).values():
        assert sum(p.energy_wh for p in session.periods) == session.energy_wh
        assert all(p.energy_wh >= 0 for p in session.periods)
        assert session.periods[0].start == session.started_at and session.periods[-1].end == session.stopped_at
        for before, after in itertools.pairwise(session.periods):
            assert before.end == after.start and before.start < before.end and before.kind is not after.kind
