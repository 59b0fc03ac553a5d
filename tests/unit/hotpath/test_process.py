from datetime import UTC, datetime

from pipelines.hotpath.process import BatchResult, FrameProcessor, InboundRecord
from tests.integration.frames import session

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
READ_AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def records(frames: list[bytes], start: int = 0) -> list[InboundRecord]:
    return [InboundRecord(0, start + n, frame) for n, frame in enumerate(frames)]


def test_a_whole_session_in_one_batch_closes_once() -> None:
    processor = FrameProcessor("ocpp.inbound")
    result = processor.process(records(session("CP-1", 7, "TAG", T0, 100, 5000, charge_min=30)), READ_AT)
    assert [s.session_id for _, s in result.closed] == ["e2e/CP-1/7"]
    assert result.closed[0][1].energy_wh == 5000
    assert result.touched == {"e2e/CP-1"}


def test_duplicates_within_a_batch_and_across_written_batches_are_dropped() -> None:
    processor = FrameProcessor("ocpp.inbound")
    frames = session("CP-1", 7, "TAG", T0, 100, 5000, charge_min=30)
    first = processor.process(records(frames + frames), READ_AT)
    assert len(first.closed) == 1
    assert len(first.events) == len(frames)
    processor.mark_written(first)
    again = processor.process(records(frames, 1000), READ_AT)
    assert again.events == [] and again.closed == []


def test_state_survives_a_snapshot_and_restore_mid_session() -> None:
    frames = session("CP-1", 7, "TAG", T0, 100, 5000, charge_min=30)
    first, rest = frames[:5], frames[5:]
    original = FrameProcessor("ocpp.inbound")
    result = original.process(records(first), READ_AT)
    original.mark_written(result)
    restored = FrameProcessor("ocpp.inbound")
    restored.restore(0, "e2e/CP-1", original.snapshot("e2e/CP-1"))
    replay = restored.process(records(frames), READ_AT)  # the first five again, then the rest
    assert len(replay.events) == len(rest)
    assert [s.energy_wh for _, s in replay.closed] == [5000]


def test_garbage_is_dead_lettered_not_raised() -> None:
    result = FrameProcessor("ocpp.inbound").process(records([b"\xff\xfe", b"[]", b"{}"]), READ_AT)
    assert len(result.dead_letters) == 3 and result.events == []


def test_a_batch_whose_write_failed_is_processed_again_on_replay() -> None:
    # A peer marked dedup keys as seen before writing and lost every retried event; here a replay after a
    # failed write (no mark_written) must yield the same events again.
    frames = session("CP-1", 7, "TAG", T0, 100, 5000, charge_min=30)
    processor = FrameProcessor("ocpp.inbound")
    first = processor.process(records(frames[:3]), READ_AT)
    replay = FrameProcessor("ocpp.inbound").process(records(frames[:3]), READ_AT)
    assert [e.event_id for _, e in replay.events] == [e.event_id for _, e in first.events]
    assert len(processor.process(records(frames[:3]), READ_AT).events) == 3


def test_mark_written_also_takes_a_result_built_by_hand() -> None:
    frames = session("CP-1", 7, "TAG", T0, 100, 5000, charge_min=30)
    processor = FrameProcessor("ocpp.inbound")
    result = processor.process(records(frames), READ_AT)
    assert len(result.dedup_keys) == len(result.events)
    processor.mark_written(BatchResult(events=list(result.events)))  # no digests carried along
    assert processor.process(records(frames, 1000), READ_AT).events == []


def test_a_frame_repeated_in_one_batch_yields_its_events_once() -> None:
    frames = session("CP-1", 7, "TAG", T0, 100, 5000, charge_min=30)
    processor = FrameProcessor("ocpp.inbound")
    result = processor.process(records([frames[0], frames[0], frames[1], frames[0]]), READ_AT)
    assert [e.event_id for _, e in result.events] == [
        e.event_id for _, e in processor.process(records(frames[:2]), READ_AT).events
    ]
    assert result.touched == {"e2e/CP-1"}
