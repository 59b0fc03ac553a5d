from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from pipelines.rating.restrictions import Conditions, clock_boundaries, duration_marks, energy_marks_wh, matches
from pipelines.rating.tariff import DayOfWeek, ReservationRestriction, Restrictions

from .builders import tariff

BERLIN = ZoneInfo("Europe/Berlin")


def at(clock: str, *, elapsed_min: int = 0, kwh: str = "0", kw: str | None = None, amps: str | None = None):
    local = datetime.fromisoformat(clock).replace(tzinfo=BERLIN)
    power = D(kw) if kw is not None else None
    current = D(amps) if amps is not None else None
    return Conditions(local, timedelta(minutes=elapsed_min), D(kwh), power, current)


@pytest.mark.parametrize(
    ("start", "end", "clock", "expected"),
    [
        (time(22), time(6), "2026-11-23T23:59", True),
        (time(22), time(6), "2026-11-23T05:59", True),
        (time(22), time(6), "2026-11-23T06:00", False),
        (time(22), time(6), "2026-11-23T21:59", False),
        (time(9), time(18), "2026-11-23T18:00", False),
        (time(9), time(18), "2026-11-23T09:00", True),
        (time(20), time(0), "2026-11-23T23:59", True),
        (None, time(0), "2026-11-23T12:00", True),
        (None, time(7), "2026-11-23T07:00", False),
        (time(7), None, "2026-11-23T06:59", False),
    ],
)
def test_time_of_day(start, end, clock, expected):
    assert matches(Restrictions(start_time=start, end_time=end), at(clock)) is expected


def test_dates_and_weekdays():
    window = Restrictions(start_date=date(2026, 11, 23), end_date=date(2026, 11, 24), day_of_week=(DayOfWeek.MONDAY,))
    assert matches(window, at("2026-11-23T23:59"))
    assert not matches(window, at("2026-11-24T00:00"))
    assert not matches(Restrictions(day_of_week=(DayOfWeek.SUNDAY,)), at("2026-11-23T12:00"))


def test_bounds_are_min_inclusive_max_exclusive():
    assert matches(Restrictions(min_kwh=D(10), max_kwh=D(20)), at("2026-11-23T12:00", kwh="10"))
    assert not matches(Restrictions(max_kwh=D(20)), at("2026-11-23T12:00", kwh="20"))
    assert matches(Restrictions(min_power=D(11)), at("2026-11-23T12:00", kw="11"))
    assert not matches(Restrictions(max_current=D(32)), at("2026-11-23T12:00", amps="32"))
    assert not matches(Restrictions(min_current=D(6)), at("2026-11-23T12:00"))  # unknown current
    assert matches(Restrictions(min_duration=600), at("2026-11-23T12:00", elapsed_min=10))
    assert not matches(Restrictions(max_duration=600), at("2026-11-23T12:00", elapsed_min=10))


def test_reservation_elements_never_price_charging_and_none_always_matches():
    assert not matches(Restrictions(reservation=ReservationRestriction.RESERVATION), at("2026-11-23T12:00"))
    assert matches(None, at("2026-11-23T12:00"))


WINDOWS = tariff("""{"id": "W", "currency": "EUR", "elements": [
  {"price_components": [{"type": "TIME", "price": 1, "step_size": 1}],
   "restrictions": {"start_time": "02:30", "end_time": "18:00", "min_duration": 900, "max_kwh": 7.5}},
  {"price_components": [{"type": "TIME", "price": 1, "step_size": 1}], "restrictions": {"reservation": "RESERVATION",
   "start_time": "11:11", "max_duration": 60, "min_kwh": 1}}]}""")


def test_clock_boundaries_include_midnights_listed_times_and_the_dst_switch():
    start, end = datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 3, 29, 12, tzinfo=UTC)
    cuts = clock_boundaries(WINDOWS, start, end, BERLIN)
    assert cuts == [
        datetime(2026, 3, 28, 17, tzinfo=UTC),  # 18:00 CET
        datetime(2026, 3, 28, 23, tzinfo=UTC),  # midnight CET
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # 02:30 does not exist: read with the summer offset
        datetime(2026, 3, 29, 1, tzinfo=UTC),  # clocks jump 02:00 -> 03:00
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 02:30 read with the winter offset (= 03:30 CEST)
    ]


def test_marks_ignore_reservation_elements():
    assert duration_marks(WINDOWS) == [timedelta(seconds=900)]
    assert energy_marks_wh(WINDOWS) == [D("7500.0")]
