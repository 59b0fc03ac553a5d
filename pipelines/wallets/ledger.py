"""The wallet as a pure step: `step(state, command, rules) -> (state, outcome)`.

The balance only ever changes by an entry, so it is always the sum of the ledger. A session is debited by
revision: the first revision debits its charge, a later one only the difference to what was debited, an
earlier or repeated one nothing, so redelivery and reordering never debit twice. A credit (top-up, refund,
adjustment) is applied once per kind and reference, so a payment result delivered twice, or a late success
after a timeout, credits once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from pipelines.wallets.models import (
    AUTO_TOPUP,
    COMMAND_KINDS,
    CREDIT_KINDS,
    PAYMENT_FAILED,
    SESSION_DEBIT,
    WalletCommand,
    WalletEntry,
    stable_id,
)

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class WalletRules:
    """The account's catalog settings the wallet acts on (pipelines/catalog/wallet.py)."""

    low_balance_threshold: Decimal | None = None
    topup_below: Decimal | None = None  # auto top-up when the balance falls below this
    topup_amount: Decimal = ZERO
    payment_token: str | None = None


@dataclass(frozen=True, slots=True)
class WalletState:
    balance: Decimal = ZERO
    currency: str | None = None  # fixed by the first entry
    sessions: Mapping[str, tuple[int, Decimal]] = field(default_factory=dict)  # session -> (revision, debited)
    credits: frozenset[str] = frozenset()  # "kind/reference" of every credit applied
    pending_topup: str | None = None  # payment id of an auto top-up awaiting its result


@dataclass(frozen=True, slots=True)
class LowBalance:
    """The balance fell below the account's threshold with this entry."""

    entry_id: str
    balance: Decimal
    threshold: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class TopUpRequest:
    """Charge the stored payment method: the wallet is credited when the payment is approved."""

    payment_id: str
    amount: Decimal
    currency: str
    payment_token: str


@dataclass(frozen=True, slots=True)
class Outcome:
    entries: tuple[WalletEntry, ...] = ()
    low_balance: LowBalance | None = None
    topup: TopUpRequest | None = None
    rejected: str | None = None  # why the command was refused (dead-lettered by the agent)


def step(state: WalletState, command: WalletCommand, rules: WalletRules) -> tuple[WalletState, Outcome]:
    """Apply one command; the same command again (or an older revision) changes nothing and emits nothing."""
    problem = _problem(state, command)
    if problem:
        return state, Outcome(rejected=problem)
    if command.kind == PAYMENT_FAILED:
        return _clear_pending(state, command.reference), Outcome()
    if command.kind == SESSION_DEBIT:
        state, amount = _debit(state, command)
    else:
        state, amount = _credit(state, command)
    if amount is None:
        return state, Outcome()
    before = state.balance
    after = before + amount
    entry = WalletEntry(
        entry_id=stable_id(command.tenant_id, command.account_id, command.kind, command.reference, command.revision),
        tenant_id=command.tenant_id,
        account_id=command.account_id,
        kind=command.kind,
        amount=amount,
        currency=command.currency,
        balance_after=after,
        reference=command.reference,
        revision=command.revision,
        created_at=command.created_at,
    )
    state = replace(state, balance=after, currency=command.currency)
    state, topup = _auto_topup(state, entry, rules)
    return state, Outcome((entry,), _low_balance(before, entry, rules), topup)


def _problem(state: WalletState, command: WalletCommand) -> str | None:
    if command.kind not in COMMAND_KINDS:
        return f"unknown wallet command kind {command.kind!r}"
    if command.amount < 0:
        return f"a wallet command carries a non-negative amount, got {command.amount}"
    if state.currency is not None and command.currency != state.currency:
        return f"wallet of {command.account_id} is in {state.currency}, command in {command.currency}"
    return None


def _debit(state: WalletState, command: WalletCommand) -> tuple[WalletState, Decimal | None]:
    revision, debited = state.sessions.get(command.reference, (0, ZERO))
    if command.revision <= revision:  # redelivered or overtaken by a newer revision
        return state, None
    sessions = {**state.sessions, command.reference: (command.revision, command.amount)}
    state = replace(state, sessions=sessions)
    difference = command.amount - debited
    return state, (-difference if difference else None)


def _credit(state: WalletState, command: WalletCommand) -> tuple[WalletState, Decimal | None]:
    key = f"{command.kind}/{command.reference}"
    if key in state.credits or command.kind not in CREDIT_KINDS:
        return state, None
    state = replace(state, credits=state.credits | {key})
    if command.kind == AUTO_TOPUP:
        state = _clear_pending(state, command.reference)
    return state, (command.amount or None)


def _clear_pending(state: WalletState, payment_id: str) -> WalletState:
    return replace(state, pending_topup=None) if state.pending_topup == payment_id else state


def _low_balance(before: Decimal, entry: WalletEntry, rules: WalletRules) -> LowBalance | None:
    """Once per downward crossing: the balance was at or above the threshold and is below it now."""
    threshold = rules.low_balance_threshold
    if threshold is None or not before >= threshold > entry.balance_after:
        return None
    return LowBalance(entry.entry_id, entry.balance_after, threshold, entry.currency)


def _auto_topup(state: WalletState, entry: WalletEntry, rules: WalletRules) -> tuple[WalletState, TopUpRequest | None]:
    """At most one auto top-up in flight; the next may start once its result (credit or failure) arrived."""
    if (
        rules.topup_below is None
        or rules.payment_token is None
        or rules.topup_amount <= 0
        or state.pending_topup is not None
        or entry.balance_after >= rules.topup_below
    ):
        return state, None
    payment_id = stable_id(entry.tenant_id, entry.account_id, AUTO_TOPUP, entry.entry_id)
    request = TopUpRequest(payment_id, rules.topup_amount, entry.currency, rules.payment_token)
    return replace(state, pending_topup=payment_id), request
