"""Credit-note lines of a refund: the amount (incl. VAT) split across the session's VAT rates.

The documented rule: each rate takes the refund in proportion to what the session charged at that rate (incl.
VAT), rounded half up to the currency's minor unit, the largest share taking the rounding remainder so lines
sum to the refund exactly; each line's net is its gross / (1 + rate) rounded the same way, VAT the difference.
"""

from __future__ import annotations

from decimal import Decimal

from pipelines.money import round_money
from pipelines.refunds.models import CreditLine, VatShare


def credit_lines(amount: Decimal, shares: tuple[VatShare, ...], currency: str) -> tuple[CreditLine, ...]:
    """Lines summing to `amount`; a session without positive shares is credited as one line without VAT rate."""
    positive = sorted((s for s in shares if s.amount_incl_vat > 0), key=lambda s: s.amount_incl_vat, reverse=True)
    total = sum((s.amount_incl_vat for s in positive), Decimal(0))
    if not positive:
        return (_line(None, amount, currency),)
    grosses = [round_money(amount * s.amount_incl_vat / total, currency) for s in positive[1:]]
    grosses.insert(0, amount - sum(grosses, Decimal(0)))
    return tuple(_line(s.vat_rate, gross, currency) for s, gross in zip(positive, grosses, strict=True) if gross)


def _line(vat_rate: Decimal | None, gross: Decimal, currency: str) -> CreditLine:
    net = gross if not vat_rate else round_money(gross / (1 + vat_rate / 100), currency)
    return CreditLine(vat_rate, net, gross - net, gross)
