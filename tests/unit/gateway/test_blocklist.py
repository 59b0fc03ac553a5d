"""The blocklist (catalog.blocklist, written by operators and by token-misuse flags): the gateway answers Blocked."""

import asyncio

import orjson
import pytest

from pipelines.gateway.decisions import Verdict, authorize
from pipelines.gateway.station import GatewayContext, Station16, Station201
from pipelines.gateway.txids import TransactionIds
from tests.unit.gateway.fixtures import NOW, gateway_catalog
from tests.unit.gateway.test_station import Published, Wire, exchange


def entry(uid: str, tenant: str = "t1") -> tuple[bytes, bytes]:
    return f"{tenant}/{uid}".encode(), orjson.dumps({"uid": uid, "tenant_id": tenant, "reason": "concurrent_token_use"})


def test_a_blocklisted_token_is_blocked_whatever_its_catalog_status() -> None:
    view = gateway_catalog()
    ok = view.token_by_uid("t1", "OK")
    assert authorize(ok, NOW, blocklisted=True) is Verdict.BLOCKED
    assert authorize(None, NOW, blocklisted=True) is Verdict.BLOCKED
    assert authorize(ok, NOW) is Verdict.ACCEPTED


def test_the_blocklist_index_is_per_tenant_case_insensitive_and_follows_tombstones() -> None:
    view = gateway_catalog()
    assert view.apply("blocklist", *entry("Card-Mixed"))
    assert view.blocklisted("t1", "CARD-MIXED") and view.blocklisted("t1", "card-mixed")
    assert not view.blocklisted("t2", "Card-Mixed")
    assert view.apply("blocklist", b"t1/Card-Mixed", None)
    assert not view.blocklisted("t1", "Card-Mixed")


@pytest.fixture
def context(tmp_path):
    ids = TransactionIds(tmp_path / "ids", NOW)
    yield GatewayContext(gateway_catalog(), Published(), ids, heartbeat_s=300, clock=lambda: NOW)
    ids.close()


def test_authorize_start_and_transaction_event_answer_blocked(context) -> None:
    context.catalog.apply("blocklist", *entry("OK"))

    async def answers() -> list:
        cp16, cp201 = Station16("CP-1", Wire(), context), Station201("CP-1", Wire(), context)
        token = {"idToken": "OK", "type": "ISO14443"}
        start = {"connectorId": 1, "idTag": "ok", "meterStart": 0, "timestamp": "2026-11-23T10:00:00Z"}
        event = {
            "eventType": "Started",
            "timestamp": "2026-11-23T10:00:00Z",
            "triggerReason": "Authorized",
            "seqNo": 0,
            "transactionInfo": {"transactionId": "x1"},
            "idToken": token,
        }
        return [
            (await exchange(cp16, [2, "1", "Authorize", {"idTag": "OK"}]))[2]["idTagInfo"],
            (await exchange(cp16, [2, "2", "StartTransaction", start]))[2]["idTagInfo"],
            (await exchange(cp201, [2, "3", "Authorize", {"idToken": token}]))[2]["idTokenInfo"],
            (await exchange(cp201, [2, "4", "TransactionEvent", event]))[2]["idTokenInfo"],
        ]

    assert [info["status"] for info in asyncio.run(answers())] == ["Blocked"] * 4
