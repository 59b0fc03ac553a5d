"""A one-pass fast path for OCPP 1.6 MeterValues CALLs, the bulk of all traffic; None sends a frame the long way.

The long way checks the payload against the compiled schema, then `normalize` walks it again, reading every
sampled value's fields a second time. Here one walk does both: each sampled value's optional fields form a shape
(measurand, unit, phase, location, format, context) whose verdict is cached: valid (every field in its schema
enum) plus what `sampled` does with it. A sampled value passes only when it has exactly the shape's fields and a
string `value`, i.e. when the schema accepts it.

The fast path gives up (returns None) on anything that is not plainly valid: a schema violation, a value the
normalizer would reject (bad reading, SoC over 100%, station time out of range, unit that does not fit), or a
field of an unhashable type. The caller then runs the schema check and `normalize`, which produce the dead letter
with its full reason, so an accepted frame yields exactly the events `normalize` would, and every reject keeps its
reason. tests/unit/ingest/test_fast_meter_values.py checks both claims on generated payloads.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import orjson

from pipelines.ingest.envelope import Envelope, Frame, parse_timestamp
from pipelines.ingest.events import MAX_CONNECTOR_ID, MAX_STATION_AHEAD, MAX_STATION_BEHIND, make_event
from pipelines.ingest.models import ChargingEvent, EventKind
from pipelines.ingest.sampled import _READINGS, DEFAULT_CONTEXT, ENERGY, _add_phases, _plan, reading
from pipelines.ingest.schemas import MAX_CACHED_DATE_TIME_CHARS, is_date_time, ocpp16_schemas

OPTIONAL_FIELDS = ("measurand", "unit", "phase", "location", "format", "context")
_HUNDRED = Decimal(100)
_METER_VALUES = EventKind.METER_VALUES


def _sampled_value_enums() -> dict[str, frozenset[str]] | None:
    """Each optional sampledValue field's enum, when the official schema has exactly the layout assumed here.

    None disables the fast path (a unit test insists it is enabled), so a changed schema cannot be half-checked.
    """
    schema = ocpp16_schemas()["MeterValues"].request
    try:
        element = schema["properties"]["meterValue"]["items"]
        sampled = element["properties"]["sampledValue"]["items"]
        layout_ok = (
            set(schema["properties"]) == {"connectorId", "transactionId", "meterValue"}
            and schema["required"] == ["connectorId", "meterValue"]
            and schema["properties"]["connectorId"] == {"type": "integer"}
            and schema["properties"]["transactionId"] == {"type": "integer"}
            and schema["properties"]["meterValue"]["minItems"] == 1
            and set(element["properties"]) == {"timestamp", "sampledValue"}
            and sorted(element["required"]) == ["sampledValue", "timestamp"]
            and element["properties"]["timestamp"] == {"type": "string", "format": "date-time"}
            and element["properties"]["sampledValue"]["minItems"] == 1
            and set(sampled["properties"]) == {"value", *OPTIONAL_FIELDS}
            and sampled["required"] == ["value"]
            and sampled["properties"]["value"] == {"type": "string"}
            and all(node.get("additionalProperties") is False for node in (schema, element, sampled))
            and all(
                set(sampled["properties"][name]) <= {"type", "enum", "additionalProperties"}
                and sampled["properties"][name]["type"] == "string"
                for name in OPTIONAL_FIELDS
            )
        )
    except (KeyError, TypeError):
        return None
    if not layout_ok:
        return None
    return {name: frozenset(sampled["properties"][name]["enum"]) for name in OPTIONAL_FIELDS}


ENUMS = _sampled_value_enums()
ENABLED = ENUMS is not None

# shape -> (the number of fields a valid sampled value of this shape has, `sampled`'s plan) or None: give up.
_Verdict = tuple[int, tuple] | None
_VERDICTS: dict[tuple, _Verdict] = {}
MAX_CACHED_VERDICTS = 10_000  # valid shapes are a few dozen per fleet; junk ones are cached too, so bounded


def _verdict(shape: tuple) -> _Verdict:
    """Valid shapes only: every present field a member of its enum; a plan that is a problem text gives up too."""
    assert ENUMS is not None
    present = 0
    for name, value in zip(OPTIONAL_FIELDS, shape, strict=True):
        if value is not None:
            if type(value) is not str or value not in ENUMS[name]:
                return None
            present += 1
    measurand, unit, phase, location, fmt, _ = shape
    plan = _plan(measurand or ENERGY, unit, phase, location, fmt) or ()
    return None if isinstance(plan, str) else (present + 1, plan)


def _verdict_of(shape: tuple) -> _Verdict:
    if len(_VERDICTS) >= MAX_CACHED_VERDICTS:
        _VERDICTS.clear()
    verdict = _VERDICTS[shape] = _verdict(shape)
    return verdict


def _readings(values: object) -> list | None:
    """[meter_wh, power_w, current_a, soc_percent, reading_context] as `sampled_v16` gives them, or None."""
    if type(values) is not list or not values:
        return None
    totals: list = [None, None, None, None, None]
    phased: dict[tuple[int, str], Decimal] | None = None
    verdicts = _VERDICTS
    for sv in values:
        if type(sv) is not dict:
            return None
        get = sv.get
        shape = (get("measurand"), get("unit"), get("phase"), get("location"), get("format"), get("context"))
        try:
            verdict = verdicts[shape]
        except KeyError:
            verdict = _verdict_of(shape)
        except TypeError:  # a list or object where a string belongs: unhashable
            return None
        if verdict is None:
            return None
        size, plan = verdict
        text = get("value")
        if len(sv) != size or type(text) is not str:  # extra or null fields, or no string value
            return None
        if not plan:
            continue
        slot, scale, phase = plan
        number = _READINGS.get(text)  # reading()'s own cache, read inline: most readings repeat
        if number is None:
            number = reading(text)
            if number is None:
                return None
        if scale is not None:
            number *= scale
        if slot == 0 and totals[4] is None:
            totals[4] = shape[5] or DEFAULT_CONTEXT
        if slot == 3 and number > _HUNDRED:
            return None
        if phase is None:
            if totals[slot] is None:
                totals[slot] = number
        else:
            phased = phased if phased is not None else {}
            phased.setdefault((slot, phase), number)
    if phased:
        _add_phases(totals, phased)
    if totals[4] is None:
        totals[4] = values[0].get("context") or DEFAULT_CONTEXT
    return totals


_STATION_TIMES: dict[str, datetime] = {}  # texts that are schema date-times and parse, with their instant
MAX_CACHED_STATION_TIMES = 4096


def _station_time(stamp: object) -> datetime | None:
    """The instant of a timestamp the schema and the normalizer both accept, else None; remembers short ones.

    One dict hit here stands for the schema's cached date-time verdict plus parse_timestamp's cached parse.
    """
    if type(stamp) is not str or not is_date_time(stamp):
        return None
    when = parse_timestamp(stamp)
    if when is not None and len(stamp) <= MAX_CACHED_DATE_TIME_CHARS:
        if len(_STATION_TIMES) >= MAX_CACHED_STATION_TIMES:
            _STATION_TIMES.clear()
        _STATION_TIMES[stamp] = when
    return when


def meter_values_v16(env: Envelope, frame: Frame) -> list[ChargingEvent] | None:
    """The events `normalize` makes of a schema-valid MeterValues CALL without impossible values, else None."""
    if not ENABLED:
        return None
    p = frame.payload
    connector_id = p.get("connectorId")
    if type(connector_id) is not int or not 0 <= connector_id <= MAX_CONNECTOR_ID:
        return None
    tx = p.get("transactionId")
    if tx is None:
        if len(p) != 2:  # an unknown field, or "transactionId": null
            return None
        transaction_id = None
    elif type(tx) is int and len(p) == 3:
        transaction_id = str(tx)
    else:
        return None
    elements = p.get("meterValue")
    if type(elements) is not list or not elements:
        return None
    received_at = env.received_at
    earliest, latest = received_at - MAX_STATION_BEHIND, received_at + MAX_STATION_AHEAD
    payload = orjson.dumps(p).decode()
    events = []
    for index, element in enumerate(elements):
        if type(element) is not dict or len(element) != 2:
            return None
        stamp = element.get("timestamp")
        when = _STATION_TIMES.get(stamp) if type(stamp) is str else None
        if when is None:
            when = _station_time(stamp)
            if when is None:
                return None
        if not earliest <= when <= latest:
            return None
        readings = _readings(element.get("sampledValue"))
        if readings is None:
            return None
        meter_wh, power_w, current_a, soc, context = readings
        events.append(
            make_event(
                env, frame, "MeterValues", _METER_VALUES, when, payload, index, connector_id, transaction_id,
                meter_wh=meter_wh, power_w=power_w, current_a=current_a, soc_percent=soc, reading_context=context,
            )
        )  # fmt: skip
    return events
