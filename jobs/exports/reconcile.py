"""The reconciliation line: what the export wrote adds up to the warehouse's own sums for the period, to the cent.

The warehouse side is an independent SQL sum over the base tables (queries.warehouse_totals_query); the export side
is summed from the frames the files were rendered from. Both are rounded to the currency's minor unit only at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from pipelines.money import round_money

Key = tuple[str, str]  # tenant, currency


@dataclass(frozen=True, slots=True)
class Totals:
    net: Decimal
    gross: Decimal


def totals(frame: pl.DataFrame, net: str, gross: str) -> dict[Key, Totals]:
    """Sums per tenant and currency of two money columns (exact)."""
    summed = frame.group_by("tenant_id", "currency").agg(
        pl.col(net).sum().cast(pl.String).alias("net"), pl.col(gross).sum().cast(pl.String).alias("gross")
    )
    return {(t, c): Totals(Decimal(n), Decimal(g)) for t, c, n, g in summed.iter_rows()}


def combined(*parts: dict[Key, Totals]) -> dict[Key, Totals]:
    out: dict[Key, Totals] = {}
    for part in parts:
        for key, value in part.items():
            held = out.get(key, Totals(Decimal(0), Decimal(0)))
            out[key] = Totals(held.net + value.net, held.gross + value.gross)
    return out


def reconcile(exported: dict[Key, Totals], warehouse: dict[Key, Totals]) -> tuple[list[str], bool]:
    """One line per tenant and currency, and whether every one matches to the minor unit."""
    lines, matched = [], True
    for tenant, currency in sorted(set(exported) | set(warehouse)):
        zero = Totals(Decimal(0), Decimal(0))
        ours, theirs = exported.get((tenant, currency), zero), warehouse.get((tenant, currency), zero)
        mine = (round_money(ours.net, currency), round_money(ours.gross, currency))
        base = (round_money(theirs.net, currency), round_money(theirs.gross, currency))
        ok = mine == base
        matched &= ok
        verdict = "=" if ok else "!= MISMATCH"
        lines.append(
            f"reconciliation {tenant} {currency}: export net {mine[0]} gross {mine[1]} {verdict} "
            f"warehouse net {base[0]} gross {base[1]}"
        )
    return lines, matched
