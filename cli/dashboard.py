"""`chargeledger dashboard [--host 127.0.0.1] [--port 8050]`: serve the operator dashboard from ClickHouse."""

from __future__ import annotations

import argparse

from pipelines.config import Settings
from pipelines.errors import UserError

HELP = "serve the operator dashboard (revenue, utilization, sites, tariffs, flags, live sessions) on a local port"


class DashboardError(UserError):
    """The dashboard cannot start as asked (a bad port)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine)")
    parser.add_argument("--port", type=int, default=8050, help="port to listen on (default 8050)")


def run(args: argparse.Namespace, settings: Settings) -> None:
    """Serve until interrupted; the warehouse is CLICKHOUSE_URL, database CHARGELEDGER_CLICKHOUSE_DATABASE."""
    from aiohttp import web

    from dashboards.server import create_app
    from pipelines.warehouse.client import connect

    if not 0 < args.port < 65536:
        raise DashboardError(f"--port must be between 1 and 65535, got {args.port}")
    client = connect(settings, database=settings.clickhouse_database)
    url = f"http://{args.host}:{args.port}/"
    web.run_app(create_app(client), host=args.host, port=args.port, print=lambda _: print(f"dashboard on {url}"))
