"""Valid OCPP 1.6 frames to ChargingEvents, rejecting values the schemas allow but no meter can produce.

- MeterValues: one METER_VALUES event per meterValue element (readings as in `sampled`), reading_context set.
- StartTransaction: TRANSACTION_START_REQUESTED with meterStart (context Transaction.Begin); its CALLRESULT,
  TRANSACTION_START_CONFIRMED with the transactionId the central system gave.
- StopTransaction: one METER_VALUES event per transactionData element (transaction id set, no connector: the
  request names none), then TRANSACTION_STOPPED with meterStop (context Transaction.End). The stop keeps index
  #0 and the readings take #1.., so a stop ingested before transactionData was read keeps its event id (and its
  dedup key); they come first in the list so sessions see the readings before the stop closes the session.
- StatusNotification: STATUS with status and errorCode (vendorErrorCode and info stay in the payload).
- Authorize, BootNotification, Heartbeat: AUTHORIZE, BOOT, HEARTBEAT; other CALLs, results and errors: OTHER.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import orjson

from pipelines.ingest.envelope import CALL, CALLERROR, CALLRESULT, Envelope, Frame, IngestError
from pipelines.ingest.events import (
    call_error_event,
    check_connector,
    check_meter,
    make_event,
    result_status,
    station_time,
)
from pipelines.ingest.models import ChargingEvent, DeadLetterClass, EventKind
from pipelines.ingest.sampled import sampled_v16

TRANSACTION_BEGIN = "Transaction.Begin"
TRANSACTION_END = "Transaction.End"


def _meter_values(env: Envelope, frame: Frame, payload: str, problems: list[str]) -> list[ChargingEvent]:
    p = frame.payload
    connector_id = p["connectorId"]
    check_connector(connector_id, "connectorId", 0, problems)
    transaction_id = str(p["transactionId"]) if "transactionId" in p else None
    events = []
    for index, element in enumerate(p["meterValue"]):
        when = station_time(element["timestamp"], f"meterValue[{index}].timestamp", env, problems)
        meter_wh, power_w, current_a, soc, context = sampled_v16(element, index, problems)
        events.append(
            make_event(
                env, frame, "MeterValues", EventKind.METER_VALUES, when, payload, index, connector_id,
                transaction_id, meter_wh=meter_wh, power_w=power_w, current_a=current_a, soc_percent=soc,
                reading_context=context,
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
            reading_context=TRANSACTION_BEGIN,
        )
    ]  # fmt: skip


def _stop(env: Envelope, frame: Frame, payload: str, problems: list[str]) -> list[ChargingEvent]:
    p = frame.payload
    check_meter(p["meterStop"], "meterStop", problems)
    when = station_time(p["timestamp"], "timestamp", env, problems)
    transaction_id = str(p["transactionId"])
    events = []
    for index, element in enumerate(p.get("transactionData", ())):
        at = station_time(element["timestamp"], f"transactionData[{index}].timestamp", env, problems)
        meter_wh, power_w, current_a, soc, context = sampled_v16(element, index, problems, "transactionData")
        events.append(
            make_event(
                env, frame, "StopTransaction", EventKind.METER_VALUES, at, payload, index + 1,
                transaction_id=transaction_id, meter_wh=meter_wh, power_w=power_w, current_a=current_a,
                soc_percent=soc, reading_context=context,
            )
        )  # fmt: skip
    stop = make_event(
        env, frame, "StopTransaction", EventKind.TRANSACTION_STOPPED, when, payload, transaction_id=transaction_id,
        id_tag=p.get("idTag"), meter_wh=Decimal(p["meterStop"]), reason=p.get("reason"),
        reading_context=TRANSACTION_END,
    )  # fmt: skip
    events.append(stop)
    return events


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


Normalizer = Callable[[Envelope, Frame, str, list[str]], list[ChargingEvent]]
ResultNormalizer = Callable[[Envelope, Frame, str], ChargingEvent]


def plain(kind: EventKind, action: str) -> Normalizer:
    """A normalizer of CALLs that carry nothing the later stages read (Heartbeat, BootNotification)."""

    def normalize_plain(env: Envelope, frame: Frame, payload: str, problems: list[str]) -> list[ChargingEvent]:
        return [make_event(env, frame, action, kind, None, payload)]

    return normalize_plain


_CALLS = {
    "MeterValues": _meter_values,
    "StartTransaction": _start,
    "StopTransaction": _stop,
    "StatusNotification": _status,
    "Authorize": _authorize,
    "BootNotification": plain(EventKind.BOOT, "BootNotification"),
    "Heartbeat": plain(EventKind.HEARTBEAT, "Heartbeat"),
}


def _result(env: Envelope, frame: Frame, payload: str) -> ChargingEvent:
    p = frame.payload
    status = result_status(p)
    if env.action == "StartTransaction":
        return make_event(
            env, frame, env.action, EventKind.TRANSACTION_START_CONFIRMED, None, payload,
            transaction_id=str(p["transactionId"]), status=status,
        )  # fmt: skip
    return make_event(env, frame, env.action, EventKind.OTHER, None, payload, status=status)


def normalize(env: Envelope, frame: Frame) -> list[ChargingEvent]:
    """The events of one schema-valid OCPP 1.6 frame; raises IngestError(IMPOSSIBLE_VALUE) naming every value."""
    return normalize_with(env, frame, _CALLS, _result)


def normalize_with(
    env: Envelope,
    frame: Frame,
    calls: Mapping[str, Normalizer],
    result: Callable[[Envelope, Frame, str], ChargingEvent],
) -> list[ChargingEvent]:
    """One protocol's dispatch: CALLERRORs as they are, CALLRESULTs by `result`, CALLs by `calls` (else OTHER)."""
    if frame.message_type == CALLERROR:
        return [call_error_event(env, frame)]
    payload = orjson.dumps(frame.payload).decode()
    if frame.message_type == CALLRESULT:
        return [result(env, frame, payload)]
    assert frame.message_type == CALL
    normalizer = calls.get(env.action)
    if normalizer is None:
        return [make_event(env, frame, env.action, EventKind.OTHER, None, payload)]
    problems: list[str] = []
    events = normalizer(env, frame, payload, problems)
    if problems:
        raise IngestError(DeadLetterClass.IMPOSSIBLE_VALUE, "; ".join(problems))
    return events
