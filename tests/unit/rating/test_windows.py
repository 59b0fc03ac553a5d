"""Local off-peak windows: across midnight, weekdays, daylight-saving changes, shares per dimension."""

from datetime import UTC, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from pipelines.catalog.models import TimeWindow
from pipelines.rating.tariff import DayOfWeek, Dimension
from pipelines.rating.windows import shares_inside, window_intervals
from tests.unit.rating.builders import local, session

BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = TimeWindow(start_time=time(22), end_time=time(6))


def test_a_night_window_crosses_midnight_in_local_time():
    start, end = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 22, tzinfo=UTC)
    assert window_intervals([NIGHT], BERLIN, start, end) == [
        (start, datetime(2026, 11, 20, 5, tzinfo=UTC)),
        (datetime(2026, 11, 20, 21, tzinfo=UTC), datetime(2026, 11, 21, 5, tzinfo=UTC)),
        (datetime(2026, 11, 21, 21, tzinfo=UTC), end),
    ]


def test_the_night_of_the_autumn_clock_change_is_an_hour_longer():
    start, end = datetime(2026, 10, 24, 12, tzinfo=UTC), datetime(2026, 10, 25, 12, tzinfo=UTC)
    ((opens, closes),) = window_intervals([NIGHT], BERLIN, start, end)
    assert closes - opens == (datetime(2026, 10, 25, 5, tzinfo=UTC) - datetime(2026, 10, 24, 20, tzinfo=UTC))
    assert (closes - opens).total_seconds() == 9 * 3600


def test_weekday_windows_and_overlapping_windows_merge():
    weekend = TimeWindow(start_time=time(0), end_time=time(0), days=[DayOfWeek.SATURDAY, DayOfWeek.SUNDAY])
    friday, monday = datetime(2026, 11, 20, 12, tzinfo=UTC), datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert window_intervals([weekend, NIGHT], BERLIN, friday, monday) == [
        (datetime(2026, 11, 20, 21, tzinfo=UTC), datetime(2026, 11, 23, 5, tzinfo=UTC))
    ]


def test_shares_per_dimension():
    # 21:00-23:00 local charging 10 kWh evenly, then parking 23:00-23:30: half the energy and charging time inside
    charged = session(local("2026-11-20T21:00", "Europe/Berlin"), ("c", 120, 10), ("p", 30, 0))
    shares = shares_inside(charged, [NIGHT], BERLIN)
    assert shares == {
        Dimension.ENERGY: Decimal("0.5"),
        Dimension.TIME: Decimal("0.5"),
        Dimension.PARKING_TIME: Decimal(1),
        Dimension.FLAT: Decimal(0),  # started outside
    }
