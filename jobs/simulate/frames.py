"""OCPP 1.6 frames built from the ocpp package's own call classes, wrapped in the gateway envelope."""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.v16 import call, call_result, datatypes, enums

PROTOCOL = "ocpp1.6"
UPSTREAM = "upstream"
DOWNSTREAM = "downstream"


@dataclass(frozen=True, slots=True)
class SimFrame:
    """One envelope as the gateway publishes it: received_at, Kafka key and value."""

    at: datetime
    key: bytes
    value: bytes


def iso_seconds(at: datetime) -> str:
    """Station clock as chargers send it: UTC, whole seconds, Z."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(at: datetime) -> str:
    """Gateway receive time: UTC, milliseconds, Z."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def ocpp_payload(message: object) -> dict[str, Any]:
    """The payload ocpp's ChargePoint.call sends for this dataclass; a test holds it equal to `ocpp_reference_payload`.

    ocpp's own path (asdict, deep copies, then re-walks) costs ~2 ms per MeterValues; this walk gives the
    same dict (camelCase keys by ocpp's own rule, Nones removed) about 50x faster.
    """
    return _plain(message)  # type: ignore[return-value]


def ocpp_reference_payload(message: object) -> dict[str, Any]:
    """Exactly what ocpp.charge_point.ChargePoint.call does to a payload before sending it."""
    return remove_nones(snake_to_camel_case(serialize_as_dict(message)))  # type: ignore[return-value]


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        pairs = ((name, getattr(value, name)) for name in _field_names(type(value)))
        return {_camel(name): _plain(item) for name, item in pairs if item is not None}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value if item is not None]
    return value


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(item.name for item in fields(cls))


@cache
def _camel(name: str) -> str:
    return next(iter(snake_to_camel_case({name: None})))


def call_frame(message_id: str, request: object) -> list[Any]:
    """OCPP-J CALL [2, id, action, payload]; the action is the request class's name, as in ocpp."""
    return [2, message_id, type(request).__name__, ocpp_payload(request)]


def result_frame(message_id: str, result: object) -> list[Any]:
    """OCPP-J CALLRESULT [3, id, payload]."""
    return [3, message_id, ocpp_payload(result)]


def envelope(cp: str, tenant: str, received_at: datetime, direction: str, action: str, message: object) -> bytes:
    """The gateway envelope of DESIGN.md's input contract, as orjson bytes."""
    return orjson.dumps(
        {
            "charge_point_id": cp,
            "tenant_id": tenant,
            "protocol": PROTOCOL,
            "received_at": iso_millis(received_at),
            "direction": direction,
            "action": action,
            "message": message,
        }
    )


def status(connector_id: int, state: enums.ChargePointStatus, at: datetime, **extra: Any) -> call.StatusNotification:
    error = extra.pop("error_code", enums.ChargePointErrorCode.no_error)
    return call.StatusNotification(connector_id, error, state, timestamp=iso_seconds(at), **extra)


def meter_values(connector_id: int, transaction_id: int, at: datetime, sample: MeterSample) -> call.MeterValues:
    """One periodic sample set: register (Wh), power (W), current (A) and, when the car reports it, SoC."""
    periodic = enums.ReadingContext.sample_periodic
    values = [
        datatypes.SampledValue(str(sample.register_wh), periodic, None, enums.Measurand.energy_active_import_register,
                               None, enums.Location.outlet, enums.UnitOfMeasure.wh),
        datatypes.SampledValue(str(sample.power_w), periodic, None, enums.Measurand.power_active_import,
                               None, enums.Location.outlet, enums.UnitOfMeasure.w),
        datatypes.SampledValue(f"{sample.current_a:.1f}", periodic, None, enums.Measurand.current_import,
                               None, enums.Location.outlet, enums.UnitOfMeasure.a),
    ]  # fmt: skip
    if sample.soc_percent is not None:
        values.append(datatypes.SampledValue(str(sample.soc_percent), periodic, None, enums.Measurand.soc,
                                             None, enums.Location.ev, enums.UnitOfMeasure.percent))  # fmt: skip
    return call.MeterValues(connector_id, [datatypes.MeterValue(iso_seconds(at), values)], transaction_id)


@dataclass(frozen=True, slots=True)
class MeterSample:
    register_wh: int
    power_w: int
    current_a: float  # a reading, not money
    soc_percent: int | None


def id_tag_info(state: enums.AuthorizationStatus) -> datatypes.IdTagInfo:
    return datatypes.IdTagInfo(state)


__all__ = ["call", "call_result", "enums"]
