"""A scripted station as a real `ocpp` client over a WebSocket, paced by a shared, accelerated station clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import aiohttp
from ocpp import v16, v201
from ocpp.exceptions import OCPPError
from ocpp.messages import MessageType, unpack

from jobs.simulate.live.script import StationScript
from jobs.simulate.live.steps import OCPP16, RawText, Step
from pipelines.gateway.connection import WebSocketConnection, connect_station

RESPONSE_TIMEOUT_S = 30
ANSWER_WAIT_S = 2.0
QUIET = logging.getLogger("chargeledger.simulate.ocpp")  # ocpp logs every frame at INFO; keep our own logger
QUIET.setLevel(logging.ERROR)


@dataclass(slots=True)
class Tally:
    """What the stations saw, for progress lines and the closing summary."""

    calls: int = 0  # valid calls answered with a CALLRESULT
    rejected_calls: int = 0  # valid calls answered with a CALLERROR (a gateway problem)
    bad_sent: int = 0
    bad_answered: Counter[str] = field(default_factory=Counter)  # "CALLERROR <code>" or "CALLRESULT"
    authorize: Counter[str] = field(default_factory=Counter)  # Authorize answers by status
    station_clock: datetime | None = None


class SimClock:
    """Station time runs `speedup` times faster than real time from `origin`; None = no waiting at all."""

    def __init__(self, origin: datetime, speedup: float | None) -> None:
        if speedup is not None and speedup <= 0:
            raise ValueError(f"speedup must be positive, got {speedup}")
        self.origin, self.speedup, self.started = origin, speedup, time.monotonic()

    def due_in(self, at: datetime) -> float:
        """Real seconds until station time `at` (negative when late)."""
        if self.speedup is None:
            return 0.0
        return (at - self.origin).total_seconds() / self.speedup - (time.monotonic() - self.started)

    async def until(self, at: datetime) -> None:
        delay = self.due_in(at)
        if delay > 0:
            await asyncio.sleep(delay)


class _Scripted:
    """Plays steps on an ocpp ChargePoint: tracks the call it awaits, answers to planted frames are counted."""

    # Set by the ChargePoint subclass and __init__; declared for the type checker.
    id: str
    _connection: WebSocketConnection
    _call_result: Any
    call: Any
    tally: Tally
    assigned: dict[int, int]
    unanswered: int  # planted frames sent whose answer has not come yet
    _awaiting: str | None

    def setup(self, tally: Tally) -> None:
        self.tally, self.assigned, self._awaiting, self.unanswered = tally, {}, None, 0

    async def settle(self, timeout_s: float = ANSWER_WAIT_S) -> None:
        """Give the gateway a moment to answer planted frames before hanging up (they are only counted)."""
        deadline = time.monotonic() + timeout_s
        while self.unanswered > 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def route_message(self, raw_msg: str) -> None:
        try:
            msg = unpack(raw_msg)
        except OCPPError:
            self.tally.bad_answered["unreadable answer"] += 1
            self.unanswered = max(0, self.unanswered - 1)
            return
        answer = msg.message_type_id in (MessageType.CallResult, MessageType.CallError)
        if answer and msg.unique_id != self._awaiting:  # the gateway's answer to a planted frame
            kind = f"CALLERROR {msg.error_code}" if msg.message_type_id == MessageType.CallError else "CALLRESULT"
            self.tally.bad_answered[kind] += 1
            self.unanswered = max(0, self.unanswered - 1)
            return
        await super().route_message(raw_msg)  # type: ignore[misc]

    async def play(self, step: Step) -> None:
        request = step.request
        if isinstance(request, RawText):
            await self._connection.send(request.text)
            self.tally.bad_sent += 1
            self.unanswered += 1
            return
        if isinstance(getattr(request, "transaction_id", None), int) and request.transaction_id in self.assigned:
            request = replace(request, transaction_id=self.assigned[request.transaction_id])
        self._awaiting = str(uuid.uuid4())
        # No client-side schema check (~0.7 ms per MeterValues, the client's largest cost): the gateway checks every
        # frame against the same official schemas, and the unit tests check every scripted call.
        result = await self.call(request, unique_id=self._awaiting, skip_schema_validation=True)
        if result is None:  # ocpp suppresses a CALLERROR into None
            self.tally.rejected_calls += 1
            return
        self.tally.calls += 1
        if step.opens is not None:
            self.assigned[step.opens] = result.transaction_id
        info = getattr(result, "id_tag_info", None) or getattr(result, "id_token_info", None)
        if type(request).__name__ == "Authorize" and info:
            self.tally.authorize[info["status"]] += 1


class Station16(_Scripted, v16.ChargePoint):
    """An OCPP 1.6 charge point."""


class Station201(_Scripted, v201.ChargePoint):
    """An OCPP 2.0.1 charging station."""


async def run_station(
    session: aiohttp.ClientSession, gateway_url: str, script: StationScript, clock: SimClock, tally: Tally
) -> dict[int, int]:
    """Connect as ws://gateway/<charge point id>, play the script in station time, hang up; returns the 1.6
    transaction ids the gateway assigned (placeholder -> id)."""
    try:
        return await _connected(session, gateway_url, script, clock, tally)
    except aiohttp.ClientError as error:
        raise ConnectionError(f"{script.charge_point_id} at {gateway_url}: {type(error).__name__} {error}") from error


async def _connected(
    session: aiohttp.ClientSession, gateway_url: str, script: StationScript, clock: SimClock, tally: Tally
) -> dict[int, int]:
    async with connect_station(gateway_url, script.charge_point_id, script.protocol, session) as connection:
        kind = Station16 if script.protocol == OCPP16 else Station201
        station = kind(script.charge_point_id, connection, response_timeout=RESPONSE_TIMEOUT_S, logger=QUIET)
        station.setup(tally)
        reader = asyncio.create_task(station.start())
        player = asyncio.create_task(_play(station, script, clock, tally))
        try:
            await asyncio.wait({reader, player}, return_when=asyncio.FIRST_COMPLETED)
            if not player.done():
                raise ConnectionError(f"{script.charge_point_id} lost its connection: {reader.exception()}")
            player.result()
        finally:
            await _cancel(player)
            await _cancel(reader)
    return station.assigned


async def _play(station: _Scripted, script: StationScript, clock: SimClock, tally: Tally) -> None:
    for step in script.steps:
        await clock.until(step.at)
        await station.play(step)
        if tally.station_clock is None or step.at > tally.station_clock:
            tally.station_clock = step.at
    await station.settle()


async def _cancel(task: asyncio.Task) -> None:
    """Cancel until done: Python 3.11's wait_for (inside ocpp's call) drops a cancel that lands just as its answer
    arrives, and the call after it would then wait out the response timeout."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.05)
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()
