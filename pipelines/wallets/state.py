"""A wallet's state in the wallet agent's Faust table, as small versioned JSON values under several keys.

`tenant/account` holds the balance, currency and pending top-up; `tenant/account/session/ID` the revision and
amount debited for one session; `tenant/account/credit/KIND/REFERENCE` marks a credit as applied. A command reads
and writes only the keys it concerns, so every value keeps its size however many sessions an account pays for.
(Format 1 kept every session and credit in the account's one value: rewritten on each debit, it grew with the
account's life and would have outgrown a Kafka record for a fleet account. It is split on first read.)
"""

from __future__ import annotations

from collections.abc import MutableMapping
from decimal import Decimal

import orjson

from pipelines.wallets.ledger import WalletState
from pipelines.wallets.models import SESSION_DEBIT, WalletCommand

FORMAT = 2
Table = MutableMapping[bytes, bytes]


def session_key(wallet: bytes, session_id: str) -> bytes:
    return wallet + b"/session/" + session_id.encode()


def credit_key(wallet: bytes, credit: str) -> bytes:
    return wallet + b"/credit/" + credit.encode()


def load_state(table: Table, wallet: bytes, command: WalletCommand) -> WalletState:
    """The wallet as far as `command` needs it: balance, currency, pending top-up, and the one session debit or
    credit it refers to. Raises ValueError on a value in an unknown format."""
    raw = table.get(wallet)
    if raw is None:
        return WalletState()
    body = _body(raw)
    if body["format"] == 1:
        body = _split(table, wallet, body)
    sessions = {}
    if command.kind == SESSION_DEBIT and (debit := table.get(session_key(wallet, command.reference))) is not None:
        revision, amount = _body(debit)["debited"]
        sessions[command.reference] = (int(revision), Decimal(amount))
    credit = f"{command.kind}/{command.reference}"
    credits = frozenset({credit}) if credit_key(wallet, credit) in table else frozenset()
    return WalletState(Decimal(body["balance"]), body["currency"], sessions, credits, body["pending_topup"])


def store_state(table: Table, wallet: bytes, before: WalletState, after: WalletState) -> None:
    """Write the keys `after` changed against `before` (both as load_state gave them, or one step apart)."""
    if (before.balance, before.currency, before.pending_topup) != (after.balance, after.currency, after.pending_topup):
        table[wallet] = _encode_core(after)
    for session_id, debited in after.sessions.items():
        if before.sessions.get(session_id) != debited:
            table[session_key(wallet, session_id)] = _encode_debit(debited)
    for credit in after.credits - before.credits:
        table[credit_key(wallet, credit)] = orjson.dumps({"format": FORMAT})


def _split(table: Table, wallet: bytes, body: dict) -> dict:
    """Move a format-1 value's sessions and credits to their own keys; the account's value keeps the rest."""
    for session_id, (revision, amount) in body["sessions"].items():
        table[session_key(wallet, session_id)] = _encode_debit((int(revision), Decimal(amount)))
    for credit in body["credits"]:
        table[credit_key(wallet, credit)] = orjson.dumps({"format": FORMAT})
    core = WalletState(Decimal(body["balance"]), body["currency"], pending_topup=body["pending_topup"])
    table[wallet] = _encode_core(core)
    return _body(table[wallet])


def _encode_core(state: WalletState) -> bytes:
    return orjson.dumps(
        {"format": FORMAT, "balance": str(state.balance), "currency": state.currency,
         "pending_topup": state.pending_topup}
    )  # fmt: skip


def _encode_debit(debited: tuple[int, Decimal]) -> bytes:
    revision, amount = debited
    return orjson.dumps({"format": FORMAT, "debited": [revision, str(amount)]})


def _body(raw: bytes) -> dict:
    body = orjson.loads(raw)
    if not isinstance(body, dict) or body.get("format") not in (1, FORMAT):
        raise ValueError(f"wallet state in an unknown format: {raw[:80]!r}")
    return body
