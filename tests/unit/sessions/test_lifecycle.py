"""Provisional closes, corrections with revision + 1, the late-arrival window, forgetting and running snapshots."""

from datetime import timedelta
from decimal import Decimal

from pipelines.ingest.models import DeadLetterClass
from pipelines.sessions.lifecycle import running_snapshots
from pipelines.sessions.limits import Limits
from pipelines.sessions.models import LATE_CORRECTION, MISSING_STOP, ClosedSession
from pipelines.sessions.state import Phase

from .station import Station, at

LIMITS = Limits(provisional_timeout=timedelta(hours=2), late_window=timedelta(hours=48))
HOUR = timedelta(hours=1)


def charging(cp: Station, tx: str = "1", connector: int = 1, start: float = 0, begin: int = 1_000) -> None:
    """A session that started and sent two meter values, then went quiet."""
    cp.start(connector, start, begin, tx)
    cp.meter(start + 600, wh=begin + 1_000, power=11_000, connector=connector)
    cp.meter(start + 1200, wh=begin + 2_000, power=11_000, connector=connector)


def test_a_session_without_stop_closes_provisionally_after_the_timeout_from_its_last_meter_value() -> None:
    cp = Station(limits=LIMITS)
    charging(cp)
    last_arrival = cp.events[-1].received_at
    assert cp.expire(last_arrival + 2 * HOUR - timedelta(seconds=1)) == []
    [session] = cp.expire(last_arrival + 2 * HOUR)
    assert (session.estimated, session.revision, session.anomalies) == (True, 1, (MISSING_STOP,))
    assert (session.stopped_at, session.energy_wh, session.stop_reason) == (at(1200), 2_000, None)
    assert cp.expire(last_arrival + 3 * HOUR) == []  # emitted once


def test_an_offline_backlog_arriving_at_once_is_not_closed_early() -> None:
    cp = Station(limits=LIMITS)
    now = at(0) + 10 * HOUR
    cp.now = now  # everything arrives now, station times are hours old
    charging(cp)
    assert cp.expire(now + HOUR) == []  # 10 h after its last station time, 1 h after it arrived
    assert len(cp.expire(now + 2 * HOUR)) == 1


def test_a_late_stop_corrects_the_provisional_session_with_the_next_revision() -> None:
    cp = Station(limits=LIMITS)
    charging(cp)
    [provisional] = cp.expire(at(1200) + 3 * HOUR)
    cp.now = at(1200) + 5 * HOUR
    cp.meter(1800, wh=3_500, power=11_000)  # the station's backlog: a reading the worker never saw
    [corrected] = cp.stop("1", 2400, 4_000, reason="EVDisconnected")
    assert (corrected.session_id, corrected.revision, corrected.estimated) == (provisional.session_id, 2, False)
    assert (corrected.stopped_at, corrected.energy_wh, corrected.stop_reason) == (at(2400), 3_000, "EVDisconnected")
    assert corrected.anomalies == (LATE_CORRECTION,)


def test_a_new_transaction_on_the_connector_closes_the_open_one_provisionally_at_once() -> None:
    cp = Station(limits=LIMITS)
    charging(cp, "1")
    [old] = cp.start(1, 3600, 3_000, "2")  # the stop of "1" was lost
    assert (old.transaction_id, old.estimated, old.anomalies, old.energy_wh) == ("1", True, (MISSING_STOP,), 2_000)
    cp.meter(4200, wh=3_500, power=11_000)  # by connector and time: belongs to "2", not to "1"
    [fixed] = cp.stop("1", 1500, 3_000)
    assert (fixed.revision, fixed.estimated, fixed.energy_wh) == (2, False, 2_000)
    [second] = cp.stop("2", 4800, 4_000)
    assert (second.revision, second.energy_wh) == (1, 1_000)


def test_an_older_transaction_arriving_after_a_newer_one_is_provisional_until_its_stop() -> None:
    cp = Station(limits=LIMITS)
    cp.start(1, 3600, 3_000, "2")
    [older] = cp.start(1, 0, 1_000, "1")  # its frames were held up
    assert (older.transaction_id, older.estimated) == ("1", True)
    [stopped] = cp.stop("1", 1800, 2_900)
    assert (stopped.revision, stopped.estimated, stopped.energy_wh) == (2, False, 1_900)


def test_a_provisional_session_that_turns_out_alive_is_reopened_silently() -> None:
    cp = Station(limits=LIMITS)
    charging(cp)
    cp.expire(at(1200) + 3 * HOUR)
    cp.now = at(1200) + 4 * HOUR
    assert cp.meter(1800, wh=3_500) == []  # alive after all: no revision per meter value
    assert cp.state.transactions["1"].phase is Phase.OPEN
    [session] = cp.stop("1", 2400, 4_000)
    assert (session.revision, session.estimated, session.energy_wh) == (2, False, 3_000)


def test_late_events_within_the_window_revise_only_when_they_change_the_result() -> None:
    cp = Station(limits=LIMITS)
    cp.start(1, 0, 0, "1")
    [first] = cp.stop("1", 3600, 10_000)
    cp.now = at(3600) + HOUR
    assert cp.meter(1800, wh=5_000) == []  # fills in, changes nothing
    assert cp.send(cp.events[-2]) == []  # the stop again
    cp.status(1, "SuspendedEV", 2400)
    revised = cp.closed()[-1]
    assert (first.revision, revised.revision, len(cp.closed())) == (1, 2, 2)
    assert [p.kind.value for p in revised.periods] == ["charging", "parking"]


def test_events_after_the_window_are_dead_lettered_as_late() -> None:
    cp = Station(limits=LIMITS)
    cp.start(1, 0, 0, "1")
    cp.stop("1", 600, 1_000)
    closed_arrival = cp.events[-1].received_at
    cp.now = closed_arrival + 49 * HOUR
    [letter] = cp.meter(300, wh=500, transaction_id="1")  # still kept (expire has not run): past its window
    assert letter.error_class is DeadLetterClass.LATE_EVENT and "'1'" in letter.reason
    cp.expire(cp.now)
    assert "1" not in cp.state.transactions and "1" in cp.state.forgotten
    [again] = cp.stop("1", 600, 1_000)
    assert again.error_class is DeadLetterClass.LATE_EVENT


def test_a_charge_point_keeps_a_bounded_number_of_stopped_sessions() -> None:
    cp = Station(limits=Limits(max_closed_kept=2))
    for n in range(5):
        cp.start(1, n * 1000, n * 100, str(n))
        cp.stop(str(n), n * 1000 + 500, n * 100 + 50)
    assert sorted(cp.state.transactions) == ["3", "4"]
    assert list(cp.state.forgotten) == ["0", "1", "2"]


def test_parked_events_wait_a_bounded_time_and_number() -> None:
    cp = Station(limits=Limits(max_parked=3, park_timeout=timedelta(minutes=15)))
    for n in range(5):
        cp.meter(n, wh=n, transaction_id="unknown")
    assert [e.meter_wh for _, e in cp.state.parked] == [2, 3, 4]
    cp.expire(cp.events[-1].received_at + timedelta(minutes=15))
    assert cp.state.parked == []


def test_running_snapshots_are_revision_0_estimated_and_only_for_changed_open_sessions() -> None:
    cp = Station(limits=LIMITS)
    charging(cp, "1")
    cp.start(2, 0, 0, "2")
    cp.stop("2", 60, 10)
    now = at(1300)
    minute = timedelta(seconds=60)
    [snapshot] = running_snapshots(cp.state, now, minute, LIMITS)
    assert isinstance(snapshot, ClosedSession)
    assert (snapshot.transaction_id, snapshot.revision, snapshot.estimated) == ("1", 0, True)
    assert (snapshot.stopped_at, snapshot.energy_wh, snapshot.anomalies) == (at(1200), 2_000, ())
    assert running_snapshots(cp.state, now + 2 * minute, minute, LIMITS) == []  # nothing changed
    cp.meter(1800, wh=4_000)
    assert running_snapshots(cp.state, now + minute / 2, minute, LIMITS) == []  # too soon
    [later] = running_snapshots(cp.state, now + minute, minute, LIMITS)
    assert later.energy_wh == Decimal(3_000)
