"""Migration of a version-1 sessions state (before issue 3) to the timeline form, so open sessions survive an upgrade.

Version 1 kept, per open transaction, its finished periods (start, end, kind, registers, maxima) and the current
period's accumulators, not the readings. Each becomes timeline entries that rebuild the same periods and
energy: per finished period a reading at its end with its end register and maxima, and a status at the next
period's start saying its kind (Charging or SuspendedEV); the current period's last register and maxima become a
reading at its last time, and its kind a status at its start (a power sample of 0 W when only low power made it
parking, so the next real power sample may end it as before). What version 1 never kept stays unknown: a late
status inside a finished period takes the nearest boundary register. The provisional timeout of a migrated
transaction runs from its last reading's station time (version 1 did not record arrival times); the tenant and
charge point ids, absent from version 1, are filled in by the caller from the changelog key. Connector statuses
are dropped (version 2 parks them per transaction) and recently closed ids become forgotten ones.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pipelines.sessions.models import PeriodKind
from pipelines.sessions.state import ChargePointState, PendingStart, Transaction, index_connectors
from pipelines.sessions.timeline import CHANGE, READING, Entry, event_tag

_ZERO_W = Decimal(0)


def migrate_v1(data: dict[str, Any]) -> ChargePointState:
    state = ChargePointState(
        pending_starts={
            key: PendingStart(p["connector_id"], p["id_tag"], _dt(p["started_at"]), Decimal(p["meter_start_wh"]))
            for key, p in data["pending_starts"].items()
        },
        transactions={t["transaction_id"]: _transaction(t) for t in data["open_transactions"]},
        forgotten=dict.fromkeys(data["recently_closed"]),
    )
    index_connectors(state)
    return state


def _transaction(d: dict[str, Any]) -> Transaction:
    tx_id = d["transaction_id"]
    entries: list[Entry] = []
    for index, (start, end, kind, _, end_wh, max_w, max_a) in enumerate(d["finished"]):
        if index:
            entries.append(_status(tx_id, index, _dt(start), PeriodKind(kind)))
        entries.append(((_dt(end), 0, READING, event_tag(f"v1/{tx_id}/{index}/end")), Decimal(end_wh),
                        _dec(max_w), _dec(max_a), None, False))  # fmt: skip
    current = len(d["finished"])
    period_start, kind = _dt(d["period_start"]), PeriodKind(d["period_kind"])
    if kind is PeriodKind.PARKING and d["low_power"] and not d["status_parking"]:  # ranked as a change: after readings
        entries.append(((period_start, 0, CHANGE, event_tag(f"v1/{tx_id}/low")), None, _ZERO_W, None, None, False))
    elif current or kind is PeriodKind.PARKING:
        entries.append(_status(tx_id, current, period_start, kind))
    last_at = _dt(d["last_at"])
    entries.append(((last_at, 0, READING, event_tag(f"v1/{tx_id}/last")), Decimal(d["last_wh"]),
                    _dec(d["max_power_w"]), _dec(d["max_current_a"]), None, False))  # fmt: skip
    entries.sort(key=lambda e: e[0])
    return Transaction(
        transaction_id=tx_id,
        connector_id=d["connector_id"],
        id_tag=d["id_tag"],
        id_tag_status=d["id_tag_status"],
        started_at=_dt(d["started_at"]),
        begin_wh=Decimal(d["meter_start_wh"]),
        last_value_arrival=max(last_at, period_start),
        entries=entries,
    )


def _status(tx_id: str, index: int, at: datetime, kind: PeriodKind) -> Entry:
    status = "Charging" if kind is PeriodKind.CHARGING else "SuspendedEV"
    return ((at, 0, CHANGE, event_tag(f"v1/{tx_id}/{index}/kind")), None, None, None, status, False)


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
