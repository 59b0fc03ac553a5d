"""Signed webhooks: POST the notification as JSON with an HMAC-SHA256 signature over timestamp and body.

Headers: X-Chargeledger-Timestamp (Unix seconds) and X-Chargeledger-Signature ("v1=" + hex HMAC-SHA256 with
the tenant's secret over "<timestamp>.<body>"). A receiver recomputes it (`verify`) and refuses stale
timestamps, which stops replays; X-Chargeledger-Notification-Id lets it drop a duplicate. A 2xx is delivered,
a 408/429/5xx or a network error is retried, any other status is final.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

import aiohttp
import orjson

from pipelines.notify.models import Notification
from pipelines.notify.senders.base import DeliveryError
from pipelines.notify.senders.settings import SenderSettings

SIGNATURE_HEADER = "X-Chargeledger-Signature"
TIMESTAMP_HEADER = "X-Chargeledger-Timestamp"
ID_HEADER = "X-Chargeledger-Notification-Id"
_RETRYABLE = frozenset({408, 429})


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(secret: str, timestamp: str, body: bytes, signed: str) -> bool:
    """True when `signed` is the signature of timestamp and body under `secret` (constant-time compare)."""
    return hmac.compare_digest(signature(secret, timestamp, body), signed)


def payload(note: Notification) -> bytes:
    return orjson.dumps(
        {
            "notification_id": note.notification_id,
            "tenant_id": note.tenant_id,
            "account_id": note.account_id,
            "kind": note.kind,
            "locale": note.locale,
            "subject": note.subject,
            "body": note.body,
            "session_id": note.session_id,
            "created_at": note.created_at.isoformat(),
        }
    )


class WebhookSender:
    channel = "webhook"

    def __init__(self, settings: SenderSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock

    async def send(self, note: Notification) -> None:
        secret = self.settings.webhook_secrets.get(note.tenant_id)
        if secret is None:
            raise DeliveryError(f"no webhook secret configured for tenant {note.tenant_id}", retryable=False)
        body = payload(note)
        stamp = str(int(self.clock()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: signature(secret.get_secret_value(), stamp, body),
            ID_HEADER: note.notification_id,
        }
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_s)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(note.recipient, data=body, headers=headers) as response,
            ):
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"webhook: {type(exc).__name__}: {exc}") from exc
        if 200 <= status < 300:
            return
        raise DeliveryError(f"webhook answered HTTP {status}", retryable=status >= 500 or status in _RETRYABLE)
