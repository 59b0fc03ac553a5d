"""Money records as ClickHouse rows: one row per column, credit-note lines numbered per note."""

from datetime import UTC, datetime
from decimal import Decimal

from pipelines.payments.models import TOPUP, PaymentRequest
from pipelines.refunds.models import CreditLine, RefundEvent
from pipelines.wallets.models import WalletEntry
from pipelines.wallets.rows import MONEY_COLUMNS, money_rows
from pipelines.warehouse.rows import group_rows

AT = datetime(2026, 11, 23, 10, tzinfo=UTC)


def test_each_record_fills_every_column_of_its_tables() -> None:
    entry = WalletEntry("e1", "t1", "A1", TOPUP, Decimal(5), "EUR", Decimal(5), "p1", 0, AT)
    request = PaymentRequest("p1", "t1", "A1", TOPUP, Decimal(5), "EUR", "tok", "note", None, AT)
    line = CreditLine(Decimal(19), Decimal("2.52"), Decimal("0.48"), Decimal("3.00"))
    event = RefundEvent("v1", "R1", "t1", "S1", "A1", "executed", Decimal(3), "EUR", "overcharge", "wallet", "op",
                        "", "cn1", (line, line), AT)  # fmt: skip
    tables = group_rows([entry, request, event])
    for table, rows in tables.items():
        assert all(len(row) == len(MONEY_COLUMNS[table]) for row in rows), table
    assert [row[1] for row in tables["credit_note_lines"]] == [0, 1]
    assert tables["payments"][0][4] == "requested" and "tok" not in tables["payments"][0]
    assert money_rows(entry)["wallet_ledger"][0][4] == Decimal(5)


def test_a_payment_request_with_card_data_keeps_only_the_last_four_digits_in_its_row() -> None:
    request = PaymentRequest("p1", "t1", "A1", TOPUP, Decimal(5), "EUR", "tok", "4111 1111 1111 1111", None, AT)
    (row,) = money_rows(request)["payments"]
    assert row[9] == "****1111"
