"""ChargePointState as JSON for the compacted changelog topic: Decimals as strings, datetimes ISO 8601 with offset.

Version 2 holds transaction timelines. A version-1 snapshot (accumulators and finished periods, before issue 3)
is migrated on load (state_v1.py), so a worker upgraded in place keeps its open sessions; any other version
is refused with a ValueError naming it.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from pipelines.ingest.models import ChargingEvent, EventKind
from pipelines.sessions.state import (
    ChargePointState,
    PendingResult,
    PendingStart,
    Phase,
    Stop,
    Transaction,
    index_connectors,
)
from pipelines.sessions.state_v1 import migrate_v1
from pipelines.sessions.timeline import Entry

STATE_VERSION = 2
_EVENT_FIELDS = tuple(f.name for f in fields(ChargingEvent) if f.name not in ("tenant_id", "charge_point_id"))
_EVENT_TIMES = frozenset({"received_at", "station_time"})
_EVENT_DECIMALS = frozenset({"meter_wh", "power_w", "current_a", "soc_percent"})


def state_to_bytes(state: ChargePointState) -> bytes:
    data = {
        "v": STATE_VERSION,
        "tenant_id": state.tenant_id,
        "charge_point_id": state.charge_point_id,
        "pending_starts": {
            key: [p.connector_id, p.id_tag, p.started_at, p.meter_start_wh] for key, p in state.pending_starts.items()
        },
        "pending_results": {key: [r.transaction_id, r.id_tag_status] for key, r in state.pending_results.items()},
        "transactions": [_transaction_json(t) for t in state.transactions.values()],
        "connector_register": [[cid, at, wh] for cid, (at, wh) in state.connector_register.items()],
        "parked": [[arrival, [getattr(e, name) for name in _EVENT_FIELDS]] for arrival, e in state.parked],
        "forgotten": list(state.forgotten),
        "unsettled": list(state.unsettled),
    }
    return orjson.dumps(data, default=_encode_decimal)


def state_from_bytes(raw: bytes) -> ChargePointState:
    """Inverse of state_to_bytes; migrates version 1, raises ValueError for any other version."""
    data = orjson.loads(raw)
    version = data.get("v")
    if version == 1:
        return migrate_v1(data)
    if version != STATE_VERSION:
        raise ValueError(f"sessions state has version {version!r}; this code reads {STATE_VERSION} and migrates 1")
    tenant, cp = data["tenant_id"], data["charge_point_id"]
    state = ChargePointState(
        tenant_id=tenant,
        charge_point_id=cp,
        pending_starts={
            key: PendingStart(c, tag, _dt(at), _dec(wh)) for key, (c, tag, at, wh) in data["pending_starts"].items()
        },
        pending_results={key: PendingResult(tx, status) for key, (tx, status) in data["pending_results"].items()},
        transactions={t["id"]: _transaction_from_dict(t) for t in data["transactions"]},
        connector_register={cid: (_dt(at), Decimal(wh)) for cid, at, wh in data["connector_register"]},
        parked=[(_dt(arrival), _event_from_list(tenant, cp, values)) for arrival, values in data["parked"]],
        forgotten=dict.fromkeys(data["forgotten"]),
        unsettled=dict.fromkeys(data["unsettled"]),
    )
    index_connectors(state)
    return state


def _encode_decimal(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _opt_dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _transaction_json(t: Transaction) -> orjson.Fragment:
    """An open transaction serialized anew, a closed one from its cached JSON (see Transaction.json)."""
    if t.json is not None and t.phase is not Phase.OPEN:
        return orjson.Fragment(t.json)
    raw = orjson.dumps(_transaction_to_dict(t), default=_encode_decimal)
    if t.phase is not Phase.OPEN:
        t.json = raw
    return orjson.Fragment(raw)


def _transaction_to_dict(t: Transaction) -> dict[str, Any]:
    stop = t.stop
    return {
        "id": t.transaction_id,
        "connector": t.connector_id,
        "id_tag": t.id_tag,
        "id_tag_status": t.id_tag_status,
        "started_at": t.started_at,
        "begin_wh": t.begin_wh,
        "last_value_arrival": t.last_value_arrival,
        "entries": [  # Decimals turned into strings here, not by orjson's default hook: half the time
            [key[0], key[1], key[2], key[3], _str(wh), _str(w), _str(a), status, routed]
            for key, wh, w, a, status, routed in t.entries
        ],
        "stop": None if stop is None else [stop.at, stop.wh, stop.reason, stop.tag],
        "phase": t.phase.value,
        "closed_arrival": t.closed_arrival,
        "revision": t.revision,
        "fingerprint": t.fingerprint,
        "snapshot_at": t.snapshot_at,
        "changed": t.changed,
    }


def _transaction_from_dict(d: dict[str, Any]) -> Transaction:
    stop = d["stop"]
    return Transaction(
        transaction_id=d["id"],
        connector_id=d["connector"],
        id_tag=d["id_tag"],
        id_tag_status=d["id_tag_status"],
        started_at=_dt(d["started_at"]),
        begin_wh=_dec(d["begin_wh"]),
        last_value_arrival=_dt(d["last_value_arrival"]),
        entries=[_entry(e) for e in d["entries"]],
        stop=None if stop is None else Stop(_dt(stop[0]), _dec(stop[1]), stop[2], stop[3]),
        phase=Phase(d["phase"]),
        closed_arrival=_opt_dt(d["closed_arrival"]),
        revision=d["revision"],
        fingerprint=d["fingerprint"],
        snapshot_at=_opt_dt(d["snapshot_at"]),
        changed=d["changed"],
    )


def _entry(values: list[Any]) -> Entry:
    at, seq, rank, tag, wh, w, a, status, routed = values
    return ((_dt(at), seq, rank, tag), _dec(wh), _dec(w), _dec(a), status, routed)


def _event_from_list(tenant_id: str, charge_point_id: str, values: list[Any]) -> ChargingEvent:
    data: dict[str, Any] = dict(zip(_EVENT_FIELDS, values, strict=True))
    for name in _EVENT_TIMES:
        data[name] = _opt_dt(data[name])
    for name in _EVENT_DECIMALS:
        data[name] = _dec(data[name])
    data["kind"] = EventKind(data["kind"])
    return ChargingEvent(tenant_id=tenant_id, charge_point_id=charge_point_id, **data)
