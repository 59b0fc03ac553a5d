import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.ingest.models import ChargingEvent, DeadLetter, DeadLetterClass, EventKind
from pipelines.notify.models import Notification, NotificationDelivery
from pipelines.rating.models import LineItem, RatedSession
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind
from pipelines.streaming.avro_compile import SchemaCompileError, compile_codecs
from pipelines.streaming.avro_runtime import ZIGZAG, AvroCodecError
from pipelines.streaming.codec import compiled_codecs, decoder, encoder, from_avro_dict, parsed_schemas, to_avro_dict

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

texts = st.text(st.characters(codec="utf-8"), max_size=40)
maybe_texts = st.none() | texts
int32 = st.integers(-(2**31), 2**31 - 1)
int64 = st.integers(-(2**63), 2**63 - 1)
# Pre-epoch, ordinary and far-future instants, in UTC and in other offsets.
instants = st.datetimes(
    datetime(1900, 1, 1),
    datetime(2300, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5, minutes=30))]),
)


def decimals(precision: int, scale: int) -> st.SearchStrategy[Decimal]:
    """Values that fit the schema after rounding, with up to two digits more than the scale."""
    bound = Decimal(10) ** (precision - scale - 1)
    return (
        st.decimals(-bound, bound, places=scale + 2)
        | st.decimals(-bound, bound, places=scale)
        | st.sampled_from(
            [Decimal("0"), Decimal("-0"), Decimal("0.0005"), Decimal("-0.0015"), Decimal("1E+3"), Decimal("-128")]
        )
    )


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


charging_events = st.builds(
    ChargingEvent, texts, texts, texts, texts, texts, int32, texts, texts, st.sampled_from(EventKind), instants,
    maybe(instants), maybe(int32), maybe_texts, maybe_texts, maybe(decimals(18, 3)), maybe(decimals(18, 3)),
    maybe(decimals(18, 3)), maybe(decimals(9, 3)), maybe_texts, maybe_texts, maybe_texts, maybe(int64), maybe_texts,
    maybe_texts, st.booleans(), texts,
)  # fmt: skip
dead_letters = st.builds(
    DeadLetter, texts, texts, st.sampled_from(DeadLetterClass), texts, st.binary(max_size=60), instants,
    maybe_texts, maybe_texts, texts, int32, int64,
)  # fmt: skip
periods = st.builds(
    ChargingPeriod, instants, instants, st.sampled_from(PeriodKind), decimals(18, 3), maybe(decimals(18, 3)),
    maybe(decimals(18, 3)),
)  # fmt: skip
closed_sessions = st.builds(
    ClosedSession, texts, texts, texts, int32, texts, texts, instants, instants, decimals(18, 3), decimals(18, 3),
    decimals(18, 3), maybe_texts, st.lists(periods, max_size=4).map(tuple), st.booleans(), int32,
)  # fmt: skip
line_items = st.builds(
    LineItem, texts, int32, decimals(28, 9), texts, decimals(28, 9), int32, decimals(28, 9), maybe(decimals(9, 4)),
    decimals(28, 9), texts, texts, maybe_texts,
)  # fmt: skip
rated_sessions = st.builds(
    RatedSession, closed_sessions, texts, texts, texts, maybe_texts, decimals(28, 9), decimals(28, 9),
    decimals(28, 9), decimals(28, 9), decimals(28, 9), st.lists(line_items, max_size=4).map(tuple), instants,
)  # fmt: skip
notifications = st.builds(
    Notification, texts, texts, texts, texts, texts, texts, texts, texts, texts, maybe_texts, instants, texts,
    st.booleans(), st.none() | instants, int32,
)  # fmt: skip
deliveries = st.builds(
    NotificationDelivery, texts, texts, texts, texts, texts, texts, texts, texts, int32, texts, instants,
)  # fmt: skip
records = st.one_of(charging_events, dead_letters, closed_sessions, rated_sessions, notifications, deliveries)
compiled_codecs()  # generate the codecs once, up front: hypothesis' deadline is for encoding, not for compiling


def fastavro_bytes(record: Any) -> bytes:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, parsed_schemas()[type(record).__name__], to_avro_dict(record))
    return buffer.getvalue()


def fastavro_read(name: str, raw: bytes) -> Any:
    return from_avro_dict(name, fastavro.schemaless_reader(io.BytesIO(raw), parsed_schemas()[name]))  # type: ignore[arg-type]


def at_schema_scale(record: Any) -> Any:
    return from_avro_dict(type(record).__name__, to_avro_dict(record))


@settings(max_examples=400)
@given(records)
def test_compiled_bytes_equal_fastavro_bytes(record: Any) -> None:
    assert encoder(type(record).__name__)(record) == fastavro_bytes(record)


@settings(max_examples=400)
@given(records)
def test_compiled_bytes_round_trip_through_fastavro_and_the_compiled_decoder(record: Any) -> None:
    name = type(record).__name__
    raw = encoder(name)(record)
    expected = at_schema_scale(record)
    by_fastavro, compiled = fastavro_read(name, raw), decoder(name)(raw)
    assert compiled == by_fastavro == expected
    assert repr(compiled) == repr(by_fastavro)  # same decimal exponents, same UTC tzinfo, same enum members


@given(charging_events)
def test_decimals_come_back_at_the_schema_scale(event: ChargingEvent) -> None:
    decoded = decoder("ChargingEvent")(encoder("ChargingEvent")(event))
    for value in (decoded.meter_wh, decoded.power_w, decoded.current_a, decoded.soc_percent):
        assert value is None or value.as_tuple().exponent == -3
    assert type(decoded.kind) is EventKind


def test_half_even_quantization_matches_the_reference() -> None:
    event = event_with(meter_wh=Decimal("0.0005"), power_w=Decimal("0.0015"), current_a=Decimal("-2.5E-3"))
    decoded = decoder("ChargingEvent")(encoder("ChargingEvent")(event))
    assert (decoded.meter_wh, decoded.power_w, decoded.current_a) == (
        Decimal("0.000"),
        Decimal("0.002"),
        Decimal("-0.002"),
    )
    assert encoder("ChargingEvent")(event) == fastavro_bytes(event)


def test_decimals_longer_than_any_context_round_exactly_once() -> None:
    tricky = Decimal("13.4999" + "9" * 80)  # rounding to 64 digits first would give 13.500 -> 13.50
    event = ChargingEvent("e", "t", "CP", "p", "d", 2, "1", "a", EventKind.OTHER, T0, None, meter_wh=tricky)
    assert decoder("ChargingEvent")(encoder("ChargingEvent")(event)).meter_wh == Decimal("13.500")
    assert Decimal("13.4999").quantize(Decimal("0.001")) == Decimal("13.500")  # and the reference agrees
    assert encoder("ChargingEvent")(event) == fastavro_bytes(event)


def event_with(**fields: Any) -> ChargingEvent:
    base = ChargingEvent("e", "t", "CP", "p", "d", 2, "1", "a", EventKind.OTHER, T0, None)
    return ChargingEvent(**{**{f: getattr(base, f) for f in base.__slots__}, **fields})  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"meter_wh": Decimal("1E+15")}, "more than 18 digits"),
        ({"soc_percent": Decimal("1000000")}, "more than 9 digits"),
        ({"connector_id": 2**31}, "does not fit an Avro int"),
        ({"received_at": datetime(2026, 1, 1)}, "naive"),
        ({"meter_wh": 1.5}, "float"),
        ({"kind": "no_such_kind"}, "no_such_kind"),
        ({"event_id": None}, "event_id"),
    ],
)
def test_records_that_do_not_fit_fail_with_a_clear_error(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(AvroCodecError, match=message):
        encoder("ChargingEvent")(event_with(**fields))


def test_the_reference_refuses_the_same_oversized_decimal() -> None:
    with pytest.raises(ValueError, match="precision"):
        fastavro_bytes(event_with(meter_wh=Decimal("1E+15")))


def test_plain_strings_with_an_enum_value_encode_like_the_member() -> None:
    assert encoder("ChargingEvent")(event_with(kind="boot")) == encoder("ChargingEvent")(
        event_with(kind=EventKind.BOOT)
    )


def test_bad_bytes_fail_with_a_clear_error() -> None:
    raw = encoder("ChargingEvent")(event_with(connector_id=1))
    with pytest.raises(AvroCodecError, match="not a valid ChargingEvent"):
        decoder("ChargingEvent")(raw[:-3])
    with pytest.raises(AvroCodecError, match="2 trailing bytes"):
        decoder("ChargingEvent")(raw + b"\x00\x00")
    with pytest.raises(AvroCodecError, match="bad union branch 4"):
        decoder("Notification")(b"\x00" * 9 + b"\x04")
    unknown_kind = encoder("ChargingEvent")(event_with(kind="other")).replace(b"\x0aother", b"\x0aOTHER")
    with pytest.raises(AvroCodecError, match="OTHER"):
        decoder("ChargingEvent")(unknown_kind)


def test_decoder_accepts_negative_block_counts_and_memoryviews() -> None:
    period = ChargingPeriod(T0, T0 + timedelta(hours=1), PeriodKind.CHARGING, Decimal("1.500"))
    session = ClosedSession("s", "t", "CP", 1, "42", "tag", T0, T0, Decimal("1"), Decimal("2"), Decimal("1"), None,
                            (period, period))  # fmt: skip
    raw = encoder("ClosedSession")(session)
    one = encoder("ChargingPeriod")(period)
    blocked = raw.replace(b"\x04" + one + one, b"\x01" + ZIGZAG[len(one)] + one + b"\x02" + one)
    assert blocked != raw
    assert decoder("ClosedSession")(memoryview(blocked)) == session
    assert fastavro_read("ClosedSession", blocked) == session


RECORD_CLASSES = {"R": ChargingPeriod}


@pytest.mark.parametrize(
    ("field_type", "message"),
    [
        ("float", "unsupported type 'float'"),
        ({"type": "map", "values": "string"}, "unsupported type 'map'"),
        (["null", "string", "int"], "two-branch unions with null"),
        (["string", "int"], "two-branch unions with null"),
        ({"type": "enum", "name": "E", "symbols": ["A"]}, "unsupported type 'enum'"),
        ({"type": "fixed", "name": "F", "size": 4}, "unsupported type 'fixed'"),
        ({"type": "long", "logicalType": "timestamp-millis"}, "unsupported logical type 'timestamp-millis'"),
        ({"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 6}, "scale <= precision"),
        ("Undefined", "unknown or unsupported type 'Undefined'"),
    ],
)
def test_unsupported_schemas_fail_at_compile_time(field_type: Any, message: str) -> None:
    schema = {"type": "record", "name": "R", "fields": [{"name": "start", "type": field_type}]}
    with pytest.raises(SchemaCompileError, match=message):
        compile_codecs([schema], RECORD_CLASSES)


def test_compile_errors_list_every_problem() -> None:
    schema = {
        "type": "record",
        "name": "R",
        "fields": [{"name": "a", "type": "float"}, {"name": "b", "type": "double"}],
    }
    with pytest.raises(
        SchemaCompileError, match=r"(?s)R\.a: unsupported type 'float'.*R\.b: unsupported type 'double'"
    ):
        compile_codecs([schema], RECORD_CLASSES)


def test_bindings_are_checked_at_compile_time() -> None:
    schema = {"type": "record", "name": "R", "fields": [{"name": "start", "type": "string"}]}
    with pytest.raises(SchemaCompileError, match=r"fields differ from ChargingPeriod: \['end', 'energy_wh'"):
        compile_codecs([schema], RECORD_CLASSES)
    with pytest.raises(SchemaCompileError, match="no record dataclass named R"):
        compile_codecs([schema], {})
    full = parsed_schemas()["ClosedSession"]["fields"][-3]["type"]["items"]
    raw = {**{k: v for k, v in full.items() if not k.startswith("__")}, "name": "R"}
    with pytest.raises(SchemaCompileError, match=r"R\.energy_wh: enum PeriodKind needs a string field"):
        compile_codecs([raw], RECORD_CLASSES, {("R", "energy_wh"): PeriodKind})
