"""Records the ingest stage produces: normalized charging events and dead letters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class EventKind(StrEnum):
    """What a frame means to the stages after ingest."""

    TRANSACTION_START_REQUESTED = "transaction_start_requested"  # StartTransaction CALL
    TRANSACTION_START_CONFIRMED = "transaction_start_confirmed"  # its CALLRESULT with the transactionId
    METER_VALUES = "meter_values"  # one event per meterValue element (timestamped sample set)
    TRANSACTION_STARTED = "transaction_started"  # OCPP 2.0.1 TransactionEvent Started: the station named the id
    TRANSACTION_STOPPED = "transaction_stopped"
    STATUS = "status"
    AUTHORIZE = "authorize"
    BOOT = "boot"
    HEARTBEAT = "heartbeat"
    OTHER = "other"  # valid, kept in the warehouse, ignored by sessionization


@dataclass(frozen=True, slots=True)
class ChargingEvent:
    """One normalized, validated OCPP frame (or one meterValue element of a MeterValues frame)."""

    event_id: str  # stable: tenant/cp/direction/message type/message id#index, the dedup key
    tenant_id: str
    charge_point_id: str
    protocol: str
    direction: str
    message_type: int  # 2 CALL, 3 CALLRESULT, 4 CALLERROR
    message_id: str
    action: str
    kind: EventKind
    received_at: datetime  # gateway receive time, UTC
    station_time: datetime | None  # the payload's own timestamp, UTC, when it has one
    connector_id: int | None = None
    transaction_id: str | None = None
    id_tag: str | None = None
    meter_wh: Decimal | None = None  # Energy.Active.Import.Register, always in Wh
    power_w: Decimal | None = None
    current_a: Decimal | None = None
    soc_percent: Decimal | None = None
    status: str | None = None  # StatusNotification status, or idTagInfo status on results
    error_code: str | None = None
    reason: str | None = None  # StopTransaction reason, 2.0.1 stoppedReason, CALLERROR code
    seq_no: int | None = None  # OCPP 2.0.1 TransactionEvent seqNo
    trigger_reason: str | None = None  # OCPP 2.0.1 TransactionEvent triggerReason
    reading_context: str | None = None  # context of the energy reading: Transaction.Begin, Sample.Periodic, ...
    offline: bool = False  # OCPP 2.0.1 TransactionEvent offline flag: queued while the station was offline
    payload: str = ""  # the frame's payload as JSON text


class DeadLetterClass(StrEnum):
    """Why a frame could not be used; one value per class of bad input."""

    NOT_JSON = "not_json"
    TOO_LARGE = "too_large"
    BAD_ENVELOPE = "bad_envelope"
    UNKNOWN_PROTOCOL = "unknown_protocol"
    BAD_FRAME = "bad_frame"
    UNKNOWN_ACTION = "unknown_action"
    SCHEMA_VIOLATION = "schema_violation"
    IMPOSSIBLE_VALUE = "impossible_value"
    UNKNOWN_TRANSACTION = "unknown_transaction"
    LATE_EVENT = "late_event"  # for a session closed for good: past the late-arrival window
    NO_TARIFF = "no_tariff"  # the session's charger or tariff is not in the catalog


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A frame that was not used, kept byte for byte with the reason."""

    dead_letter_id: str  # hash of stage, source topic/partition/offset and bytes: a replay is the same row
    stage: str  # ingest | sessions
    error_class: DeadLetterClass
    reason: str  # readable, names the field and the rule
    original: bytes
    received_at: datetime  # envelope's received_at when readable, else the time it was read
    tenant_id: str | None = None
    charge_point_id: str | None = None
    source_topic: str = ""
    source_partition: int = -1
    source_offset: int = -1
