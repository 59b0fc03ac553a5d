"""Liveness and readiness endpoints for orchestrators' probes (Kubernetes, compose healthchecks).

Live: the process answers at all. Ready: it can do its job now (the worker: the catalog has been read up to
its end, so sessions are priced with the current tariffs); until then a probe gets 503 and no traffic.
"""

from __future__ import annotations

from collections.abc import Callable

import faust
from faust.web import Request, Response, View

LIVE_PATH = "/healthz"
READY_PATH = "/readyz"


def add_health_pages(app: faust.App, ready: Callable[[], bool]) -> None:
    """Serve LIVE_PATH and READY_PATH on the worker's Faust web server (`chargeledger worker --web`)."""

    @app.page(LIVE_PATH)
    async def live(view: View, request: Request) -> Response:
        return view.json({"live": True})

    @app.page(READY_PATH)
    async def readiness(view: View, request: Request) -> Response:
        is_ready = ready()
        return view.json({"ready": is_ready}, status=200 if is_ready else 503)
