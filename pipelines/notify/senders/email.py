"""E-mail over SMTP (aiosmtplib): one plain-text UTF-8 message per notification."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from pipelines.notify.models import Notification
from pipelines.notify.senders.base import DeliveryError
from pipelines.notify.senders.settings import SenderSettings

# Permanent SMTP replies (5xx) mean the same message will be refused again.
_PERMANENT = 500


class EmailSender:
    channel = "email"

    def __init__(self, settings: SenderSettings) -> None:
        self.settings = settings

    def message(self, note: Notification) -> EmailMessage:
        """The e-mail; its Message-ID derives from the idempotency key, so a receiver can drop a duplicate."""
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = note.recipient
        message["Subject"] = note.subject
        message["Message-ID"] = f"<{note.notification_id}@chargeledger>"
        message["Content-Language"] = note.locale
        message.set_content(note.body)
        return message

    async def send(self, note: Notification) -> None:
        s = self.settings
        password = s.smtp_password.get_secret_value() if s.smtp_password else None
        try:
            await aiosmtplib.send(
                self.message(note),
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=password,
                start_tls=s.smtp_starttls,
                timeout=s.timeout_s,
            )
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.code}: {exc.message}", retryable=exc.code < _PERMANENT) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP: {type(exc).__name__}: {exc}") from exc
