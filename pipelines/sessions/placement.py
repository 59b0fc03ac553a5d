"""Where an event belongs and how it lands on its transaction's timeline: by transaction id, else by connector and
station time; parked when its transaction is not known yet; dead-lettered when its session is past its window."""

from __future__ import annotations

from datetime import datetime

from pipelines.ingest.models import ChargingEvent
from pipelines.sessions.dead_letters import late_event
from pipelines.sessions.limits import Limits
from pipelines.sessions.state import ChargePointState, Phase, Transaction, unsettle
from pipelines.sessions.timeline import KEY, Entry, compact, insert


def event_time(event: ChargingEvent) -> datetime:
    """When it happened: the station's timestamp, else the gateway's receive time."""
    return event.station_time or event.received_at


def belongs(event: ChargingEvent, tx: Transaction) -> bool:
    if event.transaction_id is not None:
        return event.transaction_id == tx.transaction_id
    return event.connector_id == tx.connector_id and event_time(event) >= tx.started_at


def target(state: ChargePointState, event: ChargingEvent, now: datetime, limits: Limits) -> Transaction | list:
    """The transaction an event belongs to, or what to output instead (nothing when parked)."""
    transaction_id = event.transaction_id
    if transaction_id is not None:
        tx = state.transactions.get(transaction_id)
        if tx is None:
            if transaction_id in state.forgotten:
                return [late_event(event, transaction_id, limits)]
            park(state, event, now, limits)
            return []
    else:
        if not event.connector_id:
            return []  # connector 0 / EVSE 0: the station's main meter, no transaction
        tx = at_time(state, event.connector_id, event_time(event))
        if tx is None:
            park(state, event, now, limits)
            return []
    if past_window(tx, now, limits):
        return [late_event(event, tx.transaction_id, limits)]
    return tx


def at_time(state: ChargePointState, connector_id: int, at: datetime) -> Transaction | None:
    """The transaction of the connector whose start..stop holds `at` (open ones have no end)."""
    for transaction_id in reversed(state.by_connector.get(connector_id, ())):
        tx = state.transactions[transaction_id]
        if tx.started_at <= at:
            return None if tx.stop is not None and at > tx.stop.at else tx
    return None


def add(state: ChargePointState, tx: Transaction, entry: Entry, now: datetime, limits: Limits) -> bool:
    """Put an entry on the timeline; False when it falls outside the session or repeats one."""
    key = entry[KEY]
    at = key[0]
    if at < tx.started_at or (tx.stop is not None and at > tx.stop.at):
        return False
    entries = tx.entries
    if entries and not entries[-1][KEY] < key:
        if not insert(entries, entry):
            return False
    else:
        entries.append(entry)  # in order: the common case
    if tx.phase is Phase.OPEN:
        tx.changed = True
    else:
        touched(state, tx, now)
    if len(entries) > limits.max_entries:
        tx.entries = compact(entries, limits.max_entries)
    return True


def touched(state: ChargePointState, tx: Transaction, now: datetime) -> None:
    """A changed transaction: an open one waits for its next snapshot, a provisional one still the newest on its
    connector is alive after all (reopened), a closed one is settled (re-emitted if its result changed)."""
    if tx.phase is Phase.PROVISIONAL and state.by_connector[tx.connector_id][-1] == tx.transaction_id:
        tx.phase, tx.closed_arrival, tx.last_value_arrival, tx.json = Phase.OPEN, None, now, None
    if tx.phase is Phase.OPEN:
        tx.changed = True
    else:
        unsettle(state, tx)


def park(state: ChargePointState, event: ChargingEvent, now: datetime, limits: Limits) -> None:
    state.parked.append((now, event))
    if len(state.parked) > limits.max_parked:
        del state.parked[0]


def past_window(tx: Transaction, now: datetime, limits: Limits) -> bool:
    return tx.closed_arrival is not None and now - tx.closed_arrival > limits.late_window
