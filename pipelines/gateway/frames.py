"""OCPP-J frames as read off the wire, and the CALLERROR each kind of fault gets in OCPP 1.6 and 2.0.1."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import orjson

from pipelines.ingest.envelope import CALL, CALLERROR, CALLRESULT, MAX_MESSAGE_ID_CHARS

OCPP16 = "ocpp1.6"
OCPP201 = "ocpp2.0.1"
SUBPROTOCOLS = (OCPP16, OCPP201)  # WebSocket subprotocol names, also the envelope's `protocol`
UNREADABLE_ID = "-1"  # the message id a CALLERROR carries when the frame's own id cannot be read
UNKNOWN_ACTION = "Unknown"  # envelope action of frames whose action cannot be known (garbage, stray results)
MAX_DESCRIPTION_CHARS = 255  # OCPP-J errorDescription limit


class Fault(StrEnum):
    """Why a station's frame gets a CALLERROR instead of an answer."""

    NOT_JSON = "not JSON"
    NOT_RPC = "not an OCPP-J frame"
    MESSAGE_TYPE = "unknown message type"
    UNKNOWN_ACTION = "unknown action"
    CSMS_ACTION = "action not sent by stations"
    NOT_ACCEPTED = "station not accepted"
    MISSING_FIELD = "required field missing"
    UNEXPECTED_FIELD = "field not in the schema"
    WRONG_TYPE = "field of the wrong type"
    BAD_VALUE = "field value not allowed"
    OCCURRENCE = "too many or too few items"
    INTERNAL = "internal error"


# (OCPP 1.6 code, OCPP 2.0.1 code). 1.6 keeps its spec's spellings FormationViolation and OccurenceConstraintViolation;
# 2.0.1 has dedicated codes for unreadable frames (RpcFrameworkError) and message types (MessageTypeNotSupported).
_CODES: dict[Fault, tuple[str, str]] = {
    Fault.NOT_JSON: ("FormationViolation", "RpcFrameworkError"),
    Fault.NOT_RPC: ("FormationViolation", "RpcFrameworkError"),
    Fault.MESSAGE_TYPE: ("FormationViolation", "MessageTypeNotSupported"),
    Fault.UNKNOWN_ACTION: ("NotImplemented", "NotImplemented"),
    Fault.CSMS_ACTION: ("NotSupported", "NotSupported"),
    Fault.NOT_ACCEPTED: ("SecurityError", "SecurityError"),
    Fault.MISSING_FIELD: ("ProtocolError", "ProtocolError"),
    Fault.UNEXPECTED_FIELD: ("FormationViolation", "FormatViolation"),
    Fault.WRONG_TYPE: ("TypeConstraintViolation", "TypeConstraintViolation"),
    Fault.BAD_VALUE: ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    Fault.OCCURRENCE: ("OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
    Fault.INTERNAL: ("InternalError", "InternalError"),
}


def error_code(protocol: str, fault: Fault) -> str:
    v16, v201 = _CODES[fault]
    return v16 if protocol == OCPP16 else v201


@dataclass(frozen=True, slots=True)
class Inbound:
    """One frame from a station: what could be read of it, the JSON to publish, and its fault if any."""

    message: bytes  # JSON for the envelope: the frame text itself, or a JSON string holding text that is not JSON
    kind: int | None = None  # CALL, CALLRESULT or CALLERROR when readable
    message_id: str = UNREADABLE_ID
    action: str | None = None  # a CALL's action
    payload: dict | None = None
    fault: Fault | None = None
    detail: str = ""


def read_frame(raw: str | bytes) -> Inbound:
    """Classify one WebSocket message; never raises. A valid JSON text is published byte for byte."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        text = data.decode("utf-8", "replace")
        return Inbound(orjson.dumps(text), fault=Fault.NOT_JSON, detail=f"not JSON: {error}")
    if type(doc) is not list or len(doc) < 2:
        return Inbound(data, fault=Fault.NOT_RPC, detail="an OCPP-J frame is a JSON array [type, id, ...]")
    kind, message_id = doc[0], _readable_id(doc[1])
    if type(kind) is not int or kind not in (CALL, CALLRESULT, CALLERROR):
        return Inbound(data, None, message_id, fault=Fault.MESSAGE_TYPE, detail=f"message type {str(kind)[:20]}")
    action = doc[2] if kind == CALL and len(doc) > 2 and type(doc[2]) is str and doc[2] else None
    problem = _shape_problem(doc, kind, message_id)
    if problem:
        return Inbound(data, kind, message_id, action, fault=Fault.NOT_RPC, detail=problem)
    payload = doc[3] if kind == CALL else doc[2] if kind == CALLRESULT else doc[4]
    return Inbound(data, kind, message_id, action, payload)


def _readable_id(value: object) -> str:
    return value if type(value) is str and 0 < len(value) <= MAX_MESSAGE_ID_CHARS else UNREADABLE_ID


def _shape_problem(doc: list, kind: int, message_id: str) -> str | None:
    if message_id == UNREADABLE_ID:
        return f"message id must be a string of 1..{MAX_MESSAGE_ID_CHARS} characters"
    if kind == CALL and not (len(doc) == 4 and type(doc[2]) is str and doc[2] and type(doc[3]) is dict):
        return "a CALL is [2, id, action, {payload}]"
    if kind == CALLRESULT and not (len(doc) == 3 and type(doc[2]) is dict):
        return "a CALLRESULT is [3, id, {payload}]"
    if kind == CALLERROR and not (
        len(doc) == 5 and type(doc[2]) is str and type(doc[3]) is str and type(doc[4]) is dict
    ):
        return "a CALLERROR is [4, id, code, description, {details}]"
    return None


def call_error(protocol: str, message_id: str, fault: Fault, detail: str) -> str:
    """The CALLERROR text answering a frame with this fault."""
    description = (detail or str(fault))[:MAX_DESCRIPTION_CHARS]
    return orjson.dumps([CALLERROR, message_id, error_code(protocol, fault), description, {}]).decode()


def call_result(message_id: str, payload: dict) -> str:
    return orjson.dumps([CALLRESULT, message_id, payload]).decode()
