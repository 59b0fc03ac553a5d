"""Records of invoicing: what a session costs per VAT rate, the charges, lines and totals of a document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

INVOICE, RECEIPT = "invoice", "receipt"  # numbering series, each gapless per issuing tenant


@dataclass(frozen=True, slots=True)
class SessionCharge:
    """A rated session's current revision as invoicing needs it: exact net amounts (1e-9) per VAT rate."""

    session_id: str
    tenant_id: str
    account_id: str | None
    currency: str
    charge_point_id: str
    started_at: datetime
    energy_kwh: Decimal
    net_by_rate: tuple[tuple[Decimal, Decimal], ...]  # (VAT rate in percent, exact net amount)


@dataclass(frozen=True, slots=True)
class Charge:
    """One line of a document before rounding: the exact net amount at one VAT rate."""

    description: str
    quantity: Decimal
    unit_code: str  # UN/ECE Recommendation 20: C62 one, KWH kilowatt hour, MON month
    vat_rate: Decimal  # percent
    net: Decimal  # exact
    session_id: str | None = None


@dataclass(frozen=True, slots=True)
class Line:
    """A line as shown: its net amount in the currency's minor unit."""

    line_no: int
    description: str
    quantity: Decimal
    unit_code: str
    vat_rate: Decimal
    net: Decimal
    session_id: str | None


@dataclass(frozen=True, slots=True)
class VatGroup:
    """All lines at one VAT rate: their rounded net sum and the VAT computed on it."""

    rate: Decimal
    net: Decimal
    vat: Decimal


@dataclass(frozen=True, slots=True)
class Credit:
    """Money the account is owed (incl. VAT) that a later document settles instead of paying it out."""

    credit_id: str
    currency: str
    amount: Decimal  # positive, still available


@dataclass(frozen=True, slots=True)
class Totals:
    """Document totals; every figure is a sum of figures shown on the document."""

    net: Decimal
    vat: Decimal
    gross: Decimal
    credit_applied: Decimal
    due: Decimal  # gross - credit_applied, never negative
    credit_carried_forward: Decimal  # credit left for the next document


@dataclass(frozen=True, slots=True)
class Party:
    """Seller or buyer as printed and as EN 16931 party fields."""

    name: str
    address_lines: tuple[str, ...] = ()
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
    vat_id: str | None = None
    identifier: str | None = None  # buyer: the account id


@dataclass(frozen=True, slots=True)
class Style:
    """The issuing tenant's look (white-label) and payment details."""

    primary_colour: str
    accent_colour: str
    logo_path: str | None
    bank_holder: str | None = None
    iban: str | None = None
    bic: str | None = None
    bank_name: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """An invoice or receipt; number and seq are empty until numbering assigns them."""

    series: str
    tenant_id: str
    account_id: str  # "" for a receipt of a session without account
    period: str  # YYYY-MM for invoices, "" for receipts
    period_first: date | None
    period_last: date | None
    issued_at: datetime
    due_date: date
    currency: str
    language: str
    seller: Party
    buyer: Party
    style: Style
    lines: tuple[Line, ...]
    vat_groups: tuple[VatGroup, ...]
    totals: Totals
    credits_applied: tuple[tuple[str, Decimal], ...]
    session_ids: tuple[str, ...]
    subscription_plan_id: str | None = None
    number: str = ""
    seq: int = 0
