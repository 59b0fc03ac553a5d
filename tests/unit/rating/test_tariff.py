import json
from datetime import UTC, datetime, time
from decimal import Decimal as D

import pytest

from pipelines.rating.tariff import DayOfWeek, Dimension, Price, TariffError, TariffType, parse_tariff

from .builders import tariff
from .test_pricing_ocpi_examples import COMPLEX


def problems_of(obj) -> list[str]:
    with pytest.raises(TariffError) as caught:
        parse_tariff(obj)
    return caught.value.problems


def test_parses_the_ocpi_complex_example_exactly():
    parsed = tariff(COMPLEX)
    assert (parsed.id, parsed.currency, parsed.type, parsed.country_code) == ("14", "EUR", TariffType.REGULAR, "DE")
    assert parsed.last_updated == datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)
    flat = parsed.elements[0].price_components[0]
    assert (flat.dimension, flat.price, flat.vat, flat.step_size) == (Dimension.FLAT, D("2.50"), D("15.0"), 1)
    weekday_parking = parsed.elements[4].restrictions
    assert (weekday_parking.start_time, weekday_parking.end_time) == (time(9), time(18))
    assert weekday_parking.day_of_week[0] is DayOfWeek.MONDAY
    assert parsed.elements[1].restrictions.max_current == D("32.00")


def test_prices_and_validity_with_our_tenant_extension():
    parsed = parse_tariff({
        "id": "T", "currency": "SEK", "tenant_id": "t1", "min_price": {"excl_vat": "1.5"},
        "max_price": {"excl_vat": 100, "incl_vat": D("125")}, "start_date_time": "2026-01-01T00:00:00",
        "end_date_time": "2027-01-01T00:00:00+01:00",
        "elements": [{"price_components": [{"type": "ENERGY", "price": "0.5", "step_size": 1}]}],
    })  # fmt: skip
    assert parsed.tenant_id == "t1"
    assert (parsed.min_price, parsed.max_price) == (Price(D("1.5")), Price(D(100), D(125)))
    assert parsed.start_date_time == datetime(2026, 1, 1, tzinfo=UTC)  # no zone designator means UTC
    assert parsed.end_date_time == datetime(2026, 12, 31, 23, tzinfo=UTC)
    assert parsed.is_active_at(datetime(2026, 6, 1, tzinfo=UTC))
    assert not parsed.is_active_at(datetime(2026, 12, 31, 23, tzinfo=UTC))
    assert not parsed.is_active_at(datetime(2025, 12, 31, tzinfo=UTC))


def test_reports_every_problem_with_its_path():
    problems = problems_of({
        "id": "", "currency": "euro", "colour": "red", "min_price": {"excl_vat": 5}, "max_price": {"excl_vat": 4},
        "elements": [
            {"price_components": [{"type": "KWH", "price": -1, "step_size": 0, "vat": 120}]},
            {"price_components": [], "restrictions": {
                "start_time": "24:00", "end_date": "2026-02-30", "day_of_week": ["MON", "FRIDAY", "FRIDAY"],
                "min_kwh": 10, "max_kwh": 5, "min_duration": -1, "reservation": "MAYBE", "max_powr": 3}},
        ],
    })  # fmt: skip
    assert problems == [
        "tariff.colour: unknown field",
        "id: must be a non-empty string",
        "currency: 'euro' is not an ISO 4217 code like EUR",
        "elements[0].price_components[0].type: 'KWH' is not one of ENERGY, FLAT, TIME, PARKING_TIME",
        "elements[0].price_components[0].price: must not be negative, got -1",
        "elements[0].price_components[0].vat: must be at most 100, got 120",
        "elements[0].price_components[0].step_size: must be at least 1, got 0",
        "elements[1].price_components: must be a non-empty list of price components",
        "elements[1].restrictions.max_powr: unknown field",
        "elements[1].restrictions.min_kwh: must be below max_kwh",
        "elements[1].restrictions.min_duration: must be at least 0, got -1",
        "elements[1].restrictions.end_date: '2026-02-30' is not a date YYYY-MM-DD",
        "elements[1].restrictions.start_time: '24:00' is not a time HH:MM (00:00-23:59)",
        "elements[1].restrictions.day_of_week[0]: 'MON' is not one of MONDAY..SUNDAY",
        "elements[1].restrictions.day_of_week: lists a day twice",
        "elements[1].restrictions.reservation: 'MAYBE' is not one of RESERVATION, RESERVATION_EXPIRES",
        "min_price.excl_vat: must not exceed max_price.excl_vat",
    ]


@pytest.mark.parametrize(
    ("price", "problem"),
    [
        (0.1, "binary float 0.1 is not exact; decode JSON with parse_float=Decimal"),
        (True, "must be a number, got True"),
        ("abc", "must be a decimal number, got 'abc'"),
        ("NaN", "must be a decimal number, got 'NaN'"),
        ("0.0000000001", "must have at most 9 decimals, got 1E-10"),
        (None, "is required"),
    ],
)
def test_numbers_must_be_exact_decimals(price, problem):
    component = {"type": "ENERGY", "step_size": 1} | ({} if price is None else {"price": price})
    obj = {"id": "T", "currency": "EUR", "elements": [{"price_components": [component]}]}
    assert problems_of(obj) == [f"elements[0].price_components[0].price: {problem}"]


def test_exact_binary_floats_are_accepted_as_their_decimal_text():
    obj = json.loads('{"id": "T", "currency": "EUR", "elements": [{"price_components": '
                     '[{"type": "TIME", "price": 0.25, "vat": 20.0, "step_size": 60}]}]}')  # fmt: skip
    component = parse_tariff(obj).elements[0].price_components[0]
    assert (component.price, component.vat) == (D("0.25"), D("20.0"))


def test_not_an_object():
    assert problems_of([1, 2]) == ["tariff: expected a JSON object, got list"]
    assert problems_of({"currency": "EUR"}) == [
        "id: is required",
        "elements: must be a non-empty list of tariff elements",
    ]


def test_error_message_lists_all_problems():
    with pytest.raises(TariffError, match="invalid OCPI tariff:\n  id: is required\n  currency: is required"):
        parse_tariff({"elements": [{"price_components": [{"type": "FLAT", "price": 1, "step_size": 1}]}]})
