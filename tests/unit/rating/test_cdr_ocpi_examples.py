"""Every worked example with figures in OCPI 2.2.1 mod_tariffs and mod_cdrs, as CDR JSON through rate_cdr.

The tariffs are the spec's own example files (ocpi_examples/, verbatim); the sessions are the ones the text
describes. Amounts are exact: where the spec prints an amount rounded to cents, the test says so.
"""

from decimal import Decimal as D

import pytest

from pipelines.money import round_money
from pipelines.rating.cdr import CdrError

from .cdr_builders import cdr, charge, example, lines, park, rate, reserve, total

MONDAY, SATURDAY = "2026-11-23", "2026-11-28"


def at_ten(tariff: str | dict, *periods) -> dict:
    """A Monday session from 10:00 local time, priced by an example tariff (by file name) or a given one."""
    return rate(cdr(example(tariff) if isinstance(tariff, str) else tariff, f"{MONDAY}T10:00", *periods))


def test_the_mod_cdrs_example_cdr_rates_to_its_own_totals():
    published = example("cdr_example")
    costs_absent = {key: value for key, value in published.items() if not key.endswith("_cost")}
    rated = rate(costs_absent)
    # 1.973 h of TIME at 2.00/h, billed per 300 s: 7102.8 s -> 7200 s
    assert (
        rated["total_cost"]
        == rated["total_time_cost"]
        == published["total_cost"]
        == {"excl_vat": 4, "incl_vat": D("4.4")}
    )
    assert (rated["total_time"], rated["total_energy"]) == (D("1.973"), D("15.342"))  # energy: no ENERGY dimension
    assert lines(rated) == [("TIME", 0, 2, D("4.00"))]
    assert rate(published)["total_cost"] == published["total_cost"]  # the exact object, costs and all


def test_simple_tariff_025_per_kwh():
    rated = at_ten("tariff_8_simple_025kwh", charge(120, 20))
    assert total(rated) == total(rated, "total_energy_cost") == (D("5.00"), D("5.50"))


def test_025_per_kwh_and_start_fee():
    rated = at_ten("tariff_9_025kwh_start", charge(120, 20))
    assert total(rated) == (D("5.50"), D("6.10"))
    assert total(rated, "total_fixed_cost") == (D("0.50"), D("0.60"))


@pytest.mark.parametrize(
    ("kwh", "expected", "adjusted"),
    [(20, (D("5.00"), D("5.50")), False), (1, (D("0.50"), D("0.55")), True), (2, (D("0.50"), D("0.55")), False)],
)
def test_025_per_kwh_with_minimum_price_applies_below_2_kwh(kwh, expected, adjusted):
    rated = at_ten("tariff_12_025kwh_min_price", charge(60, kwh))
    assert total(rated) == expected
    assert ("MIN_PRICE" in [item["dimension"] for item in rated["line_items"]]) is adjusted


def test_025_per_kwh_parking_and_start_fee_bills_45_of_40_parked_minutes():
    rated = at_ten("tariff_10_025kwh_parking_start", charge(120, 20), park(40))
    assert total(rated) == (D("7.00"), D("7.90"))
    assert total(rated, "total_parking_cost") == (D("1.50"), D("1.80"))
    assert rated["total_parking_time"] == D("0.666666667")  # 40 min, to the ledger's 9 decimals
    assert [line for line in lines(rated) if line[0] == "PARKING_TIME"] == [("PARKING_TIME", 0, D("0.75"), D("1.50"))]


@pytest.mark.parametrize(("kwh", "expected"), [(50, (D("10.00"), D("11.00"))), (30, (D("8.00"), D("8.85")))])
def test_start_fee_and_maximum_price_before_the_tariff_ends(kwh, expected):
    rated = rate(cdr(example("tariff_6_025kwh_start_max_price"), "2019-06-03T10:00", charge(300, kwh)))
    assert total(rated) == expected


def test_the_maximum_price_tariff_cannot_rate_a_session_after_its_end_date():
    with pytest.raises(CdrError, match=r"tariffs: tariff '16' is valid \(open\) \.\. 2019-06-30T23:59:59Z"):
        rate(cdr(example("tariff_6_025kwh_start_max_price"), "2019-07-01T10:00", charge(300, 50)))


def test_simple_tariff_2_per_hour_charging_time():
    rated = at_ten("tariff_1_simple_2hour", charge(150, 20))
    assert total(rated) == total(rated, "total_time_cost") == (D("5.00"), D("5.50"))


def test_3_per_hour_and_5_per_hour_parking():
    rated = at_ten("tariff_13_simple_3hour_5parking", charge(150, 20), park(42))
    assert total(rated) == (D("11.25"), D("12.75"))
    assert total(rated, "total_parking_cost") == (D("3.75"), D("4.50"))  # 42 min billed as 45


def test_ad_hoc_tariff_190_per_hour_with_52_percent_vat():
    rated = at_ten("tariff_2_alt_text", charge(150, 20))
    # The spec gives 4.75 / 5.00: 2.5 h x 1.90 x 1.052 is exactly 4.997, which is 5.00 in cents.
    assert total(rated) == (D("4.75"), D("4.997"))
    assert round_money(D("4.997"), "EUR") == D("5.00")


@pytest.mark.parametrize(("price", "excl", "incl"), [("0.25", "5.625", "6.2375"), ("0.22", "5.01", "5.561")])
def test_alt_url_tariff_bills_2045_kwh_as_205_kwh(price, excl, incl):
    tariff = example("tariff_3_alt_url")
    tariff["elements"][0]["price_components"][1]["price"] = D(price)  # 0.22: the real-time price of the text
    rated = rate(cdr(tariff, f"{MONDAY}T10:00", charge(120, "20.45")))
    assert [line[2] for line in lines(rated)] == [1, D("20.5")]
    # The spec prints cents: 5.63 / 6.24 at 0.25 (its table lists 20.45 kWh but prices the 20.5 kWh billed)
    # and 5.01 / 5.56 at 0.22.
    assert total(rated) == (D(excl), D(incl))
    assert {"0.25": (D("5.63"), D("6.24")), "0.22": (D("5.01"), D("5.56"))}[price] == (
        round_money(D(excl), "EUR"),
        round_money(D(incl), "EUR"),
    )


def test_complex_tariff_monday_morning_at_16_a():
    rated = at_ten("tariff_4_complex", charge(165, 20, MAX_CURRENT=16), park(42))
    assert lines(rated) == [
        ("FLAT", 0, 1, D("2.50")),
        ("TIME", 1, D("2.75"), D("2.75")),  # not rounded: a parking period follows
        ("PARKING_TIME", 4, D("0.75"), D("3.75")),  # 42 min billed as 45
    ]
    assert total(rated) == (D("9.00"), D("10.30"))


def test_complex_tariff_saturday_afternoon_at_43_a_corrects_the_spec():
    rated = rate(cdr(example("tariff_4_complex"), f"{SATURDAY}T13:30", charge(114, 20, MIN_CURRENT=43), park(71)))
    # Erratum: the spec prices 114 min at 1.25/h as 2.28 (total 12.28 / 13.861); 1.9 h x 1.25 is 2.375.
    assert lines(rated) == [
        ("FLAT", 0, 1, D("2.50")),
        ("TIME", 3, D("1.9"), D("2.375")),
        ("PARKING_TIME", 5, D("1.25"), D("7.50")),  # 71 min billed as 75
    ]
    assert total(rated) == (D("12.375"), D("13.975"))


def test_free_of_charge_tariff_has_no_vat():
    rated = at_ten("tariff_5_free_of_charge", charge(120, 20), park(30))
    assert rated["total_cost"] == {"excl_vat": 0}  # no VAT given: none applicable, so no incl_vat


def test_reservation_price_15_minutes_before_charging():
    rated = at_ten("tariff_15_reservation_5_euro_per_hour", reserve(15), charge(120, 20))
    assert total(rated) == (D("6.75"), D("7.60"))
    assert total(rated, "total_reservation_cost") == (D("1.25"), D("1.50"))
    assert rated["line_items"][0]["description"].startswith("Reservation time 0:15:00 at 5.00 EUR/h")


def test_reservation_fee_and_price_13_minutes_billed_as_15():
    rated = at_ten("tariff_16_reservation_2_euro_fee_5_euro_per_hour", reserve(13), charge(120, 20))
    assert lines(rated) == [
        ("FLAT", 0, 1, D("2.00")),
        ("TIME", 0, D("0.25"), D("1.25")),
        ("FLAT", 1, 1, D("0.50")),
        ("ENERGY", 1, 20, D("5.00")),
    ]
    assert total(rated) == (D("8.75"), D("10.00"))
    assert total(rated, "total_fixed_cost") == (D("0.50"), D("0.60"))  # OCPI: reservation fees are not fixed costs


@pytest.mark.parametrize(
    ("tariff", "used", "expired"),
    [
        ("tariff_17_reservation_with_expire_fee", (D("6.50"), D("7.30")), (D("6.00"), D("7.20"))),
        ("tariff_18_reservation_with_expire_time", (D("7.00"), D("7.90")), (D("9.00"), D("10.80"))),
    ],
)
def test_reservation_used_after_22_minutes_and_reservation_expired(tariff, used, expired):
    assert total(at_ten(tariff, reserve(22), charge(120, 20))) == used  # 22 min billed as 30
    lapsed = at_ten(tariff, reserve(60 if "fee" in tariff else 90))
    assert total(lapsed) == total(lapsed, "total_reservation_cost") == expired
    assert (lapsed["total_time"], lapsed["total_energy"]) == (0, 0)


def test_max_power_restriction():
    rated = at_ten(
        "tariffrestriction_example_max_power",
        charge(10, 1, MAX_POWER=6),
        charge(50, 40, MAX_POWER=48),
        charge("7.5", "0.5", MAX_POWER=4),
    )
    assert [(line[1], line[2], line[3]) for line in lines(rated)] == [(0, D("1.5"), D("0.30")), (2, 40, D("20.00"))]
    assert total(rated) == (D("20.30"), D("24.36"))


def test_max_duration_restriction_charges_nothing_for_the_first_half_hour():
    rated = at_ten("tariffrestriction_example_max_duration", charge(30, 5), charge(10, "1.2"))
    assert total(rated) == (D("0.30"), D("0.36"))


def test_step_size_switching_to_a_different_tariff_element_1():
    rated = rate(cdr(example("tariff_14_step_size"), f"{MONDAY}T16:55", charge(5, 1), charge(5, 1), park(2)))
    assert [(d, e, round(q * 60), a) for d, e, q, a in lines(rated)] == [
        ("TIME", 0, 5, D("0.10")),
        ("TIME", 1, 5, D("0.20")),
        ("PARKING_TIME", 1, 15, D("0.25")),
    ]
    assert rated["total_cost"] == {"excl_vat": D("0.55")}  # the tariff gives no VAT


def test_step_size_switching_to_a_different_tariff_element_2():
    rated = rate(cdr(example("tariff_14_step_size"), f"{MONDAY}T16:35", charge(25, 3), charge(10, 2)))
    assert [(e, round(q * 60), a) for _, e, q, a in lines(rated)] == [(0, 25, D("0.50")), (1, 20, D("0.80"))]
    assert total(rated) == (D("1.30"), None)


def test_step_size_switching_to_a_free_of_charge_tariff_element():
    rated = rate(cdr(example("tariff_14_step_size"), f"{MONDAY}T19:40", charge(12, 2), park(8), park(12)))
    assert [(d, e, round(q * 60), a) for d, e, q, a in lines(rated)] == [
        ("TIME", 1, 12, D("0.48")),
        ("PARKING_TIME", 1, 15, D("0.25")),  # 8 min before 20:00 billed as 15; free after 20:00
    ]
    assert total(rated) == (D("0.73"), None)


def two_prices_at_17(dimension: str, before: str, after: str, step: int) -> dict:
    def element(price: str, restrictions: dict) -> dict:
        component = {"type": dimension, "price": D(price), "step_size": step}
        return {"price_components": [component], "restrictions": restrictions}

    elements = [element(before, {"end_time": "17:00"}), element(after, {"start_time": "17:00"})]
    return {"id": "S", "currency": "EUR", "elements": elements}


def test_mod_cdrs_energy_step_size_applies_to_the_session_total():
    rated = rate(
        cdr(two_prices_at_17("ENERGY", "0.20", "0.27", 500), f"{MONDAY}T16:00", charge(60, "4.3"), charge(30, "1.1"))
    )
    assert lines(rated) == [("ENERGY", 0, D("4.3"), D("0.86")), ("ENERGY", 1, D("1.2"), D("0.324"))]  # 5.4 -> 5.5


def test_mod_cdrs_time_step_size_applies_to_the_session_total():
    rated = rate(cdr(two_prices_at_17("TIME", "5", "7", 600), f"{MONDAY}T16:54", charge(6, 1), charge(22, 2)))
    assert [(e, round(q * 60), a) for _, e, q, a in lines(rated)] == [
        (0, 6, D("0.5")),
        (1, 24, D("2.8")),
    ]  # 28 -> 30 min


@pytest.mark.parametrize(("parked", "step", "billed"), [(16, 600, 20), (7, 300, 10)])
def test_mod_cdrs_only_parking_is_rounded_when_it_follows_charging(parked, step, billed):
    components = [
        {"type": kind, "price": D(price), "step_size": step} for kind, price in (("TIME", 1), ("PARKING_TIME", 2))
    ]
    tariff = {"id": "P", "currency": "EUR", "elements": [{"price_components": components}]}
    rated = at_ten(tariff, charge(21, 3), park(parked))
    assert [(d, round(q * 60)) for d, _, q, _ in lines(rated)] == [("TIME", 21), ("PARKING_TIME", billed)]


@pytest.mark.parametrize(("step", "cost"), [(1, D("0.029")), (25, D("0.03125")), (500, D("0.125"))])
def test_price_component_energy_steps_for_115_2_wh(step, cost):
    # The spec prints 0.031 for step 25: 125 Wh at 0.25/kWh is exactly 0.03125.
    tariff = {
        "id": "W",
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": D("0.25"), "step_size": step}]}],
    }
    assert total(at_ten(tariff, charge(5, "0.1152"))) == (cost, None)


@pytest.mark.parametrize(("dimension", "period"), [("TIME", charge(6, 1)), ("PARKING_TIME", park(8))])
def test_price_component_time_step_300_bills_10_minutes(dimension, period):
    tariff = {
        "id": "T",
        "currency": "EUR",
        "elements": [{"price_components": [{"type": dimension, "price": 6, "step_size": 300}]}],
    }
    assert total(at_ten(tariff, period)) == (D("1.00"), None)  # 10 min at 6/h
