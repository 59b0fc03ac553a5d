from decimal import Decimal

from jobs.exports.reconcile import Totals, combined, reconcile


def test_matching_totals_to_the_cent_reconcile() -> None:
    exported = combined({("t1", "EUR"): Totals(Decimal("10.004"), Decimal("11.9"))},
                        {("t1", "EUR"): Totals(Decimal("-1"), Decimal("-1.19"))})  # fmt: skip
    lines, ok = reconcile(exported, {("t1", "EUR"): Totals(Decimal("9.00"), Decimal("10.71"))})
    assert ok and lines == ["reconciliation t1 EUR: export net 9.00 gross 10.71 = warehouse net 9.00 gross 10.71"]


def test_a_cent_off_or_a_missing_tenant_is_a_mismatch() -> None:
    warehouse = {
        ("t1", "EUR"): Totals(Decimal("9.00"), Decimal("10.71")),
        ("t2", "SEK"): Totals(Decimal(1), Decimal(1)),
    }
    lines, ok = reconcile({("t1", "EUR"): Totals(Decimal("9.01"), Decimal("10.71"))}, warehouse)
    assert not ok
    assert lines[0].endswith("!= MISMATCH warehouse net 9.00 gross 10.71")
    assert lines[1] == "reconciliation t2 SEK: export net 0.00 gross 0.00 != MISMATCH warehouse net 1.00 gross 1.00"
