"""How and when an account may be notified: quiet hours, a rate limit and a running-cost limit.

A tenant sets the policy for all its accounts (`Tenant.notification_policy`); an account may set its own
(`Account.notification_policy`), which replaces the tenant's as a whole (`effective_policy`): a driver who
chose quiet hours and a limit means exactly those. Quiet hours and the rate limit hold only for non-urgent
messages (pipelines/notify/kinds.py): composition stamps `not_before` at the end of the quiet window and the
policy's `max_per_hour` on each message; a sender keeps to both (pipelines/notify/senders/schedule.py).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from pipelines.catalog.strict import Strict


class QuietHours(Strict):
    """A local time-of-day window [start, end), crossing midnight when end <= start (22:00-07:00)."""

    start: time
    end: time

    def release(self, local: datetime) -> datetime | None:
        """The end of the window `local` falls in (same zone as `local`), or None when it falls in none."""
        moment = local.time().replace(tzinfo=None)
        crosses = self.end <= self.start
        if crosses and moment >= self.start:
            day = local.date() + timedelta(days=1)
        elif (crosses and moment < self.end) or (not crosses and self.start <= moment < self.end):
            day = local.date()
        else:
            return None
        return datetime.combine(day, self.end, tzinfo=local.tzinfo)


class NotificationPolicy(Strict):
    time_zone: str | None = None  # IANA zone of quiet hours and of dates in messages; None: the site's, else UTC
    quiet_hours: QuietHours | None = None
    max_per_hour: int | None = Field(default=None, ge=1)  # non-urgent messages per recipient and hour
    running_cost_limit: Decimal | None = Field(default=None, gt=0)  # incl. VAT, the tariff's currency

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The zone of quiet hours: the policy's, else UTC."""
        return ZoneInfo(self.time_zone or "UTC")

    def not_before(self, now: datetime) -> datetime | None:
        """When a non-urgent message composed at `now` may go out: the end of quiet hours, None for at once."""
        if self.quiet_hours is None:
            return None
        local = now.astimezone(self.zone)
        return self.quiet_hours.release(local)  # ZoneInfo gives the release its own day's offset (DST)


DEFAULT_POLICY = NotificationPolicy()


def effective_policy(
    tenant_policy: NotificationPolicy | None, account_policy: NotificationPolicy | None
) -> NotificationPolicy:
    """The account's own policy, else its tenant's, else the default (UTC, no quiet hours, no limits)."""
    return account_policy or tenant_policy or DEFAULT_POLICY
