"""Refund requests (commands about one session's refunds) and refund events (every state change of a refund)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class RefundReason(StrEnum):
    TECHNICAL_FAULT = "technical_fault"
    INTERRUPTED = "interrupted"
    OVERCHARGE = "overcharge"
    GOODWILL = "goodwill"


# RefundRequest.action
REQUEST, APPROVE, REJECT, SETTLE = "request", "approve", "reject", "settle"
# RefundEvent.status, in the order a refund passes them. invalid and rejected are final; executed is final for
# wallet credits and invoice credit notes; a card refund ends refunded or refund_failed (its payment's result).
REQUESTED, INVALID, PENDING_REVIEW, APPROVED, REJECTED = (
    "requested",
    "invalid",
    "pending_review",
    "approved",
    "rejected",
)
EXECUTED, REFUNDED, REFUND_FAILED = "executed", "refunded", "refund_failed"
NOT_COUNTED = frozenset({INVALID, REJECTED, REFUND_FAILED})  # these do not take from what may still be refunded
# How money goes back: wallet credit (prepaid), payment refund to the stored method, or a credit note on the invoice.
WALLET, CARD, INVOICE = "wallet", "card", "invoice"


@dataclass(frozen=True, slots=True)
class VatShare:
    """What a session charged (incl. VAT) at one VAT rate: a refund is split across rates in these proportions."""

    vat_rate: Decimal | None
    amount_incl_vat: Decimal


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """The rated session a refund is about, as read from ClickHouse by whoever publishes the request."""

    account_id: str | None
    currency: str
    charged: Decimal  # incl. VAT, rounded to the currency's minor unit as the driver paid it
    stop_reason: str | None
    station_faulted: bool  # the station reported a fault on the session's connector while it ran
    vat_shares: tuple[VatShare, ...]


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """Topic refunds.requests.v1, key = session id: all commands about one session's refunds meet in order."""

    request_id: str  # stable per command: a redelivery is recognised
    refund_id: str
    tenant_id: str
    session_id: str
    action: str  # request | approve | reject | settle
    amount: Decimal | None  # request: None means the full remaining amount
    reason: str  # request: a RefundReason
    actor: str  # who: an operator's name, "policy", "payments"
    note: str  # free text: a rejection's reason, a payment's outcome
    payment_status: str | None  # settle: the refund payment's result status
    facts: SessionFacts | None  # request: the session
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class CreditLine:
    """One VAT rate's part of a credit note; amounts are positive credits, rounded to the minor unit."""

    vat_rate: Decimal | None
    amount_excl_vat: Decimal
    vat_amount: Decimal
    amount_incl_vat: Decimal


@dataclass(frozen=True, slots=True)
class RefundEvent:
    """Topic refunds.events.v1, key = session id; one per state change, ids stable under redelivery."""

    event_id: str
    refund_id: str
    tenant_id: str
    session_id: str
    account_id: str | None
    status: str
    amount: Decimal  # incl. VAT
    currency: str
    reason: str
    method: str | None  # wallet | card | invoice, once executed
    actor: str
    detail: str
    credit_note_id: str | None  # executed: the credit note (and credit CDR) for finance
    credit_lines: tuple[CreditLine, ...]
    created_at: datetime
