"""OCPP 2.0.1 frames shaped like the spec's use cases (E02 cable plug-in first, E03 IdToken first, E06/E07
stops, E04/E12 offline) and like what stations send (EVerest-style meterValue with location and unitOfMeasure)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.ingest.models import DeadLetterClass, EventKind
from tests.unit.ingest.frames import (
    dead_letter_of,
    envelope201,
    events_of,
    meter_value,
    sampled201,
    transaction_event,
)

ENERGY, POWER, CURRENT, SOC = "Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "SoC"
BEGIN = meter_value(
    {"value": 1234.0, "context": "Transaction.Begin", "location": "Outlet", "measurand": ENERGY,
     "unitOfMeasure": {"unit": "Wh"}},
    timestamp="2026-11-23T09:00:00Z",
)  # fmt: skip
TOKEN = {"idToken": "04A2B3C4", "type": "ISO14443"}


def periodic(wh: float, timestamp: str = "2026-11-23T09:30:00Z", context: str = "Sample.Periodic") -> dict:
    return meter_value(
        sampled201(wh / 1000, ENERGY, "kWh", context=context, location="Outlet"),
        sampled201(11.04, POWER, "kW", context=context),
        *(sampled201(16.0, CURRENT, "A", phase=p, context=context) for p in ("L1", "L2", "L3")),
        timestamp=timestamp,
    )


def test_started_cable_plugged_in_first():
    message = transaction_event(
        "Started", 0, BEGIN, trigger="CablePluggedIn", info={"chargingState": "EVConnected"},
        evse={"id": 1, "connectorId": 1}, offline=False,
    )  # fmt: skip
    [started] = events_of(envelope201(message))
    assert started.kind is EventKind.TRANSACTION_STARTED
    assert started.event_id == "stadtwerk-aachen/CP-0001/upstream/2/te-0#0" and started.protocol == "ocpp2.0.1"
    assert (started.transaction_id, started.connector_id, started.id_tag) == ("TX-0001", 1, None)
    assert (started.seq_no, started.trigger_reason, started.offline) == (0, "CablePluggedIn", False)
    assert (started.meter_wh, started.reading_context, started.status) == (
        Decimal("1234.0"),
        "Transaction.Begin",
        "EVConnected",
    )
    assert started.station_time.isoformat() == "2026-11-23T09:59:55+00:00"


def test_started_after_authorization_names_the_token():
    message = transaction_event("Started", 0, BEGIN, trigger="Authorized", evse={"id": 2}, idToken=TOKEN)
    [started] = events_of(envelope201(message))
    assert (started.id_tag, started.connector_id, started.status) == ("04A2B3C4", 2, None)


def test_started_without_begin_reading_takes_the_first_energy_reading_and_keeps_the_rest():
    first, second = periodic(1500, "2026-11-23T09:00:00Z"), periodic(1600, "2026-11-23T09:00:10Z")
    soc_only = meter_value(sampled201(40, SOC, "Percent", location="EV"))
    events = events_of(envelope201(transaction_event("Started", 0, soc_only, first, second, evse={"id": 1})))
    assert [(e.kind, e.event_id[-2:], e.meter_wh) for e in events] == [
        (EventKind.TRANSACTION_STARTED, "#0", Decimal("1500.0")),
        (EventKind.METER_VALUES, "#1", None),
        (EventKind.METER_VALUES, "#2", Decimal("1600.0")),
    ]
    assert events[1].soc_percent == Decimal(40) and {e.connector_id for e in events} == {1}


def test_updated_authorized_later_is_kept_with_its_token():
    [event] = events_of(envelope201(transaction_event("Updated", 1, trigger="Authorized", idToken=TOKEN)))
    assert (event.kind, event.id_tag, event.transaction_id, event.seq_no) == (EventKind.OTHER, "04A2B3C4", "TX-0001", 1)


def test_updated_periodic_gives_meter_values_and_then_the_state():
    message = transaction_event(
        "Updated", 3, periodic(5000, "2026-11-23T09:30:00Z"), periodic(6000, "2026-11-23T09:45:00Z"),
        trigger="ChargingStateChanged", info={"chargingState": "SuspendedEV"},
    )  # fmt: skip
    events = events_of(envelope201(message))
    assert [(e.kind, e.event_id[-2:]) for e in events] == [
        (EventKind.METER_VALUES, "#0"),
        (EventKind.METER_VALUES, "#1"),
        (EventKind.STATUS, "#2"),
    ]
    readings = [(e.meter_wh, e.power_w, e.current_a) for e in events[:2]]
    assert readings == [
        (Decimal("5000.0"), Decimal("11040.00"), Decimal("16.0")),
        (Decimal("6000.0"), *readings[0][1:]),
    ]
    assert [e.reading_context for e in events] == ["Sample.Periodic", "Sample.Periodic", None]
    assert (events[2].status, events[2].transaction_id, events[2].connector_id) == ("SuspendedEV", "TX-0001", None)
    assert {(e.seq_no, e.trigger_reason) for e in events} == {(3, "ChargingStateChanged")}


def test_ended_puts_the_stop_after_the_readings_and_takes_the_end_reading():
    end = meter_value(sampled201(25.3, ENERGY, "kWh", context="Transaction.End"), timestamp="2026-11-23T09:59:55Z")
    message = transaction_event(
        "Ended", 7, BEGIN, periodic(20000), end, trigger="EVDeparted", idToken=TOKEN,
        info={"stoppedReason": "EVDisconnected", "chargingState": "Idle"},
    )  # fmt: skip
    events = events_of(envelope201(message))
    assert [(e.kind, e.event_id[-2:], e.reading_context) for e in events] == [
        (EventKind.METER_VALUES, "#1", "Transaction.Begin"),
        (EventKind.METER_VALUES, "#2", "Sample.Periodic"),
        (EventKind.TRANSACTION_STOPPED, "#0", "Transaction.End"),
    ]
    stop = events[-1]
    assert (stop.meter_wh, stop.reason, stop.id_tag, stop.status) == (
        Decimal("25300.0"),
        "EVDisconnected",
        "04A2B3C4",
        "Idle",
    )


def test_ended_without_end_context_takes_the_last_energy_reading():
    message = transaction_event("Ended", 8, periodic(20000), periodic(21000, "2026-11-23T09:59:00Z"))
    *meters, stop = events_of(envelope201(message))
    assert [m.meter_wh for m in meters] == [Decimal("20000.0")] and stop.meter_wh == Decimal("21000.0")
    assert stop.reason is None  # absent means Local per the spec; the record says what the station sent


def test_ended_without_readings_is_one_stop():
    [stop] = events_of(
        envelope201(transaction_event("Ended", 2, trigger="StopAuthorized", info={"stoppedReason": "Local"}))
    )
    assert (stop.kind, stop.meter_wh, stop.reason, stop.event_id[-2:]) == (
        EventKind.TRANSACTION_STOPPED,
        None,
        "Local",
        "#0",
    )


def test_offline_events_say_so():
    message = transaction_event("Updated", 4, periodic(9000), offline=True)
    [reading] = events_of(envelope201(message))
    assert reading.offline is True


def test_meter_values_status_and_authorize():
    main_meter = {"evseId": 0, "meterValue": [periodic(8_000_000)]}
    [station] = events_of(envelope201([2, "mv", "MeterValues", main_meter]))
    assert (station.kind, station.connector_id, station.meter_wh, station.transaction_id) == (
        EventKind.METER_VALUES,
        0,
        Decimal("8000000.0"),
        None,
    )
    status = {"timestamp": "2026-11-23T09:58:00Z", "connectorStatus": "Occupied", "evseId": 2, "connectorId": 1}
    [occupied] = events_of(envelope201([2, "sn", "StatusNotification", status]))
    assert (occupied.kind, occupied.connector_id, occupied.status, occupied.error_code) == (
        EventKind.STATUS,
        2,
        "Occupied",
        None,
    )
    [authorize] = events_of(envelope201([2, "au", "Authorize", {"idToken": TOKEN}]))
    assert (authorize.kind, authorize.id_tag) == (EventKind.AUTHORIZE, "04A2B3C4")


@pytest.mark.parametrize(
    ("action", "payload", "kind", "status"),
    [
        ("Authorize", {"idTokenInfo": {"status": "Blocked"}}, EventKind.OTHER, "Blocked"),
        ("TransactionEvent", {"idTokenInfo": {"status": "Accepted"}, "totalCost": 3.5}, EventKind.OTHER, "Accepted"),
        ("BootNotification", {"currentTime": "2026-11-23T10:00:00Z", "interval": 300, "status": "Accepted"},
         EventKind.OTHER, "Accepted"),
        ("TransactionEvent", {}, EventKind.OTHER, None),
    ],
)  # fmt: skip
def test_results_carry_their_status(action, payload, kind, status):
    [result] = events_of(envelope201([3, "r1", payload], action=action, direction="downstream"))
    assert (result.kind, result.status, result.message_type, result.action) == (kind, status, 3, action)


def test_boot_heartbeat_other_calls_and_errors():
    boot = {"chargingStation": {"model": "SingleSocketCharger", "vendorName": "VendorX"}, "reason": "PowerUp"}
    assert events_of(envelope201([2, "b", "BootNotification", boot]))[0].kind is EventKind.BOOT
    assert events_of(envelope201([2, "h", "Heartbeat", {}]))[0].kind is EventKind.HEARTBEAT
    start = {"idToken": TOKEN, "remoteStartId": 7, "evseId": 1}
    [remote] = events_of(envelope201([2, "rs", "RequestStartTransaction", start], direction="downstream"))
    assert remote.kind is EventKind.OTHER
    [error] = events_of(
        envelope201([4, "te-9", "FormatViolation", "bad", {}], action="TransactionEvent", direction="downstream")
    )
    assert (error.kind, error.reason) == (EventKind.OTHER, "FormatViolation")


@pytest.mark.parametrize(
    ("message", "error_class", "fragment"),
    [
        (transaction_event("Updated", 1, meter_value({"value": "12.5"})), DeadLetterClass.SCHEMA_VIOLATION,
         "meterValue[0].sampledValue[0].value: '12.5' is not of type 'number' (rule type)"),
        (transaction_event("Updated", 1.0), DeadLetterClass.SCHEMA_VIOLATION, "seqNo: 1.0 is not of type 'integer'"),
        (transaction_event("Paused", 1), DeadLetterClass.SCHEMA_VIOLATION, "eventType: 'Paused' is not one of"),
        (transaction_event("Updated", 1, info={"chargingState": "Finishing"}), DeadLetterClass.SCHEMA_VIOLATION,
         "transactionInfo.chargingState"),
        (transaction_event("Updated", 1, meter_value(sampled201(-1.5))), DeadLetterClass.IMPOSSIBLE_VALUE,
         "meterValue[0].sampledValue[0]: value: -1.5 is not a finite non-negative number"),
        (transaction_event("Updated", 1, meter_value(sampled201(101, SOC))), DeadLetterClass.IMPOSSIBLE_VALUE,
         "SoC 101 > 100%"),
        (transaction_event("Updated", -1), DeadLetterClass.IMPOSSIBLE_VALUE, "seqNo: -1 is negative"),
        (transaction_event("Started", 0, evse={"id": 0}), DeadLetterClass.IMPOSSIBLE_VALUE,
         "evse.id: 0 is outside 1..100"),
        (transaction_event("Started", 0, info={"transactionId": ""}), DeadLetterClass.IMPOSSIBLE_VALUE,
         "transactionInfo.transactionId is empty"),
        (transaction_event("Updated", 1, meter_value(sampled201(1), timestamp="2026-11-26T00:00:00Z")),
         DeadLetterClass.IMPOSSIBLE_VALUE, "meterValue[0].timestamp: 2026-11-26T00:00:00Z is more than 1 day"),
        (transaction_event("Updated", 1, timestamp="2020-01-01T00:00:00Z"), DeadLetterClass.IMPOSSIBLE_VALUE,
         "timestamp: 2020-01-01T00:00:00Z is more than 366 days before received_at"),
        ([2, "x", "Teleport", {}], DeadLetterClass.UNKNOWN_ACTION, "'Teleport' is not an OCPP 2.0.1 action"),
        ([2, "x", "StartTransaction", {}], DeadLetterClass.UNKNOWN_ACTION, "is not an OCPP 2.0.1 action"),
    ],
)  # fmt: skip
def test_bad_frames_are_dead_lettered_with_reasons(message, error_class, fragment):
    letter = dead_letter_of(envelope201(message))
    assert letter.error_class is error_class, letter.reason
    assert fragment in letter.reason, letter.reason


def test_a_transaction_event_sent_by_the_central_system_is_a_bad_frame():
    letter = dead_letter_of(envelope201(transaction_event("Updated", 1), direction="downstream"))
    assert letter.error_class is DeadLetterClass.BAD_FRAME and "travels upstream" in letter.reason


energy_elements = st.builds(
    lambda wh, context, with_energy: meter_value(
        *([sampled201(wh, ENERGY, "Wh", context=context)] if with_energy else []), sampled201(50, SOC, "Percent")
    ),
    st.integers(0, 10**9),
    st.sampled_from(["Transaction.Begin", "Sample.Periodic", "Transaction.End", "Sample.Clock"]),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["Started", "Updated", "Ended"]),
    st.lists(energy_elements, max_size=5),
    st.none() | st.sampled_from(["Charging", "EVConnected", "SuspendedEV", "SuspendedEVSE", "Idle"]),
)
def test_every_meter_value_element_is_used_exactly_once(event_type, elements, state):
    info = {"chargingState": state} if state else {}
    events = events_of(envelope201(transaction_event(event_type, 5, *elements, info=info)))
    ids = [e.event_id for e in events]
    assert len(set(ids)) == len(ids) and sorted(int(i.rsplit("#", 1)[1]) for i in ids) == list(range(len(ids)))
    assert {(e.transaction_id, e.seq_no) for e in events} == {("TX-0001", 5)}
    meters = [e for e in events if e.kind is EventKind.METER_VALUES]
    main = [e for e in events if e.kind in (EventKind.TRANSACTION_STARTED, EventKind.TRANSACTION_STOPPED)]
    readings_used = len(meters) + sum(1 for e in main if e.meter_wh is not None)
    has_energy = any(len(element["sampledValue"]) == 2 for element in elements)
    assert readings_used == len(elements) if has_energy or event_type == "Updated" else len(meters) == len(elements)
    if event_type == "Started":
        assert events[0].kind is EventKind.TRANSACTION_STARTED
    elif event_type == "Ended":
        assert events[-1].kind is EventKind.TRANSACTION_STOPPED
    else:
        assert events[-1].kind is (
            EventKind.STATUS if state else EventKind.METER_VALUES if elements else EventKind.OTHER
        )
