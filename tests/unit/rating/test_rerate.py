"""Re-rating decisions: unchanged stays unchanged, unbilled gets a revision, billed gets exact credit/debit entries."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.catalog.view import CatalogView
from pipelines.ingest.models import DeadLetter
from pipelines.rating.models import RatedSession
from pipelines.rating.rerate import (
    AdjustmentKind,
    Amount,
    Decision,
    Outcome,
    PriorEntries,
    RerateRun,
    RerateSummary,
    StoredSession,
    adjustment_id,
    decide,
    reprice,
    total,
)
from pipelines.rating.route import price_benefits, rate_with_catalog
from pipelines.sessions.models import ClosedSession
from pipelines.streaming.codec import decoder, encoder
from tests.unit.rating.builders import local, session
from tests.unit.rating.priced_catalog import catalog_view

RUN = RerateRun("energy price change", "finance@test", datetime(2026, 12, 2, tzinfo=UTC))
RATED_AT = datetime(2026, 11, 23, 12, tzinfo=UTC)
PRICES = st.decimals("0.01", "0.99", places=4).map(str)
SESSIONS = st.builds(
    lambda minutes, wh, parked: session(
        local("2026-11-23T10:00"), ("c", minutes, Decimal(wh) / 1000), *([("p", parked, 0)] if parked else [])
    ),
    st.integers(1, 400),
    st.integers(0, 90_000),
    st.integers(0, 90),
)


def rated(closed: ClosedSession, view: CatalogView) -> RatedSession:
    result = rate_with_catalog(closed, view, rated_at=RATED_AT)
    assert not isinstance(result, DeadLetter)
    return result


def as_stored(rating: RatedSession) -> RatedSession:
    """What the warehouse gives back: decimals at their column scales (the Avro schema has the same ones)."""
    return decoder("RatedSession")(encoder("RatedSession")(rating))


def rerate(stored: StoredSession, view: CatalogView) -> Decision:
    return decide(stored, reprice(stored.rated, view, rated_at=RUN.created_at), RUN)


def after(stored: StoredSession, decision: Decision) -> StoredSession:
    """The stored state once a decision's rows are written, as jobs/rerate_frames reads it back."""
    if decision.revised is not None:
        return StoredSession(as_stored(decision.revised), last_adjusted_revision=decision.revised.session.revision)
    prior = {p.currency: p for p in stored.prior}
    for entry in decision.adjustments:
        before = prior.get(entry.currency, PriorEntries(entry.currency, Amount(), 0, ""))
        prior[entry.currency] = PriorEntries(
            entry.currency, before.total + entry.difference, entry.revision, entry.new_tariff_id
        )
    last = max([stored.last_adjusted_revision, *(entry.revision for entry in decision.adjustments)])
    return replace(stored, prior=tuple(prior.values()), last_adjusted_revision=last)


@settings(deadline=None)  # the first example pays for catalog parsing and codec compilation
@given(SESSIONS, PRICES, st.booleans())
def test_an_unchanged_catalog_changes_nothing(closed: ClosedSession, price: str, billed: bool) -> None:
    view = catalog_view(energy=price)
    stored = StoredSession(as_stored(rated(closed, view)), "INV-1" if billed else None)
    decision = rerate(stored, view)
    assert decision.outcome is Outcome.UNCHANGED
    assert decision.revised is None and decision.adjustments == ()


@settings(deadline=None)  # the first example pays for catalog parsing and codec compilation
@given(SESSIONS, PRICES, PRICES)
def test_unbilled_sessions_get_the_next_revision_and_difference_is_new_minus_old(
    closed: ClosedSession, old_price: str, new_price: str
) -> None:
    stored = StoredSession(as_stored(rated(closed, catalog_view(energy=old_price))))
    decision = rerate(stored, catalog_view(energy=new_price))
    if total(stored.rated) == total(rated(closed, catalog_view(energy=new_price))):
        return  # no energy, or equal prices: covered by the test above
    assert decision.outcome is Outcome.REVISED and decision.revised is not None
    assert decision.revised.session.revision == stored.rated.session.revision + 1
    (entry,) = decision.adjustments
    assert entry.kind is AdjustmentKind.REVISION and not entry.billed and entry.credit_reference_id is None
    assert entry.revision == decision.revised.session.revision and entry.base_revision == 1
    assert entry.old == total(stored.rated) and entry.new == total(decision.revised)
    assert entry.difference == total(decision.revised) - total(stored.rated)
    assert rerate(after(stored, decision), catalog_view(energy=new_price)).outcome is Outcome.UNCHANGED


@settings(deadline=None)  # the first example pays for catalog parsing and codec compilation
@given(SESSIONS, PRICES, PRICES)
def test_billed_sessions_get_a_credit_or_debit_that_adds_up_to_the_new_rating(
    closed: ClosedSession, old_price: str, new_price: str
) -> None:
    stored = StoredSession(as_stored(rated(closed, catalog_view(energy=old_price))), document_id="INV-7")
    new_view = catalog_view(energy=new_price)
    decision = rerate(stored, new_view)
    assert decision.revised is None  # a billed rating is never changed
    new_total = total(rated(closed, new_view))
    if new_total == total(stored.rated):
        assert decision.adjustments == ()
        return
    (entry,) = decision.adjustments
    assert entry.old + entry.difference == entry.new == new_total  # credit + original = new
    assert entry.old == total(stored.rated)
    cheaper = new_total.incl_vat < stored.rated.total_cost_incl_vat
    assert entry.kind is (AdjustmentKind.CREDIT if cheaper else AdjustmentKind.DEBIT)
    assert entry.credit is cheaper and entry.billed
    assert (entry.credit_reference_id, entry.document_id) == (closed.session_id, "INV-7")
    assert entry.revision == 2 and entry.adjustment_id == adjustment_id("t1", closed.session_id, 2, "EUR")
    again = rerate(after(stored, decision), new_view)
    assert again.outcome is Outcome.UNCHANGED and again.adjustments == ()


def test_a_billed_session_repriced_back_and_forth_nets_to_zero_with_rising_revisions() -> None:
    closed = session(local("2026-11-23T10:00"), ("c", 60, 20))
    stored = StoredSession(as_stored(rated(closed, catalog_view(energy="0.40"))), document_id="INV-1")
    first = rerate(stored, catalog_view(energy="0.50"))
    stored = after(stored, first)
    second = rerate(stored, catalog_view(energy="0.40"))
    kinds = [(e.kind, e.revision, e.difference) for e in (*first.adjustments, *second.adjustments)]
    # 20 kWh x 0.10 more, +19 % VAT, then back
    assert kinds == [
        (AdjustmentKind.DEBIT, 2, Amount(Decimal("2"), Decimal("2.38"))),
        (AdjustmentKind.CREDIT, 3, Amount(Decimal("-2"), Decimal("-2.38"))),
    ]
    assert rerate(after(stored, second), catalog_view(energy="0.40")).outcome is Outcome.UNCHANGED


def test_a_currency_change_on_a_billed_session_credits_the_old_and_debits_the_new_currency() -> None:
    closed = session(local("2026-11-23T10:00"), ("c", 60, 10))
    stored = StoredSession(as_stored(rated(closed, catalog_view())), document_id="INV-1")
    decision = rerate(stored, catalog_view(currency="CHF"))
    entries = {e.currency: e for e in decision.adjustments}
    assert entries["EUR"].kind is AdjustmentKind.CREDIT and entries["EUR"].new == Amount()
    assert entries["EUR"].difference == Amount() - total(stored.rated)
    assert entries["CHF"].kind is AdjustmentKind.DEBIT and entries["CHF"].old == Amount()
    assert entries["EUR"].adjustment_id != entries["CHF"].adjustment_id
    assert rerate(after(stored, decision), catalog_view(currency="CHF")).adjustments == ()


def test_a_billed_session_whose_rating_changes_but_not_its_amount_gets_no_entry() -> None:
    stored = StoredSession(as_stored(rated(session(local("2026-11-23T10:00"), ("c", 30, 5)), catalog_view())), "I")
    moved = replace(stored.rated, account_id="A2")
    decision = decide(stored, moved, RUN)
    assert decision.outcome is Outcome.BILLED_SAME_AMOUNT and decision.adjustments == ()
    unbilled = decide(replace(stored, document_id=None), moved, RUN)
    assert unbilled.outcome is Outcome.REVISED and unbilled.adjustments[0].difference == Amount()


def test_a_session_nobody_can_price_now_is_left_alone_with_the_reason() -> None:
    stored = StoredSession(as_stored(rated(session(local("2026-11-23T10:00"), ("c", 30, 5)), catalog_view())))
    gone = replace(stored, rated=replace(stored.rated, session=replace(stored.rated.session, charge_point_id="X")))
    decision = rerate(gone, catalog_view())
    assert decision.outcome is Outcome.UNPRICEABLE and "X" in decision.note and not decision.adjustments


def test_the_summary_counts_outcomes_and_sums_differences_per_currency_and_billing() -> None:
    closed = session(local("2026-11-23T10:00"), ("c", 60, 10))
    old = as_stored(rated(closed, catalog_view()))
    new = catalog_view(energy="0.30")
    decisions = [
        rerate(StoredSession(old), new),
        rerate(StoredSession(old, "INV-1"), new),
        rerate(StoredSession(old), catalog_view()),
        rerate(StoredSession(replace(old, session=replace(closed, charge_point_id="X"))), new),
    ]
    summary = RerateSummary()
    summary.add(decisions)
    assert (summary.read, summary.repriced, summary.changed) == (4, 3, 2)
    assert summary.outcomes[Outcome.UNCHANGED] == 1 and summary.outcomes[Outcome.UNPRICEABLE] == 1
    cheaper = Amount(Decimal("-1"), Decimal("-1.19"))  # 10 kWh x 0.10 less
    assert summary.differences == {("EUR", False): cheaper, ("EUR", True): cheaper}
    assert summary.unpriceable[0].startswith("t1/CP-1/42: no charger")


OFF_PEAK = {"rule_id": "NIGHT", "tenant_id": "t1", "kind": "off_peak", "name": "Night", "percentage": Decimal(50),
            "windows": [{"start_time": "22:00", "end_time": "06:00"}]}  # fmt: skip
VOUCHER = {"code": "WELCOME", "tenant_id": "t1", "name": "Welcome", "budget": Decimal(3), "account_id": "A1"}


def streamed(closed: ClosedSession, view: CatalogView) -> RatedSession:
    """Rated as the agents do: priced, then the account's benefits from its usage table."""
    result = price_benefits(rated(closed, view), view, {})
    assert not isinstance(result, DeadLetter)
    return result


def test_benefits_are_replayed_percentages_follow_the_new_price_vouchers_stay_what_was_taken() -> None:
    closed = session(local("2026-11-23T23:00"), ("c", 120, 20))  # all inside the night window
    benefits = {"discounts": [OFF_PEAK], "vouchers": [VOUCHER]}
    stored = StoredSession(as_stored(streamed(closed, catalog_view(**benefits))))
    kinds = {line.kind: line.amount_incl_vat for line in stored.rated.line_items if line.kind != "tariff"}
    assert kinds == {"off_peak": Decimal("-4.76"), "voucher": Decimal("-3")}  # 50 % of 20 kWh x 0.40 x 1.19
    assert rerate(stored, catalog_view(**benefits)).outcome is Outcome.UNCHANGED
    decision = rerate(stored, catalog_view(energy="0.50", **benefits))
    assert decision.revised is not None
    lines = {line.kind: line.amount_incl_vat for line in decision.revised.line_items if line.kind != "tariff"}
    assert lines == {"off_peak": Decimal("-5.95"), "voucher": Decimal("-3")}
    # 20 kWh x 0.10 more, half of it off at night: +1.00 excl. VAT
    assert decision.adjustments[0].difference == Amount(Decimal("1"), Decimal("1.19"))
    # benefits come from today's catalog: a voucher deleted from it is not given again
    gone = rerate(stored, catalog_view(discounts=[OFF_PEAK]))
    assert gone.revised is not None and "voucher" not in {line.kind for line in gone.revised.line_items}
    assert gone.adjustments[0].difference == Amount(Decimal("2.521008403"), Decimal("3"))
