"""The remembered timestamp-micros encodings the generated encoders read: same bytes as a fresh encoding, bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.streaming import avro_runtime as rt

instants = st.datetimes(
    datetime(1900, 1, 1),
    datetime(2300, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5, minutes=30))]),
)


@given(instants)
def test_remembered_bytes_are_the_zigzag_long_of_the_microseconds(moment: datetime) -> None:
    fresh = rt.timestamp_bytes(moment)
    assert fresh == rt.write_long((moment - rt.EPOCH) // rt.MICROSECOND)
    assert rt.TIMESTAMP_BYTES[moment] == fresh


def test_one_instant_in_two_offsets_shares_its_bytes() -> None:
    utc = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    rt.timestamp_bytes(utc)
    assert rt.TIMESTAMP_BYTES[utc.astimezone(timezone(timedelta(hours=1)))] == rt.timestamp_bytes(utc)


def test_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rt, "MAX_CACHED_TIMESTAMPS", 5)
    for n in range(20):
        rt.timestamp_bytes(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=n))
        assert len(rt.TIMESTAMP_BYTES) <= 5


def test_naive_datetimes_are_still_refused() -> None:
    with pytest.raises(TypeError):
        rt.timestamp_bytes(datetime(2026, 1, 1))
