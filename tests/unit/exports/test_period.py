from datetime import date

import pytest

from jobs.exports.period import ExportError, check_format, parse_period
from pipelines.errors import UserError


def test_a_month_spans_its_first_day_to_the_next_months_first_day() -> None:
    november = parse_period("2026-11")
    assert (november.first, november.after, november.last, november.label) == (
        date(2026, 11, 1), date(2026, 12, 1), date(2026, 11, 30), "2026-11",
    )  # fmt: skip
    assert parse_period("2026-12").after == date(2027, 1, 1)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "11/2026", "2026-11-01", ""])
def test_anything_but_yyyy_mm_is_a_user_error(text: str) -> None:
    with pytest.raises(UserError, match="--period must be a month as YYYY-MM"):
        parse_period(text)


def test_formats_are_checked() -> None:
    assert check_format("ocpi-cdr") == "ocpi-cdr"
    with pytest.raises(ExportError, match="csv, parquet, datev, sie, ocpi-cdr"):
        check_format("xlsx")
