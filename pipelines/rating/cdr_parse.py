"""OCPI 2.2.1 CDR objects as typed frozen records, parsed with every problem reported at once by its JSON path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import pairwise

from pipelines.rating.tariff import Tariff, TariffError, _as_decimal, _Problems, _timestamp, parse_tariff

# CdrDimensionType: all of them are accepted; the session-only ones (CURRENT, ENERGY_EXPORT, ENERGY_IMPORT,
# POWER, STATE_OF_CHARGE) never influence a price.
DIMENSION_TYPES = frozenset(
    {"CURRENT", "ENERGY", "ENERGY_EXPORT", "ENERGY_IMPORT", "MAX_CURRENT", "MIN_CURRENT", "MAX_POWER", "MIN_POWER",
     "PARKING_TIME", "POWER", "RESERVATION_TIME", "STATE_OF_CHARGE", "TIME"}
)  # fmt: skip
_SIGNED = frozenset({"CURRENT", "MIN_CURRENT", "MIN_POWER", "POWER"})  # negative means towards the grid
_PERIOD_FIELDS = {"start_date_time", "dimensions", "tariff_id"}


class CdrError(ValueError):
    """A CDR that cannot be rated; `problems` lists every problem as 'path: rule', the message is one line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid OCPI CDR: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class CdrPeriod:
    """An OCPI ChargingPeriod: from its start until the next period starts (the last until the CDR ends)."""

    index: int  # position in charging_periods, for messages
    start: datetime
    end: datetime
    volumes: tuple[tuple[str, Decimal], ...]  # (CdrDimensionType, volume) in the CDR's order
    tariff_id: str | None

    def volume(self, dimension: str) -> Decimal | None:
        return next((volume for kind, volume in self.volumes if kind == dimension), None)


@dataclass(frozen=True, slots=True)
class Cdr:
    """What rating reads from a CDR; everything else in the object passes through untouched."""

    start: datetime
    end: datetime
    currency: str | None
    tariffs: tuple[Tariff, ...]
    periods: tuple[CdrPeriod, ...]
    total_energy: Decimal | None  # kWh, as given
    total_time: Decimal | None  # h, as given
    total_parking_time: Decimal | None  # h, as given
    time_zone: str | None  # cdr_location.time_zone (Location's field; not in OCPI's CdrLocation, often sent)


def parse_cdr(obj: object) -> Cdr:
    """Build a Cdr from a decoded OCPI CDR object (numbers as Decimal); raise CdrError with every problem."""
    if not isinstance(obj, dict):
        raise CdrError([f"CDR: expected a JSON object, got {type(obj).__name__}"])
    errors = _Problems()
    start, end = _required_time(obj, "start_date_time", errors), _required_time(obj, "end_date_time", errors)
    if start and end and end < start:
        errors.add("end_date_time", f"{_iso(end)} is before start_date_time {_iso(start)}")
    if obj.get("credit") is True:
        errors.add("credit", "a credit CDR negates the CDR it credits; rate the original CDR instead")
    currency = obj.get("currency")
    if currency is not None and not (isinstance(currency, str) and len(currency) == 3 and currency.isupper()):
        errors.add("currency", f"{currency!r} is not an ISO 4217 code like EUR")
        currency = None
    tariffs = _tariffs(obj.get("tariffs"), errors)
    periods = _periods(obj.get("charging_periods"), start, end, errors)
    energy, time, parking = (_total(obj, key, errors) for key in ("total_energy", "total_time", "total_parking_time"))
    time_zone = _location_time_zone(obj.get("cdr_location"), errors)
    if errors.items or start is None or end is None:
        raise CdrError(errors.items)
    return Cdr(start, end, currency, tariffs, periods, energy, time, parking, time_zone)


def _required_time(obj: dict, key: str, errors: _Problems, path: str = "") -> datetime | None:
    path = path or key
    if obj.get(key) is None:
        errors.add(path, "is required")
        return None
    return _timestamp(obj, key, path, errors)


def _tariffs(raw: object, errors: _Problems) -> tuple[Tariff, ...]:
    if not isinstance(raw, list) or not raw:
        errors.add("tariffs", "must list the Tariff objects the session was priced with (at least one)")
        return ()
    tariffs = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            errors.add(f"tariffs[{index}]", "must be a Tariff object")
            continue
        try:
            tariffs.append(parse_tariff(item))
        except TariffError as error:
            errors.items += [f"tariffs[{index}].{problem}" for problem in error.problems]
    return tuple(tariffs)


def _periods(raw: object, start: datetime | None, end: datetime | None, errors: _Problems) -> tuple[CdrPeriod, ...]:
    if not isinstance(raw, list) or not raw:
        errors.add("charging_periods", "must be a non-empty list of charging periods")
        return ()
    rows: list[tuple[datetime | None, tuple[tuple[str, Decimal], ...], str | None]] = []
    for index, item in enumerate(raw):
        path = f"charging_periods[{index}]"
        if not isinstance(item, dict):
            errors.add(path, "must be an object {start_date_time, dimensions, tariff_id}")
            rows.append((None, (), None))
            continue
        errors.unknown_keys(item, _PERIOD_FIELDS, path)
        at = _required_time(item, "start_date_time", errors, f"{path}.start_date_time")
        rows.append((at, _dimensions(item.get("dimensions"), index, errors), _tariff_id(item, index, errors)))
    starts = [at for at, _, _ in rows]
    _check_order(starts, start, end, errors)
    known = [at for at in starts if at is not None]
    if end is None or len(known) != len(rows):
        return ()
    ends = [*known[1:], end]
    return tuple(
        CdrPeriod(index, at, until, volumes, tariff_id)
        for index, ((_, volumes, tariff_id), at, until) in enumerate(zip(rows, known, ends, strict=True))
    )


def _check_order(
    starts: list[datetime | None], start: datetime | None, end: datetime | None, errors: _Problems
) -> None:
    """Periods start within the CDR, in time order: a period ends when the next one starts."""
    known = [(index, at) for index, at in enumerate(starts) if at is not None]
    for index, at in known:
        path = f"charging_periods[{index}].start_date_time"
        if start is not None and at < start:
            errors.add(path, f"{_iso(at)} is before the CDR's start {_iso(start)}")
        if end is not None and at > end:
            errors.add(path, f"{_iso(at)} is after the CDR's end {_iso(end)}")
    for (_, earlier), (index, later) in pairwise(known):
        if later < earlier:
            errors.add(f"charging_periods[{index}].start_date_time", "is before the previous period's start")


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _dimensions(raw: object, period: int, errors: _Problems) -> tuple[tuple[str, Decimal], ...]:
    path = f"charging_periods[{period}].dimensions"
    if not isinstance(raw, list) or not raw:
        errors.add(path, "must be a non-empty list of {type, volume}")
        return ()
    volumes: dict[str, Decimal] = {}
    for index, item in enumerate(raw):
        here = f"{path}[{index}]"
        if not isinstance(item, dict):
            errors.add(here, "must be an object {type, volume}")
            continue
        errors.unknown_keys(item, {"type", "volume"}, here)
        kind, volume = item.get("type"), item.get("volume")
        if kind not in DIMENSION_TYPES:
            errors.add(f"{here}.type", f"{kind!r} is not a CdrDimensionType ({', '.join(sorted(DIMENSION_TYPES))})")
            continue
        number = _as_decimal(volume, f"{here}.volume", errors) if volume is not None else None
        if volume is None:
            errors.add(f"{here}.volume", "is required")
        elif number is not None and number < 0 and kind not in _SIGNED:
            why = "energy fed back into the grid is not priced" if kind == "ENERGY" else "it is an amount"
            errors.add(f"{here}.volume", f"must not be negative ({why}), got {number}")
        elif kind in volumes:
            errors.add(f"{here}.type", f"{kind} is given twice in this period")
        elif number is not None:
            volumes[kind] = number
    return tuple(volumes.items())


def _tariff_id(item: dict, period: int, errors: _Problems) -> str | None:
    value = item.get("tariff_id")
    if value is not None and not (isinstance(value, str) and value.strip()):
        errors.add(f"charging_periods[{period}].tariff_id", "must be a non-empty string")
        return None
    return value


def _total(obj: dict, key: str, errors: _Problems) -> Decimal | None:
    if obj.get(key) is None:
        return None
    number = _as_decimal(obj[key], key, errors)
    if number is not None and number < 0:
        errors.add(key, f"must not be negative, got {number}")
    return number


def _location_time_zone(location: object, errors: _Problems) -> str | None:
    if not isinstance(location, dict) or location.get("time_zone") is None:
        return None
    zone = location["time_zone"]
    if not isinstance(zone, str) or not zone:
        errors.add("cdr_location.time_zone", "must be an IANA time zone name like Europe/Berlin")
        return None
    return zone
