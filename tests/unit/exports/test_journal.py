from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.exports.journal import Books, build_journal, entries
from jobs.exports.period import ExportError
from tests.unit.exports import frames

DAY1, DAY2 = datetime(2026, 11, 2, 8, tzinfo=UTC), datetime(2026, 11, 3, 8, tzinfo=UTC)


def test_sales_are_summed_per_day_rate_and_side_with_the_charts_accounts() -> None:
    sessions = frames.sessions(("s1", "A1", DAY1), ("s2", "A1", DAY1), ("s3", "P1", DAY2))
    lines = frames.lines(
        ("s1", "tariff", "ENERGY", "4", "19", "4.76"), ("s2", "tariff", "ENERGY", "1", "19", "1.19"),
        ("s2", "idle_fee", "IDLE_FEE", "2", "7", "2.14"), ("s3", "tariff", "FLAT", "1", "19", "1.19"),
    )  # fmt: skip
    credit = frames.adjustments(("s0", "A1", "credit", "-1", "-1.19"))
    refund = frames.refunds(("CN-1", "P1", "1.00", "19", "1.19"))  # credit notes are whole cents
    journal = build_journal(entries(sessions, lines, credit, refund), frames.books(prepaid=("P1",)))
    rows = journal.select("day", "kind", "vat_rate", "side", "net", "vat", "gross", "settlement_account",
                          "revenue_account", "vat_account").rows()  # fmt: skip
    assert [(str(d), k, str(r), s, str(n), str(v), str(g), a, b, c) for d, k, r, s, n, v, g, a, b, c in rows] == [
        ("2026-11-02", "sale", "7.0000", "receivables", "2.00", "0.14", "2.14", "1400", "8300", "1771"),
        ("2026-11-02", "sale", "19.0000", "receivables", "5.00", "0.95", "5.95", "1400", "8400", "1776"),
        ("2026-11-03", "sale", "19.0000", "wallet_liability", "1.00", "0.19", "1.19", "1710", "8400", "1776"),
        ("2026-11-20", "credit_note", "19.0000", "receivables", "-1.00", "-0.19", "-1.19", "1400", "8720", "1776"),
        ("2026-11-21", "refund", "19.0000", "wallet_liability", "-1.00", "-0.19", "-1.19", "1710", "8700", "1776"),
    ]


def test_a_vat_rate_the_chart_does_not_know_is_named() -> None:
    sessions = frames.sessions(("s1", "A1", DAY1))
    lines = frames.lines(("s1", "tariff", "ENERGY", "1", "25", "1.25"))
    with pytest.raises(ExportError, match="no revenue account for VAT rate\\(s\\) t1 25 %"):
        build_journal(entries(sessions, lines, frames.adjustments(), frames.refunds()), frames.books())


def test_lines_without_a_vat_rate_are_untaxed_revenue() -> None:
    sessions = frames.sessions(("s1", None, DAY1))
    journal = build_journal(entries(sessions, frames.lines(("s1", "tariff", "FLAT", "1", None, "1")),
                                    frames.adjustments(), frames.refunds()), frames.books())  # fmt: skip
    assert journal.select("revenue_account", "vat").rows() == [("8200", Decimal("0.00"))]


@given(st.lists(st.integers(min_value=-(10**9), max_value=10**10), min_size=1, max_size=40))
def test_rounded_rows_add_up_to_the_rounded_exact_total(nanos: list[int]) -> None:
    """Each row is rounded by cumulative rounding, so no cent is lost or made up however many rows there are."""
    amounts = [Decimal(n).scaleb(-9) for n in nanos]
    starts = [datetime(2026, 11, 1 + i % 28, i // 28, tzinfo=UTC) for i in range(len(amounts))]
    sessions = frames.sessions(*((f"s{i}", "A1", start) for i, start in enumerate(starts)))
    lines = frames.lines(*((f"s{i}", "tariff", "ENERGY", str(a), "0", str(a)) for i, a in enumerate(amounts)))
    journal = build_journal(
        entries(sessions, lines, frames.adjustments(), frames.refunds()), Books({}, frames.books().billing_modes)
    )
    exact = sum(amounts, Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert journal["net"].sum() == exact
    assert journal["gross"].sum() == exact
    assert journal.filter(pl.col("vat") != 0).is_empty()
