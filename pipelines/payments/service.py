"""The payment service's logic: refuse what must not reach a gateway, call the adapter, turn replies into results.

Runs in the worker as a Faust agent on payments.requests (pipelines/payments/agents.py). A request holding
anything that looks like a card number is refused before any gateway sees it: its result says which fields,
and its dead letter keeps only the payment id, never the offending text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from pipelines.ingest.models import DeadLetter
from pipelines.payments.cards import card_number_fields, redacted
from pipelines.payments.gateway import LateReply, PaymentGateway, Reply
from pipelines.payments.models import PURPOSES, REFUSED, TIMEOUT, PaymentRequest, PaymentResult, result_of
from pipelines.wallets.letters import refused

GATEWAY_TIMEOUT_S = 10.0  # a gateway answering later reports through the late callback (a webhook)


def request_problems(request: PaymentRequest) -> list[str]:
    """Every reason to refuse a request before it reaches a gateway."""
    problems = []
    fields = card_number_fields(request)
    if fields:
        problems.append(f"card number in field(s) {', '.join(fields)}: the pipeline accepts gateway tokens only")
    if request.purpose not in PURPOSES:
        problems.append(f"unknown payment purpose {request.purpose!r}")
    if request.amount <= 0:
        problems.append(f"a payment amount must be positive, got {request.amount}")
    return problems


async def process(request: PaymentRequest, gateway: PaymentGateway, late: LateReply, *,
                  now: Callable[[], datetime], timeout_s: float = GATEWAY_TIMEOUT_S) -> PaymentResult:  # fmt: skip
    """The request's immediate result: refused, or the gateway's reply (timeout if it does not answer in time)."""
    problems = request_problems(request)
    if problems:
        return result_of(redacted(request), REFUSED, now(), reason="; ".join(problems))
    try:
        reply = await asyncio.wait_for(gateway.submit(request, late), timeout_s)
    except TimeoutError:
        reply = Reply(TIMEOUT, reason=f"the gateway did not answer within {timeout_s} s")
    return reply_result(request, reply, now())


def reply_result(request: PaymentRequest, reply: Reply, at: datetime) -> PaymentResult:
    return result_of(request, reply.status, at, gateway_reference=reply.gateway_reference, reason=reply.reason)


def refusal_dead_letter(result: PaymentResult) -> DeadLetter:
    """The dead letter of a refused request (its result already redacted): reason and payment id, no card data."""
    reason, payment = result.reason or "refused", result.payment_id
    return refused("payments", payment, reason, payment.encode(), result.decided_at, result.tenant_id)
