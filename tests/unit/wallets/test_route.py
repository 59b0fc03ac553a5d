"""The wallet with the catalog: prepaid sessions only, low-balance notifications, auto top-up requests."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from pipelines.catalog.models import Account, BillingMode, Catalog, Tenant
from pipelines.catalog.view import CatalogView
from pipelines.catalog.wallet import AutoTopUp, WalletSettings
from pipelines.payments.models import AUTO_TOPUP
from pipelines.rating.models import RatedSession
from pipelines.wallets.letters import undecodable
from pipelines.wallets.models import TOPUP, WalletCommand
from pipelines.wallets.route import apply_command, session_charge
from tests.unit.rating.builders import local, rate, session, tariff

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
TARIFF = tariff('{"id": "T", "currency": "EUR", "elements": [{"price_components": '
                '[{"type": "ENERGY", "price": 0.40, "vat": 19, "step_size": 1}]}]}')  # fmt: skip
WALLET = WalletSettings(low_balance_threshold=Decimal(10), payment_token="tok_sandbox_approve",
                        auto_topup=AutoTopUp(below=Decimal(5), amount=Decimal(25)))  # fmt: skip


def catalog(mode: BillingMode = BillingMode.PREPAID) -> CatalogView:
    account = Account(account_id="A1", tenant_id="t1", name="A", email="a@example.org", billing_mode=mode,
                      wallet=WALLET)  # fmt: skip
    tenant = Tenant(tenant_id="t1", name="T", currency="EUR", country="DE")
    return CatalogView.from_catalog(Catalog(tenants=[tenant], accounts=[account]))


def rated(kwh: int, revision: int = 1) -> RatedSession:
    closed = replace(session(local("2026-11-23T10:00"), ("c", 60, kwh)), tenant_id="t1", revision=revision)
    return rate(closed, TARIFF)


def test_only_prepaid_accounts_are_debited_and_at_the_rounded_total() -> None:
    command = session_charge(rated(10), catalog())
    assert command is not None and (command.amount, command.revision, command.account_id) == (Decimal("4.76"), 1, "A1")
    assert session_charge(rated(10), catalog(BillingMode.POSTPAID)) is None
    assert session_charge(rated(10, revision=0), catalog()) is None  # a running snapshot is never billed


def test_a_debit_below_the_threshold_notifies_and_below_the_topup_line_asks_for_a_payment() -> None:
    table: dict[bytes, bytes] = {}
    view = catalog()
    credit = WalletCommand("c1", "t1", "A1", TOPUP, "P1", 0, Decimal(12), "EUR", NOW)
    apply_command(table, credit, view, now=NOW)
    first = session_charge(rated(10), view)  # 12 - 4.76 = 7.24: below 10
    assert first is not None
    effects = apply_command(table, first, view, now=NOW)
    assert effects.notification is not None and effects.notification.kind == "low_balance"
    assert effects.payment is None
    second = session_charge(replace(rated(10), session=replace(rated(10).session, session_id="S2")), view)
    assert second is not None
    effects = apply_command(table, second, view, now=NOW)  # 2.48: below 5, and no second low-balance notice
    assert effects.notification is None and effects.payment is not None
    assert (effects.payment.purpose, effects.payment.amount, effects.payment.payment_token) == (
        AUTO_TOPUP, Decimal(25), "tok_sandbox_approve")  # fmt: skip
    assert apply_command(table, second, view, now=NOW).entries == ()  # redelivered: nothing


def test_unreadable_state_and_foreign_records_are_dead_lettered_without_card_digits() -> None:
    command = WalletCommand("c1", "t1", "A1", TOPUP, "P1", 0, Decimal(12), "EUR", NOW)
    effects = apply_command({b"t1/A1": b"{not json"}, command, catalog(), now=NOW)
    assert effects.dead_letter is not None and effects.entries == ()
    letter = undecodable("wallet", "wallet.commands.v1", b"\x00pan 4111111111111111", ValueError("bad"), NOW)
    assert b"4111111111111111" not in letter.original and letter.original.endswith(b"****1111")
