"""Invariants of OCPI pricing over random tariffs and sessions: splitting, sums of line items, min/max price."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipelines.rating.pricing import Piece, rate_session, split_session
from pipelines.rating.tariff import Tariff, parse_tariff
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind

from .builders import RATED_AT
from .cdr_builders import cdr, charge, park, rate

MICRO = timedelta(microseconds=1)
ZONES = st.sampled_from(["Europe/Berlin", "UTC", "America/New_York", "Asia/Kolkata"])
# Around both 2026 daylight-saving switches in Europe and an ordinary week
ANCHORS = [datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 11, 22, tzinfo=UTC)]
STEPS = {"ENERGY": [1, 100, 500], "TIME": [1, 60, 300, 900], "PARKING_TIME": [1, 300, 900], "FLAT": [0, 1]}
DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
prices = st.decimals(min_value=0, max_value=5, places=2)
vats = st.sampled_from([None, D(0), D("5.2"), D(19), D(25)])


ALL_KINDS = ("time", "days", "kwh", "power", "current", "duration", "date")


@st.composite
def restrictions(draw: st.DrawFn, kinds_from: tuple[str, ...] = ALL_KINDS) -> dict:
    kinds = draw(st.sets(st.sampled_from(kinds_from), max_size=3))
    found: dict = {}
    if "time" in kinds:
        start, end = draw(
            st.lists(
                st.sampled_from(["00:00", "06:30", "09:00", "17:00", "22:00"]), min_size=2, max_size=2, unique=True
            )
        )
        found |= {"start_time": start, "end_time": end}
    if "days" in kinds:
        found["day_of_week"] = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
    if "date" in kinds:
        found["start_date"] = draw(st.sampled_from(["2026-03-29", "2026-10-25", "2026-11-23"]))
    for kind, low, high in (("kwh", 1, 40), ("power", 3, 120), ("current", 6, 64), ("duration", 60, 14400)):
        if kind in kinds:
            bound = draw(st.sampled_from(["min", "max"]))
            found[f"{bound}_{kind}"] = draw(st.integers(low, high))
    return found


@st.composite
def tariff_objects(draw: st.DrawFn, limits: bool = False, kinds: tuple[str, ...] = ALL_KINDS) -> dict:
    """OCPI Tariff objects with 1-4 elements of random components, restrictions and min/max price."""
    elements = []
    for _ in range(draw(st.integers(1, 4))):
        kinds = draw(st.lists(st.sampled_from(list(STEPS)), min_size=1, max_size=4, unique=True))
        components = [
            {"type": kind, "price": draw(prices), "vat": draw(vats), "step_size": draw(st.sampled_from(STEPS[kind]))}
            for kind in kinds
        ]
        elements.append({"price_components": components, "restrictions": draw(restrictions(kinds))})
    obj: dict = {"id": "P", "currency": "EUR", "elements": elements}
    if limits:
        low, high = sorted(draw(st.lists(st.decimals(0, 40, places=2), min_size=2, max_size=2)))
        vat = draw(st.sampled_from([None, D("1.19"), D("1.052")]))
        for key, bound in (("min_price", low), ("max_price", high)):
            if draw(st.booleans()):
                obj[key] = {"excl_vat": bound} | ({"incl_vat": bound * vat} if vat and draw(st.booleans()) else {})
    return obj


def tariffs(limits: bool = False) -> st.SearchStrategy[Tariff]:
    return tariff_objects(limits).map(parse_tariff)


@st.composite
def sessions(draw: st.DrawFn) -> ClosedSession:
    start = draw(st.sampled_from(ANCHORS)) + timedelta(minutes=draw(st.integers(0, 2 * 24 * 60)))
    periods, at = [], start
    for _ in range(draw(st.integers(1, 4))):
        end = at + timedelta(seconds=draw(st.integers(0, 5 * 3600)))
        if draw(st.booleans()):
            energy = draw(st.decimals(0, 60_000, places=1))
            power = draw(st.none() | st.integers(1, 150).map(lambda kw: D(kw * 1000)))
            current = draw(st.none() | st.integers(1, 100).map(D))
            periods.append(ChargingPeriod(at, end, PeriodKind.CHARGING, energy, power, current))
        else:
            periods.append(ChargingPeriod(at, end, PeriodKind.PARKING, D(0)))
        at = end
    energy = sum((p.energy_wh for p in periods), D(0))
    return ClosedSession("s", "t", "cp", 1, "1", "tag", start, at, D(0), energy, energy, None, tuple(periods))


def price(closed: ClosedSession, tariff: Tariff, zone: str) -> tuple[D, D]:
    rated = rate_session(closed, tariff, site_id="S", account_id=None, time_zone=zone, rated_at=RATED_AT)
    return rated.total_cost_excl_vat, rated.total_cost_incl_vat


def as_period(piece: Piece) -> ChargingPeriod:
    """A piece as a period of its own; its power stated, so it does not depend on how energy is spread."""
    power = piece.power_kw * 1000 if piece.power_kw is not None else None
    return ChargingPeriod(piece.start, piece.end, piece.kind, piece.energy_wh, power, piece.current_a)


@settings(max_examples=200, deadline=None)
@given(tariffs(limits=True), sessions(), ZONES, st.data())
def test_a_total_never_depends_on_splitting_a_period_where_no_restriction_flips(tariff, closed, zone, data):
    pieces = split_session(closed, tariff, ZoneInfo(zone))  # cut at every restriction boundary
    whole = replace(closed, periods=tuple(as_period(piece) for piece in pieces))
    index = data.draw(st.integers(0, len(pieces) - 1))
    piece = pieces[index]
    length = (piece.end - piece.start) // MICRO
    assume(length >= 2)
    cut = piece.start + data.draw(st.integers(1, length - 1)) * MICRO
    first = data.draw(st.decimals(0, piece.energy_wh, places=6))
    assume(first < piece.energy_wh or not piece.energy_wh)  # all of it before the cut would move a kWh mark inside
    halves = (
        replace(as_period(piece), end=cut, energy_wh=first),
        replace(as_period(piece), start=cut, energy_wh=piece.energy_wh - first),
    )
    split = replace(closed, periods=whole.periods[:index] + halves + whole.periods[index + 1 :])
    assert price(split, tariff, zone) == price(whole, tariff, zone) == price(closed, tariff, zone)


@settings(max_examples=200, deadline=None)
@given(tariffs(limits=True), sessions(), ZONES)
def test_totals_are_the_sums_of_the_line_items_and_stay_within_min_and_max_price(tariff, closed, zone):
    rated = rate_session(closed, tariff, site_id="S", account_id=None, time_zone=zone, rated_at=RATED_AT)
    assert rated.total_cost_excl_vat == sum((line.amount_excl_vat for line in rated.line_items), D(0))
    assert rated.total_cost_incl_vat == sum((line.amount_incl_vat for line in rated.line_items), D(0))
    low, high = tariff.min_price, tariff.max_price
    if low is not None:
        assert rated.total_cost_excl_vat >= low.excl_vat
        assert low.incl_vat is None or rated.total_cost_incl_vat >= low.incl_vat
    if high is not None:
        assert rated.total_cost_excl_vat <= high.excl_vat
        assert high.incl_vat is None or rated.total_cost_incl_vat <= high.incl_vat


@st.composite
def cdr_periods(draw: st.DrawFn) -> list[tuple[int, int, dict]]:
    """(minutes, Wh, levels) per period; Wh -1 marks parking."""
    periods = []
    for _ in range(draw(st.integers(1, 4))):
        minutes = draw(st.integers(2, 180))
        if draw(st.booleans()):
            levels = {"MAX_POWER": draw(st.integers(1, 150)), "MAX_CURRENT": draw(st.integers(1, 100))}
            periods.append((minutes, draw(st.integers(0, 50_000)), levels))
        else:
            periods.append((minutes, -1, {}))
    return periods


def cdr_of(tariff: dict, periods: list[tuple[int, int, dict]]) -> dict:
    built = [park(m) if wh < 0 else charge(m, D(wh) / 1000, **levels) for m, wh, levels in periods]
    return cdr(tariff, "2026-11-23T08:00", *built)


@settings(max_examples=100, deadline=None)
@given(tariff_objects(limits=True, kinds=("power", "current")), cdr_periods(), st.data())
def test_a_cdr_total_never_depends_on_splitting_its_periods_and_is_the_sum_of_its_line_items(tariff, periods, data):
    index = data.draw(st.integers(0, len(periods) - 1))
    minutes, wh, levels = periods[index]
    cut = data.draw(st.integers(1, minutes - 1))
    first = -1 if wh < 0 else data.draw(st.integers(0, max(wh - 1, 0)))  # never all energy before the cut
    halves = [(cut, first, levels), (minutes - cut, -1 if wh < 0 else wh - first, levels)]
    whole, split = rate(cdr_of(tariff, periods)), rate(cdr_of(tariff, periods[:index] + halves + periods[index + 1 :]))
    assert split["total_cost"] == whole["total_cost"]
    assert (split["total_energy"], split["total_time"]) == (whole["total_energy"], whole["total_time"])
    for part in ("excl_vat", "incl_vat"):
        items = sum((item["amount"][part] for item in whole["line_items"]), D(0))
        assert whole["total_cost"].get(part, items) == items
    costs = ("total_fixed_cost", "total_energy_cost", "total_time_cost", "total_parking_cost")
    adjusted = sum((item["amount"]["excl_vat"] for item in whole["line_items"] if item["tariff_element"] is None), D(0))
    assert whole["total_cost"]["excl_vat"] == sum((whole[key]["excl_vat"] for key in costs), adjusted)


def test_a_maximum_without_incl_vat_never_pulls_the_total_below_the_minimum_incl_vat():
    limits = {"min_price": {"excl_vat": D("1.00"), "incl_vat": D("1.19")}, "max_price": {"excl_vat": D("1.00")}}
    untaxed = {"price_components": [{"type": "TIME", "price": 2, "step_size": 1}]}  # no VAT: incl = excl
    tariff = parse_tariff({"id": "L", "currency": "EUR", "elements": [untaxed]} | limits)
    hour = ChargingPeriod(ANCHORS[0], ANCHORS[0] + timedelta(hours=1), PeriodKind.CHARGING, D(0))
    closed = ClosedSession("s", "t", "cp", 1, "1", "tag", hour.start, hour.end, D(0), D(0), D(0), None, (hour,))
    assert price(closed, tariff, "UTC") == (D("1.00"), D("1.19"))  # 2.00 capped at 1.00, yet 1.19 incl. VAT
