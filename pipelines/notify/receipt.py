"""The receipt of a completed session: line items rounded for people to read, and a total that adds up.

Rule: each line's amount incl. VAT is rounded half up (pipelines.money.round_money) to the currency's minor
unit, and the receipt's total is the sum of those rounded lines. A reader can then check the receipt with
pen and paper. The price of that is that the total may differ from the exact session total rounded once, by
at most half a minor unit per line (0.005 EUR x lines); each shown line is within half a minor unit of its
exact amount. Lines with an exact amount of zero are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from pipelines.money import round_money


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    description: str
    amount: Decimal  # incl. VAT, rounded to the minor unit


@dataclass(frozen=True, slots=True)
class Receipt:
    currency: str
    lines: tuple[ReceiptLine, ...]
    total: Decimal  # the sum of the rounded lines


def receipt(lines: Iterable[tuple[str, Decimal]], currency: str) -> Receipt:
    """Rounded lines (description, exact amount incl. VAT) and their sum, in the currency's minor unit."""
    shown = tuple(ReceiptLine(text, round_money(amount, currency)) for text, amount in lines if amount != 0)
    return Receipt(currency, shown, sum((line.amount for line in shown), round_money(Decimal(0), currency)))


def hours_minutes(span: timedelta) -> str:
    """h:mm, rounded half up to the minute; a negative span (clock trouble) shows as 0:00."""
    micros = Decimal(max(span, timedelta()) // timedelta(microseconds=1))
    minutes = int((micros / 60_000_000).to_integral_value(rounding=ROUND_HALF_UP))
    return f"{minutes // 60}:{minutes % 60:02d}"
