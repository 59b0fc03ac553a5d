from decimal import Decimal

import pytest
from pydantic import ValidationError

from pipelines.catalog.accounts_chart import DEFAULT_CHART, ChartOfAccounts, RevenueAccounts
from pipelines.catalog.models import Tenant

ACCOUNTS = {"receivables": "1400", "wallet_liability": "1710", "refunds": "8700", "credit_notes": "8720"}


def test_a_taxed_rate_needs_a_vat_account_and_automatic_accounts_take_no_key() -> None:
    with pytest.raises(ValidationError, match="needs a vat_payable account"):
        RevenueAccounts(vat_rate=Decimal(19), revenue="8400")
    with pytest.raises(ValidationError, match="takes no BU-Schlüssel"):
        RevenueAccounts(
            vat_rate=Decimal(19), revenue="8400", vat_payable="1776", datev_automatic=True, datev_bu_key="3"
        )


def test_one_entry_per_rate_and_numeric_accounts() -> None:
    entry = {"vat_rate": 19, "revenue": "8400", "vat_payable": "1776"}
    with pytest.raises(ValidationError, match="more than one revenue entry for VAT rate"):
        ChartOfAccounts.model_validate({"revenue": [entry, {**entry, "vat_rate": "19.0"}], **ACCOUNTS})
    with pytest.raises(ValidationError, match="receivables"):
        ChartOfAccounts.model_validate({"revenue": [entry], **ACCOUNTS, "receivables": "14x"})


def test_tenants_may_carry_a_chart_and_old_catalogs_stay_valid() -> None:
    base = {"tenant_id": "t1", "name": "T", "currency": "EUR", "country": "DE"}
    assert Tenant.model_validate(base).chart_of_accounts is None
    chart = {"revenue": [{"vat_rate": 19, "revenue": "8400", "vat_payable": "1776"}], **ACCOUNTS,
             "datev": {"consultant_number": 1001, "client_number": 1}}  # fmt: skip
    assert Tenant.model_validate({**base, "chart_of_accounts": chart}).chart_of_accounts.datev.account_length == 4
    assert {entry.revenue for entry in DEFAULT_CHART.revenue} == {"8400", "8300", "8200"}
