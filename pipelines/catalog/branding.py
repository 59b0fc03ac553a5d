"""How a tenant issues invoices in its own name (white-label) and where an account's invoices are addressed."""

from __future__ import annotations

from pydantic import Field

from pipelines.catalog.strict import Strict

HEX_COLOUR = r"^#[0-9A-Fa-f]{6}$"


class BankDetails(Strict):
    """Where the buyer pays: printed on the invoice and given as EN 16931 payment instructions."""

    account_holder: str = Field(min_length=1)
    iban: str = Field(pattern=r"^[A-Z]{2}[0-9]{2}[A-Z0-9 ]{10,36}$")
    bic: str | None = Field(default=None, pattern=r"^[A-Z0-9]{8}([A-Z0-9]{3})?$")
    bank_name: str | None = None


class Branding(Strict):
    """The issuing tenant's identity on invoices and receipts; the logo is a PNG relative to the catalog file."""

    legal_name: str = Field(min_length=1)
    address_lines: list[str] = Field(default_factory=list)
    vat_id: str | None = None
    logo_path: str | None = None
    primary_colour: str = Field(default="#1F4E79", pattern=HEX_COLOUR)
    accent_colour: str = Field(default="#E8EEF4", pattern=HEX_COLOUR)
    invoice_prefix: str = Field(default="INV", pattern=r"^[A-Z0-9]{1,12}$")
    payment_terms_days: int = Field(default=14, ge=0, le=365)
    bank: BankDetails | None = None


class BillingAddress(Strict):
    """The buyer's postal address on its invoices; the account's name is used when `name` is not given."""

    name: str | None = None
    lines: list[str] = Field(min_length=1)
    postcode: str | None = None
    city: str | None = None
    country: str = Field(pattern=r"^[A-Z]{2}$")
    vat_id: str | None = None  # business customers
