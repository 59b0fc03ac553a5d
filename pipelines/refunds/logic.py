"""One session's refunds as a pure step: `step(state, request, context) -> (state, outcome)`.

Every command about a session's refunds travels keyed by the session, so this state sees them in order: the
sum of refunds that still count can never exceed the charge, however many requests race. Each state change is
a RefundEvent; executing emits the wallet credit or the payment refund, and the credit-note lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from pipelines.catalog.wallet import RefundPolicy
from pipelines.payments.models import APPROVED, DECLINED, REFUSED
from pipelines.refunds import models as m
from pipelines.refunds.credit_note import credit_lines
from pipelines.refunds.policy import amount_problems, auto_approved, reason_problems, refundable
from pipelines.wallets.models import stable_id


@dataclass(frozen=True, slots=True)
class Refund:
    amount: Decimal
    reason: str
    status: str
    method: str | None = None


@dataclass(frozen=True, slots=True)
class SessionRefunds:
    facts: m.SessionFacts | None = None  # from the first request
    refunds: Mapping[str, Refund] = field(default_factory=dict)
    seen: frozenset[str] = frozenset()  # request ids handled

    def refunded(self) -> Decimal:
        return sum((r.amount for r in self.refunds.values() if r.status not in m.NOT_COUNTED), Decimal(0))


@dataclass(frozen=True, slots=True)
class Context:
    """What the worker knows beyond the request: the tenant's policy and how the account is paid back."""

    policy: RefundPolicy | None
    method: str  # wallet | card | invoice
    now: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    events: tuple[m.RefundEvent, ...] = ()
    executed: m.RefundEvent | None = None  # the worker credits the wallet or asks for a payment refund
    decided: m.RefundEvent | None = None  # approved, rejected or invalid: the driver is told


def step(state: SessionRefunds, request: m.RefundRequest, ctx: Context) -> tuple[SessionRefunds, Outcome]:
    if request.request_id in state.seen:
        return state, Outcome()
    state = replace(state, seen=state.seen | {request.request_id})
    handler = {m.REQUEST: _request, m.APPROVE: _review, m.REJECT: _review, m.SETTLE: _settle}.get(request.action)
    if handler is None:
        return state, Outcome()
    return handler(state, request, ctx)


def _request(state: SessionRefunds, request: m.RefundRequest, ctx: Context) -> tuple[SessionRefunds, Outcome]:
    if request.refund_id in state.refunds:
        return state, Outcome()
    facts = state.facts or request.facts
    if facts is None:
        return _invalid(state, request, ctx, Decimal(0), "", ["the request names no rated session"])
    state = replace(state, facts=facts)
    amount = refundable(facts, state.refunded()) if request.amount is None else request.amount
    problems = reason_problems(request.reason) + amount_problems(amount, facts, state.refunded())
    if problems:
        return _invalid(state, request, ctx, amount, facts.currency, problems)
    requested = _event(state, request, ctx, m.REQUESTED, Refund(amount, request.reason, m.REQUESTED))
    state = _set(state, request.refund_id, Refund(amount, request.reason, m.REQUESTED))
    if not auto_approved(request.reason, amount, facts, ctx.policy):
        pending = Refund(amount, request.reason, m.PENDING_REVIEW)
        return _set(state, request.refund_id, pending), Outcome(
            (requested, _event(state, request, ctx, m.PENDING_REVIEW, pending, "waiting for an operator")),
        )
    state, outcome = _approve(state, request, ctx, "policy", "approved automatically by the tenant's refund policy")
    return state, replace(outcome, events=(requested, *outcome.events))


def _review(state: SessionRefunds, request: m.RefundRequest, ctx: Context) -> tuple[SessionRefunds, Outcome]:
    refund = state.refunds.get(request.refund_id)
    if refund is None or refund.status != m.PENDING_REVIEW:
        return state, Outcome()  # unknown, or decided already: a second decision changes nothing
    if request.action == m.APPROVE:
        return _approve(state, request, ctx, request.actor, request.note or "approved by an operator")
    rejected = replace(refund, status=m.REJECTED)
    event = _event(state, request, ctx, m.REJECTED, rejected, request.note or "rejected by an operator")
    return _set(state, request.refund_id, rejected), Outcome((event,), decided=event)


def _approve(state: SessionRefunds, request: m.RefundRequest, ctx: Context, actor: str,
             detail: str) -> tuple[SessionRefunds, Outcome]:  # fmt: skip
    refund = replace(state.refunds[request.refund_id], status=m.APPROVED)
    approved = _event(state, request, ctx, m.APPROVED, refund, detail, actor=actor)
    executed_refund = replace(refund, status=m.EXECUTED, method=ctx.method)
    assert state.facts is not None  # a refund is recorded only with its session's facts
    lines = credit_lines(refund.amount, state.facts.vat_shares, state.facts.currency)
    executed = replace(
        _event(state, request, ctx, m.EXECUTED, executed_refund, f"paid back by {ctx.method}", actor=actor),
        credit_note_id=stable_id("credit-note", request.tenant_id, request.refund_id),
        credit_lines=lines,
    )
    state = _set(state, request.refund_id, executed_refund)
    return state, Outcome((approved, executed), executed=executed, decided=approved)


def _settle(state: SessionRefunds, request: m.RefundRequest, ctx: Context) -> tuple[SessionRefunds, Outcome]:
    """A card refund's payment result: approved -> refunded; declined or refused -> refund_failed; else wait."""
    refund = state.refunds.get(request.refund_id)
    status = {APPROVED: m.REFUNDED, DECLINED: m.REFUND_FAILED, REFUSED: m.REFUND_FAILED}.get(
        request.payment_status or ""
    )
    if refund is None or refund.method != m.CARD or refund.status != m.EXECUTED or status is None:
        return state, Outcome()
    settled = replace(refund, status=status)
    event = _event(state, request, ctx, status, settled, request.note, actor=request.actor)
    return _set(state, request.refund_id, settled), Outcome((event,))


def _invalid(state: SessionRefunds, request: m.RefundRequest, ctx: Context, amount: Decimal, currency: str,
             problems: list[str]) -> tuple[SessionRefunds, Outcome]:  # fmt: skip
    refund = Refund(amount, request.reason, m.INVALID)
    event = replace(_event(state, request, ctx, m.INVALID, refund, "; ".join(problems)), currency=currency)
    return _set(state, request.refund_id, refund), Outcome((event,), decided=event)


def _set(state: SessionRefunds, refund_id: str, refund: Refund) -> SessionRefunds:
    return replace(state, refunds={**state.refunds, refund_id: refund})


def _event(state: SessionRefunds, request: m.RefundRequest, ctx: Context, status: str, refund: Refund,
           detail: str = "", *, actor: str | None = None) -> m.RefundEvent:  # fmt: skip
    facts = state.facts
    return m.RefundEvent(
        event_id=stable_id("refund-event", request.tenant_id, request.refund_id, status),
        refund_id=request.refund_id,
        tenant_id=request.tenant_id,
        session_id=request.session_id,
        account_id=facts.account_id if facts else None,
        status=status,
        amount=refund.amount,
        currency=facts.currency if facts else "",
        reason=refund.reason,
        method=refund.method,
        actor=actor or request.actor,
        detail=detail,
        credit_note_id=None,
        credit_lines=(),
        created_at=ctx.now,
    )
