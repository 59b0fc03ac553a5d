"""The calendar month finance asks for with `--period YYYY-MM`, shared by invoices and accounting exports.

A session belongs to the month it started in, in UTC (README, design notes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """One calendar month: sessions started in [start, end) belong to it."""

    first: date  # first day
    last: date  # last day, included

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def after(self) -> date:
        """The first day of the next month."""
        return self.last + timedelta(days=1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The exclusive end: midnight UTC after the last day."""
        return datetime.combine(self.after, time(), tzinfo=UTC)


def month(text: str) -> Period | None:
    """The month `YYYY-MM` names; None for anything else, so each command words its own error."""
    match = _MONTH.match(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return None
    first = date(int(match.group(1)), int(match.group(2)), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1))
