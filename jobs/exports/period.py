"""What `chargeledger export` is asked for: a calendar month, a format, optionally one tenant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from pipelines.errors import UserError

FORMATS = ("csv", "parquet", "datev", "sie", "ocpi-cdr")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


class ExportError(UserError):
    """An export that cannot run as asked, or whose result does not reconcile; the message says why."""


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar month in UTC: sessions started in [first, end) belong to it."""

    first: date
    end: date  # first day of the next month

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time(), tzinfo=UTC)

    @property
    def last(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)


def parse_period(text: str) -> Period:
    """`YYYY-MM` -> that month; anything else is an ExportError naming the expected shape."""
    match = _PERIOD.match(text.strip())
    month = int(match.group(2)) if match else 0
    if match is None or not 1 <= month <= 12:
        raise ExportError(f"--period must be a month as YYYY-MM (e.g. 2026-11), got {text!r}")
    year = int(match.group(1))
    first = date(year, month, 1)
    return Period(first, date(year + month // 12, month % 12 + 1, 1))


def check_format(name: str) -> str:
    if name not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}, got {name!r}")
    return name
