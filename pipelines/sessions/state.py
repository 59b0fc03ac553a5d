"""Per-charge-point sessionization state: the records `logic` and `lifecycle` update in place.

The state is mutable on purpose: `step` updates it in place on the hot path (a frozen copy per meter value
costs more than the rest of the step). The caller owns one state per charge point and must not share it
between threads or keep references to its parts across steps. Its JSON form is in state_json.py.

A transaction stays here while open, while provisionally closed and, once stopped, for the late-arrival window
(bounded by Limits.max_closed_kept); its timeline is bounded as timeline.py describes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pipelines.ingest.models import ChargingEvent
from pipelines.sessions.timeline import Entry


class Phase(StrEnum):
    OPEN = "open"
    PROVISIONAL = "provisional"  # closed without a stop: estimated, reopened by news of it, corrected by its stop
    STOPPED = "stopped"  # its stop arrived; late events may still correct it within the window


@dataclass(slots=True)
class PendingStart:
    """A 1.6 StartTransaction request awaiting the CALLRESULT that names its transaction id."""

    connector_id: int
    id_tag: str
    started_at: datetime
    meter_start_wh: Decimal | None


@dataclass(slots=True)
class PendingResult:
    """A 1.6 StartTransaction CALLRESULT that arrived before its request."""

    transaction_id: str
    id_tag_status: str | None


@dataclass(frozen=True, slots=True)
class Stop:
    """The stop event of a transaction (1.6 StopTransaction, 2.0.1 TransactionEvent Ended)."""

    at: datetime
    wh: Decimal | None
    reason: str | None
    tag: int  # crc32 of its event id: of two different stops the earliest (at, tag) wins, whatever the order


@dataclass(slots=True)
class Transaction:
    """One transaction: what started it, its timeline, its stop, and what was emitted for it."""

    transaction_id: str
    connector_id: int
    id_tag: str
    id_tag_status: str | None  # 1.6 idTagInfo status of the CALLRESULT; stations may charge anyway
    started_at: datetime
    begin_wh: Decimal | None  # the begin reading (meterStart, Transaction.Begin), checked before use
    last_value_arrival: datetime  # arrival of its last meter value (or its start): the provisional timeout runs here
    entries: list[Entry] = field(default_factory=list)
    stop: Stop | None = None
    phase: Phase = Phase.OPEN
    closed_arrival: datetime | None = None  # when it was (provisionally) closed: the late window runs from here
    revision: int = 0  # the last revision emitted
    fingerprint: str = ""  # of the last emitted result, so an event that changes nothing emits nothing
    snapshot_at: datetime | None = None  # the last running snapshot
    changed: bool = True  # since the last running snapshot
    # JSON of a closed transaction as last written (closed ones rarely change; written with every checkpoint of
    # their charge point). Cleared by `unsettle`, the one way a closed transaction changes.
    json: bytes | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True)
class ChargePointState:
    """Everything sessionization keeps for one charge point (key = tenant/charge point id)."""

    tenant_id: str = ""
    charge_point_id: str = ""
    pending_starts: dict[str, PendingStart] = field(default_factory=dict)  # by OCPP message id
    pending_results: dict[str, PendingResult] = field(default_factory=dict)  # by OCPP message id
    transactions: dict[str, Transaction] = field(default_factory=dict)  # by transaction id
    # last energy register seen per connector, (station time, Wh): a begin reading below it is suspect
    connector_register: dict[int, tuple[datetime, Decimal]] = field(default_factory=dict)
    parked: list[tuple[datetime, ChargingEvent]] = field(default_factory=list)  # (arrival, event), oldest first
    forgotten: dict[str, None] = field(default_factory=dict)  # ids past their window, insertion-ordered, bounded
    unsettled: dict[str, None] = field(default_factory=dict)  # closed transactions changed since the last settle
    # Derived index, rebuilt on load: the transactions of each connector, oldest start first.
    by_connector: dict[int, list[str]] = field(default_factory=dict)


def unsettle(state: ChargePointState, tx: Transaction) -> None:
    """Mark a closed transaction changed: `settle` rebuilds it (and its JSON is written anew)."""
    state.unsettled[tx.transaction_id] = None
    tx.json = None


def close_provisionally(state: ChargePointState, tx: Transaction, now: datetime) -> None:
    """Close without a stop: estimated, to be settled; a stop or news of it may still come."""
    tx.phase, tx.closed_arrival = Phase.PROVISIONAL, now
    unsettle(state, tx)


def new_state() -> ChargePointState:
    return ChargePointState()


def index_connectors(state: ChargePointState) -> None:
    """Rebuild `by_connector` from the transactions."""
    by_connector: dict[int, list[Transaction]] = {}
    for tx in state.transactions.values():
        by_connector.setdefault(tx.connector_id, []).append(tx)
    state.by_connector = {
        connector: [t.transaction_id for t in sorted(txs, key=_start_order)] for connector, txs in by_connector.items()
    }


def _start_order(tx: Transaction) -> tuple[datetime, str]:
    return tx.started_at, tx.transaction_id
