"""The gateway with real `ocpp` clients of both versions over real WebSockets, publishing to the real broker.

Every envelope the gateway publishes is fed to the pipeline's own ingest, which must turn it into events.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
import yaml
from aiokafka import TopicPartition
from ocpp import v16, v201
from ocpp.exceptions import SecurityError
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from jobs.catalog_publish import publish_catalog
from pipelines.config import Settings
from pipelines.gateway.connection import WebSocketConnection, connect_station
from pipelines.gateway.frames import OCPP16, OCPP201
from pipelines.gateway.server import Gateway, serve
from pipelines.ingest.logic import ingest_frame
from pipelines.ingest.models import DeadLetter
from pipelines.streaming import kafka
from pipelines.streaming.offsets import log_end_offsets
from pipelines.streaming.topics import ensure_topics, pipeline_topic_specs
from tests.integration.pipeline_harness import CATALOG, REPO, isolated_settings

STATIONS = 50
T0 = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def write_catalog(path: Path) -> Path:
    doc = yaml.safe_load(CATALOG.read_text())
    connectors = [{"connector_id": 1, "power_type": "AC", "max_power_kw": 22}]
    doc["chargers"] = [
        {"charge_point_id": f"GW-{n:03d}", "tenant_id": "e2e", "site_id": "E2E-SITE", "connectors": connectors}
        for n in range(STATIONS + 10)
    ]
    doc["tokens"] += [
        {"uid": "TAG-BLOCKED", "tenant_id": "e2e", "account_id": "E2E-A1", "status": "blocked"},
        {"uid": "TAG-EXPIRED", "tenant_id": "e2e", "account_id": "E2E-A1", "status": "expired"},
        {"uid": "TAG-LAPSED", "tenant_id": "e2e", "account_id": "E2E-A1", "expires_at": "2020-01-01T00:00:00Z"},
    ]
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture(scope="module")
async def settings(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    state = tmp_path_factory.mktemp("gateway")
    s = isolated_settings(broker, "http://127.0.0.1:9", state)
    ensure_topics(broker, pipeline_topic_specs(s))
    await publish_catalog(s, write_catalog(state / "catalog.yaml"))
    return s


@pytest.fixture(scope="module")
async def gateway(settings: Settings) -> AsyncIterator[Gateway]:
    async with serve(settings, "127.0.0.1", 0) as running:
        yield running


class Recorded:
    """A station's connection that keeps the exact texts it sent."""

    def __init__(self, connection: WebSocketConnection) -> None:
        self.connection = connection
        self.sent: list[str] = []

    async def recv(self) -> str:
        return await self.connection.recv()

    async def send(self, text: str) -> None:
        self.sent.append(text)
        await self.connection.send(text)


@dataclass
class Station:
    """A real `ocpp` client ChargePoint with its reader task, for one `async with`."""

    url: str
    cp_id: str
    protocol: str
    wire: Recorded | None = None
    client: v16.ChargePoint | v201.ChargePoint | None = None
    answers: dict[str, object] = field(default_factory=dict)

    async def __aenter__(self) -> Station:
        self._connect = connect_station(self.url, self.cp_id, self.protocol)
        self.wire = Recorded(await self._connect.__aenter__())
        cls = v16.ChargePoint if self.protocol == OCPP16 else v201.ChargePoint
        self.client = cls(self.cp_id, self.wire)
        self._reader = asyncio.create_task(self.client.start())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
        await self._connect.__aexit__(None, None, None)

    async def call(self, payload: object) -> object:
        return await self.client.call(payload, suppress=False)


async def session16(station: Station, id_tag: str, samples: int = 3) -> dict:
    c = station.call
    boot = await c(call16.BootNotification(charge_point_model="M", charge_point_vendor="V"))
    await c(call16.StatusNotification(connector_id=1, error_code="NoError", status="Preparing", timestamp=at(0)))
    auth = await c(call16.Authorize(id_tag=id_tag))
    start = await c(call16.StartTransaction(connector_id=1, id_tag=id_tag, meter_start=1000, timestamp=at(0)))
    tx = start.transaction_id
    for n in range(1, samples + 1):
        sample = {"value": str(1000 + 500 * n), "measurand": "Energy.Active.Import.Register", "unit": "Wh",
                  "context": "Sample.Periodic"}  # fmt: skip
        value = [{"timestamp": at(n), "sampled_value": [sample]}]
        await c(call16.MeterValues(connector_id=1, transaction_id=tx, meter_value=value))
    stop = await c(call16.StopTransaction(meter_stop=1000 + 500 * samples, timestamp=at(samples + 1),
                                          transaction_id=tx, id_tag=id_tag, reason="Local"))  # fmt: skip
    await c(call16.Heartbeat())
    return {"boot": boot, "auth": auth, "start": start, "stop": stop, "calls": samples + 6}


def energy201(wh: int, minutes: float) -> list[dict]:
    sample = {"value": wh, "measurand": "Energy.Active.Import.Register", "unit_of_measure": {"unit": "Wh"}}
    return [{"timestamp": at(minutes), "sampled_value": [sample]}]


async def session201(station: Station, id_token: str, samples: int = 3) -> dict:
    c = station.call
    boot = await c(call201.BootNotification(charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"))
    await c(call201.StatusNotification(timestamp=at(0), connector_status="Occupied", evse_id=1, connector_id=1))
    token = {"id_token": id_token, "type": "ISO14443"}
    auth = await c(call201.Authorize(id_token=token))
    tx = {"transaction_id": f"{station.cp_id}-tx"}
    evse = {"id": 1, "connector_id": 1}

    def event(kind: str, n: int, trigger: str, **extra: object) -> call201.TransactionEvent:
        meter_value = energy201(500 * n, n)
        return call201.TransactionEvent(event_type=kind, timestamp=at(n), trigger_reason=trigger, seq_no=n,
                                        transaction_info=tx, evse=evse, meter_value=meter_value, **extra)  # fmt: skip

    started = await c(event("Started", 0, "Authorized", id_token=token))
    for n in range(1, samples + 1):
        await c(event("Updated", n, "MeterValuePeriodic"))
    tx = {**tx, "stopped_reason": "Local"}
    ended = await c(event("Ended", samples + 1, "StopAuthorized"))
    await c(call201.Heartbeat())
    return {"boot": boot, "auth": auth, "started": started, "ended": ended, "calls": samples + 6}


async def published(settings: Settings, cp_ids: set[str], count: int, timeout_s: float = 30) -> list:
    """The records of these charge points on ocpp.inbound, waiting until `count` of them are there."""
    topic = settings.topics.inbound
    tps = [TopicPartition(topic, p) for p in range(settings.partitions)]
    reader = kafka.consumer(settings, group_id=None)
    await reader.start()
    try:
        reader.assign(tps)
        await reader.seek_to_beginning(*tps)
        found: list = []
        deadline = time.monotonic() + timeout_s
        while len(found) < count and time.monotonic() < deadline:
            for records in (await reader.getmany(timeout_ms=200)).values():
                found += [r for r in records if r.key.decode() in cp_ids]
        return found
    finally:
        await reader.stop()


def ingest(records: list) -> list:
    """The pipeline's verdict on each record: its events, or the dead letter."""
    now = datetime.now(UTC)
    return [ingest_frame(r.value, source_topic=r.topic, partition=r.partition, offset=r.offset, read_at=now)
            for r in records]  # fmt: skip


def assert_no_dead_letters(verdicts: list) -> None:
    reasons = [v.reason for v in verdicts if isinstance(v, DeadLetter)]
    assert not reasons, reasons


def envelopes(records: list) -> list[dict]:
    return [orjson.loads(r.value) for r in records]


async def test_ocpp16_session_is_answered_and_published_exactly_both_ways(gateway: Gateway, settings: Settings):
    async with Station(gateway.url, "GW-000", OCPP16) as station:
        result = await session16(station, "tag-ok-1")  # idTags are case-insensitive
    assert result["boot"].status == "Accepted" and result["boot"].interval == settings.gateway_heartbeat_s
    assert result["auth"].id_tag_info["status"] == "Accepted"
    assert result["start"].id_tag_info["status"] == "Accepted"
    records = await published(settings, {"GW-000"}, 2 * result["calls"])
    docs = envelopes(records)
    assert len(docs) == 2 * result["calls"]
    assert [d["direction"] for d in docs] == ["upstream", "downstream"] * result["calls"]
    assert {(d["tenant_id"], d["protocol"]) for d in docs} == {("e2e", "ocpp1.6")}
    upstream = [r.value for r, d in zip(records, docs, strict=True) if d["direction"] == "upstream"]
    for value, sent in zip(upstream, station.wire.sent, strict=True):
        assert value.endswith(b',"message":' + sent.encode() + b"}")  # the frame exactly as the station sent it
    answers = [d for d in docs if d["direction"] == "downstream"]
    assert [d["action"] for d in answers] == [d["action"] for d in docs if d["direction"] == "upstream"]
    start_result = next(d for d in answers if d["action"] == "StartTransaction")
    assert start_result["message"][2]["transactionId"] == result["start"].transaction_id
    verdicts = ingest(records)
    assert not [v for v in verdicts if isinstance(v, DeadLetter)], [
        v.reason for v in verdicts if isinstance(v, DeadLetter)
    ]
    assert str(result["start"].transaction_id) in {e.transaction_id for events in verdicts for e in events}


async def test_ocpp201_session_is_answered_and_published(gateway: Gateway, settings: Settings):
    async with Station(gateway.url, "GW-001", OCPP201) as station:
        result = await session201(station, "TAG-OK-2")
    assert result["boot"].status == "Accepted"
    assert result["auth"].id_token_info["status"] == "Accepted"
    assert result["started"].id_token_info["status"] == "Accepted"
    assert result["ended"].id_token_info is None  # no idToken in the event, so no idTokenInfo
    records = await published(settings, {"GW-001"}, 2 * result["calls"])
    docs = envelopes(records)
    assert [d["direction"] for d in docs] == ["upstream", "downstream"] * result["calls"]
    assert {(d["tenant_id"], d["protocol"]) for d in docs} == {("e2e", "ocpp2.0.1")}
    assert [d["action"] for d in docs].count("TransactionEvent") == 2 * 5
    verdicts = ingest(records)
    assert not [v for v in verdicts if isinstance(v, DeadLetter)], [
        v.reason for v in verdicts if isinstance(v, DeadLetter)
    ]
    assert {e.transaction_id for events in verdicts for e in events} >= {"GW-001-tx"}


@pytest.mark.parametrize(
    ("uid", "v16_status", "v201_status"),
    [("TAG-BLOCKED", "Blocked", "Blocked"), ("TAG-EXPIRED", "Expired", "Expired"),
     ("TAG-LAPSED", "Expired", "Expired"), ("NOBODY", "Invalid", "Unknown")],
)  # fmt: skip
async def test_refused_tokens(gateway: Gateway, uid: str, v16_status: str, v201_status: str):
    async with Station(gateway.url, "GW-002", OCPP16) as station:
        assert (await station.call(call16.Authorize(id_tag=uid))).id_tag_info["status"] == v16_status
        start = await station.call(call16.StartTransaction(connector_id=1, id_tag=uid, meter_start=0, timestamp=at(0)))
        assert start.id_tag_info["status"] == v16_status and start.transaction_id > 0
    async with Station(gateway.url, "GW-003", OCPP201) as station:
        token = {"id_token": uid, "type": "ISO14443"}
        assert (await station.call(call201.Authorize(id_token=token))).id_token_info["status"] == v201_status


GARBAGE = [
    ("this is not json", "FormationViolation", "-1"),
    ('{"not": "an array"}', "FormationViolation", "-1"),
    ('[9, "g1", "Heartbeat", {}]', "FormationViolation", "g1"),
    ('[2, "g2", "Heartbeat"]', "FormationViolation", "g2"),
    ('[2, "g3", "SelfDestruct", {}]', "NotImplemented", "g3"),
    ('[2, "g4", "RemoteStartTransaction", {"idTag": "X"}]', "NotSupported", "g4"),
    (
        '[2, "g5", "StartTransaction", {"connectorId": "one", "idTag": "X", "meterStart": 0, '
        '"timestamp": "2026-01-01T00:00:00Z"}]',
        "TypeConstraintViolation",
        "g5",
    ),
    ('[2, "g6", "Authorize", {}]', "ProtocolError", "g6"),
]


async def test_garbage_gets_callerror_and_the_same_connection_keeps_working(gateway: Gateway, settings: Settings):
    async with connect_station(gateway.url, "GW-004", OCPP16) as connection:
        for text, code, message_id in GARBAGE:
            await connection.send(text)
            answer = orjson.loads(await asyncio.wait_for(connection.recv(), 5))
            assert answer[:3] == [4, message_id, code], text
        await connection.send('[2, "ok", "Heartbeat", {}]')
        assert orjson.loads(await asyncio.wait_for(connection.recv(), 5))[:2] == [3, "ok"]
        client = v16.ChargePoint("GW-004", connection)  # the real client on the very same connection
        reader = asyncio.create_task(client.start())
        boot = await client.call(call16.BootNotification(charge_point_model="M", charge_point_vendor="V"))
        reader.cancel()
        assert boot.status == "Accepted"
    records = await published(settings, {"GW-004"}, 2 * (len(GARBAGE) + 2))
    verdicts = ingest(records)
    dead = [v for v in verdicts if isinstance(v, DeadLetter)]
    assert len(records) == 2 * (len(GARBAGE) + 2)
    assert any("not json" in v.original.decode() for v in dead)  # kept, with its reason, by the pipeline
    assert all(v.reason for v in dead)


async def test_unknown_station_is_rejected_and_its_frames_still_published(gateway: Gateway, settings: Settings):
    async with Station(gateway.url, "NOT-IN-CATALOG", OCPP201) as station:
        boot = await station.call(call201.BootNotification(charging_station={"model": "M", "vendor_name": "V"},
                                                           reason="PowerUp"))  # fmt: skip
        assert (boot.status, boot.interval) == ("Rejected", 60)
        with pytest.raises(SecurityError):
            await station.call(call201.Heartbeat())
    docs = envelopes(await published(settings, {"NOT-IN-CATALOG"}, 4))
    assert len(docs) == 4 and {d["tenant_id"] for d in docs} == {None}


async def test_subprotocol_must_be_offered(gateway: Gateway):
    with pytest.raises(ConnectionError):
        async with connect_station(gateway.url, "GW-005", "ocpp0.9"):
            pass


async def test_a_reconnecting_station_replaces_its_old_connection(gateway: Gateway):
    async with (
        connect_station(gateway.url, "GW-008", OCPP16) as old,
        connect_station(gateway.url, "GW-008", OCPP16) as new,
    ):
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(old.recv(), 5)  # closed by the gateway: 1001 going away
        assert old.ws.close_code == 1001
        await new.send('[2, "hb", "Heartbeat", {}]')
        assert orjson.loads(await asyncio.wait_for(new.recv(), 5))[:2] == [3, "hb"]
        assert "GW-008" in gateway.connections
    await asyncio.sleep(0.1)
    assert "GW-008" not in gateway.connections


async def test_many_concurrent_stations_of_both_versions(gateway: Gateway, settings: Settings):
    async def one(n: int) -> dict:
        protocol = OCPP16 if n % 2 else OCPP201
        async with Station(gateway.url, f"GW-{10 + n:03d}", protocol) as station:
            run = session16 if protocol == OCPP16 else session201
            return await run(station, "TAG-OK-1", samples=5)

    began = time.monotonic()
    results = await asyncio.gather(*(one(n) for n in range(STATIONS)))
    elapsed = time.monotonic() - began
    ids = [r["start"].transaction_id for r in results if "start" in r]
    assert len(ids) == len(set(ids)) == STATIONS // 2
    cp_ids = {f"GW-{10 + n:03d}" for n in range(STATIONS)}
    expected = sum(2 * r["calls"] for r in results)
    records = await published(settings, cp_ids, expected)
    assert len(records) == expected, f"{len(records)} of {expected} frames published ({elapsed:.1f} s of traffic)"
    assert_no_dead_letters(ingest(records))


async def test_shutdown_delivers_every_buffered_frame(settings: Settings, tmp_path: Path):
    own = settings.model_copy(update={"state_dir": tmp_path})
    topic = own.topics.inbound
    tps = [TopicPartition(topic, p) for p in range(own.partitions)]
    before = sum((await log_end_offsets(own, tps, own.broker_list_offsets_exact)).values())
    async with serve(own, "127.0.0.1", 0) as short_lived, Station(short_lived.url, "GW-006", OCPP16) as station:
        for _ in range(200):
            await station.call(call16.Heartbeat())
    stats = short_lived.stats()
    after = sum((await log_end_offsets(own, tps, own.broker_list_offsets_exact)).values())
    assert stats["delivered"] == 400 and stats["failed"] == 0
    assert after - before == 400


async def test_cli_serves_until_sigterm_then_exits_cleanly(settings: Settings, tmp_path: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
           "CHARGELEDGER_TOPIC_INBOUND": settings.topics.inbound,
           "CHARGELEDGER_TOPIC_CATALOG_PREFIX": settings.topics.catalog_prefix}  # fmt: skip
    command = [sys.executable, "-m", "cli.main", "--state-dir", str(tmp_path), "gateway", "--port", str(port)]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 60)
        assert f"ws://127.0.0.1:{port}/<charge_point_id>" in line, line
        async with Station(f"ws://127.0.0.1:{port}", "GW-007", OCPP16) as station:
            boot = await station.call(call16.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            assert boot.status == "Accepted"
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.to_thread(process.communicate, timeout=30)
    assert process.returncode == 0, output
    assert "2 frames published, 0 failed" in output
    assert len(await published(settings, {"GW-007"}, 2)) == 2
