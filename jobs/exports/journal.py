"""The revenue journal: per tenant, day, VAT rate and settlement side, the net revenue, VAT and gross amount, with
the ledger accounts of the tenant's chart. Pure polars over the frames the export read; DATEV and SIE render it.

Amounts are rounded to the currency's minor unit by cumulative rounding within each tenant and currency (each row
is the difference of the rounded running totals), so the rows add up to the rounded exact total, to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from jobs.exports.period import ExportError
from pipelines.catalog.accounts_chart import DEFAULT_CHART, ChartOfAccounts
from pipelines.catalog.models import BillingMode
from pipelines.money import minor_unit

EXACT = pl.Decimal(38, 9)
RATE = pl.Decimal(9, 4)
KEYS = ["tenant_id", "currency", "day", "kind", "vat_rate", "side"]
SALE, CREDIT_NOTE, DEBIT_NOTE, REFUND = "sale", "credit_note", "debit_note", "refund"
REDUCTIONS = (CREDIT_NOTE, REFUND)  # booked on their own accounts, never on a DATEV automatic revenue account
RECEIVABLES, WALLET = "receivables", "wallet_liability"


@dataclass(frozen=True)
class Books:
    """What the journal needs from the catalog: each tenant's chart and every account's billing mode."""

    charts: dict[str, ChartOfAccounts]  # tenant -> its chart; tenants absent here use DEFAULT_CHART
    billing_modes: pl.DataFrame  # tenant_id, account_id, billing_mode

    def chart(self, tenant_id: str) -> ChartOfAccounts:
        return self.charts.get(tenant_id, DEFAULT_CHART)


def entries(
    sessions: pl.DataFrame, lines: pl.DataFrame, adjustments: pl.DataFrame, refunds: pl.DataFrame
) -> pl.DataFrame:
    """Exact amounts to book, each with its account and day: session line items (sales), billed credits/debits and
    refunds' credit-note lines (stored positive, booked negative)."""
    sales = lines.join(
        sessions.select("tenant_id", "session_id", "account_id", pl.col("started_at").dt.date().alias("day")),
        on=["tenant_id", "session_id"],
    ).select(
        "tenant_id", "account_id", "currency", "day", pl.lit(SALE).alias("kind"),
        pl.col("vat_rate").fill_null(0).cast(RATE), pl.col("amount_excl_vat").cast(EXACT).alias("net"),
        pl.col("amount_incl_vat").cast(EXACT).alias("gross"),
    )  # fmt: skip
    notes = adjustments.select(
        "tenant_id", "account_id", "currency", pl.col("created_at").dt.date().alias("day"),
        pl.when(pl.col("kind") == "credit").then(pl.lit(CREDIT_NOTE)).otherwise(pl.lit(DEBIT_NOTE)).alias("kind"),
        pl.col("vat_rate").cast(RATE), pl.col("difference_excl_vat").cast(EXACT).alias("net"),
        pl.col("difference_incl_vat").cast(EXACT).alias("gross"),
    )  # fmt: skip
    refunded = refunds.select(
        "tenant_id", "account_id", "currency", pl.col("issued_at").dt.date().alias("day"), pl.lit(REFUND).alias("kind"),
        pl.col("vat_rate").fill_null(0).cast(RATE), (-pl.col("amount_excl_vat")).cast(EXACT).alias("net"),
        (-pl.col("amount_incl_vat")).cast(EXACT).alias("gross"),
    )  # fmt: skip
    return pl.concat([sales, notes, refunded])


def build_journal(booked: pl.DataFrame, books: Books) -> pl.DataFrame:
    """One row per (tenant, currency, day, kind, VAT rate, side) with rounded amounts and account numbers."""
    modes = books.billing_modes.select("tenant_id", "account_id", "billing_mode")
    summed = (
        booked.join(modes, on=["tenant_id", "account_id"], how="left")
        .with_columns(
            side=pl.when(pl.col("billing_mode") == BillingMode.PREPAID.value)
            .then(pl.lit(WALLET))
            .otherwise(pl.lit(RECEIVABLES))
        )
        .group_by(KEYS)
        .agg(pl.col("net").sum(), pl.col("gross").sum())
        .sort(KEYS)
    )
    return _with_accounts(_rounded(summed), books)


GROUP = ["tenant_id", "currency"]


def _rounded(summed: pl.DataFrame) -> pl.DataFrame:
    """Net and VAT rounded cumulatively per tenant and currency (half away from zero, as pipelines.money); gross is
    their sum. A row without VAT keeps a VAT of exactly 0, and the cent that rounding net and VAT apart may leave
    against the rounded gross total goes to the row with the most VAT, so net and gross both add up to their exact
    totals rounded."""
    exact = summed.with_columns(vat=pl.col("gross") - pl.col("net"))
    parts = []
    for (currency,), part in exact.partition_by("currency", as_dict=True).items():
        digits = minor_unit(str(currency))
        row = pl.int_range(pl.len())
        largest_vat = row.sort_by(pl.col("vat").abs(), descending=True).first().over(GROUP)
        target = pl.col("gross").sum().over(GROUP).round(digits, mode="half_away_from_zero")
        rounded = part.with_columns(
            _cumulative_round("net", digits), _cumulative_round("vat", digits), target=target, last=largest_vat,
            row=row,
        )  # fmt: skip
        residual = pl.col("target") - pl.col("net").sum().over(GROUP) - pl.col("vat").sum().over(GROUP)
        parts.append(
            rounded.with_columns(
                vat=pl.col("vat") + pl.when(pl.col("row") == pl.col("last")).then(residual).otherwise(0)
            )
            .with_columns(gross=pl.col("net") + pl.col("vat"))
            .with_columns(pl.col("net", "vat", "gross").cast(pl.Decimal(38, digits)))
            .drop("target", "last", "row")
        )
    if not parts:
        return exact.with_columns(pl.col("net", "vat", "gross").cast(pl.Decimal(38, 2)))
    return pl.concat(parts, how="vertical_relaxed").sort(KEYS)


def _cumulative_round(name: str, digits: int) -> pl.Expr:
    """Each row the difference of the rounded running totals: the rows add up to the rounded exact total."""
    running = pl.col(name).cum_sum().over(GROUP, order_by=KEYS[2:])
    total = running.round(digits, mode="half_away_from_zero")
    return (total - total.shift(1).over(GROUP, order_by=KEYS[2:]).fill_null(0)).cast(pl.Decimal(38, digits)).alias(name)


def chart_frame(books: Books, tenants: list[str]) -> pl.DataFrame:
    """Account numbers per tenant and VAT rate, as a frame to join the journal with."""
    rows = [
        {
            "tenant_id": tenant,
            "vat_rate": entry.vat_rate,
            "revenue_account": entry.revenue,
            "vat_account": entry.vat_payable,
            "bu_key": entry.datev_bu_key,
            "datev_automatic": entry.datev_automatic,
            "receivables_account": chart.receivables,
            "wallet_account": chart.wallet_liability,
            "credit_notes_account": chart.credit_notes,
            "refunds_account": chart.refunds,
        }
        for tenant in tenants
        for chart in [books.chart(tenant)]
        for entry in chart.revenue
    ]
    text = (
        "revenue_account",
        "vat_account",
        "bu_key",
        "receivables_account",
        "wallet_account",
        "credit_notes_account",
        "refunds_account",
    )
    schema = pl.Schema([("tenant_id", pl.String()), ("vat_rate", RATE), ("datev_automatic", pl.Boolean())])
    schema.update((name, pl.String()) for name in text)
    return pl.DataFrame(rows, schema=schema)


def _with_accounts(journal: pl.DataFrame, books: Books) -> pl.DataFrame:
    tenants = journal.get_column("tenant_id").unique().sort().to_list()
    joined = journal.join(chart_frame(books, tenants), on=["tenant_id", "vat_rate"], how="left")
    missing = joined.filter(pl.col("revenue_account").is_null()).select("tenant_id", "vat_rate").unique().sort("*")
    if missing.height:
        rates = ", ".join(f"{t} {Decimal(r).normalize()} %" for t, r in missing.iter_rows())
        raise ExportError(f"no revenue account for VAT rate(s) {rates}: add them to the tenant's chart_of_accounts")
    return joined.select(
        *KEYS, "net", "vat", "gross",
        pl.when(pl.col("side") == WALLET).then("wallet_account").otherwise("receivables_account")
        .alias("settlement_account"),
        pl.when(pl.col("kind") == CREDIT_NOTE).then("credit_notes_account")
        .when(pl.col("kind") == REFUND).then("refunds_account").otherwise("revenue_account").alias("revenue_account"),
        "vat_account", "bu_key", "datev_automatic",
    )  # fmt: skip
