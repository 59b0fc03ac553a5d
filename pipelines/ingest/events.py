"""Building ChargingEvents and the value checks both OCPP versions share (station times, connector ids, meters)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta
from decimal import Decimal

import orjson

from pipelines.ingest.envelope import Envelope, Frame, parse_timestamp
from pipelines.ingest.models import ChargingEvent, EventKind

MAX_CONNECTOR_ID = 100
MAX_STATION_AHEAD = timedelta(days=1)  # station clocks may be off, not by days
MAX_STATION_BEHIND = timedelta(days=366)  # offline buffers hold weeks; a 1970 clock is a broken clock


class _EventShell:
    """ChargingEvent's slot layout without the frozen __setattr__: filled, then turned into a ChargingEvent.

    The frozen dataclass __init__ costs ~6 us for 26 fields (object.__setattr__ per field); plain slot stores and
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


FAST_EVENTS = _shell_is_compatible()


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
    if not FAST_EVENTS:
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


def call_error_event(env: Envelope, frame: Frame) -> ChargingEvent:
    """A CALLERROR as an OTHER event with its code in `reason`; its payload keeps code, description and details."""
    details = {"errorCode": frame.error_code, "errorDescription": frame.error_description}
    payload = orjson.dumps({**details, "errorDetails": frame.payload}).decode()
    return make_event(env, frame, env.action, EventKind.OTHER, None, payload, reason=frame.error_code)


def result_status(payload: dict) -> str | None:
    """The status a CALLRESULT answers with: idTagInfo (1.6) or idTokenInfo (2.0.1) status, else a top-level one."""
    info = payload.get("idTagInfo") or payload.get("idTokenInfo")
    status = info.get("status") if type(info) is dict else payload.get("status")
    return status if type(status) is str else None


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
