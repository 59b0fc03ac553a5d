"""A small share of broken traffic, one class per dead-letter reason the pipeline must recognize."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from jobs.simulate.frames import UPSTREAM, SimFrame, envelope, iso_seconds
from jobs.simulate.station import Station
from pipelines.ingest.models import DeadLetterClass

UNKNOWN_TRANSACTION_BASE = 1_999_000_000  # far above any counter the simulated central system reaches
UNKNOWN_ACTIONS = ("GetBatteryHealth", "VendorPing")  # in neither OCPP 1.6 nor 2.0.1


def add_bad_frames(rng: random.Random, frames: list[SimFrame], stations: list[Station], share: float) -> list[str]:
    """Append round(len(frames) * share) bad frames spread over the day; returns their classes in order."""
    count = round(len(frames) * share)
    if count == 0 or not frames:
        return []
    first, last = min(frame.at for frame in frames), max(frame.at for frame in frames)
    classes = list(BUILDERS)
    made: list[str] = []
    for n in range(count):
        error_class = classes[n % len(classes)]
        station = rng.choice(stations)
        at = (first + (last - first) * rng.random()).replace(microsecond=rng.randrange(0, 1_000_000, 1000))
        frames.append(BUILDERS[error_class](rng, station, at, n))
        made.append(error_class.value)
    return made


def _message_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _frame(station: Station, at: datetime, action: str, message: list[Any]) -> SimFrame:
    value = envelope(station.charge_point_id, station.tenant_id, at, UPSTREAM, action, message)
    return SimFrame(at, station.charge_point_id.encode(), value)


def _not_json(rng: random.Random, station: Station, at: datetime, n: int) -> SimFrame:
    whole = _frame(station, at, "Heartbeat", [2, _message_id(rng), "Heartbeat", {}]).value
    broken = (
        whole[: rng.randint(10, len(whole) - 2)] if n // len(BUILDERS) % 2 else b"\x00\x17 gateway buffer overrun \xff"
    )
    return SimFrame(at, station.charge_point_id.encode(), broken)


def schema_violations(at: datetime) -> tuple[tuple[str, dict[str, Any]], ...]:
    """(action, payload) pairs that break the OCPP schemas of 1.6 and of 2.0.1 alike."""
    return (
        ("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Charing"}),
        ("StatusNotification", {"connectorId": 1, "status": "Available"}),  # errorCode is required
        (
            "MeterValues",
            {"connectorId": "1", "meterValue": [{"timestamp": iso_seconds(at), "sampledValue": [{"value": "1"}]}]},
        ),
        ("Heartbeat", {"uptime": 3600}),  # no additional properties allowed
    )


def _schema_violation(rng: random.Random, station: Station, at: datetime, n: int) -> SimFrame:
    variants = schema_violations(at)
    action, payload = variants[n // len(BUILDERS) % len(variants)]
    return _frame(station, at, action, [2, _message_id(rng), action, payload])


def _unknown_action(rng: random.Random, station: Station, at: datetime, n: int) -> SimFrame:
    action = UNKNOWN_ACTIONS[n % len(UNKNOWN_ACTIONS)]
    return _frame(station, at, action, [2, _message_id(rng), action, {"connectorId": 1}])


def _unknown_transaction(rng: random.Random, station: Station, at: datetime, n: int) -> SimFrame:
    payload = {"transactionId": UNKNOWN_TRANSACTION_BASE + n, "meterStop": rng.randint(1000, 90_000),
               "timestamp": iso_seconds(at), "reason": "EVDisconnected"}  # fmt: skip
    return _frame(station, at, "StopTransaction", [2, _message_id(rng), "StopTransaction", payload])


BUILDERS: dict[DeadLetterClass, Callable[[random.Random, Station, datetime, int], SimFrame]] = {
    DeadLetterClass.NOT_JSON: _not_json,
    DeadLetterClass.SCHEMA_VIOLATION: _schema_violation,
    DeadLetterClass.UNKNOWN_ACTION: _unknown_action,
    DeadLetterClass.UNKNOWN_TRANSACTION: _unknown_transaction,
}
