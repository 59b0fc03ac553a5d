import pytest
from aiokafka import ConsumerRecord, TopicPartition
from clickhouse_connect.driver.exceptions import OperationalError

import pipelines.warehouse.sink as sink_module
from pipelines.config import Settings
from pipelines.warehouse.rows import group_rows
from pipelines.warehouse.sink import WarehouseSink


def record(value: bytes, offset: int = 7) -> ConsumerRecord:
    return ConsumerRecord("charging.events.v1", 2, offset, 0, 0, b"k", value, None, 1, len(value), ())


def test_an_undecodable_record_becomes_a_dead_letter_row_not_a_crash() -> None:
    sink = WarehouseSink(Settings(), client=None)  # type: ignore[arg-type]
    tp = TopicPartition("charging.events.v1", 2)
    letter = sink._decode(tp, record(b"\x01\x02 not avro"))
    assert letter.stage == "sink" and letter.source_offset == 7
    assert "charging.events.v1/2/7" in letter.reason
    assert list(group_rows([letter])) == ["dead_letters"]
    assert sink._decode(tp, record(b"\x01\x02 not avro")).dead_letter_id == letter.dead_letter_id


def test_flat_records_become_rows_directly_and_bad_ones_dead_letters() -> None:
    from datetime import UTC, datetime

    from pipelines.ingest.models import ChargingEvent, EventKind
    from pipelines.streaming.codec import encoder
    from pipelines.warehouse.rows import event_row

    event = ChargingEvent("e", "t", "CP", "ocpp1.6", "in", 2, "m", "Heartbeat", next(iter(EventKind)),
                          datetime(2026, 11, 23, tzinfo=UTC), None)  # fmt: skip
    sink = WarehouseSink(Settings(), client=None)  # type: ignore[arg-type]
    tp = TopicPartition("charging.events.v1", 2)
    count, tables = sink._rows({tp: [record(encoder("ChargingEvent")(event), 1), record(b"\x01\x02 junk", 2)]})
    assert count == 2
    assert tables["charging_events"] == [event_row(event)]
    assert [row[-1] for row in tables["dead_letters"]] == [2]


class FlakyClient:
    """Refuses the first inserts like an unreachable server, then accepts."""

    def __init__(self, failures: int) -> None:
        self.failures, self.inserted = failures, []

    def insert(self, table, rows, column_names, database):
        if self.failures:
            self.failures -= 1
            raise OperationalError("connection refused")
        self.inserted.append((table, len(rows)))


async def test_inserts_are_retried_while_clickhouse_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sink_module, "RETRY_BASE_S", 0)
    client = FlakyClient(failures=2)
    sink = WarehouseSink(Settings(), client=client)  # type: ignore[arg-type]
    await sink._write({TopicPartition("charging.events.v1", 2): [record(b"\x01 junk")]})
    assert client.inserted == [("dead_letters", 1)]


async def test_the_worker_stops_when_clickhouse_stays_away(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sink_module, "RETRY_BASE_S", 0)
    sink = WarehouseSink(Settings(), client=FlakyClient(failures=99))  # type: ignore[arg-type]
    with pytest.raises(OperationalError):
        await sink._write({TopicPartition("charging.events.v1", 2): [record(b"\x01 junk")]})
