"""The dead letters sessionization writes: a stop for a transaction never seen, an event past its session's window."""

from __future__ import annotations

import hashlib

from pipelines.ingest.models import ChargingEvent, DeadLetter, DeadLetterClass
from pipelines.sessions.limits import Limits


def unknown_transaction(event: ChargingEvent, reason: str) -> DeadLetter:
    return _dead_letter(event, DeadLetterClass.UNKNOWN_TRANSACTION, reason, b"sessions|")


def late_event(event: ChargingEvent, transaction_id: str, limits: Limits) -> DeadLetter:
    reason = (
        f"{event.action} for transaction {transaction_id!r} arrived after its session closed for good (the"
        f" late-arrival window of {limits.late_window} passed, or newer sessions displaced it); not applied"
    )
    return _dead_letter(event, DeadLetterClass.LATE_EVENT, reason, b"sessions|late|")


def _dead_letter(event: ChargingEvent, error_class: DeadLetterClass, reason: str, prefix: bytes) -> DeadLetter:
    original = event.payload.encode()
    digest = hashlib.blake2b(prefix + event.event_id.encode() + b"|" + original, digest_size=16)
    return DeadLetter(
        dead_letter_id=digest.hexdigest(),
        stage="sessions",
        error_class=error_class,
        reason=reason,
        original=original,
        received_at=event.received_at,
        tenant_id=event.tenant_id,
        charge_point_id=event.charge_point_id,
    )
