"""CDRs across daylight-saving switches (Europe/Berlin), midnight, weekday changes and time ranges past midnight."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from .cdr_builders import cdr, charge, lines, rate

BERLIN = "Europe/Berlin"


def per_hour(*elements: tuple[str, dict]) -> dict:
    """TIME components of the given prices per hour, billed per second, each with its restrictions."""
    return {
        "id": "TZ",
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "TIME", "price": D(price), "step_size": 1}]}
            | ({"restrictions": restrictions} if restrictions else {})
            for price, restrictions in elements
        ],
    }


def hours_per_element(rated: dict) -> dict[int, D]:
    return {element: quantity for dimension, element, quantity, _ in lines(rated) if dimension == "TIME"}


def test_spring_forward_the_missing_hour_is_neither_billed_nor_priced():
    # 2026-03-29 in Berlin: 02:00 CET becomes 03:00 CEST. 01:30 -> 03:30 local is one real hour.
    tariff = per_hour(("1", {"end_time": "03:00"}), ("2", {}))
    rated = rate(cdr(tariff, datetime(2026, 3, 29, 0, 30, tzinfo=UTC), charge(60, 7), zone=BERLIN))
    assert hours_per_element(rated) == {0: D("0.5"), 1: D("0.5")}
    assert rated["total_time"] == 1


def test_fall_back_the_repeated_hour_is_priced_twice_by_its_local_time():
    # 2026-10-25 in Berlin: 03:00 CEST becomes 02:00 CET, so 02:00-03:00 local happens twice.
    tariff = per_hour(("1", {"start_time": "02:00", "end_time": "03:00"}), ("0", {}))
    rated = rate(cdr(tariff, datetime(2026, 10, 24, 23, 30, tzinfo=UTC), charge(180, 20), zone=BERLIN))
    assert hours_per_element(rated) == {0: 2, 1: 1}  # 01:30-02:00, 02:00-03:00 CEST, 02:00-03:00 CET, 03:00-03:30
    assert rated["total_cost"] == {"excl_vat": 2}


def test_a_weekday_change_inside_the_night_clocks_go_forward():
    # Saturday 23:00 CET to Sunday 04:00 CEST: 4 real hours, one on Saturday, three on Sunday.
    tariff = per_hour(("3", {"day_of_week": ["SUNDAY"]}), ("1", {}))
    rated = rate(cdr(tariff, "2026-03-28T23:00", charge(240, 30), zone=BERLIN))
    assert hours_per_element(rated) == {0: 3, 1: 1}
    assert rated["total_cost"] == {"excl_vat": 10}


@pytest.mark.parametrize(
    ("zone", "expected"), [(BERLIN, {0: 1, 1: 1}), ("America/New_York", {0: 2}), ("Asia/Tokyo", {1: 2})]
)
def test_sunday_to_monday_across_midnight_depends_on_the_sites_zone(zone, expected):
    tariff = per_hour(("2", {"day_of_week": ["SUNDAY"]}), ("1", {}))
    start = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)  # Sunday 23:00 in Berlin, 17:00 in New York, Monday 07:00 Tokyo
    assert hours_per_element(rate(cdr(tariff, start, charge(120, 10), zone=BERLIN), zone)) == expected


def test_a_night_window_crossing_midnight_prices_energy_pro_rata():
    tariff = {
        "id": "N",
        "currency": "EUR",
        "elements": [
            {
                "price_components": [{"type": "ENERGY", "price": D("0.20"), "vat": 19, "step_size": 1}],
                "restrictions": {"start_time": "22:00", "end_time": "06:00"},
            },
            {"price_components": [{"type": "ENERGY", "price": D("0.40"), "vat": 19, "step_size": 1}]},
        ],
    }
    rated = rate(cdr(tariff, "2026-11-23T21:00", charge(600, 50), zone=BERLIN))  # 21:00 to 07:00, 5 kWh an hour
    assert [(element, quantity) for _, element, quantity, _ in lines(rated)] == [(0, 40), (1, 10)]
    assert rated["total_cost"] == {"excl_vat": D("12.00"), "incl_vat": D("14.28")}


def test_an_end_time_of_midnight_ends_the_day_and_the_next_day_starts_fresh():
    tariff = per_hour(("2", {"start_time": "20:00", "end_time": "00:00", "day_of_week": ["FRIDAY"]}), ("1", {}))
    rated = rate(cdr(tariff, "2026-11-27T23:00", charge(120, 10), zone=BERLIN))  # Friday 23:00 to Saturday 01:00
    assert hours_per_element(rated) == {0: 1, 1: 1}


def test_start_and_end_dates_are_local_dates_and_the_end_is_exclusive():
    tariff = per_hour(("0", {"start_date": "2026-03-29", "end_date": "2026-03-30"}), ("1", {}))
    # 2026-03-28 22:00 CET to 2026-03-30 02:00 CEST: 27 real hours, of which 23 on the short day itself
    rated = rate(cdr(tariff, "2026-03-28T22:00", charge(27 * 60, 100), zone=BERLIN))
    assert hours_per_element(rated) == {0: 23, 1: 4}


def test_offsets_in_the_cdrs_timestamps_are_honoured():
    tariff = per_hour(("1", {"end_time": "12:00"}), ("2", {}))
    obj = cdr(tariff, "2026-11-23T11:00", charge(120, 10), zone=BERLIN)
    obj["start_date_time"] = obj["charging_periods"][0]["start_date_time"] = "2026-11-23T11:00:00+01:00"
    obj["end_date_time"] = "2026-11-23T12:00:00Z"  # 13:00 in Berlin
    assert hours_per_element(rate(obj)) == {0: 1, 1: 1}
