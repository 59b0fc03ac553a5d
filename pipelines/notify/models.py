"""Records the notify stage produces: messages ready for a sender to deliver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Notification:
    notification_id: str  # idempotency key: hash of kind, tenant and trigger id; a redelivery never sends twice
    tenant_id: str
    kind: str  # a pipelines.notify.kinds.NotificationKind value
    account_id: str
    recipient: str  # e-mail address, phone number, push token or webhook URL per channel
    channel: str  # email | sms | push | webhook
    locale: str
    subject: str
    body: str
    session_id: str | None
    created_at: datetime
    trigger_id: str = ""  # what caused it (session id + revision, refund id, flag id, ...), for tracing
    urgent: bool = False  # urgent messages ignore quiet hours and rate limits
    not_before: datetime | None = None  # quiet hours: a sender holds the message until then; None: at once
    rate_limit_per_hour: int = 0  # non-urgent messages per recipient and hour the sender may deliver; 0: no limit


# NotificationDelivery.status: what one delivery attempt came to.
SENT, FAILED, DEAD_LETTER = "sent", "failed", "dead_letter"  # failed: retried later; dead_letter: given up


@dataclass(frozen=True, slots=True)
class NotificationDelivery:
    """One delivery attempt of a notification by a sender; topic notifications.deliveries.v1."""

    delivery_id: str  # notification id + attempt: a replayed attempt replaces its row
    notification_id: str
    tenant_id: str
    account_id: str
    kind: str
    channel: str
    recipient: str
    status: str  # sent | failed | dead_letter
    attempt: int  # 1, 2, ...
    reason: str  # why it failed ("" when sent); never a secret
    attempted_at: datetime
