"""Payment results downstream: wallet credits once per payment, auto top-up failures, refund settlements."""

from datetime import UTC, datetime
from decimal import Decimal

from pipelines.payments.models import APPROVED, AUTO_TOPUP, DECLINED, REFUND, TIMEOUT, TOPUP, PaymentResult
from pipelines.payments.route import refund_settlement, wallet_command
from pipelines.wallets.models import PAYMENT_FAILED

AT = datetime(2026, 11, 23, 10, tzinfo=UTC)


def result(purpose: str, status: str, session_id: str | None = None) -> PaymentResult:
    return PaymentResult("p1", "t1", "A1", purpose, status, Decimal(20), "EUR", "g1", None, "R1", session_id, AT)


def test_approved_topups_credit_and_a_failed_auto_topup_frees_the_next_one() -> None:
    credit = wallet_command(result(TOPUP, APPROVED))
    assert credit is not None and (credit.kind, credit.reference) == (TOPUP, "p1")
    late = wallet_command(result(AUTO_TOPUP, APPROVED))
    assert late is not None and (late.kind, late.reference, late.amount) == (AUTO_TOPUP, "p1", Decimal(20))
    failed = wallet_command(result(AUTO_TOPUP, TIMEOUT))
    assert failed is not None and failed.kind == PAYMENT_FAILED
    assert wallet_command(result(TOPUP, DECLINED)) is None and wallet_command(result(REFUND, APPROVED)) is None


def test_a_refund_payment_settles_its_refund_once_final() -> None:
    settled = refund_settlement(result(REFUND, APPROVED, "t1/CP/1"))
    assert settled is not None and (settled.refund_id, settled.session_id, settled.payment_status) == (
        "R1", "t1/CP/1", APPROVED)  # fmt: skip
    assert refund_settlement(result(REFUND, TIMEOUT, "t1/CP/1")) is None
    assert refund_settlement(result(TOPUP, APPROVED, "t1/CP/1")) is None
