"""Payment requests and results: amounts, gateway tokens and references, never card data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# What a payment is for. topup/auto_topup credit a wallet when approved; refund pays a refund back to the card.
TOPUP, AUTO_TOPUP, REFUND = "topup", "auto_topup", "refund"
PURPOSES = frozenset({TOPUP, AUTO_TOPUP, REFUND})
# Result statuses. timeout: the gateway did not answer in time; its final answer may still arrive (late success).
# refused: the pipeline refused the request itself (e.g. card data in it); the gateway never saw it.
APPROVED, DECLINED, TIMEOUT, REFUSED = "approved", "declined", "timeout", "refused"


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """Topic payments.requests.v1, key = tenant/account. payment_id is the gateway's idempotency key."""

    payment_id: str
    tenant_id: str
    account_id: str
    purpose: str  # PURPOSES
    amount: Decimal  # > 0, incl. VAT
    currency: str
    payment_token: str  # the gateway's token for a stored payment method
    reference: str  # refund id for refunds; the triggering entry or operator note otherwise
    session_id: str | None
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """Topic payments.results.v1, key = tenant/account; a payment may have a timeout and later a final result."""

    payment_id: str
    tenant_id: str
    account_id: str
    purpose: str
    status: str  # approved | declined | timeout | refused
    amount: Decimal
    currency: str
    gateway_reference: str | None  # the gateway's id of the charge or refund
    reason: str | None  # why it was declined, timed out or refused
    reference: str
    session_id: str | None
    decided_at: datetime


def result_of(request: PaymentRequest, status: str, decided_at: datetime, *, gateway_reference: str | None = None,
              reason: str | None = None) -> PaymentResult:  # fmt: skip
    """The result record for a request."""
    return PaymentResult(
        request.payment_id, request.tenant_id, request.account_id, request.purpose, status, request.amount,
        request.currency, gateway_reference, reason, request.reference, request.session_id, decided_at,
    )  # fmt: skip
