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
