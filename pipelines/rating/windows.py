"""Local time-of-day windows (site time zone, DST-aware) and the share of a session that falls inside them.

A period's energy is spread evenly over its time, as OCPI pricing does when it splits a period.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pipelines.catalog.models import TimeWindow
from pipelines.rating.tariff import Dimension
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind

Interval = tuple[datetime, datetime]
_MICRO = timedelta(microseconds=1)


def window_intervals(windows: Iterable[TimeWindow], zone: ZoneInfo, start: datetime, end: datetime) -> list[Interval]:
    """The UTC intervals, merged, in which any window is open between start and end."""
    windows = list(windows)
    first, last = start.astimezone(zone).date() - timedelta(days=1), end.astimezone(zone).date()
    found: list[Interval] = []
    day = first
    while day <= last:
        found += [interval for window in windows if (interval := _opening(window, day, zone)) is not None]
        day += timedelta(days=1)
    clipped = sorted((max(a, start), min(b, end)) for a, b in found if a < end and b > start)
    merged: list[Interval] = []
    for a, b in clipped:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _opening(window: TimeWindow, day: date, zone: ZoneInfo) -> Interval | None:
    if window.days and day.weekday() not in {d.weekday for d in window.days}:
        return None
    end_day = day + timedelta(days=1) if window.end_time <= window.start_time else day
    opens = datetime.combine(day, window.start_time, tzinfo=zone).astimezone(UTC)
    closes = datetime.combine(end_day, window.end_time, tzinfo=zone).astimezone(UTC)
    return (opens, closes) if opens < closes else None


def shares_inside(session: ClosedSession, windows: Iterable[TimeWindow], zone: ZoneInfo) -> dict[Dimension, Decimal]:
    """Per dimension, the fraction of the session inside the windows: energy charged, charging time, parking
    time, and for FLAT whether the session started inside."""
    periods = session.periods or (
        ChargingPeriod(session.started_at, session.stopped_at, PeriodKind.CHARGING, session.energy_wh),
    )
    intervals = window_intervals(windows, zone, session.started_at, max(session.stopped_at, session.started_at))
    energy_in = energy_all = Decimal(0)
    time_in = {PeriodKind.CHARGING: Decimal(0), PeriodKind.PARKING: Decimal(0)}
    time_all = dict(time_in)
    for period in periods:
        length, inside = _micros(period.start, period.end), _overlap(period, intervals)
        time_all[period.kind] += length
        time_in[period.kind] += inside
        energy_all += period.energy_wh
        if length:
            energy_in += period.energy_wh * inside / length
    starts_inside = any(a <= session.started_at < b for a, b in intervals)
    return {
        Dimension.ENERGY: _fraction(energy_in, energy_all),
        Dimension.TIME: _fraction(time_in[PeriodKind.CHARGING], time_all[PeriodKind.CHARGING]),
        Dimension.PARKING_TIME: _fraction(time_in[PeriodKind.PARKING], time_all[PeriodKind.PARKING]),
        Dimension.FLAT: Decimal(1) if starts_inside else Decimal(0),
    }


def _overlap(period: ChargingPeriod, intervals: list[Interval]) -> Decimal:
    return sum((_micros(max(a, period.start), min(b, period.end)) for a, b in intervals), Decimal(0))


def _micros(start: datetime, end: datetime) -> Decimal:
    return Decimal(max(end - start, timedelta()) // _MICRO)


def _fraction(part: Decimal, whole: Decimal) -> Decimal:
    return min(Decimal(1), part / whole) if whole > 0 else Decimal(0)
