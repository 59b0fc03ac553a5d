"""When an OCPI tariff element is active: restriction matching at one instant, and where restrictions can flip."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pipelines.rating.tariff import Restrictions, Tariff

_SCAN_STEP = timedelta(hours=1)  # UTC offsets change at most once in any hour
_MIDNIGHT = time(0)


@dataclass(frozen=True, slots=True)
class Conditions:
    """What the restrictions look at, at one instant of a session."""

    local: datetime  # the instant in the site's time zone
    elapsed: timedelta  # since the session started
    energy_kwh: Decimal  # charged so far in the session
    power_kw: Decimal | None  # None when unknown
    current_a: Decimal | None  # None when unknown


def matches(restrictions: Restrictions | None, at: Conditions) -> bool:
    """OCPI: all set restrictions must hold; reservation elements never price a charging session."""
    if restrictions is None:
        return True
    if restrictions.reservation is not None:
        return False
    return (
        _time_of_day_matches(restrictions, at.local.time())
        and _date_matches(restrictions, at.local.date())
        and _weekday_matches(restrictions, at.local.weekday())
        and _within(at.energy_kwh, restrictions.min_kwh, restrictions.max_kwh)
        and _within(at.power_kw, restrictions.min_power, restrictions.max_power)
        and _within(at.current_a, restrictions.min_current, restrictions.max_current)
        and _duration_matches(restrictions, at.elapsed)
    )


def _time_of_day_matches(restrictions: Restrictions, moment: time) -> bool:
    """start_time inclusive, end_time exclusive; end before start wraps past midnight; end 00:00 = end of day."""
    start, end = restrictions.start_time, restrictions.end_time
    if start is None and end is None:
        return True
    start = start or _MIDNIGHT
    if end is None or end == _MIDNIGHT:
        return moment >= start
    if start < end:
        return start <= moment < end
    if start > end:
        return moment >= start or moment < end
    return True  # start == end: the whole day


def _date_matches(restrictions: Restrictions, day: date) -> bool:
    if restrictions.start_date is not None and day < restrictions.start_date:
        return False
    return restrictions.end_date is None or day < restrictions.end_date


def _weekday_matches(restrictions: Restrictions, weekday: int) -> bool:
    return not restrictions.day_of_week or any(day.weekday == weekday for day in restrictions.day_of_week)


def _within(value: Decimal | None, minimum: Decimal | None, maximum: Decimal | None) -> bool:
    """Minimum inclusive, maximum exclusive; an unknown value never satisfies a bound."""
    if minimum is None and maximum is None:
        return True
    if value is None:
        return False
    return (minimum is None or value >= minimum) and (maximum is None or value < maximum)


def _duration_matches(restrictions: Restrictions, elapsed: timedelta) -> bool:
    if restrictions.min_duration is not None and elapsed < timedelta(seconds=restrictions.min_duration):
        return False
    return restrictions.max_duration is None or elapsed < timedelta(seconds=restrictions.max_duration)


def _pricing_restrictions(tariff: Tariff) -> list[Restrictions]:
    return [e.restrictions for e in tariff.elements if e.restrictions and e.restrictions.reservation is None]


def clock_boundaries(tariff: Tariff, start: datetime, end: datetime, zone: ZoneInfo) -> list[datetime]:
    """UTC instants strictly inside (start, end) where a time, date or weekday restriction can flip."""
    times = {_MIDNIGHT}  # dates and weekdays change at local midnight
    for restrictions in _pricing_restrictions(tariff):
        times.update(t for t in (restrictions.start_time, restrictions.end_time) if t is not None)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    instants = set(_utc_offset_changes(start, end, zone))
    day = first - timedelta(days=1)
    while day <= last + timedelta(days=1):
        for moment in times:
            for fold in (0, 1):  # both readings of a local time repeated when clocks go back
                local = datetime.combine(day, moment, tzinfo=zone).replace(fold=fold)
                instants.add(local.astimezone(UTC))
        day += timedelta(days=1)
    return sorted(instant for instant in instants if start < instant < end)


def _utc_offset_changes(start: datetime, end: datetime, zone: ZoneInfo) -> list[datetime]:
    """Daylight-saving switches inside the span, to the microsecond, so every local clock reading is covered."""
    changes = []
    here = start
    while here < end:
        there = min(here + _SCAN_STEP, end)
        if here.astimezone(zone).utcoffset() != there.astimezone(zone).utcoffset():
            changes.append(_bisect_offset_change(here, there, zone))
        here = there
    return changes


def _bisect_offset_change(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    offset = before.astimezone(zone).utcoffset()
    while after - before > timedelta(microseconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            before = middle
        else:
            after = middle
    return after


def duration_marks(tariff: Tariff) -> list[timedelta]:
    """Elapsed times at which a min_duration or max_duration restriction flips."""
    seconds: set[int] = set()
    for restrictions in _pricing_restrictions(tariff):
        seconds.update(s for s in (restrictions.min_duration, restrictions.max_duration) if s is not None)
    return [timedelta(seconds=s) for s in sorted(seconds)]


def energy_marks_wh(tariff: Tariff) -> list[Decimal]:
    """Energy charged so far (Wh) at which a min_kwh or max_kwh restriction flips."""
    marks: set[Decimal] = set()
    for restrictions in _pricing_restrictions(tariff):
        marks.update(k * 1000 for k in (restrictions.min_kwh, restrictions.max_kwh) if k is not None)
    return sorted(marks)
