"""Real-traffic anomalies on the embedded stack: a lost stop (provisional close, then its late correction replacing
the rating), a meter register reset, and a station's offline backlog arriving at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import orjson
import pytest

from tests.integration.frames import call, envelope, iso, meter, session, status
from tests.integration.pipeline_harness import PipelineUnderTest

PROVISIONAL_TIMEOUT_S = 3
NOW = datetime.now(UTC).replace(microsecond=0)
ACCEPTED = {"idTagInfo": {"status": "Accepted"}}


def naive(at: datetime) -> datetime:
    """As ClickHouse returns a DateTime64(6, 'UTC') column: UTC without tzinfo."""
    return at.replace(tzinfo=None)


@pytest.fixture(scope="module")
def pipeline(broker: str, warehouse_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineUnderTest]:
    with pytest.MonkeyPatch.context() as env:  # the worker process reads its settings from the environment
        env.setenv("CHARGELEDGER_PROVISIONAL_CLOSE_TIMEOUT_S", str(PROVISIONAL_TIMEOUT_S))
        under_test = PipelineUnderTest(broker, warehouse_url, tmp_path_factory.mktemp("anomalies")).start()
    try:
        yield under_test
    finally:
        under_test.stop()


def stop(cp: str, at: datetime, mid: str, tx: int, meter_stop: int) -> list[bytes]:
    payload = {"transactionId": tx, "meterStop": meter_stop, "timestamp": iso(at), "reason": "EVDisconnected"}
    return [
        call(cp, at, mid, "StopTransaction", payload),
        envelope(cp, at, "downstream", "StopTransaction", [3, mid, ACCEPTED]),
    ]


def test_a_lost_stop_closes_provisionally_and_its_late_arrival_replaces_the_rating(pipeline: PipelineUnderTest) -> None:
    start = NOW - timedelta(hours=1)
    frames = session("CP-E2E-1", 601, "TAG-OK-1", start, 1_000, 6_000, charge_min=30)
    lost = next(i for i, f in enumerate(frames) if b'"StopTransaction",{' in f)
    pipeline.publish(frames[:lost])  # ... and then the station went quiet
    query = (
        "SELECT revision, estimated, energy_wh, stopped_at, anomalies, total_cost_excl_vat FROM sessions_current"
        " WHERE session_id = 'e2e/CP-E2E-1/601'"
    )
    last_reading = naive(start + timedelta(minutes=30))
    # FLAT 1.00 + 6 kWh (to the last reading) x 0.40
    pipeline.wait_rows(query, [(1, True, Decimal(6_000), last_reading, ["missing_stop"], Decimal("3.4"))])
    late_reading = meter("CP-E2E-1", start + timedelta(minutes=40), "601-late-m", 601, 7_500, 11_000)
    pipeline.publish([late_reading, *stop("CP-E2E-1", start + timedelta(minutes=45), "601-late-stop", 601, 8_000)])
    # FLAT 1.00 + 7 kWh x 0.40, the correction replacing the estimate
    end = naive(start + timedelta(minutes=45))
    pipeline.wait_rows(query, [(2, False, Decimal(7_000), end, ["late_correction"], Decimal("3.8"))])
    lines = pipeline.rows(
        "SELECT revision, sum(amount_excl_vat) FROM line_items_current WHERE session_id = 'e2e/CP-E2E-1/601'"
        " GROUP BY revision"
    )
    assert lines == [(2, Decimal("3.8"))]  # the estimate's lines are gone from the current view
    revisions = pipeline.rows(
        "SELECT DISTINCT revision FROM session_line_items WHERE session_id = 'e2e/CP-E2E-1/601' ORDER BY revision"
    )
    assert revisions == [(1,), (2,)]  # both were written; only the latest counts


def test_a_register_reset_mid_session_is_billed_without_negative_energy(pipeline: PipelineUnderTest) -> None:
    start = NOW - timedelta(hours=2)
    cp, tx, c = "CP-E2E-1", 602, 2

    def at(minutes: int) -> datetime:
        return start + timedelta(minutes=minutes)

    payload = {"connectorId": c, "idTag": "TAG-OK-1", "meterStart": 50_000, "timestamp": iso(start)}
    frames = [
        call(cp, start, "602-start", "StartTransaction", payload),
        envelope(cp, start, "downstream", "StartTransaction", [3, "602-start", {"transactionId": tx, **ACCEPTED}]),
        status(cp, start, "602-s1", "Charging", c),
        meter(cp, at(10), "602-m1", tx, 51_000, 11_000, c),
        meter(cp, at(20), "602-m2", tx, 52_000, 11_000, c),
        meter(cp, at(30), "602-m3", tx, 300, 11_000, c),  # the meter was reset
        meter(cp, at(40), "602-m4", tx, 1_300, 11_000, c),
        *stop(cp, at(50), "602-stop", tx, 2_000),
    ]
    pipeline.publish(frames)
    pipeline.drain()
    rows = pipeline.rows(
        "SELECT energy_wh, anomalies, total_cost_excl_vat FROM sessions_current WHERE session_id = 'e2e/CP-E2E-1/602'"
    )
    # 50 000 -> 52 000 and 300 -> 2 000: 3.7 kWh; FLAT 1.00 + 3.7 x 0.40
    assert rows == [(Decimal(3_700), ["meter_reset", "stop_below_start"], Decimal("2.48"))]


def test_an_offline_backlog_arriving_at_once_rates_each_session_once_in_order(pipeline: PipelineUnderTest) -> None:
    txs = (611, 612, 613)
    queued = []
    for n, tx in enumerate(txs):  # three sessions over the last hours, queued while the station was offline
        start = NOW - timedelta(hours=7 - 2 * n)
        queued += session("CP-E2E-2", tx, "TAG-OK-2", start, 100_000 + n * 10_000, 10_000, charge_min=60)
    backlog = []
    for frame in queued:  # the gateway receives them all now
        data = orjson.loads(frame)
        data["received_at"] = iso(NOW)
        backlog.append(orjson.dumps(data))
    pipeline.publish(backlog)
    pipeline.drain()
    ids = ", ".join(f"'e2e/CP-E2E-2/{tx}'" for tx in txs)
    rated = pipeline.rows(
        f"SELECT transaction_id, revision, estimated, energy_wh, anomalies FROM sessions_current"
        f" WHERE session_id IN ({ids}) ORDER BY started_at"
    )
    assert rated == [(str(tx), 1, False, Decimal(10_000), []) for tx in txs]
    assert pipeline.rows(f"SELECT count() FROM rated_sessions WHERE session_id IN ({ids})") == [(3,)]
    assert pipeline.rows(f"SELECT count() FROM notifications_current WHERE session_id IN ({ids})") == [(3,)]
