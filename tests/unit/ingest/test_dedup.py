import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.dedup import Deduplicator, digest
from pipelines.ingest.models import ChargingEvent, EventKind
from tests.unit.ingest.frames import READ_AT


def event(message_id: str) -> ChargingEvent:
    return ChargingEvent(
        f"t/cp/upstream/2/{message_id}#0",
        "t",
        "cp",
        "ocpp1.6",
        "upstream",
        2,
        message_id,
        "Heartbeat",
        EventKind.HEARTBEAT,
        READ_AT,
        None,
    )


def test_fresh_marks_nothing_until_remembered():
    dedup = Deduplicator()
    batch = [event("1"), event("2"), event("1")]
    assert dedup.fresh(batch) == batch[:2]
    assert dedup.fresh(batch) == batch[:2]  # a write failed: the replay is not lost
    dedup.remember(batch[:2])
    assert dedup.fresh([event("1"), event("3")]) == [event("3")]


def test_window_keeps_the_last_capacity_ids():
    dedup = Deduplicator(capacity=3)
    dedup.remember([event(str(n)) for n in range(5)])
    assert len(dedup) == 3
    assert dedup.fresh([event(str(n)) for n in range(5)]) == [event("0"), event("1")]


@given(st.lists(st.text(max_size=6), max_size=40), st.integers(1, 10))
def test_snapshot_round_trip_keeps_the_window(ids, capacity):
    dedup = Deduplicator(capacity)
    dedup.remember([event(i) for i in ids])
    restored = Deduplicator.from_bytes(dedup.to_bytes())
    probe = [event(i) for i in [*ids, "never-seen"]]
    assert restored.fresh(probe) == dedup.fresh(probe)
    assert restored.to_bytes() == dedup.to_bytes()
    assert dedup.to_bytes().decode("ascii")
    assert len(dedup) <= capacity


@pytest.mark.parametrize("raw", [b"", b"dedup1:3", b"dedup2:3:", b"dedup1:3:QUJD", b"dedup1:x:"])
def test_broken_snapshots_are_refused(raw):
    with pytest.raises(ValueError):
        Deduplicator.from_bytes(raw)


@given(st.lists(st.text(max_size=4), max_size=30), st.lists(st.text(max_size=4), max_size=10), st.integers(1, 8))
def test_digest_keys_behave_like_events(remembered, probe, capacity):
    by_events, by_keys = Deduplicator(capacity), Deduplicator(capacity)
    by_events.remember([event(i) for i in remembered])
    by_keys.remember_keys([digest(event(i).event_id) for i in remembered])
    assert by_keys.to_bytes() == by_events.to_bytes()
    fresh_ids = {e.event_id for e in by_events.fresh([event(i) for i in probe])}
    assert {event(i).event_id for i in probe if by_keys.is_new(digest(event(i).event_id))} == fresh_ids
