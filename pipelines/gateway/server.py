"""The gateway as a server: WebSockets at /<charge_point_id>, subprotocol ocpp1.6 or ocpp2.0.1 per connection.

`serve()` is the one way to run it, from the CLI, tests, the bench or the simulator:

    async with serve(settings, "127.0.0.1", 0) as gateway:   # port 0: any free port
        ...  # stations connect to f"{gateway.url}/<charge_point_id>"

It reads the catalog (the same compacted topics the workers follow, and keeps following them), starts the
Kafka producer and only then listens. On exit it closes every station's connection (1001 going away), then
delivers every frame still buffered before the producer stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote

from aiohttp import WSCloseCode, WSMsgType, web
from aiokafka import AIOKafkaProducer

from pipelines.catalog.follower import CatalogFollower
from pipelines.config import Settings
from pipelines.gateway.catalog import GatewayCatalog
from pipelines.gateway.connection import WebSocketConnection
from pipelines.gateway.frames import SUBPROTOCOLS
from pipelines.gateway.publisher import FramePublisher
from pipelines.gateway.station import STATION_CLASSES, GatewayContext, GatewayStation, utc_now
from pipelines.gateway.txids import TransactionIds
from pipelines.ingest.envelope import MAX_ID_CHARS
from pipelines.streaming import kafka

log = logging.getLogger(__name__)

CATALOG_TIMEOUT_S = 60.0
PING_INTERVAL_S = 120.0  # WebSocket pings find connections whose station vanished without closing
SHUTDOWN_TIMEOUT_S = 5.0


class GatewayError(RuntimeError):
    """The gateway cannot start; the message says what to fix."""


@dataclass
class Gateway:
    """A running gateway: where stations connect, and what it has done so far."""

    host: str
    port: int
    context: GatewayContext
    connections: dict[str, web.WebSocketResponse] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def stats(self) -> dict[str, int]:
        publisher = self.context.publisher
        return {"connections": len(self.connections), "delivered": publisher.delivered, "failed": publisher.failed}


@asynccontextmanager
async def serve(
    settings: Settings,
    host: str | None = None,
    port: int | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    catalog_timeout_s: float = CATALOG_TIMEOUT_S,
) -> AsyncIterator[Gateway]:
    """Run a gateway while the block runs; host and port default to the settings' gateway_host/gateway_port."""
    async with AsyncExitStack() as stack:
        catalog = GatewayCatalog()
        await _follow_catalog(stack, CatalogFollower(settings, catalog), catalog_timeout_s)
        producer = kafka.producer(settings)
        await producer.start()
        stack.push_async_callback(producer.stop)
        publisher = FramePublisher(producer, settings.topics.inbound, await _partitions(producer, settings))
        publisher.start()
        stack.push_async_callback(publisher.close)
        transaction_ids = TransactionIds(settings.state_dir / "gateway" / "transaction-ids", clock())
        stack.callback(transaction_ids.close)
        context = GatewayContext(catalog, publisher, transaction_ids, settings.gateway_heartbeat_s, clock)
        gateway = Gateway(host or settings.gateway_host, settings.gateway_port if port is None else port, context)
        runner = web.AppRunner(_application(gateway), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        await web.TCPSite(runner, gateway.host, gateway.port).start()
        gateway.port = runner.addresses[0][1]
        log.info("OCPP gateway listening on %s", gateway.url)
        yield gateway


async def _follow_catalog(stack: AsyncExitStack, follower: CatalogFollower, timeout_s: float) -> None:
    task = asyncio.create_task(follower.run(), name="gateway-catalog")

    async def stop() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    stack.push_async_callback(stop)
    ready = asyncio.create_task(follower.ready.wait())
    done, _ = await asyncio.wait({task, ready}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        if task in done:
            raise GatewayError(f"cannot read the catalog topics: {task.exception()}")
        raise GatewayError(f"catalog not read within {timeout_s:.0f} s; is the broker up and the catalog loaded?")


async def _partitions(producer: AIOKafkaProducer, settings: Settings) -> int:
    topic = settings.topics.inbound
    try:
        return await asyncio.wait_for(kafka.partition_count(producer, topic), 30)
    except Exception as error:
        raise GatewayError(f"topic {topic!r} unavailable ({error!r}); run `chargeledger topics apply`") from error


def _application(gateway: Gateway) -> web.Application:
    app = web.Application()

    async def station(request: web.Request) -> web.StreamResponse:
        return await _station(gateway, request)

    async def health(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":  # a station that is named healthz
            return await _station(gateway, request)
        return web.json_response(gateway.stats())  # listening means catalog read and producer started: ready

    app.router.add_get("/healthz", health)
    app.router.add_get("/{path:.*}", station)

    async def close_connections(_: web.Application) -> None:
        for ws in list(gateway.connections.values()):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"gateway shutting down")

    app.on_shutdown.append(close_connections)
    return app


def charge_point_id_of(raw_path: str) -> str | None:
    """The last path segment, percent-decoded: /CP-1 and /ocpp/CP-1 both name CP-1."""
    segment = unquote(raw_path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])
    return segment if 0 < len(segment) <= MAX_ID_CHARS and "/" not in segment else None


async def _station(gateway: Gateway, request: web.Request) -> web.StreamResponse:
    charge_point_id = charge_point_id_of(request.raw_path)
    if charge_point_id is None:
        return web.Response(status=404, text="connect to /<charge_point_id>\n")
    ws = web.WebSocketResponse(protocols=SUBPROTOCOLS, heartbeat=PING_INTERVAL_S)
    if not ws.can_prepare(request).ok:
        return web.Response(status=426, text="OCPP-J needs a WebSocket upgrade\n")
    await ws.prepare(request)
    protocol = ws.ws_protocol
    if protocol not in SUBPROTOCOLS:
        await ws.close(code=WSCloseCode.PROTOCOL_ERROR, message=b"offer subprotocol ocpp1.6 or ocpp2.0.1")
        return ws
    previous = gateway.connections.get(charge_point_id)
    gateway.connections[charge_point_id] = ws
    if previous is not None:  # the station reconnected before its old connection was noticed dead
        await previous.close(code=WSCloseCode.GOING_AWAY, message=b"replaced by a newer connection")
    station = STATION_CLASSES[protocol](charge_point_id, WebSocketConnection(ws, protocol), gateway.context)
    try:
        await _relay(station, ws, gateway.context.publisher)
    finally:
        if gateway.connections.get(charge_point_id) is ws:
            del gateway.connections[charge_point_id]
    return ws


async def _relay(station: GatewayStation, ws: web.WebSocketResponse, publisher: FramePublisher) -> None:
    """Frames in order, one at a time, as OCPP-J expects; nothing a station sends ends more than its own frame."""
    async for message in ws:
        if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            continue
        try:
            await station.route_message(message.data)
        except ConnectionError:
            break  # the station went away while we answered
        except Exception:
            log.exception("frame from %s not handled", ws)
        await publisher.wait_for_room()
