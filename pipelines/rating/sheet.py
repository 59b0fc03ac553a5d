"""A priced session's amounts while benefits are taken off: what is left per (dimension, VAT rate) and in total.

Every take gives one negative DISCOUNT line per VAT rate it reduces, and never more than is left of its
amounts nor of the session's totals (excl. and incl. VAT), so no total can go below zero. Amounts are cut
down to the ledger's 1e-9, never rounded up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from pipelines.money import LEDGER_SCALE, to_ledger
from pipelines.rating.models import LineItem

_QUANTUM = Decimal(1).scaleb(-LEDGER_SCALE)
Key = tuple[str, Decimal | None]  # (dimension, VAT rate)


def _down(value: Decimal) -> Decimal:
    return value.quantize(_QUANTUM, rounding=ROUND_DOWN)


def _part(amount: Decimal, share: Fraction) -> Decimal:
    """Amount times share, exact until cut down once to the ledger scale (shares like 25397/29278 stay exact)."""
    return Decimal(math.floor(Fraction(amount) * share * 10**LEDGER_SCALE)).scaleb(-LEDGER_SCALE)


class Sheet:
    """The base lines of one session plus the benefit lines taken off them so far."""

    def __init__(self, base: tuple[LineItem, ...], currency: str) -> None:
        self.base = base
        self.currency = currency
        self.left: dict[Key, list[Decimal]] = {}
        for line in base:
            amounts = self.left.setdefault((line.dimension, line.vat_rate), [Decimal(0), Decimal(0)])
            amounts[0] += line.amount_excl_vat
            amounts[1] += line.amount_incl_vat
        self.total_excl = sum((line.amount_excl_vat for line in base), Decimal(0))
        self.total_incl = sum((line.amount_incl_vat for line in base), Decimal(0))
        self.added: list[LineItem] = []

    def lines(self) -> tuple[LineItem, ...]:
        return (*self.base, *self.added)

    def take_share(
        self,
        shares: Mapping[str, Fraction],
        *,
        kind: str,
        rule_id: str,
        description: str,
        quantity: tuple[Decimal, str] | None = None,
        percentage: Decimal | None = None,
    ) -> Decimal:
        """Take a fraction (per dimension name) of what is left of those dimensions; returns what it took incl. VAT."""
        parts = {
            key: (_part(excl, shares[key[0]]), _part(incl, shares[key[0]]))
            for key, (excl, incl) in self.left.items()
            if key[0] in shares and excl > 0 and incl > 0
        }
        return self._take(parts, kind, rule_id, description, quantity, percentage)

    def take_amount(self, amount_incl: Decimal, *, kind: str, rule_id: str, description: str) -> Decimal:
        """Take up to an amount incl. VAT from whatever is left, in line order; returns what was taken."""
        parts: dict[Key, tuple[Decimal, Decimal]] = {}
        need = amount_incl
        for key, (excl, incl) in self.left.items():
            if need <= 0:
                break
            if excl > 0 and incl > 0:
                take = min(need, incl)
                parts[key] = (excl if take == incl else _down(take * excl / incl), take)
                need -= take
        return self._take(parts, kind, rule_id, description, None, None)

    def _take(
        self,
        parts: dict[Key, tuple[Decimal, Decimal]],
        kind: str,
        rule_id: str,
        description: str,
        quantity: tuple[Decimal, str] | None,
        percentage: Decimal | None,
    ) -> Decimal:
        parts = self._capped(parts)
        by_vat: dict[Decimal | None, list[Decimal]] = {}
        for key, (excl, incl) in parts.items():
            self.left[key][0] -= excl
            self.left[key][1] -= incl
            sums = by_vat.setdefault(key[1], [Decimal(0), Decimal(0)])
            sums[0] += excl
            sums[1] += incl
        taken = Decimal(0)
        for vat, (excl, incl) in by_vat.items():
            if excl <= 0 and incl <= 0:
                continue
            self.total_excl -= excl
            self.total_incl -= incl
            taken += incl
            self.added.append(self._line(vat, excl, incl, kind, rule_id, description, quantity, percentage))
        return taken

    def _capped(self, parts: dict[Key, tuple[Decimal, Decimal]]) -> dict[Key, tuple[Decimal, Decimal]]:
        """Scale the parts down so that neither session total goes below zero."""
        want_excl = sum((excl for excl, _ in parts.values()), Decimal(0))
        want_incl = sum((incl for _, incl in parts.values()), Decimal(0))
        if self.total_excl <= 0 or self.total_incl <= 0:
            return {}
        if want_excl <= self.total_excl and want_incl <= self.total_incl:
            return parts
        scale = min(
            self.total_excl / want_excl if want_excl > 0 else Decimal(1),
            self.total_incl / want_incl if want_incl > 0 else Decimal(1),
        )
        return {key: (_down(excl * scale), _down(incl * scale)) for key, (excl, incl) in parts.items()}

    def _line(
        self,
        vat: Decimal | None,
        excl: Decimal,
        incl: Decimal,
        kind: str,
        rule_id: str,
        description: str,
        quantity: tuple[Decimal, str] | None,
        percentage: Decimal | None,
    ) -> LineItem:
        if percentage is not None:  # "-20 % of 4.35 EUR"
            count, unit, unit_price = to_ledger(excl * 100 / percentage), self.currency, -percentage / 100
        elif quantity is not None and quantity[0] > 0:
            count, unit = to_ledger(quantity[0]), quantity[1]
            unit_price = to_ledger(-excl / quantity[0])
        else:
            count, unit, unit_price = Decimal(1), "session", -excl
        vat_text = f", VAT {vat.normalize():f}%" if vat is not None else ", no VAT"
        return LineItem(
            dimension="DISCOUNT",
            tariff_element=0,
            quantity=count,
            unit=unit,
            unit_price=unit_price,
            step_size=0,
            amount_excl_vat=-excl,
            vat_rate=vat,
            amount_incl_vat=-incl,
            description=f"{description}{vat_text}",
            kind=kind,
            rule_id=rule_id,
        )
