"""Benefits on the real stack: subscription energy and a voucher budget as discount lines in ClickHouse,
consumed once even when a closed session is delivered again, and still known after the worker restarts
(the account usage table is recovered from its changelog; on the embedded broker only with the end-offset
workaround in pipelines/streaming/faust_transport.py: without it the voucher was granted a second time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tests.integration.frames import session
from tests.integration.pipeline_harness import PipelineUnderTest

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
FIRST, SECOND = "e2e/CP-E2E-1/501", "e2e/CP-E2E-2/502"


def redeliver_closed_session(p: PipelineUnderTest, session_id: str) -> None:
    """Send a closed session's record again, byte for byte, as an at-least-once redelivery would."""
    topic = p.settings.topics.sessions_closed
    found = [m for m in p.records(topic) if m.key == session_id.encode()]
    assert len(found) == 1
    p.resend(topic, found[0])


def test_discount_lines_reach_clickhouse_and_budgets_are_used_once(
    broker: str, warehouse_url: str, tmp_path: Path
) -> None:
    pipeline = PipelineUnderTest(broker, warehouse_url, tmp_path).start()
    try:
        pipeline.publish(session("CP-E2E-1", 501, "TAG-PLUS-1", T0, 0, 15_000, charge_min=60))
        pipeline.drain()
        redeliver_closed_session(pipeline, FIRST)
        pipeline.drain()
        pipeline.stop()
        pipeline.start_worker()
        pipeline.publish(session("CP-E2E-2", 502, "TAG-PLUS-1", T0 + timedelta(hours=3), 0, 5_000, charge_min=30))
        pipeline.drain()
        totals = pipeline.rows(
            "SELECT session_id, total_cost_excl_vat, total_cost_incl_vat FROM sessions_current"
            f" WHERE session_id IN ('{FIRST}', '{SECOND}') ORDER BY session_id"
        )
        assert totals == [
            # FLAT 1.00 + 15 kWh x 0.40 = 7.00; 10 kWh included (-4.00); the voucher takes the remaining 3.57 incl.
            (FIRST, Decimal(0), Decimal(0)),
            # FLAT 1.00 + 5 kWh x 0.40 = 3.00 (3.57 incl.); what the voucher had left, 1.43 incl., comes off
            (SECOND, Decimal("1.798319328"), Decimal("2.14")),
        ]
        lines = pipeline.rows(
            "SELECT session_id, kind, rule_id, dimension, amount_excl_vat, amount_incl_vat FROM line_items_current"
            f" WHERE session_id IN ('{FIRST}', '{SECOND}') AND kind != 'tariff' ORDER BY session_id, line_no"
        )
        assert lines == [
            (FIRST, "subscription", "E2E-PLUS", "DISCOUNT", Decimal(-4), Decimal("-4.76")),
            (FIRST, "voucher", "E2E-WELCOME", "DISCOUNT", Decimal(-3), Decimal("-3.57")),
            (SECOND, "voucher", "E2E-WELCOME", "DISCOUNT", Decimal("-1.201680672"), Decimal("-1.43")),
        ]
        sums = pipeline.rows(
            "SELECT s.session_id, s.total_cost_incl_vat = sum(li.amount_incl_vat) FROM sessions_current AS s"
            " INNER JOIN line_items_current AS li ON li.session_id = s.session_id"
            f" WHERE s.session_id IN ('{FIRST}', '{SECOND}') GROUP BY s.session_id, s.total_cost_incl_vat"
        )
        assert sorted(sums) == [(FIRST, True), (SECOND, True)]
    finally:
        pipeline.stop()
