"""Builders of envelopes and frames shared by the ingest tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pipelines.ingest.logic import ingest_frame
from pipelines.ingest.models import ChargingEvent, DeadLetter

RECEIVED = "2026-11-23T10:00:00.123Z"
READ_AT = datetime(2026, 11, 23, 10, 0, 5, tzinfo=UTC)


def envelope(message: list, action: str | None = None, direction: str = "upstream", **overrides: object) -> dict:
    doc = {
        "charge_point_id": "CP-0001",
        "tenant_id": "stadtwerk-aachen",
        "protocol": "ocpp1.6",
        "received_at": RECEIVED,
        "direction": direction,
        "action": action or message[2],
        "message": message,
    }
    doc.update(overrides)
    return doc


def encode(doc: object) -> bytes:
    return json.dumps(doc).encode()


def ingest_doc(doc: object) -> list[ChargingEvent] | DeadLetter:
    """ingest_frame of an envelope (or raw bytes), read from ocpp.inbound partition 3 offset 17 at READ_AT."""
    raw = doc if isinstance(doc, bytes) else encode(doc)
    return ingest_frame(raw, source_topic="ocpp.inbound", partition=3, offset=17, read_at=READ_AT)


def events_of(doc: object) -> list[ChargingEvent]:
    result = ingest_doc(doc)
    assert isinstance(result, list), result
    return result


def dead_letter_of(doc: object) -> DeadLetter:
    result = ingest_doc(doc)
    assert isinstance(result, DeadLetter), result
    return result


def envelope201(message: list, action: str | None = None, direction: str = "upstream", **overrides: object) -> dict:
    """An envelope of an OCPP 2.0.1 frame."""
    return envelope(message, action, direction, protocol="ocpp2.0.1", **overrides)


def sampled201(value: float, measurand: str | None = None, unit: str | None = None, **fields: object) -> dict:
    """A 2.0.1 sampledValue: the value is a JSON number; unit (and a `multiplier` field) go to unitOfMeasure."""
    sv: dict = {"value": value}
    if measurand is not None:
        sv["measurand"] = measurand
    multiplier = fields.pop("multiplier", None)
    if unit is not None or multiplier is not None:
        sv["unitOfMeasure"] = {k: v for k, v in (("unit", unit), ("multiplier", multiplier)) if v is not None}
    return {**sv, **fields}


def meter_value(*sampled: dict, timestamp: str = "2026-11-23T09:59:50Z") -> dict:
    return {"timestamp": timestamp, "sampledValue": list(sampled)}


def transaction_event(
    event_type: str, seq_no: int, *meter_values: dict, trigger: str = "MeterValuePeriodic", **fields: object
) -> list:
    """A TransactionEvent CALL of transaction TX-0001 on EVSE 1; `info` entries go to transactionInfo."""
    info = {"transactionId": "TX-0001", **fields.pop("info", {})}
    payload = {
        "eventType": event_type,
        "timestamp": "2026-11-23T09:59:55Z",
        "triggerReason": trigger,
        "seqNo": seq_no,
        "transactionInfo": info,
        **fields,
    }
    if meter_values:
        payload["meterValue"] = list(meter_values)
    return [2, f"te-{seq_no}", "TransactionEvent", payload]
