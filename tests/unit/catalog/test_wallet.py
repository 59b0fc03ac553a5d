"""Wallet settings in the catalog: a token, never a card number; an auto top-up needs a token to charge."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from pipelines.catalog.models import Account
from pipelines.catalog.wallet import AutoTopUp, RefundPolicy, WalletSettings


def test_a_card_number_as_payment_token_is_refused() -> None:
    with pytest.raises(ValidationError, match="looks like a card number"):
        WalletSettings(payment_token="4111 1111 1111 1111")


def test_auto_topup_needs_a_token() -> None:
    with pytest.raises(ValidationError, match="needs a payment_token"):
        WalletSettings(auto_topup=AutoTopUp(below=Decimal(5), amount=Decimal(20)))


def test_old_catalogs_stay_valid_and_defaults_review_every_refund() -> None:
    assert Account(account_id="A", tenant_id="t", name="n").wallet is None
    assert RefundPolicy().auto_approve_max == 0 and RefundPolicy().auto_approve_reasons == ["interrupted"]
