from aiokafka import ConsumerRecord, TopicPartition

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
