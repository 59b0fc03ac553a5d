"""The dashboard's query string: defaults, explicit periods, and every problem reported at once."""

from datetime import UTC, date, datetime

import pytest

from dashboards.params import MAX_DAYS, BadRequest, parse_filters

TODAY = date(2026, 11, 23)
TENANTS = ["nord", "sued"]


def test_without_arguments_the_last_30_days_of_all_tenants() -> None:
    filters = parse_filters({}, TENANTS, TODAY)
    assert filters.tenant_id is None
    assert (filters.start, filters.end) == (datetime(2026, 10, 25, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC))
    assert filters.days == 30 and filters.bucket_s == 86400


def test_a_tenant_and_both_days_included() -> None:
    filters = parse_filters({"tenant": "sued", "from": "2026-10-01", "to": "2026-10-02"}, TENANTS, TODAY)
    assert filters.tenant_id == "sued"
    assert (filters.start, filters.end) == (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 3, tzinfo=UTC))
    assert filters.days == 2 and filters.bucket_s == 3600  # short periods are drawn hour by hour
    assert filters.params() == {"tenant": "sued", "start": filters.start, "end": filters.end}


def test_one_day_given_reaches_30_days_from_it() -> None:
    assert parse_filters({"from": "2026-10-01"}, TENANTS, TODAY).end == datetime(2026, 10, 31, tzinfo=UTC)
    assert parse_filters({"to": "2026-10-30"}, TENANTS, TODAY).start == datetime(2026, 10, 1, tzinfo=UTC)


def test_an_empty_tenant_means_all_tenants() -> None:
    assert parse_filters({"tenant": " "}, TENANTS, TODAY).tenant_id is None


def test_every_problem_at_once() -> None:
    with pytest.raises(BadRequest) as error:
        parse_filters({"tenant": "west", "from": "2026-02-30", "to": "tomorrow"}, TENANTS, TODAY)
    message = str(error.value)
    assert "tenant='west' has no sessions in the warehouse (tenants: nord, sued)" in message
    assert "from='2026-02-30' is not a date (YYYY-MM-DD)" in message
    assert "to='tomorrow' is not a date" in message


@pytest.mark.parametrize(
    ("asked", "problem"),
    [
        ({"from": "2026-10-05", "to": "2026-10-01"}, "from=2026-10-05 is after to=2026-10-01"),
        ({"from": "2025-01-01", "to": "2026-10-01"}, f"longer than {MAX_DAYS} days"),
    ],
)
def test_impossible_periods(asked: dict[str, str], problem: str) -> None:
    with pytest.raises(BadRequest, match=problem):
        parse_filters(asked, TENANTS, TODAY)
