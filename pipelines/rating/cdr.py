"""Price an OCPI 2.2.1 CDR with the streaming rater's own rate_session and fill in its totals and line items.

Where OCPI leaves a choice, this is what rating a CDR does:
- Tariff: the one the charging periods name in `tariff_id`, else the first of `tariffs`. One tariff per CDR
  (periods naming several, or some naming one and others none, are refused); it must be valid at the start.
- Time zone: the `time_zone` argument (CLI --time-zone) overrides `cdr_location.time_zone`. With neither, a
  tariff restricted by local time (start/end_time, start/end_date, day_of_week) is refused, because OCPI
  evaluates those in the Location's zone; any other tariff prices the same in every zone and gets UTC.
- Quantities come from the dimensions, exactly (kWh -> Wh; hours -> microseconds). A period charges for
  TIME when given (else for its span less PARKING_TIME) when it has TIME or ENERGY; it parks for PARKING_TIME
  after that. Rounded volumes may outlast the period's span (until the next period starts) by their rounding;
  then its last part ends with the period, so no time or energy is priced by the next period's restrictions.
  A period with only RESERVATION_TIME is reservation time. Power and current restrictions see MAX_POWER /
  MAX_CURRENT, else MIN_POWER / MIN_CURRENT, else (power) the energy over the charging time.
- Totals: total_energy is the sum of the ENERGY dimensions (the given total_energy when no period has one),
  total_parking_time of PARKING_TIME, total_time of charging plus parking time. Totals the CDR gives must agree
  within rounding (half a unit of the total's last decimal and of each volume's, at most OCPI's 4 decimals).
  Costs are exact, never rounded to cents; min_price/max_price adjustments appear in total_cost and as their
  own line items, not in the per-dimension costs.
- VAT: a Price's incl_vat is omitted exactly when no VAT applies to anything in it (OCPI: a price component
  without `vat` has no VAT applicable; 0 % VAT keeps incl_vat).
- Reservations: RESERVATION elements price reservation time followed by charging; an expired reservation (a
  CDR with only reservation periods) uses RESERVATION_EXPIRES elements first, then RESERVATION ones. The
  reservation is priced apart (its own step_size), then min/max price bound the whole CDR.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipelines.money import to_ledger
from pipelines.rating.cdr_output import Quantities, cdr_from_json, cdr_to_json, filled_in
from pipelines.rating.cdr_parse import Cdr, CdrError, CdrPeriod, parse_cdr
from pipelines.rating.models import LineItem
from pipelines.rating.pricing import clamp_to_price_limits, describe_line, rate_session
from pipelines.rating.tariff import Dimension, ReservationRestriction, Restrictions, Tariff
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind

__all__ = ["CdrError", "cdr_from_json", "cdr_to_json", "rate_cdr"]

_MICRO = timedelta(microseconds=1)
_US_PER_HOUR = Decimal(3_600_000_000)
_OCPI_UNIT = Decimal("0.0001")  # "numbers use 4 decimals" unless mentioned otherwise (OCPI types)


@dataclass(frozen=True, slots=True)
class Layout:
    """A CDR's periods as the ChargingPeriods rate_session prices, and the quantities they add up to."""

    session: tuple[ChargingPeriod, ...]  # charging and parking
    reservation: tuple[ChargingPeriod, ...]
    energy_kwh: Decimal | None  # None when no period gives ENERGY
    time_h: Decimal
    parking_h: Decimal


def rate_cdr(cdr: dict, time_zone: str | None = None) -> dict:
    """The CDR with its total_* fields and `line_items` filled in; CdrError lists every problem in the input."""
    parsed = parse_cdr(cdr)
    problems: list[str] = []
    tariff = _tariff(parsed, problems)
    layout = _lay_out(parsed, problems)
    zone = _zone(parsed, tariff, time_zone, problems) if tariff else "UTC"
    if tariff:
        _check_totals(parsed, tariff, layout, problems)
    if problems or tariff is None:
        raise CdrError(problems)
    reserved = _reservation_lines(parsed, tariff, layout, zone)
    if layout.reservation:
        unlimited = replace(tariff, min_price=None, max_price=None)
        lines = reserved + _session_lines(parsed, unlimited, layout, zone)
        lines += clamp_to_price_limits(lines, tariff)
    else:
        lines = _session_lines(parsed, tariff, layout, zone)  # exactly what the streaming rater does
    energy = layout.energy_kwh if layout.energy_kwh is not None else parsed.total_energy or Decimal(0)
    totals = Quantities(energy, layout.time_h, layout.parking_h, reserved=bool(layout.reservation))
    return filled_in(cdr, tariff, totals, reserved, lines[len(reserved) :])


def _tariff(cdr: Cdr, problems: list[str]) -> Tariff | None:
    named = {period.tariff_id for period in cdr.periods if period.tariff_id is not None}
    if len(named) > 1:
        problems.append(f"charging_periods: name several tariffs ({', '.join(sorted(named))}); one CDR, one tariff")
        return None
    for period in cdr.periods:
        if named and period.tariff_id is None:
            problems.append(
                f"charging_periods[{period.index}].tariff_id: missing while other periods name {next(iter(named))!r}"
                " (OCPI: then no tariff applies); name it in every period or in none"
            )
    wanted = next(iter(named), None)
    tariff = next((t for t in cdr.tariffs if wanted is None or t.id == wanted), None)
    if tariff is None:
        problems.append(f"charging_periods: tariff_id {wanted!r} is not among tariffs[].id")
        return None
    if cdr.currency is not None and cdr.currency != tariff.currency:
        problems.append(f"currency: the CDR is in {cdr.currency}, tariff {tariff.id!r} in {tariff.currency}")
    if not tariff.is_active_at(cdr.start):
        valid = f"{_iso(tariff.start_date_time)} .. {_iso(tariff.end_date_time)}"
        problems.append(f"tariffs: tariff {tariff.id!r} is valid {valid}, the session started {_iso(cdr.start)}")
    return tariff


def _iso(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment else "(open)"


def _zone(cdr: Cdr, tariff: Tariff, given: str | None, problems: list[str]) -> str:
    name = given or cdr.time_zone
    if name is None:
        if _uses_local_time(tariff):
            problems.append(
                f"time zone: tariff {tariff.id!r} restricts by local time; give cdr_location.time_zone"
                " or --time-zone (an IANA zone like Europe/Berlin)"
            )
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        where = "time zone" if given else "cdr_location.time_zone"
        problems.append(f"{where}: {name!r} is not an IANA time zone like Europe/Berlin")
    return name


def _uses_local_time(tariff: Tariff) -> bool:
    return any(
        r is not None and (r.start_time or r.end_time or r.start_date or r.end_date or r.day_of_week)
        for r in (element.restrictions for element in tariff.elements)
    )


# --- periods into ChargingPeriods ---


def _lay_out(cdr: Cdr, problems: list[str]) -> Layout:
    """Each period's charging time first, then its parking time, from the period's start; quantities exact."""
    session: list[ChargingPeriod] = []
    reservation: list[ChargingPeriod] = []
    time_h = parking_h = Decimal(0)
    for period in cdr.periods:
        if period.volume("RESERVATION_TIME") is not None:
            reservation += _reservation_period(period, problems)
            continue
        charging, parking, charged_h, parked_h = _charging_and_parking(period, problems)
        session += charging + parking
        time_h, parking_h = time_h + charged_h + parked_h, parking_h + parked_h
    energies = [v for p in cdr.periods if (v := p.volume("ENERGY")) is not None]
    energy_kwh = sum(energies, Decimal(0)) if energies else None
    return Layout(tuple(session), tuple(reservation), energy_kwh, to_ledger(time_h), to_ledger(parking_h))


def _charging_and_parking(
    period: CdrPeriod, problems: list[str]
) -> tuple[list[ChargingPeriod], list[ChargingPeriod], Decimal, Decimal]:
    path = f"charging_periods[{period.index}]"
    energy, charge_h, park_h = (period.volume(kind) for kind in ("ENERGY", "TIME", "PARKING_TIME"))
    charging = charge_h is not None or bool(energy) or (energy is not None and park_h is None)
    if not charging and park_h is None:
        problems.append(f"{path}.dimensions: no ENERGY, TIME, PARKING_TIME or RESERVATION_TIME, nothing to price")
        return [], [], Decimal(0), Decimal(0)
    span_h = _hours(period.end - period.start)
    park_h = park_h or Decimal(0)
    if charging and charge_h is None:
        charge_h = max(span_h - park_h, Decimal(0))  # charging is the rest of the period
    charge_h = charge_h or Decimal(0)
    _check_fits(charge_h + park_h, span_h, [period.volume("TIME"), period.volume("PARKING_TIME")], path, problems)
    excess = max(charge_h + park_h - span_h, Decimal(0))  # rounded volumes: the last part ends with the period
    park_h, charge_h = park_h - min(excess, park_h), max(charge_h - max(excess - park_h, Decimal(0)), Decimal(0))
    charge_end = period.start + _duration(charge_h)
    power, current = _level(period, "POWER"), _level(period, "CURRENT")
    watts = power * 1000 if power is not None else None
    charged = ChargingPeriod(
        period.start, charge_end, PeriodKind.CHARGING, (energy or Decimal(0)) * 1000, watts, current
    )
    parked = ChargingPeriod(charge_end, charge_end + _duration(park_h), PeriodKind.PARKING, Decimal(0))
    return [charged] if charging else [], [parked] if park_h else [], charge_h, park_h


def _reservation_period(period: CdrPeriod, problems: list[str]) -> list[ChargingPeriod]:
    path = f"charging_periods[{period.index}]"
    reserved_h = period.volume("RESERVATION_TIME") or Decimal(0)
    if any(period.volume(kind) is not None for kind in ("ENERGY", "TIME", "PARKING_TIME")):
        problems.append(f"{path}.dimensions: RESERVATION_TIME cannot share a period with ENERGY, TIME or PARKING_TIME")
    span_h = _hours(period.end - period.start)
    _check_fits(reserved_h, span_h, [reserved_h], path, problems)
    reserved_h = min(reserved_h, span_h)
    return [ChargingPeriod(period.start, period.start + _duration(reserved_h), PeriodKind.CHARGING, Decimal(0))]


def _level(period: CdrPeriod, quantity: str) -> Decimal | None:
    """MAX_<quantity>, else a non-negative MIN_<quantity>: what power and current restrictions compare."""
    highest, lowest = period.volume(f"MAX_{quantity}"), period.volume(f"MIN_{quantity}")
    return highest if highest is not None else lowest if lowest is not None and lowest >= 0 else None


def _check_fits(used_h: Decimal, span_h: Decimal, given: list[Decimal | None], path: str, problems: list[str]) -> None:
    """Time dimensions may exceed the period's span only by their own rounding."""
    slack = sum((_rounding(volume) for volume in given if volume is not None), Decimal(0))
    if used_h > span_h + slack:
        problems.append(
            f"{path}.dimensions: {used_h.normalize():f} h of time in a period of {to_ledger(span_h).normalize():f} h"
            " (until the next period starts or the CDR ends)"
        )


def _unit(value: Decimal) -> Decimal:
    """One unit in the last decimal place a value is given with: 1.973 -> 0.001."""
    exponent = value.as_tuple().exponent
    return Decimal(1).scaleb(exponent) if isinstance(exponent, int) else Decimal(0)


def _rounding(volume: Decimal) -> Decimal:
    """How far a dimension's volume may be rounded: its last decimal, at most OCPI's usual 4 (1 -> 0.0001)."""
    return min(_unit(volume), _OCPI_UNIT)


def _hours(span: timedelta) -> Decimal:
    return Decimal(span // _MICRO) / _US_PER_HOUR


def _duration(hours: Decimal) -> timedelta:
    return timedelta(microseconds=int((hours * _US_PER_HOUR).to_integral_value(rounding=ROUND_HALF_EVEN)))


def _check_totals(cdr: Cdr, tariff: Tariff, layout: Layout, problems: list[str]) -> None:
    charges = any(period.kind is PeriodKind.CHARGING for period in layout.session)
    if charges and layout.energy_kwh is None and any(e.component(Dimension.ENERGY) for e in tariff.elements):
        problems.append(f"charging_periods: no ENERGY dimension, but tariff {tariff.id!r} prices energy")
    computed = (
        ("total_energy", cdr.total_energy, layout.energy_kwh, ("ENERGY",), "the ENERGY dimensions"),
        ("total_time", cdr.total_time, layout.time_h, ("TIME", "PARKING_TIME"), "the periods' charging and parking"),
        (
            "total_parking_time",
            cdr.total_parking_time,
            layout.parking_h,
            ("PARKING_TIME",),
            "the PARKING_TIME dimensions",
        ),
    )
    for key, given, value, kinds, source in computed:
        if given is None or value is None:
            continue
        summed = [v for period in cdr.periods for kind in kinds if (v := period.volume(kind)) is not None]
        slack = (_unit(given) + sum(map(_rounding, summed), Decimal(0))) / 2  # each may be off by half a unit
        if abs(given - value) > slack:
            problems.append(f"{key}: {given} disagrees with {source} ({value.normalize():f}); correct or remove it")


# --- pricing ---


def _session_lines(cdr: Cdr, tariff: Tariff, layout: Layout, zone: str) -> list[LineItem]:
    if not layout.session:
        return []  # an expired reservation: no charging session to price
    started = cdr.start if not layout.reservation else layout.session[0].start
    closed = _session(started, cdr.end, layout.session)
    rated = rate_session(closed, tariff, site_id="", account_id=None, time_zone=zone, rated_at=cdr.end)
    return list(rated.line_items)


def _reservation_lines(cdr: Cdr, tariff: Tariff, layout: Layout, zone: str) -> list[LineItem]:
    """Reservation time priced by the reservation elements alone, as if their restriction were lifted."""
    if not layout.reservation:
        return []
    kinds = [ReservationRestriction.RESERVATION]
    if not layout.session:
        kinds.insert(0, ReservationRestriction.RESERVATION_EXPIRES)
    chosen = [
        (index, element)
        for kind in kinds
        for index, element in enumerate(tariff.elements)
        if element.restrictions is not None and element.restrictions.reservation is kind
    ]
    if not chosen:
        return []
    lifted = tuple(replace(e, restrictions=_lift(e.restrictions)) for _, e in chosen)
    priced_by = replace(tariff, elements=lifted, min_price=None, max_price=None)
    start, end = layout.reservation[0].start, max(p.end for p in layout.reservation)
    closed = _session(start, end, layout.reservation)
    rated = rate_session(closed, priced_by, site_id="", account_id=None, time_zone=zone, rated_at=cdr.end)
    return [_as_reservation(line, chosen[line.tariff_element][0], tariff) for line in rated.line_items]


def _lift(restrictions: Restrictions | None) -> Restrictions | None:
    return replace(restrictions, reservation=None) if restrictions is not None else None


def _as_reservation(line: LineItem, index: int, tariff: Tariff) -> LineItem:
    dimension = Dimension(line.dimension)
    component = tariff.elements[index].component(dimension)
    assert component is not None
    base = line.quantity * {Dimension.ENERGY: 1000, Dimension.FLAT: 1}.get(dimension, 3600)
    described = describe_line(dimension, index, base, component, tariff.currency)
    return replace(line, tariff_element=index, description="Reservation " + described.split(" ", 1)[1])


def _session(start: datetime, end: datetime, periods: tuple[ChargingPeriod, ...]) -> ClosedSession:
    energy = sum((p.energy_wh for p in periods), Decimal(0))
    stop = max(end, *(p.end for p in periods))
    return ClosedSession(
        session_id="cdr",
        tenant_id="",
        charge_point_id="",
        connector_id=0,
        transaction_id="",
        id_tag="",
        started_at=start,
        stopped_at=stop,
        meter_start_wh=Decimal(0),
        meter_stop_wh=energy,
        energy_wh=energy,
        stop_reason=None,
        periods=periods,
    )
