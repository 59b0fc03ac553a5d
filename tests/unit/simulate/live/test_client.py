"""Scripted stations as real ocpp clients against a minimal central system: pacing, assigned ids, garbage answered."""

import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from aiohttp import web

from jobs.simulate.live.client import RESPONSE_TIMEOUT_S, SimClock
from jobs.simulate.live.run import play_fleet
from jobs.simulate.live.script import plan_live_day
from jobs.simulate.live.steps import OCPP16, OCPP201
from tests.unit.simulate.live.conftest import DAY

NOW = "2026-11-23T10:00:00Z"
RESULTS = {
    OCPP16: {
        "BootNotification": {"currentTime": NOW, "interval": 600, "status": "Accepted"},
        "Heartbeat": {"currentTime": NOW},
        "Authorize": {"idTagInfo": {"status": "Accepted"}},
        "StatusNotification": {}, "MeterValues": {}, "StopTransaction": {},
    },
    OCPP201: {
        "BootNotification": {"currentTime": NOW, "interval": 600, "status": "Accepted"},
        "Heartbeat": {"currentTime": NOW},
        "Authorize": {"idTokenInfo": {"status": "Accepted"}},
        "StatusNotification": {}, "TransactionEvent": {},
    },
}  # fmt: skip


class Csms:
    """Answers each CALL from RESULTS (StartTransaction gets the next id); anything else gets a CALLERROR."""

    def __init__(self, protocols=(OCPP16, OCPP201)) -> None:
        self.protocols = protocols
        self.received: dict[str, list[str]] = defaultdict(list)
        self.assigned: list[int] = []

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(protocols=self.protocols)
        await ws.prepare(request)
        async for message in ws:
            self.received[request.match_info["cp"]].append(message.data)
            await ws.send_str(self.answer(ws.ws_protocol, message.data))
        return ws

    def answer(self, protocol: str, text: str) -> str:
        try:
            frame = orjson.loads(text)
        except orjson.JSONDecodeError:
            return orjson.dumps([4, "-1", "FormationViolation", "not JSON", {}]).decode()
        if not (type(frame) is list and len(frame) == 4 and frame[0] == 2):
            message_id = frame[1] if type(frame) is list and len(frame) > 1 else "-1"
            return orjson.dumps([4, message_id, "FormationViolation", "not a CALL", {}]).decode()
        _, message_id, action, _ = frame
        if action == "StartTransaction":
            self.assigned.append(9_000 + len(self.assigned))
            result = {"transactionId": self.assigned[-1], "idTagInfo": {"status": "Accepted"}}
        elif action in RESULTS[protocol]:
            result = RESULTS[protocol][action]
        else:
            return orjson.dumps([4, message_id, "NotImplemented", action, {}]).decode()
        return orjson.dumps([3, message_id, result]).decode()


async def serving(csms: Csms) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_get("/{cp}", csms.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"ws://127.0.0.1:{runner.addresses[0][1]}"


@pytest.fixture(scope="module")
def two_stations(catalog):
    return plan_live_day(catalog, seed=3, day=DAY, charge_points=2, bad_frame_share=0.01, ocpp201_share=0.5)


async def test_stations_play_their_scripts_paced_with_the_ids_the_central_system_assigns(two_stations):
    csms = Csms()
    runner, url = await serving(csms)
    scripts = two_stations.scripts
    span = max(s.steps[-1].at for s in scripts) - min(s.steps[0].at for s in scripts)
    started = time.monotonic()
    try:
        assigned, tally = await play_fleet(url, scripts, span.total_seconds() / 0.6, say=lambda line: None)
    finally:
        await runner.cleanup()
    assert time.monotonic() - started >= 0.55  # the day took its 0.6 s of real time
    assert {s.protocol for s in scripts} == {OCPP16, OCPP201}
    for script in scripts:
        assert len(csms.received[script.charge_point_id]) == len(script.steps)
    planted = sum(two_stations.bad_frames.values())
    assert tally.bad_sent == planted > 0 and sum(tally.bad_answered.values()) == planted
    assert tally.calls == two_stations.calls - planted and tally.rejected_calls == 0
    assert sorted(assigned.values()) == csms.assigned
    (station16,) = [s for s in scripts if s.protocol == OCPP16]
    carried = {_transaction_id(text) for text in csms.received[station16.charge_point_id]} - {None}
    assert carried and carried <= set(csms.assigned)  # never a placeholder
    result = two_stations.result(assigned)
    renamed = {e.session_id for e in result.expected if e.charge_point_id == station16.charge_point_id}
    assert renamed == {f"{e.tenant_id}/{e.charge_point_id}/{n}" for e, n in _pairs(result.expected, csms.assigned)}


async def test_a_gateway_that_refuses_the_subprotocol_is_a_clear_connection_error(two_stations):
    runner, url = await serving(Csms(protocols=(OCPP16,)))
    started = time.monotonic()
    try:
        with pytest.raises(ConnectionError, match="subprotocol"):
            await play_fleet(url, two_stations.scripts, None, say=lambda line: None)
    finally:
        await runner.cleanup()
    assert time.monotonic() - started < RESPONSE_TIMEOUT_S / 3  # the 1.6 station is stopped, not timed out


async def test_no_gateway_listening_is_a_connection_error(two_stations, unused_tcp_port):
    with pytest.raises(ConnectionError):
        await play_fleet(f"ws://127.0.0.1:{unused_tcp_port}", two_stations.scripts, None, say=lambda line: None)


def test_the_clock_maps_station_time_onto_real_time_by_the_speedup():
    origin = datetime(2026, 11, 22, tzinfo=UTC)
    clock = SimClock(origin, 3600)
    assert 0.9 < clock.due_in(origin + timedelta(hours=1)) <= 1.0
    assert clock.due_in(origin - timedelta(hours=1)) < 0
    assert SimClock(origin, None).due_in(origin + timedelta(days=9)) == 0
    with pytest.raises(ValueError, match="positive"):
        SimClock(origin, 0)


def _transaction_id(text: str) -> int | None:
    """The transactionId a valid MeterValues or StopTransaction carries (planted frames have none or a huge one)."""
    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if type(frame) is not list or len(frame) != 4 or frame[2] not in ("MeterValues", "StopTransaction"):
        return None
    number = frame[3].get("transactionId")
    return number if type(number) is int and number < 1_999_000_000 else None


def _pairs(expected, assigned):
    """1.6 sessions in start order get the central system's ids in the order StartTransactions arrived."""
    sixteen = sorted((e for e in expected if isinstance(e.transaction_id, int)), key=lambda e: e.started_at)
    return zip(sixteen, assigned, strict=True)
