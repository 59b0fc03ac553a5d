"""Invoice and receipt drafts from catalog entities and rated sessions; numbering comes after (numbering.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pipelines.catalog.branding import Branding
from pipelines.catalog.models import Account, SubscriptionPlan, Tenant
from pipelines.errors import UserError
from pipelines.invoicing.credits import apply_credits
from pipelines.invoicing.labels import LABELS, format_date, language_of
from pipelines.invoicing.models import INVOICE, RECEIPT, Charge, Credit, Document, Party, SessionCharge, Style, Totals
from pipelines.invoicing.vat import round_lines
from pipelines.notify.templates import format_energy
from pipelines.period import Period


class InvoiceError(UserError):
    """A document that must not be issued as the data stands; the message names the account and why."""


@dataclass(frozen=True, slots=True)
class Billing:
    """One account's billing of a period: its unbilled sessions, the plan fee still to bill, its open credits."""

    tenant: Tenant
    account: Account
    sessions: tuple[SessionCharge, ...]
    plan: SubscriptionPlan | None  # None: no fee, or the fee of this period is billed already
    credits: tuple[Credit, ...] = ()


def branding_of(tenant: Tenant) -> Branding:
    """The tenant's branding, or plain defaults in its own name."""
    return tenant.branding or Branding(legal_name=tenant.name)


def invoice_drafts(billing: Billing, period: Period, issued_at: datetime) -> list[Document]:
    """One draft per currency the account was charged in (the plan fee in the tenant's); none with nothing to bill."""
    tenant, account = billing.tenant, billing.account
    language = language_of(account.language)
    words = LABELS[language]
    by_currency: dict[str, list[SessionCharge]] = defaultdict(list)
    for session in sorted(billing.sessions, key=lambda s: (s.started_at, s.session_id)):
        by_currency[session.currency].append(session)
    if billing.plan is not None:
        by_currency.setdefault(tenant.currency, [])
    drafts = []
    for currency, sessions in sorted(by_currency.items()):
        charges = [charge for session in sessions for charge in session_charges(session, language)]
        plan = billing.plan if currency == tenant.currency else None
        if plan is not None:
            text = words["subscription"].format(plan=plan.name, period=period.label)
            charges.append(Charge(text, Decimal(1), "MON", plan.vat or Decimal(0), plan.monthly_fee))
        credits = [c for c in billing.credits if c.currency == currency]
        content = Content(currency, charges, tuple(s.session_id for s in sessions), plan.plan_id if plan else None)
        drafts.append(_document(INVOICE, tenant, account, content, language, issued_at, credits, period))
    return drafts


def receipt_draft(tenant: Tenant, account: Account | None, session: SessionCharge, issued_at: datetime) -> Document:
    """A receipt for one ad-hoc session, in the account's language where there is an account."""
    language = language_of(account.language if account else None)
    content = Content(session.currency, session_charges(session, language), (session.session_id,), None)
    return _document(RECEIPT, tenant, account, content, language, issued_at, [], None)


def session_charges(session: SessionCharge, language: str) -> list[Charge]:
    """One charge per VAT rate of the session: when, where and how much energy, with its exact net amount."""
    started = session.started_at.astimezone(UTC)
    text = (
        f"{LABELS[language]['session']} {format_date(started.date(), language)} {started:%H:%M} UTC, "
        f"{session.charge_point_id}, {format_energy(session.energy_kwh, language)} kWh"
    )
    return [Charge(text, Decimal(1), "C62", rate, net, session.session_id) for rate, net in session.net_by_rate]


@dataclass(frozen=True, slots=True)
class Content:
    """What one document bills: its charges in one currency, the sessions and the plan behind them."""

    currency: str
    charges: list[Charge]
    session_ids: tuple[str, ...]
    plan_id: str | None


def _document(
    series: str,
    tenant: Tenant,
    account: Account | None,
    content: Content,
    language: str,
    issued_at: datetime,
    credits: list[Credit],
    period: Period | None,
) -> Document:
    currency = content.currency
    lines, groups = round_lines(content.charges, currency)
    net = sum((g.net for g in groups), Decimal(0))
    vat = sum((g.vat for g in groups), Decimal(0))
    if net + vat < 0:
        who = account.account_id if account else "ad hoc"
        raise InvoiceError(f"{tenant.tenant_id}/{who}: the {series} would total {net + vat} {currency}; "
                           "check the sessions' discounts before issuing")  # fmt: skip
    applied, left = apply_credits(net + vat, credits)
    credit = sum((amount for _, amount in applied), Decimal(0))
    branding = branding_of(tenant)
    issued = issued_at.astimezone(UTC)
    terms = branding.payment_terms_days if series == INVOICE else 0
    return Document(
        series=series,
        tenant_id=tenant.tenant_id,
        account_id=account.account_id if account else "",
        period=period.label if period else "",
        period_first=period.first if period else None,
        period_last=period.last if period else None,
        issued_at=issued,
        due_date=issued.date() + timedelta(days=terms),
        currency=currency,
        language=language,
        seller=seller_of(tenant),
        buyer=buyer_of(account),
        style=style_of(branding),
        lines=lines,
        vat_groups=groups,
        totals=Totals(net, vat, net + vat, credit, net + vat - credit, left),
        credits_applied=applied,
        session_ids=content.session_ids,
        subscription_plan_id=content.plan_id,
    )


def seller_of(tenant: Tenant) -> Party:
    b = branding_of(tenant)
    return Party(b.legal_name, tuple(b.address_lines), country=tenant.country, vat_id=b.vat_id)


def buyer_of(account: Account | None) -> Party:
    if account is None:
        return Party("-")
    a = account.billing_address
    if a is None:
        return Party(account.name, identifier=account.account_id)
    return Party(a.name or account.name, tuple(a.lines), a.postcode, a.city, a.country, a.vat_id, account.account_id)


def style_of(b: Branding) -> Style:
    bank = b.bank
    return Style(
        b.primary_colour, b.accent_colour, b.logo_path,
        bank.account_holder if bank else None, bank.iban if bank else None, bank.bic if bank else None,
        bank.bank_name if bank else None,
    )  # fmt: skip
