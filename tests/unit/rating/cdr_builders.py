"""Builders for CDR tests: OCPI CDR objects from a tariff and back-to-back periods, rated through JSON both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pipelines.rating.cdr import cdr_from_json, cdr_to_json, rate_cdr

from .builders import ZONE, local

EXAMPLES = Path(__file__).parent / "ocpi_examples"
Period = tuple[Decimal, dict[str, Decimal]]  # (minutes, {CdrDimensionType: volume})


def example(name: str) -> dict:
    """One of the OCPI 2.2.1 example objects, decoded with exact numbers."""
    return cdr_from_json((EXAMPLES / f"{name}.json").read_bytes())


def hours(minutes: object) -> Decimal:
    return Decimal(str(minutes)) / 60


def charge(minutes: object, kwh: object = 0, **levels: object) -> Period:
    """Charging: ENERGY and TIME, plus e.g. MAX_CURRENT=16 or MAX_POWER=48."""
    dimensions = {"ENERGY": Decimal(str(kwh)), "TIME": hours(minutes)}
    return Decimal(str(minutes)), dimensions | {key: Decimal(str(value)) for key, value in levels.items()}


def park(minutes: object) -> Period:
    return Decimal(str(minutes)), {"PARKING_TIME": hours(minutes)}


def reserve(minutes: object) -> Period:
    return Decimal(str(minutes)), {"RESERVATION_TIME": hours(minutes)}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def cdr(tariff: dict, start: datetime | str, *periods: Period, zone: str | None = ZONE, **fields: object) -> dict:
    """A CDR with costs absent; start is UTC or a wall-clock reading in zone; periods run back to back."""
    begin = local(start, zone or "UTC") if isinstance(start, str) else start
    at, charging_periods = begin, []
    for minutes, dimensions in periods:
        volumes = [{"type": kind, "volume": volume} for kind, volume in dimensions.items()]
        charging_periods.append({"start_date_time": iso(at), "dimensions": volumes, "tariff_id": tariff["id"]})
        at += timedelta(minutes=float(minutes))
    built = {
        "country_code": "DE",
        "party_id": "CLG",
        "id": "CDR-1",
        "start_date_time": iso(begin),
        "end_date_time": iso(at),
        "currency": tariff["currency"],
        "tariffs": [tariff],
        "charging_periods": charging_periods,
        "last_updated": iso(at),
    }
    if zone is not None:
        built["cdr_location"] = {"id": "LOC1", "time_zone": zone}
    return built | fields


def rate(obj: dict, time_zone: str | None = None) -> dict:
    """rate_cdr as the CLI runs it: the CDR through JSON in, the result through JSON out."""
    return cdr_from_json(cdr_to_json(rate_cdr(cdr_from_json(cdr_to_json(obj)), time_zone)))


def total(rated: dict, key: str = "total_cost") -> tuple[Decimal, Decimal | None]:
    price = rated[key]
    return price["excl_vat"], price.get("incl_vat")


def lines(rated: dict) -> list[tuple[str, int | None, Decimal, Decimal]]:
    """(dimension, tariff element, quantity, amount excl. VAT) per line item."""
    return [
        (item["dimension"], item["tariff_element"], item["quantity"], item["amount"]["excl_vat"])
        for item in rated["line_items"]
    ]
