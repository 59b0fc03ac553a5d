"""Account usage between sessions, as keys and versioned JSON values of a key-value table (the benefits agent's
Faust Table, changelogged by Faust; a dict in tests).

Keys: `tenant/account/YYYY-MM-DD` holds the grants of the account's sessions that started that local day;
`tenant/account/YYYY-MM` sums each day of the month (sessions, energy, included energy), which is all loyalty
and included energy need of the other days; `tenant/voucher/CODE` holds what each session took from the
voucher. A session reads and rewrites one day's grants and the month's day sums, so a fleet account with
thousands of sessions a month never rewrites a value that grows with the month (one such value per session
was quadratic, and would outgrow a Kafka record). Every key belongs to one account (a token voucher's token
has one account), so all of them live in the partition of that account's sessions.

`tenant/account/months` lists the months the account has keys for, so that a month falling out of the last
RETAINED_MONTHS (counted back from the newest) is deleted with its days: the table, its changelog and the time
a worker needs to recover it stay bounded per account instead of growing every day for as long as it runs.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import datetime
from decimal import Decimal

import orjson

from pipelines.rating.discounts import (
    AccountUsage,
    BenefitRules,
    Grant,
    Tally,
    UsageDelta,
    apply_delta,
    usage_day,
)
from pipelines.rating.models import RatedSession

FORMAT = 2  # 1 kept a month's grants under the month key; nothing was deployed with it
Table = MutableMapping[bytes, bytes]
DayTallies = dict[str, Tally]  # YYYY-MM-DD -> the day's sessions summed
# The newest month with usage and the two before it: corrections arrive within hours, stations that were offline
# upload within days. A session older than that is rated as the first of its month once its month is pruned.
RETAINED_MONTHS = 3


def partition_key(rated: RatedSession) -> bytes:
    """The key sessions travel under to the benefits agent: one account's sessions meet in one partition."""
    if rated.account_id is None:
        return rated.session.session_id.encode()
    return f"{rated.session.tenant_id}/{rated.account_id}".encode()


def month_key(tenant_id: str, account_id: str, month: str) -> bytes:
    return f"{tenant_id}/{account_id}/{month}".encode()


def day_key(tenant_id: str, account_id: str, day: str) -> bytes:
    return f"{tenant_id}/{account_id}/{day}".encode()


def months_key(tenant_id: str, account_id: str) -> bytes:
    return f"{tenant_id}/{account_id}/months".encode()


def voucher_key(tenant_id: str, code: str) -> bytes:
    return f"{tenant_id}/voucher/{code}".encode()


def read_usage(table: Mapping[bytes, bytes], rated: RatedSession, rules: BenefitRules) -> AccountUsage:
    """The usage apply_benefits needs: the day's grants, the month's other days summed, and the ledgers of
    every voucher the session may use or used before."""
    session = rated.session
    day = usage_day(session, rules.time_zone)
    month = day[:7]
    if rated.account_id is None:
        return AccountUsage(month)
    grants = decode_grants(table.get(day_key(session.tenant_id, rated.account_id, day)))
    tallies = decode_tallies(table.get(month_key(session.tenant_id, rated.account_id, month)))
    earlier = [tally for other, tally in tallies.items() if other < day]
    usage = AccountUsage(
        month,
        grants,
        earlier_days=Tally(
            sum(tally.sessions for tally in earlier),
            sum((tally.energy_wh for tally in earlier), Decimal(0)),
        ),
        other_days_included_wh=sum((t.included_wh for other, t in tallies.items() if other != day), Decimal(0)),
    )
    recorded = usage.grant_of(session.session_id)
    codes = {voucher.code for voucher in rules.vouchers} | {code for code, _ in (recorded.vouchers if recorded else ())}
    spent = {code: decode_spent(table.get(voucher_key(session.tenant_id, code))) for code in sorted(codes)}
    return AccountUsage(month, grants, spent, usage.earlier_days, usage.other_days_included_wh)


def write_usage(table: Table, rated: RatedSession, usage: AccountUsage, delta: UsageDelta, rules: BenefitRules) -> None:
    """Store what changed: the day's grants, the month's sum of that day, and the ledgers of the vouchers the
    session used before or now."""
    if delta.grant is None or rated.account_id is None:
        return
    tenant, account = rated.session.tenant_id, rated.account_id
    day = usage_day(rated.session, rules.time_zone)
    after = apply_delta(usage, delta)
    table[day_key(tenant, account, day)] = encode_grants(after.grants)
    tallies = decode_tallies(table.get(month_key(tenant, account, usage.month)))
    tallies[day] = Tally(
        len(after.grants),
        sum((grant.energy_wh for grant in after.grants), Decimal(0)),
        sum((grant.included_wh for grant in after.grants), Decimal(0)),
    )
    table[month_key(tenant, account, usage.month)] = encode_tallies(tallies)
    _prune_months(table, tenant, account, usage.month)
    before = delta.previous.vouchers if delta.previous else ()
    codes = {code for code, _ in (*before, *delta.grant.vouchers)}
    for code in sorted(codes):
        table[voucher_key(tenant, code)] = encode_spent(after.spent.get(code, {}))


def _prune_months(table: Table, tenant: str, account: str, written: str) -> None:
    """Record `written` in the account's month list and delete the months older than the retained ones, with
    their days; never the month just written, so a redelivered late session finds the usage it wrote."""
    held = decode_months(table.get(months_key(tenant, account)))
    months = held | {written}
    horizon = month_before(max(months), RETAINED_MONTHS - 1)
    stale = {month for month in months if month < horizon and month != written}
    for month in sorted(stale):
        for day in decode_tallies(table.get(month_key(tenant, account, month))):
            if day_key(tenant, account, day) in table:
                del table[day_key(tenant, account, day)]
        if month_key(tenant, account, month) in table:
            del table[month_key(tenant, account, month)]
    if months - stale != held:
        table[months_key(tenant, account)] = encode_months(months - stale)


def month_before(month: str, count: int) -> str:
    """YYYY-MM `count` months before `month`."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 - count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def encode_months(months: set[str]) -> bytes:
    return orjson.dumps({"format": FORMAT, "months": sorted(months)})


def decode_months(raw: bytes | None) -> set[str]:
    return set() if raw is None else set(_body(raw)["months"])


def encode_tallies(tallies: DayTallies) -> bytes:
    days = {day: [t.sessions, str(t.energy_wh), str(t.included_wh)] for day, t in sorted(tallies.items())}
    return orjson.dumps({"format": FORMAT, "days": days})


def decode_tallies(raw: bytes | None) -> DayTallies:
    if raw is None:
        return {}
    return {day: Tally(int(n), Decimal(wh), Decimal(inc)) for day, (n, wh, inc) in _body(raw)["days"].items()}


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
