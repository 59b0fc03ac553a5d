from dataclasses import astuple
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.envelope import Envelope, Frame
from pipelines.ingest.events import FAST_EVENTS, call_error_event, make_event, result_status
from pipelines.ingest.models import ChargingEvent, EventKind
from tests.unit.ingest.frames import READ_AT

ENV = Envelope("t", "cp", "ocpp1.6", "upstream", "MeterValues", READ_AT, [])
optional_text = st.none() | st.text(max_size=5)
optional_decimal = st.none() | st.decimals(allow_nan=False, allow_infinity=False)


def test_fast_construction_is_active():
    assert FAST_EVENTS


@given(
    st.integers(0, 9),
    st.sampled_from(list(EventKind)),
    optional_text,
    optional_decimal,
    optional_text,
    st.none() | st.integers(0, 10),
    optional_text,
    st.booleans(),
)
def test_make_event_equals_the_dataclass_constructor(index, kind, id_tag, meter_wh, reason, seq_no, context, offline):
    frame = Frame(2, "m1", {})
    built = make_event(
        ENV, frame, "MeterValues", kind, READ_AT, "{}", index, 1, "42", id_tag, meter_wh, reason=reason,
        seq_no=seq_no, trigger_reason="Trigger", reading_context=context, offline=offline,
    )  # fmt: skip
    expected = ChargingEvent(
        f"t/cp/upstream/2/m1#{index}", "t", "cp", "ocpp1.6", "upstream", 2, "m1", "MeterValues", kind, READ_AT,
        READ_AT, 1, "42", id_tag, meter_wh, reason=reason, seq_no=seq_no, trigger_reason="Trigger",
        reading_context=context, offline=offline, payload="{}",
    )  # fmt: skip
    assert type(built) is ChargingEvent
    assert astuple(built) == astuple(expected) and built == expected and hash(built) == hash(expected)


def test_events_stay_frozen():
    built = make_event(ENV, Frame(2, "m1", {}), "Heartbeat", EventKind.HEARTBEAT, None, "{}", meter_wh=Decimal(1))
    try:
        built.meter_wh = Decimal(2)  # type: ignore[misc]
    except AttributeError:
        return
    raise AssertionError("a ChargingEvent could be changed")


def test_result_status_of_both_versions():
    assert result_status({"idTagInfo": {"status": "Blocked"}}) == "Blocked"  # 1.6
    assert result_status({"idTokenInfo": {"status": "Invalid"}}) == "Invalid"  # 2.0.1
    assert result_status({"status": "Accepted", "interval": 300}) == "Accepted"
    assert result_status({"status": 3}) is None and result_status({}) is None


def test_call_error_keeps_code_description_and_details():
    event = call_error_event(ENV, Frame(4, "m9", {"k": 1}, "NotImplemented", "no such action"))
    assert (event.kind, event.reason, event.message_type) == (EventKind.OTHER, "NotImplemented", 4)
    assert '"errorDescription":"no such action"' in event.payload and '"errorDetails":{"k":1}' in event.payload
