from datetime import UTC, datetime, timedelta

import orjson

from pipelines.hotpath.process import BatchResult, FrameProcessor, InboundRecord
from pipelines.ingest.dedup import Deduplicator
from pipelines.sessions.limits import Limits
from tests.integration.frames import iso, session

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


def test_a_batch_settles_each_charge_point_once_after_its_frames() -> None:
    frames = session("CP-1", 7, "TAG", T0, 100, 5000, charge_min=30, park_min=10)
    processor = FrameProcessor("ocpp.inbound")
    result = processor.process(records(frames), READ_AT)
    [(_, closed)] = result.closed  # the Finishing status after the stop changes nothing: no second revision
    assert (closed.revision, closed.estimated, closed.anomalies) == (1, False, ())


def test_housekeeping_closes_a_silent_session_provisionally_and_its_late_stop_corrects_it() -> None:
    frames = session("CP-1", 7, "TAG", T0, 100, 5000, charge_min=30)
    stop_at = next(i for i, f in enumerate(frames) if b'"StopTransaction"' in f and b"meterStop" in f)
    processor = FrameProcessor("ocpp.inbound", Limits(provisional_timeout=timedelta(minutes=5)))
    processor.mark_written(processor.process(records(frames[:stop_at]), READ_AT))
    interval = timedelta(seconds=60)
    assert processor.housekeep(READ_AT + timedelta(minutes=4), interval).closed == []
    kept = processor.housekeep(READ_AT + timedelta(minutes=5), interval)
    [(partition, provisional)] = kept.closed
    assert (partition, provisional.revision, provisional.estimated) == (0, 1, True)
    assert kept.touched == {"e2e/CP-1"} and kept.running == []  # closed sessions have no running snapshot
    late = processor.process(records(frames[stop_at:], 100), READ_AT + timedelta(hours=1))
    [(_, corrected)] = late.closed
    assert (corrected.revision, corrected.estimated, corrected.energy_wh) == (2, False, 5000)


def test_housekeeping_gives_running_snapshots_of_changed_open_sessions() -> None:
    frames = session("CP-1", 7, "TAG", T0, 100, 5000, charge_min=30)
    processor = FrameProcessor("ocpp.inbound")
    processor.process(records(frames[:6]), READ_AT)
    [(_, snapshot)] = processor.housekeep(READ_AT, timedelta(seconds=60)).running
    assert (snapshot.session_id, snapshot.revision, snapshot.estimated) == ("e2e/CP-1/7", 0, True)
    assert processor.housekeep(READ_AT + timedelta(hours=1), timedelta(seconds=60)).running == []


def test_a_version_1_state_is_restored_with_its_charge_point_from_the_key() -> None:
    processor = FrameProcessor("ocpp.inbound")
    v1 = {"v": 1, "pending_starts": {}, "open_transactions": [], "connector_status": [], "recently_closed": []}
    raw = orjson.dumps({"v": 1, "sessions": orjson.dumps(v1).decode(), "dedup": Deduplicator().to_bytes().decode()})
    processor.restore(0, "e2e/CP-1", raw)
    state = processor.states["e2e/CP-1"].sessions
    assert (state.tenant_id, state.charge_point_id) == ("e2e", "CP-1")


def te201(seq: int, event_type: str, minute: int, wh: int, **info: object) -> bytes:
    """An OCPP 2.0.1 TransactionEvent of transaction TX-9 on EVSE 1, with one energy (and power) reading."""
    at = iso(T0 + timedelta(minutes=minute))
    context = {"Started": "Transaction.Begin", "Ended": "Transaction.End"}.get(event_type, "Sample.Periodic")
    sampled = [{"value": wh, "context": context, "measurand": "Energy.Active.Import.Register"}]
    if event_type == "Updated":
        sampled.append({"value": 11000 if minute < 40 else 0, "context": context, "measurand": "Power.Active.Import"})
    payload = {
        "eventType": event_type, "timestamp": at, "triggerReason": "MeterValuePeriodic", "seqNo": seq,
        "transactionInfo": {"transactionId": "TX-9", **info},
        "meterValue": [{"timestamp": at, "sampledValue": sampled}],
        **({"evse": {"id": 1}, "idToken": {"idToken": "TAG", "type": "ISO14443"}} if event_type == "Started" else {}),
    }  # fmt: skip
    return orjson.dumps({
        "charge_point_id": "CP-201", "tenant_id": "e2e", "protocol": "ocpp2.0.1", "received_at": at,
        "direction": "upstream", "action": "TransactionEvent", "message": [2, f"te-{seq}", "TransactionEvent", payload],
    })  # fmt: skip


def test_201_transaction_events_in_reverse_order_build_the_session_once_its_start_arrives() -> None:
    frames = [
        te201(0, "Started", 0, 1_000, chargingState="Charging"),
        te201(1, "Updated", 30, 3_000),
        te201(2, "Updated", 40, 3_500, chargingState="SuspendedEV"),
        te201(3, "Ended", 60, 3_500, stoppedReason="EVDisconnected"),
    ]
    processor = FrameProcessor("ocpp.inbound")
    result = processor.process(records(frames[::-1]), READ_AT)
    assert [d.error_class for _, d in result.dead_letters] == ["unknown_transaction"]  # the stop came first
    [(_, session)] = result.closed
    assert (session.session_id, session.id_tag, session.energy_wh, session.stop_reason) == (
        "e2e/CP-201/TX-9",
        "TAG",
        2_500,
        "EVDisconnected",
    )
    assert [(p.kind.value, p.energy_wh) for p in session.periods] == [("charging", 2_500), ("parking", 0)]
