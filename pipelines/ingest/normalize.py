"""Valid OCPP 1.6 frames to ChargingEvents, rejecting values the schemas allow but no meter can produce.

MeterValues rules (one event per meterValue element):
- the measurand defaults to Energy.Active.Import.Register, the unit to the measurand's base unit (Wh, W, A,
  Percent); kWh and kW are scaled by 1000; any other unit for these measurands is an impossible value;
- a value without phase wins; without one, energy and power are the sum of the phases L1, L2, L3 (or L1-N..),
  current is the MAX over them (the limiting phase, what charging limits are set against); N and line-to-line
  phases are ignored; the first value of a measurand/phase wins when a station repeats it;
- energy, power and current at location EV, Body or Cable are not the charger's meter and are skipped; SoC is
  taken from any location; SignedData values are skipped (they are signatures, not numbers);
- every context counts (Transaction.Begin/End, Sample.Periodic, ...); measurands other than these four are kept
  only in the payload, unparsed, so a NaN temperature does not cost a frame its energy reading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import orjson

from pipelines.ingest.envelope import CALL, CALLERROR, CALLRESULT, Envelope, Frame, IngestError, parse_timestamp
from pipelines.ingest.models import ChargingEvent, DeadLetterClass, EventKind

MAX_CONNECTOR_ID = 100
MAX_STATION_AHEAD = timedelta(days=1)  # station clocks may be off, not by days
MAX_STATION_BEHIND = timedelta(days=366)  # offline buffers hold weeks; a 1970 clock is a broken clock
MAX_MAGNITUDE = 15  # decimal exponent; 10^15 Wh is a thousand times the world's yearly electricity

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
CURRENT = "Current.Import"
SOC = "SoC"
_SCALE = {
    (ENERGY, "Wh"): None,
    (ENERGY, "kWh"): 1000,
    (POWER, "W"): None,
    (POWER, "kW"): 1000,
    (CURRENT, "A"): None,
    (SOC, "Percent"): None,
}
_DEFAULT_UNIT = {ENERGY: "Wh", POWER: "W", CURRENT: "A", SOC: "Percent"}
_PHASES = {"L1": "L1", "L2": "L2", "L3": "L3", "L1-N": "L1", "L2-N": "L2", "L3-N": "L3"}
_NOT_THE_METER = frozenset({"EV", "Body", "Cable"})
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)


class _EventShell:
    """ChargingEvent's slot layout without the frozen __setattr__: filled, then turned into a ChargingEvent.

    The frozen dataclass __init__ costs ~6 us for 22 fields (object.__setattr__ per field); plain slot stores and
    a __class__ switch cost ~1 us. `make_event` falls back to the real constructor if the layouts ever differ.
    """

    __slots__ = tuple(f.name for f in fields(ChargingEvent))

    # ChargingEvent's fields, declared for the type checker only (annotations create no class attributes)
    event_id: str
    tenant_id: str
    charge_point_id: str
    protocol: str
    direction: str
    message_type: int
    message_id: str
    action: str
    kind: EventKind
    received_at: datetime
    station_time: datetime | None
    connector_id: int | None
    transaction_id: str | None
    id_tag: str | None
    meter_wh: Decimal | None
    power_w: Decimal | None
    current_a: Decimal | None
    soc_percent: Decimal | None
    status: str | None
    error_code: str | None
    reason: str | None
    seq_no: int | None
    trigger_reason: str | None
    reading_context: str | None
    offline: bool
    payload: str


def _shell_is_compatible() -> bool:
    shell = _EventShell()
    try:
        shell.__class__ = ChargingEvent  # type: ignore[assignment]
    except TypeError:
        return False
    return ChargingEvent.__slots__ == _EventShell.__slots__  # type: ignore[attr-defined]


_FAST_EVENTS = _shell_is_compatible()


def make_event(
    env: Envelope,
    frame: Frame,
    action: str,
    kind: EventKind,
    station_time: datetime | None,
    payload: str,
    index: int = 0,
    connector_id: int | None = None,
    transaction_id: str | None = None,
    id_tag: str | None = None,
    meter_wh: Decimal | None = None,
    power_w: Decimal | None = None,
    current_a: Decimal | None = None,
    soc_percent: Decimal | None = None,
    status: str | None = None,
    error_code: str | None = None,
    reason: str | None = None,
    seq_no: int | None = None,
    trigger_reason: str | None = None,
    reading_context: str | None = None,
    offline: bool = False,
) -> ChargingEvent:
    """A ChargingEvent with event_id tenant/cp/direction/message type/message id#index."""
    event_id = f"{env.tenant_id}/{env.charge_point_id}/{env.direction}/{frame.message_type}/{frame.message_id}#{index}"
    if not _FAST_EVENTS:
        return ChargingEvent(
            event_id, env.tenant_id, env.charge_point_id, env.protocol, env.direction, frame.message_type,
            frame.message_id, action, kind, env.received_at, station_time, connector_id, transaction_id, id_tag,
            meter_wh, power_w, current_a, soc_percent, status, error_code, reason, seq_no, trigger_reason,
            reading_context, offline, payload,
        )  # fmt: skip
    e = _EventShell()
    e.event_id = event_id
    e.tenant_id = env.tenant_id
    e.charge_point_id = env.charge_point_id
    e.protocol = env.protocol
    e.direction = env.direction
    e.message_type = frame.message_type
    e.message_id = frame.message_id
    e.action = action
    e.kind = kind
    e.received_at = env.received_at
    e.station_time = station_time
    e.connector_id = connector_id
    e.transaction_id = transaction_id
    e.id_tag = id_tag
    e.meter_wh = meter_wh
    e.power_w = power_w
    e.current_a = current_a
    e.soc_percent = soc_percent
    e.status = status
    e.error_code = error_code
    e.reason = reason
    e.seq_no = seq_no
    e.trigger_reason = trigger_reason
    e.reading_context = reading_context
    e.offline = offline
    e.payload = payload
    e.__class__ = ChargingEvent  # type: ignore[assignment]  # deliberate: same slot layout, checked at import
    return e  # type: ignore[return-value]  # it is a ChargingEvent now; cast() would cost a call per event


def station_time(text: str, field: str, env: Envelope, problems: list[str]) -> datetime | None:
    """The payload's timestamp in UTC, or None with a problem noted when unparseable or absurd."""
    moment = parse_timestamp(text)
    if moment is None:
        problems.append(f"{field}: {text[:40]!r} is not a valid date-time")
    elif moment > env.received_at + MAX_STATION_AHEAD:
        problems.append(f"{field}: {text[:40]} is more than {MAX_STATION_AHEAD} after received_at")
    elif moment < env.received_at - MAX_STATION_BEHIND:
        problems.append(f"{field}: {text[:40]} is more than {MAX_STATION_BEHIND.days} days before received_at")
    return moment


def check_connector(connector_id: int, field: str, minimum: int, problems: list[str]) -> None:
    if not minimum <= connector_id <= MAX_CONNECTOR_ID:
        problems.append(f"{field}: {connector_id} is outside {minimum}..{MAX_CONNECTOR_ID}")


def check_meter(value: int, field: str, problems: list[str]) -> None:
    if value < 0:
        problems.append(f"{field}: {value} Wh is negative")


_Plan = tuple[int, int | None, str | None]  # (slot, scale, phase); a plain tuple, so unpacking stays on the fast path
_Shape = tuple[str, str | None, str | None, str | None, str | None]  # measurand, unit, phase, location, format


def _plan(
    measurand: str, unit: str | None, phase: str | None, location: str | None, fmt: str | None
) -> _Plan | str | None:
    """What to do with a sampled value of this shape: None (skip), a problem text, or (slot, scale, phase)."""
    if measurand not in _DEFAULT_UNIT or fmt == "SignedData" or (measurand != SOC and location in _NOT_THE_METER):
        return None
    unit = unit or _DEFAULT_UNIT[measurand]
    if (measurand, unit) not in _SCALE:
        return f"unit {unit} does not measure {measurand}"
    if phase is not None and phase not in _PHASES:
        return None
    return (_SLOTS[measurand], _SCALE[measurand, unit], _PHASES.get(phase) if phase else None)


_SLOTS = {ENERGY: 0, POWER: 1, CURRENT: 2, SOC: 3}
# () means skip; bounded: the schema's enums allow at most ~80k shapes
_PLANS: dict[_Shape, _Plan | str | tuple[()]] = {}


def _sampled(element: dict, index: int, problems: list[str]) -> list[Decimal | None]:
    """[meter_wh, power_w, current_a, soc_percent] of meterValue[index]."""
    totals: list[Decimal | None] = [None, None, None, None]
    phased: dict[tuple[int, str], Decimal] | None = None
    for sv in element["sampledValue"]:
        get = sv.get
        shape = (get("measurand", ENERGY), get("unit"), get("phase"), get("location"), get("format"))
        plan = _PLANS.get(shape)
        if plan is None:
            plan = _PLANS[shape] = _plan(*shape) or ()
        if not plan:
            continue
        if type(plan) is not tuple:  # a problem text (an exact-type test narrows only when it holds)
            problems.append(f"{_sampled_value_at(element, index, sv)}.unit: {plan}")
            continue
        slot, scale, phase = plan
        number = reading(sv["value"])
        if number is None:
            problems.append(
                f"{_sampled_value_at(element, index, sv)}.value: {sv['value'][:40]!r} is not "
                f"a finite non-negative number below 10^{MAX_MAGNITUDE}"
            )
            continue
        if scale is not None:
            number *= scale
        if slot == 3 and number > _HUNDRED:
            problems.append(f"{_sampled_value_at(element, index, sv)}.value: SoC {sv['value'][:40]} > 100%")
        elif phase is None:
            if totals[slot] is None:
                totals[slot] = number
        else:
            phased = phased if phased is not None else {}
            phased.setdefault((slot, phase), number)
    if phased:
        _add_phases(totals, phased)
    return totals


def _sampled_value_at(element: dict, index: int, sv: dict) -> str:
    """Where a sampled value sits, for problem texts (the first equal element's position, as always reported)."""
    return f"meterValue[{index}].sampledValue[{element['sampledValue'].index(sv)}]"


MAX_CACHED_READINGS = 4096
MAX_CACHED_READING_CHARS = 24
_READINGS: dict[str, Decimal | None] = {}
_UNREAD = object()


def reading(text: str) -> Decimal | None:
    """A sampled value as a finite, non-negative Decimal below 10^MAX_MAGNITUDE; None when it is not one.

    Cached by text: steady chargers repeat their power and current readings ("11000", "16.0") and idle ones
    report "0", so a dict hit (~0.1 us) replaces Decimal construction plus three checks (~0.8 us). Decimals are
    immutable, so sharing one is safe. Emptied when full and only short texts are kept, so it stays small.
    """
    number = _READINGS.get(text, _UNREAD)
    if number is _UNREAD:
        number = _parse_reading(text)
        if len(text) <= MAX_CACHED_READING_CHARS:
            if len(_READINGS) >= MAX_CACHED_READINGS:
                _READINGS.clear()
            _READINGS[text] = number
    return number  # type: ignore[return-value]


def _parse_reading(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number.adjusted() > MAX_MAGNITUDE or number < _ZERO:
        return None
    return number


def _add_phases(totals: list[Decimal | None], phased: dict[tuple[int, str], Decimal]) -> None:
    """Energy and power: sum over phases; current: the largest phase; only where no total was given."""
    for slot in {slot for slot, _ in phased}:
        if totals[slot] is None:
            values = [number for (s, _), number in phased.items() if s == slot]
            totals[slot] = max(values) if slot == 2 else sum(values, Decimal(0))


def _meter_values(env: Envelope, frame: Frame, payload: str, problems: list[str]) -> list[ChargingEvent]:
    p = frame.payload
    connector_id = p["connectorId"]
    check_connector(connector_id, "connectorId", 0, problems)
    transaction_id = str(p["transactionId"]) if "transactionId" in p else None
    events = []
    for index, element in enumerate(p["meterValue"]):
        when = station_time(element["timestamp"], f"meterValue[{index}].timestamp", env, problems)
        meter_wh, power_w, current_a, soc = _sampled(element, index, problems)
        events.append(
            make_event(
                env, frame, "MeterValues", EventKind.METER_VALUES, when, payload, index, connector_id,
                transaction_id, meter_wh=meter_wh, power_w=power_w, current_a=current_a, soc_percent=soc,
            )
        )  # fmt: skip
    return events


def _start(env: Envelope, frame: Frame, payload: str, problems: list[str]) -> list[ChargingEvent]:
    p = frame.payload
    check_connector(p["connectorId"], "connectorId", 1, problems)
    check_meter(p["meterStart"], "meterStart", problems)
    when = station_time(p["timestamp"], "timestamp", env, problems)
    return [
        make_event(
            env, frame, "StartTransaction", EventKind.TRANSACTION_START_REQUESTED, when, payload,
            connector_id=p["connectorId"], id_tag=p["idTag"], meter_wh=Decimal(p["meterStart"]),
        )
    ]  # fmt: skip


def _stop(env: Envelope, frame: Frame, payload: str, problems: list[str]) -> list[ChargingEvent]:
    p = frame.payload
    check_meter(p["meterStop"], "meterStop", problems)
    when = station_time(p["timestamp"], "timestamp", env, problems)
    return [
        make_event(
            env, frame, "StopTransaction", EventKind.TRANSACTION_STOPPED, when, payload,
            transaction_id=str(p["transactionId"]), id_tag=p.get("idTag"), meter_wh=Decimal(p["meterStop"]),
            reason=p.get("reason"),
        )
    ]  # fmt: skip


def _status(env: Envelope, frame: Frame, payload: str, problems: list[str]) -> list[ChargingEvent]:
    p = frame.payload
    check_connector(p["connectorId"], "connectorId", 0, problems)
    when = station_time(p["timestamp"], "timestamp", env, problems) if "timestamp" in p else None
    return [
        make_event(
            env, frame, "StatusNotification", EventKind.STATUS, when, payload, connector_id=p["connectorId"],
            status=p["status"], error_code=p["errorCode"],
        )
    ]  # fmt: skip


def _authorize(env: Envelope, frame: Frame, payload: str, problems: list[str]) -> list[ChargingEvent]:
    return [make_event(env, frame, "Authorize", EventKind.AUTHORIZE, None, payload, id_tag=frame.payload["idTag"])]


def _plain(kind: EventKind, action: str) -> Callable[[Envelope, Frame, str, list[str]], list[ChargingEvent]]:
    def normalize_plain(env: Envelope, frame: Frame, payload: str, problems: list[str]) -> list[ChargingEvent]:
        return [make_event(env, frame, action, kind, None, payload)]

    return normalize_plain


_CALLS = {
    "MeterValues": _meter_values,
    "StartTransaction": _start,
    "StopTransaction": _stop,
    "StatusNotification": _status,
    "Authorize": _authorize,
    "BootNotification": _plain(EventKind.BOOT, "BootNotification"),
    "Heartbeat": _plain(EventKind.HEARTBEAT, "Heartbeat"),
}


def _result(env: Envelope, frame: Frame, payload: str) -> ChargingEvent:
    p = frame.payload
    id_tag_info = p.get("idTagInfo")
    status = id_tag_info.get("status") if type(id_tag_info) is dict else p.get("status")
    if env.action == "StartTransaction":
        return make_event(
            env, frame, env.action, EventKind.TRANSACTION_START_CONFIRMED, None, payload,
            transaction_id=str(p["transactionId"]), status=status,
        )  # fmt: skip
    return make_event(
        env, frame, env.action, EventKind.OTHER, None, payload, status=status if type(status) is str else None
    )


def normalize(env: Envelope, frame: Frame) -> list[ChargingEvent]:
    """The events of one schema-valid OCPP 1.6 frame; raises IngestError(IMPOSSIBLE_VALUE) naming every value."""
    if frame.message_type == CALLERROR:
        details = {"errorCode": frame.error_code, "errorDescription": frame.error_description}
        payload = orjson.dumps({**details, "errorDetails": frame.payload}).decode()
        return [make_event(env, frame, env.action, EventKind.OTHER, None, payload, reason=frame.error_code)]
    payload = orjson.dumps(frame.payload).decode()
    if frame.message_type == CALLRESULT:
        return [_result(env, frame, payload)]
    assert frame.message_type == CALL
    normalizer = _CALLS.get(env.action)
    if normalizer is None:
        return [make_event(env, frame, env.action, EventKind.OTHER, None, payload)]
    problems: list[str] = []
    events = normalizer(env, frame, payload, problems)
    if problems:
        raise IngestError(DeadLetterClass.IMPOSSIBLE_VALUE, "; ".join(problems))
    return events
