"""A worker killed mid-session: its successor restores charge-point state from the changelog and rates
the session exactly once, with all its energy."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tests.integration.frames import session
from tests.integration.pipeline_harness import PipelineUnderTest

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_session_state_survives_a_killed_worker(broker: str, warehouse_url: str, tmp_path: Path) -> None:
    pipeline = PipelineUnderTest(broker, warehouse_url, tmp_path).start()
    try:
        frames = session("CP-E2E-1", 501, "TAG-OK-1", T0, 7_000, 20_000, charge_min=90, park_min=15)
        half = len(frames) // 2
        pipeline.publish(frames[:half])
        pipeline.drain()
        pipeline.kill_worker()
        pipeline.start_worker()
        pipeline.publish(frames[half:])
        pipeline.drain(timeout_s=180)
        rows = pipeline.rows(
            "SELECT energy_wh, total_cost_excl_vat FROM sessions_current WHERE session_id = 'e2e/CP-E2E-1/501'"
        )
        # FLAT 1.00 + 20 kWh x 0.40 + 0.25 h parking x 6.00
        assert rows == [(Decimal("20000"), Decimal("10.5"))]
        assert pipeline.rows("SELECT count() FROM rated_sessions WHERE session_id = 'e2e/CP-E2E-1/501'") == [(1,)]
    finally:
        pipeline.stop()
