"""The billing period a person asks for on the command line: a past or current calendar month."""

from __future__ import annotations

from datetime import date

from pipelines.errors import UserError
from pipelines.period import Period, month


class PeriodError(UserError):
    """A --period that is not YYYY-MM or lies in the future."""


def parse_period(text: str, today: date) -> Period:
    """YYYY-MM of the current or an earlier month; anything else is a PeriodError saying what is wrong."""
    period = month(text)
    if period is None:
        raise PeriodError(f"--period {text!r} is not a month: write it as YYYY-MM, e.g. {today:%Y-%m}")
    if period.first > today:
        raise PeriodError(f"--period {text} is in the future (today is {today.isoformat()}): invoice past months")
    return period
