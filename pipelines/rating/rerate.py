"""Batch re-rating decisions: a stored rating against today's rating of the same session, pure and exact.

What is written (jobs/rerate.py does the writing):
- unchanged rating: nothing;
- changed, not billed: the new rating as revision + 1 (the latest revision wins in every *_current view) and an
  adjustment row of kind `revision` per currency;
- changed, billed (a row in billed_sessions, the contract with invoicing): the rating is left as billed; a credit
  or debit entry per currency whose amount differs from what was billed plus every earlier entry. Only amounts
  count here: a billed session whose new rating costs the same gets no entry;
- nobody can price it now (charger or tariff gone): nothing, reported with the reason.
Re-running finds the stored new revision, or the entries already written, equal to today's rating: a no-op.

Today's rating is the streaming agents' code: rate_with_catalog (tariff, idle fee), then apply_benefits with the
grant the session was given, read back from its benefit lines and replayed: percentages follow the new amounts,
while vouchers, included energy and loyalty stay what the session took (budgets are first come, first served
and are not handed out again by a batch job).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from pipelines.catalog.view import CatalogView
from pipelines.ingest.models import DeadLetter, DeadLetterClass
from pipelines.rating.discounts import AccountUsage, Grant, apply_benefits, usage_month
from pipelines.rating.models import LOYALTY, SUBSCRIPTION, VOUCHER, RatedSession
from pipelines.rating.route import rate_with_catalog

ZERO = Decimal(0)
_QUANTA = {"amount": Decimal("1e-9"), "vat": Decimal("1e-4")}  # ClickHouse Decimal(28, 9), Decimal(9, 4)


class Outcome(StrEnum):
    UNCHANGED = "unchanged"
    REVISED = "revised"  # not billed: a new revision
    ADJUSTED = "adjusted"  # billed: credit and/or debit entries
    BILLED_SAME_AMOUNT = "billed_same_amount"  # billed, rating differs but not what it costs: nothing to write
    UNPRICEABLE = "unpriceable"


class AdjustmentKind(StrEnum):
    REVISION = "revision"
    CREDIT = "credit"
    DEBIT = "debit"


@dataclass(frozen=True, slots=True)
class Amount:
    excl_vat: Decimal = ZERO
    incl_vat: Decimal = ZERO

    def __add__(self, other: Amount) -> Amount:
        return Amount(self.excl_vat + other.excl_vat, self.incl_vat + other.incl_vat)

    def __sub__(self, other: Amount) -> Amount:
        return Amount(self.excl_vat - other.excl_vat, self.incl_vat - other.incl_vat)

    def __bool__(self) -> bool:
        return bool(self.excl_vat or self.incl_vat)


@dataclass(frozen=True, slots=True)
class PriorEntries:
    """The credit and debit entries already written for a billed session, summed per currency."""

    currency: str
    total: Amount
    revision: int  # the highest revision among them
    tariff_id: str  # the tariff of the newest of them


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A session as the warehouse holds it: its latest rating, whether it was billed, and earlier adjustments."""

    rated: RatedSession
    document_id: str | None = None  # set when billed
    prior: tuple[PriorEntries, ...] = ()
    last_adjusted_revision: int = 0  # highest revision in rating_adjustments for the session

    @property
    def billed(self) -> bool:
        return self.document_id is not None


@dataclass(frozen=True, slots=True)
class RerateRun:
    """Who re-rates, when and why: stamped on every adjustment row."""

    reason: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Adjustment:
    adjustment_id: str
    tenant_id: str
    session_id: str
    revision: int  # the revision this entry establishes
    base_revision: int  # the stored revision it was computed against
    kind: AdjustmentKind
    document_id: str | None
    credit_reference_id: str | None  # the billed CDR it corrects (our CDR id is the session id)
    currency: str
    old_tariff_id: str
    new_tariff_id: str
    old: Amount
    new: Amount
    reason: str
    created_by: str
    created_at: datetime

    @property
    def difference(self) -> Amount:
        return self.new - self.old

    @property
    def billed(self) -> bool:
        return self.kind is not AdjustmentKind.REVISION

    @property
    def credit(self) -> bool:
        """OCPI 2.2.1 `credit`: true for an entry that gives money back."""
        return self.kind is AdjustmentKind.CREDIT


@dataclass(frozen=True, slots=True)
class Decision:
    stored: StoredSession
    outcome: Outcome
    revised: RatedSession | None = None  # the new revision to write (unbilled sessions only)
    adjustments: tuple[Adjustment, ...] = ()
    note: str = ""  # why nothing could be priced


def recorded_grant(rated: RatedSession) -> Grant:
    """What a rated session took from its account's budgets, read from its benefit line items."""
    session, lines = rated.session, rated.line_items
    included = max((line.quantity * 1000 for line in lines if line.kind == SUBSCRIPTION), default=ZERO)
    loyalty = tuple(dict.fromkeys(line.rule_id for line in lines if line.kind == LOYALTY and line.rule_id))
    vouchers: dict[str, Decimal] = {}
    for line in lines:
        if line.kind == VOUCHER and line.rule_id:
            vouchers[line.rule_id] = vouchers.get(line.rule_id, ZERO) - line.amount_incl_vat
    return Grant(session.session_id, session.revision, session.started_at, session.energy_wh, included, loyalty,
                 tuple(vouchers.items()))  # fmt: skip


def reprice(stored: RatedSession, catalog: CatalogView, *, rated_at: datetime) -> RatedSession | DeadLetter:
    """Today's rating of a stored session: the streaming agents' code, the session's own grant replayed."""
    priced = rate_with_catalog(stored.session, catalog, rated_at=rated_at)
    if isinstance(priced, DeadLetter):
        return priced
    rules = catalog.benefit_rules(priced)
    if rules is None or not (rules.discounts or rules.vouchers or rules.plan):
        return priced  # what apply_benefits gives back without rules, without its cost
    try:
        usage = AccountUsage(usage_month(priced.session, rules.time_zone), (recorded_grant(stored),))
        return apply_benefits(priced, usage, rules)[0]
    except (ValueError, KeyError, TypeError, ArithmeticError) as error:  # as the benefits agent: say why, go on
        return replace(_as_dead_letter(priced), reason=f"benefits cannot be applied again: {error!r}")


def _as_dead_letter(priced: RatedSession) -> DeadLetter:
    session = priced.session
    return DeadLetter(
        dead_letter_id=f"rerate|{session.session_id}@r{session.revision}",
        stage="rerate",
        error_class=DeadLetterClass.IMPOSSIBLE_VALUE,
        reason="",
        original=b"",
        received_at=priced.rated_at,
        tenant_id=session.tenant_id,
        charge_point_id=session.charge_point_id,
    )


def adjustment_id(tenant_id: str, session_id: str, revision: int, currency: str) -> str:
    """Stable per session, revision and currency: a replayed run replaces its rows instead of adding to them."""
    key = "\x00".join((tenant_id, session_id, str(revision), currency)).encode()
    return hashlib.blake2b(key, digest_size=16).hexdigest()


def _stored(value: Decimal | None, scale: str) -> Decimal | None:
    return None if value is None else value.quantize(_QUANTA[scale], rounding=ROUND_HALF_EVEN)


def _exact(value: Decimal | None, scale: str) -> Decimal | None:
    return value


def _lines(rated: RatedSession, at: Callable[[Decimal | None, str], Decimal | None]) -> tuple:
    """What the line items bill, at a precision; the description is derived text, not compared."""
    return tuple((line.dimension, line.tariff_element, at(line.quantity, "amount"), line.unit,
                  at(line.unit_price, "amount"), line.step_size, at(line.amount_excl_vat, "amount"),
                  at(line.vat_rate, "vat"), at(line.amount_incl_vat, "amount"), line.kind, line.rule_id)
                 for line in rated.line_items)  # fmt: skip


def same_rating(a: RatedSession, b: RatedSession) -> bool:
    """Equal as the warehouse keeps them: who pays, which tariff, totals and line items at the column scales.

    Exact equality of the lines decides most cases cheaply; rounding to the column scales only when it does not."""
    head = (a.tariff_id, a.currency, a.site_id, a.account_id, _stored(a.total_cost_excl_vat, "amount"),
            _stored(a.total_cost_incl_vat, "amount"))  # fmt: skip
    if head != (b.tariff_id, b.currency, b.site_id, b.account_id, _stored(b.total_cost_excl_vat, "amount"),
                _stored(b.total_cost_incl_vat, "amount")):  # fmt: skip
        return False
    return _lines(a, _exact) == _lines(b, _exact) or _lines(a, _stored) == _lines(b, _stored)


def total(rated: RatedSession) -> Amount:
    return Amount(rated.total_cost_excl_vat, rated.total_cost_incl_vat)


def decide(stored: StoredSession, repriced: RatedSession | DeadLetter, run: RerateRun) -> Decision:
    """What to write for one session, given its stored rating and today's rating of the same ClosedSession."""
    if isinstance(repriced, DeadLetter):
        return Decision(stored, Outcome.UNPRICEABLE, note=repriced.reason)
    if stored.billed:
        return _billed(stored, repriced, run)
    if same_rating(repriced, stored.rated):
        return Decision(stored, Outcome.UNCHANGED)
    old = stored.rated
    revision = old.session.revision + 1
    revised = replace(repriced, session=replace(repriced.session, revision=revision))
    before, after = {old.currency: total(old)}, {repriced.currency: total(repriced)}
    entries = tuple(
        _entry(stored, run, revision, currency, before.get(currency, Amount()), after.get(currency, Amount()),
               AdjustmentKind.REVISION, old.tariff_id, repriced.tariff_id)
        for currency in sorted(before.keys() | after.keys())
    )  # fmt: skip
    return Decision(stored, Outcome.REVISED, revised=revised, adjustments=entries)


def _billed(stored: StoredSession, repriced: RatedSession, run: RerateRun) -> Decision:
    """Credit or debit entries for the difference between today's rating and what was billed plus earlier entries."""
    billed = billed_amounts(stored)
    wanted = {repriced.currency: total(repriced)}
    revision = max(stored.rated.session.revision, stored.last_adjusted_revision) + 1
    old_tariff = max(stored.prior, key=lambda p: p.revision).tariff_id if stored.prior else stored.rated.tariff_id
    entries = []
    for currency in sorted(billed.keys() | wanted.keys()):
        old, new = billed.get(currency, Amount()), wanted.get(currency, Amount())
        if new - old:
            kind = AdjustmentKind.CREDIT if _gives_back(new - old) else AdjustmentKind.DEBIT
            entries.append(_entry(stored, run, revision, currency, old, new, kind, old_tariff, repriced.tariff_id))
    if not entries:  # with earlier entries, those already say how the rating changed since billing
        same = stored.prior or same_rating(repriced, stored.rated)
        return Decision(stored, Outcome.UNCHANGED if same else Outcome.BILLED_SAME_AMOUNT)
    return Decision(stored, Outcome.ADJUSTED, adjustments=tuple(entries))


def billed_amounts(stored: StoredSession) -> dict[str, Amount]:
    """Per currency: what the billed rating charged plus every credit and debit written since."""
    amounts = {stored.rated.currency: total(stored.rated)}
    for prior in stored.prior:
        amounts[prior.currency] = amounts.get(prior.currency, Amount()) + prior.total
    return amounts


def _gives_back(difference: Amount) -> bool:
    """The driver's side decides: incl. VAT first; excl. VAT only when the gross amounts agree."""
    return difference.incl_vat < 0 or (difference.incl_vat == 0 and difference.excl_vat < 0)


def _entry(
    stored: StoredSession,
    run: RerateRun,
    revision: int,
    currency: str,
    old: Amount,
    new: Amount,
    kind: AdjustmentKind,
    old_tariff_id: str,
    new_tariff_id: str,
) -> Adjustment:
    session = stored.rated.session
    return Adjustment(
        adjustment_id=adjustment_id(session.tenant_id, session.session_id, revision, currency),
        tenant_id=session.tenant_id,
        session_id=session.session_id,
        revision=revision,
        base_revision=session.revision,
        kind=kind,
        document_id=stored.document_id,
        credit_reference_id=session.session_id if stored.billed else None,
        currency=currency,
        old_tariff_id=old_tariff_id,
        new_tariff_id=new_tariff_id,
        old=old,
        new=new,
        reason=run.reason,
        created_by=run.created_by,
        created_at=run.created_at,
    )


@dataclass(slots=True)
class RerateSummary:
    """Counts and total differences of a run, per outcome and per (currency, billed or not)."""

    read: int = 0
    unsettled: int = 0  # left to the stream: stopped too recently, late events may still correct them
    outcomes: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    differences: dict[tuple[str, bool], Amount] = field(default_factory=dict)
    unpriceable: list[str] = field(default_factory=list)  # "session: reason", the first few

    def add(self, decisions: Iterable[Decision], keep_reasons: int = 10) -> None:
        for decision in decisions:
            self.read += 1
            self.outcomes[decision.outcome] += 1
            for entry in decision.adjustments:
                key = (entry.currency, entry.billed)
                self.differences[key] = self.differences.get(key, Amount()) + entry.difference
            if decision.outcome is Outcome.UNPRICEABLE and len(self.unpriceable) < keep_reasons:
                self.unpriceable.append(f"{decision.stored.rated.session.session_id}: {decision.note}")

    @property
    def repriced(self) -> int:
        return self.read - self.outcomes[Outcome.UNPRICEABLE]

    @property
    def changed(self) -> int:
        return self.outcomes[Outcome.REVISED] + self.outcomes[Outcome.ADJUSTED]
