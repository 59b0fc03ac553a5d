from datetime import UTC, datetime, timedelta

from pipelines.catalog.flag_policy import FlagPolicy
from pipelines.flags.models import Flag, FlagType
from pipelines.flags.station_watch import STATUS_MARK, StationTracker
from pipelines.ingest.models import ChargingEvent, EventKind
from pipelines.streaming.codec import decoder, encoder

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
POLICY = FlagPolicy(heartbeat_interval_s=60, heartbeat_grace_factor=2, faulted_stuck_minutes=30, fault_rate_max=3)
encode = encoder("ChargingEvent")


def event(n: int, kind: EventKind, at: datetime, status: str | None = None, connector: int | None = 1) -> bytes:
    record = ChargingEvent(
        event_id=f"e{n}", tenant_id="t1", charge_point_id="CP-1", protocol="ocpp1.6", direction="upstream",
        message_type=2, message_id=str(n), action="x", kind=kind, received_at=at, station_time=at,
        connector_id=connector, status=status, error_code="GroundFailure" if status == "Faulted" else "NoError",
    )  # fmt: skip
    return encode(record)


def tracker() -> StationTracker:
    return StationTracker(lambda tenant: POLICY, decoder("ChargingEvent"))


def feed(t: StationTracker, items: list[tuple[bytes, datetime]]) -> list[Flag]:
    return [flag for value, at in items for flag in t.record(b"CP-1", value, at)]


def types(flags: list[Flag]) -> list[str]:
    return [flag.flag_type for flag in flags]


def test_a_station_heard_regularly_raises_nothing() -> None:
    t = tracker()
    beats = [
        (event(n, EventKind.HEARTBEAT, T0 + n * timedelta(seconds=60)), T0 + n * timedelta(seconds=60))
        for n in range(10)
    ]
    assert feed(t, beats) == []
    assert t.sweep(T0 + timedelta(seconds=600)) == []


def test_a_silent_station_is_flagged_once_per_silence() -> None:
    t = tracker()
    feed(t, [(event(1, EventKind.BOOT, T0), T0)])
    assert t.sweep(T0 + timedelta(seconds=120)) == []  # 2 x 60 s: not yet
    found = t.sweep(T0 + timedelta(seconds=121))
    assert types(found) == [FlagType.STATION_SILENT]
    assert t.sweep(T0 + timedelta(seconds=500)) == []  # still the same silence
    meter = event(2, EventKind.METER_VALUES, T0 + timedelta(seconds=600))
    assert b"status" not in meter and b"heartbeat" not in meter  # heard without decoding
    feed(t, [(meter, T0 + timedelta(seconds=600))])
    assert t.sweep(T0 + timedelta(seconds=650)) == []
    assert types(t.sweep(T0 + timedelta(seconds=800))) == [FlagType.STATION_SILENT]  # a new silence


def test_a_connector_stuck_in_faulted() -> None:
    t = tracker()
    feed(t, [(event(1, EventKind.STATUS, T0, "Faulted"), T0)])
    heartbeats = [
        (event(10 + n, EventKind.HEARTBEAT, T0 + n * timedelta(minutes=1)), T0 + n * timedelta(minutes=1))
        for n in range(40)
    ]
    feed(t, heartbeats)
    found = t.sweep(T0 + timedelta(minutes=31))
    assert types(found) == [FlagType.CONNECTOR_STUCK_FAULTED] and found[0].subject == "CP-1/1"
    assert t.sweep(T0 + timedelta(minutes=32)) == []


def test_a_repaired_connector_is_not_stuck() -> None:
    t = tracker()
    feed(t, [(event(1, EventKind.STATUS, T0, "Faulted"), T0)])
    feed(t, [(event(2, EventKind.STATUS, T0 + timedelta(minutes=5), "Available"), T0 + timedelta(minutes=5))])
    feed(t, [(event(3, EventKind.HEARTBEAT, T0 + timedelta(minutes=40)), T0 + timedelta(minutes=40))])
    assert t.sweep(T0 + timedelta(minutes=40)) == []


def test_a_fault_rate_spike_is_flagged_once_even_when_redelivered() -> None:
    t = tracker()
    faults = []
    for n in range(6):
        at = T0 + n * timedelta(minutes=5)
        faults += [(event(2 * n, EventKind.STATUS, at, "Faulted"), at)]
        faults += [
            (event(2 * n + 1, EventKind.STATUS, at + timedelta(minutes=1), "Available"), at + timedelta(minutes=1))
        ]
    found = feed(t, faults)
    assert types(found) == [FlagType.FAULT_RATE_SPIKE]
    assert {f.flag_id for f in feed(t, faults)} <= {found[0].flag_id}


def test_three_faults_an_hour_are_no_spike() -> None:
    t = tracker()
    faults = [
        (event(n, EventKind.STATUS, T0 + n * timedelta(minutes=25), "Faulted"), T0 + n * timedelta(minutes=25))
        for n in range(6)
    ]
    assert feed(t, faults) == []


def test_only_status_events_carry_the_status_mark() -> None:
    assert STATUS_MARK in event(1, EventKind.STATUS, T0, "Faulted")
    result = ChargingEvent(
        event_id="e", tenant_id="t1", charge_point_id="CP-1", protocol="ocpp1.6", direction="downstream",
        message_type=3, message_id="m", action="Authorize", kind=EventKind.OTHER, received_at=T0, station_time=None,
        status="Accepted", payload='{"idTagInfo":{"status":"Accepted"}}',
    )  # fmt: skip
    assert STATUS_MARK not in encode(result)
