"""rate_cdr: the CDR's own decisions (tariff, zone, layout, totals, VAT), its errors, and exact JSON both ways."""

import json
from decimal import Decimal as D

import pytest

from pipelines.rating.cdr import CdrError, cdr_from_json, cdr_to_json, rate_cdr
from pipelines.rating.tariff import parse_tariff

from .builders import local, session
from .builders import rate as rate_session_of
from .cdr_builders import cdr, charge, example, lines, park, rate, reserve, total

NIGHT_AND_BULK = {
    "id": "NB",
    "currency": "EUR",
    "min_price": {"excl_vat": D("1.00")},
    "elements": [
        {"price_components": [{"type": "FLAT", "price": D("0.35"), "vat": 19, "step_size": 1}]},
        {
            "price_components": [{"type": "ENERGY", "price": D("0.29"), "vat": 19, "step_size": 100}],
            "restrictions": {"start_time": "22:00", "end_time": "06:00"},
        },
        {
            "price_components": [{"type": "ENERGY", "price": D("0.39"), "vat": 19, "step_size": 100}],
            "restrictions": {"min_kwh": 10, "max_power": 22},
        },
        {
            "price_components": [
                {"type": "ENERGY", "price": D("0.49"), "vat": 19, "step_size": 1},
                {"type": "TIME", "price": D("1.20"), "vat": 19, "step_size": 60},
            ],
            "restrictions": {"max_current": 32},
        },
        {"price_components": [{"type": "PARKING_TIME", "price": 6, "vat": 19, "step_size": 300}]},
        {"price_components": [{"type": "ENERGY", "price": D("0.59"), "vat": 19, "step_size": 1}]},
    ],
}


def problems(obj: object, time_zone: str | None = None) -> list[str]:
    with pytest.raises(CdrError) as raised:
        rate_cdr(obj, time_zone)  # type: ignore[arg-type]
    return raised.value.problems


def test_a_cdr_is_priced_exactly_as_the_streaming_rater_prices_the_same_session():
    periods = [("c", 50, "8.5", 16, 11), ("c", 70, "16.25", 40, 20), ("p", 23, 0)]
    streamed = rate_session_of(session(local("2026-11-23T20:30"), *periods), parse_tariff(NIGHT_AND_BULK))
    as_cdr = cdr(
        NIGHT_AND_BULK,
        "2026-11-23T20:30",
        charge(50, "8.5", MAX_CURRENT=16, MAX_POWER=11),
        charge(70, "16.25", MAX_CURRENT=40, MAX_POWER=20),
        park(23),
    )
    rated = rate(as_cdr)
    assert lines(rated) == [
        (line.dimension, line.tariff_element, line.quantity, line.amount_excl_vat) for line in streamed.line_items
    ]
    assert total(rated) == (streamed.total_cost_excl_vat, streamed.total_cost_incl_vat)
    assert [line[1] for line in lines(rated)] == [0, 1, 2, 3, 5, 3, 4]  # every element prices something


def test_every_problem_is_named_by_its_json_path_at_once():
    bad = {
        "start_date_time": "yesterday",
        "end_date_time": "2026-11-23T10:00:00Z",
        "currency": "euro",
        "tariffs": [{"id": "T", "currency": "EUR", "elements": []}, 7],
        "charging_periods": [
            {"start_date_time": "2026-11-23T09:00:00Z", "dimensions": [{"type": "ENERGY", "volume": -1}]},
            {"start_date_time": "2026-11-23T09:30:00Z", "dimensions": [{"type": "KWH", "volume": 1}], "tarif": "T"},
            {"dimensions": [{"type": "TIME"}, {"type": "TIME", "volume": 1}, {"type": "TIME", "volume": 2}]},
        ],
        "total_energy": "lots",
    }
    found = problems(bad)
    for expected in (
        "start_date_time: 'yesterday' is not an RFC 3339 timestamp",
        "currency: 'euro' is not an ISO 4217 code like EUR",
        "tariffs[0].elements: must be a non-empty list of tariff elements",
        "tariffs[1]: must be a Tariff object",
        "charging_periods[0].dimensions[0].volume: must not be negative (energy fed back into the grid is not priced)",
        "charging_periods[1].dimensions[0].type: 'KWH' is not a CdrDimensionType",
        "charging_periods[1].tarif: unknown field",
        "charging_periods[2].start_date_time: is required",
        "charging_periods[2].dimensions[0].volume: is required",
        "charging_periods[2].dimensions[2].type: TIME is given twice in this period",
        "total_energy: must be a decimal number, got 'lots'",
    ):
        assert any(problem.startswith(expected) for problem in found), (expected, found)
    assert "\n" not in str(CdrError(found))  # one line for the CLI


def test_periods_must_lie_within_the_cdr_in_time_order():
    obj = cdr(example("tariff_1_simple_2hour"), "2026-11-23T10:00", charge(60, 5), charge(60, 5))
    obj["charging_periods"].reverse()
    assert problems(obj) == ["charging_periods[1].start_date_time: is before the previous period's start"]
    obj["charging_periods"][0]["start_date_time"] = "2026-11-23T08:00:00Z"
    obj["charging_periods"][1]["start_date_time"] = "2026-11-23T13:00:00+01:00"
    assert problems(obj) == [
        "charging_periods[0].start_date_time: 2026-11-23T08:00:00Z is before the CDR's start 2026-11-23T09:00:00Z",
        "charging_periods[1].start_date_time: 2026-11-23T12:00:00Z is after the CDR's end 2026-11-23T11:00:00Z",
    ]


def test_a_credit_cdr_or_float_numbers_are_refused_with_the_reason():
    credit = cdr(example("tariff_1_simple_2hour"), "2026-11-23T10:00", charge(60, 5), credit=True)
    assert problems(credit) == ["credit: a credit CDR negates the CDR it credits; rate the original CDR instead"]
    floats = json.loads(cdr_to_json(cdr(example("tariff_8_simple_025kwh"), "2026-11-23T10:00", charge(60, "1.1"))))
    assert any("binary float 1.1 is not exact; decode JSON with parse_float=Decimal" in p for p in problems(floats))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{", "not valid JSON: Expecting property name"),
        (b"[1, 2]", "CDR: expected a JSON object, got list"),
        (b'{"total_energy": NaN}', "NaN is not a JSON number"),
        (b"\xff\xfe\x00", "not valid JSON"),
    ],
)
def test_json_that_is_no_cdr_object_is_a_cdr_error(data, message):
    with pytest.raises(CdrError, match=message):
        cdr_from_json(data)


def test_numbers_stay_exact_through_json_both_ways():
    text = b'{"a": 0.1, "b": 1.973055555555555555555555556, "c": [1E+2, -0.00, 7]}'
    decoded = cdr_from_json(text)
    assert decoded == {"a": D("0.1"), "b": D("1.973055555555555555555555556"), "c": [D("1E+2"), D("-0.00"), 7]}
    assert json.loads(cdr_to_json(decoded), parse_float=D) == {"a": D("0.1"), "b": decoded["b"], "c": [100, 0, 7]}
    with pytest.raises(TypeError):
        cdr_to_json({"x": D("NaN")})


def test_the_tariff_is_the_one_the_periods_name_else_the_first():
    first, second = example("tariff_8_simple_025kwh"), example("tariff_1_simple_2hour")
    obj = cdr(second, "2026-11-23T10:00", charge(60, 10), tariffs=[first, second])
    assert total(rate(obj)) == (D("2.00"), D("2.20"))  # the periods name tariff 12: 2.00/h
    for period in obj["charging_periods"]:
        del period["tariff_id"]
    assert total(rate(obj)) == (D("2.50"), D("2.75"))  # none named: the first, 0.25/kWh


def test_periods_naming_several_unknown_or_only_some_tariffs_are_refused():
    first, second = example("tariff_8_simple_025kwh"), example("tariff_1_simple_2hour")
    obj = cdr(first, "2026-11-23T10:00", charge(60, 10), charge(60, 10), tariffs=[first, second])
    obj["charging_periods"][1]["tariff_id"] = "12"
    assert problems(obj) == ["charging_periods: name several tariffs (12, 16); one CDR, one tariff"]
    obj["charging_periods"][1]["tariff_id"] = "99"
    assert "charging_periods: name several tariffs (16, 99); one CDR, one tariff" in problems(obj)
    del obj["charging_periods"][1]["tariff_id"]
    assert problems(obj)[0].startswith("charging_periods[1].tariff_id: missing while other periods name '16'")
    obj["charging_periods"][0]["tariff_id"] = "99"
    assert "charging_periods: tariff_id '99' is not among tariffs[].id" in problems(obj)


def test_currency_must_match_the_tariff_and_is_filled_in_when_absent():
    obj = cdr(example("tariff_8_simple_025kwh"), "2026-11-23T10:00", charge(60, 10), currency="SEK")
    assert problems(obj) == ["currency: the CDR is in SEK, tariff '16' in EUR"]
    del obj["currency"]
    assert rate(obj)["currency"] == "EUR"


def test_time_zone_argument_overrides_the_location_and_local_restrictions_need_one():
    night = example("tariff_14_step_size")  # restricted by local time of day
    obj = cdr(night, "2026-11-23T16:30", charge(60, 10))  # 16:30-17:30 in Amsterdam: half before 17:00
    assert [line[1] for line in lines(rate(obj))] == [0, 1]
    assert [line[1] for line in lines(rate(obj, "Asia/Kolkata"))] == [2]  # 21:00-22:00 in Kolkata: element 3
    del obj["cdr_location"]
    assert problems(obj) == [
        "time zone: tariff '22' restricts by local time; give cdr_location.time_zone or --time-zone"
        " (an IANA zone like Europe/Berlin)"
    ]
    assert problems(obj, "Mars/Olympus") == ["time zone: 'Mars/Olympus' is not an IANA time zone like Europe/Berlin"]
    assert total(rate(cdr(example("tariff_1_simple_2hour"), "2026-11-23T10:00", charge(60, 1), zone=None)))[0] == 2


def test_given_totals_must_agree_with_the_dimensions_to_their_own_precision():
    obj = cdr(example("tariff_8_simple_025kwh"), "2026-11-23T10:00", charge(60, "15.34"), park(30))
    agreeing = {"total_energy": D("15.3"), "total_time": D("1.5"), "total_parking_time": D("0.5")}
    rated = rate(obj | agreeing)
    assert (rated["total_energy"], rated["total_time"], rated["total_parking_time"]) == (D("15.34"), D("1.5"), D("0.5"))
    assert rate(obj | {"total_energy": D("15.3401"), "total_time": 2})["total_time"] == D("1.5")  # within rounding
    assert problems(obj | {"total_energy": D("15.346"), "total_time": D("1.4"), "total_parking_time": D("0.6")}) == [
        "total_energy: 15.346 disagrees with the ENERGY dimensions (15.34); correct or remove it",
        "total_time: 1.4 disagrees with the periods' charging and parking (1.5); correct or remove it",
        "total_parking_time: 0.6 disagrees with the PARKING_TIME dimensions (0.5); correct or remove it",
    ]


def test_energy_comes_from_the_dimensions_or_the_total_when_no_period_has_it():
    time_only = cdr(example("tariff_1_simple_2hour"), "2026-11-23T10:00", (60, {"TIME": 1}), total_energy=D("9.5"))
    assert rate(time_only)["total_energy"] == D("9.5")
    energy_priced = cdr(example("tariff_8_simple_025kwh"), "2026-11-23T10:00", (60, {"TIME": 1}))
    assert problems(energy_priced) == ["charging_periods: no ENERGY dimension, but tariff '16' prices energy"]


def test_a_period_without_time_charges_for_its_span_less_its_parking_time():
    tariff = example("tariff_13_simple_3hour_5parking")  # 3.00/h charging, 5.00/h parking per 5 min
    rated = rate(cdr(tariff, "2026-11-23T10:00", (90, {"ENERGY": D(12), "PARKING_TIME": D("0.5")})))
    assert [(d, q) for d, _, q, _ in lines(rated)] == [("TIME", 1), ("PARKING_TIME", D("0.5"))]
    assert (rated["total_time"], rated["total_parking_time"]) == (D("1.5"), D("0.5"))
    only_energy = rate(cdr(tariff, "2026-11-23T10:00", (45, {"ENERGY": D(5)})))
    assert only_energy["total_time"] == D("0.75")


def test_time_in_a_period_may_exceed_its_span_only_by_its_rounding():
    tariff = example("tariff_1_simple_2hour")
    within = cdr(tariff, "2026-11-23T10:00", (D("118.38"), {"TIME": D("1.9731")}))  # 118.38 min = 1.973 h
    assert rate(within)["total_time"] == D("1.973")  # rounded up past the period's end: it ends with the period
    short = cdr(tariff, "2026-11-23T10:00", (D("118.38"), {"TIME": D("1.97")}))
    assert rate(short)["total_time"] == D("1.97")  # within the period: exactly as given
    beyond = cdr(tariff, "2026-11-23T10:00", (60, {"TIME": D("1.5"), "PARKING_TIME": D("0.25")}))
    assert problems(beyond) == [
        "charging_periods[0].dimensions: 1.75 h of time in a period of 1 h"
        " (until the next period starts or the CDR ends)"
    ]


def test_time_rounded_past_a_periods_end_leaves_its_energy_at_the_periods_price():
    night = {"start_time": "22:00", "end_time": "06:00"}
    energy = [{"type": "ENERGY", "price": D(price), "step_size": 1} for price in ("0.29", "0.39")]
    tariff = {"id": "E", "currency": "EUR", "elements": [{"price_components": energy[:1], "restrictions": night},
                                                         {"price_components": energy[1:]}]}  # fmt: skip
    # 70 and 40 minutes, the TIME rounded up to 4 decimals: the first period would end 0.12 s after 22:00
    periods = (70, {"ENERGY": D("12.613"), "TIME": D("1.1667")}), (40, {"ENERGY": D("6.254"), "TIME": D("0.6667")})
    rated = rate(cdr(tariff, "2026-11-23T20:50", *periods))
    assert [(element, quantity) for _, element, quantity, _ in lines(rated)] == [(0, D("6.254")), (1, D("12.613"))]
    assert rated["total_time"] == D("1.833333333")


def test_power_and_current_restrictions_see_max_values_else_min_values_else_average_power():
    tariff = example("tariffrestriction_example_max_power")  # <16 kW 0.20, <32 kW 0.35, else 0.50
    at = "2026-11-23T10:00"
    assert lines(rate(cdr(tariff, at, charge(60, 10, MAX_POWER=40, MIN_POWER=10))))[0][1] == 2
    assert lines(rate(cdr(tariff, at, charge(60, 10, MIN_POWER=20))))[0][1] == 1
    assert lines(rate(cdr(tariff, at, charge(60, 10, MIN_POWER=-3))))[0][1] == 0  # feeding back: average 10 kW
    assert lines(rate(cdr(tariff, at, charge(60, 40, POWER=5, STATE_OF_CHARGE=80))))[0][1] == 2  # session-only: ignored


def test_vat_amounts_and_line_items_as_ocpi_json():
    rated = rate(cdr(example("tariff_12_025kwh_min_price"), "2026-11-23T10:00", charge(30, "1.2")))
    assert rated["total_cost"] == {"excl_vat": D("0.50"), "incl_vat": D("0.55")}
    assert rated["total_energy_cost"] == {"excl_vat": D("0.30"), "incl_vat": D("0.33")}
    assert rated["total_time_cost"] == {"excl_vat": D("0.00")}  # nothing priced: no VAT applies
    adjustment = rated["line_items"][-1]
    assert adjustment == {
        "dimension": "MIN_PRICE",
        "tariff_element": None,
        "quantity": 1,
        "unit": "session",
        "unit_price": D("0.20"),
        "step_size": 0,
        "amount": {"excl_vat": D("0.20"), "incl_vat": D("0.22")},
        "vat_rate": None,
        "description": adjustment["description"],
    }
    assert adjustment["description"].startswith("Minimum price 0.50 EUR excl. VAT / 0.55 EUR incl. VAT applies")
    assert b'"excl_vat": 0.50' in cdr_to_json(rated)


def test_reservation_periods_count_towards_the_minimum_price_but_not_the_session_time():
    tariff = example("tariff_15_reservation_5_euro_per_hour") | {"min_price": {"excl_vat": 10, "incl_vat": 12}}
    rated = rate(cdr(tariff, "2026-11-23T10:00", reserve(15), charge(120, 20)))
    assert total(rated) == (D("10.00"), D("12.00"))
    assert [line[0] for line in lines(rated)] == ["TIME", "FLAT", "ENERGY", "MIN_PRICE"]
    assert (rated["total_time"], total(rated, "total_reservation_cost")) == (2, (D("1.25"), D("1.50")))
    mixed = cdr(tariff, "2026-11-23T10:00", (15, {"RESERVATION_TIME": D("0.25"), "ENERGY": 1}))
    assert problems(mixed) == [
        "charging_periods[0].dimensions: RESERVATION_TIME cannot share a period with ENERGY, TIME or PARKING_TIME"
    ]


def test_a_period_with_nothing_to_price_is_refused():
    obj = cdr(example("tariff_1_simple_2hour"), "2026-11-23T10:00", (60, {"MAX_CURRENT": D(16)}))
    assert problems(obj) == [
        "charging_periods[0].dimensions: no ENERGY, TIME, PARKING_TIME or RESERVATION_TIME, nothing to price"
    ]


def test_the_input_is_left_alone_and_everything_else_in_it_passes_through():
    obj = cdr(
        example("tariff_9_025kwh_start"), "2026-11-23T10:00", charge(60, 10), remark="kept", total_cost={"excl_vat": 99}
    )
    before = json.loads(cdr_to_json(obj))
    rated = rate_cdr(obj)
    assert json.loads(cdr_to_json(obj)) == before
    assert rated["remark"] == "kept" and rated["total_cost"] == {"excl_vat": D("3.00"), "incl_vat": D("3.35")}
    assert set(rated) - set(obj) == {
        "total_fixed_cost", "total_energy", "total_energy_cost", "total_time", "total_time_cost",
        "total_parking_time", "total_parking_cost", "line_items",
    }  # fmt: skip
