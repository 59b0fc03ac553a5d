"""The billing period a person asks for on the command line: a past or current calendar month."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pipelines.errors import UserError

PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(UserError):
    """A --period that is not YYYY-MM or lies in the future."""


@dataclass(frozen=True, slots=True)
class Period:
    """One calendar month; sessions belong to it by their start in UTC."""

    first: date  # first day
    last: date  # last day, included

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The exclusive end: midnight UTC after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=UTC)


def parse_period(text: str, today: date) -> Period:
    """YYYY-MM of the current or an earlier month; anything else is a PeriodError saying what is wrong."""
    match = PERIOD.match(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError(f"--period {text!r} is not a month: write it as YYYY-MM, e.g. {today:%Y-%m}")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    if first > today:
        raise PeriodError(f"--period {text} is in the future (today is {today.isoformat()}): invoice past months")
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1))
