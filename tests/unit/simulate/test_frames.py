"""Frames: our fast payload serializer gives exactly what ocpp's ChargePoint would send."""

from datetime import UTC, datetime

import orjson
from hypothesis import given
from hypothesis import strategies as st
from ocpp.v16 import call, call_result, enums

from jobs.simulate.frames import (
    MeterSample,
    call_frame,
    envelope,
    id_tag_info,
    iso_millis,
    meter_values,
    ocpp_payload,
    ocpp_reference_payload,
    status,
)

AT = datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=UTC)


def test_fixed_messages_serialize_like_ocpp():
    messages = [
        call.BootNotification("eMH3", "ABL", charge_point_serial_number="SN-1"),
        call.Heartbeat(),
        call.StartTransaction(1, "04A2B3C4", 1200, "2026-11-23T10:00:00Z"),
        call.StopTransaction(1500, "2026-11-23T11:00:00Z", 7, enums.Reason.local, id_tag="04A2B3C4"),
        call_result.StartTransaction(7, id_tag_info(enums.AuthorizationStatus.accepted)),
        call_result.StopTransaction(id_tag_info(enums.AuthorizationStatus.accepted)),
        status(1, enums.ChargePointStatus.faulted, AT, error_code=enums.ChargePointErrorCode.ground_failure, info="x"),
    ]
    for message in messages:
        assert orjson.dumps(ocpp_payload(message)) == orjson.dumps(ocpp_reference_payload(message))


@given(
    register=st.integers(0, 10**9),
    power=st.integers(0, 400_000),
    current=st.floats(0, 500, allow_nan=False),
    soc=st.none() | st.integers(0, 100),
)
def test_meter_values_serialize_like_ocpp(register, power, current, soc):
    message = meter_values(2, 99, AT, MeterSample(register, power, current, soc))
    assert orjson.dumps(ocpp_payload(message)) == orjson.dumps(ocpp_reference_payload(message))


def test_envelope_follows_the_input_contract():
    frame = call_frame("m1", call.Heartbeat())
    value = orjson.loads(envelope("CP-1", "t1", AT, "upstream", "Heartbeat", frame))
    assert value == {
        "charge_point_id": "CP-1", "tenant_id": "t1", "protocol": "ocpp1.6", "received_at": "2026-11-23T10:00:00.123Z",
        "direction": "upstream", "action": "Heartbeat", "message": [2, "m1", "Heartbeat", {}],
    }  # fmt: skip
    assert iso_millis(AT) == "2026-11-23T10:00:00.123Z"
