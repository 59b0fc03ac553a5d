"""Whatever the amounts: net and gross add up to their rounded exact totals, untaxed rows carry no VAT, the DATEV
bookings add up to the journal's gross and every SIE voucher balances."""

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.exports import datev, sie
from jobs.exports.journal import build_journal, entries
from tests.unit.exports import frames

RATES = st.sampled_from(["0", "7", "19"])
AMOUNTS = st.integers(min_value=-5 * 10**9, max_value=50 * 10**9).map(lambda n: Decimal(n).scaleb(-9))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(AMOUNTS, RATES, st.booleans(), st.integers(0, 27)), min_size=1, max_size=20))
def test_bookings_and_vouchers_balance(rows: list[tuple[Decimal, str, bool, int]]) -> None:
    sessions = frames.sessions(
        *((f"s{i}", "P1" if prepaid else "A1", datetime(2026, 11, 1 + day, tzinfo=UTC))
          for i, (_, _, prepaid, day) in enumerate(rows))
    )  # fmt: skip
    lines = frames.lines(
        *(
            (f"s{i}", "tariff", "ENERGY", str(a), r, str(a * (1 + Decimal(r) / 100)))
            for i, (a, r, _, _) in enumerate(rows)
        )
    )
    journal = build_journal(entries(sessions, lines, frames.adjustments(), frames.refunds()), frames.books(("P1",)))
    cents = Decimal("0.01")
    gross = [a * (1 + Decimal(r) / 100) for a, r, _, _ in rows]
    assert journal["gross"].sum() == sum(gross, Decimal(0)).quantize(cents, rounding=ROUND_HALF_UP)
    assert journal["net"].sum() == sum((a for a, *_ in rows), Decimal(0)).quantize(cents, rounding=ROUND_HALF_UP)
    assert journal.filter((pl.col("vat_rate") == 0) & (pl.col("vat") != 0)).is_empty()
    assert datev.postings(journal)["amount"].sum() == journal["gross"].sum()
    for block in sie.vouchers(journal).to_list():
        amounts = [Decimal(line.split()[-1]) for line in block.splitlines() if "#TRANS" in line]
        assert sum(amounts) == 0
