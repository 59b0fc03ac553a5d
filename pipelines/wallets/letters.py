"""Dead letters of the money agents (wallets, payments, refunds): a record refused by its rules, or one that does
not decode. Both keep card-number-like runs masked (pipelines/payments/cards.py)."""

from __future__ import annotations

from datetime import datetime

from pipelines.ingest.models import DeadLetter, DeadLetterClass
from pipelines.payments.cards import redact
from pipelines.wallets.models import stable_id


def refused(stage: str, record_id: str, reason: str, original: bytes, at: datetime, tenant_id: str) -> DeadLetter:
    """A well-formed record its stage's rules refuse; `original` is what identifies it, already redacted."""
    return DeadLetter(
        dead_letter_id=stable_id(stage, record_id),
        stage=stage,
        error_class=DeadLetterClass.IMPOSSIBLE_VALUE,
        reason=reason,
        original=original,
        received_at=at,
        tenant_id=tenant_id,
    )


def undecodable(stage: str, topic: str, raw: bytes, error: Exception, now: datetime) -> DeadLetter:
    """A money record that does not decode, kept with its reason; card-number-like runs in it are masked."""
    return DeadLetter(
        dead_letter_id=stable_id(stage, topic, raw),
        stage=stage,
        error_class=DeadLetterClass.BAD_FRAME,
        reason=f"record on {topic} does not decode with the topic's Avro schema: {error}",
        original=redact(raw.decode("latin-1")).encode("latin-1"),
        received_at=now,
        source_topic=topic,
    )
