"""ingest_frame: one Kafka record value in, its charging events or one dead letter out; never raises.

Order of checks, cheapest first: size (before parsing), JSON, envelope, protocol (ocpp1.6 or ocpp2.0.1), OCPP-J
frame, action and direction, schema (the version's official schemas, compiled; the full error report only for
rejects), then values no meter can produce (normalize for 1.6, normalize_v201 for 2.0.1). A 1.6 MeterValues CALL,
most of all traffic, first tries fast_meter_values, which does schema check and normalizing in one pass and hands
anything unusual back to the two steps above.
"""

from __future__ import annotations

from datetime import datetime
from hashlib import blake2b

import orjson

from pipelines.ingest.envelope import (
    CALL,
    CALLERROR,
    MAX_FRAME_BYTES,
    Envelope,
    Frame,
    IngestError,
    parse_envelope,
    parse_frame,
    parse_timestamp,
)
from pipelines.ingest.events import call_error_event
from pipelines.ingest.fast_meter_values import meter_values_v16
from pipelines.ingest.models import ChargingEvent, DeadLetter, DeadLetterClass
from pipelines.ingest.normalize import normalize
from pipelines.ingest.normalize_v201 import normalize_v201
from pipelines.ingest.schemas import ActionSchemas, ocpp16_schemas, ocpp201_schemas, schema_problems

STAGE = "ingest"
OCPP16 = "ocpp1.6"
OCPP201 = "ocpp2.0.1"
# protocol -> (its actions' schemas, its normalizer, its name in reasons, its CALLs' one-pass fast paths by action)
_PROTOCOLS = {
    OCPP16: (ocpp16_schemas(), normalize, "OCPP 1.6", {"MeterValues": meter_values_v16}),
    OCPP201: (ocpp201_schemas(), normalize_v201, "OCPP 2.0.1", {}),
}


def ingest_frame(
    raw: bytes, *, source_topic: str, partition: int, offset: int, read_at: datetime
) -> list[ChargingEvent] | DeadLetter:
    """The events of one inbound record, or the dead letter saying why there are none."""
    doc = None
    try:
        if len(raw) > MAX_FRAME_BYTES:
            raise IngestError(DeadLetterClass.TOO_LARGE, f"frame of {len(raw)} bytes exceeds {MAX_FRAME_BYTES}")
        doc = _decode(raw)
        env = parse_envelope(doc, read_at)
        return _events(env)
    except IngestError as error:
        return dead_letter(raw, error.error_class, error.reason, doc, source_topic, partition, offset, read_at)
    except Exception as error:  # a defect here must not stop the worker; the frame is kept with the cause
        reason = f"internal error {type(error).__name__}: {str(error)[:200]}"
        return dead_letter(raw, DeadLetterClass.BAD_FRAME, reason, doc, source_topic, partition, offset, read_at)


def _decode(raw: bytes) -> dict:
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise IngestError(DeadLetterClass.NOT_JSON, f"not JSON: {str(error)[:200]}") from None
    if type(doc) is not dict:
        raise IngestError(DeadLetterClass.NOT_JSON, f"JSON {type(doc).__name__} where an envelope object belongs")
    return doc


def _events(env: Envelope) -> list[ChargingEvent]:
    protocol = _PROTOCOLS.get(env.protocol)
    if protocol is None:
        reason = f"protocol {env.protocol[:40]!r} is not {OCPP16} or {OCPP201}"
        raise IngestError(DeadLetterClass.UNKNOWN_PROTOCOL, reason)
    actions, normalizer, name, fast_calls = protocol
    frame = parse_frame(env)
    schemas = actions.get(env.action)
    if schemas is None:
        if frame.message_type == CALLERROR:  # the answer to a frame nobody could read names no known action
            return [call_error_event(env, frame)]
        raise IngestError(DeadLetterClass.UNKNOWN_ACTION, f"{env.action[:60]!r} is not an {name} action")
    _check_direction(env, frame, schemas)
    if frame.message_type == CALL:
        fast = fast_calls.get(env.action)
        if fast is not None:  # None from it: unusual or invalid, the schema check and normalizer say what
            events = fast(env, frame)
            if events is not None:
                return events
    if frame.message_type != CALLERROR:
        _check_schema(env, frame, schemas)
    return normalizer(env, frame)


def _check_direction(env: Envelope, frame: Frame, schemas: ActionSchemas) -> None:
    """A CALL travels the way its action is sent; its CALLRESULT or CALLERROR travels back."""
    call_direction = schemas.call_direction
    if call_direction is None:
        return
    expected = call_direction if frame.message_type == CALL else _OPPOSITE[call_direction]
    if env.direction != expected:
        sender = "station" if call_direction == "upstream" else "central system"
        raise IngestError(
            DeadLetterClass.BAD_FRAME,
            f"{env.action} is called by the {sender}, so its message type {frame.message_type} travels {expected}, "
            f"not {env.direction}",
        )


_OPPOSITE = {"upstream": "downstream", "downstream": "upstream"}


def _check_schema(env: Envelope, frame: Frame, schemas: ActionSchemas) -> None:
    is_call = frame.message_type == CALL
    check = schemas.check_request if is_call else schemas.check_response
    if check(frame.payload):
        return
    schema = schemas.request if is_call else schemas.response
    problems = schema_problems(schema, frame.payload)
    if problems:  # the reporting validator is the reference; with no problem found, the payload is valid
        kind = "request" if is_call else "response"
        raise IngestError(DeadLetterClass.SCHEMA_VIOLATION, f"{env.action} {kind}: " + "; ".join(problems))


def dead_letter(
    raw: bytes,
    error_class: DeadLetterClass,
    reason: str,
    doc: object,
    source_topic: str,
    partition: int,
    offset: int,
    read_at: datetime,
) -> DeadLetter:
    """The dead letter of a frame, keeping tenant, charge point and receive time when they are readable."""
    original = bytes(raw) if isinstance(raw, bytes | bytearray | memoryview) else str(raw).encode()
    tenant = cp = None
    received_at = read_at
    if type(doc) is dict:
        tenant = _short_string(doc.get("tenant_id"))
        cp = _short_string(doc.get("charge_point_id"))
        received_text = doc.get("received_at")
        parsed = parse_timestamp(received_text) if type(received_text) is str else None
        received_at = parsed or read_at
    return DeadLetter(
        # Where the frame was read is part of the id: a replayed batch maps onto the same rows, while a
        # gateway sending the same garbage twice is recorded twice, as two frames were received.
        dead_letter_id=blake2b(
            f"{STAGE}\x00{source_topic}\x00{partition}\x00{offset}\x00".encode() + original, digest_size=16
        ).hexdigest(),
        stage=STAGE,
        error_class=error_class,
        reason=reason,
        original=original,
        received_at=received_at,
        tenant_id=tenant,
        charge_point_id=cp,
        source_topic=source_topic,
        source_partition=partition,
        source_offset=offset,
    )


def _short_string(value: object) -> str | None:
    return value if type(value) is str and 0 < len(value) <= 255 else None
