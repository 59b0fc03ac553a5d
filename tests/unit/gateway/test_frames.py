"""read_frame classifies anything a station sends without raising; every fault has its CALLERROR code per version."""

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.gateway.frames import (
    OCPP16,
    OCPP201,
    UNREADABLE_ID,
    Fault,
    call_error,
    call_result,
    error_code,
    read_frame,
)

OCPP16_CODES = {"NotImplemented", "NotSupported", "InternalError", "ProtocolError", "SecurityError",
                "FormationViolation", "PropertyConstraintViolation", "OccurenceConstraintViolation",
                "TypeConstraintViolation", "GenericError"}  # fmt: skip
OCPP201_CODES = {"FormatViolation", "GenericError", "InternalError", "MessageTypeNotSupported", "NotImplemented",
                 "NotSupported", "OccurrenceConstraintViolation", "PropertyConstraintViolation", "ProtocolError",
                 "RpcFrameworkError", "SecurityError", "TypeConstraintViolation"}  # fmt: skip


def test_valid_call_keeps_its_exact_text():
    text = '[2, "42", "MeterValues", {"connectorId": 1, "meterValue": []}]'
    frame = read_frame(text)
    assert (frame.kind, frame.message_id, frame.action, frame.fault) == (2, "42", "MeterValues", None)
    assert frame.payload == {"connectorId": 1, "meterValue": []}
    assert frame.message == text.encode()


def test_results_and_errors_are_read():
    assert read_frame(b'[3,"1",{"a":1}]').payload == {"a": 1}
    error = read_frame('[4,"1","GenericError","boom",{"x":1}]')
    assert (error.kind, error.payload, error.fault) == (4, {"x": 1}, None)


@pytest.mark.parametrize(
    ("text", "fault", "message_id", "action"),
    [
        ("hello", Fault.NOT_JSON, UNREADABLE_ID, None),
        ('[2, "1", "Heartbeat", {}', Fault.NOT_JSON, UNREADABLE_ID, None),
        ('{"a": 1}', Fault.NOT_RPC, UNREADABLE_ID, None),
        ("[2]", Fault.NOT_RPC, UNREADABLE_ID, None),
        ('[5, "9", "Heartbeat", {}]', Fault.MESSAGE_TYPE, "9", None),
        ('[true, "9", "Heartbeat", {}]', Fault.MESSAGE_TYPE, "9", None),
        ('[2, 17, "Heartbeat", {}]', Fault.NOT_RPC, UNREADABLE_ID, "Heartbeat"),
        ('[2, "' + "x" * 65 + '", "Heartbeat", {}]', Fault.NOT_RPC, UNREADABLE_ID, "Heartbeat"),
        ('[2, "9", "Heartbeat"]', Fault.NOT_RPC, "9", "Heartbeat"),
        ('[2, "9", "Heartbeat", []]', Fault.NOT_RPC, "9", "Heartbeat"),
        ('[2, "9", "", {}]', Fault.NOT_RPC, "9", None),
        ('[3, "9"]', Fault.NOT_RPC, "9", None),
        ('[4, "9", "X", 3, {}]', Fault.NOT_RPC, "9", None),
    ],
)
def test_faults_with_what_could_be_read(text, fault, message_id, action):
    frame = read_frame(text)
    assert (frame.fault, frame.message_id, frame.action) == (fault, message_id, action)
    assert frame.detail


def test_text_that_is_not_json_is_published_as_a_json_string():
    assert orjson.loads(read_frame("not json").message) == "not json"
    assert orjson.loads(read_frame(b"\xff\xfe[").message) == "\ufffd\ufffd["


def test_codes_follow_each_versions_spelling():
    assert error_code(OCPP16, Fault.NOT_JSON) == "FormationViolation"
    assert error_code(OCPP201, Fault.NOT_JSON) == "RpcFrameworkError"
    assert error_code(OCPP16, Fault.OCCURRENCE) == "OccurenceConstraintViolation"
    assert error_code(OCPP201, Fault.OCCURRENCE) == "OccurrenceConstraintViolation"
    assert error_code(OCPP201, Fault.MESSAGE_TYPE) == "MessageTypeNotSupported"
    assert error_code(OCPP16, Fault.UNKNOWN_ACTION) == "NotImplemented"
    assert error_code(OCPP16, Fault.CSMS_ACTION) == "NotSupported"
    assert {error_code(OCPP16, fault) for fault in Fault} <= OCPP16_CODES
    assert {error_code(OCPP201, fault) for fault in Fault} <= OCPP201_CODES


def test_call_error_and_result_are_valid_ocpp_j():
    error = orjson.loads(call_error(OCPP16, "7", Fault.WRONG_TYPE, "x" * 400))
    assert error[:3] == [4, "7", "TypeConstraintViolation"] and len(error[3]) == 255 and error[4] == {}
    assert orjson.loads(call_error(OCPP201, "7", Fault.INTERNAL, ""))[3] == "internal error"
    assert orjson.loads(call_result("7", {"status": "Accepted"})) == [3, "7", {"status": "Accepted"}]


@given(st.one_of(st.text(), st.binary()))
def test_anything_is_classified_and_publishable(raw):
    frame = read_frame(raw)
    orjson.loads(frame.message)  # always JSON the envelope can embed
    assert (frame.fault is None) == (frame.kind is not None and frame.payload is not None)


@given(
    st.sampled_from([2, 3, 4, 5, "2", None]),
    st.one_of(st.text(max_size=70), st.integers(-9, 9)),
    st.lists(
        st.one_of(st.text(max_size=10), st.dictionaries(st.text(max_size=3), st.integers(-9, 9), max_size=2)),
        max_size=4,
    ),
)
def test_every_unreadable_array_gets_a_fault(kind, message_id, rest):
    frame = read_frame(orjson.dumps([kind, message_id, *rest]))
    if frame.fault is None:
        assert frame.kind in (2, 3, 4) and frame.message_id == message_id and isinstance(frame.payload, dict)
    else:
        assert frame.detail
