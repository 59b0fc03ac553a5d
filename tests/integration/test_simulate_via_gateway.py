"""A simulated day of real OCPP 1.6 and 2.0.1 stations through the reference gateway and one worker: every session
rated with exactly its metered energy, every planted bad frame dead-lettered."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from jobs.simulate.live.run import simulate_via_gateway, yesterday
from tests.integration.pipeline_harness import REPO, PipelineUnderTest

SAMPLE = REPO / "examples" / "catalog.yaml"
SPEEDUP = 20_000  # the ~27 h from the first site's midnight to the last site's take about 5 s
STATIONS_OWN = "JSONExtractString(original, 'direction') != 'downstream'"  # sessions-stage originals have none


def test_a_day_of_real_stations_through_the_gateway_is_rated_and_its_garbage_dead_lettered(
    broker: str, warehouse_url: str, tmp_path: Path
) -> None:
    pipeline = PipelineUnderTest(broker, warehouse_url, tmp_path, catalog=SAMPLE).start()
    lines: list[str] = []
    try:
        day = asyncio.run(
            simulate_via_gateway(
                pipeline.settings, catalog_path=SAMPLE, seed=11, day=yesterday(), charge_points=4, speedup=SPEEDUP,
                bad_frame_share=0.004, ocpp201_share=0.5, say=lines.append,
            )
        )  # fmt: skip
        pipeline.drain(timeout_s=120)
        log = "\n".join(lines)
        assert "(2 on OCPP 2.0.1)" in log and "WARNING" not in log, log
        assert {type(s.transaction_id) for s in day.expected} == {int, str}  # sessions on both versions

        rated = dict(pipeline.rows("SELECT session_id, energy_wh FROM sessions_current"))
        assert rated == {s.session_id: Decimal(s.energy_wh) for s in day.expected}

        dead = pipeline.rows(f"SELECT error_class, count() FROM dead_letters_current WHERE {STATIONS_OWN} GROUP BY 1")
        assert dict(dead) == day.bad_frames and sum(day.bad_frames.values()) >= 15
        # The gateway's CALLERROR answers to that garbage are valid frames, kept as events, never dead-lettered.
        assert pipeline.rows(f"SELECT count() FROM dead_letters_current WHERE NOT {STATIONS_OWN}") == [(0,)]
    finally:
        pipeline.stop()
