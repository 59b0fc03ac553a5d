"""The wallet with the catalog: which rated sessions debit a wallet, and one command applied to the account's
state in the wallet agent's table, with the entries, payment request and notification it causes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pipelines.catalog.models import Account, BillingMode
from pipelines.catalog.view import CatalogView
from pipelines.ingest.models import DeadLetter
from pipelines.money import round_money
from pipelines.notify.compose import compose
from pipelines.notify.kinds import NotificationKind
from pipelines.notify.models import Notification
from pipelines.payments.cards import redact
from pipelines.payments.models import AUTO_TOPUP, PaymentRequest
from pipelines.rating.models import RatedSession
from pipelines.wallets.ledger import Outcome, WalletRules, step
from pipelines.wallets.letters import refused
from pipelines.wallets.models import SESSION_DEBIT, WalletCommand, WalletEntry, stable_id, wallet_key
from pipelines.wallets.state import Table, load_state, store_state


@dataclass(frozen=True, slots=True)
class WalletEffects:
    entries: tuple[WalletEntry, ...] = ()
    payment: PaymentRequest | None = None
    notification: Notification | None = None
    dead_letter: DeadLetter | None = None


def session_charge(rated: RatedSession, catalog: CatalogView) -> WalletCommand | None:
    """The debit command of a prepaid account's rated session: its total incl. VAT as the driver pays it."""
    session = rated.session
    account = catalog.account(session.tenant_id, rated.account_id) if rated.account_id else None
    if account is None or account.billing_mode is not BillingMode.PREPAID or session.revision < 1:
        return None
    amount = max(round_money(rated.total_cost_incl_vat, rated.currency), Decimal(0))
    return WalletCommand(
        stable_id(SESSION_DEBIT, session.tenant_id, account.account_id, session.session_id, session.revision),
        session.tenant_id, account.account_id, SESSION_DEBIT, session.session_id, session.revision, amount,
        rated.currency, rated.rated_at,
    )  # fmt: skip


def wallet_rules(account: Account | None) -> WalletRules:
    wallet = account.wallet if account else None
    if wallet is None:
        return WalletRules()
    topup = wallet.auto_topup
    return WalletRules(
        wallet.low_balance_threshold,
        topup.below if topup else None,
        topup.amount if topup else Decimal(0),
        wallet.payment_token,
    )


def apply_command(table: Table, command: WalletCommand, catalog: CatalogView, *, now: datetime) -> WalletEffects:
    """Step the account's wallet in `table`; redelivered commands find their effect already applied."""
    key = wallet_key(command.tenant_id, command.account_id)
    account = catalog.account(command.tenant_id, command.account_id)
    try:
        state = load_state(table, key, command)
    except (ValueError, KeyError, TypeError, ArithmeticError) as error:  # unreadable state: keep it, say why
        return WalletEffects(dead_letter=_refused(command, f"wallet state of {key!r} cannot be read: {error!r}", now))
    after, outcome = step(state, command, wallet_rules(account))
    if outcome.rejected:
        return WalletEffects(dead_letter=_refused(command, outcome.rejected, now))
    store_state(table, key, state, after)
    return WalletEffects(
        outcome.entries, _payment(command, outcome, now), _notification(outcome, catalog, account, now)
    )


def _payment(command: WalletCommand, outcome: Outcome, now: datetime) -> PaymentRequest | None:
    topup = outcome.topup
    if topup is None:
        return None
    return PaymentRequest(
        topup.payment_id, command.tenant_id, command.account_id, AUTO_TOPUP, topup.amount, topup.currency,
        topup.payment_token, outcome.entries[-1].entry_id, None, now,
    )  # fmt: skip


def _notification(
    outcome: Outcome, catalog: CatalogView, account: Account | None, now: datetime
) -> Notification | None:
    low = outcome.low_balance
    tenant = catalog.tenant(account.tenant_id) if account else None
    if low is None or account is None or tenant is None:
        return None
    facts = {"balance": low.balance, "threshold": low.threshold, "currency": low.currency}
    return compose(NotificationKind.LOW_BALANCE, tenant=tenant, account=account, trigger_id=low.entry_id,
                   facts=facts, now=now)  # fmt: skip


def _refused(command: WalletCommand, reason: str, now: datetime) -> DeadLetter:
    original = redact(f"{command.kind} {command.reference} r{command.revision} {command.amount}").encode()
    return refused("wallet", command.command_id, reason, original, now, command.tenant_id)
