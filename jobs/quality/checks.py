"""What the gate expects of a period's data, declared as great-expectations expectation names and arguments.

Declared as data (not GE objects) so the list can be read, tested and documented without importing
great_expectations, which costs about 4 s; gate.py builds the expectations from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pipelines.money import LEDGER_SCALE

# Rating rounds each line half up at the 9th decimal (pipelines/money.to_ledger), so a line's VAT may differ from
# excl * rate / 100 by at most half of 1e-9; a full quantum leaves room for that and nothing more.
VAT_TOLERANCE = Decimal("0.000000001")
# The ledger quantum (pipelines/money): queries.py returns money columns as whole numbers of it, so that
# great-expectations compares integers; thresholds on MONEY_COLUMNS are declared in currency units here.
QUANTUM = Decimal(1).scaleb(-LEDGER_SCALE)

SESSIONS, LINE_ITEMS = "sessions", "line_items"
ID_COLUMN = {SESSIONS: "session_id", LINE_ITEMS: "line_id"}
MONEY_COLUMNS = frozenset({
    "total_cost_excl_vat", "total_cost_incl_vat", "line_gap_excl_vat", "line_gap_incl_vat",
    "amount_excl_vat", "amount_incl_vat", "charge_excl_vat", "charge_incl_vat", "vat_deviation",
})  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One expectation on one frame, with the sentence a reader of the report needs."""

    frame: str  # SESSIONS or LINE_ITEMS
    expectation: str  # class name in great_expectations.expectations
    meaning: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return list(self.kwargs.get("column_list") or [self.kwargs["column"]])


def _not_null(frame: str, column: str, meaning: str) -> Check:
    return Check(frame, "ExpectColumnValuesToNotBeNull", meaning, {"column": column})


def _between(frame: str, column: str, meaning: str, low: Decimal | int | None, high: Decimal | None = None) -> Check:
    return Check(
        frame, "ExpectColumnValuesToBeBetween", meaning, {"column": column, "min_value": low, "max_value": high}
    )


def _unique(columns: list[str], meaning: str) -> Check:
    return Check(SESSIONS, "ExpectCompoundColumnsToBeUnique", meaning, {"column_list": columns})


def gate_checks(vat_tolerance: Decimal = VAT_TOLERANCE) -> list[Check]:
    """Every expectation of the gate, sessions first."""
    zero = Decimal(0)
    return [
        _not_null(SESSIONS, "total_cost_excl_vat", "every session has a total excl. VAT"),
        _not_null(SESSIONS, "total_cost_incl_vat", "every session has a total incl. VAT"),
        _between(SESSIONS, "total_cost_excl_vat", "no session total excl. VAT is negative", zero),
        _between(SESSIONS, "total_cost_incl_vat", "no session total incl. VAT is negative", zero),
        _between(SESSIONS, "lines_for_energy", "a session that delivered energy has line items", 1),
        _between(SESSIONS, "line_gap_excl_vat", "line items sum to the session total excl. VAT", zero, zero),
        _between(SESSIONS, "line_gap_incl_vat", "line items sum to the session total incl. VAT", zero, zero),
        Check(
            SESSIONS,
            "ExpectColumnValuesToMatchRegex",
            "every session has an ISO 4217 currency",
            {"column": "currency", "regex": "^[A-Z]{3}$"},
        ),
        _unique(["tenant_id", "session_id"], "one current revision per session"),
        _unique(
            ["tenant_id", "charge_point_id", "connector_id", "started_at"],
            "no session recorded twice under different ids (same connector, same start)",
        ),
        _not_null(LINE_ITEMS, "amount_excl_vat", "every line item has an amount excl. VAT"),
        _not_null(LINE_ITEMS, "amount_incl_vat", "every line item has an amount incl. VAT"),
        _between(LINE_ITEMS, "charge_excl_vat", "no negative charge excl. VAT (discounts, max price excepted)", zero),
        _between(LINE_ITEMS, "charge_incl_vat", "no negative charge incl. VAT (discounts, max price excepted)", zero),
        _between(
            LINE_ITEMS,
            "vat_deviation",
            f"VAT consistent with the rate: incl - excl = excl * vat / 100 within {vat_tolerance:f}",
            -vat_tolerance,
            vat_tolerance,
        ),
    ]
