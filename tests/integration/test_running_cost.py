"""Running snapshots in, running costs out, through a real worker: stale snapshots dropped, latest cost queryable."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pipelines.rating.running import RunningCost
from pipelines.sessions.models import ClosedSession
from pipelines.streaming import kafka
from pipelines.streaming.codec import decoder, encoder
from tests.integration.pipeline_harness import PipelineUnderTest
from tests.unit.rating.builders import session

START = datetime(2026, 11, 23, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def pipeline(broker: str, warehouse_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineUnderTest]:
    under_test = PipelineUnderTest(broker, warehouse_url, tmp_path_factory.mktemp("running")).start()
    try:
        yield under_test
    finally:
        under_test.stop()


def snapshot(tx: int, minutes: int, kwh: str, cp: str = "CP-E2E-1") -> ClosedSession:
    """What the hot path publishes for an open session: revision 0, estimated, stopped_at = the last reading."""
    ids = {"tenant_id": "e2e", "charge_point_id": cp, "transaction_id": str(tx), "id_tag": "TAG-OK-1"}
    built = session(START, ("c", minutes, kwh))
    return replace(built, session_id=f"e2e/{cp}/{tx}", revision=0, estimated=True, **ids)


def publish(p: PipelineUnderTest, snapshots: list[ClosedSession]) -> None:
    async def send() -> None:
        producer = kafka.producer(p.settings)
        await producer.start()
        try:
            for s in snapshots:
                await producer.send_and_wait(
                    p.settings.topics.sessions_running, encoder("ClosedSession")(s), key=s.session_id.encode()
                )
        finally:
            await producer.stop()

    asyncio.run(send())


def costs_on_topic(p: PipelineUnderTest) -> list[RunningCost]:
    return [decoder("RunningCost")(m.value) for m in p.records(p.settings.topics.sessions_costs)]


def test_snapshots_are_priced_in_order_and_a_stale_one_is_dropped(pipeline: PipelineUnderTest) -> None:
    publish(pipeline, [snapshot(501, 20, "4"), snapshot(501, 40, "9"), snapshot(501, 30, "6")])
    pipeline.drain()
    costs = [c for c in costs_on_topic(pipeline) if c.session_id == "e2e/CP-E2E-1/501"]
    # FLAT 1.00 + kWh x 0.40, +19 % VAT; the 30-minute snapshot arrived after the 40-minute one: dropped
    assert [(c.as_of, c.energy_kwh, c.cost_excl_vat, c.cost_incl_vat) for c in costs] == [
        (datetime(2026, 11, 23, 8, 20, tzinfo=UTC), Decimal(4), Decimal("2.6"), Decimal("3.094")),
        (datetime(2026, 11, 23, 8, 40, tzinfo=UTC), Decimal(9), Decimal("4.6"), Decimal("5.474")),
    ]
    assert {(c.tariff_id, c.account_id, c.currency) for c in costs} == {("E2E-AC", "E2E-A1", "EUR")}
    live = pipeline.rows(
        "SELECT as_of, cost_incl_vat, duration_h FROM live_sessions WHERE session_id = 'e2e/CP-E2E-1/501'"
    )
    # clickhouse-connect answers UTC columns with naive datetimes
    assert live == [(datetime(2026, 11, 23, 8, 40), Decimal("5.474"), Decimal("0.666666667"))]


def test_a_snapshot_nobody_can_price_is_dead_lettered_once(pipeline: PipelineUnderTest) -> None:
    publish(pipeline, [snapshot(77, 10, "1", cp="CP-UNKNOWN"), snapshot(77, 20, "2", cp="CP-UNKNOWN")])
    pipeline.drain()
    letters = pipeline.rows(
        "SELECT stage, error_class, reason FROM dead_letters_current WHERE charge_point_id = 'CP-UNKNOWN'"
    )
    assert letters == [("rating", "no_tariff", "no charger or tariff in the catalog for CP-UNKNOWN")]
    assert not [c for c in costs_on_topic(pipeline) if c.charge_point_id == "CP-UNKNOWN"]
