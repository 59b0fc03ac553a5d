"""Catalog entities and session charges for invoicing tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pipelines.catalog.branding import BankDetails, BillingAddress, Branding
from pipelines.catalog.models import Account, SubscriptionPlan, Tenant
from pipelines.invoicing.models import SessionCharge

ISSUED = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

TENANT = Tenant(
    tenant_id="swa",
    name="Stadtwerk",
    currency="EUR",
    country="DE",
    branding=Branding(
        legal_name="Stadtwerke Aachen AG",
        address_lines=["Lombardenstraße 12-22", "52070 Aachen"],
        vat_id="DE123456789",
        invoice_prefix="SWA",
        primary_colour="#7A1F1F",
        bank=BankDetails(account_holder="Stadtwerke Aachen AG", iban="DE89370400440532013000", bic="COBADEFFXXX"),
    ),
)
PLAN = SubscriptionPlan(plan_id="PLUS", tenant_id="swa", name="Plus", monthly_fee=Decimal("9.90"), vat=Decimal(19),
                        included_kwh=Decimal(10))  # fmt: skip


def account(language: str = "de", **fields: object) -> Account:
    base: dict[str, object] = {
        "account_id": "A1", "tenant_id": "swa", "name": "Anna Schmidt", "language": language,
        "email": "anna@example.org",
        "billing_address": BillingAddress(lines=["Pontstraße 1"], postcode="52062", city="Aachen", country="DE"),
    }  # fmt: skip
    return Account.model_validate(base | fields)


def charge(n: int, *nets: tuple[str, str], currency: str = "EUR", kwh: str = "10.5") -> SessionCharge:
    """Session n with (vat rate, exact net) pairs."""
    return SessionCharge(
        session_id=f"swa/CP-1/{n}", tenant_id="swa", account_id="A1", currency=currency, charge_point_id="CP-1",
        started_at=datetime(2026, 10, 1 + n % 28, 9, 30, tzinfo=UTC), energy_kwh=Decimal(kwh),
        net_by_rate=tuple((Decimal(rate), Decimal(net)) for rate, net in nets),
    )  # fmt: skip
