"""aiohttp WebSockets as the connection the `ocpp` package's ChargePoint expects (recv/send), both sides.

Stations (the tests', the bench's, the simulator's) use `connect_station` and hand the connection to an
`ocpp.v16.ChargePoint` or `ocpp.v201.ChargePoint`; `ChargePoint.start()` ends when the socket closes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

import aiohttp
from aiohttp import WSMsgType
from aiohttp.web import WebSocketResponse


class ConnectionClosed(ConnectionError):
    """The WebSocket closed (or failed) while a message was awaited."""


class WebSocketConnection:
    """recv() gives each text message (binary ones decoded as UTF-8); send() writes text frames."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse | WebSocketResponse, protocol: str) -> None:
        self.ws = ws
        self.protocol = protocol

    async def recv(self) -> str:
        message = await self.ws.receive()
        if message.type is WSMsgType.TEXT:
            return str(message.data)
        if message.type is WSMsgType.BINARY:
            return bytes(message.data).decode("utf-8", "replace")
        raise ConnectionClosed(f"websocket closed ({message.type.name}, code {self.ws.close_code})")

    async def send(self, text: str) -> None:
        await self.ws.send_str(text)

    async def close(self) -> None:
        await self.ws.close()


def station_url(base_url: str, charge_point_id: str) -> str:
    """The OCPP-J URL of a station: the central system's URL plus the charge point id as the last path segment."""
    return f"{base_url.rstrip('/')}/{quote(charge_point_id, safe='')}"


@asynccontextmanager
async def connect_station(
    base_url: str, charge_point_id: str, protocol: str, session: aiohttp.ClientSession | None = None
) -> AsyncIterator[WebSocketConnection]:
    """Open a station's WebSocket offering one subprotocol; raises ConnectionError if the server did not take it."""
    own_session = session is None
    client = session or aiohttp.ClientSession()
    try:
        ws = await client.ws_connect(station_url(base_url, charge_point_id), protocols=(protocol,), autoping=True)
        if ws.protocol != protocol:
            await ws.close()
            raise ConnectionError(f"server did not accept subprotocol {protocol!r}")
        connection = WebSocketConnection(ws, protocol)
        try:
            yield connection
        finally:
            await connection.close()
    finally:
        if own_session:
            await client.close()
