"""Faust adapters of the wallet: prepaid sessions re-keyed by account, and the wallet agent with its table.

sessions.rated is keyed by session, so `wallet_charges` turns a prepaid account's rated session into a
command on wallet.commands keyed by account, where credits (top-ups, refunds) also arrive; `wallet` keeps each
account's state in the table `wallets` (changelogged; restored like account-usage, see faust_transport) and
sends entries to wallet.ledger, auto top-ups to payments.requests and low-balance notifications.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import faust

from pipelines.catalog.follower import CatalogFollower
from pipelines.config import Settings
from pipelines.streaming.codec import decoder, encoder
from pipelines.wallets.letters import undecodable
from pipelines.wallets.models import wallet_key
from pipelines.wallets.route import apply_command, session_charge


async def decoded(
    decode: Callable[[bytes], Any], raw: bytes, *, stage: str, topic: str, dead_letters: faust.TopicT
) -> Any | None:
    """The record in `raw`, or None once it is dead-lettered (card-like runs masked): a foreign record on a money
    topic never crashes an agent."""
    try:
        return decode(raw)
    except Exception as error:
        letter = undecodable(stage, topic, raw, error, datetime.now(UTC))
        await dead_letters.send(key=letter.dead_letter_id.encode(), value=encoder("DeadLetter")(letter))
        return None


def attach_wallet_agents(app: faust.App, settings: Settings, catalog: CatalogFollower) -> None:
    topics = settings.topics
    rated = app.topic(topics.sessions_rated, key_type=bytes, value_type=bytes)
    commands = app.topic(topics.wallet_commands, key_type=bytes, value_type=bytes)
    ledger = app.topic(topics.wallet_ledger, key_type=bytes, value_type=bytes)
    payments = app.topic(topics.payment_requests, key_type=bytes, value_type=bytes)
    notifications = app.topic(topics.notifications, key_type=bytes, value_type=bytes)
    dead_letters = app.topic(topics.deadletter, key_type=bytes, value_type=bytes)
    wallets = app.Table("wallets", partitions=settings.partitions, key_type=bytes, value_type=bytes)
    decode_rated, decode_command = decoder("RatedSession"), decoder("WalletCommand")
    encode_command, encode_entry = encoder("WalletCommand"), encoder("WalletEntry")
    encode_payment = encoder("PaymentRequest")
    encode_notification, encode_dead_letter = encoder("Notification"), encoder("DeadLetter")

    @app.agent(rated)
    async def wallet_charges(stream: faust.StreamT) -> None:
        await catalog.ready.wait()
        async for raw in stream:
            command = session_charge(decode_rated(raw), catalog.view)
            if command is not None:
                key = wallet_key(command.tenant_id, command.account_id)
                await commands.send(key=key, value=encode_command(command))

    @app.agent(commands)
    async def wallet(stream: faust.StreamT) -> None:
        await catalog.ready.wait()
        async for raw in stream:
            command = await decoded(
                decode_command, raw, stage="wallet", topic=topics.wallet_commands, dead_letters=dead_letters
            )
            if command is None:
                continue
            effects = apply_command(wallets, command, catalog.view, now=datetime.now(UTC))
            key = wallet_key(command.tenant_id, command.account_id)
            for entry in effects.entries:
                await ledger.send(key=key, value=encode_entry(entry))
            if effects.payment is not None:
                await payments.send(key=key, value=encode_payment(effects.payment))
            if effects.notification is not None:
                note = effects.notification
                await notifications.send(key=note.notification_id.encode(), value=encode_notification(note))
            if effects.dead_letter is not None:
                letter = effects.dead_letter
                await dead_letters.send(key=letter.dead_letter_id.encode(), value=encode_dead_letter(letter))
