"""SIE 4 (type 4I, transactions for import) from the revenue journal: the Swedish standard bookkeeping file.

Records as the SIE 4 specification orders them: #FLAGGA, #PROGRAM, #FORMAT PC8, #GEN, #SIETYP 4, #FNAMN,
#ORGNR, #RAR, #VALUTA, the #KONTO of every account used, then one #VER per journal row whose #TRANS lines sum
to zero (settlement debit = revenue credit + VAT credit). Text is code page 437 (PC8), amounts use a decimal point
and a minus sign for credits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from jobs.exports.datev import rate_text
from jobs.exports.journal import CREDIT_NOTE, DEBIT_NOTE, REFUND
from pipelines.catalog.accounts_chart import ChartOfAccounts
from pipelines.catalog.models import Tenant
from pipelines.period import Period

ENCODING = "cp437"
SERIES = "A"
_TEXT = {CREDIT_NOTE: "Kreditnotor laddning", DEBIT_NOTE: "Tilldebitering laddning", REFUND: "Återbetalning laddning"}


def quoted(text: str) -> str:
    """SIE strings: in double quotes, a quote inside escaped with a backslash."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fiscal_year(period: Period, start_month: int) -> tuple[date, date]:
    """The fiscal year (#RAR 0) that contains the period."""
    year = period.first.year if period.first.month >= start_month else period.first.year - 1
    first = date(year, start_month, 1)
    after = date(year + 1, start_month, 1)
    return first, date.fromordinal(after.toordinal() - 1)


def account_names(chart: ChartOfAccounts) -> dict[str, str]:
    """#KONTO names of the chart's accounts (the importer keeps its own names where it has the account)."""
    names = {
        chart.receivables: "Kundfordringar laddning",
        chart.wallet_liability: "Förskott laddplånbok",
        chart.credit_notes: "Kreditnotor laddning",
        chart.refunds: "Återbetalningar laddning",
    }
    for entry in chart.revenue:
        rate = f"{entry.vat_rate.normalize():f}"
        names[entry.revenue] = f"Försäljning laddning {rate} % moms"
        if entry.vat_payable:
            names[entry.vat_payable] = f"Utgående moms {rate} %"
    return names


def head(tenant: Tenant, chart: ChartOfAccounts, period: Period, generated: date) -> list[str]:
    company = chart.sie.company_name if chart.sie else tenant.name
    first, last = fiscal_year(period, chart.sie.fiscal_year_start_month if chart.sie else 1)
    lines = [
        "#FLAGGA 0",
        f'#PROGRAM "chargeledger" {quoted("1.0")}',
        "#FORMAT PC8",
        f"#GEN {generated:%Y%m%d}",
        "#SIETYP 4",
        f"#FNAMN {quoted(company)}",
    ]
    if chart.sie:
        lines.append(f"#ORGNR {chart.sie.org_number}")
    lines += [f"#RAR 0 {first:%Y%m%d} {last:%Y%m%d}", f"#VALUTA {tenant.currency}"]
    return lines + [f"#KONTO {account} {quoted(name)}" for account, name in sorted(account_names(chart).items())]


def vouchers(journal: pl.DataFrame) -> pl.Series:
    """One #VER block per journal row, numbered from 1, built with polars string expressions (exact digits)."""
    rate = rate_text(pl.col("vat_rate"))
    text = pl.col("kind").replace_strict(_TEXT, default="Försäljning laddning") + pl.lit(" ") + rate + pl.lit(" % moms")
    vat_line = (
        pl.when(pl.col("vat") != 0)
        .then(pl.lit("   #TRANS ") + pl.col("vat_account") + pl.lit(" {} ") + (-pl.col("vat")).cast(pl.String) + "\n")
        .otherwise(pl.lit(""))
    )
    block = pl.concat_str(
        [
            pl.lit(f"#VER {SERIES} "), (pl.int_range(pl.len()) + 1).cast(pl.String), pl.lit(" "),
            pl.col("day").dt.strftime("%Y%m%d"), pl.lit(' "'), text, pl.lit('"\n{\n'),
            pl.lit("   #TRANS "), pl.col("settlement_account"), pl.lit(" {} "), pl.col("gross").cast(pl.String),
            pl.lit("\n   #TRANS "), pl.col("revenue_account"), pl.lit(" {} "), (-pl.col("net")).cast(pl.String),
            pl.lit("\n"), vat_line, pl.lit("}"),
        ]
    )  # fmt: skip
    return journal.sort("day", "kind", "vat_rate", "side").select(block).to_series()


def write(path: Path, journal: pl.DataFrame, tenant: Tenant, chart: ChartOfAccounts, period: Period) -> int:
    """Write one tenant's SIE 4I file; returns the number of verifikationer."""
    blocks = vouchers(journal)
    lines = head(tenant, chart, period, datetime.now(UTC).date())
    body = blocks.str.join("\n").item() + "\n" if blocks.len() else ""
    path.write_bytes(("\n".join(lines) + "\n" + body).replace("\n", "\r\n").encode(ENCODING, errors="replace"))
    return blocks.len()
