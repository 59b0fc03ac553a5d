"""The 'session completed' message: who gets it on which channel, in which language, with which figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pipelines.catalog.models import Account, Channel
from pipelines.notify.models import Notification
from pipelines.notify.templates import (
    DEFAULT_LOCALE,
    SESSION_COMPLETED,
    format_energy,
    format_money,
)
from pipelines.rating.models import RatedSession

__all__ = ["NoChannelError", "choose_locale", "format_money", "pick_channel", "session_completed"]

SESSION_COMPLETED_KIND = "session_completed"
_ADDRESS_FIELD = {
    Channel.EMAIL: "email",
    Channel.SMS: "phone",
    Channel.PUSH: "push_token",
    Channel.WEBHOOK: "webhook_url",
}


class NoChannelError(ValueError):
    """The account lists no channel for which it also has an address."""


def pick_channel(account: Account) -> tuple[Channel, str] | None:
    """The account's first channel, in its own order, that has a usable (non-blank) address."""
    for channel in account.channels:
        address = getattr(account, _ADDRESS_FIELD[Channel(channel)])
        if isinstance(address, str) and address.strip():
            return Channel(channel), address.strip()
    return None


def choose_locale(language: str | None, available: tuple[str, ...] = tuple(SESSION_COMPLETED)) -> str:
    """The language's primary subtag (de-AT -> de) when a template exists for it, else English."""
    primary = (language or "").replace("_", "-").split("-")[0].strip().lower()
    return primary if primary in available else DEFAULT_LOCALE


def session_completed(rated: RatedSession, account: Account, *, now: datetime) -> Notification:
    """The ready-to-send message for a rated session; its id makes a redelivery of one revision idempotent."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    picked = pick_channel(account)
    if picked is None:
        channels = ", ".join(Channel(c).value for c in account.channels) or "none"
        raise NoChannelError(f"account {account.account_id} has no address for any of its channels ({channels})")
    channel, recipient = picked
    locale = choose_locale(account.language)
    template = SESSION_COMPLETED[locale]
    fields = _fields(rated, locale)
    session = rated.session
    return Notification(
        notification_id=f"{SESSION_COMPLETED_KIND}/{session.session_id}/r{session.revision}",
        tenant_id=session.tenant_id,
        kind=SESSION_COMPLETED_KIND,
        account_id=account.account_id,
        recipient=recipient,
        channel=channel.value,
        locale=locale,
        subject=template.subject.format(**fields),
        body=template.body.format(**fields),
        session_id=session.session_id,
        created_at=now.astimezone(UTC),
    )


def _fields(rated: RatedSession, locale: str) -> dict[str, str]:
    session = rated.session
    return {
        "station": session.charge_point_id,
        "start": _utc_iso(session.started_at),
        "end": _utc_iso(session.stopped_at),
        "duration": _hours_minutes(session.stopped_at - session.started_at),
        "energy": format_energy(session.energy_wh / 1000, locale),
        "total": format_money(rated.total_cost_incl_vat, rated.currency, locale),
        "session_id": session.session_id,
    }


def _utc_iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hours_minutes(span: timedelta) -> str:
    """h:mm, rounded half up to the minute; a negative span (clock trouble) shows as 0:00."""
    minutes = int(
        (Decimal(max(span, timedelta()) // timedelta(microseconds=1)) / 60_000_000).to_integral_value(
            rounding=ROUND_HALF_UP
        )
    )
    return f"{minutes // 60}:{minutes % 60:02d}"
