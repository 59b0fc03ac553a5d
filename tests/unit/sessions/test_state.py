import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.models import ChargingEvent
from pipelines.sessions.logic import step
from pipelines.sessions.state import new_state, state_from_bytes, state_to_bytes

from .station import Station, session_events


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
        expected.extend(out)
        resumed, out = step(resumed, event)
        got.extend(out)
    assert got == expected


def test_state_with_everything_in_it_round_trips() -> None:
    cp = Station()
    cp.start(1, 0, "100.5", "1")
    cp.start(2, 10, 0, "2", status="Blocked")
    cp.status(3, "Faulted", 15)
    cp.meter(20, wh="150.25", power="7000.1", current="32", connector=1)
    cp.status(1, "SuspendedEV", 30)
    cp.meter(40, power=0, connector=2)
    cp.stop("2", 50, 10)
    cp.send(cp.event(cp.events[0].kind, 60, connector_id=1, id_tag="Y", meter_wh=None))  # pending start
    raw = state_to_bytes(cp.state)
    assert state_from_bytes(raw) == cp.state
    text = raw.decode()
    assert '"150.25"' in text and "2026-11-23T10:00:30+00:00" in text  # Decimals as strings, ISO datetimes


def test_unknown_state_version_is_refused() -> None:
    data = orjson.loads(state_to_bytes(new_state()))
    data["v"] = 99
    with pytest.raises(ValueError, match="version 99"):
        state_from_bytes(orjson.dumps(data))
