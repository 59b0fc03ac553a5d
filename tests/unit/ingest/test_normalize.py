from dataclasses import astuple
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.envelope import Envelope, Frame
from pipelines.ingest.models import ChargingEvent, EventKind
from pipelines.ingest.normalize import _FAST_EVENTS, make_event
from tests.unit.ingest.frames import READ_AT

ENV = Envelope("t", "cp", "ocpp1.6", "upstream", "MeterValues", READ_AT, [])
optional_text = st.none() | st.text(max_size=5)
optional_decimal = st.none() | st.decimals(allow_nan=False, allow_infinity=False)


def test_fast_construction_is_active():
    assert _FAST_EVENTS


@given(st.integers(0, 9), st.sampled_from(list(EventKind)), optional_text, optional_decimal, optional_text)
def test_make_event_equals_the_dataclass_constructor(index, kind, id_tag, meter_wh, reason):
    frame = Frame(2, "m1", {})
    built = make_event(ENV, frame, "MeterValues", kind, READ_AT, "{}", index, 1, "42", id_tag, meter_wh, reason=reason)
    expected = ChargingEvent(
        f"t/cp/upstream/2/m1#{index}",
        "t",
        "cp",
        "ocpp1.6",
        "upstream",
        2,
        "m1",
        "MeterValues",
        kind,
        READ_AT,
        READ_AT,
        1,
        "42",
        id_tag,
        meter_wh,
        reason=reason,
        payload="{}",
    )
    assert type(built) is ChargingEvent
    assert astuple(built) == astuple(expected) and built == expected and hash(built) == hash(expected)


def test_events_stay_frozen():
    built = make_event(ENV, Frame(2, "m1", {}), "Heartbeat", EventKind.HEARTBEAT, None, "{}", meter_wh=Decimal(1))
    try:
        built.meter_wh = Decimal(2)  # type: ignore[misc]
    except AttributeError:
        return
    raise AssertionError("a ChargingEvent could be changed")
