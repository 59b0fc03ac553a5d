"""What a payment result means downstream: a wallet credit (or a failed auto top-up) for top-ups, a settlement
of the refund for refund payments. A final result after a timeout maps to the same wallet command as an
immediate one would, and the wallet applies a credit once per payment, so a late success never credits twice."""

from __future__ import annotations

from pipelines.payments.models import APPROVED, AUTO_TOPUP, REFUND, TIMEOUT, TOPUP, PaymentResult
from pipelines.refunds.models import SETTLE, RefundRequest
from pipelines.wallets.models import PAYMENT_FAILED, WalletCommand, stable_id


def wallet_command(result: PaymentResult) -> WalletCommand | None:
    """The credit of an approved top-up; an auto top-up's failure, so the wallet may ask again later."""
    if result.purpose not in (TOPUP, AUTO_TOPUP):
        return None
    if result.status == APPROVED:
        kind, amount = result.purpose, result.amount
    elif result.purpose == AUTO_TOPUP:
        kind, amount = PAYMENT_FAILED, result.amount
    else:
        return None
    return WalletCommand(
        stable_id("payment", result.payment_id, result.status), result.tenant_id, result.account_id, kind,
        result.payment_id, 0, amount, result.currency, result.decided_at,
    )  # fmt: skip


def refund_settlement(result: PaymentResult) -> RefundRequest | None:
    """A refund payment's final result for the refund it pays (a timeout is not final: nothing yet)."""
    if result.purpose != REFUND or result.session_id is None or result.status == TIMEOUT:
        return None
    return RefundRequest(
        request_id=stable_id("settle", result.payment_id, result.status),
        refund_id=result.reference,
        tenant_id=result.tenant_id,
        session_id=result.session_id,
        action=SETTLE,
        amount=None,
        reason="",
        actor="payments",
        note=result.reason or f"payment {result.status} ({result.gateway_reference or 'no gateway reference'})",
        payment_status=result.status,
        facts=None,
        requested_at=result.decided_at,
    )
