"""Planted bad frames as a station puts them on the socket: not JSON, the wrong shape, schema violations, unknown
actions and a StopTransaction for a transaction nobody started. The gateway answers; the station carries on.

Each kind earns one dead letter for the station's frame. Text that is not JSON reaches Kafka as a JSON string in
the envelope (the envelope must stay JSON), so ingest calls it a bad frame, like the wrongly shaped ones.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import orjson

from jobs.simulate.badframes import UNKNOWN_ACTIONS, UNKNOWN_TRANSACTION_BASE, schema_violations
from jobs.simulate.frames import iso_seconds
from jobs.simulate.live.steps import OCPP16, RawText, Step
from pipelines.ingest.models import DeadLetterClass


def plant(rng: random.Random, steps: dict[str, list[Step]], protocols: dict[str, str], count: int) -> list[str]:
    """Add `count` bad frames to the stations' steps, each within its station's day; returns their kinds in order.

    A StopTransaction for an unknown transaction only makes sense in 1.6, so only 1.6 stations send those.
    """
    stations = sorted(cp for cp, script in steps.items() if script)
    if count == 0 or not stations:
        return []
    speaks_16 = [cp for cp in stations if protocols[cp] == OCPP16]
    kinds = [kind for kind in KINDS if speaks_16 or kind != UNKNOWN_TRANSACTION]
    made: list[str] = []
    for n in range(count):
        kind = kinds[n % len(kinds)]
        cp = rng.choice(speaks_16 if kind == UNKNOWN_TRANSACTION else stations)
        first, last = min(step.at for step in steps[cp]), max(step.at for step in steps[cp])
        at = first + timedelta(seconds=int((last - first).total_seconds() * rng.random()))
        error_class, build = KINDS[kind]
        steps[cp].append(Step(at, RawText(build(rng, at, n // len(kinds)), error_class, kind)))
        made.append(kind)
    return made


def _message_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _json(message: object) -> str:
    return orjson.dumps(message).decode()


def _not_json(rng: random.Random, at: datetime, n: int) -> str:
    whole = _json([2, _message_id(rng), "Heartbeat", {}])
    return whole[: rng.randint(10, len(whole) - 2)] if n % 2 else "\x17 modem buffer overrun AT+CIPSEND"


def _wrong_shape(rng: random.Random, at: datetime, n: int) -> str:
    variants = (
        [2, _message_id(rng), "Heartbeat"],  # a CALL without its payload
        {"messageTypeId": 2, "action": "Heartbeat", "payload": {}},  # an object where OCPP-J has an array
        [7, _message_id(rng), "Heartbeat", {}],  # no such message type
    )
    return _json(variants[n % len(variants)])


def _schema_violation(rng: random.Random, at: datetime, n: int) -> str:
    variants = schema_violations(at)
    action, payload = variants[n % len(variants)]
    return _json([2, _message_id(rng), action, payload])


def _unknown_action(rng: random.Random, at: datetime, n: int) -> str:
    action = UNKNOWN_ACTIONS[n % len(UNKNOWN_ACTIONS)]
    return _json([2, _message_id(rng), action, {"connectorId": 1}])


def _unknown_transaction(rng: random.Random, at: datetime, n: int) -> str:
    payload = {"transactionId": UNKNOWN_TRANSACTION_BASE + n, "meterStop": rng.randint(1000, 90_000),
               "timestamp": iso_seconds(at), "reason": "EVDisconnected"}  # fmt: skip
    return _json([2, _message_id(rng), "StopTransaction", payload])


UNKNOWN_TRANSACTION = "unknown transaction"
KINDS: dict[str, tuple[DeadLetterClass, Callable[[random.Random, datetime, int], str]]] = {
    "not JSON": (DeadLetterClass.BAD_FRAME, _not_json),
    "wrong shape": (DeadLetterClass.BAD_FRAME, _wrong_shape),
    "schema violation": (DeadLetterClass.SCHEMA_VIOLATION, _schema_violation),
    "unknown action": (DeadLetterClass.UNKNOWN_ACTION, _unknown_action),
    UNKNOWN_TRANSACTION: (DeadLetterClass.UNKNOWN_TRANSACTION, _unknown_transaction),
}
