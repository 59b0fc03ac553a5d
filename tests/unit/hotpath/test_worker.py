from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pipelines.config import Settings
from pipelines.hotpath.process import BatchResult
from pipelines.hotpath.worker import HotPathWorker, session_limits
from pipelines.ingest.models import ChargingEvent, EventKind
from pipelines.streaming.codec import encoder

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def event(meter_wh: Decimal) -> ChargingEvent:
    return ChargingEvent(
        "t/CP/up/2/m1#0", "t", "CP", "ocpp1.6", "upstream", 2, "m1", "MeterValues", EventKind.METER_VALUES, T0, T0,
        connector_id=1, transaction_id="5", meter_wh=meter_wh, payload='{"connectorId":1}',
    )  # fmt: skip


def test_a_record_beyond_its_schema_becomes_a_dead_letter_and_the_rest_is_encoded() -> None:
    result = BatchResult()
    good, huge = event(Decimal("1200")), event(Decimal("1e30"))
    encoded = HotPathWorker._encode_all(
        encoder("ChargingEvent"), [(0, good), (1, huge)], result, lambda e: e.charge_point_id
    )
    assert [(p, k) for p, k, _ in encoded] == [(0, b"CP")]
    [(partition, letter)] = result.dead_letters
    assert partition == 1 and letter.error_class == "impossible_value"
    assert "does not fit its Avro schema" in letter.reason and letter.original == b'{"connectorId":1}'


def test_the_session_windows_come_from_the_settings() -> None:
    limits = session_limits(Settings(late_arrival_window_s=600, provisional_close_timeout_s=90))
    assert (limits.late_window, limits.provisional_timeout) == (timedelta(minutes=10), timedelta(seconds=90))
