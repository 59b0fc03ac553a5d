"""Account benefits on a priced session, each its own negative line item: subscription energy, off-peak and
loyalty percentages, vouchers.

Order within a session: the subscription's included energy first (it is free energy), then off-peak, then
loyalty percentages on what remains of their dimensions, then vouchers on what remains of the session. Each
benefit gives one line per VAT rate of the amounts it reduces, with that VAT rate, so the session's totals
stay the sums of its line items; no benefit takes more than is left of the session, so no total goes negative.

- Off-peak: `percentage` of each listed dimension times the share of it inside the local time windows
  (energy charged, charging or parking time inside; FLAT when the session started inside).
- Loyalty: `percentage` of the listed dimensions once the account's sessions that started earlier in the same
  calendar month (the site's time zone) number `after_sessions`, or charged `after_kwh`.
- Subscription: the plan's included kWh per calendar month are deducted from the ENERGY amounts, pro rata to
  the energy they cover, until used up. The plan's monthly fee is billed by invoicing (issue 6).
- Vouchers: money off (incl. VAT) up to what the voucher has left; soonest-expiring first.

Idempotency. Every session's take is recorded as a Grant in the account's usage (pipelines/rating/usage.py
stores it). A session whose revision is already recorded is given exactly its recorded grant again (a
redelivery changes nothing); a higher revision replaces its grant (its earlier take is given back first); a
lower revision, and a revision-0 running snapshot, are priced as a preview that records nothing.
Budgets (vouchers, included energy) are first come, first served: a later session never takes back what an
earlier one was given, and together they never get more than the budget. Where what each session asks does
not depend on the others, the budget used in total, min(budget, sum asked), does not depend on the order the
sessions arrive in; which session gets a shared budget does. Loyalty looks at sessions that STARTED earlier,
so a session rated late is judged as it should be and takes nothing back from those rated before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from pipelines.catalog.models import Contract, Discount, DiscountKind, SubscriptionPlan, Voucher
from pipelines.money import LEDGER_SCALE
from pipelines.rating.models import BENEFIT_KINDS, LOYALTY, OFF_PEAK, SUBSCRIPTION, VOUCHER, RatedSession
from pipelines.rating.sheet import Sheet
from pipelines.rating.tariff import Dimension
from pipelines.rating.windows import shares_inside
from pipelines.sessions.models import ClosedSession

_QUANTUM = Decimal(1).scaleb(-LEDGER_SCALE)


@dataclass(frozen=True, slots=True)
class BenefitRules:
    """What the catalog says about one session's benefits: who the driver is and which rules may apply."""

    time_zone: str  # the site's
    customer_group: str
    membership_level: str | None
    contract: Contract
    discounts: tuple[Discount, ...] = ()  # the tenant's
    vouchers: tuple[Voucher, ...] = ()  # the account's and the session token's
    plan: SubscriptionPlan | None = None  # the account's subscription


@dataclass(frozen=True, slots=True)
class Grant:
    """What one session, at one revision, took from its account's budgets."""

    session_id: str
    revision: int
    started_at: datetime
    energy_wh: Decimal
    included_wh: Decimal = Decimal(0)
    loyalty: tuple[str, ...] = ()  # rule ids granted
    vouchers: tuple[tuple[str, Decimal], ...] = ()  # (code, amount incl. VAT)


@dataclass(frozen=True, slots=True)
class Tally:
    """The account's sessions on other days of the month, summed: what loyalty and included energy need of them."""

    sessions: int = 0
    energy_wh: Decimal = Decimal(0)
    included_wh: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class AccountUsage:
    """An account's usage as far as one session needs it: the grants of its day, the rest of its month summed,
    and what vouchers gave. Per day, so that the state a session reads and writes stays small for fleet accounts.
    """

    month: str  # YYYY-MM of the session's start in the site's time zone
    grants: tuple[Grant, ...] = ()  # the account's sessions that started on the same local day
    spent: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)  # code -> session id -> amount
    earlier_days: Tally = field(default_factory=Tally)  # sessions that started on earlier days of the month
    other_days_included_wh: Decimal = Decimal(0)  # included energy granted to sessions of the month's other days

    def grant_of(self, session_id: str) -> Grant | None:
        return next((grant for grant in self.grants if grant.session_id == session_id), None)

    def others(self, session_id: str) -> tuple[Grant, ...]:
        return tuple(grant for grant in self.grants if grant.session_id != session_id)

    @property
    def month_included_wh(self) -> Decimal:
        """Included energy granted to the account's sessions of the whole month."""
        return sum((grant.included_wh for grant in self.grants), self.other_days_included_wh)

    def spent_by_others(self, code: str, session_id: str) -> Decimal:
        return sum((amount for sid, amount in self.spent.get(code, {}).items() if sid != session_id), Decimal(0))


@dataclass(frozen=True, slots=True)
class UsageDelta:
    """The grant replacing `previous` (None: the session's first); nothing changes when `grant` is None."""

    grant: Grant | None = None
    previous: Grant | None = None


def usage_month(session: ClosedSession, time_zone: str) -> str:
    return usage_day(session, time_zone)[:7]


def usage_day(session: ClosedSession, time_zone: str) -> str:
    """YYYY-MM-DD of the session's start in the site's time zone: the unit the account's usage is kept in."""
    return session.started_at.astimezone(ZoneInfo(time_zone)).date().isoformat()


def apply_benefits(rated: RatedSession, usage: AccountUsage, rules: BenefitRules) -> tuple[RatedSession, UsageDelta]:
    """The session with a negative line per benefit, and how the account's usage changes."""
    session = rated.session
    base = tuple(line for line in rated.line_items if line.kind not in BENEFIT_KINDS)
    recorded = usage.grant_of(session.session_id)
    if rated.account_id is None:
        usage, recorded = AccountUsage(usage.month), None  # nobody to keep usage for: stateless rules only
    replay = recorded if recorded is not None and recorded.revision == session.revision else None
    sheet = Sheet(base, rated.currency)
    grant = _grant(sheet, rated, usage, rules, replay)
    priced = rated.with_line_items(sheet.lines())
    outdated = recorded is not None and recorded.revision > session.revision
    if rated.account_id is None or session.revision < 1 or replay is not None or outdated:
        return priced, UsageDelta()  # nobody's usage, a running snapshot, a redelivery or a stale revision
    return priced, UsageDelta(grant, recorded)


def apply_delta(usage: AccountUsage, delta: UsageDelta) -> AccountUsage:
    """The usage with the delta's grant in place of the session's previous one."""
    grant = delta.grant
    if grant is None:
        return usage
    spent = {code: dict(by_session) for code, by_session in usage.spent.items()}
    for code, _ in delta.previous.vouchers if delta.previous else ():
        spent.get(code, {}).pop(grant.session_id, None)
    for code, amount in grant.vouchers:
        spent.setdefault(code, {})[grant.session_id] = amount
    return replace(usage, grants=(*usage.others(grant.session_id), grant), spent=spent)


def _grant(sheet: Sheet, rated: RatedSession, usage: AccountUsage, rules: BenefitRules, replay: Grant | None) -> Grant:
    session = rated.session
    eligible = [rule for rule in rules.discounts if _selects(rule, rated, rules)]
    included = _subscription(sheet, rated, usage, rules.plan, replay)
    zone = ZoneInfo(rules.time_zone)
    for rule in (r for r in eligible if r.kind is DiscountKind.OFF_PEAK):
        shares = shares_inside(session, rule.windows, zone)
        _percentage(sheet, rule, OFF_PEAK, {dimension: shares[dimension] for dimension in rule.dimensions})
    loyal = [r.rule_id for r in eligible if r.kind is DiscountKind.LOYALTY and _loyal(r, session, usage, replay)]
    for rule in (r for r in eligible if r.rule_id in loyal):
        _percentage(sheet, rule, LOYALTY, dict.fromkeys(rule.dimensions, Decimal(1)))
    vouchers = _vouchers(sheet, rated, usage, rules.vouchers, replay) if rated.account_id is not None else ()
    return Grant(session.session_id, session.revision, session.started_at, session.energy_wh, included,
                 tuple(loyal), vouchers)  # fmt: skip


def _selects(rule: Discount, rated: RatedSession, rules: BenefitRules) -> bool:
    return (
        rule.valid_at(rated.session.started_at)
        and (not rule.customer_groups or rules.customer_group in rule.customer_groups)
        and (not rule.membership_levels or rules.membership_level in rule.membership_levels)
        and (not rule.site_ids or rated.site_id in rule.site_ids)
        and (rule.contract is None or rule.contract is rules.contract)
        and (rule.kind is DiscountKind.OFF_PEAK or rated.account_id is not None)
    )


def _subscription(
    sheet: Sheet, rated: RatedSession, usage: AccountUsage, plan: SubscriptionPlan | None, replay: Grant | None
) -> Decimal:
    energy = rated.session.energy_wh
    if plan is None or rated.account_id is None or energy <= 0:
        return Decimal(0)
    if replay is not None:
        wanted = min(replay.included_wh, energy)
    else:
        others = usage.others(rated.session.session_id)
        used = sum((grant.included_wh for grant in others), usage.other_days_included_wh)
        wanted = max(Decimal(0), min(plan.included_kwh * 1000 - used, energy))
    if wanted <= 0:
        return Decimal(0)
    kwh = (wanted / 1000).normalize()
    taken = sheet.take_share(
        {Dimension.ENERGY.value: Fraction(wanted) / Fraction(energy)},
        kind=SUBSCRIPTION,
        rule_id=plan.plan_id,
        quantity=(wanted / 1000, "kWh"),
        description=f"{plan.name}: {kwh:f} kWh of the {plan.included_kwh.normalize():f} kWh included per month",
    )
    return wanted if taken > 0 else Decimal(0)


def _percentage(sheet: Sheet, rule: Discount, kind: str, shares: Mapping[Dimension, Decimal]) -> None:
    fractions = {d.value: Fraction(share) * Fraction(rule.percentage) / 100 for d, share in shares.items() if share > 0}
    if not fractions:
        return
    dims = "/".join(d.value.lower().replace("_", " ") for d in rule.dimensions)
    sheet.take_share(
        fractions,
        kind=kind,
        rule_id=rule.rule_id,
        quantity=None,
        description=f"{rule.name}: {rule.percentage.normalize():f}% off {dims}",
        percentage=rule.percentage,
    )


def _loyal(rule: Discount, session: ClosedSession, usage: AccountUsage, replay: Grant | None) -> bool:
    if replay is not None:
        return rule.rule_id in replay.loyalty
    earlier = [
        grant
        for grant in usage.others(session.session_id)
        if (grant.started_at, grant.session_id) < (session.started_at, session.session_id)
    ]
    if rule.after_sessions is not None:
        return len(earlier) + usage.earlier_days.sessions >= rule.after_sessions
    charged = sum((grant.energy_wh for grant in earlier), usage.earlier_days.energy_wh) / 1000
    return rule.after_kwh is not None and charged >= rule.after_kwh


def _vouchers(
    sheet: Sheet, rated: RatedSession, usage: AccountUsage, vouchers: tuple[Voucher, ...], replay: Grant | None
) -> tuple[tuple[str, Decimal], ...]:
    session = rated.session
    recorded = dict(replay.vouchers) if replay is not None else None
    usable = [v for v in vouchers if v.valid_at(session.started_at) and (v.token_uid in (None, session.id_tag))]
    usable.sort(key=lambda v: (v.valid_to is None, v.valid_to or session.started_at, v.code))
    taken: list[tuple[str, Decimal]] = []
    for voucher in usable:
        left = voucher.budget - usage.spent_by_others(voucher.code, session.session_id)
        wanted = recorded.get(voucher.code, Decimal(0)) if recorded is not None else left
        amount = sheet.take_amount(
            max(Decimal(0), min(wanted, left)).quantize(_QUANTUM, rounding=ROUND_DOWN),
            kind=VOUCHER,
            rule_id=voucher.code,
            description=f"{voucher.name} (voucher {voucher.code})",
        )
        if amount > 0:
            taken.append((voucher.code, amount))
    return tuple(taken)
