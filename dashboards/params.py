"""The dashboard's query string (tenant, from, to) checked into Filters; every problem is reported at once."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time, timedelta

from dashboards.queries import Filters
from pipelines.errors import UserError

DEFAULT_DAYS = 30
MAX_DAYS = 366


class BadRequest(UserError):
    """The query string asks for something the dashboard cannot show; the server answers 400 with the message."""


def _day(name: str, text: str, problems: list[str]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{name}={text!r} is not a date (YYYY-MM-DD)")
        return None


def parse_filters(query: Mapping[str, str], tenants: Collection[str], today: date) -> Filters:
    """`tenant` (empty: all tenants, otherwise one of `tenants`), `from` and `to` (UTC days, both included).

    Without dates the period is the last DEFAULT_DAYS days up to `today`; with one, it reaches as far from it."""
    problems: list[str] = []
    tenant = query.get("tenant", "").strip() or None
    if tenant is not None and tenant not in tenants:
        known = ", ".join(sorted(tenants)) or "none yet"
        problems.append(f"tenant={tenant!r} has no sessions in the warehouse (tenants: {known})")
    first = _day("from", query["from"], problems) if query.get("from") else None
    last = _day("to", query["to"], problems) if query.get("to") else None
    if problems:
        raise BadRequest("; ".join(problems))
    span = timedelta(days=DEFAULT_DAYS - 1)
    last = last or (first + span if first else today)
    first = first or last - span
    if first > last:
        problems.append(f"from={first} is after to={last}")
    elif (last - first).days + 1 > MAX_DAYS:
        problems.append(f"the period {first} .. {last} is longer than {MAX_DAYS} days")
    if problems:
        raise BadRequest("; ".join(problems))
    start = datetime.combine(first, time(), tzinfo=UTC)
    return Filters(tenant, start, datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC))
