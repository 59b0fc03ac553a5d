from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.streaming.avro_compile import RowLayout, SchemaCompileError, compile_row_decoders
from pipelines.streaming.avro_runtime import AvroCodecError
from pipelines.streaming.codec import ENUMS, decoder, encoder, row_decoder, schema_json
from pipelines.warehouse.rows import (
    ROW_LAYOUTS,
    TABLE_COLUMNS,
    dead_letter_row,
    delivery_row,
    event_row,
    flag_row,
    notification_row,
)
from tests.unit.flags.strategies import flags
from tests.unit.streaming.test_avro_compile import charging_events, dead_letters, deliveries, notifications

REFERENCE_ROWS = {
    "ChargingEvent": event_row,
    "DeadLetter": dead_letter_row,
    "Notification": notification_row,
    "NotificationDelivery": delivery_row,
    "Flag": flag_row,
}


def test_every_flat_layout_lists_its_table_columns_in_order() -> None:
    for _name, (table, layout) in ROW_LAYOUTS.items():
        assert layout.columns == TABLE_COLUMNS[table]
    assert set(ROW_LAYOUTS) == set(REFERENCE_ROWS)


@settings(max_examples=300)
@given(st.one_of(charging_events, dead_letters, notifications, deliveries, flags))
def test_row_decoder_equals_the_row_of_the_decoded_record(record: Any) -> None:
    name = type(record).__name__
    raw = encoder(name)(record)
    row = row_decoder(name, ROW_LAYOUTS[name][1])(raw)
    expected = REFERENCE_ROWS[name](decoder(name)(raw))
    assert row == expected
    assert [type(v) for v in row] == [type(v) for v in expected]  # plain str for enums, not the member


def error_of(read: Any, raw: bytes) -> str:
    with pytest.raises(AvroCodecError) as raised:
        read(raw)
    return str(raised.value)


@settings(max_examples=200)
@given(
    st.one_of(charging_events, dead_letters, notifications, deliveries, flags),
    st.binary(max_size=8),
    st.integers(1, 40),
)
def test_row_decoder_refuses_the_bytes_the_decoder_refuses_with_the_same_error(
    record: Any, junk: bytes, cut: int
) -> None:
    name = type(record).__name__
    raw = encoder(name)(record)
    read_row, read_record = row_decoder(name, ROW_LAYOUTS[name][1]), decoder(name)
    for bad in (raw[: max(0, len(raw) - cut)], raw + b"\x00" + junk, b"\x01\x02 not avro" + junk):
        assert error_of(read_row, bad) == error_of(read_record, bad)


def test_unknown_enum_values_are_refused_like_the_decoder_does() -> None:
    raw = b"".join(b"\x02x" for _ in range(5)) + b"\x04" + b"\x02x\x02x" + b"\x0aOTHER"
    with pytest.raises(AvroCodecError, match="OTHER"):
        row_decoder("ChargingEvent", ROW_LAYOUTS["ChargingEvent"][1])(raw)


def test_layouts_that_do_not_match_the_schema_fail_at_compile_time_with_every_problem() -> None:
    schemas = list(schema_json().values())
    notification = ROW_LAYOUTS["Notification"][1]
    layouts = {
        "Notification": RowLayout((*notification.columns[:-1], "sent_at"), (("body", ""),)),
        "ChargingEvent": RowLayout(ROW_LAYOUTS["ChargingEvent"][1].columns, (("session_id", object()),)),
        "RatedSession": RowLayout(("session",)),
        "Nope": RowLayout(()),
    }
    with pytest.raises(SchemaCompileError) as raised:
        compile_row_decoders(schemas, layouts, ENUMS)
    message = str(raised.value)
    assert "Notification: columns must name each field once (fields not in a column: ['created_at']" in message
    assert "columns that are no field: ['sent_at']" in message
    assert "Notification.body: a null default needs a nullable field" in message
    assert "ChargingEvent.session_id: a null default needs a nullable field" in message
    assert "RatedSession: row layouts need flat records" in message
    assert "Nope: no such record" in message


def test_a_column_listed_twice_is_refused() -> None:
    columns = ROW_LAYOUTS["Notification"][1].columns
    with pytest.raises(SchemaCompileError, match="columns must name each field once"):
        compile_row_decoders(list(schema_json().values()), {"Notification": RowLayout((*columns, columns[0]))})
