from datetime import date

import pytest

from pipelines.errors import UserError
from pipelines.invoicing.period import PeriodError, parse_period

TODAY = date(2026, 11, 23)


def test_a_month_runs_from_its_first_to_its_last_day() -> None:
    period = parse_period("2026-02", TODAY)
    assert (period.first, period.last, period.label) == (date(2026, 2, 1), date(2026, 2, 28), "2026-02")
    assert period.end.isoformat() == "2026-03-01T00:00:00+00:00"


def test_december_ends_on_new_years_eve_and_the_current_month_is_allowed() -> None:
    assert parse_period("2025-12", TODAY).last == date(2025, 12, 31)
    assert parse_period("2026-11", TODAY).last == date(2026, 11, 30)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-11", "2026/11", "November", "2026-1", ""])
def test_anything_but_yyyy_mm_is_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(PeriodError, match=r"is not a month: write it as YYYY-MM, e\.g\. 2026-11"):
        parse_period(text, TODAY)


def test_a_future_month_is_refused_as_a_user_error() -> None:
    with pytest.raises(UserError, match=r"--period 2026-12 is in the future \(today is 2026-11-23\)"):
        parse_period("2026-12", TODAY)
