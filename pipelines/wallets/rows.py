"""ClickHouse rows of the money records (wallet entries, payments, refund events and credit notes), no I/O.

pipelines/warehouse/rows.py merges these tables into its column lists and calls `money_rows` for these records.
"""

from __future__ import annotations

from typing import Any

from pipelines.payments.cards import redacted
from pipelines.payments.models import PaymentRequest, PaymentResult
from pipelines.refunds.models import RefundEvent
from pipelines.wallets.models import WalletEntry

Row = tuple[Any, ...]
REQUESTED = "requested"  # the payments row a request writes; results write their own status

MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "wallet_ledger": ("entry_id", "tenant_id", "account_id", "kind", "amount", "currency", "balance_after",
                      "reference", "revision", "created_at"),
    "payments": ("payment_id", "tenant_id", "account_id", "purpose", "status", "amount", "currency",
                 "gateway_reference", "reason", "reference", "session_id", "at"),
    "refund_events": ("event_id", "refund_id", "tenant_id", "session_id", "account_id", "status", "amount",
                      "currency", "reason", "method", "actor", "detail", "credit_note_id", "created_at"),
    "credit_note_lines": ("credit_note_id", "line_no", "refund_id", "tenant_id", "session_id", "account_id",
                          "currency", "vat_rate", "amount_excl_vat", "vat_amount", "amount_incl_vat", "issued_at"),
}  # fmt: skip
MONEY_RECORDS = (WalletEntry, PaymentRequest, PaymentResult, RefundEvent)


def money_rows(record: Any) -> dict[str, list[Row]]:
    """The rows of one money record, per table."""
    if isinstance(record, WalletEntry):
        e = record
        return {"wallet_ledger": [(e.entry_id, e.tenant_id, e.account_id, e.kind, e.amount, e.currency,
                                   e.balance_after, e.reference, e.revision, e.created_at)]}  # fmt: skip
    if isinstance(record, PaymentRequest):
        q = redacted(record)  # the payment service refuses a request with card data; its row must not keep it
        return {"payments": [(q.payment_id, q.tenant_id, q.account_id, q.purpose, REQUESTED, q.amount, q.currency,
                              None, None, q.reference, q.session_id, q.requested_at)]}  # fmt: skip
    if isinstance(record, PaymentResult):
        r = record
        return {"payments": [(r.payment_id, r.tenant_id, r.account_id, r.purpose, r.status, r.amount, r.currency,
                              r.gateway_reference, r.reason, r.reference, r.session_id, r.decided_at)]}  # fmt: skip
    if isinstance(record, RefundEvent):
        return _refund_rows(record)
    raise TypeError(f"no money table for {type(record).__name__}")


def _refund_rows(v: RefundEvent) -> dict[str, list[Row]]:
    event = (v.event_id, v.refund_id, v.tenant_id, v.session_id, v.account_id, v.status, v.amount, v.currency,
             v.reason, v.method, v.actor, v.detail, v.credit_note_id, v.created_at)  # fmt: skip
    lines = [
        (v.credit_note_id, no, v.refund_id, v.tenant_id, v.session_id, v.account_id, v.currency, line.vat_rate,
         line.amount_excl_vat, line.vat_amount, line.amount_incl_vat, v.created_at)
        for no, line in enumerate(v.credit_lines)
    ]  # fmt: skip
    return {"refund_events": [event], "credit_note_lines": lines}
