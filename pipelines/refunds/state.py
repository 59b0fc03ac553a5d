"""One session's refund state as the versioned JSON value of the refunds agent's Faust table (key: session id)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from pipelines.refunds.logic import Refund, SessionRefunds
from pipelines.refunds.models import SessionFacts, VatShare

FORMAT = 1


def encode_refunds(state: SessionRefunds) -> bytes:
    facts = state.facts
    return orjson.dumps(
        {
            "format": FORMAT,
            "facts": None if facts is None else _facts_json(facts),
            "refunds": {rid: [str(r.amount), r.reason, r.status, r.method] for rid, r in sorted(state.refunds.items())},
            "seen": sorted(state.seen),
        }
    )


def decode_refunds(raw: bytes | None) -> SessionRefunds:
    """The stored state; a missing key is a session without refunds. Raises ValueError on an unknown format."""
    if raw is None:
        return SessionRefunds()
    body = orjson.loads(raw)
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ValueError(f"refund state in an unknown format: {raw[:80]!r}")
    return SessionRefunds(
        facts=None if body["facts"] is None else _facts_of(body["facts"]),
        refunds={
            rid: Refund(Decimal(a), reason, status, method)
            for rid, (a, reason, status, method) in body["refunds"].items()
        },
        seen=frozenset(body["seen"]),
    )


def _facts_json(facts: SessionFacts) -> dict[str, Any]:
    return {
        "account_id": facts.account_id,
        "currency": facts.currency,
        "charged": str(facts.charged),
        "stop_reason": facts.stop_reason,
        "station_faulted": facts.station_faulted,
        "vat_shares": [[_text(s.vat_rate), str(s.amount_incl_vat)] for s in facts.vat_shares],
    }


def _facts_of(body: dict[str, Any]) -> SessionFacts:
    return SessionFacts(
        account_id=body["account_id"],
        currency=body["currency"],
        charged=Decimal(body["charged"]),
        stop_reason=body["stop_reason"],
        station_faulted=bool(body["station_faulted"]),
        vat_shares=tuple(VatShare(_decimal(rate), Decimal(amount)) for rate, amount in body["vat_shares"]),
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
