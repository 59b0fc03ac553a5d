"""Per-charge-point sessionization state and its JSON form for the compacted changelog topic.

The state is mutable on purpose: `logic.step` updates it in place on the hot path (a frozen copy per
meter value costs more than the rest of the step). The caller owns one state per charge point and must
not share it between threads or keep references to its parts across steps.

Everything is bounded per open transaction: accumulators (last register, maxima) plus one record per
finished period, never a list of samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from pipelines.sessions.models import PeriodKind

STATE_VERSION = 1


@dataclass(slots=True)
class PendingStart:
    """A StartTransaction request awaiting the CALLRESULT that names its transaction id."""

    connector_id: int
    id_tag: str
    started_at: datetime
    meter_start_wh: Decimal


@dataclass(slots=True)
class FinishedPeriod:
    """A closed period of an open transaction; its end register may still move to a closer reading."""

    start: datetime
    end: datetime
    kind: PeriodKind
    start_wh: Decimal
    end_wh: Decimal
    max_power_w: Decimal | None
    max_current_a: Decimal | None


@dataclass(slots=True)
class OpenTransaction:
    """One running transaction: where it started, the current period and the finished ones."""

    transaction_id: str
    connector_id: int
    id_tag: str
    id_tag_status: str | None  # idTagInfo status of the CALLRESULT; 1.6 stations may charge anyway
    started_at: datetime
    meter_start_wh: Decimal
    period_kind: PeriodKind
    period_start: datetime
    period_start_wh: Decimal  # energy register at the current period's start
    last_wh: Decimal  # last register reading (meter start until the first sample)
    last_at: datetime
    max_power_w: Decimal | None = None  # maxima of the current period
    max_current_a: Decimal | None = None
    status_parking: bool = False  # the connector status says connected but not charging
    low_power: bool = False  # the last power sample was below the parking threshold
    unsettled: int = 0  # trailing finished periods whose boundary came after the last reading
    finished: list[FinishedPeriod] = field(default_factory=list)


@dataclass(slots=True)
class ConnectorStatus:
    """The last StatusNotification of a connector and when it happened."""

    status: str
    at: datetime


@dataclass(slots=True)
class ChargePointState:
    """Everything sessionization keeps for one charge point (key = tenant/charge point id)."""

    pending_starts: dict[str, PendingStart] = field(default_factory=dict)  # by OCPP message id
    open_transactions: dict[str, OpenTransaction] = field(default_factory=dict)  # by transaction id
    connector_status: dict[int, ConnectorStatus] = field(default_factory=dict)
    recently_closed: dict[str, None] = field(default_factory=dict)  # insertion-ordered, bounded
    # Derived index, rebuilt on load: which open transaction a connector's meter values belong to.
    by_connector: dict[int, str] = field(default_factory=dict)


def new_state() -> ChargePointState:
    return ChargePointState()


def state_to_bytes(state: ChargePointState) -> bytes:
    """JSON bytes for the changelog: Decimals as strings, datetimes as ISO 8601 with offset."""
    data = {
        "v": STATE_VERSION,
        "pending_starts": {key: _pending_to_dict(p) for key, p in state.pending_starts.items()},
        "open_transactions": [_transaction_to_dict(t) for t in state.open_transactions.values()],
        "connector_status": [[cid, s.status, s.at] for cid, s in state.connector_status.items()],
        "recently_closed": list(state.recently_closed),
    }
    return orjson.dumps(data, default=_encode_decimal)


def state_from_bytes(raw: bytes) -> ChargePointState:
    """Inverse of state_to_bytes; raises ValueError for an unknown state version."""
    data = orjson.loads(raw)
    if data.get("v") != STATE_VERSION:
        raise ValueError(f"sessions state has version {data.get('v')!r}, this code reads {STATE_VERSION}")
    transactions = [_transaction_from_dict(t) for t in data["open_transactions"]]
    return ChargePointState(
        pending_starts={key: _pending_from_dict(p) for key, p in data["pending_starts"].items()},
        open_transactions={t.transaction_id: t for t in transactions},
        connector_status={cid: ConnectorStatus(s, _dt(at)) for cid, s, at in data["connector_status"]},
        recently_closed=dict.fromkeys(data["recently_closed"]),
        by_connector={t.connector_id: t.transaction_id for t in transactions},
    )


def _encode_decimal(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _pending_to_dict(p: PendingStart) -> dict[str, Any]:
    return {
        "connector_id": p.connector_id,
        "id_tag": p.id_tag,
        "started_at": p.started_at,
        "meter_start_wh": p.meter_start_wh,
    }


def _pending_from_dict(d: dict[str, Any]) -> PendingStart:
    return PendingStart(d["connector_id"], d["id_tag"], _dt(d["started_at"]), Decimal(d["meter_start_wh"]))


def _period_to_dict(p: FinishedPeriod) -> list[Any]:
    return [p.start, p.end, p.kind.value, p.start_wh, p.end_wh, p.max_power_w, p.max_current_a]


def _period_from_list(v: list[Any]) -> FinishedPeriod:
    start, end, kind, start_wh, end_wh, max_power, max_current = v
    return FinishedPeriod(
        _dt(start), _dt(end), PeriodKind(kind), Decimal(start_wh), Decimal(end_wh), _dec(max_power), _dec(max_current)
    )


_SCALARS = ("transaction_id", "connector_id", "id_tag", "id_tag_status", "status_parking", "low_power", "unsettled")
_DECIMALS = ("meter_start_wh", "period_start_wh", "last_wh", "max_power_w", "max_current_a")
_DATETIMES = ("started_at", "period_start", "last_at")


def _transaction_to_dict(t: OpenTransaction) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(t, name) for name in (*_SCALARS, *_DECIMALS, *_DATETIMES)}
    data["period_kind"] = t.period_kind.value
    data["finished"] = [_period_to_dict(p) for p in t.finished]
    return data


def _transaction_from_dict(d: dict[str, Any]) -> OpenTransaction:
    fields: dict[str, Any] = {name: d[name] for name in _SCALARS}
    fields.update({name: _dec(d[name]) for name in _DECIMALS})
    fields.update({name: _dt(d[name]) for name in _DATETIMES})
    return OpenTransaction(
        period_kind=PeriodKind(d["period_kind"]),
        finished=[_period_from_list(p) for p in d["finished"]],
        **fields,
    )
