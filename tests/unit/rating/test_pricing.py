from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.rating.pricing import rate_session, split_session

from .builders import RATED_AT, cents, local, rate, session, tariff


def energy_tariff(*elements: tuple[str, str], extra: str = "") -> str:
    """elements: (price, restrictions JSON or '') for ENERGY components with 20% VAT, step 1 Wh."""
    parts = []
    for price, restrictions in elements:
        component = f'{{"type": "ENERGY", "price": {price}, "vat": 20, "step_size": 1}}'
        parts.append(
            f'{{"price_components": [{component}]' + (f', "restrictions": {restrictions}}}' if restrictions else "}")
        )
    return f'{{"id": "E", "currency": "EUR", {extra} "elements": [{", ".join(parts)}]}}'


NIGHT = energy_tariff(("0.20", '{"start_time": "22:00", "end_time": "06:00"}'), ("0.30", ""))


def energy_lines(rated):
    return [
        (line.tariff_element, line.quantity, line.amount_excl_vat)
        for line in rated.line_items
        if line.dimension == "ENERGY"
    ]


def test_night_window_crossing_midnight_splits_energy_pro_rata():
    rated = rate(session(local("2026-11-23T21:00"), ("c", 120, 4)), tariff(NIGHT))
    assert energy_lines(rated) == [(0, D(2), D("0.40")), (1, D(2), D("0.60"))]
    after_midnight = rate(session(local("2026-11-23T23:00"), ("c", 180, 6)), tariff(NIGHT))
    assert energy_lines(after_midnight) == [(0, D(6), D("1.20"))]  # 23:00-02:00 all inside 22:00-06:00


def test_end_time_midnight_means_end_of_day():
    evening = energy_tariff(("0.10", '{"start_time": "20:00", "end_time": "00:00"}'), ("0.30", ""))
    rated = rate(session(local("2026-11-23T23:00"), ("c", 120, 2)), tariff(evening))
    assert energy_lines(rated) == [(0, D(1), D("0.10")), (1, D(1), D("0.30"))]


def test_day_of_week_evaluated_in_local_time():
    weekend = energy_tariff(("0", '{"day_of_week": ["SATURDAY", "SUNDAY"]}'), ("0.30", ""))
    # Friday 23:30 local in Amsterdam is 22:30 UTC: half the session on Friday, half on Saturday
    rated = rate(session(local("2026-11-27T23:30"), ("c", 60, 2)), tariff(weekend))
    assert energy_lines(rated) == [(0, D(1), D(0)), (1, D(1), D("0.30"))]
    # the same UTC instants in Tokyo are all on Saturday
    tokyo = rate(session(local("2026-11-27T23:30"), ("c", 60, 2)), tariff(weekend), zone="Asia/Tokyo")
    assert energy_lines(tokyo) == [(0, D(2), D(0))]


def test_start_and_end_date_are_local_and_end_is_exclusive():
    promo = energy_tariff(("0.10", '{"start_date": "2026-11-24", "end_date": "2026-11-25"}'), ("0.30", ""))
    rated = rate(session(local("2026-11-23T23:00"), ("c", 1560, 26)), tariff(promo))  # 23:00 .. 25th 01:00
    assert energy_lines(rated) == [(0, D(24), D("2.40")), (1, D(2), D("0.60"))]


def test_repeated_hour_when_clocks_go_back_counts_twice():
    text = """{"id": "D", "currency": "EUR", "elements": [
      {"price_components": [{"type": "TIME", "price": 1, "step_size": 1}],
       "restrictions": {"start_time": "02:00", "end_time": "03:00"}},
      {"price_components": [{"type": "TIME", "price": 0, "step_size": 1}]}]}"""
    start = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # 01:30 CEST; clocks go back at 01:00 UTC
    rated = rate(session(start, ("c", 180, 3)), tariff(text))
    assert [(line.tariff_element, line.quantity) for line in rated.line_items] == [(0, D(2)), (1, D(1))]


def test_min_kwh_switches_exactly_at_the_mark():
    bulk = energy_tariff(("0.20", '{"min_kwh": 10}'), ("0.30", ""))
    rated = rate(session(local("2026-11-23T10:00"), ("c", 70, 21)), tariff(bulk))
    assert energy_lines(rated) == [(0, D(11), D("2.20")), (1, D(10), D("3.00"))]
    assert rated.total_cost_excl_vat == D("5.20")


def test_min_duration_and_max_kwh():
    text = energy_tariff(("0.50", '{"min_duration": 3600}'), ("0.25", '{"max_kwh": 5}'), ("0.30", ""))
    rated = rate(session(local("2026-11-23T10:00"), ("c", 90, 15)), tariff(text))
    assert energy_lines(rated) == [(0, D(5), D("2.50")), (1, D(5), D("1.25")), (2, D(5), D("1.50"))]


def test_unknown_current_never_satisfies_a_current_restriction():
    text = energy_tariff(("0.10", '{"max_current": 32}'), ("0.30", ""))
    assert energy_lines(rate(session(local("2026-11-23T10:00"), ("c", 60, 1)), tariff(text))) == [(1, D(1), D("0.30"))]
    with_current = session(local("2026-11-23T10:00"), ("c", 60, 1, 16))
    assert energy_lines(rate(with_current, tariff(text))) == [(0, D(1), D("0.10"))]


def test_average_power_when_the_period_has_no_max_power():
    text = energy_tariff(("0.60", '{"min_power": 50}'), ("0.30", ""))
    assert energy_lines(rate(session(local("2026-11-23T10:00"), ("c", 30, 30)), tariff(text)))[0][0] == 0  # 60 kW
    assert energy_lines(rate(session(local("2026-11-23T10:00"), ("c", 60, 30)), tariff(text)))[0][0] == 1  # 30 kW


def test_vat_per_component_and_none_means_no_vat():
    text = """{"id": "V", "currency": "EUR", "elements": [{"price_components": [
      {"type": "FLAT", "price": 1, "vat": 25, "step_size": 1}, {"type": "ENERGY", "price": 0.30, "step_size": 1}]}]}"""
    rated = rate(session(local("2026-11-23T10:00"), ("c", 60, 10)), tariff(text))
    assert [(line.vat_rate, line.amount_excl_vat, line.amount_incl_vat) for line in rated.line_items] == [
        (D(25), D(1), D("1.25")),
        (None, D(3), D(3)),
    ]
    assert (rated.total_cost_excl_vat, rated.total_cost_incl_vat) == (D(4), D("4.25"))


def test_minimum_price_without_incl_vat_carries_the_sessions_vat():
    rated = rate(
        session(local("2026-11-23T10:00"), ("c", 10, 1)),
        tariff(energy_tariff(("0.25", ""), extra='"min_price": {"excl_vat": 0.50},')),
    )
    adjustment = rated.line_items[-1]
    assert (adjustment.dimension, adjustment.amount_excl_vat, adjustment.amount_incl_vat) == (
        "MIN_PRICE",
        D("0.25"),
        D("0.30"),
    )
    assert (rated.total_cost_excl_vat, rated.total_cost_incl_vat) == (D("0.50"), D("0.60"))


def test_maximum_incl_vat_can_bind_alone():
    limits = '"max_price": {"excl_vat": 10, "incl_vat": 11},'
    rated = rate(session(local("2026-11-23T10:00"), ("c", 60, 36)), tariff(energy_tariff(("0.25", ""), extra=limits)))
    # 9.00 excl. is under its cap, 10.80 incl. under 11: no adjustment; 40 kWh: 10.00 excl. / 12.00 incl.
    assert [line.dimension for line in rated.line_items] == ["ENERGY"]
    capped = rate(session(local("2026-11-23T10:00"), ("c", 60, 40)), tariff(energy_tariff(("0.25", ""), extra=limits)))
    assert capped.line_items[-1].amount_excl_vat == 0 and capped.line_items[-1].amount_incl_vat == D(-1)
    assert (capped.total_cost_excl_vat, capped.total_cost_incl_vat) == (D(10), D(11))


def test_flat_fee_once_even_when_split_and_reservation_elements_ignored():
    text = """{"id": "F", "currency": "EUR", "elements": [
      {"price_components": [{"type": "FLAT", "price": 9, "step_size": 1}],
       "restrictions": {"reservation": "RESERVATION"}},
      {"price_components": [{"type": "FLAT", "price": 1, "step_size": 1}, {"type": "TIME", "price": 2, "step_size": 1}],
       "restrictions": {"start_time": "08:00", "end_time": "18:00"}}]}"""
    rated = rate(session(local("2026-11-23T06:00"), ("c", 600, 10), ("p", 60, 0)), tariff(text))
    lines = [(line.dimension, line.tariff_element, line.quantity) for line in rated.line_items]
    assert lines == [("FLAT", 1, 1), ("TIME", 1, D(8))]  # 08:00-16:00 charging; nothing prices 06-08 or parking


def test_session_without_periods_is_one_charging_period():
    closed = session(local("2026-11-23T10:00"), ("c", 60, 10))
    bare = type(closed)(**{**{f: getattr(closed, f) for f in closed.__slots__}, "periods": ()})
    assert cents(rate(bare, tariff(NIGHT))) == (D("3.00"), D("3.60"))


def test_totals_and_rated_session_fields():
    rated = rate(session(local("2026-11-23T10:00"), ("c", 90, "12.5"), ("p", 30, 0)), tariff(NIGHT))
    assert (rated.total_energy_kwh, rated.total_time_h, rated.total_parking_time_h) == (D("12.5"), D(2), D("0.5"))
    assert (rated.tariff_id, rated.currency, rated.site_id, rated.account_id, rated.rated_at) == (
        "E",
        "EUR",
        "S1",
        "A1",
        RATED_AT,
    )
    assert (
        rated.line_items[0].description
        == "Energy 12.5 kWh at 0.30 EUR/kWh (tariff element 2, billed per 1 Wh, VAT 20%)"
    )


def test_unknown_time_zone_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown IANA time zone 'Mars/Olympus'"):
        rate(session(local("2026-11-23T10:00"), ("c", 60, 1)), tariff(NIGHT), zone="Mars/Olympus")


# --- invariants ---

STEPPED = """{"id": "P", "currency": "EUR", "min_price": {"excl_vat": 0.5},
  "max_price": {"excl_vat": 40, "incl_vat": 47},
  "elements": [
  {"price_components": [{"type": "ENERGY", "price": 0.19, "vat": 19, "step_size": 250},
                        {"type": "TIME", "price": 0.7, "vat": 19, "step_size": 300}],
   "restrictions": {"start_time": "22:00", "end_time": "06:30", "max_power": 11}},
  {"price_components": [{"type": "FLAT", "price": 0.35, "vat": 7, "step_size": 1}]},
  {"price_components": [{"type": "ENERGY", "price": 0.4321, "vat": 19, "step_size": 1}],
   "restrictions": {"max_kwh": 30}},
  {"price_components": [{"type": "PARKING_TIME", "price": 3.3333, "vat": 19, "step_size": 900}],
   "restrictions": {"min_duration": 7200, "day_of_week": ["MONDAY", "SATURDAY"]}},
  {"price_components": [{"type": "ENERGY", "price": 0.55, "vat": 19, "step_size": 1},
                        {"type": "TIME", "price": 1.1, "vat": 19, "step_size": 60}]}]}"""

periods = st.lists(
    st.tuples(
        st.sampled_from(["c", "p"]),
        st.integers(min_value=0, max_value=600).map(lambda m: m / 4),
        st.decimals(min_value=0, max_value=40, places=3),
        st.none() | st.integers(min_value=6, max_value=63),
        st.integers(min_value=1, max_value=150),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    periods,
    st.sampled_from(["Europe/Berlin", "America/New_York", "UTC", "Australia/Lord_Howe"]),
)
def test_invariants(start, spans, zone):
    closed = session(start.replace(tzinfo=UTC), *[(k, m, kwh if k == "c" else 0, a, p) for k, m, kwh, a, p in spans])
    priced_by = tariff(STEPPED)
    rated = rate(closed, priced_by, zone=zone)
    assert rated.total_cost_excl_vat == sum(line.amount_excl_vat for line in rated.line_items)
    assert rated.total_cost_incl_vat == sum(line.amount_incl_vat for line in rated.line_items)
    assert D("0.5") <= rated.total_cost_excl_vat <= 40 and rated.total_cost_incl_vat <= 47
    for value in [
        rated.total_cost_excl_vat,
        *(v for line in rated.line_items for v in (line.quantity, line.amount_excl_vat)),
    ]:
        assert value.as_tuple().exponent >= -9  # fits Decimal(28, 9)
    pieces = split_session(closed, priced_by, ZoneInfo(zone))
    assert sum(piece.energy_wh for piece in pieces) == closed.energy_wh
    assert all(piece.start <= piece.end for piece in pieces)
    billed_wh = sum(line.quantity for line in rated.line_items if line.dimension == "ENERGY") * 1000
    assert closed.energy_wh <= billed_wh < closed.energy_wh + 250  # a fallback element prices all energy
    charging = sum((p.end - p.start for p in closed.periods if p.kind == "charging"), timedelta())
    billed_time = sum(line.quantity for line in rated.line_items if line.dimension == "TIME")
    hours = D(charging // timedelta(microseconds=1)) / 3_600_000_000
    assert billed_time >= hours - D("0.00000001")  # each line's hours are kept to 9 decimals


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=20_000), st.sampled_from([1, 10, 100, 500, 1000]))
def test_energy_step_rounds_the_total_up_to_the_next_step(wh, step):
    component = f'{{"type": "ENERGY", "price": 1, "step_size": {step}}}'
    text = f'{{"id": "S", "currency": "EUR", "elements": [{{"price_components": [{component}]}}]}}'
    rated = rate_session(
        session(datetime(2026, 3, 1, tzinfo=UTC), ("c", 30, D(wh) / 1000)),
        tariff(text), site_id="S", account_id=None, time_zone="UTC", rated_at=RATED_AT,
    )  # fmt: skip
    billed = rated.line_items[0].quantity * 1000
    assert billed % step == 0 and wh <= billed < wh + step
