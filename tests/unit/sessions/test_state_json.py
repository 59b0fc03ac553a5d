from datetime import timedelta
from decimal import Decimal

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.models import ChargingEvent, EventKind
from pipelines.sessions.lifecycle import settle
from pipelines.sessions.logic import step
from pipelines.sessions.models import PeriodKind
from pipelines.sessions.state import Phase, new_state
from pipelines.sessions.state_json import state_from_bytes, state_to_bytes

from .station import Station, at, session_events


@given(session_events(), st.data())
def test_round_trip_mid_session_gives_the_same_outputs(events: list[ChargingEvent], data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(events)))
    straight, resumed = new_state(), new_state()
    expected, got = [], []
    for index, event in enumerate(events):
        if index == cut:
            raw = state_to_bytes(resumed)
            resumed = state_from_bytes(raw)
            assert resumed == straight
            assert state_to_bytes(resumed) == raw
        straight, out = step(straight, event)
        expected += [*out, *settle(straight)]
        resumed, out = step(resumed, event)
        got += [*out, *settle(resumed)]
    assert got == expected


def test_state_with_everything_in_it_round_trips() -> None:
    cp = Station()
    cp.start(1, 0, "100.5", "1")
    cp.start(2, 10, 0, "2", status="Blocked")
    cp.meter(20, wh="150.25", power="7000.1", current="32", connector=1)
    cp.status(1, "SuspendedEV", 30)
    cp.meter(40, power=0, connector=2)
    cp.stop("2", 50, 10)  # stopped, kept for late events
    cp.start(3, 55, 0, "3")
    cp.expire(at(55) + timedelta(days=1))  # "3" (and "1") provisional
    cp.send(cp.start_request(4, 60, None))  # a pending start
    cp.send(cp.event(EventKind.TRANSACTION_START_CONFIRMED, 61, message_type=3, message_id="x", transaction_id="9"))
    cp.meter(70, wh=5, transaction_id="not-yet")  # parked
    cp.stop("gone", 80, 7)  # parked too (and dead-lettered)
    state = cp.state
    assert state.pending_starts and state.pending_results and len(state.parked) == 2
    assert {t.phase for t in state.transactions.values()} == {Phase.PROVISIONAL, Phase.STOPPED}
    assert state.connector_register
    raw = state_to_bytes(state)
    assert state_from_bytes(raw) == state
    text = raw.decode()
    assert '"150.25"' in text and "2026-11-23T10:00:30+00:00" in text  # Decimals as strings, ISO datetimes


def test_unknown_state_version_is_refused() -> None:
    data = orjson.loads(state_to_bytes(new_state()))
    data["v"] = 99
    with pytest.raises(ValueError, match="version 99"):
        state_from_bytes(orjson.dumps(data))


V1_SNAPSHOT = {
    "v": 1,
    "pending_starts": {"m9": {"connector_id": 2, "id_tag": "T", "started_at": "2026-11-23T10:05:00+00:00",
                              "meter_start_wh": "50"}},
    "open_transactions": [{
        "transaction_id": "7", "connector_id": 1, "id_tag": "04A2", "id_tag_status": "Accepted",
        "status_parking": True, "low_power": False, "unsettled": 0,
        "meter_start_wh": "1000", "period_start_wh": "5000", "last_wh": "5000.5", "max_power_w": "0",
        "max_current_a": None, "started_at": "2026-11-23T10:00:00+00:00", "period_start": "2026-11-23T10:30:00+00:00",
        "last_at": "2026-11-23T11:00:00+00:00", "period_kind": "parking",
        "finished": [["2026-11-23T10:00:00+00:00", "2026-11-23T10:30:00+00:00", "charging", "1000", "5000",
                      "11000", "16"]],
    }],
    "connector_status": [[1, "SuspendedEV", "2026-11-23T10:30:00+00:00"]],
    "recently_closed": ["6"],
}  # fmt: skip


def test_a_version_1_snapshot_is_migrated_with_its_periods_and_energy() -> None:
    state = state_from_bytes(orjson.dumps(V1_SNAPSHOT))
    assert state.pending_starts["m9"].meter_start_wh == 50
    assert "6" in state.forgotten
    state.tenant_id, state.charge_point_id = "t", "CP-1"  # the hot path fills these in from the changelog key
    cp = Station()
    cp.state = state
    [session] = cp.stop("7", 4500, "5001")
    assert [(p.kind, p.start, p.end, p.energy_wh) for p in session.periods] == [
        (PeriodKind.CHARGING, at(0), at(1800), Decimal(4000)),
        (PeriodKind.PARKING, at(1800), at(4500), Decimal(1)),
    ]
    assert (session.periods[0].max_power_w, session.periods[0].max_current_a) == (11000, 16)
    assert session.energy_wh == 4001 and session.id_tag_status == "Accepted"


def test_a_closed_transactions_cached_json_follows_its_late_changes() -> None:
    cp = Station()
    cp.start(1, 0, 0, "1")
    cp.stop("1", 3600, 10_000)
    first = state_to_bytes(cp.state)  # caches the stopped transaction's JSON
    assert cp.state.transactions["1"].json is not None
    cp.status(1, "SuspendedEV", 1800)  # a late event revises it
    assert cp.closed()[-1].revision == 2
    again = state_to_bytes(cp.state)
    assert again != first and state_from_bytes(again) == cp.state
    cp.state.transactions["1"].json = None
    assert state_to_bytes(cp.state) == again
