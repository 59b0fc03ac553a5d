"""A rated CDR as OCPI JSON: totals as Price objects, one line item per amount, numbers exact both ways."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import orjson

from pipelines.money import minor_unit
from pipelines.rating.cdr_parse import CdrError
from pipelines.rating.models import LineItem
from pipelines.rating.tariff import Dimension, Tariff

_COSTS = {"total_fixed_cost": "FLAT", "total_energy_cost": "ENERGY", "total_time_cost": "TIME"}


@dataclass(frozen=True, slots=True)
class Quantities:
    """The CDR's totals of what was consumed."""

    energy_kwh: Decimal
    time_h: Decimal
    parking_h: Decimal
    reserved: bool  # whether the CDR has reservation periods (then total_reservation_cost is filled in)


def filled_in(cdr: dict, tariff: Tariff, totals: Quantities, reserved: list[LineItem], lines: list[LineItem]) -> dict:
    """The CDR with its total_* fields and line_items set; reserved: the reservation's lines, lines: the rest."""
    filled, minor = dict(cdr), minor_unit(tariff.currency)
    filled.setdefault("currency", tariff.currency)
    filled["total_cost"] = _price([*reserved, *lines], minor)
    for key, dimension in _COSTS.items():
        filled[key] = _price([line for line in lines if line.dimension == dimension], minor)
    filled["total_energy"] = _tidy(totals.energy_kwh)
    filled["total_time"] = _tidy(totals.time_h)
    filled["total_parking_time"] = _tidy(totals.parking_h)
    filled["total_parking_cost"] = _price([line for line in lines if line.dimension == "PARKING_TIME"], minor)
    if totals.reserved:
        filled["total_reservation_cost"] = _price(reserved, minor)
    filled["line_items"] = [_line_json(line, minor) for line in [*reserved, *lines]]
    return filled


def _price(lines: list[LineItem], minor: int) -> dict:
    """An OCPI Price; incl_vat only when VAT applies to something in it."""
    price = {"excl_vat": _tidy(sum((line.amount_excl_vat for line in lines), Decimal(0)), minor)}
    if any(line.vat_rate is not None or line.amount_incl_vat != line.amount_excl_vat for line in lines):
        price["incl_vat"] = _tidy(sum((line.amount_incl_vat for line in lines), Decimal(0)), minor)
    return price


def _tidy(value: Decimal, least_decimals: int = 0) -> Decimal:
    """The same number without trailing zeros, but with at least least_decimals (4.4000 -> 4.40): never rounded."""
    value = value.normalize()
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -least_decimals:
        return value.quantize(Decimal(1).scaleb(-least_decimals))
    return value


def _line_json(line: LineItem, minor: int) -> dict:
    element = line.tariff_element if line.dimension in Dimension.__members__ else None  # MIN/MAX_PRICE: the tariff's
    return {
        "dimension": line.dimension,
        "tariff_element": element,
        "quantity": _tidy(line.quantity),
        "unit": line.unit,
        "unit_price": _tidy(line.unit_price, minor),
        "step_size": line.step_size,
        "amount": {"excl_vat": _tidy(line.amount_excl_vat, minor), "incl_vat": _tidy(line.amount_incl_vat, minor)},
        "vat_rate": _tidy(line.vat_rate) if line.vat_rate is not None else None,
        "description": line.description,
    }


def cdr_from_json(data: bytes | str) -> dict:
    """Decode a CDR keeping every number exact (Decimal); CdrError when it is not a JSON object."""
    try:
        decoded = json.loads(data, parse_float=Decimal, parse_constant=_no_constant)
    except ValueError as error:  # JSONDecodeError, undecodable bytes, NaN/Infinity
        raise CdrError([f"not valid JSON: {error}"]) from None
    if not isinstance(decoded, dict):
        raise CdrError([f"CDR: expected a JSON object, got {type(decoded).__name__}"])
    return decoded


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def cdr_to_json(cdr: dict) -> bytes:
    """Indented JSON; Decimals are written as exact JSON numbers, never through float."""
    return orjson.dumps(cdr, default=_exact_number, option=orjson.OPT_INDENT_2)


def _exact_number(value: object) -> orjson.Fragment:
    if isinstance(value, Decimal) and value.is_finite():
        return orjson.Fragment(format(value, "f"))
    raise TypeError(f"{type(value).__name__} {value!r} cannot be written as JSON")
