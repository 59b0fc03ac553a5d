"""Avro encoding of the pipeline's records, schemas from schemas/avro/*.avsc.

Records travel schemaless (no per-message header): each topic name carries its schema's major version
(charging.events.v1 <-> chargeledger.v1.ChargingEvent). Decimals are quantized to the schema's scale
with ROUND_HALF_EVEN before encoding, because Avro decimals have a fixed scale.
encoder()/decoder() use code that avro_compile generates from the schemas (fastavro is too slow for the
hot path), and row_decoder() reads a flat record straight into a warehouse row; to_avro_dict/from_avro_dict
with fastavro remain as the reference the tests compare against.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

import fastavro

from pipelines.flags.models import Flag
from pipelines.ingest.models import ChargingEvent, DeadLetter, DeadLetterClass, EventKind
from pipelines.notify.models import Notification, NotificationDelivery
from pipelines.payments.models import PaymentRequest, PaymentResult
from pipelines.rating.models import LineItem, RatedSession
from pipelines.rating.running import RunningCost
from pipelines.refunds.models import CreditLine, RefundEvent, RefundRequest, SessionFacts, VatShare
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind
from pipelines.streaming.avro_compile import CompiledCodec, RowLayout, compile_codecs, compile_row_decoders
from pipelines.wallets.models import WalletCommand, WalletEntry

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "avro"
# Order matters: a schema must be parsed before the ones that name it.
SCHEMA_FILES = {
    "ChargingEvent": "charging_event.avsc",
    "DeadLetter": "dead_letter.avsc",
    "ClosedSession": "closed_session.avsc",
    "RatedSession": "rated_session.avsc",
    "Notification": "notification.avsc",
    "NotificationDelivery": "notification_delivery.avsc",
    "RunningCost": "running_cost.avsc",
    "WalletCommand": "wallet_command.avsc",
    "WalletEntry": "wallet_entry.avsc",
    "PaymentRequest": "payment_request.avsc",
    "PaymentResult": "payment_result.avsc",
    "RefundRequest": "refund_request.avsc",
    "RefundEvent": "refund_event.avsc",
    "Flag": "flag.avsc",
}
RECORD_TYPES: dict[str, type] = {
    "ChargingEvent": ChargingEvent,
    "DeadLetter": DeadLetter,
    "ClosedSession": ClosedSession,
    "ChargingPeriod": ChargingPeriod,
    "RatedSession": RatedSession,
    "LineItem": LineItem,
    "Notification": Notification,
    "NotificationDelivery": NotificationDelivery,
    "RunningCost": RunningCost,
    "WalletCommand": WalletCommand,
    "WalletEntry": WalletEntry,
    "PaymentRequest": PaymentRequest,
    "PaymentResult": PaymentResult,
    "RefundRequest": RefundRequest,
    "SessionFacts": SessionFacts,
    "VatShare": VatShare,
    "RefundEvent": RefundEvent,
    "CreditLine": CreditLine,
    "Flag": Flag,
}
ENUMS: dict[tuple[str, str], type[Enum]] = {
    ("ChargingEvent", "kind"): EventKind,
    ("DeadLetter", "error_class"): DeadLetterClass,
    ("ChargingPeriod", "kind"): PeriodKind,
}


@cache
def schema_json() -> dict[str, Any]:
    """The raw schema JSON per top-level record name, in SCHEMA_FILES order."""
    return {name: json.loads((SCHEMA_DIR / file).read_text()) for name, file in SCHEMA_FILES.items()}


@cache
def parsed_schemas() -> dict[str, Any]:
    named: dict[str, Any] = {}
    return {name: fastavro.parse_schema(raw, named_schemas=named) for name, raw in schema_json().items()}


@cache
def compiled_codecs() -> dict[str, CompiledCodec]:
    """Generated encode/decode functions for every record type, nested ones included."""
    return compile_codecs(list(schema_json().values()), RECORD_TYPES, ENUMS)


def _decimal_scales(schema: Any, out: dict[str, dict[str, int | None]]) -> None:
    """Collect, per record name, each field's decimal scale (None for other fields)."""
    if isinstance(schema, list):
        for branch in schema:
            _decimal_scales(branch, out)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "record":
        short = schema["name"].rsplit(".", 1)[-1]
        fields: dict[str, int | None] = {}
        for field in schema["fields"]:
            fields[field["name"]] = _scale_of(field["type"])
            _decimal_scales(field["type"], out)
        out[short] = fields
    elif schema.get("type") == "array":
        _decimal_scales(schema["items"], out)


def _scale_of(field_type: Any) -> int | None:
    branches = field_type if isinstance(field_type, list) else [field_type]
    for branch in branches:
        if isinstance(branch, dict) and branch.get("logicalType") == "decimal":
            return int(branch.get("scale", 0))
    return None


@cache
def _scales() -> dict[str, dict[str, int | None]]:
    out: dict[str, dict[str, int | None]] = {}
    for schema in parsed_schemas().values():
        _decimal_scales(schema, out)
    return out


@cache
def _exponent(scale: int) -> Decimal:
    return Decimal(1).scaleb(-scale)


def to_avro_dict(record: Any) -> dict[str, Any]:
    """A record dataclass as the dict fastavro writes, decimals at their schema scale."""
    name = type(record).__name__
    scales = _scales()[name]
    out: dict[str, Any] = {}
    for field, scale in scales.items():
        value = getattr(record, field)
        if value is None:
            out[field] = None
        elif scale is not None:
            out[field] = value.quantize(_exponent(scale), rounding=ROUND_HALF_EVEN)
        elif isinstance(value, tuple):
            out[field] = [to_avro_dict(item) for item in value]
        elif dataclasses.is_dataclass(value):
            out[field] = to_avro_dict(value)
        elif isinstance(value, Enum):
            out[field] = value.value
        else:
            out[field] = value
    return out


@cache
def _nested_types(name: str) -> dict[str, str]:
    """Field name -> record name for fields holding records or arrays of records."""
    cls = RECORD_TYPES[name]
    hints = typing.get_type_hints(cls)
    nested = {}
    for field, hint in hints.items():
        target = typing.get_args(hint)[0] if typing.get_origin(hint) is tuple else hint
        if isinstance(target, type) and target.__name__ in RECORD_TYPES:
            nested[field] = target.__name__
    return nested


def from_avro_dict(name: str, data: dict[str, Any]) -> Any:
    """The inverse of to_avro_dict for the record called `name`."""
    nested = _nested_types(name)
    values = dict(data)
    for field, inner in nested.items():
        raw = values[field]
        if isinstance(raw, list):
            values[field] = tuple(from_avro_dict(inner, item) for item in raw)
        elif raw is not None:
            values[field] = from_avro_dict(inner, raw)
    for (record, field), enum in ENUMS.items():
        if record == name:
            values[field] = enum(values[field])
    return RECORD_TYPES[name](**values)


def encoder(name: str) -> Callable[[Any], bytes]:
    """Record -> schemaless Avro bytes; raises avro_runtime.AvroCodecError when it does not fit the schema."""
    return compiled_codecs()[name].encode


def decoder(name: str) -> Callable[[bytes], Any]:
    """Schemaless Avro bytes -> record; raises avro_runtime.AvroCodecError on bytes that are not one."""
    return compiled_codecs()[name].decode


@cache
def row_decoder(name: str, layout: RowLayout) -> Callable[[bytes], tuple[Any, ...]]:
    """Schemaless Avro bytes of the flat record `name` -> its row in `layout`, without building the record.

    Fails on the same bytes as decoder(name), with the same AvroCodecError.
    """
    return compile_row_decoders(list(schema_json().values()), {name: layout}, ENUMS)[name]
