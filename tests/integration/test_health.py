"""The gateway's probe endpoint beside its WebSocket stations (the worker's are checked in test_failover.py)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from jobs.catalog_publish import publish_catalog
from pipelines.gateway.server import serve
from pipelines.streaming.topics import ensure_topics, pipeline_topic_specs
from tests.integration.pipeline_harness import CATALOG, isolated_settings

pytestmark = pytest.mark.integration


async def test_gateway_answers_health_checks_and_still_takes_a_station_named_healthz(
    broker: str, tmp_path: Path
) -> None:
    settings = isolated_settings(broker, "http://127.0.0.1:9", tmp_path)
    ensure_topics(broker, pipeline_topic_specs(settings))
    await publish_catalog(settings, CATALOG)
    async with serve(settings, "127.0.0.1", 0) as gateway, aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{gateway.port}/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"connections": 0, "delivered": 0, "failed": 0}
        async with http.ws_connect(f"{gateway.url}/healthz", protocols=("ocpp1.6",)) as ws:
            assert ws.protocol == "ocpp1.6"
            assert list(gateway.connections) == ["healthz"]
