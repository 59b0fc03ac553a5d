"""The dashboard's web server (aiohttp): the page, the plotly.js it needs, and a health check.

ClickHouse is queried with the blocking clickhouse-connect client in a worker thread, so one slow page does not
stall the event loop. Bad query strings are answered 400 with the reason, an unreachable warehouse 503.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import plotly
from aiohttp import web
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import OperationalError

from dashboards import page, queries
from dashboards.params import BadRequest, parse_filters

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
CLIENT: web.AppKey[Client] = web.AppKey("client", Client)


def build(client: Client, query: dict[str, str]) -> str:
    """The page for a query string; BadRequest when it asks for something that cannot be shown."""
    tables = queries.existing_tables(client)
    tenants = queries.tenants(client, tables)
    filters = parse_filters(query, tenants, datetime.now(UTC).date())
    return page.render(filters, tenants, queries.run_all(client, filters, tables))


async def dashboard(request: web.Request) -> web.Response:
    try:
        html = await asyncio.to_thread(build, request.app[CLIENT], dict(request.query))
    except BadRequest as error:
        raise web.HTTPBadRequest(text=f"bad request: {error}") from error
    except OperationalError as error:
        raise web.HTTPServiceUnavailable(text=f"the warehouse does not answer: {error}") from error
    return web.Response(text=html, content_type="text/html")


async def plotly_js(request: web.Request) -> web.FileResponse:
    return web.FileResponse(
        PLOTLY_JS, headers={"Content-Type": "application/javascript", "Cache-Control": "max-age=86400"}
    )


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def create_app(client: Client) -> web.Application:
    app = web.Application()
    app[CLIENT] = client
    app.router.add_get("/", dashboard)
    app.router.add_get(page.PLOTLY_ROUTE, plotly_js)
    app.router.add_get("/healthz", health)
    return app
