"""Composition: one ready-to-send Notification from a kind, the account, the trigger's id and its facts.

    compose(kind, *, tenant, account, trigger_id, facts, now) -> Notification | None

None when the account has no channel it also has an address for. The idempotency key is
`notification_key(kind, tenant_id, trigger_id)`, a stable hash: a redelivered trigger composes the same id, the
warehouse keeps one row (ReplacingMergeTree) and senders skip an id already delivered. Pick trigger ids that
name the event once: a refund id + decision, an invoice number, a wallet entry id that crossed the threshold.
Channel and recipient: the account's first channel with a non-blank address. Locale: Account.language's primary
subtag when we have texts for it (en, de, sv, es), else English. Dates are shown in the notification policy's
time zone (pipelines/catalog/notification_policy.py), else in the optional fact `time_zone` (an IANA name, e.g.
the site's), else in UTC. Non-urgent kinds get `not_before` at the end of quiet hours and the policy's
`max_per_hour`; urgent ones (kinds.URGENT_KINDS) neither.

Facts per kind (amounts are Decimal in `currency`, instants aware datetimes; a missing fact raises
MissingFactError, a float amount TypeError):
- session_started: station, session_id, started_at
- session_completed: station, session_id, started_at, stopped_at, energy_kwh (Decimal), currency,
  lines (iterable of (description, exact amount incl. VAT)); the receipt rounds each line half up to the minor
  unit and shows their sum as the total (pipelines/notify/receipt.py)
- running_cost_limit: station, session_id, cost (incl. VAT so far), limit, currency, as_of
- low_balance: balance, threshold, currency
- charging_problem: station, problem ("station_fault" | "interrupted" | "provisional_close"),
  session_id (str or None), detail (str or None: an OCPP error code or stop reason)
- blocked_card: token (the card's uid; only its last 4 characters are shown), station, at, status
  ("blocked" | "expired" | anything else reads as blocked)
- refund_decided: refund_id, session_id, amount, currency, decision ("approved" | anything else: declined),
  reason (str, may be empty)
- invoice_issued: invoice_number, total, currency, due_date (date), period (str, e.g. "November 2026")
A fact named session_id (str) is also copied to Notification.session_id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import UndefinedError

from pipelines.catalog.models import Account, Tenant
from pipelines.catalog.notification_policy import effective_policy
from pipelines.notify.kinds import URGENT_KINDS, NotificationKind
from pipelines.notify.logic import choose_locale, pick_channel
from pipelines.notify.models import Notification
from pipelines.notify.receipt import hours_minutes, receipt
from pipelines.notify.templates import render

__all__ = ["MissingFactError", "compose", "notification_key"]


class MissingFactError(ValueError):
    """The facts lack a value the kind's templates show: a bug in the caller, named precisely."""


def notification_key(kind: NotificationKind, tenant_id: str, trigger_id: str) -> str:
    """The idempotency key: the kind, then a hash of kind, tenant and trigger (trigger ids are per tenant)."""
    digest = hashlib.blake2b(f"{kind}\x00{tenant_id}\x00{trigger_id}".encode(), digest_size=16).hexdigest()
    return f"{kind}-{digest}"


def compose(
    kind: NotificationKind,
    *,
    tenant: Tenant,
    account: Account,
    trigger_id: str,
    facts: Mapping[str, object],
    now: datetime,
) -> Notification | None:
    """The message for one trigger, or None when the account can be reached on none of its channels."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    picked = pick_channel(account)
    if picked is None:
        return None
    channel, recipient = picked
    kind = NotificationKind(kind)
    policy = effective_policy(tenant.notification_policy, account.notification_policy)
    locale = choose_locale(account.language)
    try:
        text = render(kind, locale, _derived(kind, facts), _display_zone(policy.time_zone, facts))
    except UndefinedError as exc:
        raise MissingFactError(f"{kind} for account {account.account_id}: {exc.message}") from exc
    urgent = kind in URGENT_KINDS
    session_id = facts.get("session_id")
    return Notification(
        notification_id=notification_key(kind, tenant.tenant_id, trigger_id),
        tenant_id=tenant.tenant_id,
        kind=kind.value,
        account_id=account.account_id,
        recipient=recipient,
        channel=channel.value,
        locale=locale,
        subject=text.subject,
        body=text.body,
        session_id=session_id if isinstance(session_id, str) else None,
        created_at=now.astimezone(UTC),
        trigger_id=trigger_id,
        urgent=urgent,
        not_before=None if urgent else policy.not_before(now),
        rate_limit_per_hour=0 if urgent else policy.max_per_hour or 0,
    )


def _display_zone(policy_zone: str | None, facts: Mapping[str, object]) -> ZoneInfo:
    fallback = facts.get("time_zone")
    return ZoneInfo(policy_zone or (fallback if isinstance(fallback, str) else "UTC"))


def _derived(kind: NotificationKind, facts: Mapping[str, object]) -> Mapping[str, Any]:
    """The facts plus what templates show but callers need not compute (the receipt, a duration)."""
    if kind is not NotificationKind.SESSION_COMPLETED:
        return facts
    missing = [name for name in ("lines", "currency", "started_at", "stopped_at") if name not in facts]
    if missing:
        raise MissingFactError(f"{kind} needs the facts {missing}")
    raw_lines: Any = facts["lines"]
    lines = tuple(raw_lines)
    currency, started, stopped = facts["currency"], facts["started_at"], facts["stopped_at"]
    if not (isinstance(currency, str) and isinstance(started, datetime) and isinstance(stopped, datetime)):
        raise TypeError(f"{kind}: currency must be a str, started_at and stopped_at datetimes")
    if any(not isinstance(amount, Decimal) for _, amount in lines):
        raise TypeError(f"{kind}: line amounts must be Decimal")
    return {**facts, "receipt": receipt(lines, currency), "duration": hours_minutes(stopped - started)}
