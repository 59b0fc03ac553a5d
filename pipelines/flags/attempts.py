"""Refused card attempts: an Authorize the central system answered Blocked, Expired or Invalid/Unknown.

The request carries the card, its answer the verdict, so each station keeps its last few unanswered Authorize
requests by message id. A flag per refused attempt (info: nothing was charged), keyed by station and message id,
so a redelivered answer raises the same flag; an answer whose request was not seen raises nothing.
"""

from __future__ import annotations

from collections import OrderedDict

from pipelines.flags.models import Flag, FlagType, Severity, SubjectType, raise_flag
from pipelines.ingest.models import ChargingEvent, EventKind

CALL, CALLRESULT = 2, 3
PENDING_PER_STATION = 16
REFUSED = {
    "Blocked": FlagType.BLOCKED_TOKEN_USED,
    "Expired": FlagType.EXPIRED_TOKEN_USED,
    "Invalid": FlagType.UNKNOWN_TOKEN_USED,
    "Unknown": FlagType.UNKNOWN_TOKEN_USED,
}

Pending = OrderedDict[str, str]  # message id -> the card of an Authorize request not answered yet


def observe_authorize(pending: Pending, event: ChargingEvent) -> list[Flag]:
    """Remember a request's card; flag its answer when it refused the card."""
    if event.kind is EventKind.AUTHORIZE and event.message_type == CALL and event.id_tag:
        pending[event.message_id] = event.id_tag
        while len(pending) > PENDING_PER_STATION:
            pending.popitem(last=False)
        return []
    if event.action != "Authorize" or event.message_type != CALLRESULT:
        return []
    card = pending.pop(event.message_id, None)
    kind = REFUSED.get(event.status or "")
    if card is None or kind is None:
        return []
    evidence = {
        "attempt": "Authorize",
        "charge_point_id": event.charge_point_id,
        "message_id": event.message_id,
        "id_tag": card,
        "status": event.status,
    }
    flag = raise_flag(
        event.tenant_id,
        kind,
        Severity.INFO,
        (SubjectType.TOKEN, card),
        keys=(event.charge_point_id, event.message_id),
        evidence=evidence,
        at=event.received_at,
    )
    return [flag]
