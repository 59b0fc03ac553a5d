"""Faust adapters of payments: the payment service runs the gateway adapter for each request, and the results
agent turns results into wallet credits and refund settlements.

The service is the only place a gateway is called; its late replies (a success after a timeout) are published as
further results for the same payment id. Requests are keyed by account, results too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import faust

from pipelines.config import Settings
from pipelines.payments.gateway import PaymentGateway, Reply, SandboxGateway
from pipelines.payments.models import REFUSED, PaymentRequest, PaymentResult
from pipelines.payments.route import refund_settlement, wallet_command
from pipelines.payments.service import process, refusal_dead_letter, reply_result
from pipelines.streaming.codec import decoder, encoder
from pipelines.wallets.agents import decoded
from pipelines.wallets.models import wallet_key


def attach_payment_agents(app: faust.App, settings: Settings, gateway: PaymentGateway | None = None) -> None:
    """`gateway` defaults to the sandbox; a real adapter is passed here (see pipelines/payments/gateway.py)."""
    topics = settings.topics
    requests = app.topic(topics.payment_requests, key_type=bytes, value_type=bytes)
    results = app.topic(topics.payment_results, key_type=bytes, value_type=bytes)
    commands = app.topic(topics.wallet_commands, key_type=bytes, value_type=bytes)
    refunds = app.topic(topics.refund_requests, key_type=bytes, value_type=bytes)
    dead_letters = app.topic(topics.deadletter, key_type=bytes, value_type=bytes)
    adapter = gateway if gateway is not None else SandboxGateway()
    decode_request, decode_result = decoder("PaymentRequest"), decoder("PaymentResult")
    encode_result, encode_dead_letter = encoder("PaymentResult"), encoder("DeadLetter")
    encode_command, encode_refund = encoder("WalletCommand"), encoder("RefundRequest")

    async def publish(result: PaymentResult) -> None:
        await results.send(key=wallet_key(result.tenant_id, result.account_id), value=encode_result(result))
        if result.status == REFUSED:
            letter = refusal_dead_letter(result)
            await dead_letters.send(key=letter.dead_letter_id.encode(), value=encode_dead_letter(letter))

    async def late(request: PaymentRequest, reply: Reply) -> None:
        await publish(reply_result(request, reply, datetime.now(UTC)))

    @app.agent(requests)
    async def payment_service(stream: faust.StreamT) -> None:
        async for raw in stream:
            request = await decoded(
                decode_request, raw, stage="payments", topic=topics.payment_requests, dead_letters=dead_letters
            )
            if request is None:
                continue
            await publish(await process(request, adapter, late, now=lambda: datetime.now(UTC)))

    @app.agent(results)
    async def payment_outcomes(stream: faust.StreamT) -> None:
        async for raw in stream:
            result = await decoded(
                decode_result, raw, stage="payments", topic=topics.payment_results, dead_letters=dead_letters
            )
            if result is None:
                continue
            command, settlement = wallet_command(result), refund_settlement(result)
            if command is not None:
                await commands.send(
                    key=wallet_key(command.tenant_id, command.account_id), value=encode_command(command)
                )
            if settlement is not None:
                await refunds.send(key=settlement.session_id.encode(), value=encode_refund(settlement))
