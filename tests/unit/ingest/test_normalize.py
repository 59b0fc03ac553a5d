from decimal import Decimal

from pipelines.ingest.models import DeadLetterClass, EventKind
from tests.unit.ingest.frames import dead_letter_of, envelope, events_of

ENERGY = "Energy.Active.Import.Register"


def stop_transaction(*transaction_data: dict, **extra: object) -> list:
    payload = {"transactionId": 42, "meterStop": 25000, "timestamp": "2026-11-23T10:00:00Z", "idTag": "04A2B3C4"}
    if transaction_data:
        payload["transactionData"] = list(transaction_data)
    return [2, "s1", "StopTransaction", {**payload, **extra}]


def element(*sampled: dict, timestamp: str = "2026-11-23T09:59:50Z") -> dict:
    return {"timestamp": timestamp, "sampledValue": list(sampled)}


def test_transaction_data_becomes_meter_values_before_the_stop():
    begin = element(
        {"value": "12000", "context": "Transaction.Begin", "measurand": ENERGY, "unit": "Wh"},
        timestamp="2026-11-23T08:00:00Z",
    )
    periodic = element(
        {"value": "18.5", "context": "Sample.Periodic", "measurand": ENERGY, "unit": "kWh"},
        {"value": "11", "context": "Sample.Periodic", "measurand": "Power.Active.Import", "unit": "kW"},
        timestamp="2026-11-23T09:00:00Z",
    )
    end = element({"value": "25000", "context": "Transaction.End"}, timestamp="2026-11-23T10:00:00Z")
    events = events_of(envelope(stop_transaction(begin, periodic, end, reason="EVDisconnected")))
    assert [(e.kind, e.event_id[-2:]) for e in events] == [
        (EventKind.METER_VALUES, "#1"),
        (EventKind.METER_VALUES, "#2"),
        (EventKind.METER_VALUES, "#3"),
        (EventKind.TRANSACTION_STOPPED, "#0"),  # the stop keeps #0: its event id does not depend on transactionData
    ]
    assert [e.meter_wh for e in events] == [Decimal(12000), Decimal("18500.0"), Decimal(25000), Decimal(25000)]
    assert [e.reading_context for e in events] == ["Transaction.Begin", "Sample.Periodic", *["Transaction.End"] * 2]
    assert {e.transaction_id for e in events} == {"42"} and {e.connector_id for e in events} == {None}
    assert events[1].power_w == Decimal(11000) and events[1].station_time.hour == 9
    assert (events[-1].reason, events[-1].id_tag, events[0].action) == ("EVDisconnected", "04A2B3C4", "StopTransaction")


def test_stop_without_transaction_data_is_one_event_with_the_same_id_as_before():
    [stop] = events_of(envelope(stop_transaction()))
    assert stop.event_id == "stadtwerk-aachen/CP-0001/upstream/2/s1#0" and stop.kind is EventKind.TRANSACTION_STOPPED


def test_transaction_data_values_default_to_sample_periodic():
    [reading, _] = events_of(envelope(stop_transaction(element({"value": "24990"}))))
    assert (reading.meter_wh, reading.reading_context) == (Decimal(24990), "Sample.Periodic")


def test_impossible_transaction_data_names_the_element():
    bad = stop_transaction(element({"value": "1"}), element({"value": "-3"}, timestamp="1999-01-01T00:00:00Z"))
    letter = dead_letter_of(envelope(bad))
    assert letter.error_class is DeadLetterClass.IMPOSSIBLE_VALUE
    assert "transactionData[1].sampledValue[0].value: '-3'" in letter.reason
    assert "transactionData[1].timestamp: 1999-01-01T00:00:00Z" in letter.reason


def test_meter_values_carry_the_energy_readings_context():
    sampled = [
        {"value": "40", "measurand": "SoC", "context": "Trigger", "location": "EV"},
        {"value": "1500", "measurand": ENERGY, "context": "Sample.Clock"},
    ]
    payload = {"connectorId": 2, "meterValue": [element(*sampled), element({"value": "55", "measurand": "SoC"})]}
    first, second = events_of(envelope([2, "m1", "MeterValues", payload]))
    assert (first.reading_context, first.meter_wh, first.soc_percent) == ("Sample.Clock", Decimal(1500), Decimal(40))
    assert (second.reading_context, second.meter_wh, second.transaction_id) == ("Sample.Periodic", None, None)


def test_start_reading_is_the_transaction_begin():
    payload = {"connectorId": 1, "idTag": "04A2B3C4", "meterStart": 1200, "timestamp": "2026-11-23T09:00:00Z"}
    [start] = events_of(envelope([2, "st", "StartTransaction", payload]))
    assert (start.meter_wh, start.reading_context) == (Decimal(1200), "Transaction.Begin")


def test_status_notification_keeps_the_error_code():
    payload = {
        "connectorId": 1,
        "errorCode": "GroundFailure",
        "status": "Faulted",
        "vendorErrorCode": "E0020",
        "info": "RCD tripped",
        "timestamp": "2026-11-23T09:59:00Z",
    }
    [status] = events_of(envelope([2, "n1", "StatusNotification", payload]))
    assert (status.kind, status.status, status.error_code, status.connector_id) == (
        EventKind.STATUS,
        "Faulted",
        "GroundFailure",
        1,
    )
    assert '"vendorErrorCode":"E0020"' in status.payload
