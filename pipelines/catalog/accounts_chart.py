"""A tenant's chart of accounts for accounting exports: which ledger account every journal amount is booked on.

Operators keep their bookkeeping's account numbers in the catalog (Tenant.chart_of_accounts) so the DATEV and
SIE files import without editing. A tenant without one gets DEFAULT_CHART (German SKR03 numbers), stated in the
export's output so nobody mistakes it for their own chart.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from pydantic import Field, model_validator

from pipelines.catalog.strict import Strict

ACCOUNT = r"^[0-9]{1,9}$"  # DATEV Sachkonten and SIE/BAS accounts are numeric


class RevenueAccounts(Strict):
    """Revenue and VAT payable accounts for one VAT rate (percent; 0 for untaxed revenue)."""

    vat_rate: Decimal = Field(ge=0, le=100)
    revenue: str = Field(pattern=ACCOUNT)
    vat_payable: str | None = Field(default=None, pattern=ACCOUNT)  # none: only for a 0 % rate
    datev_bu_key: str | None = Field(default=None, pattern=r"^[0-9]{1,4}$")  # BU-Schlüssel: DATEV splits the VAT
    datev_automatic: bool = False  # revenue is a DATEV automatic account (AM): booked gross, DATEV splits the VAT

    @model_validator(mode="after")
    def _vat_account(self) -> Self:
        if self.vat_rate > 0 and self.vat_payable is None:
            raise ValueError(f"VAT rate {self.vat_rate}: a taxed rate needs a vat_payable account")
        if self.datev_automatic and self.datev_bu_key is not None:
            raise ValueError(f"VAT rate {self.vat_rate}: an automatic account takes no BU-Schlüssel")
        return self


class DatevIds(Strict):
    """Who the Buchungsstapel belongs to: the tax consultant (Berater) and client (Mandant) numbers in DATEV."""

    consultant_number: int = Field(ge=1001, le=9_999_999)
    client_number: int = Field(ge=1, le=99_999)
    account_length: int = Field(default=4, ge=4, le=8)  # Sachkontenlänge
    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)
    chart_name: str = Field(default="03", pattern=r"^[0-9]{2}$")  # SKR 03 / 04


class SieIds(Strict):
    """The company as SIE 4 names it: #FNAMN and #ORGNR (Swedish organisation number, e.g. 556677-8899)."""

    company_name: str = Field(min_length=1)
    org_number: str = Field(pattern=r"^[0-9]{6}-?[0-9]{4}$")
    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)


class ChartOfAccounts(Strict):
    """Ledger accounts of the revenue journal; every VAT rate that occurs in a period needs a revenue entry."""

    revenue: list[RevenueAccounts] = Field(min_length=1)
    receivables: str = Field(pattern=ACCOUNT)  # postpaid and ad hoc sessions
    wallet_liability: str = Field(pattern=ACCOUNT)  # prepaid balances consumed by sessions
    refunds: str = Field(pattern=ACCOUNT)  # revenue reductions paid back
    credit_notes: str = Field(pattern=ACCOUNT)  # revenue reductions credited on billed sessions
    datev: DatevIds | None = None
    sie: SieIds | None = None

    @model_validator(mode="after")
    def _one_entry_per_rate(self) -> Self:
        rates = [entry.vat_rate.normalize() for entry in self.revenue]
        duplicates = sorted({str(rate) for rate in rates if rates.count(rate) > 1})
        if duplicates:
            raise ValueError(f"more than one revenue entry for VAT rate(s) {', '.join(duplicates)}")
        return self


DEFAULT_CHART = ChartOfAccounts(
    revenue=[
        RevenueAccounts(vat_rate=Decimal(19), revenue="8400", vat_payable="1776", datev_automatic=True),
        RevenueAccounts(vat_rate=Decimal(7), revenue="8300", vat_payable="1771", datev_automatic=True),
        RevenueAccounts(vat_rate=Decimal(0), revenue="8200"),
    ],
    receivables="1400",
    wallet_liability="1710",
    refunds="8700",
    credit_notes="8720",
)
