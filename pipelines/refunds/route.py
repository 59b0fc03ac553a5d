"""Refunds with the catalog: the tenant's policy and the account's way of being paid back, one command applied
to the session's refund state in the refunds agent's table, and the wallet credit, payment refund and driver
notification the outcome causes."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, replace
from datetime import datetime

from pipelines.catalog.models import Account, BillingMode, Tenant
from pipelines.catalog.view import CatalogView
from pipelines.ingest.models import DeadLetter
from pipelines.notify.compose import compose
from pipelines.notify.kinds import NotificationKind
from pipelines.notify.models import Notification
from pipelines.payments.cards import card_number_fields, redact
from pipelines.payments.models import REFUND as REFUND_PAYMENT
from pipelines.payments.models import PaymentRequest
from pipelines.refunds import models as m
from pipelines.refunds.logic import Context, step
from pipelines.refunds.state import decode_refunds, encode_refunds
from pipelines.wallets.letters import refused
from pipelines.wallets.models import REFUND, WalletCommand, stable_id

Table = MutableMapping[bytes, bytes]


@dataclass(frozen=True, slots=True)
class RefundEffects:
    events: tuple[m.RefundEvent, ...] = ()
    wallet: WalletCommand | None = None
    payment: PaymentRequest | None = None
    notification: Notification | None = None
    dead_letter: DeadLetter | None = None


def method_of(account: Account | None) -> str:
    """Prepaid accounts get their wallet credited; a stored payment token is refunded; else a credit note only."""
    if account is not None and account.billing_mode is BillingMode.PREPAID:
        return m.WALLET
    if account is not None and account.wallet is not None and account.wallet.payment_token:
        return m.CARD
    return m.INVOICE


def apply_request(table: Table, request: m.RefundRequest, catalog: CatalogView, *, now: datetime) -> RefundEffects:
    fields = card_number_fields(request)
    if fields:  # tokens only: a card number anywhere refuses the whole command
        return RefundEffects(dead_letter=_refused(request, f"card number in field(s) {', '.join(fields)}", now))
    key = request.session_id.encode()
    try:
        state = decode_refunds(table.get(key))
    except (ValueError, KeyError, TypeError, ArithmeticError) as error:  # unreadable state: keep it, say why
        return RefundEffects(dead_letter=_refused(request, f"refund state of {key!r} cannot be read: {error!r}", now))
    facts = state.facts or request.facts
    account = catalog.account(request.tenant_id, facts.account_id) if facts and facts.account_id else None
    tenant = catalog.tenant(request.tenant_id)
    ctx = Context(tenant.refund_policy if tenant else None, method_of(account), now)
    after, outcome = step(state, request, ctx)
    if after != state:
        table[key] = encode_refunds(after)
    executed = outcome.executed
    effects = RefundEffects(outcome.events)
    if executed is not None and executed.method == m.WALLET and executed.account_id:
        effects = replace(effects, wallet=_wallet_credit(executed))
    elif executed is not None and executed.method == m.CARD and account and account.wallet:
        effects = replace(effects, payment=_payment(executed, account.wallet.payment_token or "", now))
    if outcome.decided is not None and account is not None and tenant is not None:
        effects = replace(effects, notification=_notification(outcome.decided, tenant, account, now))
    return effects


def _wallet_credit(event: m.RefundEvent) -> WalletCommand:
    return WalletCommand(
        stable_id("refund-credit", event.tenant_id, event.refund_id), event.tenant_id, event.account_id or "",
        REFUND, event.refund_id, 0, event.amount, event.currency, event.created_at,
    )  # fmt: skip


def _payment(event: m.RefundEvent, token: str, now: datetime) -> PaymentRequest:
    return PaymentRequest(
        stable_id("refund-payment", event.tenant_id, event.refund_id), event.tenant_id, event.account_id or "",
        REFUND_PAYMENT, event.amount, event.currency, token, event.refund_id, event.session_id, now,
    )  # fmt: skip


def _notification(event: m.RefundEvent, tenant: Tenant, account: Account, now: datetime) -> Notification | None:
    facts = {
        "refund_id": event.refund_id, "session_id": event.session_id, "amount": event.amount,
        "currency": event.currency, "decision": event.status, "reason": event.detail,
    }  # fmt: skip
    return compose(NotificationKind.REFUND_DECIDED, tenant=tenant, account=account,
                   trigger_id=f"{event.refund_id}/{event.status}", facts=facts, now=now)  # fmt: skip


def _refused(request: m.RefundRequest, reason: str, now: datetime) -> DeadLetter:
    original = redact(f"{request.action} {request.refund_id} {request.session_id}").encode()
    return refused("refunds", request.request_id, reason, original, now, request.tenant_id)
