"""OCPI 2.2.1 Tariff objects as typed frozen records, parsed from JSON with every problem reported at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar


class Dimension(StrEnum):
    ENERGY = "ENERGY"  # per kWh, step_size in Wh
    FLAT = "FLAT"  # once per session
    TIME = "TIME"  # per hour charging, step_size in seconds
    PARKING_TIME = "PARKING_TIME"  # per hour connected but not charging, step_size in seconds


class TariffType(StrEnum):
    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


class DayOfWeek(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"

    @property
    def weekday(self) -> int:
        """Python's date.weekday() number: Monday 0 .. Sunday 6."""
        return list(DayOfWeek).index(self)


class ReservationRestriction(StrEnum):
    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


@dataclass(frozen=True, slots=True)
class Price:
    excl_vat: Decimal
    incl_vat: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DisplayText:
    language: str
    text: str


@dataclass(frozen=True, slots=True)
class PriceComponent:
    dimension: Dimension  # OCPI field `type`
    price: Decimal  # per unit, excl. VAT
    step_size: int
    vat: Decimal | None = None  # percent; None means no VAT applies (differs from 0)


@dataclass(frozen=True, slots=True)
class Restrictions:
    """OCPI TariffRestrictions: all set fields must hold (logical AND) for the element to be active."""

    start_time: time | None = None  # local time of day, inclusive
    end_time: time | None = None  # local time of day, exclusive; 00:00 means end of day
    start_date: date | None = None  # local date, inclusive
    end_date: date | None = None  # local date, exclusive
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None  # kW
    max_power: Decimal | None = None  # kW
    min_duration: int | None = None  # seconds since session start, inclusive
    max_duration: int | None = None  # seconds since session start, exclusive
    day_of_week: tuple[DayOfWeek, ...] = ()
    reservation: ReservationRestriction | None = None


@dataclass(frozen=True, slots=True)
class TariffElement:
    price_components: tuple[PriceComponent, ...]
    restrictions: Restrictions | None = None

    def component(self, dimension: Dimension) -> PriceComponent | None:
        return next((c for c in self.price_components if c.dimension is dimension), None)


@dataclass(frozen=True, slots=True)
class Tariff:
    id: str
    currency: str
    elements: tuple[TariffElement, ...]
    tenant_id: str | None = None  # our extension; OCPI itself scopes by country_code/party_id
    type: TariffType | None = None
    tariff_alt_text: tuple[DisplayText, ...] = ()
    tariff_alt_url: str | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None
    country_code: str | None = None
    party_id: str | None = None
    last_updated: datetime | None = None

    def is_active_at(self, instant: datetime) -> bool:
        """Whether start_date_time <= instant < end_date_time (open ends where unset)."""
        if self.start_date_time is not None and instant < self.start_date_time:
            return False
        return self.end_date_time is None or instant < self.end_date_time


_E = TypeVar("_E", bound=StrEnum)


class TariffError(ValueError):
    """A tariff object that cannot be used; `problems` lists every problem as 'path: rule'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid OCPI tariff:\n  " + "\n  ".join(problems))
        self.problems = problems


_TARIFF_FIELDS = {
    "id", "currency", "elements", "tenant_id", "type", "tariff_alt_text", "tariff_alt_url", "min_price",
    "max_price", "start_date_time", "end_date_time", "country_code", "party_id", "last_updated", "energy_mix",
}  # fmt: skip
_TIME_OF_DAY = r"([0-1][0-9]|2[0-3]):[0-5][0-9]"
_MIN_MAX_PAIRS = (("min_kwh", "max_kwh"), ("min_current", "max_current"), ("min_power", "max_power"))


def parse_tariff(obj: object) -> Tariff:
    """Build a Tariff from a decoded OCPI JSON object (numbers as Decimal); raise TariffError with all problems."""
    errors = _Problems()
    if not isinstance(obj, dict):
        raise TariffError([f"tariff: expected a JSON object, got {type(obj).__name__}"])
    errors.unknown_keys(obj, _TARIFF_FIELDS, "tariff")
    tariff = Tariff(
        id=_text(obj, "id", "id", errors, max_len=36),
        currency=_pattern(obj, "currency", "currency", errors, r"[A-Z]{3}", "an ISO 4217 code like EUR"),
        elements=_elements(obj.get("elements"), errors),
        tenant_id=_text(obj, "tenant_id", "tenant_id", errors, required=False) or None,
        type=_enum(obj, "type", "type", errors, TariffType),
        tariff_alt_text=_display_texts(obj.get("tariff_alt_text"), errors),
        tariff_alt_url=_text(obj, "tariff_alt_url", "tariff_alt_url", errors, required=False) or None,
        min_price=_price(obj, "min_price", errors),
        max_price=_price(obj, "max_price", errors),
        start_date_time=_timestamp(obj, "start_date_time", "start_date_time", errors),
        end_date_time=_timestamp(obj, "end_date_time", "end_date_time", errors),
        country_code=_text(obj, "country_code", "country_code", errors, required=False, max_len=2) or None,
        party_id=_text(obj, "party_id", "party_id", errors, required=False, max_len=3) or None,
        last_updated=_timestamp(obj, "last_updated", "last_updated", errors),
    )
    _check_tariff_ranges(tariff, errors)
    errors.raise_if_any(TariffError)
    return tariff


def _check_tariff_ranges(tariff: Tariff, errors: _Problems) -> None:
    low, high = tariff.min_price, tariff.max_price
    if low and high and low.excl_vat > high.excl_vat:
        errors.add("min_price.excl_vat", "must not exceed max_price.excl_vat")
    if low and high and low.incl_vat is not None and high.incl_vat is not None and low.incl_vat > high.incl_vat:
        errors.add("min_price.incl_vat", "must not exceed max_price.incl_vat")
    start, end = tariff.start_date_time, tariff.end_date_time
    if start and end and start >= end:
        errors.add("end_date_time", "must be after start_date_time")


def _price(obj: dict, key: str, errors: _Problems) -> Price | None:
    raw = obj.get(key)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.add(key, "must be an object {excl_vat, incl_vat}")
        return None
    errors.unknown_keys(raw, {"excl_vat", "incl_vat"}, key)
    excl = _number(raw, "excl_vat", f"{key}.excl_vat", errors, required=True)
    incl = _number(raw, "incl_vat", f"{key}.incl_vat", errors)
    return Price(excl_vat=excl if excl is not None else Decimal(0), incl_vat=incl)


def _display_texts(raw: object, errors: _Problems) -> tuple[DisplayText, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        errors.add("tariff_alt_text", "must be a list of {language, text}")
        return ()
    texts = []
    for index, item in enumerate(raw):
        path = f"tariff_alt_text[{index}]"
        if not isinstance(item, dict):
            errors.add(path, "must be an object {language, text}")
            continue
        errors.unknown_keys(item, {"language", "text"}, path)
        language = _pattern(item, "language", f"{path}.language", errors, r"[a-z]{2}", "a 2-letter ISO 639-1 code")
        texts.append(DisplayText(language, _text(item, "text", f"{path}.text", errors, max_len=512)))
    return tuple(texts)


def _elements(raw: object, errors: _Problems) -> tuple[TariffElement, ...]:
    if not isinstance(raw, list) or not raw:
        errors.add("elements", "must be a non-empty list of tariff elements")
        return ()
    elements = []
    for index, item in enumerate(raw):
        path = f"elements[{index}]"
        if not isinstance(item, dict):
            errors.add(path, "must be an object {price_components, restrictions}")
            continue
        errors.unknown_keys(item, {"price_components", "restrictions"}, path)
        components = _components(item.get("price_components"), path, errors)
        restrictions = _restrictions(item.get("restrictions"), f"{path}.restrictions", errors)
        elements.append(TariffElement(components, restrictions))
    return tuple(elements)


def _components(raw: object, element_path: str, errors: _Problems) -> tuple[PriceComponent, ...]:
    if not isinstance(raw, list) or not raw:
        errors.add(f"{element_path}.price_components", "must be a non-empty list of price components")
        return ()
    components = []
    for index, item in enumerate(raw):
        path = f"{element_path}.price_components[{index}]"
        if not isinstance(item, dict):
            errors.add(path, "must be an object {type, price, vat, step_size}")
            continue
        errors.unknown_keys(item, {"type", "price", "vat", "step_size"}, path)
        dimension = _enum(item, "type", f"{path}.type", errors, Dimension, required=True)
        price = _number(item, "price", f"{path}.price", errors, required=True)
        vat = _number(item, "vat", f"{path}.vat", errors, max_decimals=4, maximum=Decimal(100))
        least_step = 0 if dimension is Dimension.FLAT else 1  # FLAT has no unit to step in (OCPI examples use 0)
        step = _integer(item, "step_size", f"{path}.step_size", errors, required=True, minimum=least_step)
        if dimension is not None and price is not None and step is not None:
            components.append(PriceComponent(dimension, price, step, vat))
    return tuple(components)


def _restrictions(raw: object, path: str, errors: _Problems) -> Restrictions | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.add(path, "must be an object")
        return None
    errors.unknown_keys(raw, set(Restrictions.__slots__), path)
    number = {key: _number(raw, key, f"{path}.{key}", errors) for pair in _MIN_MAX_PAIRS for key in pair}
    for low, high in _MIN_MAX_PAIRS:
        _check_order(number[low], number[high], f"{path}.{low}", f"must be below {high}", errors)
    min_duration = _integer(raw, "min_duration", f"{path}.min_duration", errors)
    max_duration = _integer(raw, "max_duration", f"{path}.max_duration", errors)
    _check_order(min_duration, max_duration, f"{path}.min_duration", "must be below max_duration", errors)
    start_date, end_date = _iso_date(raw, "start_date", path, errors), _iso_date(raw, "end_date", path, errors)
    _check_order(start_date, end_date, f"{path}.end_date", "must be after start_date (end_date is exclusive)", errors)
    return Restrictions(
        start_time=_time_of_day(raw, "start_time", path, errors),
        end_time=_time_of_day(raw, "end_time", path, errors),
        start_date=start_date,
        end_date=end_date,
        min_kwh=number["min_kwh"],
        max_kwh=number["max_kwh"],
        min_current=number["min_current"],
        max_current=number["max_current"],
        min_power=number["min_power"],
        max_power=number["max_power"],
        min_duration=min_duration,
        max_duration=max_duration,
        day_of_week=_days(raw.get("day_of_week"), f"{path}.day_of_week", errors),
        reservation=_enum(raw, "reservation", f"{path}.reservation", errors, ReservationRestriction),
    )


def _check_order(low: Any, high: Any, path: str, rule: str, errors: _Problems) -> None:
    """A range needs low < high when both ends are given."""
    if low is not None and high is not None and low >= high:
        errors.add(path, rule)


def _days(raw: object, path: str, errors: _Problems) -> tuple[DayOfWeek, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        errors.add(path, "must be a list of MONDAY..SUNDAY")
        return ()
    days = []
    for index, item in enumerate(raw):
        if item in DayOfWeek.__members__:
            days.append(DayOfWeek(item))
        else:
            errors.add(f"{path}[{index}]", f"{item!r} is not one of MONDAY..SUNDAY")
    if len(set(days)) != len(days):
        errors.add(path, "lists a day twice")
    return tuple(days)


# --- field readers: each reports its own problem with the field's path and returns None on failure ---


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, rule: str) -> None:
        self.items.append(f"{path}: {rule}")

    def unknown_keys(self, obj: dict, known: set[str], path: str) -> None:
        for key in sorted(set(obj) - known, key=str):
            self.add(f"{path}.{key}", "unknown field")

    def raise_if_any(self, error: type[TariffError]) -> None:
        if self.items:
            raise error(self.items)


def _text(obj: dict, key: str, path: str, errors: _Problems, *, required: bool = True, max_len: int = 255) -> str:
    value = obj.get(key)
    if value is None:
        if required:
            errors.add(path, "is required")
        return ""
    if not isinstance(value, str) or not value.strip():
        errors.add(path, "must be a non-empty string")
        return ""
    if len(value) > max_len:
        errors.add(path, f"must be at most {max_len} characters")
    return value


def _pattern(obj: dict, key: str, path: str, errors: _Problems, regex: str, meaning: str) -> str:
    value = _text(obj, key, path, errors)
    if value and not re.fullmatch(regex, value):
        errors.add(path, f"{value!r} is not {meaning}")
    return value


def _enum(obj: dict, key: str, path: str, errors: _Problems, kind: type[_E], *, required: bool = False) -> _E | None:
    value = obj.get(key)
    if value is None:
        if required:
            errors.add(path, "is required")
        return None
    if value not in kind.__members__:
        errors.add(path, f"{value!r} is not one of {', '.join(kind.__members__)}")
        return None
    return kind(value)


def _number(
    obj: dict,
    key: str,
    path: str,
    errors: _Problems,
    *,
    required: bool = False,
    max_decimals: int = 9,
    maximum: Decimal | None = None,
) -> Decimal | None:
    value = obj.get(key)
    if value is None:
        if required:
            errors.add(path, "is required")
        return None
    number = _as_decimal(value, path, errors)
    if number is None:
        return None
    if number < 0:
        errors.add(path, f"must not be negative, got {number}")
    if maximum is not None and number > maximum:
        errors.add(path, f"must be at most {maximum}, got {number}")
    exponent = number.as_tuple().exponent
    if (
        isinstance(exponent, int)
        and -exponent > max_decimals
        and number != number.quantize(Decimal(1).scaleb(-max_decimals))
    ):
        errors.add(path, f"must have at most {max_decimals} decimals, got {number}")
    return number


def _as_decimal(value: object, path: str, errors: _Problems) -> Decimal | None:
    if isinstance(value, bool):
        errors.add(path, f"must be a number, got {value!r}")
        return None
    if isinstance(value, float):
        text = repr(value)
        if Decimal(value) != Decimal(text):
            errors.add(path, f"binary float {text} is not exact; decode JSON with parse_float=Decimal")
            return None
        value = text
    try:
        number = Decimal(value) if isinstance(value, int | str | Decimal) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        errors.add(path, f"must be a decimal number, got {value!r}")
        return None
    return number


def _integer(
    obj: dict, key: str, path: str, errors: _Problems, *, required: bool = False, minimum: int = 0
) -> int | None:
    value = obj.get(key)
    if value is None:
        if required:
            errors.add(path, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(path, f"must be a whole number, got {value!r}")
        return None
    if value < minimum:
        errors.add(path, f"must be at least {minimum}, got {value}")
        return None
    return value


def _timestamp(obj: dict, key: str, path: str, errors: _Problems) -> datetime | None:
    """OCPI DateTime: RFC 3339, UTC; a missing zone designator means UTC."""
    value = _text(obj, key, path, errors, required=False, max_len=35)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        errors.add(path, f"{value!r} is not an RFC 3339 timestamp")
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _time_of_day(obj: dict, key: str, parent: str, errors: _Problems) -> time | None:
    path = f"{parent}.{key}"
    value = (
        _pattern(obj, key, path, errors, r"([0-1][0-9]|2[0-3]):[0-5][0-9]", "a time HH:MM (00:00-23:59)")
        if key in obj
        else ""
    )
    return time.fromisoformat(value) if re.fullmatch(r"([0-1][0-9]|2[0-3]):[0-5][0-9]", value) else None


def _iso_date(obj: dict, key: str, parent: str, errors: _Problems) -> date | None:
    path = f"{parent}.{key}"
    value = _text(obj, key, path, errors, required=False, max_len=10)
    if not value:
        return None
    try:
        if not re.fullmatch(r"[12][0-9]{3}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        errors.add(path, f"{value!r} is not a date YYYY-MM-DD")
        return None
