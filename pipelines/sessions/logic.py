"""The sessionization step: OCPP 1.6 charging events in, closed sessions (or dead letters) out.

`step` updates the caller's ChargePointState in place and returns it (see state.py): the caller owns
the state. Events are expected deduplicated (ingest does that) and in time order; an exact duplicate
is harmless. Not built yet (issue 3): out-of-order events, provisional closes of transactions that never
stop, meter resets, OCPP 2.0.1. Events that cannot be placed yet go through `_unplaced`, the one spot
where a later issue can park them instead of ignoring them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from pipelines.ingest.models import ChargingEvent, DeadLetter, DeadLetterClass, EventKind
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind
from pipelines.sessions.state import (
    ChargePointState,
    ConnectorStatus,
    FinishedPeriod,
    OpenTransaction,
    PendingStart,
)

PARKING_POWER_W = Decimal(50)
"""Below this active power (W) a transaction in a Charging state counts as parking: the car is full or
idle but the station still reports Charging. 50 W is above the standby draw of the on-board chargers we
know of and far below the smallest real charging current (6 A at 230 V is about 1.4 kW)."""

CHARGING_STATUSES = frozenset({"Charging"})
PARKING_STATUSES = frozenset({"SuspendedEV", "SuspendedEVSE", "Finishing"})
MAX_PENDING_STARTS = 32  # StartTransaction requests whose answer never came are dropped oldest first
MAX_RECENTLY_CLOSED = 16  # stop frames for these are duplicates, not unknown transactions

Output = ClosedSession | DeadLetter
_ZERO = Decimal(0)


def step(state: ChargePointState, event: ChargingEvent) -> tuple[ChargePointState, list[Output]]:
    """Apply one event to the charge point's state (in place) and return it with what it produced."""
    handler = _HANDLERS.get(event.kind)
    if handler is None:
        if event.message_type == 4:
            state.pending_starts.pop(event.message_id, None)  # a CALLERROR answers no StartTransaction
        return state, []
    return state, handler(state, event)


def event_time(event: ChargingEvent) -> datetime:
    """When it happened: the station's timestamp, else the gateway's receive time."""
    return event.station_time or event.received_at


def _on_start_requested(state: ChargePointState, event: ChargingEvent) -> list[Output]:
    if event.connector_id is None:
        return []
    pending = state.pending_starts
    pending[event.message_id] = PendingStart(
        event.connector_id, event.id_tag or "", event_time(event), event.meter_wh or Decimal(0)
    )
    if len(pending) > MAX_PENDING_STARTS:
        del pending[next(iter(pending))]
    return []


def _on_start_confirmed(state: ChargePointState, event: ChargingEvent) -> list[Output]:
    transaction_id = event.transaction_id
    if transaction_id is None or transaction_id in state.open_transactions:
        return []  # no id to open, or a duplicate answer
    request = state.pending_starts.pop(event.message_id, None)
    if request is None:
        return _unplaced(state, event, f"StartTransaction result for transaction {transaction_id} has no request")
    tx = OpenTransaction(
        transaction_id=transaction_id,
        connector_id=request.connector_id,
        id_tag=request.id_tag,
        id_tag_status=event.status,
        started_at=request.started_at,
        meter_start_wh=request.meter_start_wh,
        period_kind=PeriodKind.CHARGING,
        period_start=request.started_at,
        period_start_wh=request.meter_start_wh,
        last_wh=request.meter_start_wh,
        last_at=request.started_at,
    )
    state.open_transactions[transaction_id] = tx
    state.by_connector[tx.connector_id] = transaction_id
    known = state.connector_status.get(tx.connector_id)
    if known is not None and known.at >= tx.started_at:
        _apply_status(tx, known.status, known.at)  # the station reported it before we had the id
    return []


def _on_meter_values(state: ChargePointState, event: ChargingEvent) -> list[Output]:
    tx = _transaction_of(state, event)
    if tx is None:
        return _unplaced(state, event, "meter values for no open transaction")
    at = event.station_time or event.received_at
    if at < tx.last_at:
        return []  # older than what we have: out of order, issue 3
    wh = event.meter_wh
    if wh is not None:
        if tx.unsettled:
            _settle_boundaries(tx, at, wh)
        tx.last_wh = wh
        tx.last_at = at
    power = event.power_w
    if power is not None:
        low = power < PARKING_POWER_W
        if low is not tx.low_power:
            tx.low_power = low
            _reconsider_kind(tx, at)
        if tx.max_power_w is None or power > tx.max_power_w:
            tx.max_power_w = power
    current = event.current_a
    if current is not None and (tx.max_current_a is None or current > tx.max_current_a):
        tx.max_current_a = current
    return []


def _on_status(state: ChargePointState, event: ChargingEvent) -> list[Output]:
    connector_id, status = event.connector_id, event.status
    if connector_id is None or status is None:
        return []
    at = event_time(event)
    state.connector_status[connector_id] = ConnectorStatus(status, at)
    transaction_id = state.by_connector.get(connector_id)
    if transaction_id is not None:
        _apply_status(state.open_transactions[transaction_id], status, at)
    return []


def _on_stopped(state: ChargePointState, event: ChargingEvent) -> list[Output]:
    transaction_id = event.transaction_id
    tx = state.open_transactions.pop(transaction_id, None) if transaction_id is not None else None
    if tx is None:
        if transaction_id in state.recently_closed:
            return []  # a duplicate stop
        return [_unknown_transaction(event, f"StopTransaction for unknown transaction {transaction_id!r}")]
    if state.by_connector.get(tx.connector_id) == tx.transaction_id:
        del state.by_connector[tx.connector_id]
    _remember_closed(state, tx.transaction_id)
    return [_close(tx, event)]


def _transaction_of(state: ChargePointState, event: ChargingEvent) -> OpenTransaction | None:
    transaction_id = event.transaction_id
    if transaction_id is None:
        if event.connector_id is None:
            return None
        transaction_id = state.by_connector.get(event.connector_id)
        if transaction_id is None:
            return None
    return state.open_transactions.get(transaction_id)


def _apply_status(tx: OpenTransaction, status: str, at: datetime) -> None:
    if status in CHARGING_STATUSES:
        tx.status_parking = False
        tx.low_power = False  # the station says it charges again; the next power sample may disagree
    elif status in PARKING_STATUSES:
        tx.status_parking = True
    else:
        return  # Available, Faulted, ...: no statement about charging vs parking
    _reconsider_kind(tx, at)


def _reconsider_kind(tx: OpenTransaction, at: datetime) -> None:
    kind = PeriodKind.PARKING if tx.status_parking or tx.low_power else PeriodKind.CHARGING
    if kind is tx.period_kind:
        return
    if at <= tx.period_start:
        _relabel(tx, kind)
    else:
        _split(tx, at, kind)


def _split(tx: OpenTransaction, at: datetime, kind: PeriodKind) -> None:
    """End the current period at `at` (register: the last reading) and start one of `kind`."""
    tx.finished.append(_current_period(tx, at, tx.last_wh))
    tx.period_kind, tx.period_start, tx.period_start_wh = kind, at, tx.last_wh
    tx.max_power_w = tx.max_current_a = None
    if tx.last_at < at:
        tx.unsettled += 1  # a later reading may be closer to this boundary


def _current_period(tx: OpenTransaction, end: datetime, end_wh: Decimal) -> FinishedPeriod:
    kind, start, start_wh = tx.period_kind, tx.period_start, tx.period_start_wh
    return FinishedPeriod(start, end, kind, start_wh, end_wh, tx.max_power_w, tx.max_current_a)


def _relabel(tx: OpenTransaction, kind: PeriodKind) -> None:
    """Change the kind of a period that has no duration yet; merge it into its predecessor if alike."""
    if not tx.finished or tx.finished[-1].kind is not kind:
        tx.period_kind = kind
        return
    previous = tx.finished.pop()
    tx.period_kind, tx.period_start, tx.period_start_wh = kind, previous.start, previous.start_wh
    tx.max_power_w = _max(previous.max_power_w, tx.max_power_w)
    tx.max_current_a = _max(previous.max_current_a, tx.max_current_a)
    tx.unsettled = max(0, tx.unsettled - 1)


def _settle_boundaries(tx: OpenTransaction, at: datetime, wh: Decimal) -> None:
    """Move each unsettled boundary's register to this reading when it is closer than the previous one."""
    finished = tx.finished
    still_ahead = 0
    for index in range(len(finished) - tx.unsettled, len(finished)):
        period = finished[index]
        if abs(at - period.end) < period.end - tx.last_at:
            period.end_wh = wh
            if index + 1 < len(finished):
                finished[index + 1].start_wh = wh
            else:
                tx.period_start_wh = wh
        if period.end > at:
            still_ahead += 1  # a later reading may be closer still
    tx.unsettled = still_ahead


def split_energy(
    meter_start_wh: Decimal, meter_stop_wh: Decimal, deltas: list[tuple[PeriodKind, Decimal]]
) -> tuple[Decimal, list[Decimal]]:
    """The session's energy and each period's share, summing to it exactly, none negative.

    energy = meter stop - meter start. When the meter ran backwards in between, the negative period
    deltas count as zero and the excess comes off the last charging periods first. When meter stop is
    below meter start (a reset or a swapped meter), energy is the sum of the positive period deltas
    instead; issue 3 handles resets properly.
    """
    energies = [delta if delta > 0 else _ZERO for _, delta in deltas]
    counted = sum(energies, _ZERO)
    total = meter_stop_wh - meter_start_wh
    if total < 0:
        return counted, energies
    remainder = total - counted
    if remainder:
        _spread_remainder(energies, [kind for kind, _ in deltas], remainder)
    return total, energies


def _spread_remainder(energies: list[Decimal], kinds: list[PeriodKind], remainder: Decimal) -> None:
    """Add a positive remainder to the last charging period; take a negative one from the last ones."""
    charging = [i for i, kind in enumerate(kinds) if kind is PeriodKind.CHARGING]
    order = [*reversed(charging), *(i for i in reversed(range(len(kinds))) if i not in charging)]
    if remainder > 0:
        energies[order[0]] += remainder
        return
    for index in order:
        taken = min(energies[index], -remainder)
        energies[index] -= taken
        remainder += taken
        if not remainder:
            return


def _close(tx: OpenTransaction, event: ChargingEvent) -> ClosedSession:
    stopped_at = max(event_time(event), tx.period_start)  # a clock jumping back never reorders periods
    meter_stop = event.meter_wh if event.meter_wh is not None else tx.last_wh
    if tx.unsettled:
        _settle_boundaries(tx, stopped_at, meter_stop)
    bounds = [*tx.finished, _current_period(tx, stopped_at, meter_stop)]
    energy_wh, energies = split_energy(tx.meter_start_wh, meter_stop, [(p.kind, p.end_wh - p.start_wh) for p in bounds])
    periods = tuple(
        ChargingPeriod(p.start, p.end, p.kind, energy, p.max_power_w, p.max_current_a)
        for p, energy in zip(bounds, energies, strict=True)
    )
    return ClosedSession(
        session_id=f"{event.tenant_id}/{event.charge_point_id}/{tx.transaction_id}",
        tenant_id=event.tenant_id,
        charge_point_id=event.charge_point_id,
        connector_id=tx.connector_id,
        transaction_id=tx.transaction_id,
        id_tag=tx.id_tag,
        started_at=tx.started_at,
        stopped_at=stopped_at,
        meter_start_wh=tx.meter_start_wh,
        meter_stop_wh=meter_stop,
        energy_wh=energy_wh,
        stop_reason=event.reason,
        periods=periods,
    )


def _remember_closed(state: ChargePointState, transaction_id: str) -> None:
    closed = state.recently_closed
    closed[transaction_id] = None
    if len(closed) > MAX_RECENTLY_CLOSED:
        del closed[next(iter(closed))]


def _unplaced(state: ChargePointState, event: ChargingEvent, why: str) -> list[Output]:
    """An event that belongs to no known transaction yet.

    Ignored for now (the event itself is kept in charging.events); issue 3 parks these until their
    transaction shows up.
    """
    return []


def _unknown_transaction(event: ChargingEvent, reason: str) -> DeadLetter:
    original = event.payload.encode()
    digest = hashlib.blake2b(b"sessions|" + event.event_id.encode() + b"|" + original, digest_size=16)
    return DeadLetter(
        dead_letter_id=digest.hexdigest(),
        stage="sessions",
        error_class=DeadLetterClass.UNKNOWN_TRANSACTION,
        reason=reason,
        original=original,
        received_at=event.received_at,
        tenant_id=event.tenant_id,
        charge_point_id=event.charge_point_id,
    )


def _max(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


_HANDLERS: dict[EventKind, Callable[[ChargePointState, ChargingEvent], list[Output]]] = {
    EventKind.TRANSACTION_START_REQUESTED: _on_start_requested,
    EventKind.TRANSACTION_START_CONFIRMED: _on_start_confirmed,
    EventKind.METER_VALUES: _on_meter_values,
    EventKind.STATUS: _on_status,
    EventKind.TRANSACTION_STOPPED: _on_stopped,
}
