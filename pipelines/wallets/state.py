"""A wallet's state as the versioned JSON value of the wallet agent's Faust table (keyed by tenant/account)."""

from __future__ import annotations

from decimal import Decimal

import orjson

from pipelines.wallets.ledger import WalletState

FORMAT = 1


def encode_state(state: WalletState) -> bytes:
    return orjson.dumps(
        {
            "format": FORMAT,
            "balance": str(state.balance),
            "currency": state.currency,
            "sessions": {sid: [rev, str(amount)] for sid, (rev, amount) in sorted(state.sessions.items())},
            "credits": sorted(state.credits),
            "pending_topup": state.pending_topup,
        }
    )


def decode_state(raw: bytes | None) -> WalletState:
    """The stored state; a missing key is an empty wallet. Raises ValueError on a value in an unknown format."""
    if raw is None:
        return WalletState()
    body = orjson.loads(raw)
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ValueError(f"wallet state in an unknown format: {raw[:80]!r}")
    return WalletState(
        balance=Decimal(body["balance"]),
        currency=body["currency"],
        sessions={sid: (int(rev), Decimal(amount)) for sid, (rev, amount) in body["sessions"].items()},
        credits=frozenset(body["credits"]),
        pending_topup=body["pending_topup"],
    )
