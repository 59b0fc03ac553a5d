"""Energy, periods and anomalies of built sessions: one test per meter anomaly, none ever negative."""

from decimal import Decimal

from pipelines.ingest.models import EventKind
from pipelines.sessions.models import (
    METER_RESET,
    NO_ENERGY_READINGS,
    STALE_BEGIN_READING,
    STOP_BELOW_START,
    ClosedSession,
    PeriodKind,
)

from .station import Station, at

CHARGING, PARKING = PeriodKind.CHARGING, PeriodKind.PARKING


def kinds(session: ClosedSession) -> list[tuple[float, float, PeriodKind, Decimal]]:
    return [
        ((p.start - at(0)).total_seconds(), (p.end - at(0)).total_seconds(), p.kind, p.energy_wh)
        for p in session.periods
    ]


def test_a_register_reset_mid_session_counts_on_from_the_new_base() -> None:
    cp = Station()
    cp.start(1, 0, 50_000, "1")
    cp.meter(600, wh=51_000, power=11_000)
    cp.meter(1200, wh=52_000, power=11_000)
    cp.meter(1800, wh=200, power=11_000)  # the meter was reset (firmware update, swap)
    cp.meter(2400, wh=1_200, power=11_000)
    [session] = cp.stop("1", 3000, 2_000)
    assert session.energy_wh == 2_000 + 1_800  # 50 000 -> 52 000, then 200 -> 2 000; the reset gap counts nothing
    assert session.anomalies == (METER_RESET, STOP_BELOW_START)
    assert kinds(session) == [(0, 3000, CHARGING, 3_800)]


def test_a_register_rollover_counts_from_the_wrapped_value() -> None:
    cp = Station()
    cp.start(1, 0, "99999000", "2")
    cp.meter(600, wh="99999900")
    cp.meter(1200, wh=700)  # a 10^8 Wh register wrapped
    [session] = cp.stop("2", 1800, 1_500)
    assert (session.energy_wh, session.anomalies) == (900 + 800, (METER_RESET, STOP_BELOW_START))


def test_meter_stop_below_meter_start_is_never_negative_energy() -> None:
    cp = Station()
    cp.start(1, 0, 1_000_000, "3")
    [session] = cp.stop("3", 600, 200)
    assert (session.energy_wh, session.meter_start_wh, session.meter_stop_wh) == (0, 1_000_000, 200)
    assert session.anomalies == (METER_RESET, STOP_BELOW_START)
    assert all(p.energy_wh == 0 for p in session.periods)


def test_jitter_below_the_reset_threshold_is_not_a_reset_and_not_counted_twice() -> None:
    cp = Station()
    cp.start(1, 0, 1_000, "4")
    cp.meter(60, wh="1000.9")
    cp.meter(120, wh="1000.4")  # a second meter path rounding differently
    cp.meter(180, wh="1001.2")
    [session] = cp.stop("4", 240, "1001.2")
    assert (session.energy_wh, session.anomalies) == (Decimal("1.2"), ())


def test_a_stale_begin_reading_uses_the_connectors_last_register_the_910_kwh_case() -> None:
    cp = Station()
    cp.start(1, 0, 909_000, "5")
    cp.stop("5", 3600, 910_000)
    cp.start(1, 7200, 0, "6")  # meterStart 0 recorded while the station was offline
    [session] = cp.stop("6", 7283, 910_083)  # 83 s later
    assert (session.energy_wh, session.meter_start_wh) == (83, 910_000)
    assert session.anomalies == (STALE_BEGIN_READING,)


def test_a_stale_begin_reading_without_a_known_register_counts_from_the_first_reading() -> None:
    cp = Station()
    cp.start(1, 0, 0, "7")
    cp.meter(60, wh=910_000, power=7_000)  # 910 kWh in a minute: no charger does that
    cp.meter(660, wh=911_000, power=7_000)
    [session] = cp.stop("7", 1200, 911_500)
    assert (session.energy_wh, session.meter_start_wh, session.anomalies) == (1_500, 910_000, (STALE_BEGIN_READING,))


def test_a_begin_reading_below_the_last_register_is_stale_even_when_the_first_reading_is_hours_later() -> None:
    cp = Station()
    cp.start(1, 0, 500_000, "8")
    cp.stop("8", 600, 505_000)
    cp.start(1, 3600, 0, "9")
    cp.meter(3600 + 5 * 3600, wh=520_000)  # 5 h at 1 MW would allow it; the register says otherwise
    [session] = cp.stop("9", 3600 + 6 * 3600, 521_000)
    assert (session.energy_wh, session.meter_start_wh, session.anomalies) == (16_000, 505_000, (STALE_BEGIN_READING,))


def test_a_zero_begin_reading_of_a_new_meter_is_plausible() -> None:
    cp = Station()
    cp.start(1, 0, 0, "10")
    cp.meter(600, wh=1_800, power=11_000)
    [session] = cp.stop("10", 1200, 3_600)
    assert (session.energy_wh, session.anomalies) == (3_600, ())


def test_a_stale_transaction_begin_sample_is_passed_over_like_a_begin_reading() -> None:
    cp = Station(protocol="ocpp2.0.1")
    cp.start(1, 0, None, "11")  # Started without a reading
    cp.meter(0, wh=0, transaction_id="11", context="Transaction.Begin")
    cp.meter(60, wh=910_000, transaction_id="11")
    [session] = cp.stop("11", 120, 910_050)
    assert (session.energy_wh, session.anomalies) == (50, (STALE_BEGIN_READING,))


def test_a_session_without_any_energy_reading_has_zero_energy_and_says_so() -> None:
    cp = Station(protocol="ocpp2.0.1")
    cp.start(1, 0, None, "12")
    cp.meter(60, power=7_000, current=32, transaction_id="12")
    [session] = cp.stop("12", 120, None)
    assert (session.energy_wh, session.anomalies) == (0, (NO_ENERGY_READINGS,))
    assert (session.periods[0].max_power_w, session.periods[0].max_current_a) == (7_000, 32)


def test_201_charging_states_split_charging_and_parking_and_idle_says_nothing() -> None:
    cp = Station(protocol="ocpp2.0.1")
    cp.start(1, 0, 0, "13")  # chargingState Charging
    cp.meter(600, wh=2_000, power=11_000, transaction_id="13")
    cp.status(1, "EVConnected", 1200, transaction_id="13")
    cp.meter(1800, wh=2_500, power=0, transaction_id="13")
    cp.status(1, "Idle", 2400, transaction_id="13")  # cable pulled: no statement, still not charging
    cp.status(1, "SuspendedEVSE", 2500, transaction_id="13")
    [session] = cp.stop("13", 3000, 2_500)
    assert kinds(session) == [(0, 1200, CHARGING, 2_000), (1200, 3000, PARKING, 500)]
    assert [p.max_power_w for p in session.periods] == [11_000, 0]


def test_201_seq_no_orders_events_of_the_same_instant() -> None:
    cp = Station(protocol="ocpp2.0.1")
    cp.start(1, 0, 0, "14")
    late_first = cp.event(EventKind.METER_VALUES, 600, transaction_id="14", meter_wh=Decimal(900), seq_no=2)
    early = cp.event(EventKind.METER_VALUES, 600, transaction_id="14", meter_wh=Decimal(800), seq_no=1)
    cp.send(late_first)
    cp.send(early)
    [session] = cp.stop("14", 1200, 1_000)
    assert session.energy_wh == 1_000 and session.anomalies == ()  # 800 then 900: no fall, no reset
