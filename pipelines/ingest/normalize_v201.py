"""Valid OCPP 2.0.1 frames to the same ChargingEvents as 1.6, rejecting values no station or meter can produce.

In 2.0.1 the EVSE is the unit a transaction runs on (an EVSE has one or more connectors, one used at a time), so
`connector_id` carries the EVSE id (evse.id, evseId); the connector within it stays in the payload. EVSE 0 is the
station itself (its main meter in MeterValues). TransactionEvent names the EVSE only when it is first known
(usually Started), so later events of a transaction carry no connector_id: sessions key them by transaction_id.

TransactionEvent (every event of one frame carries transaction_id, seq_no, trigger_reason, offline and the
idToken when the frame has one; an empty idToken, type NoAuthorization, is no id):
- Started: TRANSACTION_STARTED (#0) at the frame's timestamp with the readings of the Transaction.Begin meterValue
  (else the first one with energy) and status = chargingState; its other meterValue elements follow as
  METER_VALUES (#1..).
- Updated: METER_VALUES per meterValue element (#0..), then a STATUS when chargingState is given (the state it
  changed to at the frame's timestamp, after the readings leading up to it); with neither, one OTHER event, so a
  late idToken (triggerReason Authorized) still reaches sessions.
- Ended: METER_VALUES for the meterValue elements (#1..), then TRANSACTION_STOPPED (#0) with stoppedReason (absent
  means Local per the spec; left empty, as sent) and the readings of the Transaction.End meterValue (else the last
  one with energy): the stop comes after the readings so sessions see them before it closes the session.
StatusNotification: STATUS, status = connectorStatus. MeterValues: METER_VALUES per element. Authorize: AUTHORIZE.
BootNotification, Heartbeat: BOOT, HEARTBEAT; other CALLs: OTHER. Results: OTHER with idTokenInfo's status
(Authorize, TransactionEvent) or the top-level status; CALLERRORs: OTHER with the error code as reason.
"""

from __future__ import annotations

from datetime import datetime

from pipelines.ingest.envelope import Envelope, Frame
from pipelines.ingest.events import check_connector, make_event, result_status, station_time
from pipelines.ingest.models import ChargingEvent, EventKind
from pipelines.ingest.normalize import TRANSACTION_BEGIN, TRANSACTION_END, normalize_with, plain
from pipelines.ingest.sampled import Readings, sampled_v201

_NO_READINGS: Readings = [None, None, None, None, None]


def _readings(env: Envelope, p: dict, problems: list[str]) -> list[tuple[datetime | None, Readings]]:
    """(station time, readings) of each meterValue element of a payload."""
    out = []
    for index, element in enumerate(p.get("meterValue", ())):
        when = station_time(element["timestamp"], f"meterValue[{index}].timestamp", env, problems)
        out.append((when, sampled_v201(element, index, problems)))
    return out


def _pick(readings: list[tuple[datetime | None, Readings]], context: str, last: bool) -> int | None:
    """The element whose energy reading has `context`, else the first (or last) one with an energy reading."""
    order = range(len(readings) - 1, -1, -1) if last else range(len(readings))
    with_energy = [i for i in order if readings[i][1][0] is not None]
    return next((i for i in with_energy if readings[i][1][4] == context), with_energy[0] if with_energy else None)


def _transaction_event(env: Envelope, frame: Frame, payload: str, problems: list[str]) -> list[ChargingEvent]:
    p = frame.payload
    info = p["transactionInfo"]
    when = station_time(p["timestamp"], "timestamp", env, problems)
    if not info["transactionId"]:
        problems.append("transactionInfo.transactionId is empty")
    if p["seqNo"] < 0:
        problems.append(f"seqNo: {p['seqNo']} is negative")
    evse = p.get("evse")
    if evse is not None:
        check_connector(evse["id"], "evse.id", 1, problems)
    token = p.get("idToken")
    readings = _readings(env, p, problems)
    event_type, status = p["eventType"], info.get("chargingState")

    def event(kind: EventKind, index: int, at: datetime | None, values: Readings, **extra: str | None) -> ChargingEvent:
        meter_wh, power_w, current_a, soc, context = values
        return make_event(
            env, frame, "TransactionEvent", kind, at, payload, index, evse["id"] if evse else None,
            info["transactionId"], (token["idToken"] or None) if token else None, meter_wh, power_w, current_a, soc,
            seq_no=p["seqNo"], trigger_reason=p["triggerReason"], reading_context=context,
            offline=p.get("offline", False), **extra,
        )  # fmt: skip

    if event_type == "Updated":
        events = [event(EventKind.METER_VALUES, i, at, values) for i, (at, values) in enumerate(readings)]
        if status is not None:
            events.append(event(EventKind.STATUS, len(events), when, _NO_READINGS, status=status))
        return events or [event(EventKind.OTHER, 0, when, _NO_READINGS)]
    ended = event_type == "Ended"
    picked = _pick(readings, TRANSACTION_END if ended else TRANSACTION_BEGIN, last=ended)
    others = [(at, values) for i, (at, values) in enumerate(readings) if i != picked]
    meters = [event(EventKind.METER_VALUES, i, at, values) for i, (at, values) in enumerate(others, 1)]
    main_values = _NO_READINGS if picked is None else readings[picked][1]
    if ended:
        stop = event(
            EventKind.TRANSACTION_STOPPED, 0, when, main_values, status=status, reason=info.get("stoppedReason")
        )
        return [*meters, stop]
    return [event(EventKind.TRANSACTION_STARTED, 0, when, main_values, status=status), *meters]


def _meter_values(env: Envelope, frame: Frame, payload: str, problems: list[str]) -> list[ChargingEvent]:
    evse_id = frame.payload["evseId"]
    check_connector(evse_id, "evseId", 0, problems)
    events = []
    for index, (at, values) in enumerate(_readings(env, frame.payload, problems)):
        meter_wh, power_w, current_a, soc, context = values
        events.append(
            make_event(
                env, frame, "MeterValues", EventKind.METER_VALUES, at, payload, index, evse_id, meter_wh=meter_wh,
                power_w=power_w, current_a=current_a, soc_percent=soc, reading_context=context,
            )
        )  # fmt: skip
    return events


def _status(env: Envelope, frame: Frame, payload: str, problems: list[str]) -> list[ChargingEvent]:
    p = frame.payload
    check_connector(p["evseId"], "evseId", 0, problems)
    check_connector(p["connectorId"], "connectorId", 0, problems)
    when = station_time(p["timestamp"], "timestamp", env, problems)
    status = p["connectorStatus"]
    return [
        make_event(
            env, frame, "StatusNotification", EventKind.STATUS, when, payload, connector_id=p["evseId"], status=status
        )
    ]


def _authorize(env: Envelope, frame: Frame, payload: str, problems: list[str]) -> list[ChargingEvent]:
    id_tag = frame.payload["idToken"]["idToken"] or None
    return [make_event(env, frame, "Authorize", EventKind.AUTHORIZE, None, payload, id_tag=id_tag)]


_CALLS = {
    "TransactionEvent": _transaction_event,
    "MeterValues": _meter_values,
    "StatusNotification": _status,
    "Authorize": _authorize,
    "BootNotification": plain(EventKind.BOOT, "BootNotification"),
    "Heartbeat": plain(EventKind.HEARTBEAT, "Heartbeat"),
}


def normalize_v201(env: Envelope, frame: Frame) -> list[ChargingEvent]:
    """The events of one schema-valid OCPP 2.0.1 frame; raises IngestError(IMPOSSIBLE_VALUE) naming every value."""
    return normalize_with(env, frame, _CALLS, _result)


def _result(env: Envelope, frame: Frame, payload: str) -> ChargingEvent:
    return make_event(env, frame, env.action, EventKind.OTHER, None, payload, status=result_status(frame.payload))
