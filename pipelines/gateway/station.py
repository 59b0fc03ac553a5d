"""The central system's side of one station: the `ocpp` package's ChargePoint, with every frame published.

`route_message` (frames in) and `_send` (frames out) are where the raw text passes, so both publish it exactly
as on the wire. A frame that is not valid OCPP-J, names an action stations do not send, comes from a station the
catalog does not know or fails its official schema gets the CALLERROR of its fault (frames.py) and the connection
goes on. Valid CALLs are answered from decisions.py: plain acknowledgements and fixed replies directly (the `ocpp`
package's case conversion of a MeterValues payload nobody reads here would cost more than the rest of the frame),
everything that reads the catalog, the clock or the transaction ids through the package's `@on` handlers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson
from ocpp import v16, v201
from ocpp.messages import Call, CallError, CallResult
from ocpp.routing import on
from ocpp.v16 import call_result as result16
from ocpp.v201 import call_result as result201

from pipelines.catalog.models import Charger, Token
from pipelines.gateway.catalog import GatewayCatalog
from pipelines.gateway.decisions import (
    ACKNOWLEDGED,
    FIXED_REPLIES,
    KNOWN_ACTIONS,
    Verdict,
    authorize,
    boot_decision,
    id_tag_info,
    id_token_info,
)
from pipelines.gateway.envelope import DOWNSTREAM, UPSTREAM, envelope, utc_text
from pipelines.gateway.frames import (
    OCPP16,
    OCPP201,
    UNKNOWN_ACTION,
    Fault,
    Inbound,
    call_error,
    call_result,
    read_frame,
)
from pipelines.gateway.publisher import FramePublisher
from pipelines.gateway.schemas import request_schemas
from pipelines.gateway.txids import TransactionIds
from pipelines.ingest.envelope import CALL, CALLERROR, CALLRESULT

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class GatewayContext:
    """What every connection shares."""

    catalog: GatewayCatalog
    publisher: FramePublisher
    transaction_ids: TransactionIds
    heartbeat_s: int
    clock: Callable[[], datetime] = field(default=utc_now)


class GatewayStation:
    """Mixin over ocpp's ChargePoint; the concrete classes add the version's `@on` handlers."""

    protocol: ClassVar[str]
    id: str
    _connection: Any
    _call_lock: Any
    _response_queue: Any
    _handle_call: Callable

    def __init__(self, charge_point_id: str, connection: Any, context: GatewayContext) -> None:
        super().__init__(charge_point_id, connection)  # type: ignore[call-arg]
        self.context = context
        self._key = charge_point_id.encode()
        self._schemas = request_schemas(self.protocol)
        self._answering: dict[str, str] = {}  # message id -> action of the station's CALL being answered
        self._calling: dict[str, str] = {}  # message id -> action of our own CALLs awaiting the station
        self._charger: Charger | None = None  # as looked up for the frame being handled

    @property
    def charger(self) -> Charger | None:
        return self.context.catalog.charger_by_id(self.id)

    async def route_message(self, raw: str | bytes) -> None:
        """One frame from the station: publish it, then answer it (responses to our CALLs are never answered)."""
        frame = read_frame(raw)
        self._charger = self.charger
        self._publish(UPSTREAM, self._upstream_action(frame), frame.message)
        if frame.kind in (CALLRESULT, CALLERROR):
            self._take_response(frame)
            return
        action, message_id = frame.action or UNKNOWN_ACTION, frame.message_id
        fault = self._fault(frame, self._charger is not None)
        if fault is not None:
            await self._reply(action, call_error(self.protocol, message_id, *fault))
        elif action in ACKNOWLEDGED[self.protocol]:
            await self._reply(action, call_result(message_id, {}))
        elif action in FIXED_REPLIES[self.protocol]:
            await self._reply(action, call_result(message_id, FIXED_REPLIES[self.protocol][action]))
        else:
            await self._handle(action, message_id, frame.payload)

    def _fault(self, frame: Inbound, known_station: bool) -> tuple[Fault, str] | None:
        if frame.fault is not None:
            return frame.fault, frame.detail
        action = str(frame.action)
        schema = self._schemas.get(action)
        if schema is None:
            if action in KNOWN_ACTIONS[self.protocol]:
                return Fault.CSMS_ACTION, f"{action} is sent by the central system, not by a station"
            return Fault.UNKNOWN_ACTION, f"{action[:60]!r} is not an {self.protocol} action"
        if not known_station and action != "BootNotification":
            return Fault.NOT_ACCEPTED, f"charge point {self.id[:60]!r} is not accepted: unknown to the catalog"
        return schema.problem(frame.payload)

    async def _handle(self, action: str, message_id: str, payload: dict | None) -> None:
        """Through the `ocpp` package's routing to an `@on` handler; its answer comes back through `_send`."""
        self._answering[message_id] = action
        try:
            await self._handle_call(Call(message_id, action, payload))
        except Exception as error:  # a defect answers this frame with InternalError, never ends the connection
            log.exception("%s: handling %s failed", self.id, action)
            self._answering.pop(message_id, None)
            await self._reply(action, call_error(self.protocol, message_id, Fault.INTERNAL, type(error).__name__))

    async def _reply(self, action: str, text: str) -> None:
        """Our own answer (JSON we built): sent, then published as sent."""
        await self._connection.send(text)
        self._publish(DOWNSTREAM, action, text.encode())

    async def _send(self, message: str) -> None:
        """Frames the `ocpp` package sends (handler answers, and CALLs should the gateway ever make them)."""
        frame = read_frame(message)
        if frame.kind == CALL:
            self._calling[frame.message_id] = action = str(frame.action)
        else:
            action = self._answering.pop(frame.message_id, UNKNOWN_ACTION)
        await self._connection.send(message)
        self._publish(DOWNSTREAM, action, frame.message)

    def _upstream_action(self, frame: Inbound) -> str:
        if frame.kind in (CALLRESULT, CALLERROR):
            return self._calling.get(frame.message_id, UNKNOWN_ACTION)
        return frame.action or UNKNOWN_ACTION

    def _take_response(self, frame: Inbound) -> None:
        """Results of our own CALLs go to the `ocpp` package's call(); stray ones are only published."""
        action = self._calling.pop(frame.message_id, None)
        if action is None or frame.fault is not None or not self._call_lock.locked():
            return
        if frame.kind == CALLRESULT:
            self._response_queue.put_nowait(CallResult(frame.message_id, frame.payload, action))
        else:
            _, message_id, code, description, details = orjson.loads(frame.message)
            self._response_queue.put_nowait(CallError(message_id, code, description, details))

    def _publish(self, direction: str, action: str, message: bytes) -> None:
        tenant = self._charger.tenant_id if self._charger is not None else None
        value = envelope(self.id, tenant, self.protocol, self.context.clock(), direction, action, message)
        self.context.publisher.publish(self._key, value)

    def _now_text(self) -> str:
        return utc_text(self.context.clock())

    def _token(self, uid: str, id_token_type: str | None = None) -> tuple[Verdict, Token | None]:
        """A token of the station's tenant and its standing now."""
        charger = self._charger
        catalog = self.context.catalog
        token = catalog.token_by_uid(charger.tenant_id, uid) if charger is not None else None
        blocked = charger is not None and catalog.blocklisted(charger.tenant_id, uid)
        return authorize(token, self.context.clock(), id_token_type, blocklisted=blocked), token


class Station16(GatewayStation, v16.ChargePoint):
    """An OCPP 1.6 station."""

    protocol = OCPP16

    @on("BootNotification", skip_schema_validation=True)
    def on_boot_notification(self, **_: Any) -> result16.BootNotification:
        decision = boot_decision(self._charger is not None, self.context.heartbeat_s)
        return result16.BootNotification(
            current_time=self._now_text(), interval=decision.interval, status=decision.status
        )

    @on("Heartbeat", skip_schema_validation=True)
    def on_heartbeat(self, **_: Any) -> result16.Heartbeat:
        return result16.Heartbeat(current_time=self._now_text())

    @on("Authorize", skip_schema_validation=True)
    def on_authorize(self, id_tag: str, **_: Any) -> result16.Authorize:
        return result16.Authorize(id_tag_info=id_tag_info(*self._token(id_tag)))

    @on("StartTransaction", skip_schema_validation=True)
    def on_start_transaction(self, id_tag: str, **_: Any) -> result16.StartTransaction:
        """Every start gets a fresh transactionId, also for a refused idTag: the station then stops the transaction."""
        info = id_tag_info(*self._token(id_tag))
        return result16.StartTransaction(transaction_id=self.context.transaction_ids.next(), id_tag_info=info)

    @on("StopTransaction", skip_schema_validation=True)
    def on_stop_transaction(self, id_tag: str | None = None, **_: Any) -> result16.StopTransaction:
        return result16.StopTransaction(id_tag_info=id_tag_info(*self._token(id_tag)) if id_tag else None)


class Station201(GatewayStation, v201.ChargePoint):
    """An OCPP 2.0.1 station."""

    protocol = OCPP201

    @on("BootNotification", skip_schema_validation=True)
    def on_boot_notification(self, **_: Any) -> result201.BootNotification:
        decision = boot_decision(self._charger is not None, self.context.heartbeat_s)
        return result201.BootNotification(
            current_time=self._now_text(), interval=decision.interval, status=decision.status
        )

    @on("Heartbeat", skip_schema_validation=True)
    def on_heartbeat(self, **_: Any) -> result201.Heartbeat:
        return result201.Heartbeat(current_time=self._now_text())

    @on("Authorize", skip_schema_validation=True)
    def on_authorize(self, id_token: dict, **_: Any) -> result201.Authorize:
        return result201.Authorize(id_token_info=self._id_token_info(id_token))

    @on("TransactionEvent", skip_schema_validation=True)
    def on_transaction_event(self, id_token: dict | None = None, **_: Any) -> result201.TransactionEvent:
        """Answers with idTokenInfo only when the event carries an idToken (then the station asks for it)."""
        return result201.TransactionEvent(id_token_info=self._id_token_info(id_token) if id_token else None)

    def _id_token_info(self, id_token: dict) -> dict:
        """IdTokenType (keys as the `ocpp` package hands them to handlers) to IdTokenInfoType."""
        return id_token_info(*self._token(id_token["id_token"], id_token["type"]))


STATION_CLASSES: dict[str, type[GatewayStation]] = {OCPP16: Station16, OCPP201: Station201}
