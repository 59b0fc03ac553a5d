"""`chargeledger gateway [--host H] [--port P]`: the reference OCPP-J gateway until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from pipelines.config import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default: CHARGELEDGER_GATEWAY_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default: CHARGELEDGER_GATEWAY_PORT or 9000)")


def run(args: argparse.Namespace, settings: Settings) -> None:
    asyncio.run(_serve_until_stopped(settings, args.host, args.port))


async def _serve_until_stopped(settings: Settings, host: str | None, port: int | None) -> None:
    from pipelines.gateway.server import GatewayError, serve
    from pipelines.gateway.txids import TransactionIdError

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with serve(settings, host, port) as gateway:
            print(f"gateway: stations connect to {gateway.url}/<charge_point_id> (ocpp1.6, ocpp2.0.1)", flush=True)
            print(f"gateway: frames go to {settings.topics.inbound} on {settings.kafka_bootstrap_servers}", flush=True)
            await stop.wait()
            print("gateway: stopping, delivering buffered frames", flush=True)
    except TransactionIdError as error:
        raise GatewayError(str(error)) from error
    stats = gateway.stats()
    print(f"gateway: stopped; {stats['delivered']} frames published, {stats['failed']} failed", file=sys.stderr)
