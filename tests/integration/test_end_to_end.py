"""OCPP frames in, rated sessions, notifications and dead letters out, on the real broker and ClickHouse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.streaming.codec import decoder
from tests.integration.frames import call, envelope, session
from tests.integration.pipeline_harness import PipelineUnderTest

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pipeline(broker: str, warehouse_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineUnderTest]:
    under_test = PipelineUnderTest(broker, warehouse_url, tmp_path_factory.mktemp("e2e")).start()
    try:
        yield under_test
    finally:
        under_test.stop()


def notifications_on_topic(p: PipelineUnderTest) -> list:
    return [decoder("Notification")(m.value) for m in p.records(p.settings.topics.notifications)]


def test_known_sessions_are_rated_exactly_and_notified_once(pipeline: PipelineUnderTest) -> None:
    pipeline.publish(
        session("CP-E2E-1", 101, "TAG-OK-1", T0, 1000, 12_345, charge_min=60, park_min=30)
        + session("CP-E2E-2", 202, "TAG-OK-2", T0, 50_000, 7_000, charge_min=35)
    )
    pipeline.drain()
    rows = pipeline.rows(
        "SELECT session_id, energy_wh, total_parking_time_h, total_cost_excl_vat, total_cost_incl_vat, account_id"
        " FROM sessions_current WHERE session_id IN ('e2e/CP-E2E-1/101', 'e2e/CP-E2E-2/202') ORDER BY session_id"
    )
    assert rows == [
        # FLAT 1.00 + 12.345 kWh x 0.40 + 0.5 h parking x 6.00 = 8.938; +19 % VAT
        ("e2e/CP-E2E-1/101", Decimal("12345"), Decimal("0.5"), Decimal("8.938"), Decimal("10.63622"), "E2E-A1"),
        # FLAT 1.00 + 7 kWh x 0.40 = 3.80; +19 % VAT
        ("e2e/CP-E2E-2/202", Decimal("7000"), Decimal("0"), Decimal("3.8"), Decimal("4.522"), "E2E-A2"),
    ]
    lines = pipeline.rows(
        "SELECT dimension, quantity, amount_excl_vat FROM line_items_current"
        " WHERE session_id = 'e2e/CP-E2E-1/101' ORDER BY line_no"
    )
    assert sum(amount for _, _, amount in lines) == Decimal("8.938")
    assert {d for d, _, _ in lines} == {"FLAT", "ENERGY", "PARKING_TIME"}
    periods = pipeline.rows(
        "SELECT kind, energy_wh FROM periods_current WHERE session_id = 'e2e/CP-E2E-1/101' ORDER BY period_no"
    )
    assert periods == [("charging", Decimal("12345")), ("parking", Decimal("0"))]
    notes = [n for n in notifications_on_topic(pipeline) if n.session_id in ("e2e/CP-E2E-1/101", "e2e/CP-E2E-2/202")]
    assert sorted((n.session_id, n.channel, n.recipient) for n in notes) == [
        ("e2e/CP-E2E-1/101", "email", "erika@example.org"),
        ("e2e/CP-E2E-2/202", "sms", "+4924100000"),
    ]
    assert "10.64" in next(n.body for n in notes if n.session_id == "e2e/CP-E2E-1/101").replace(",", ".")


def test_malformed_frames_are_dead_lettered_while_good_traffic_is_rated(pipeline: PipelineUnderTest) -> None:
    bad = [
        b"this is not json",
        b'{"charge_point_id": 5, "tenant_id": "e2e"}',
        envelope("CP-E2E-1", T0, "upstream", "NoSuchAction", [2, "bad-1", "NoSuchAction", {}]),
        call("CP-E2E-1", T0, "bad-2", "MeterValues", {"connectorId": 1}),
        call(
            "CP-E2E-1",
            T0,
            "bad-3",
            "StopTransaction",
            {"transactionId": 99_999, "meterStop": 5, "timestamp": "2026-11-23T08:10:00Z"},
        ),
        envelope(
            "CP-E2E-1",
            T0,
            "upstream",
            "DataTransfer",
            [2, "bad-4", "DataTransfer", {"vendorId": "x", "data": "A" * 1_000_000}],
        ),
    ]
    good = session("CP-E2E-1", 303, "TAG-OK-1", T0.replace(hour=12), 20_000, 5_000, charge_min=20, connector=2)
    pipeline.publish(bad[:3] + good[:4] + bad[3:] + good[4:])
    pipeline.drain()
    classes = {row[0] for row in pipeline.rows("SELECT error_class FROM dead_letters_current WHERE reason != ''")}
    assert {
        "not_json",
        "bad_envelope",
        "unknown_action",
        "schema_violation",
        "unknown_transaction",
        "too_large",
    } <= classes
    assert pipeline.rows("SELECT count() FROM dead_letters_current WHERE original = 'this is not json'") == [(1,)]
    assert pipeline.rows("SELECT total_cost_excl_vat FROM sessions_current WHERE session_id = 'e2e/CP-E2E-1/303'") == [
        (Decimal("3"),)
    ]  # FLAT 1.00 + 5 kWh x 0.40


def test_the_same_frames_twice_give_the_same_rows(pipeline: PipelineUnderTest, tmp_path: Path) -> None:
    frames = session("CP-E2E-2", 404, "TAG-OK-2", T0.replace(hour=15), 90_000, 9_999, charge_min=40, park_min=10)
    pipeline.publish(frames)
    pipeline.drain()
    query = (
        "SELECT (SELECT count() FROM events_current WHERE transaction_id = '404' OR message_id LIKE 'CP-E2E-2-404%'),"
        " (SELECT groupArray(total_cost_incl_vat) FROM sessions_current WHERE session_id = 'e2e/CP-E2E-2/404'),"
        " (SELECT count() FROM line_items_current WHERE session_id = 'e2e/CP-E2E-2/404'),"
        " (SELECT count() FROM notifications_current WHERE session_id = 'e2e/CP-E2E-2/404')"
    )
    once = pipeline.rows(query)
    pipeline.publish(frames)
    pipeline.drain()
    assert pipeline.rows(query) == once
    events, costs, _, notes = once[0]
    assert events == len(frames) and len(costs) == 1 and notes == 1
