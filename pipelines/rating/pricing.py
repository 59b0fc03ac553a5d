"""OCPI 2.2.1 pricing of a closed session: per-dimension element choice, step_size, VAT, min/max price.

How a session is priced (mod_tariffs + mod_cdrs of OCPI 2.2.1):
- Each charging period is split wherever a restriction could change its verdict (local time-of-day,
  local midnight for dates and weekdays, DST switches, min/max_duration since session start, min/max_kwh
  of energy charged so far). A period's energy is spread over its time pro rata when it is split
  (sessions report energy per period only); the split at a kWh mark puts exactly the mark's energy before it.
- For every piece and dimension the FIRST element (in tariff order) that has a component for that dimension
  and whose restrictions all hold at the piece's start is used; none means that dimension is free there.
  ENERGY prices energy in any piece, TIME prices charging pieces, PARKING_TIME parking pieces, FLAT is
  billed once, from the element active at the earliest instant any FLAT element is active.
- Power and current restrictions compare the period's max values; without max power the period's average
  power (energy / duration) is used; an unknown current never satisfies a current restriction.
- step_size applies once per session: the total ENERGY is rounded up to the step of the last ENERGY
  component used; for time, the dimension (TIME or PARKING_TIME) of the last priced time piece has its
  session total rounded up to that component's step. The rounding extra is billed on the last line.
- Amounts are exact, kept to 9 decimals (pipelines.money.to_ledger); VAT per component; min_price and
  max_price clamp the totals excl. and incl. VAT independently, each adjustment as its own line item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipelines.money import to_ledger
from pipelines.rating.models import LineItem, RatedSession
from pipelines.rating.restrictions import Conditions, clock_boundaries, duration_marks, energy_marks_wh, matches
from pipelines.rating.tariff import Dimension, Price, PriceComponent, Tariff
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind

_MICRO = timedelta(microseconds=1)
_WH_QUANTUM = Decimal("0.000001")  # energy shares are kept to a micro-Wh (1e-9 kWh)
_LINE_ORDER = (Dimension.FLAT, Dimension.ENERGY, Dimension.TIME, Dimension.PARKING_TIME)
_UNITS = {Dimension.FLAT: "session", Dimension.ENERGY: "kWh", Dimension.TIME: "h", Dimension.PARKING_TIME: "h"}
_TIME_DIMENSIONS = {PeriodKind.CHARGING: Dimension.TIME, PeriodKind.PARKING: Dimension.PARKING_TIME}

Key = tuple[Dimension, int]  # (dimension, index of the tariff element)


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of a charging period over which no restriction changes its verdict."""

    start: datetime
    end: datetime
    kind: PeriodKind
    energy_wh: Decimal
    energy_before_wh: Decimal  # charged in the session before this piece
    power_kw: Decimal | None
    current_a: Decimal | None

    @property
    def seconds(self) -> Decimal:
        return Decimal((self.end - self.start) // _MICRO) / 1_000_000


def rate_session(
    session: ClosedSession,
    tariff: Tariff,
    *,
    site_id: str,
    account_id: str | None,
    time_zone: str,
    rated_at: datetime,
) -> RatedSession:
    """Price a closed session with one OCPI tariff; the totals are exactly the sums of the line items."""
    if rated_at.tzinfo is None:
        raise ValueError("rated_at must be timezone-aware")
    zone = _zone(time_zone)
    pieces = split_session(session, tariff, zone)
    quantities, last_energy, last_time = _quantities(session, tariff, pieces, zone)
    _round_to_step(quantities, last_energy, tariff)
    _round_to_step(quantities, last_time, tariff)
    lines = [_line(key, quantities[key], tariff) for key in sorted(quantities, key=_line_order)]
    lines += clamp_to_price_limits(lines, tariff)
    parking = sum((p.end - p.start for p in session.periods if p.kind is PeriodKind.PARKING), timedelta())
    return RatedSession(
        session=session,
        tariff_id=tariff.id,
        currency=tariff.currency,
        site_id=site_id,
        account_id=account_id,
        total_energy_kwh=to_ledger(session.energy_wh / 1000),
        total_time_h=_hours(session.stopped_at - session.started_at),
        total_parking_time_h=_hours(parking),
        total_cost_excl_vat=sum((line.amount_excl_vat for line in lines), Decimal(0)),
        total_cost_incl_vat=sum((line.amount_incl_vat for line in lines), Decimal(0)),
        line_items=tuple(lines),
        rated_at=rated_at.astimezone(UTC),
    )


def _zone(time_zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {time_zone!r}") from exc


def _hours(span: timedelta) -> Decimal:
    return to_ledger(Decimal(span // _MICRO) / 3_600_000_000)


# --- splitting periods into pieces ---


def split_session(session: ClosedSession, tariff: Tariff, zone: ZoneInfo) -> list[Piece]:
    """The session's periods in time order, cut wherever a restriction of the tariff can flip."""
    periods = sorted(session.periods, key=lambda p: p.start) or [_whole_session_period(session)]
    span_start, span_end = min(p.start for p in periods), max(p.end for p in periods)
    clock_cuts = clock_boundaries(tariff, span_start, span_end, zone)
    clock_cuts += [session.started_at + mark for mark in duration_marks(tariff)]
    energy_marks = energy_marks_wh(tariff)
    pieces: list[Piece] = []
    before = Decimal(0)
    for period in periods:
        pieces += _split_period(period, before, clock_cuts, energy_marks)
        before += period.energy_wh
    return pieces


def _whole_session_period(session: ClosedSession) -> ChargingPeriod:
    """A session without periods is priced as one charging period holding all its energy."""
    return ChargingPeriod(session.started_at, session.stopped_at, PeriodKind.CHARGING, session.energy_wh)


def _split_period(
    period: ChargingPeriod, before: Decimal, clock_cuts: list[datetime], energy_marks: list[Decimal]
) -> list[Piece]:
    cuts: dict[datetime, Decimal] = {}  # cut instant -> session energy charged by then (Wh)
    for instant in clock_cuts:
        if period.start < instant < period.end:
            cuts[instant] = _energy_at(period, before, instant)
    for mark in energy_marks:
        crossing = _instant_of_energy(period, before, mark)
        if crossing is not None:
            cuts[crossing] = mark
    bounds = [(period.start, before), *sorted(cuts.items()), (period.end, before + period.energy_wh)]
    power, current = _power_kw(period), period.max_current_a
    return [
        Piece(start, end, period.kind, energy_end - energy_start, energy_start, power, current)
        for (start, energy_start), (end, energy_end) in pairwise(bounds)
    ]


def _energy_at(period: ChargingPeriod, before: Decimal, instant: datetime) -> Decimal:
    """Session energy at an instant inside the period, the period's energy spread evenly over its time."""
    share = Decimal((instant - period.start) // _MICRO) / Decimal((period.end - period.start) // _MICRO)
    return before + (period.energy_wh * share).quantize(_WH_QUANTUM, rounding=ROUND_HALF_EVEN)


def _instant_of_energy(period: ChargingPeriod, before: Decimal, mark_wh: Decimal) -> datetime | None:
    """The first microsecond by which the session has charged mark_wh, if that falls inside the period."""
    if period.energy_wh <= 0 or not before < mark_wh < before + period.energy_wh:
        return None
    total = (period.end - period.start) // _MICRO
    offset = int((total * (mark_wh - before) / period.energy_wh).to_integral_value(rounding=ROUND_CEILING))
    return period.start + offset * _MICRO if 0 < offset < total else None


def _power_kw(period: ChargingPeriod) -> Decimal | None:
    if period.max_power_w is not None:
        return period.max_power_w / 1000
    seconds = Decimal((period.end - period.start) // _MICRO) / 1_000_000
    return period.energy_wh * 3600 / seconds / 1000 if seconds > 0 else None


# --- choosing elements and adding up quantities ---


def _quantities(
    session: ClosedSession, tariff: Tariff, pieces: list[Piece], zone: ZoneInfo
) -> tuple[dict[Key, Decimal], Key | None, Key | None]:
    """Quantity per (dimension, element) in Wh, seconds or 1 (FLAT); and the last energy and time keys."""
    quantities: dict[Key, Decimal] = {}
    last_energy = last_time = None
    for piece in pieces:
        conditions = _conditions(session, piece, zone)
        if Dimension.FLAT not in {dimension for dimension, _ in quantities}:
            flat = _active_element(tariff, Dimension.FLAT, conditions)
            if flat is not None:
                quantities[(Dimension.FLAT, flat)] = Decimal(1)
        energy = _active_element(tariff, Dimension.ENERGY, conditions) if piece.energy_wh else None
        if energy is not None:
            last_energy = _add(quantities, (Dimension.ENERGY, energy), piece.energy_wh)
        dimension = _TIME_DIMENSIONS[piece.kind]
        timed = _active_element(tariff, dimension, conditions) if piece.seconds > 0 else None
        if timed is not None:
            last_time = _add(quantities, (dimension, timed), piece.seconds)
    return quantities, last_energy, last_time


def _conditions(session: ClosedSession, piece: Piece, zone: ZoneInfo) -> Conditions:
    return Conditions(
        local=piece.start.astimezone(zone),
        elapsed=piece.start - session.started_at,
        energy_kwh=piece.energy_before_wh / 1000,
        power_kw=piece.power_kw,
        current_a=piece.current_a,
    )


def _active_element(tariff: Tariff, dimension: Dimension, conditions: Conditions) -> int | None:
    """OCPI: the first element with a component for the dimension whose restrictions all hold."""
    for index, element in enumerate(tariff.elements):
        if element.component(dimension) is not None and matches(element.restrictions, conditions):
            return index
    return None


def _add(quantities: dict[Key, Decimal], key: Key, amount: Decimal) -> Key:
    quantities[key] = quantities.get(key, Decimal(0)) + amount
    return key


def _round_to_step(quantities: dict[Key, Decimal], last: Key | None, tariff: Tariff) -> None:
    """mod_cdrs step_size: the session total of the last key's dimension, rounded up, extra on the last key."""
    if last is None:
        return
    dimension, index = last
    component = tariff.elements[index].component(dimension)
    step = Decimal(component.step_size if component else 1)
    total = sum((q for (d, _), q in quantities.items() if d is dimension), Decimal(0))
    if total > 0:
        quantities[last] += (total / step).to_integral_value(rounding=ROUND_CEILING) * step - total


# --- line items ---


def _line_order(key: Key) -> tuple[int, int]:
    return _LINE_ORDER.index(key[0]), key[1]


def _line(key: Key, base_quantity: Decimal, tariff: Tariff) -> LineItem:
    """One line per (dimension, element): base units (Wh, s) turned into kWh, hours or one session."""
    dimension, index = key
    component = tariff.elements[index].component(dimension)
    assert component is not None  # keys are only made for elements holding the dimension
    divisor = {Dimension.FLAT: 1, Dimension.ENERGY: 1000}.get(dimension, 3600)
    amount_excl = to_ledger(component.price * base_quantity / divisor)
    vat_factor = (100 + component.vat) / 100 if component.vat is not None else Decimal(1)
    return LineItem(
        dimension=dimension.value,
        tariff_element=index,
        quantity=to_ledger(base_quantity / divisor),
        unit=_UNITS[dimension],
        unit_price=component.price,
        step_size=component.step_size,
        amount_excl_vat=amount_excl,
        vat_rate=component.vat,
        amount_incl_vat=to_ledger(amount_excl * vat_factor),
        description=describe_line(dimension, index, base_quantity, component, tariff.currency),
    )


def describe_line(
    dimension: Dimension, index: int, base_quantity: Decimal, component: PriceComponent, currency: str
) -> str:
    """A readable line: what was billed, at which price, from which element, with which step and VAT."""
    vat = f", VAT {component.vat.normalize():f}%" if component.vat is not None else ", no VAT"
    element = f"tariff element {index + 1}"
    price = f"{component.price:f} {currency}"
    if dimension is Dimension.FLAT:
        return f"Session fee {price} ({element}{vat})"
    if dimension is Dimension.ENERGY:
        kwh = to_ledger(base_quantity / 1000).normalize()
        return f"Energy {kwh:f} kWh at {price}/kWh ({element}, billed per {component.step_size} Wh{vat})"
    what = "Charging time" if dimension is Dimension.TIME else "Parking time"
    clock = _clock(base_quantity)
    return f"{what} {clock} at {price}/h ({element}, billed per {component.step_size} s{vat})"


def _clock(seconds: Decimal) -> str:
    whole = int(seconds.to_integral_value(rounding=ROUND_CEILING))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


# --- min_price / max_price ---


def clamp_to_price_limits(lines: list[LineItem], tariff: Tariff) -> list[LineItem]:
    """Adjustment lines so that neither total (excl. or incl. VAT) falls below min_price or above max_price."""
    adjustments: list[LineItem] = []
    for limit, name, wanted in ((tariff.min_price, "MIN_PRICE", max), (tariff.max_price, "MAX_PRICE", min)):
        if limit is None:
            continue
        excl = sum((line.amount_excl_vat for line in (*lines, *adjustments)), Decimal(0))
        incl = sum((line.amount_incl_vat for line in (*lines, *adjustments)), Decimal(0))
        delta_excl = wanted(excl, limit.excl_vat) - excl
        delta_incl = _incl_delta(limit, incl, wanted, delta_excl, excl)
        if name == "MAX_PRICE" and tariff.min_price and tariff.min_price.incl_vat is not None:
            delta_incl = max(delta_incl, tariff.min_price.incl_vat - incl)  # never below min_price incl. VAT
        if delta_excl or delta_incl:
            adjustments.append(_adjustment(name, limit, delta_excl, delta_incl, excl, incl, tariff.currency))
    return adjustments


def _incl_delta(
    limit: Price, incl: Decimal, wanted: Callable[..., Decimal], delta_excl: Decimal, excl: Decimal
) -> Decimal:
    """With incl_vat given it bounds the total incl. VAT itself; else the excl. adjustment carries the average VAT."""
    if limit.incl_vat is not None:
        return wanted(incl, limit.incl_vat) - incl
    average_vat = incl / excl if excl else Decimal(1)
    return to_ledger(delta_excl * average_vat)


def _adjustment(
    name: str, limit: Price, delta_excl: Decimal, delta_incl: Decimal, excl: Decimal, incl: Decimal, currency: str
) -> LineItem:
    kind = "Minimum" if name == "MIN_PRICE" else "Maximum"
    bound = f"{limit.excl_vat:f} {currency} excl. VAT" + (
        f" / {limit.incl_vat:f} {currency} incl. VAT" if limit.incl_vat is not None else ""
    )
    return LineItem(
        dimension=name,
        tariff_element=0,  # not an element: the tariff's own min_price / max_price
        quantity=Decimal(1),
        unit="session",
        unit_price=delta_excl,
        step_size=0,
        amount_excl_vat=delta_excl,
        vat_rate=None,
        amount_incl_vat=delta_incl,
        description=f"{kind} price {bound} applies (tariff gave {excl:f} excl. / {incl:f} incl. VAT)",
    )
