"""Refunds with the catalog: how an account is paid back, and what executing a refund sends where."""

from datetime import UTC, datetime
from decimal import Decimal

from pipelines.catalog.models import Account, BillingMode, Catalog, Tenant
from pipelines.catalog.view import CatalogView
from pipelines.catalog.wallet import RefundPolicy, WalletSettings
from pipelines.payments.models import REFUND as REFUND_PAYMENT
from pipelines.refunds import models as m
from pipelines.refunds.route import apply_request, method_of
from pipelines.wallets.models import REFUND

AT = datetime(2026, 11, 23, 10, tzinfo=UTC)
FACTS = m.SessionFacts("A1", "EUR", Decimal("8.33"), "PowerLoss", False, (m.VatShare(Decimal(19), Decimal("8.33")),))


def account(mode: BillingMode, token: str | None = None) -> Account:
    wallet = WalletSettings(payment_token=token) if token else None
    return Account(account_id="A1", tenant_id="t1", name="A", email="a@example.org", billing_mode=mode, wallet=wallet)


def view(acc: Account) -> CatalogView:
    tenant = Tenant(tenant_id="t1", name="T", currency="EUR", country="DE",
                    refund_policy=RefundPolicy(auto_approve_max=Decimal(10)))  # fmt: skip
    return CatalogView.from_catalog(Catalog(tenants=[tenant], accounts=[acc]))


def request(refund_id: str = "R1") -> m.RefundRequest:
    return m.RefundRequest(f"q-{refund_id}", refund_id, "t1", "t1/CP/1", m.REQUEST, Decimal(2), "interrupted", "op",
                           "", None, FACTS, AT)  # fmt: skip


def test_method_follows_billing_mode_and_stored_token() -> None:
    assert method_of(account(BillingMode.PREPAID, "tok")) == m.WALLET
    assert method_of(account(BillingMode.POSTPAID, "tok")) == m.CARD
    assert method_of(account(BillingMode.POSTPAID)) == m.INVOICE == method_of(None)


def test_prepaid_refunds_credit_the_wallet_and_tell_the_driver() -> None:
    table: dict[bytes, bytes] = {}
    effects = apply_request(table, request(), view(account(BillingMode.PREPAID)), now=AT)
    assert [e.status for e in effects.events] == [m.REQUESTED, m.APPROVED, m.EXECUTED]
    assert effects.wallet is not None and (effects.wallet.kind, effects.wallet.amount) == (REFUND, Decimal(2))
    assert effects.notification is not None and effects.notification.kind == "refund_decided"
    assert apply_request(table, request(), view(account(BillingMode.PREPAID)), now=AT).events == ()


def test_card_refunds_become_payment_requests_to_the_stored_token() -> None:
    effects = apply_request({}, request(), view(account(BillingMode.ADHOC, "tok_sandbox_approve")), now=AT)
    payment = effects.payment
    assert payment is not None and effects.wallet is None
    assert (payment.purpose, payment.amount, payment.payment_token, payment.reference, payment.session_id) == (
        REFUND_PAYMENT, Decimal(2), "tok_sandbox_approve", "R1", "t1/CP/1")  # fmt: skip


def test_unreadable_state_is_dead_lettered() -> None:
    effects = apply_request({b"t1/CP/1": b"[]"}, request(), view(account(BillingMode.PREPAID)), now=AT)
    assert effects.dead_letter is not None and effects.events == ()


def test_a_card_number_in_any_field_refuses_the_command_without_storing_it() -> None:
    from dataclasses import replace

    sneaky = replace(request(), note="paid with 4111 1111 1111 1111")
    effects = apply_request({}, sneaky, view(account(BillingMode.PREPAID)), now=AT)
    assert effects.events == () and effects.dead_letter is not None
    assert "note" in effects.dead_letter.reason and b"4111" not in effects.dead_letter.original
