import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.ingest.logic import ingest_frame
from pipelines.ingest.models import ChargingEvent, DeadLetter, DeadLetterClass, EventKind
from tests.unit.ingest.frames import READ_AT, encode, envelope, meter_value, sampled201, transaction_event


def ingest(raw: bytes) -> list[ChargingEvent] | DeadLetter:
    return ingest_frame(raw, source_topic="ocpp.inbound", partition=3, offset=17, read_at=READ_AT)


def dead(doc: object) -> DeadLetter:
    result = ingest(doc if isinstance(doc, bytes) else encode(doc))
    assert isinstance(result, DeadLetter), result
    return result


def meter_values(*elements: dict, **extra: object) -> list:
    return [2, "m1", "MeterValues", {"connectorId": 1, "transactionId": 42, "meterValue": list(elements), **extra}]


def element(*sampled: dict, timestamp: str = "2026-11-23T09:59:50Z") -> dict:
    return {"timestamp": timestamp, "sampledValue": list(sampled)}


def test_start_transaction_call_becomes_start_requested():
    payload = {"connectorId": 1, "idTag": "04A2B3C4", "meterStart": 1200, "timestamp": "2026-11-23T10:00:00+01:00"}
    [event] = ingest(encode(envelope([2, "19223201", "StartTransaction", payload])))
    assert event.kind is EventKind.TRANSACTION_START_REQUESTED
    assert event.event_id == "stadtwerk-aachen/CP-0001/upstream/2/19223201#0"
    assert (event.connector_id, event.id_tag, event.meter_wh) == (1, "04A2B3C4", Decimal(1200))
    assert event.station_time == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert event.received_at == datetime(2026, 11, 23, 10, 0, 0, 123000, tzinfo=UTC)
    assert orjson.loads(event.payload) == payload


def test_start_transaction_result_carries_transaction_id_and_status():
    message = [3, "19223201", {"transactionId": 77, "idTagInfo": {"status": "Accepted"}}]
    [event] = ingest(encode(envelope(message, action="StartTransaction", direction="downstream")))
    assert event.kind is EventKind.TRANSACTION_START_CONFIRMED
    assert (event.transaction_id, event.status, event.message_type) == ("77", "Accepted", 3)


def test_meter_values_give_one_event_per_element_with_units_converted():
    first = element(
        {"value": "12.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh", "context": "Transaction.Begin"},
        {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
        {"value": "55", "measurand": "SoC", "unit": "Percent", "location": "EV"},
    )
    second = element({"value": "12600"}, timestamp="2026-11-23T10:00:00Z")  # default measurand, default unit Wh
    events = ingest(encode(envelope(meter_values(first, second))))
    assert [e.event_id[-2:] for e in events] == ["#0", "#1"]
    assert [e.meter_wh for e in events] == [Decimal(12500), Decimal(12600)]
    assert (events[0].power_w, events[0].soc_percent, events[0].transaction_id) == (Decimal(7200), Decimal(55), "42")
    assert events[1].power_w is None


def test_phases_sum_for_power_and_max_for_current():
    sampled = [
        {"value": v, "measurand": m, "phase": p, "unit": u}
        for m, u, values in (
            ("Power.Active.Import", "W", ("1000", "1100", "900")),
            ("Current.Import", "A", ("15", "16.5", "14")),
        )
        for p, v in zip(("L1", "L2", "L3"), values, strict=True)
    ]
    sampled.append({"value": "3", "measurand": "Current.Import", "phase": "N", "unit": "A"})
    [event] = ingest(encode(envelope(meter_values(element(*sampled)))))
    assert (event.power_w, event.current_a, event.meter_wh) == (Decimal(3000), Decimal("16.5"), None)


def test_stop_status_and_other_actions():
    stop = {"transactionId": 42, "meterStop": 25000, "timestamp": "2026-11-23T10:00:00Z", "reason": "EVDisconnected"}
    [stopped] = ingest(encode(envelope([2, "s", "StopTransaction", stop])))
    assert (stopped.kind, stopped.transaction_id, stopped.meter_wh, stopped.reason) == (
        EventKind.TRANSACTION_STOPPED,
        "42",
        Decimal(25000),
        "EVDisconnected",
    )
    status = {"connectorId": 2, "errorCode": "NoError", "status": "Charging"}
    [st_event] = ingest(encode(envelope([2, "n", "StatusNotification", status])))
    assert (st_event.kind, st_event.connector_id, st_event.status, st_event.station_time) == (
        EventKind.STATUS,
        2,
        "Charging",
        None,
    )
    [beat] = ingest(encode(envelope([2, "h", "Heartbeat", {}])))
    assert beat.kind is EventKind.HEARTBEAT
    [reset] = ingest(encode(envelope([2, "r", "Reset", {"type": "Soft"}], direction="downstream")))
    assert reset.kind is EventKind.OTHER


def test_call_error_keeps_its_code_in_reason():
    message = [4, "m9", "InternalError", "meter broke", {}]
    [event] = ingest(encode(envelope(message, action="MeterValues", direction="downstream")))
    assert (event.kind, event.reason, event.message_type) == (EventKind.OTHER, "InternalError", 4)


def test_dead_letter_classes():
    good = envelope([2, "h", "Heartbeat", {}])
    cases = {
        b"\xff not json": DeadLetterClass.NOT_JSON,
        b"[1, 2]": DeadLetterClass.NOT_JSON,
        encode({**good, "tenant_id": 5}): DeadLetterClass.BAD_ENVELOPE,
        encode({**good, "protocol": "ocpp9"}): DeadLetterClass.UNKNOWN_PROTOCOL,
        encode({**good, "message": [2, "h", "Heartbeat"]}): DeadLetterClass.BAD_FRAME,
        encode(envelope([2, "h", "Teleport", {}])): DeadLetterClass.UNKNOWN_ACTION,
        encode(envelope([2, "h", "Heartbeat", {"extra": 1}])): DeadLetterClass.SCHEMA_VIOLATION,
        encode(envelope(meter_values(element({"value": "-5"})))): DeadLetterClass.IMPOSSIBLE_VALUE,
        encode(envelope([2, "h", "Heartbeat", {}], direction="downstream")): DeadLetterClass.BAD_FRAME,
    }
    for raw, expected in cases.items():
        letter = dead(raw)
        assert letter.error_class is expected, (raw, letter.reason)
        assert letter.original == raw and letter.reason
        assert (letter.source_topic, letter.source_partition, letter.source_offset) == ("ocpp.inbound", 3, 17)


def test_bad_envelope_names_every_problem_and_keeps_what_is_readable():
    letter = dead({**envelope([2, "h", "Heartbeat", {}]), "direction": "sideways", "received_at": "yesterday"})
    assert "direction" in letter.reason and "received_at" in letter.reason
    assert (letter.tenant_id, letter.charge_point_id, letter.received_at) == ("stadtwerk-aachen", "CP-0001", READ_AT)


def test_schema_violation_names_paths_and_rules():
    bad = meter_values(element({"value": 5, "unit": "kw"}))
    letter = dead(envelope(bad))
    assert "meterValue[0].sampledValue[0].value" in letter.reason and "(rule type)" in letter.reason
    assert "meterValue[0].sampledValue[0].unit" in letter.reason and "(rule enum)" in letter.reason


def test_impossible_values_are_all_reported():
    bad = meter_values(
        element({"value": "NaN"}, {"value": "150", "measurand": "SoC"}, timestamp="2026-11-25T10:00:00Z"),
        element({"value": "1", "unit": "W"}, timestamp="1970-01-01T00:00:00Z"),
        connectorId=500,
    )
    reason = dead(envelope(bad)).reason
    for fragment in (
        "connectorId: 500",
        "'NaN'",
        "SoC 150",
        "meterValue[0].timestamp",
        "meterValue[1].timestamp",
        "unit W does not measure",
    ):
        assert fragment in reason, (fragment, reason)


def test_unparseable_calendar_date_is_impossible():
    letter = dead(envelope(meter_values(element({"value": "1"}, timestamp="2026-02-30T10:00:00Z"))))
    assert letter.error_class is DeadLetterClass.IMPOSSIBLE_VALUE


def test_each_protocol_is_checked_against_its_own_schemas():
    [beat] = ingest(encode({**envelope([2, "h", "Heartbeat", {}]), "protocol": "ocpp2.0.1"}))
    assert (beat.kind, beat.protocol) == (EventKind.HEARTBEAT, "ocpp2.0.1")
    v16_boot = {"chargePointModel": "M", "chargePointVendor": "V"}
    letter = dead({**envelope([2, "b", "BootNotification", v16_boot]), "protocol": "ocpp2.0.1"})
    assert letter.error_class is DeadLetterClass.SCHEMA_VIOLATION and "chargingStation" in letter.reason
    letter = dead({**envelope([2, "h", "Heartbeat", {}]), "protocol": "ocpp2.1"})
    assert letter.reason == "protocol 'ocpp2.1' is not ocpp1.6 or ocpp2.0.1"


def test_a_megabyte_frame_is_rejected_before_parsing():
    raw = b"{" + b" " * 1_000_000 + b"}"
    started = time.perf_counter()
    letter = dead(raw)
    assert time.perf_counter() - started < 0.05
    assert letter.error_class is DeadLetterClass.TOO_LARGE and letter.original == raw


def test_same_bad_frame_gives_same_dead_letter_id():
    assert dead(b"nope").dead_letter_id == dead(b"nope").dead_letter_id != dead(b"nope!").dead_letter_id


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=30,
)
messages = st.one_of(
    json_values,
    st.tuples(
        st.sampled_from([2, 3, 4]), st.text(max_size=8), st.sampled_from(["MeterValues", "Heartbeat"]), json_values
    ).map(list),
    st.builds(
        lambda p: meter_values(element(p)),
        st.dictionaries(st.sampled_from(["value", "unit", "measurand", "phase", "format"]), json_values),
    ),
    st.builds(
        lambda p, event_type: transaction_event(event_type, 1, meter_value(p)),
        st.dictionaries(st.sampled_from(["value", "unitOfMeasure", "measurand", "phase", "context"]), json_values),
        st.sampled_from(["Started", "Updated", "Ended"]),
    ),
    st.builds(  # schema-valid 2.0.1 sampled values with odd numbers, units and multipliers
        lambda value, unit, multiplier, measurand: transaction_event(
            "Ended", 1, meter_value(sampled201(value, measurand, unit, multiplier=multiplier))
        ),
        st.integers(-(2**63), 2**64) | st.floats(allow_nan=False, allow_infinity=False),
        st.none() | st.sampled_from(["Wh", "kWh", "W", "kW", "A", "Percent", "", "varh"]),
        st.none() | st.integers(-(2**40), 2**40),
        st.none() | st.sampled_from(["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "SoC"]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(raw):
    assert isinstance(ingest(raw), list | DeadLetter)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_arbitrary_json_never_raises(doc):
    assert isinstance(ingest(encode(doc)), list | DeadLetter)


@settings(max_examples=300, deadline=None)
@given(
    messages,
    st.sampled_from(["MeterValues", "Heartbeat", "StartTransaction", "TransactionEvent", "Nope"]),
    st.sampled_from(["upstream", "downstream", 1]),
    st.sampled_from(["ocpp1.6", "ocpp2.0.1"]),
)
def test_arbitrary_frames_in_a_good_envelope_never_raise(message, action, direction, protocol):
    doc = {**envelope([0], action=action, direction=direction), "message": message, "protocol": protocol}
    result = ingest(encode(doc))
    if isinstance(result, DeadLetter):
        assert "internal error" not in result.reason, result.reason
    else:
        assert all(isinstance(e, ChargingEvent) for e in result)


def test_station_time_more_than_a_day_ahead_is_impossible():
    ahead = (READ_AT + timedelta(days=2)).isoformat()
    letter = dead(
        envelope(
            [
                2,
                "n",
                "StatusNotification",
                {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": ahead},
            ]
        )
    )
    assert letter.error_class is DeadLetterClass.IMPOSSIBLE_VALUE


def test_a_callerror_answering_an_unreadable_frame_is_kept_as_an_event_not_dead_lettered() -> None:
    answer = envelope([4, "-1", "FormationViolation", "not an OCPP-J frame", {}], action="", direction="downstream")
    [event] = ingest(encode(answer))
    assert event.kind is EventKind.OTHER and event.reason == "FormationViolation"
