"""A seeded simulated day from the sample catalog, published as a gateway would, rebuilt exactly."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from pathlib import Path

from jobs.simulate.fleet import simulate_day
from jobs.simulate.publish import publish
from pipelines.catalog.load import load_catalog
from tests.integration.pipeline_harness import REPO, PipelineUnderTest

SAMPLE = REPO / "examples" / "catalog.yaml"
# A day in the past: ingest refuses envelopes received more than a day after they are read.
DAY = date(2026, 11, 20)


def test_every_simulated_session_is_rated_with_exactly_its_metered_energy(
    broker: str, warehouse_url: str, tmp_path: Path
) -> None:
    day = simulate_day(load_catalog(SAMPLE), seed=11, day=DAY, charge_points=6, bad_frame_share=0.01)
    pipeline = PipelineUnderTest(broker, warehouse_url, tmp_path, catalog=SAMPLE).start()
    try:
        asyncio.run(publish(day.frames, pipeline.settings, pipeline.settings.topics.inbound, speedup=None))
        pipeline.drain(timeout_s=180)
        rated = dict(pipeline.rows("SELECT session_id, energy_wh FROM sessions_current"))
        assert rated == {s.session_id: Decimal(s.energy_wh) for s in day.expected}
        # Benefits (subscription energy, vouchers) may bring a session to zero, never below, and only they may.
        assert pipeline.rows("SELECT countIf(total_cost_incl_vat < 0) FROM sessions_current") == [(0,)]
        assert pipeline.rows(
            "SELECT count() FROM sessions_current WHERE total_cost_incl_vat = 0 AND session_id NOT IN"
            " (SELECT session_id FROM line_items_current WHERE amount_incl_vat < 0)"
        ) == [(0,)]
        dead = dict(pipeline.rows("SELECT error_class, count() FROM dead_letters_current GROUP BY error_class"))
        assert dead == {cls: n for cls, n in day.bad_frames.items() if n}
        notified = dict(pipeline.rows("SELECT kind, count() FROM notifications_current GROUP BY kind"))
        receipts = pipeline.rows(
            "SELECT uniqExact(session_id) FROM notifications_current WHERE kind = 'session_completed'"
        )
        assert receipts == [(len(day.expected),)] and notified.pop("session_completed") == len(day.expected)
        # Besides receipts only what the day's refused cards and faults explain.
        assert notified.get("blocked_card", 0) <= day.refused_authorizations
        assert set(notified) <= {"blocked_card", "charging_problem"}
        assert notified.get("charging_problem", 0) <= day.faults
    finally:
        pipeline.stop()
