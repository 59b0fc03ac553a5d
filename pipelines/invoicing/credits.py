"""Credits settle documents, never turn them negative: what a document cannot take is carried forward."""

from __future__ import annotations

from decimal import Decimal

from pipelines.invoicing.models import Credit


def apply_credits(gross: Decimal, credits: list[Credit]) -> tuple[tuple[tuple[str, Decimal], ...], Decimal]:
    """(credit id, amount applied) in the credits' order, up to the document's gross amount; and the credit left.

    Credits are applied after VAT, like a payment on account: the credit note or adjustment that created a credit
    already corrected its VAT, so the document's VAT breakdown stays that of its own lines."""
    room = max(gross, Decimal(0))
    applied = []
    for credit in credits:
        take = min(credit.amount, room)
        if take > 0:
            applied.append((credit.credit_id, take))
            room -= take
    left = sum((c.amount for c in credits), Decimal(0)) - sum((a for _, a in applied), Decimal(0))
    return tuple(applied), left
