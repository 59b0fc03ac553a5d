"""Wallets, payments and refunds on the real stack (one pipeline for the module; the second test continues the
first's ledger): top-ups through the sandbox gateway (a late success credited once, a card number refused), a
prepaid account's sessions debited once in the ClickHouse ledger even when a rated session and a wallet command
are delivered again, balance = sum of the ledger, one low-balance notification, and refunds end to end:
automatic approval, the manual queue, an over-refund refused, credit notes and credit CDRs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from cli.main import parser
from cli.refund import RefundError
from pipelines.payments.commands import publish, topup_request
from pipelines.payments.gateway import APPROVE, LATE_SUCCESS
from tests.integration.frames import session, status
from tests.integration.pipeline_harness import CATALOG, PipelineUnderTest

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
FIRST, SECOND = "e2e/CP-E2E-1/601", "e2e/CP-E2E-2/602"
BALANCE = "SELECT balance FROM wallet_balances WHERE account_id = 'E2E-W1'"


def wallet_catalog(tmp: Path) -> Path:
    """The end-to-end catalog plus a prepaid account with a wallet and the tenant's refund policy."""
    data = yaml.safe_load(CATALOG.read_text())
    data["tenants"][0]["refund_policy"] = {"auto_approve_max": "5.00"}
    data["tokens"].append({"uid": "TAG-WALLET-1", "tenant_id": "e2e", "account_id": "E2E-W1"})
    data["accounts"].append({
        "account_id": "E2E-W1", "tenant_id": "e2e", "name": "Wanda Wallet", "email": "wanda@example.org",
        "billing_mode": "prepaid", "wallet": {"low_balance_threshold": "20", "payment_token": APPROVE},
    })  # fmt: skip
    path = tmp / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def pipeline(broker: str, warehouse_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineUnderTest]:
    tmp = tmp_path_factory.mktemp("wallets")
    started = PipelineUnderTest(broker, warehouse_url, tmp, catalog=wallet_catalog(tmp)).start()
    yield started
    started.stop()


def top_up(p: PipelineUnderTest, amount: str, token: str) -> str:
    request = topup_request("e2e", "E2E-W1", Decimal(amount), "EUR", token, "test", datetime.now(UTC))
    asyncio.run(publish(p.settings, request))
    return request.payment_id


def redeliver(p: PipelineUnderTest, topic: str, key: str) -> None:
    """Send a record again, byte for byte, as an at-least-once redelivery would."""
    found = [m for m in p.records(topic) if m.key == key.encode()]
    p.resend(topic, found[0])


def refund(p: PipelineUnderTest, *argv: str) -> None:
    args = parser().parse_args(["refund", *argv])
    args.handler(args, p.settings)


def test_top_ups_and_sessions_make_a_ledger_whose_sum_is_the_balance(pipeline: PipelineUnderTest) -> None:
    p = pipeline
    approved, late = top_up(p, "20.00", APPROVE), top_up(p, "10.00", LATE_SUCCESS)
    refused = top_up(p, "99.00", "4111 1111 1111 1111")
    p.wait_rows(BALANCE, [(Decimal(30),)], timeout_s=120)  # includes the worker's start
    statuses = (f"SELECT payment_id, status FROM payments_current WHERE payment_id IN ('{approved}', '{late}', "
                f"'{refused}') ORDER BY amount")  # fmt: skip
    p.wait_rows(statuses, [(late, "approved"), (approved, "approved"), (refused, "refused")])
    assert p.rows(f"SELECT count() FROM payments WHERE payment_id = '{late}' AND status = 'timeout'") == [(1,)]
    letters = (
        "SELECT count(), countIf(position(reason, 'payment_token') > 0), countIf(position(original, '4111') > 0) "
        "FROM dead_letters_current WHERE stage = 'payments'"
    )
    p.wait_rows(letters, [(1, 1, 0)])  # refused, named, and the card number stored nowhere

    # 15 kWh: FLAT 1.00 + 6.00 = 7.00 excl., 8.33 incl.; 5 kWh: 3.00 excl., 3.57 incl. (19 % VAT)
    p.publish(session("CP-E2E-1", 601, "TAG-WALLET-1", T0, 0, 15_000, charge_min=60))
    frames = session("CP-E2E-2", 602, "TAG-WALLET-1", T0 + timedelta(hours=2), 0, 5_000, charge_min=30)
    fault = status("CP-E2E-2", T0 + timedelta(hours=2, minutes=31), "602-fault", "Faulted")
    p.publish([*frames, fault])
    p.wait_rows(BALANCE, [(Decimal("18.10"),)], timeout_s=60)
    redeliver(p, p.settings.topics.sessions_rated, FIRST)
    redeliver(p, p.settings.topics.wallet_commands, "e2e/E2E-W1")  # the first command (a top-up) once more
    top_up(p, "1.00", APPROVE)  # a marker: its credit reaches the wallet after the redelivered records
    p.wait_rows(BALANCE, [(Decimal("19.10"),)], timeout_s=30)
    ledger = "SELECT kind, amount, balance_after FROM wallet_ledger_current WHERE account_id = 'E2E-W1'"
    rows = p.rows(f"{ledger} ORDER BY created_at")
    assert [(kind, amount) for kind, amount, _ in rows] == [
        ("topup", Decimal(20)), ("topup", Decimal(10)), ("session_debit", Decimal("-8.33")),
        ("session_debit", Decimal("-3.57")), ("topup", Decimal(1)),
    ]  # fmt: skip
    assert rows[-1][2] == sum(amount for _, amount, _ in rows) == Decimal("19.10")
    low = "SELECT count() FROM notifications_current WHERE account_id = 'E2E-W1' AND kind = 'low_balance'"
    p.wait_rows(low, [(1,)], timeout_s=20)  # 21.67 -> 18.10 crossed 20 once


def test_refunds_are_decided_executed_and_credited_once(pipeline: PipelineUnderTest) -> None:
    p = pipeline
    p.wait_rows(BALANCE, [(Decimal("19.10"),)], timeout_s=60)  # the first test's ledger
    refund(p, "--session", SECOND, "--full", "--reason", "interrupted")  # station fault, 3.57 <= 5.00: automatic
    refund(p, "--session", FIRST, "--amount", "3.00", "--reason", "overcharge")  # waits for an operator
    current = "SELECT session_id, status, amount, method FROM refunds_current ORDER BY session_id"
    expected = [(FIRST, "pending_review", Decimal(3), None), (SECOND, "executed", Decimal("3.57"), "wallet")]
    p.wait_rows(current, expected, timeout_s=30)
    with pytest.raises(RefundError, match="still refundable"):  # 8.33 charged, 3.00 already asked for
        refund(p, "--session", FIRST, "--amount", "5.34", "--reason", "goodwill")
    (pending,) = p.rows(f"SELECT refund_id FROM refunds_current WHERE session_id = '{FIRST}'")
    refund(p, "--approve", pending[0], "--by", "tester")
    p.wait_rows(BALANCE, [(Decimal("25.67"),)], timeout_s=30)  # 19.10 + 3.57 + 3.00
    p.wait_rows(current, [(FIRST, "executed", Decimal(3), "wallet"), expected[1]])
    lines = (f"SELECT vat_rate, amount_excl_vat, vat_amount, amount_incl_vat FROM credit_note_lines "
             f"WHERE session_id = '{FIRST}'")  # fmt: skip
    p.wait_rows(lines, [(Decimal(19), Decimal("2.52"), Decimal("0.48"), Decimal("3.00"))])
    cdrs = "SELECT credit_reference_id, credit, total_cost_incl_vat FROM credit_cdrs ORDER BY credit_reference_id"
    p.wait_rows(cdrs, [(FIRST, True, Decimal("-3.00")), (SECOND, True, Decimal("-3.57"))])
    history = f"SELECT arraySort(groupArray(status)) FROM refund_events FINAL WHERE session_id = '{FIRST}'"
    p.wait_rows(history, [(["approved", "executed", "pending_review", "requested"],)])
    decided = "SELECT count() FROM notifications_current WHERE account_id = 'E2E-W1' AND kind = 'refund_decided'"
    p.wait_rows(decided, [(2,)], timeout_s=20)
