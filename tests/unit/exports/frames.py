"""Small frames shaped like the export's reads, for the pure export functions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import polars as pl

from jobs.exports.journal import Books

EXACT = pl.Decimal(28, 9)


def sessions(*rows: tuple[str, str | None, datetime]) -> pl.DataFrame:
    """rows: (session_id, account_id, started_at), tenant t1."""
    return pl.DataFrame(
        [("t1", sid, account, started) for sid, account, started in rows],
        schema={
            "tenant_id": pl.String,
            "session_id": pl.String,
            "account_id": pl.String,
            "started_at": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )


def lines(*rows: tuple[str, str, str, str, str | None, str]) -> pl.DataFrame:
    """rows: (session_id, kind, dimension, excl, vat_rate, incl), tenant t1, EUR."""
    return pl.DataFrame(
        [
            ("t1", sid, "EUR", kind, dim, Decimal(excl), None if rate is None else Decimal(rate), Decimal(incl))
            for sid, kind, dim, excl, rate, incl in rows
        ],
        schema={
            "tenant_id": pl.String,
            "session_id": pl.String,
            "currency": pl.String,
            "kind": pl.String,
            "dimension": pl.String,
            "amount_excl_vat": EXACT,
            "vat_rate": pl.Decimal(9, 4),
            "amount_incl_vat": EXACT,
        },
        orient="row",
    )


def adjustments(*rows: tuple[str, str, str, str, str]) -> pl.DataFrame:
    """rows: (session_id, account_id, kind, difference excl, difference incl), created 2026-11-20, 19 %."""
    return pl.DataFrame(
        [
            (
                "t1",
                sid,
                account,
                "EUR",
                kind,
                Decimal(19),
                Decimal(excl),
                Decimal(incl),
                datetime(2026, 11, 20, 10, tzinfo=UTC),
            )
            for sid, account, kind, excl, incl in rows
        ],
        schema={
            "tenant_id": pl.String,
            "session_id": pl.String,
            "account_id": pl.String,
            "currency": pl.String,
            "kind": pl.String,
            "vat_rate": pl.Decimal(9, 4),
            "difference_excl_vat": EXACT,
            "difference_incl_vat": EXACT,
            "created_at": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )


def books(prepaid: tuple[str, ...] = ()) -> Books:
    modes = pl.DataFrame(
        {"tenant_id": ["t1"] * len(prepaid), "account_id": list(prepaid), "billing_mode": ["prepaid"] * len(prepaid)},
        schema={"tenant_id": pl.String, "account_id": pl.String, "billing_mode": pl.String},
    )
    return Books(charts={}, billing_modes=modes)


def refunds(*rows: tuple[str, str, str, str, str]) -> pl.DataFrame:
    """rows: (credit_note_id, account_id, excl, vat_rate, incl), positive as stored, issued 2026-11-21."""
    return pl.DataFrame(
        [
            (
                "t1",
                note,
                account,
                "EUR",
                Decimal(rate),
                Decimal(excl),
                Decimal(incl),
                datetime(2026, 11, 21, 10, tzinfo=UTC),
            )
            for note, account, excl, rate, incl in rows
        ],
        schema={
            "tenant_id": pl.String,
            "credit_note_id": pl.String,
            "account_id": pl.String,
            "currency": pl.String,
            "vat_rate": pl.Decimal(9, 4),
            "amount_excl_vat": EXACT,
            "amount_incl_vat": EXACT,
            "issued_at": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )
