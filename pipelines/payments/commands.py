"""Top-ups an operator or app asks for, published on payments.requests (keyed by account like the wallet)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pipelines.config import Settings
from pipelines.payments.models import TOPUP, PaymentRequest
from pipelines.streaming import kafka
from pipelines.streaming.codec import encoder
from pipelines.wallets.models import stable_id, wallet_key


def topup_request(tenant_id: str, account_id: str, amount: Decimal, currency: str, token: str, note: str,
                  now: datetime) -> PaymentRequest:  # fmt: skip
    """A top-up charged to `token`; the wallet is credited when the gateway approves it."""
    payment_id = f"pay-{stable_id(TOPUP, tenant_id, account_id, uuid.uuid4().hex)[:16]}"
    return PaymentRequest(payment_id, tenant_id, account_id, TOPUP, amount, currency, token, note, None, now)


async def publish(settings: Settings, request: PaymentRequest) -> None:
    producer = kafka.producer(settings)
    try:
        await producer.start()  # inside: a failed start still closes the client
        key = wallet_key(request.tenant_id, request.account_id)
        await producer.send_and_wait(settings.topics.payment_requests, encoder("PaymentRequest")(request), key=key)
    finally:
        await producer.stop()
