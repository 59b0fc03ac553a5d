"""The sessionization step: OCPP 1.6 and 2.0.1 charging events into per-transaction timelines.

`step(state, event, now)` updates the caller's ChargePointState in place and returns dead letters at once;
sessions are emitted by `lifecycle.settle` (after a batch of steps, so a batch that stops a session and brings
late events for it emits one revision), and by `lifecycle.expire` (provisional closes). `now` is the arrival
time (the hot path passes the batch's wall-clock read time); windows are measured in it, placement in station
time (2.0.1 seqNo breaking ties), so any arrival order of the same events builds the same sessions.

Where an event goes: by transaction id when it has one, else (1.6 MeterValues and StatusNotification) to the
transaction on its connector whose start..stop holds its station time. An event whose transaction is not known
yet is parked (bounded) until it shows up: a 1.6 StartTransaction.conf may follow the first MeterValues, and
reordered frames may bring a stop before its start (that stop is also dead-lettered as UNKNOWN_TRANSACTION at
once, so a stop that never finds its start is on record). A new transaction on a connector provisionally
closes the older ones without a stop. An event for a session closed longer than the late-arrival window ago
is dead-lettered as LATE_EVENT.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zlib import crc32

from pipelines.ingest.models import ChargingEvent, DeadLetter, EventKind
from pipelines.sessions.dead_letters import late_event, unknown_transaction
from pipelines.sessions.limits import DEFAULT_LIMITS, Limits
from pipelines.sessions.placement import add, belongs, event_time, park, past_window, target, touched
from pipelines.sessions.state import (
    ChargePointState,
    PendingResult,
    PendingStart,
    Phase,
    Stop,
    Transaction,
    close_provisionally,
    unsettle,
)
from pipelines.sessions.timeline import (
    BEGIN,
    CHANGE,
    KEY,
    READING,
    ROUTED,
    compact,
    event_tag,
    insert,
    is_change,
)

_METER_VALUES = EventKind.METER_VALUES
TRANSACTION_BEGIN = "Transaction.Begin"
_Handler = Callable[[ChargePointState, ChargingEvent, datetime, Limits], list[DeadLetter]]


def step(
    state: ChargePointState, event: ChargingEvent, now: datetime | None = None, limits: Limits = DEFAULT_LIMITS
) -> tuple[ChargePointState, list[DeadLetter]]:
    """Apply one event to the charge point's state (in place); `now` defaults to the gateway's receive time."""
    if not state.charge_point_id:
        state.tenant_id, state.charge_point_id = event.tenant_id, event.charge_point_id
    kind = event.kind
    if kind is _METER_VALUES:
        return state, _on_meter_values(state, event, now or event.received_at, limits)
    handler = _HANDLERS.get(kind)
    if handler is None:
        if event.message_type == 4:
            state.pending_starts.pop(event.message_id, None)  # a CALLERROR answers no StartTransaction
        elif event.transaction_id is not None and event.id_tag:
            _late_id_tag(state, event, now or event.received_at)
        return state, []
    return state, handler(state, event, now or event.received_at, limits)


def _on_start_requested(state: ChargePointState, event: ChargingEvent, now: datetime, limits: Limits) -> list:
    if event.connector_id is None:
        return []
    request = PendingStart(event.connector_id, event.id_tag or "", event_time(event), event.meter_wh)
    result = state.pending_results.pop(event.message_id, None)
    if result is not None:
        return _open_requested(state, request, result.transaction_id, result.id_tag_status, now, limits)
    _bounded_put(state.pending_starts, event.message_id, request, limits.max_pending_starts)
    return []


def _on_start_confirmed(state: ChargePointState, event: ChargingEvent, now: datetime, limits: Limits) -> list:
    transaction_id = event.transaction_id
    if transaction_id is None or transaction_id in state.transactions:
        return []  # no id to open, or a repeated answer
    if transaction_id in state.forgotten:
        return [late_event(event, transaction_id, limits)]
    request = state.pending_starts.pop(event.message_id, None)
    if request is None:  # the answer came first: wait for the request
        result = PendingResult(transaction_id, event.status)
        _bounded_put(state.pending_results, event.message_id, result, limits.max_pending_starts)
        return []
    return _open_requested(state, request, transaction_id, event.status, now, limits)


def _open_requested(
    state: ChargePointState,
    request: PendingStart,
    transaction_id: str,
    id_tag_status: str | None,
    now: datetime,
    limits: Limits,
) -> list[DeadLetter]:
    tx = Transaction(
        transaction_id, request.connector_id, request.id_tag, id_tag_status, request.started_at,
        request.meter_start_wh, now,
    )  # fmt: skip
    return _open(state, tx, now, limits)


def _on_started(state: ChargePointState, event: ChargingEvent, now: datetime, limits: Limits) -> list:
    """OCPP 2.0.1 TransactionEvent Started: the station names the transaction; its readings and chargingState
    are the session's first entries."""
    transaction_id = event.transaction_id
    if transaction_id is None or transaction_id in state.transactions:
        return []
    if transaction_id in state.forgotten:
        return [late_event(event, transaction_id, limits)]
    at = event_time(event)
    tx = Transaction(transaction_id, event.connector_id or 0, event.id_tag or "", None, at, event.meter_wh, now)
    key = (at, event.seq_no or 0, READING, event_tag(event.event_id))
    if event.power_w is not None or event.current_a is not None:
        tx.entries.append((key, None, event.power_w, event.current_a, None, False))
    if event.status is not None and is_change(event.status):
        tx.entries.append(((at, key[1], CHANGE, key[3]), None, None, None, event.status, False))
    return _open(state, tx, now, limits)


def _open(state: ChargePointState, tx: Transaction, now: datetime, limits: Limits) -> list[DeadLetter]:
    """Register a new transaction: older ones on its connector lose their open end (and their entries from its
    start on that were placed by time), then parked events that belong to it are placed."""
    state.transactions[tx.transaction_id] = tx
    ids = state.by_connector.setdefault(tx.connector_id, [])
    order = (tx.started_at, tx.transaction_id)
    position = next((i for i, other in enumerate(ids) if _order(state, other) > order), len(ids))
    ids.insert(position, tx.transaction_id)
    for older_id in ids[:position]:
        older = state.transactions[older_id]
        _claim_routed(state, older, tx, now)
        if older.phase is Phase.OPEN:
            close_provisionally(state, older, now)
    dead = _place_parked(state, tx, now, limits)
    if position < len(ids) - 1 and tx.phase is Phase.OPEN:
        close_provisionally(state, tx, now)  # a newer transaction already runs on the connector
    return dead


def _order(state: ChargePointState, transaction_id: str) -> tuple[datetime, str]:
    return state.transactions[transaction_id].started_at, transaction_id


def _claim_routed(state: ChargePointState, older: Transaction, newer: Transaction, now: datetime) -> None:
    """Entries placed in `older` by connector and time that fall in `newer`'s time move over."""
    if not older.entries or older.entries[-1][KEY][0] < newer.started_at:
        return  # the common case: the older one ended before (its timeline is in time order)
    moved = [e for e in older.entries if e[ROUTED] and e[KEY][0] >= newer.started_at]
    if not moved:
        return
    older.entries = [e for e in older.entries if not (e[ROUTED] and e[KEY][0] >= newer.started_at)]
    for entry in moved:
        insert(newer.entries, entry)
    touched(state, older, now)


def _place_parked(state: ChargePointState, tx: Transaction, now: datetime, limits: Limits) -> list[DeadLetter]:
    mine = [event for _, event in state.parked if belongs(event, tx)]
    if not mine:
        return []
    placed = {id(event) for event in mine}
    state.parked = [(arrival, event) for arrival, event in state.parked if id(event) not in placed]
    dead: list[DeadLetter] = []
    for event in mine:
        dead += _HANDLERS[event.kind](state, event, now, limits)
    return dead


def _on_meter_values(state: ChargePointState, event: ChargingEvent, now: datetime, limits: Limits) -> list:
    wh, power, current = event.meter_wh, event.power_w, event.current_a
    if wh is None and power is None and current is None:
        return []  # nothing sessions use (SoC only)
    transaction_id = event.transaction_id
    tx = state.transactions.get(transaction_id) if transaction_id is not None else None
    rank = BEGIN if event.reading_context == TRANSACTION_BEGIN else READING
    key = (event.station_time or event.received_at, event.seq_no or 0, rank, crc32(event.event_id.encode()))
    if tx is not None and tx.closed_arrival is None:  # open, named by id: the hot path, inlined
        entries = tx.entries
        if key[0] >= tx.started_at and (not entries or entries[-1][KEY] < key):
            entries.append((key, wh, power, current, None, False))
            tx.changed = True
            tx.last_value_arrival = now
            if len(entries) > limits.max_entries:
                tx.entries = compact(entries, limits.max_entries)
            return []
    else:
        found = target(state, event, now, limits)
        if not isinstance(found, Transaction):
            return found
        tx = found
    if add(state, tx, (key, wh, power, current, None, transaction_id is None), now, limits):
        tx.last_value_arrival = now
    return []


def _on_status(state: ChargePointState, event: ChargingEvent, now: datetime, limits: Limits) -> list:
    status = event.status
    if status is None or not is_change(status):
        return []  # Available, Preparing, Faulted, ...: nothing about charging vs parking
    found = target(state, event, now, limits)
    if not isinstance(found, Transaction):
        return found
    key = (event_time(event), event.seq_no or 0, CHANGE, event_tag(event.event_id))
    add(state, found, (key, None, None, None, status, event.transaction_id is None), now, limits)
    return []


def _on_stopped(state: ChargePointState, event: ChargingEvent, now: datetime, limits: Limits) -> list:
    transaction_id = event.transaction_id
    if transaction_id is None:
        return []
    tx = state.transactions.get(transaction_id)
    if tx is None:
        if transaction_id in state.forgotten:
            return [late_event(event, transaction_id, limits)]
        park(state, event, now, limits)
        return [unknown_transaction(event, f"{event.action} for unknown transaction {transaction_id!r}")]
    if past_window(tx, now, limits):
        return [late_event(event, transaction_id, limits)]
    stop = Stop(event_time(event), event.meter_wh, event.reason, event_tag(event.event_id))
    if tx.stop is not None and (stop.at, stop.tag) >= (tx.stop.at, tx.stop.tag):
        return []  # the same stop again (or a second, later one: the earliest stop wins in any order)
    tx.stop, tx.phase, tx.closed_arrival = stop, Phase.STOPPED, now
    unsettle(state, tx)
    tx.entries = compact(tx.entries, limits.max_entries_closed)
    return []


def _late_id_tag(state: ChargePointState, event: ChargingEvent, now: datetime) -> None:
    """2.0.1: an idToken sent after the start (triggerReason Authorized) names the driver of an anonymous start."""
    tx = state.transactions.get(event.transaction_id or "")
    if tx is not None and not tx.id_tag and event.id_tag:
        tx.id_tag = event.id_tag
        touched(state, tx, now)


def _bounded_put(mapping: dict, key: str, value: object, limit: int) -> None:
    mapping[key] = value
    if len(mapping) > limit:
        del mapping[next(iter(mapping))]


_HANDLERS: dict[EventKind, _Handler] = {
    EventKind.TRANSACTION_START_REQUESTED: _on_start_requested,
    EventKind.TRANSACTION_START_CONFIRMED: _on_start_confirmed,
    EventKind.TRANSACTION_STARTED: _on_started,
    EventKind.METER_VALUES: _on_meter_values,
    EventKind.STATUS: _on_status,
    EventKind.TRANSACTION_STOPPED: _on_stopped,
}
