"""Liveness and readiness endpoints for orchestrators' probes (Kubernetes, compose healthchecks).

Live: the process answers at all. Ready: it can do its job now. For the worker: the catalog has been read up to
its end, so sessions are priced with the current tariffs, and its Faust tables are recovered for the partitions
it holds (after a start or a rebalance), so a rolling update waits for a member to take over before it stops the
next one. Until then a probe gets 503.
"""

from __future__ import annotations

from collections.abc import Callable

import faust
from faust.web import Request, Response, View

LIVE_PATH = "/healthz"
READY_PATH = "/readyz"


def tables_recovered(app: faust.App) -> bool:
    """Faust finished a recovery of its tables and is not in another one."""
    recovery = app.tables.recovery  # type: ignore[attr-defined]  # TableManager has it, its interface not
    return recovery.completed.is_set() and not recovery.in_recovery


def add_health_pages(app: faust.App, catalog_ready: Callable[[], bool]) -> None:
    """Serve LIVE_PATH and READY_PATH on the worker's Faust web server (`chargeledger worker --web`)."""

    @app.page(LIVE_PATH)
    async def live(view: View, request: Request) -> Response:
        return view.json({"live": True})

    @app.page(READY_PATH)
    async def readiness(view: View, request: Request) -> Response:
        is_ready = catalog_ready() and tables_recovered(app)
        return view.json({"ready": is_ready}, status=200 if is_ready else 503)
