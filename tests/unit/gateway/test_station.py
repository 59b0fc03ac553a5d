"""A station's frames through the gateway's ChargePoint classes: answers, CALLERRORs and what gets published.

The connection and the publisher are small recorders of our own interfaces; Kafka is in the integration test.
"""

import asyncio

import orjson
import pytest
from ocpp.exceptions import NotSupportedError
from ocpp.v16 import call as call16

from pipelines.gateway.frames import OCPP16, OCPP201, UNKNOWN_ACTION
from pipelines.gateway.station import GatewayContext, Station16, Station201
from pipelines.gateway.txids import TransactionIds
from tests.unit.gateway.fixtures import NOW, gateway_catalog
from tests.unit.gateway.schemas_util import assert_valid_response


class Wire:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, text: str) -> None:
        self.sent.append(text)


class Published:
    def __init__(self) -> None:
        self.records: list[tuple[bytes, dict]] = []

    def publish(self, key: bytes, value: bytes) -> None:
        self.records.append((key, orjson.loads(value)))


@pytest.fixture
def context(tmp_path):
    ids = TransactionIds(tmp_path / "ids", NOW)
    yield GatewayContext(gateway_catalog(), Published(), ids, heartbeat_s=300, clock=lambda: NOW)
    ids.close()


async def exchange(station, frame) -> list:
    wire = station._connection
    before = len(wire.sent)
    await station.route_message(frame if isinstance(frame, str) else orjson.dumps(frame).decode())
    assert len(wire.sent) == before + 1, "every CALL gets exactly one answer"
    return orjson.loads(wire.sent[-1])


async def test_ocpp16_session_answers(context):
    cp = Station16("CP-1", Wire(), context)
    boot = await exchange(cp, [2, "1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}])
    assert boot == [3, "1", {"currentTime": "2026-11-23T10:00:00.123Z", "interval": 300, "status": "Accepted"}]
    start = {"connectorId": 1, "idTag": "gone", "meterStart": 0, "timestamp": "2026-11-23T10:00:00Z"}
    first = await exchange(cp, [2, "2", "StartTransaction", start])
    second = await exchange(cp, [2, "3", "StartTransaction", {**start, "idTag": "OK"}])
    assert first[2]["idTagInfo"] == {"status": "Blocked"} and second[2]["idTagInfo"] == {"status": "Accepted"}
    assert second[2]["transactionId"] == first[2]["transactionId"] + 1
    stop = {"transactionId": 1, "meterStop": 10, "timestamp": "2026-11-23T11:00:00Z"}
    assert (await exchange(cp, [2, "4", "StopTransaction", stop]))[2] == {}
    assert (await exchange(cp, [2, "5", "StopTransaction", {**stop, "idTag": "OLD"}]))[2] == {
        "idTagInfo": {"status": "Expired"}
    }
    actions = ["BootNotification", "StartTransaction", "StartTransaction", "StopTransaction", "StopTransaction"]
    for action, frame in zip(actions, cp._connection.sent, strict=True):
        assert_valid_response(OCPP16, action, orjson.loads(frame)[2])


@pytest.mark.parametrize(
    ("uid", "v16", "v201"),
    [
        ("OK", "Accepted", "Accepted"),
        ("card-MIXED", "Accepted", "Accepted"),
        ("GONE", "Blocked", "Blocked"),
        ("OLD", "Expired", "Expired"),
        ("LAPSED", "Expired", "Expired"),
        ("OTHER", "Invalid", "Unknown"),  # another tenant's token
        ("NOBODY", "Invalid", "Unknown"),
    ],
)
async def test_authorize_from_the_token_catalog(context, uid, v16, v201):
    answer16 = await exchange(Station16("CP-1", Wire(), context), [2, "a", "Authorize", {"idTag": uid}])
    assert answer16[2]["idTagInfo"]["status"] == v16
    id_token = {"idToken": uid, "type": "ISO14443"}
    answer201 = await exchange(Station201("CP-1", Wire(), context), [2, "a", "Authorize", {"idToken": id_token}])
    assert answer201[2]["idTokenInfo"]["status"] == v201
    assert_valid_response(OCPP201, "Authorize", answer201[2])


async def test_accepted_token_with_expiry_is_cacheable_until_then(context):
    answer = await exchange(Station201("CP-1", Wire(), context), [2, "a", "Authorize", {"idToken": {
        "idToken": "UNTIL-2027", "type": "ISO14443"}}])  # fmt: skip
    assert answer[2]["idTokenInfo"] == {"status": "Accepted", "cacheExpiryDateTime": "2027-01-01T00:00:00.000Z"}


async def test_ocpp201_transaction_event_answers_id_token_only_when_present(context):
    cp = Station201("CP-1", Wire(), context)
    event = {"eventType": "Started", "timestamp": "2026-11-23T10:00:00Z", "triggerReason": "Authorized", "seqNo": 0,
             "transactionInfo": {"transactionId": "tx-1"}}  # fmt: skip
    with_token = await exchange(
        cp, [2, "1", "TransactionEvent", {**event, "idToken": {"idToken": "GONE", "type": "ISO14443"}}]
    )
    assert with_token[2] == {"idTokenInfo": {"status": "Blocked"}}
    assert (await exchange(cp, [2, "2", "TransactionEvent", {**event, "eventType": "Updated"}]))[2] == {}
    heartbeat = await exchange(cp, [2, "3", "Heartbeat", {}])
    assert_valid_response(OCPP201, "Heartbeat", heartbeat[2])
    report = await exchange(cp, [2, "4", "NotifyReport", {"requestId": 1, "generatedAt": "2026-11-23T10:00:00Z",
                                                             "seqNo": 0}])  # fmt: skip
    assert report == [3, "4", {}]
    assert (await exchange(cp, [2, "5", "DataTransfer", {"vendorId": "ACME"}]))[2] == {"status": "UnknownVendorId"}


@pytest.mark.parametrize(
    ("protocol", "frame", "code", "message_id"),
    [
        (OCPP16, "garbage", "FormationViolation", "-1"),
        (OCPP201, "garbage", "RpcFrameworkError", "-1"),
        (OCPP201, '[7, "9", "Heartbeat", {}]', "MessageTypeNotSupported", "9"),
        (OCPP16, '[2, "9", "Heartbeat"]', "FormationViolation", "9"),
        (OCPP16, '[2, "9", "Teleport", {}]', "NotImplemented", "9"),
        (OCPP16, '[2, "9", "Reset", {"type": "Hard"}]', "NotSupported", "9"),
        (OCPP16, '[2, "9", "Heartbeat", {"extra": 1}]', "FormationViolation", "9"),
        (OCPP201, '[2, "9", "Heartbeat", {"extra": 1}]', "FormatViolation", "9"),
        (OCPP16, '[2, "9", "Authorize", {}]', "ProtocolError", "9"),
        (OCPP16, '[2, "9", "Authorize", {"idTag": 5}]', "TypeConstraintViolation", "9"),
        (OCPP16, '[2, "9", "StatusNotification", {"connectorId": 1, "errorCode": "Bad", "status": "Available"}]',
         "PropertyConstraintViolation", "9"),
    ],
)  # fmt: skip
async def test_bad_frames_get_their_callerror_and_the_connection_goes_on(context, protocol, frame, code, message_id):
    cp = (Station16 if protocol == OCPP16 else Station201)("CP-1", Wire(), context)
    error = await exchange(cp, frame)
    assert error[:3] == [4, message_id, code] and error[3] and error[4] == {}
    assert (await exchange(cp, [2, "next", "Heartbeat", {}]))[:2] == [3, "next"]


async def test_unknown_station_is_rejected_and_refused_with_security_error(context):
    for station in (Station16("CP-NEW", Wire(), context), Station201("SHARED", Wire(), context)):
        boot = await exchange(station, [2, "1", "BootNotification", boot_payload(station.protocol)])
        assert boot[2]["status"] == "Rejected" and boot[2]["interval"] == 60
        assert (await exchange(station, [2, "2", "Heartbeat", {}]))[:3] == [4, "2", "SecurityError"]
    tenants = {record["tenant_id"] for _, record in context.publisher.records}
    assert tenants == {None}


def boot_payload(protocol: str) -> dict:
    if protocol == OCPP16:
        return {"chargePointVendor": "V", "chargePointModel": "M"}
    return {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}}


async def test_every_frame_is_published_both_ways_with_the_answered_action(context):
    cp = Station16("CP-1", Wire(), context)
    await exchange(cp, [2, "1", "Heartbeat", {}])
    await exchange(cp, "[2, 1, 2]")
    await cp.route_message('[3, "stray", {}]')  # a result nobody asked for: published, not answered
    meter = {"connectorId": 1, "meterValue": [{"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [{"value": "5"}]}]}
    await exchange(cp, [2, "2", "MeterValues", meter])
    published = [(key, r["direction"], r["action"], r["message"]) for key, r in context.publisher.records]
    assert published[5:] == [
        (b"CP-1", "upstream", "MeterValues", [2, "2", "MeterValues", meter]),
        (b"CP-1", "downstream", "MeterValues", [3, "2", {}]),
    ]
    assert published[0] == (b"CP-1", "upstream", "Heartbeat", [2, "1", "Heartbeat", {}])
    assert published[1][:3] == (b"CP-1", "downstream", "Heartbeat") and published[1][3][:2] == [3, "1"]
    assert published[2] == (b"CP-1", "upstream", UNKNOWN_ACTION, [2, 1, 2])
    assert published[3][1:3] == ("downstream", UNKNOWN_ACTION) and published[3][3][:2] == [4, "-1"]
    assert published[4] == (b"CP-1", "upstream", UNKNOWN_ACTION, [3, "stray", {}])
    assert len(cp._connection.sent) == 3
    assert {r["tenant_id"] for _, r in context.publisher.records} == {"t1"}
    assert {r["received_at"] for _, r in context.publisher.records} == {"2026-11-23T10:00:00.123Z"}


async def test_a_failing_handler_answers_internal_error(context, monkeypatch):
    cp = Station16("CP-1", Wire(), context)
    monkeypatch.setattr(context.transaction_ids, "next", lambda: 1 / 0)
    start = {"connectorId": 1, "idTag": "OK", "meterStart": 0, "timestamp": "2026-11-23T10:00:00Z"}
    assert (await exchange(cp, [2, "1", "StartTransaction", start]))[:3] == [4, "1", "InternalError"]


async def test_central_system_calls_get_their_results_and_are_published_with_their_action(context):
    cp = Station16("CP-1", Wire(), context)

    async def answered(payload, answer):
        task = asyncio.create_task(cp.call(payload, suppress=False))
        while not cp._connection.sent or orjson.loads(cp._connection.sent[-1])[0] != 2:
            await asyncio.sleep(0.001)
        message_id = orjson.loads(cp._connection.sent.pop())[1]
        await cp.route_message(orjson.dumps([answer[0], message_id, *answer[1:]]).decode())
        return await task

    config = await answered(call16.GetConfiguration(key=["HeartbeatInterval"]), [3, {"unknownKey": ["x"]}])
    assert config.unknown_key == ["x"]
    with pytest.raises(NotSupportedError):
        await answered(call16.Reset(type="Soft"), [4, "NotSupported", "no", {}])
    actions = [(r["direction"], r["action"], r["message"][0]) for _, r in context.publisher.records]
    assert actions == [("downstream", "GetConfiguration", 2), ("upstream", "GetConfiguration", 3),
                       ("downstream", "Reset", 2), ("upstream", "Reset", 4)]  # fmt: skip
