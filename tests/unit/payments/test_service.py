"""The payment service with the sandbox gateway: each test token's outcome, refusal of card data, idempotency."""

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

from pipelines.payments.gateway import APPROVE, DECLINE, LATE_SUCCESS, TIME_OUT, Reply, SandboxGateway
from pipelines.payments.models import APPROVED, DECLINED, REFUSED, TIMEOUT, TOPUP, PaymentRequest
from pipelines.payments.service import process, refusal_dead_letter

AT = datetime(2026, 11, 23, 10, tzinfo=UTC)


def request(token: str, payment_id: str = "p1", reference: str = "r") -> PaymentRequest:
    return PaymentRequest(payment_id, "t1", "A1", TOPUP, Decimal(20), "EUR", token, reference, None, AT)


async def outcomes(req: PaymentRequest, gateway: SandboxGateway) -> tuple[str, list[Reply]]:
    late: list[Reply] = []

    async def on_late(_: PaymentRequest, reply: Reply) -> None:
        late.append(reply)

    result = await process(req, gateway, on_late, now=lambda: AT)
    await asyncio.sleep(0.05)
    return result.status, late


async def test_each_sandbox_token_has_its_outcome() -> None:
    gateway = SandboxGateway(late_after_s=0.01)
    assert await outcomes(request(APPROVE, "a"), gateway) == (APPROVED, [])
    assert await outcomes(request(DECLINE, "d"), gateway) == (DECLINED, [])
    assert await outcomes(request(TIME_OUT, "t"), gateway) == (TIMEOUT, [])
    status, late = await outcomes(request(LATE_SUCCESS, "l"), gateway)
    assert status == TIMEOUT and [reply.status for reply in late] == [APPROVED]
    assert await outcomes(request(LATE_SUCCESS, "l"), gateway) == (APPROVED, [])  # a retry learns the final answer


async def test_a_gateway_that_does_not_answer_times_out() -> None:
    class Silent:
        async def submit(self, request: PaymentRequest, late: object) -> Reply:
            await asyncio.sleep(10)
            raise AssertionError("unreachable")

    result = await process(request(APPROVE), Silent(), None, now=lambda: AT, timeout_s=0.01)  # type: ignore[arg-type]
    assert result.status == TIMEOUT


async def test_a_card_number_in_any_field_is_refused_before_the_gateway_and_never_stored() -> None:
    gateway = SandboxGateway()
    result = await process(request("4111 1111 1111 1111"), gateway, None, now=lambda: AT)  # type: ignore[arg-type]
    assert result.status == REFUSED and "payment_token" in (result.reason or "")
    assert gateway.replies == {} and result.payment_id == "p1"
    refused = await process(request(APPROVE, reference="5500-0000-0000-0004"), gateway, None, now=lambda: AT)  # type: ignore[arg-type]
    assert refused.status == REFUSED and refused.reference == "****0004"
    letter = refusal_dead_letter(refused)
    assert b"5500" not in letter.original and "5500" not in letter.reason
