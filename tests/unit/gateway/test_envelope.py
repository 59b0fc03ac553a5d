"""Envelope bytes: the contract's fields, and the frame's own JSON text spliced in unchanged."""

from datetime import UTC, datetime, timedelta, timezone

import orjson
from hypothesis import given
from hypothesis import strategies as st

from pipelines.gateway.envelope import DOWNSTREAM, UPSTREAM, envelope, utc_text
from pipelines.ingest.envelope import parse_envelope

AT = datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=UTC)


def test_fields_and_exact_message_text():
    frame = b'[2, "19", "MeterValues", {"value": 1.10, "x": 1e3}]'
    value = envelope("CP-1", "t1", "ocpp1.6", AT, UPSTREAM, "MeterValues", frame)
    doc = orjson.loads(value)
    assert doc == {
        "charge_point_id": "CP-1", "tenant_id": "t1", "protocol": "ocpp1.6",
        "received_at": "2026-11-23T10:00:00.123Z", "direction": "upstream", "action": "MeterValues",
        "message": [2, "19", "MeterValues", {"value": 1.1, "x": 1000.0}],
    }  # fmt: skip
    assert value.endswith(b',"message":' + frame + b"}")  # 1.10 and 1e3 stay as the station wrote them
    env = parse_envelope(doc, AT)
    assert (env.charge_point_id, env.direction, env.received_at) == ("CP-1", "upstream", AT.replace(microsecond=123000))


def test_unknown_station_has_null_tenant_which_ingest_refuses():
    doc = orjson.loads(envelope("CP-X", None, "ocpp2.0.1", AT, DOWNSTREAM, "BootNotification", b'[3,"1",{}]'))
    assert doc["tenant_id"] is None
    assert doc["direction"] == "downstream"


def test_utc_text_converts_offsets_and_keeps_milliseconds():
    assert utc_text(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))) == "2026-01-02T01:04:05.000Z"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@given(st.text(min_size=1), st.one_of(st.none(), st.text()), st.sampled_from([UPSTREAM, DOWNSTREAM]), json_values)
def test_any_ids_and_message_round_trip(cp, tenant, direction, message):
    doc = orjson.loads(envelope(cp, tenant, "ocpp1.6", AT, direction, "A", orjson.dumps(message)))
    assert (doc["charge_point_id"], doc["tenant_id"]) == (cp, tenant)
    assert (doc["direction"], doc["message"]) == (direction, message)
