"""Refunds of one session: over-refunds refused, partial then full, automatic and manual decisions, settling."""

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.catalog.wallet import RefundPolicy
from pipelines.refunds import models as m
from pipelines.refunds.logic import Context, SessionRefunds, step

AT = datetime(2026, 11, 23, 10, tzinfo=UTC)
FACTS = m.SessionFacts("A1", "EUR", Decimal("30.00"), "PowerLoss", False, (m.VatShare(Decimal(19), Decimal("30.00")),))
POLICY = RefundPolicy(auto_approve_max=Decimal(10))
CTX = Context(POLICY, m.WALLET, AT)


def ask(
    refund_id: str,
    amount: str | None,
    reason: str = "goodwill",
    action: str = m.REQUEST,
    facts: m.SessionFacts | None = FACTS,
    **extra: object,
) -> m.RefundRequest:
    return m.RefundRequest(
        request_id=f"{refund_id}/{action}/{extra.get('payment_status')}",
        refund_id=refund_id,
        tenant_id="t1",
        session_id="t1/CP/1",
        action=action,
        amount=None if amount is None else Decimal(amount),
        reason=reason,
        actor=str(extra.get("actor", "op")),
        note="",
        payment_status=extra.get("payment_status"),
        facts=facts,
        requested_at=AT,  # type: ignore[arg-type]
    )


def statuses(requests: list[m.RefundRequest], ctx: Context = CTX) -> tuple[SessionRefunds, list[tuple[str, str]]]:
    state, seen = SessionRefunds(), []
    for request in requests:
        state, outcome = step(state, request, ctx)
        seen += [(event.refund_id, event.status) for event in outcome.events]
    return state, seen


def test_over_refund_is_refused_across_all_refunds_of_the_session() -> None:
    _, seen = statuses([ask("R1", "20", "interrupted"), ask("R2", "10.01"), ask("R3", "10.00")])
    assert ("R2", m.INVALID) in seen and ("R3", m.PENDING_REVIEW) in seen


def test_partial_then_full_refunds_exactly_the_rest_and_then_nothing_is_left() -> None:
    state, seen = statuses(
        [
            ask("R1", "7.50", "interrupted"),  # station fault, under the limit: automatic
            ask("R2", None),  # full: the remaining 22.50, reviewed
            ask("R2", None, action=m.APPROVE),
            ask("R3", None),
        ]
    )
    assert seen[:4] == [("R1", m.REQUESTED), ("R1", m.APPROVED), ("R1", m.EXECUTED), ("R2", m.REQUESTED)]
    assert state.refunds["R2"].amount == Decimal("22.50") and state.refunds["R2"].status == m.EXECUTED
    assert state.refunded() == FACTS.charged and seen[-1] == ("R3", m.INVALID)


def test_automatic_approval_needs_the_reason_a_station_fault_and_an_amount_within_the_limit() -> None:
    no_fault = m.SessionFacts("A1", "EUR", Decimal(30), "Local", False, FACTS.vat_shares)
    faulted = m.SessionFacts("A1", "EUR", Decimal(30), "Local", True, FACTS.vat_shares)
    cases = [
        (ask("R", "5", "interrupted"), m.APPROVED),
        (ask("R", "10.01", "interrupted"), m.PENDING_REVIEW),
        (ask("R", "5", "goodwill"), m.PENDING_REVIEW),
        (ask("R", "5", "interrupted", facts=no_fault), m.PENDING_REVIEW),
        (ask("R", "5", "interrupted", facts=faulted), m.APPROVED),
    ]
    for request, expected in cases:
        assert statuses([request])[1][1] == ("R", expected), request
    assert statuses([ask("R", "5", "interrupted")], Context(None, m.WALLET, AT))[1][1] == ("R", m.PENDING_REVIEW)


def test_a_rejection_frees_the_amount_and_a_second_decision_changes_nothing() -> None:
    _, seen = statuses(
        [ask("R1", "30"), ask("R1", None, action=m.REJECT), ask("R1", None, action=m.APPROVE), ask("R2", "30")]
    )
    assert ("R1", m.REJECTED) in seen and ("R1", m.APPROVED) not in seen and ("R2", m.PENDING_REVIEW) in seen


def test_redelivered_requests_change_nothing() -> None:
    request = ask("R1", "5", "interrupted")
    state, once = statuses([request])
    again, outcome = step(state, request, CTX)
    assert again == state and outcome.events == () and len(once) == 3


def test_a_card_refund_settles_with_its_payment_result() -> None:
    ctx = Context(POLICY, m.CARD, AT)
    _, seen = statuses(
        [
            ask("R1", "5", "interrupted"),
            ask("R1", None, action=m.SETTLE, payment_status="timeout"),
            ask("R1", None, action=m.SETTLE, payment_status="approved", actor="payments"),
        ],
        ctx,
    )
    assert seen[-1] == ("R1", m.REFUNDED) and len(seen) == 4


def test_unknown_reason_and_missing_session_are_invalid() -> None:
    assert statuses([ask("R1", "5", "because")])[1] == [("R1", m.INVALID)]
    assert statuses([ask("R2", "5", facts=None)])[1] == [("R2", m.INVALID)]


def test_state_round_trips_through_its_table_value() -> None:
    from pipelines.refunds.state import decode_refunds, encode_refunds

    state, _ = statuses([ask("R1", "5", "interrupted"), ask("R2", "3")])
    assert decode_refunds(encode_refunds(state)) == state


def test_amounts_read_back_at_the_wire_scale_are_accepted() -> None:
    _, seen = statuses([ask("R1", "7.500000000", "interrupted")])
    assert seen[-1] == ("R1", m.EXECUTED)


requests = st.lists(
    st.tuples(
        st.sampled_from(["R1", "R2", "R3", "R4"]),
        st.sampled_from([m.REQUEST, m.REQUEST, m.APPROVE, m.REJECT]),
        st.one_of(st.none(), st.decimals(min_value="0.01", max_value=40, places=2)),
        st.sampled_from(["interrupted", "goodwill"]),
    ),
    max_size=25,
)


@settings(deadline=None)  # a shared 2-core machine: timing says nothing here
@given(requests)
def test_what_counts_never_exceeds_the_charge_and_every_execution_has_its_credit_note(commands: list) -> None:
    state, executed = SessionRefunds(), Decimal(0)
    for refund_id, action, amount, reason in commands:
        request = ask(refund_id, None if amount is None else str(amount), reason, action=action)
        state, outcome = step(state, request, CTX)
        if outcome.executed is not None:
            assert sum(line.amount_incl_vat for line in outcome.executed.credit_lines) == outcome.executed.amount
            executed += outcome.executed.amount
        assert state.refunded() <= FACTS.charged
    assert executed <= FACTS.charged
