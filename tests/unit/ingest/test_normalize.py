from dataclasses import astuple
from decimal import Decimal, InvalidOperation

from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.envelope import Envelope, Frame
from pipelines.ingest.models import ChargingEvent, EventKind
from pipelines.ingest.normalize import (
    _FAST_EVENTS,
    _READINGS,
    MAX_CACHED_READINGS,
    MAX_MAGNITUDE,
    make_event,
    reading,
)
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


def reference_reading(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    ok = number.is_finite() and number.adjusted() <= MAX_MAGNITUDE and number >= 0
    return number if ok else None


readings = st.sampled_from(
    [
        *("183", "16.0", "-0", "-1", "0E+20", "1E15", "9999999999999999", "1" + "0" * 16, "NaN", "sNaN"),
        *("-Infinity", "١٢", " 12", "1_000", "+5", "", "abc", "1e-30", "²"),
    ]
)


@given(readings | st.text(max_size=30) | st.decimals().map(str))
def test_cached_reading_equals_a_fresh_decimal(text):
    expected = reference_reading(text)
    for _ in range(2):  # the second answer comes from the cache
        got = reading(text)
        assert (got is None) == (expected is None)
        if expected is not None:
            assert got is not None and got.as_tuple() == expected.as_tuple()


def test_reading_cache_stays_bounded():
    for n in range(MAX_CACHED_READINGS + 10):
        reading(str(n))
    reading("1" * 100)
    assert len(_READINGS) <= MAX_CACHED_READINGS
    assert all(len(text) <= 24 for text in _READINGS)
