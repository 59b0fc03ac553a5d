"""Refund commands as operators issue them (CLI or backoffice), and their publication on refunds.requests.

Every command is keyed by its session, so the refunds agent sees one session's commands in order.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pipelines.config import Settings
from pipelines.refunds import models as m
from pipelines.streaming import kafka
from pipelines.streaming.codec import encoder
from pipelines.wallets.models import stable_id


def new_refund(tenant_id: str, session_id: str, facts: m.SessionFacts, amount: Decimal | None, reason: str,
               actor: str, now: datetime) -> m.RefundRequest:  # fmt: skip
    """A request for a new refund (amount None: the full remaining amount), with a fresh refund id."""
    refund_id = f"rf-{stable_id(tenant_id, session_id, uuid.uuid4().hex)[:16]}"
    return m.RefundRequest(
        request_id=stable_id(refund_id, m.REQUEST), refund_id=refund_id, tenant_id=tenant_id, session_id=session_id,
        action=m.REQUEST, amount=amount, reason=reason, actor=actor, note="", payment_status=None, facts=facts,
        requested_at=now,
    )  # fmt: skip


def decision(tenant_id: str, session_id: str, refund_id: str, *, approve: bool, actor: str, note: str,
             now: datetime) -> m.RefundRequest:  # fmt: skip
    """An operator's approval or rejection of a refund waiting in the manual queue."""
    action = m.APPROVE if approve else m.REJECT
    return m.RefundRequest(
        request_id=stable_id(refund_id, action), refund_id=refund_id, tenant_id=tenant_id, session_id=session_id,
        action=action, amount=None, reason="", actor=actor, note=note, payment_status=None, facts=None,
        requested_at=now,
    )  # fmt: skip


async def publish(settings: Settings, request: m.RefundRequest) -> None:
    producer = kafka.producer(settings)
    try:
        await producer.start()  # inside: a failed start still closes the client
        value = encoder("RefundRequest")(request)
        await producer.send_and_wait(settings.topics.refund_requests, value, key=request.session_id.encode())
    finally:
        await producer.stop()
