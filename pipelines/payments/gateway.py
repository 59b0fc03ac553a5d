"""The payment-gateway adapter interface and the sandbox adapter that runs the whole flow locally.

An adapter turns a PaymentRequest into the gateway's API call, using `payment_id` as the gateway's idempotency
key (a redelivered request must not charge twice) and `payment_token` as the stored payment method. It answers
at once with a Reply; a final answer the gateway gives later (a webhook after a timeout) goes to the `late`
callback the service hands it, which publishes it as one more PaymentResult.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from pipelines.payments.models import APPROVED, DECLINED, REFUND, TIMEOUT, PaymentRequest


@dataclass(frozen=True, slots=True)
class Reply:
    status: str  # approved | declined | timeout
    gateway_reference: str | None = None
    reason: str | None = None


LateReply = Callable[[PaymentRequest, Reply], Awaitable[None]]


class PaymentGateway(Protocol):
    """What the payment service needs from a gateway; see the module docstring for the contract."""

    async def submit(self, request: PaymentRequest, late: LateReply) -> Reply:
        """Charge (or, for purpose refund, pay back to) the request's token; idempotent by payment_id."""
        ...


# Sandbox test tokens and what they do.
APPROVE, DECLINE = "tok_sandbox_approve", "tok_sandbox_decline"
TIME_OUT, LATE_SUCCESS = "tok_sandbox_timeout", "tok_sandbox_late_success"


class SandboxGateway:
    """Answers by token: approve, decline, time out for good, or time out and succeed `late_after_s` later."""

    def __init__(self, late_after_s: float = 0.5) -> None:
        self.late_after_s = late_after_s
        self.replies: dict[str, Reply] = {}  # payment id -> final reply: a resubmission answers the same
        self._late: set[asyncio.Task[None]] = set()

    async def submit(self, request: PaymentRequest, late: LateReply) -> Reply:
        known = self.replies.get(request.payment_id)
        if known is not None:
            return known
        token = request.payment_token
        verb = "refund" if request.purpose == REFUND else "charge"
        reference = f"sandbox-{verb}-{request.payment_id}"
        if token == APPROVE:
            return self._final(request, Reply(APPROVED, reference))
        if token == TIME_OUT:
            return self._final(request, Reply(TIMEOUT, reason="sandbox: the gateway did not answer"))
        if token == LATE_SUCCESS:
            task = asyncio.create_task(self._succeed_late(request, Reply(APPROVED, reference), late))
            self._late.add(task)
            task.add_done_callback(self._late.discard)
            return Reply(TIMEOUT, reason="sandbox: the gateway did not answer yet")
        reason = "sandbox: card declined" if token == DECLINE else f"sandbox: unknown test token {token!r}"
        return self._final(request, Reply(DECLINED, reason=reason))

    def _final(self, request: PaymentRequest, reply: Reply) -> Reply:
        self.replies[request.payment_id] = reply
        return reply

    async def _succeed_late(self, request: PaymentRequest, reply: Reply, late: LateReply) -> None:
        await asyncio.sleep(self.late_after_s)
        self._final(request, reply)
        await late(request, reply)
