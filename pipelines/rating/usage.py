"""Account usage between sessions, as keys and versioned JSON values of a key-value table (the benefits agent's
Faust Table, changelogged by Faust; a dict in tests).

Keys: `tenant/account/YYYY-MM` holds the grants of the account's sessions of that month (loyalty counts and
included energy are monthly, so a key stays small and old months are simply no longer touched);
`tenant/voucher/CODE` holds what each session took from the voucher. Every key belongs to one account (a
token voucher's token has one account), so all of them live in the partition of that account's sessions.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import datetime
from decimal import Decimal

import orjson

from pipelines.rating.discounts import AccountUsage, BenefitRules, Grant, UsageDelta, apply_delta, usage_month
from pipelines.rating.models import RatedSession

FORMAT = 1
Table = MutableMapping[bytes, bytes]


def partition_key(rated: RatedSession) -> bytes:
    """The key sessions travel under to the benefits agent: one account's sessions meet in one partition."""
    if rated.account_id is None:
        return rated.session.session_id.encode()
    return f"{rated.session.tenant_id}/{rated.account_id}".encode()


def month_key(tenant_id: str, account_id: str, month: str) -> bytes:
    return f"{tenant_id}/{account_id}/{month}".encode()


def voucher_key(tenant_id: str, code: str) -> bytes:
    return f"{tenant_id}/voucher/{code}".encode()


def read_usage(table: Mapping[bytes, bytes], rated: RatedSession, rules: BenefitRules) -> AccountUsage:
    """The usage apply_benefits needs: the month's grants, and the ledgers of every voucher the session may
    use or used before."""
    session = rated.session
    month = usage_month(session, rules.time_zone)
    if rated.account_id is None:
        return AccountUsage(month)
    grants = decode_grants(table.get(month_key(session.tenant_id, rated.account_id, month)))
    usage = AccountUsage(month, grants)
    earlier = usage.grant_of(session.session_id)
    codes = {voucher.code for voucher in rules.vouchers} | {code for code, _ in (earlier.vouchers if earlier else ())}
    spent = {code: decode_spent(table.get(voucher_key(session.tenant_id, code))) for code in sorted(codes)}
    return AccountUsage(month, grants, spent)


def write_usage(table: Table, rated: RatedSession, usage: AccountUsage, delta: UsageDelta) -> None:
    """Store what changed: the month's grants and the ledgers of the vouchers the session used before or now."""
    if delta.grant is None or rated.account_id is None:
        return
    tenant = rated.session.tenant_id
    after = apply_delta(usage, delta)
    table[month_key(tenant, rated.account_id, usage.month)] = encode_grants(after.grants)
    before = delta.previous.vouchers if delta.previous else ()
    codes = {code for code, _ in (*before, *delta.grant.vouchers)}
    for code in sorted(codes):
        table[voucher_key(tenant, code)] = encode_spent(after.spent.get(code, {}))


def encode_grants(grants: tuple[Grant, ...]) -> bytes:
    return orjson.dumps({"format": FORMAT, "grants": [_grant_json(grant) for grant in grants]})


def decode_grants(raw: bytes | None) -> tuple[Grant, ...]:
    if raw is None:
        return ()
    return tuple(_grant_of(item) for item in _body(raw)["grants"])


def encode_spent(spent: Mapping[str, Decimal]) -> bytes:
    return orjson.dumps({"format": FORMAT, "spent": {sid: str(amount) for sid, amount in sorted(spent.items())}})


def decode_spent(raw: bytes | None) -> dict[str, Decimal]:
    if raw is None:
        return {}
    return {sid: Decimal(amount) for sid, amount in _body(raw)["spent"].items()}


def _body(raw: bytes) -> dict:
    body = orjson.loads(raw)
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ValueError(f"account usage in an unknown format: {raw[:80]!r}")
    return body


def _grant_json(grant: Grant) -> dict:
    return {
        "session_id": grant.session_id,
        "revision": grant.revision,
        "started_at": grant.started_at.isoformat(),
        "energy_wh": str(grant.energy_wh),
        "included_wh": str(grant.included_wh),
        "loyalty": list(grant.loyalty),
        "vouchers": [[code, str(amount)] for code, amount in grant.vouchers],
    }


def _grant_of(item: dict) -> Grant:
    return Grant(
        session_id=item["session_id"],
        revision=int(item["revision"]),
        started_at=datetime.fromisoformat(item["started_at"]),
        energy_wh=Decimal(item["energy_wh"]),
        included_wh=Decimal(item["included_wh"]),
        loyalty=tuple(item["loyalty"]),
        vouchers=tuple((code, Decimal(amount)) for code, amount in item["vouchers"]),
    )
