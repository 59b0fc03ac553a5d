"""Faust adapter of refunds: every command about a session's refunds (keyed by session) applied to that
session's state in the table `refunds`; events to refunds.events, credits to wallet.commands, card refunds to
payments.requests, decisions to the driver."""

from __future__ import annotations

from datetime import UTC, datetime

import faust

from pipelines.catalog.follower import CatalogFollower
from pipelines.config import Settings
from pipelines.refunds.route import apply_request
from pipelines.streaming.codec import decoder, encoder
from pipelines.wallets.agents import decoded
from pipelines.wallets.models import wallet_key


def attach_refund_agents(app: faust.App, settings: Settings, catalog: CatalogFollower) -> None:
    topics = settings.topics
    requests = app.topic(topics.refund_requests, key_type=bytes, value_type=bytes)
    events = app.topic(topics.refund_events, key_type=bytes, value_type=bytes)
    commands = app.topic(topics.wallet_commands, key_type=bytes, value_type=bytes)
    payments = app.topic(topics.payment_requests, key_type=bytes, value_type=bytes)
    notifications = app.topic(topics.notifications, key_type=bytes, value_type=bytes)
    dead_letters = app.topic(topics.deadletter, key_type=bytes, value_type=bytes)
    table = app.Table("refunds", partitions=settings.partitions, key_type=bytes, value_type=bytes)
    decode_request, encode_event = decoder("RefundRequest"), encoder("RefundEvent")
    encode_command, encode_payment = encoder("WalletCommand"), encoder("PaymentRequest")
    encode_notification, encode_dead_letter = encoder("Notification"), encoder("DeadLetter")

    @app.agent(requests)
    async def refunds(stream: faust.StreamT) -> None:
        await catalog.ready.wait()
        async for raw in stream:
            request = await decoded(
                decode_request, raw, stage="refunds", topic=topics.refund_requests, dead_letters=dead_letters
            )
            if request is None:
                continue
            effects = apply_request(table, request, catalog.view, now=datetime.now(UTC))
            for event in effects.events:
                await events.send(key=event.session_id.encode(), value=encode_event(event))
            if effects.wallet is not None:
                key = wallet_key(effects.wallet.tenant_id, effects.wallet.account_id)
                await commands.send(key=key, value=encode_command(effects.wallet))
            if effects.payment is not None:
                key = wallet_key(effects.payment.tenant_id, effects.payment.account_id)
                await payments.send(key=key, value=encode_payment(effects.payment))
            if effects.notification is not None:
                note = effects.notification
                await notifications.send(key=note.notification_id.encode(), value=encode_notification(note))
            if effects.dead_letter is not None:
                letter = effects.dead_letter
                await dead_letters.send(key=letter.dead_letter_id.encode(), value=encode_dead_letter(letter))
