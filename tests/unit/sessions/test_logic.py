import itertools
from decimal import Decimal

from hypothesis import given

from pipelines.ingest.models import ChargingEvent, DeadLetter, DeadLetterClass, EventKind
from pipelines.sessions.lifecycle import settle
from pipelines.sessions.limits import DEFAULT_LIMITS, PARKING_POWER_W
from pipelines.sessions.logic import step
from pipelines.sessions.models import ClosedSession, PeriodKind
from pipelines.sessions.state import ChargePointState, Phase, new_state

from .station import Station, at, session_events

CHARGING, PARKING = PeriodKind.CHARGING, PeriodKind.PARKING


def shape(session: ClosedSession) -> list[tuple[float, float, PeriodKind, Decimal]]:
    """Periods as (start s, end s, kind, energy) relative to T0, easy to compare."""
    t0 = at(0)
    return [
        ((p.start - t0).total_seconds(), (p.end - t0).total_seconds(), p.kind, p.energy_wh) for p in session.periods
    ]


def test_normal_session_is_one_charging_period() -> None:
    cp = Station()
    cp.start(1, 0, 1000, "42")
    cp.meter(600, wh=2000, power=11000, current=16)
    cp.meter(1800, wh=5000, power=10500, current=15.5)
    [session] = cp.stop("42", 2400, 6000, reason="EVDisconnected")
    assert isinstance(session, ClosedSession)
    assert session.session_id == "t/CP-1/42"
    assert (session.connector_id, session.transaction_id, session.id_tag) == (1, "42", "04A2B3C4")
    assert (session.started_at, session.stopped_at) == (at(0), at(2400))
    assert (session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (1000, 6000, 5000)
    assert session.stop_reason == "EVDisconnected"
    assert shape(session) == [(0, 2400, CHARGING, 5000)]
    assert session.periods[0].max_power_w == 11000
    assert session.periods[0].max_current_a == 16
    assert cp.state.transactions["42"].phase is Phase.STOPPED  # kept for late events


def test_suspended_ev_after_charging_is_a_parking_period_with_exact_energies() -> None:
    cp = Station()
    cp.start(1, 0, 1000, "7")
    cp.status(1, "Charging", 5)
    cp.meter(900, wh=3000, power=11000)
    cp.meter(1800, wh=5000.25, power=9000)
    cp.status(1, "SuspendedEV", 1800)
    cp.meter(2700, wh=5000.25, power=0)
    cp.meter(3600, wh=5000.5, power=0)
    [session] = cp.stop("7", 4500, 5000.75)
    assert shape(session) == [(0, 1800, CHARGING, Decimal("4000.25")), (1800, 4500, PARKING, Decimal("0.50"))]
    assert session.energy_wh == Decimal("4000.75")
    assert session.periods[0].max_power_w == 11000
    assert session.periods[1].max_power_w == 0


def test_boundary_between_readings_takes_the_closest_reading() -> None:
    cp = Station()
    cp.start(1, 0, 0, "1")
    cp.meter(1680, wh=4800)  # 2 min before the status
    cp.status(1, "SuspendedEV", 1800)
    cp.meter(1860, wh=5000)  # 1 min after: closer, so the charging period ends on it
    cp.status(1, "Charging", 3000)
    cp.meter(3060, wh=5000)  # 1 min after, but 5000 @ 1860 is no longer the closest previous reading
    cp.meter(4000, wh=6000)
    [session] = cp.stop("1", 4000, 6000)
    assert shape(session) == [(0, 1800, CHARGING, 5000), (1800, 3000, PARKING, 0), (3000, 4000, CHARGING, 1000)]


def test_boundary_keeps_the_earlier_reading_when_it_is_closer() -> None:
    cp = Station()
    cp.start(1, 0, 0, "1")
    cp.meter(1790, wh=4900)
    cp.status(1, "Finishing", 1800)
    cp.meter(2400, wh=5000)
    [session] = cp.stop("1", 2400, 5000)
    assert shape(session) == [(0, 1800, CHARGING, 4900), (1800, 2400, PARKING, 100)]


def test_low_power_while_charging_parks_and_power_back_charges() -> None:
    cp = Station()
    cp.start(1, 0, 0, "3")
    cp.status(1, "Charging", 1)
    cp.meter(600, wh=1000, power=7000)
    cp.meter(1200, wh=2000, power=PARKING_POWER_W - 1)  # car full, station still says Charging
    cp.meter(1800, wh=2001, power=10)
    cp.meter(2400, wh=2500, power=PARKING_POWER_W)  # at the threshold counts as charging
    [session] = cp.stop("3", 3000, 3000)
    assert shape(session) == [(0, 1200, CHARGING, 2000), (1200, 2400, PARKING, 500), (2400, 3000, CHARGING, 500)]
    assert [p.max_power_w for p in session.periods] == [7000, PARKING_POWER_W - 1, 50]


def test_charging_status_after_low_power_restarts_charging_without_waiting_for_a_sample() -> None:
    cp = Station()
    cp.start(1, 0, 0, "3")
    cp.meter(600, wh=1000, power=10)
    cp.status(1, "SuspendedEV", 700)
    cp.status(1, "Charging", 1200)
    [session] = cp.stop("3", 1800, 1000)
    assert [(p.kind, p.start, p.end) for p in session.periods] == [
        (CHARGING, at(0), at(600)),
        (PARKING, at(600), at(1200)),
        (CHARGING, at(1200), at(1800)),
    ]


def test_several_connectors_at_once_keep_their_own_sessions() -> None:
    cp = Station()
    cp.start(1, 0, 100, "a")
    cp.start(2, 60, 9000, "b")
    cp.meter(300, wh=1100, power=11000, connector=1)
    cp.meter(300, wh=9500, power=22000, connector=2)
    cp.status(2, "SuspendedEVSE", 600)
    cp.meter(600, wh=9800, power=0, connector=2, transaction_id="b")
    cp.meter(900, wh=2100, power=11000, transaction_id="a", connector=None)
    [first] = cp.stop("a", 1200, 2100)
    cp.meter(1300, wh=9800, power=0, connector=2)
    [second] = cp.stop("b", 1500, 9800)
    assert shape(first) == [(0, 1200, CHARGING, 2000)]
    assert first.periods[0].max_power_w == 11000
    assert shape(second) == [(60, 600, CHARGING, 800), (600, 1500, PARKING, 0)]
    assert second.periods[0].max_power_w == 22000
    assert (first.connector_id, second.connector_id) == (1, 2)


def test_stop_for_unknown_transaction_is_a_dead_letter() -> None:
    cp = Station()
    [letter] = cp.stop("999", 60, 5000)
    assert isinstance(letter, DeadLetter)
    assert letter.stage == "sessions"
    assert letter.error_class is DeadLetterClass.UNKNOWN_TRANSACTION
    assert "999" in letter.reason
    assert letter.original == cp.events[-1].payload.encode()
    assert (letter.tenant_id, letter.charge_point_id, letter.received_at) == ("t", "CP-1", cp.events[-1].received_at)
    again = cp.send(cp.events[-1])
    assert again == [letter]  # the same frame twice gives the same dead letter id


def test_duplicate_stop_after_close_is_not_a_dead_letter() -> None:
    cp = Station()
    cp.start(1, 0, 0, "5")
    cp.stop("5", 60, 10)
    assert cp.send(cp.events[-1]) == []


def test_meter_values_without_energy_only_update_maxima() -> None:
    cp = Station()
    cp.start(1, 0, 500, "8")
    cp.meter(100, power=3000, current=13)
    cp.meter(200, wh=700)
    cp.meter(300, power=3500)
    [session] = cp.stop("8", 400, 900)
    assert shape(session) == [(0, 400, CHARGING, 400)]
    assert (session.periods[0].max_power_w, session.periods[0].max_current_a) == (3500, 13)


def test_power_only_sample_below_threshold_splits_with_the_last_register_reading() -> None:
    cp = Station()
    cp.start(1, 0, 0, "8")
    cp.meter(100, wh=1000, power=7000)
    cp.meter(200, power=0)  # no register: the boundary waits for the closest reading
    cp.meter(210, wh=1700)
    [session] = cp.stop("8", 400, 1700)
    assert shape(session) == [(0, 200, CHARGING, 1700), (200, 400, PARKING, 0)]


def test_energy_already_converted_from_kwh_upstream_stays_exact() -> None:
    cp = Station()
    cp.start(1, 0, "12345.678", "9")  # meterStart 12.345678 kWh, converted by ingest
    cp.meter(600, wh="15000.001", power="7400.5")
    [session] = cp.stop("9", 1200, "20000.123")
    assert session.energy_wh == Decimal("7654.445")
    assert session.periods[0].energy_wh == Decimal("7654.445")
    assert session.periods[0].max_power_w == Decimal("7400.5")


def test_rejected_id_tag_still_opens_the_transaction_and_keeps_the_status() -> None:
    cp = Station()
    cp.start(1, 0, 0, "10", status="Invalid")
    assert cp.state.transactions["10"].id_tag_status == "Invalid"
    [session] = cp.stop("10", 60, 100)
    assert (session.energy_wh, session.id_tag_status) == (100, "Invalid")


def test_status_reported_before_the_transaction_id_is_known_applies() -> None:
    cp = Station()
    request = cp.event(EventKind.TRANSACTION_START_REQUESTED, 0, connector_id=1, id_tag="X", meter_wh=Decimal(0))
    cp.send(request)
    cp.status(1, "SuspendedEV", 30)
    cp.send(
        cp.event(
            EventKind.TRANSACTION_START_CONFIRMED,
            31,
            message_type=3,
            message_id=request.message_id,
            transaction_id="11",
            status="Accepted",
        )
    )
    [session] = cp.stop("11", 90, 0)
    assert shape(session) == [(0, 30, CHARGING, 0), (30, 90, PARKING, 0)]


def test_stale_connector_status_from_before_the_start_is_ignored() -> None:
    cp = Station()
    cp.status(1, "SuspendedEV", 0)
    cp.start(1, 100, 0, "12")
    [session] = cp.stop("12", 200, 50)
    assert shape(session) == [(100, 200, CHARGING, 50)]


def test_meter_stop_below_meter_start_uses_positive_period_deltas() -> None:
    cp = Station()
    cp.start(1, 0, 1000, "13")
    cp.meter(100, wh=1500, power=7000)
    cp.meter(200, wh=1600, power=0)
    [session] = cp.stop("13", 300, 200)  # the meter was reset to zero in between
    assert session.energy_wh == 600
    assert shape(session) == [(0, 200, CHARGING, 600), (200, 300, PARKING, 0)]


def test_events_without_a_transaction_are_parked_not_emitted() -> None:
    cp = Station()
    cp.meter(10, wh=100, power=5000)
    cp.meter(10, wh=100, transaction_id="nope")
    cp.meter(10, wh=100, connector=0)  # the main meter: no transaction, not parked
    cp.send(cp.event(EventKind.TRANSACTION_START_CONFIRMED, 20, message_type=3, transaction_id="14"))
    cp.send(cp.event(EventKind.HEARTBEAT, 30))
    assert cp.outputs == []
    assert cp.state.transactions == {}
    assert len(cp.state.parked) == 2


def test_call_error_for_a_start_request_drops_it_and_pending_starts_are_bounded() -> None:
    cp = Station()
    request = cp.event(EventKind.TRANSACTION_START_REQUESTED, 0, connector_id=1, id_tag="X", meter_wh=Decimal(0))
    cp.send(request)
    cp.send(cp.event(EventKind.OTHER, 1, message_type=4, message_id=request.message_id))
    assert cp.state.pending_starts == {}
    for n in range(DEFAULT_LIMITS.max_pending_starts + 5):
        cp.send(cp.event(EventKind.TRANSACTION_START_REQUESTED, n, connector_id=1, meter_wh=Decimal(0)))
    assert len(cp.state.pending_starts) == DEFAULT_LIMITS.max_pending_starts


def test_station_clock_going_back_never_reorders_periods() -> None:
    cp = Station()
    cp.start(1, 100, 0, "15")
    cp.status(1, "SuspendedEV", 50)  # before the start: not part of the session
    cp.meter(40, wh=10)  # before the start: not part of the session
    [session] = cp.stop("15", 20, 30)  # a stop before the start ends the session at its start
    assert shape(session) == [(100, 100, CHARGING, 30)]


def run(events: list[ChargingEvent], state: ChargePointState | None = None) -> list[ClosedSession | DeadLetter]:
    state = state or new_state()
    outputs: list[ClosedSession | DeadLetter] = []
    for event in events:
        state, out = step(state, event)
        outputs += [*out, *settle(state)]
    return outputs


@given(session_events())
def test_random_sessions_split_energy_exactly_over_contiguous_periods(events: list[ChargingEvent]) -> None:
    [session] = run(events)
    assert isinstance(session, ClosedSession)
    assert sum(p.energy_wh for p in session.periods) == session.energy_wh
    assert session.energy_wh == session.meter_stop_wh - session.meter_start_wh  # registers only rise here
    assert session.anomalies == ()
    assert all(p.energy_wh >= 0 for p in session.periods)
    assert session.periods[0].start == session.started_at
    assert session.periods[-1].end == session.stopped_at
    for before, after in itertools.pairwise(session.periods):
        assert before.end == after.start
        assert before.start < before.end
        assert before.kind is not after.kind


@given(session_events())
def test_exact_duplicates_change_nothing(events: list[ChargingEvent]) -> None:
    assert run([e for event in events for e in (event, event)]) == run(events)


def test_meter_values_before_the_start_result_are_parked_and_placed_when_it_arrives() -> None:
    cp = Station()
    request = cp.start_request(1, 0, 1_000)
    cp.send(request)
    cp.meter(60, wh=1_200, power=11_000)  # 1.6: the station does not know the transaction id yet
    cp.meter(120, wh=1_400, transaction_id="21")  # or a gateway delivered it ahead of the result
    assert len(cp.state.parked) == 2
    cp.send(cp.start_result(request, "21"))
    assert cp.state.parked == []
    [session] = cp.stop("21", 180, 1_500)
    assert (session.energy_wh, session.periods[0].max_power_w) == (500, 11_000)


def test_a_start_result_ahead_of_its_request_opens_the_transaction_when_the_request_comes() -> None:
    cp = Station()
    request = cp.start_request(1, 0, 0)
    cp.send(cp.start_result(request, "22"))
    assert cp.state.transactions == {}
    cp.send(request)
    [session] = cp.stop("22", 60, 100)
    assert (session.transaction_id, session.energy_wh) == ("22", 100)


def test_a_stop_ahead_of_its_start_is_dead_lettered_at_once_and_still_closes_the_session() -> None:
    cp = Station()
    stop = cp.event(EventKind.TRANSACTION_STOPPED, 600, transaction_id="23", meter_wh=Decimal(900), reason="Local")
    [letter] = cp.send(stop)
    assert letter.error_class is DeadLetterClass.UNKNOWN_TRANSACTION  # on record if the start never comes
    [session] = cp.start(1, 0, 100, "23")
    assert (session.energy_wh, session.stopped_at, session.estimated) == (800, at(600), False)


def test_201_events_ahead_of_their_started_event_are_placed() -> None:
    cp = Station(protocol="ocpp2.0.1")
    cp.meter(600, wh=2_000, power=7_000, transaction_id="24")
    cp.status(1, "SuspendedEV", 900, transaction_id="24")
    cp.start(1, 0, 1_000, "24")
    [session] = cp.stop("24", 1200, 2_100)
    assert shape(session) == [(0, 900, CHARGING, 1_000), (900, 1200, PARKING, 100)]


def test_a_reading_by_connector_moves_to_the_transaction_that_turns_out_to_hold_it() -> None:
    cp = Station()
    cp.start(1, 0, 0, "25")
    cp.meter(4000, wh=5_000, power=11_000)  # by time this belongs to "25"... until "26" shows up
    cp.start(1, 3600, 4_000, "26")  # "25" lost its stop: closed provisionally, its reading moves to "26"
    cp.stop("25", 3000, 4_000)
    [second] = cp.stop("26", 4200, 5_500)
    first = cp.closed()[-2]
    assert (first.transaction_id, first.energy_wh, first.estimated) == ("25", 4_000, False)
    assert (second.energy_wh, second.periods[0].max_power_w) == (1_500, 11_000)


def test_201_an_id_token_sent_after_an_anonymous_start_names_the_driver() -> None:
    cp = Station(protocol="ocpp2.0.1")
    cp.start(1, 0, 0, "26", id_tag="")
    cp.send(cp.event(EventKind.OTHER, 30, transaction_id="26", id_tag="04A2B3C4", trigger_reason="Authorized"))
    [session] = cp.stop("26", 60, 10)
    assert session.id_tag == "04A2B3C4"
