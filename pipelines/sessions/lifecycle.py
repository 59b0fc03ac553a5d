"""When sessions are emitted: settling changed ones, provisional closes, forgetting, running snapshots.

All take the arrival-time `now` as an argument (the hot path passes its wall clock); none reads a clock.
- `settle` builds every closed transaction changed since the last settle and emits it with revision + 1 when
  its result differs from what was last emitted (a repeat or an event that changes nothing emits nothing).
- `expire` closes provisionally what has had no meter value for Limits.provisional_timeout, settles, forgets
  sessions past the late-arrival window (their late events become LATE_EVENT dead letters) and parked events
  past Limits.park_timeout.
- `running_snapshots` gives open transactions that changed since their last snapshot, at most one per
  `interval`, as revision-0 estimated sessions for live cost (never billed).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal

from pipelines.sessions.build import build_session
from pipelines.sessions.limits import DEFAULT_LIMITS, Limits
from pipelines.sessions.models import LATE_CORRECTION, NO_ENERGY_READINGS, ClosedSession
from pipelines.sessions.state import ChargePointState, Phase, Transaction, close_provisionally


def settle(state: ChargePointState, limits: Limits = DEFAULT_LIMITS) -> list[ClosedSession]:
    """The new revisions of the closed transactions changed since the last settle."""
    if not state.unsettled:
        return []
    emitted = []
    for transaction_id in list(state.unsettled):
        tx = state.transactions.get(transaction_id)
        if tx is not None and tx.phase is not Phase.OPEN:
            session = _revise(state, tx, limits)
            if session is not None:
                emitted.append(session)
    state.unsettled.clear()
    _forget_surplus(state, limits)
    return emitted


def expire(state: ChargePointState, now: datetime, limits: Limits = DEFAULT_LIMITS) -> list[ClosedSession]:
    """Provisional closes and forgetting as of `now`; returns the sessions that emits."""
    for tx in state.transactions.values():
        if tx.phase is Phase.OPEN and now - tx.last_value_arrival >= limits.provisional_timeout:
            close_provisionally(state, tx, now)
    emitted = settle(state, limits)
    for tx in list(state.transactions.values()):
        if tx.closed_arrival is not None and now - tx.closed_arrival > limits.late_window:
            forget(state, tx, limits)
    if state.parked and now - state.parked[0][0] >= limits.park_timeout:
        state.parked = [(arrival, event) for arrival, event in state.parked if now - arrival < limits.park_timeout]
    return emitted


def running_snapshots(
    state: ChargePointState, now: datetime, interval: timedelta, limits: Limits = DEFAULT_LIMITS
) -> list[ClosedSession]:
    """Open transactions changed since their last snapshot, that snapshot at least `interval` old: revision 0,
    estimated, stopped_at = the last reading."""
    snapshots = []
    for tx in state.transactions.values():
        if tx.phase is Phase.OPEN and tx.changed and (tx.snapshot_at is None or now - tx.snapshot_at >= interval):
            snapshots.append(build_session(state.tenant_id, state.charge_point_id, tx, limits, _register(state, tx)))
            tx.changed, tx.snapshot_at = False, now
    return snapshots


def forget(state: ChargePointState, tx: Transaction, limits: Limits) -> None:
    """Drop a transaction for good; later events for it are dead-lettered as late."""
    transaction_id = tx.transaction_id
    del state.transactions[transaction_id]
    state.unsettled.pop(transaction_id, None)
    ids = state.by_connector[tx.connector_id]
    ids.remove(transaction_id)
    if not ids:
        del state.by_connector[tx.connector_id]
    state.forgotten[transaction_id] = None
    if len(state.forgotten) > limits.max_forgotten:
        del state.forgotten[next(iter(state.forgotten))]


def fingerprint(session: ClosedSession) -> str:
    """Identifies a result whatever its revision: what a revision could change, hashed (stable across processes)."""
    s = session
    parts: list[object] = [
        s.id_tag, s.id_tag_status, s.stop_reason, s.estimated, [a for a in s.anomalies if a != LATE_CORRECTION],
        s.connector_id, s.started_at.timestamp(), s.stopped_at.timestamp(), str(s.meter_start_wh),
        str(s.meter_stop_wh), str(s.energy_wh),
    ]  # fmt: skip
    for p in s.periods:
        parts += (p.start.timestamp(), p.end.timestamp(), p.kind.value, str(p.energy_wh), str(p.max_power_w),
                  str(p.max_current_a))  # fmt: skip
    return hashlib.blake2b(repr(parts).encode(), digest_size=8).hexdigest()


def _revise(state: ChargePointState, tx: Transaction, limits: Limits) -> ClosedSession | None:
    revision = tx.revision + 1
    session = build_session(
        state.tenant_id, state.charge_point_id, tx, limits, _register(state, tx),
        provisional=tx.phase is Phase.PROVISIONAL, revision=revision,
    )  # fmt: skip
    _remember_register(state, tx, session)
    mark = fingerprint(session)
    if mark == tx.fingerprint:
        return None
    tx.revision, tx.fingerprint, tx.json = revision, mark, None
    return session


def _register(state: ChargePointState, tx: Transaction) -> tuple[datetime, Decimal] | None:
    """The connector's last known register if it was read before the transaction started."""
    known = state.connector_register.get(tx.connector_id)
    return known if known is not None and known[0] <= tx.started_at else None


def _remember_register(state: ChargePointState, tx: Transaction, session: ClosedSession) -> None:
    if NO_ENERGY_READINGS in session.anomalies:
        return
    known = state.connector_register.get(tx.connector_id)
    if known is None or known[0] < session.stopped_at:
        state.connector_register[tx.connector_id] = (session.stopped_at, session.meter_stop_wh)


def _forget_surplus(state: ChargePointState, limits: Limits) -> None:
    """Keep at most Limits.max_closed_kept stopped sessions, the most recently closed ones."""
    stopped = [tx for tx in state.transactions.values() if tx.phase is Phase.STOPPED]
    if len(stopped) > limits.max_closed_kept:
        stopped.sort(key=lambda tx: (tx.closed_arrival, tx.started_at))
        for tx in stopped[: len(stopped) - limits.max_closed_kept]:
            forget(state, tx, limits)
