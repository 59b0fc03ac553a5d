from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.envelope import (
    _TIMESTAMPS,
    MAX_CACHED_TIMESTAMPS,
    IngestError,
    _parse_timestamp,
    parse_envelope,
    parse_frame,
    parse_timestamp,
)
from pipelines.ingest.models import DeadLetterClass
from tests.unit.ingest.frames import READ_AT, envelope


def test_good_envelope_and_frame():
    env = parse_envelope(envelope([2, "7", "Heartbeat", {}]), READ_AT)
    assert (env.tenant_id, env.direction, env.received_at.tzinfo) == ("stadtwerk-aachen", "upstream", UTC)
    assert parse_frame(env) == (2, "7", {}, None, None)


def test_every_envelope_problem_is_named():
    doc = {"charge_point_id": "a/b", "tenant_id": 3, "received_at": "2030-01-01T00:00:00Z", "direction": "up"}
    with pytest.raises(IngestError) as caught:
        parse_envelope(doc, READ_AT)
    reason = caught.value.reason
    assert caught.value.error_class is DeadLetterClass.BAD_ENVELOPE
    for fragment in (
        "protocol is missing",
        "action is missing",
        "message is missing",
        "tenant_id must be a string",
        "charge_point_id must be",
        "direction must be",
        "received_at 2030",
    ):
        assert fragment in reason, (fragment, reason)


@pytest.mark.parametrize(
    ("message", "fragment"),
    [
        ([2, "1", "Heartbeat"], "must have 4 elements"),
        ([2, "", "Heartbeat", {}], "message id"),
        ([2, "1", "Authorize", {}], "differs from envelope action"),
        ([3, "1", []], "must be a object"),
        ([9, "1", {}], "message type must be"),
        ({"a": 1}, "non-empty OCPP-J array"),
    ],
)
def test_frame_problems(message, fragment):
    env = parse_envelope({**envelope([2, "1", "Heartbeat", {}]), "message": message}, READ_AT)
    with pytest.raises(IngestError) as caught:
        parse_frame(env)
    assert caught.value.error_class is DeadLetterClass.BAD_FRAME and fragment in caught.value.reason


def test_timestamps():
    assert parse_timestamp("2026-11-23t10:00:00z") == datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert parse_timestamp("2026-11-23T11:00:00+01:00") == datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert parse_timestamp("2026-11-23T10:00:00") is None
    assert parse_timestamp("nonsense") is None


@given(st.sampled_from(["2026-11-23T10:00:00Z", "2026-11-23t10:00:00z", "2026-11-23T10:00:00", "x"]) | st.text())
def test_cached_timestamps_equal_fresh_parses(text):
    expected = _parse_timestamp(text)
    assert parse_timestamp(text) == expected
    assert parse_timestamp(text) == expected  # the second answer comes from the cache


def test_timestamp_cache_stays_bounded():
    for n in range(MAX_CACHED_TIMESTAMPS + 10):
        parse_timestamp(f"2026-11-23T10:00:00.{n}Z")
    assert parse_timestamp("2026-11-23T10:00:00Z" + " " * 100) is None
    assert len(_TIMESTAMPS) <= MAX_CACHED_TIMESTAMPS
    assert all(len(text) <= 40 for text in _TIMESTAMPS)
