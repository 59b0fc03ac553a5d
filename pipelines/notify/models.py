"""Records the notify stage produces: messages ready for a sender to deliver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Notification:
    notification_id: str  # idempotency key: kind/subject id/revision; a redelivery never sends twice
    tenant_id: str
    kind: str  # session_completed, ...
    account_id: str
    recipient: str  # e-mail address, phone number, push token or webhook URL per channel
    channel: str  # email | sms | push | webhook
    locale: str
    subject: str
    body: str
    session_id: str | None
    created_at: datetime
