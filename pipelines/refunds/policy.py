"""Refund validation and the tenant's decision rule, pure: what may be refunded, and what needs a person."""

from __future__ import annotations

from decimal import Decimal

from pipelines.catalog.wallet import RefundPolicy
from pipelines.money import minor_unit, round_money
from pipelines.refunds.models import RefundReason, SessionFacts


def refundable(facts: SessionFacts, refunded: Decimal) -> Decimal:
    """What may still be refunded: the charge less every refund that still counts."""
    return max(facts.charged - refunded, Decimal(0))


def amount_problems(amount: Decimal, facts: SessionFacts, refunded: Decimal) -> list[str]:
    """Every reason `amount` cannot be refunded for the session, given what its earlier refunds took."""
    problems = []
    if amount <= 0:
        problems.append(f"a refund must be positive, got {amount}")
    if amount != round_money(amount, facts.currency):
        problems.append(f"{amount} has more than {minor_unit(facts.currency)} decimals for {facts.currency}")
    remaining = refundable(facts, refunded)
    if amount > remaining:
        problems.append(
            f"{amount} {facts.currency} is more than the {remaining} {facts.currency} still refundable "
            f"(charged {facts.charged}, refunded {refunded})"
        )
    return problems


def reason_problems(reason: str) -> list[str]:
    known = [r.value for r in RefundReason]
    return [] if reason in known else [f"unknown refund reason {reason!r}; one of {', '.join(known)}"]


def station_fault(facts: SessionFacts, policy: RefundPolicy) -> bool:
    """The station, not the driver, ended or broke the session: a fault stop reason or a reported fault."""
    return facts.station_faulted or (facts.stop_reason or "") in policy.fault_stop_reasons


def auto_approved(reason: str, amount: Decimal, facts: SessionFacts, policy: RefundPolicy | None) -> bool:
    """Approved without a person: a reason the policy trusts, a station fault, and at most the policy's amount."""
    if policy is None:
        return False
    return reason in policy.auto_approve_reasons and station_fault(facts, policy) and amount <= policy.auto_approve_max
