"""SMS and push: adapters of the Sender interface that log what they would send instead of sending it.

A provider integration (an SMS gateway's REST API, FCM/APNs for push) replaces `send` with the provider call,
mapping the provider's "try later" answers to DeliveryError(retryable=True) and refusals to retryable=False;
the runner then does scheduling, retries, dead letters and delivery records unchanged.
"""

from __future__ import annotations

import logging

from pipelines.notify.models import Notification

log = logging.getLogger(__name__)


class DryRunSender:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    async def send(self, note: Notification) -> None:
        # The recipient is personal data: log the account, not the phone number or push token.
        log.info("dry-run %s to account %s: %s", self.channel, note.account_id, note.subject)
