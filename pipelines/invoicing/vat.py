"""The rounding rule of every document, so that what is shown adds up to the cent.

1. Lines are grouped by VAT rate. A group's net is its lines' exact net sum rounded half up to the currency's
   minor unit (pipelines.money.round_money).
2. Each line shows its exact net rounded half up; the cents by which those differ from the group's net are given
   to the lines whose rounding lost (or gained) the most (largest remainder), so the lines shown sum exactly to
   the group's net. No line moves by more than one minor unit from its own rounding.
3. A group's VAT is its rounded net x rate / 100, rounded half up. Never a sum of per-line VAT amounts.
4. Totals are sums of the groups: net = sum of group nets (= sum of lines shown), VAT = sum of group VAT,
   gross = net + VAT.
This is EN 16931's model (BR-CO-10, BR-CO-14: totals are sums of the line and VAT breakdown amounts).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from pipelines.invoicing.models import Charge, Line, VatGroup
from pipelines.money import minor_unit, round_money


def vat_for(net: Decimal, rate: Decimal, currency: str) -> Decimal:
    return round_money(net * rate / 100, currency)


def round_lines(charges: list[Charge], currency: str) -> tuple[tuple[Line, ...], tuple[VatGroup, ...]]:
    """Lines as shown (in the order given, numbered from 1) and the VAT groups by ascending rate."""
    by_rate: dict[Decimal, list[int]] = defaultdict(list)
    for index, charge in enumerate(charges):
        by_rate[charge.vat_rate].append(index)
    shown: dict[int, Decimal] = {}
    groups = []
    for rate in sorted(by_rate):
        members = by_rate[rate]
        net = round_money(sum((charges[i].net for i in members), Decimal(0)), currency)
        shown.update(_apportion(net, {i: charges[i].net for i in members}, currency))
        groups.append(VatGroup(rate, net, vat_for(net, rate, currency)))
    lines = tuple(
        Line(i + 1, c.description, c.quantity, c.unit_code, c.vat_rate, shown[i], c.session_id)
        for i, c in enumerate(charges)
    )
    return lines, tuple(groups)


def _apportion(total: Decimal, exact: dict[int, Decimal], currency: str) -> dict[int, Decimal]:
    """Each amount rounded, then the difference to `total` spread one minor unit at a time (largest remainder)."""
    unit = Decimal(1).scaleb(-minor_unit(currency))
    rounded = {i: round_money(amount, currency) for i, amount in exact.items()}
    steps = int((total - sum(rounded.values(), Decimal(0))) / unit)
    if steps:
        direction = 1 if steps > 0 else -1
        # the lines whose rounding moved them furthest against the needed direction go first; ties by order
        order = sorted(exact, key=lambda i: (-(exact[i] - rounded[i]) * direction, i))
        for i in order[: abs(steps)]:
            rounded[i] += unit * direction
    return rounded
