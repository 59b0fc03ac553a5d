"""Records of the wallet stage: commands that may move an account's balance, and the ledger entries they cause."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# Entry and command kinds. A session debit carries the session's charged amount (positive); the wallet debits
# the difference to what earlier revisions of that session debited. Credits carry a positive amount.
SESSION_DEBIT, TOPUP, AUTO_TOPUP, REFUND, ADJUSTMENT = "session_debit", "topup", "auto_topup", "refund", "adjustment"
CREDIT_KINDS = frozenset({TOPUP, AUTO_TOPUP, REFUND, ADJUSTMENT})
PAYMENT_FAILED = "payment_failed"  # a command only: an auto top-up the gateway did not approve (no entry)
COMMAND_KINDS = CREDIT_KINDS | {SESSION_DEBIT, PAYMENT_FAILED}


def stable_id(*parts: object) -> str:
    """A short id derived from its parts; base32 letters keep it from looking like a card number's digit run."""
    digest = hashlib.blake2b("\x1f".join(str(part) for part in parts).encode(), digest_size=15).digest()
    return base64.b32encode(digest).decode().lower()


def wallet_key(tenant_id: str, account_id: str) -> bytes:
    """The key of an account's commands and entries: one partition orders everything about one wallet."""
    return f"{tenant_id}/{account_id}".encode()


@dataclass(frozen=True, slots=True)
class WalletCommand:
    """Something that may move a balance; topic wallet.commands.v1, key = tenant/account."""

    command_id: str
    tenant_id: str
    account_id: str
    kind: str  # COMMAND_KINDS
    reference: str  # session id, payment id, refund id or an operator's adjustment id
    revision: int  # a session's revision; 0 for everything else
    amount: Decimal  # >= 0: the session's charge, or the credit
    currency: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class WalletEntry:
    """One append-only ledger line; topic wallet.ledger.v1, key = tenant/account. Balance = sum of amounts."""

    entry_id: str  # stable: the same command always yields the same id
    tenant_id: str
    account_id: str
    kind: str  # session_debit | topup | auto_topup | refund | adjustment
    amount: Decimal  # signed: debits negative
    currency: str
    balance_after: Decimal
    reference: str
    revision: int
    created_at: datetime
