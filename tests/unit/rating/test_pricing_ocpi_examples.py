"""The worked examples of OCPI 2.2.1 mod_tariffs / mod_cdrs (branch release-2.2.1-bugfixes), reproduced."""

from decimal import Decimal as D

import pytest

from .builders import cents, local, rate, session, tariff

ENERGY_025 = '{"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1}'
START_050 = '{"type": "FLAT", "price": 0.50, "vat": 20.0, "step_size": 1}'


def one_element(*components: str, extra: str = "") -> str:
    return f'{{"id": "T", "currency": "EUR", {extra} "elements": [{{"price_components": [{", ".join(components)}]}}]}}'


MONDAY = "2026-11-23"  # a Monday
SATURDAY = "2026-11-28"


def test_simple_025_per_kwh():
    rated = rate(session(local(f"{MONDAY}T10:00"), ("c", 120, 20)), tariff(one_element(ENERGY_025)))
    assert cents(rated) == (D("5.00"), D("5.50"))


def test_025_per_kwh_plus_start_fee():
    rated = rate(session(local(f"{MONDAY}T10:00"), ("c", 120, 20)), tariff(one_element(START_050, ENERGY_025)))
    assert (rated.total_cost_excl_vat, rated.total_cost_incl_vat) == (D("5.50"), D("6.10"))


@pytest.mark.parametrize(("kwh", "expected"), [(20, (D("5.00"), D("5.50"))), (1, (D("0.50"), D("0.55")))])
def test_025_per_kwh_with_minimum_price(kwh, expected):
    limits = '"min_price": {"excl_vat": 0.50, "incl_vat": 0.55},'
    rated = rate(session(local(f"{MONDAY}T10:00"), ("c", 60, kwh)), tariff(one_element(ENERGY_025, extra=limits)))
    assert (rated.total_cost_excl_vat, rated.total_cost_incl_vat) == expected


def test_025_per_kwh_parking_and_start_fee_bills_45_of_40_parked_minutes():
    parking = '{"type": "PARKING_TIME", "price": 2.00, "vat": 20.0, "step_size": 900}'
    closed = session(local(f"{MONDAY}T10:00"), ("c", 120, 20), ("p", 40, 0))
    rated = rate(closed, tariff(one_element(START_050, ENERGY_025, parking)))
    assert (rated.total_cost_excl_vat, rated.total_cost_incl_vat) == (D("7.00"), D("7.90"))
    assert [line.quantity for line in rated.line_items if line.dimension == "PARKING_TIME"] == [D("0.75")]


@pytest.mark.parametrize(("kwh", "expected"), [(50, (D("10.00"), D("11.00"))), (30, (D("8.00"), D("8.85")))])
def test_start_fee_with_maximum_price(kwh, expected):
    limits = '"max_price": {"excl_vat": 10.00, "incl_vat": 11.00}, "end_date_time": "2019-06-30T23:59:59Z",'
    rated = rate(
        session(local(f"{MONDAY}T10:00"), ("c", 300, kwh)), tariff(one_element(START_050, ENERGY_025, extra=limits))
    )
    assert (rated.total_cost_excl_vat, rated.total_cost_incl_vat) == expected


def test_simple_2_per_hour_charging_time():
    time_2 = '{"type": "TIME", "price": 2.00, "vat": 10.0, "step_size": 60}'
    rated = rate(session(local(f"{MONDAY}T10:00"), ("c", 150, 20)), tariff(one_element(time_2)))
    assert (rated.total_cost_excl_vat, rated.total_cost_incl_vat) == (D("5.00"), D("5.50"))


def test_3_per_hour_and_5_per_hour_parking():
    time_3 = '{"type": "TIME", "price": 3.00, "vat": 10.0, "step_size": 60}'
    parking_5 = '{"type": "PARKING_TIME", "price": 5.00, "vat": 20.0, "step_size": 300}'
    closed = session(local(f"{MONDAY}T10:00"), ("c", 150, 20), ("p", 42, 0))
    rated = rate(closed, tariff(one_element(time_3, parking_5)))
    assert (rated.total_cost_excl_vat, rated.total_cost_incl_vat) == (D("11.25"), D("12.75"))


def test_ad_hoc_alt_text_tariff_190_per_hour_52_percent_vat():
    alt = '"tariff_alt_text": [{"language": "en", "text": "2.00 euro p/hour including VAT."}],'
    time_190 = '{"type": "TIME", "price": 1.90, "vat": 5.2, "step_size": 300}'
    rated = rate(session(local(f"{MONDAY}T10:00"), ("c", 150, 20)), tariff(one_element(time_190, extra=alt)))
    assert cents(rated) == (D("4.75"), D("5.00"))


def test_alt_url_tariff_bills_2045_kwh_as_205_in_100_wh_steps():
    energy = '{"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 100}'
    rated = rate(session(local(f"{MONDAY}T10:00"), ("c", 120, "20.45")), tariff(one_element(START_050, energy)))
    energy_line = next(line for line in rated.line_items if line.dimension == "ENERGY")
    assert energy_line.quantity == D("20.5")
    assert cents(rated) == (D("5.63"), D("6.24"))


def test_free_of_charge_tariff():
    free = one_element('{"type": "FLAT", "price": 0.00, "step_size": 0}')  # the OCPI example has no VAT
    rated = rate(session(local(f"{MONDAY}T10:00"), ("c", 120, 20), ("p", 30, 0)), tariff(free))
    assert (rated.total_cost_excl_vat, rated.total_cost_incl_vat) == (D(0), D(0))


COMPLEX = """{"country_code": "DE", "party_id": "ALL", "id": "14", "currency": "EUR", "type": "REGULAR",
  "tariff_alt_url": "https://company.com/tariffs/14", "last_updated": "2015-06-29T20:39:09Z",
  "elements": [
    {"price_components": [{"type": "FLAT", "price": 2.50, "vat": 15.0, "step_size": 1}]},
    {"price_components": [{"type": "TIME", "price": 1.00, "vat": 20.0, "step_size": 900}],
     "restrictions": {"max_current": 32.00}},
    {"price_components": [{"type": "TIME", "price": 2.00, "vat": 20.0, "step_size": 600}],
     "restrictions": {"min_current": 32.00, "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]}},
    {"price_components": [{"type": "TIME", "price": 1.25, "vat": 20.0, "step_size": 600}],
     "restrictions": {"min_current": 32.00, "day_of_week": ["SATURDAY", "SUNDAY"]}},
    {"price_components": [{"type": "PARKING_TIME", "price": 5.00, "vat": 10.0, "step_size": 300}],
     "restrictions": {"start_time": "09:00", "end_time": "18:00",
                      "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]}},
    {"price_components": [{"type": "PARKING_TIME", "price": 6.00, "vat": 10.0, "step_size": 300}],
     "restrictions": {"start_time": "10:00", "end_time": "17:00", "day_of_week": ["SATURDAY"]}}]}"""


def test_complex_tariff_monday_morning_16a():
    rated = rate(session(local(f"{MONDAY}T09:30"), ("c", 165, 20, 16), ("p", 42, 0)), tariff(COMPLEX))
    lines = [(line.dimension, line.tariff_element, line.quantity, line.amount_excl_vat) for line in rated.line_items]
    assert lines == [
        ("FLAT", 0, 1, D("2.50")),
        ("TIME", 1, D("2.75"), D("2.75")),  # 165 min, not rounded: a time period follows
        ("PARKING_TIME", 4, D("0.75"), D("3.75")),  # 42 min billed as 45 (step 300 s)
    ]
    assert (rated.total_cost_excl_vat, rated.total_cost_incl_vat) == (D("9.00"), D("10.30"))


def test_complex_tariff_saturday_afternoon_43a():
    # The document prices 114 min at 1.25/h as 2.28 (total 12.28 / 13.861); 1.9 h x 1.25 is 2.375.
    rated = rate(session(local(f"{SATURDAY}T13:30"), ("c", 114, 20, 43), ("p", 71, 0)), tariff(COMPLEX))
    lines = [(line.dimension, line.tariff_element, line.quantity, line.amount_excl_vat) for line in rated.line_items]
    assert lines == [
        ("FLAT", 0, 1, D("2.50")),
        ("TIME", 3, D("1.9"), D("2.375")),
        ("PARKING_TIME", 5, D("1.25"), D("7.50")),  # 71 min billed as 75
    ]
    assert (rated.total_cost_excl_vat, rated.total_cost_incl_vat) == (D("12.375"), D("13.975"))


def test_max_power_restriction():
    text = """{"id": "1", "currency": "EUR", "elements": [
      {"price_components": [{"type": "ENERGY", "price": 0.20, "vat": 20.0, "step_size": 1}],
       "restrictions": {"max_power": 16.00}},
      {"price_components": [{"type": "ENERGY", "price": 0.35, "vat": 20.0, "step_size": 1}],
       "restrictions": {"max_power": 32.00}},
      {"price_components": [{"type": "ENERGY", "price": 0.50, "vat": 20.0, "step_size": 1}]}]}"""
    closed = session(
        local(f"{MONDAY}T10:00"), ("c", 10, 1, None, 6), ("c", 50, 40, None, 48), ("c", 7.5, "0.5", None, 4)
    )
    assert rate(closed, tariff(text)).total_cost_excl_vat == D("20.30")


def test_max_duration_restriction_free_first_half_hour():
    text = """{"id": "2", "currency": "EUR", "elements": [
      {"price_components": [{"type": "ENERGY", "price": 0.00, "vat": 20.0, "step_size": 1}],
       "restrictions": {"max_duration": 1800}},
      {"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 20.0, "step_size": 1}],
       "restrictions": {"max_duration": 3600}},
      {"price_components": [{"type": "ENERGY", "price": 0.40, "vat": 20.0, "step_size": 1}]}]}"""
    closed = session(local(f"{MONDAY}T10:00"), ("c", 30, 5), ("c", 10, "1.2"))
    assert rate(closed, tariff(text)).total_cost_excl_vat == D("0.30")


STEP_SIZE = """{"id": "22", "currency": "EUR", "elements": [
  {"price_components": [{"type": "TIME", "price": 1.20, "step_size": 1800},
                        {"type": "PARKING_TIME", "price": 1.00, "step_size": 900}],
   "restrictions": {"start_time": "00:00", "end_time": "17:00"}},
  {"price_components": [{"type": "TIME", "price": 2.40, "step_size": 900},
                        {"type": "PARKING_TIME", "price": 1.00, "step_size": 900}],
   "restrictions": {"start_time": "17:00", "end_time": "20:00"}},
  {"price_components": [{"type": "TIME", "price": 2.40, "step_size": 900}],
   "restrictions": {"start_time": "20:00", "end_time": "00:00"}}]}"""


def summary(rated):
    return [
        (line.dimension, line.tariff_element, round(line.quantity * 60), line.amount_excl_vat)
        for line in rated.line_items
    ]


def test_step_size_switching_element_1():
    rated = rate(session(local(f"{MONDAY}T16:55"), ("c", 10, 2), ("p", 2, 0)), tariff(STEP_SIZE))
    assert summary(rated) == [("TIME", 0, 5, D("0.10")), ("TIME", 1, 5, D("0.20")), ("PARKING_TIME", 1, 15, D("0.25"))]
    assert rated.total_cost_excl_vat == rated.total_cost_incl_vat == D("0.55")


def test_step_size_switching_element_2():
    rated = rate(session(local(f"{MONDAY}T16:35"), ("c", 35, 5)), tariff(STEP_SIZE))
    assert summary(rated) == [("TIME", 0, 25, D("0.50")), ("TIME", 1, 20, D("0.80"))]
    assert rated.total_cost_excl_vat == D("1.30")


def test_step_size_switching_to_free_of_charge_element():
    rated = rate(session(local(f"{MONDAY}T19:40"), ("c", 12, 2), ("p", 20, 0)), tariff(STEP_SIZE))
    assert summary(rated) == [("TIME", 1, 12, D("0.48")), ("PARKING_TIME", 1, 15, D("0.25"))]
    assert rated.total_cost_excl_vat == D("0.73")


def two_prices_at_17(dimension: str, before: str, after: str, step: int) -> str:
    components = [f'{{"type": "{dimension}", "price": {price}, "step_size": {step}}}' for price in (before, after)]
    return f"""{{"id": "S", "currency": "EUR", "elements": [
      {{"price_components": [{components[0]}], "restrictions": {{"end_time": "17:00"}}}},
      {{"price_components": [{components[1]}], "restrictions": {{"start_time": "17:00"}}}}]}}"""


def test_mod_cdrs_energy_step_on_session_total():
    closed = session(local(f"{MONDAY}T16:00"), ("c", 60, "4.3"), ("c", 30, "1.1"))
    rated = rate(closed, tariff(two_prices_at_17("ENERGY", "0.20", "0.27", 500)))
    assert [line.quantity for line in rated.line_items] == [D("4.3"), D("1.2")]  # 5.4 kWh billed as 5.5


def test_mod_cdrs_time_step_on_session_total():
    rated = rate(session(local(f"{MONDAY}T16:54"), ("c", 28, 3)), tariff(two_prices_at_17("TIME", "5", "7", 600)))
    assert summary(rated) == [("TIME", 0, 6, D("0.50")), ("TIME", 1, 24, D("2.80"))]  # 28 min billed as 30


@pytest.mark.parametrize(("parked", "step", "billed"), [(16, 600, 20), (7, 300, 10)])
def test_mod_cdrs_only_parking_is_rounded_when_it_follows_charging(parked, step, billed):
    text = one_element(
        f'{{"type": "TIME", "price": 1.00, "step_size": {step}}}',
        f'{{"type": "PARKING_TIME", "price": 2.00, "step_size": {step}}}',
    )
    rated = rate(session(local(f"{MONDAY}T10:00"), ("c", 21, 3), ("p", parked, 0)), tariff(text))
    assert [(line.dimension, round(line.quantity * 60)) for line in rated.line_items] == [
        ("TIME", 21),
        ("PARKING_TIME", billed),
    ]


@pytest.mark.parametrize(("step", "cost"), [(1, D("0.029")), (25, D("0.03125")), (500, D("0.125"))])
def test_price_component_energy_step_examples_for_115_2_wh(step, cost):
    energy = f'{{"type": "ENERGY", "price": 0.25, "step_size": {step}}}'
    rated = rate(session(local(f"{MONDAY}T10:00"), ("c", 5, "0.1152")), tariff(one_element(energy)))
    assert rated.total_cost_excl_vat == cost
