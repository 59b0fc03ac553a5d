"""Who is reached how: the account's channel and address, and the language its messages are written in."""

from __future__ import annotations

from pipelines.catalog.models import Account, Channel
from pipelines.notify.templates import DEFAULT_LOCALE, LOCALES

__all__ = ["choose_locale", "pick_channel"]

_ADDRESS_FIELD = {
    Channel.EMAIL: "email",
    Channel.SMS: "phone",
    Channel.PUSH: "push_token",
    Channel.WEBHOOK: "webhook_url",
}


def pick_channel(account: Account) -> tuple[Channel, str] | None:
    """The account's first channel, in its own order, that has a usable (non-blank) address."""
    for channel in account.channels:
        address = getattr(account, _ADDRESS_FIELD[Channel(channel)])
        if isinstance(address, str) and address.strip():
            return Channel(channel), address.strip()
    return None


def choose_locale(language: str | None, available: tuple[str, ...] = LOCALES) -> str:
    """The language's primary subtag (de-AT -> de) when a template exists for it, else English."""
    primary = (language or "").replace("_", "-").split("-")[0].strip().lower()
    return primary if primary in available else DEFAULT_LOCALE
