"""What `chargeledger export` is asked for: a calendar month, a format, optionally one tenant."""

from __future__ import annotations

from pipelines.errors import UserError
from pipelines.period import Period, month

FORMATS = ("csv", "parquet", "datev", "sie", "ocpi-cdr")


class ExportError(UserError):
    """An export that cannot run as asked, or whose result does not reconcile; the message says why."""


def parse_period(text: str) -> Period:
    """`YYYY-MM` -> that month; anything else is an ExportError naming the expected shape."""
    period = month(text)
    if period is None:
        raise ExportError(f"--period must be a month as YYYY-MM (e.g. 2026-11), got {text!r}")
    return period


def check_format(name: str) -> str:
    if name not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}, got {name!r}")
    return name
