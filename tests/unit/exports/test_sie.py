from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from jobs.exports import sie
from jobs.exports.journal import Books, build_journal, entries
from jobs.exports.period import parse_period
from pipelines.catalog.accounts_chart import ChartOfAccounts, RevenueAccounts, SieIds
from pipelines.catalog.models import Tenant
from tests.unit.exports import frames

TENANT = Tenant(tenant_id="t1", name="Laddbolaget", currency="SEK", country="SE")
CHART = ChartOfAccounts(
    revenue=[RevenueAccounts(vat_rate=Decimal(25), revenue="3011", vat_payable="2611")],
    receivables="1510", wallet_liability="2420", refunds="3090", credit_notes="3091",
    sie=SieIds(company_name="Laddbolaget Åre AB", org_number="5566778899", fiscal_year_start_month=5),
)  # fmt: skip


def test_vouchers_balance_and_the_file_is_cp437(tmp_path: Path) -> None:
    sessions = frames.sessions(("s1", "A1", datetime(2026, 11, 3, tzinfo=UTC)))
    lines = frames.lines(("s1", "tariff", "ENERGY", "10.004", "25", "12.505"))
    credit = frames.adjustments(("s0", "A1", "credit", "-2", "-2.5"))
    credit = credit.with_columns(pl.lit(Decimal(25)).cast(pl.Decimal(9, 4)).alias("vat_rate"))
    base = frames.books()
    journal = build_journal(
        entries(sessions, lines, credit, frames.refunds()), Books({"t1": CHART}, base.billing_modes)
    )
    path = tmp_path / "t1.se"
    assert sie.write(path, journal, TENANT, CHART, parse_period("2026-11")) == 2
    text = path.read_bytes().decode("cp437")
    assert "Åre".encode("cp437") in path.read_bytes()
    lines_ = text.split("\r\n")
    assert lines_[:5] == ["#FLAGGA 0", '#PROGRAM "chargeledger" "1.0"', "#FORMAT PC8", lines_[3], "#SIETYP 4"]
    assert '#FNAMN "Laddbolaget Åre AB"' in lines_ and "#ORGNR 5566778899" in lines_
    assert "#RAR 0 20260501 20270430" in lines_ and "#VALUTA SEK" in lines_
    for block in text.split("#VER ")[1:]:
        amounts = [Decimal(line.split()[-1]) for line in block.splitlines() if "#TRANS" in line]
        assert len(amounts) == 3 and sum(amounts) == 0
    assert '#VER A 1 20261103 "Försäljning laddning 25 % moms"' in text
    assert "   #TRANS 1510 {} 12.51" in text and "   #TRANS 3011 {} -10.00" in text  # 12.505 -> 12.51 half up


def test_strings_are_quoted_with_backslash_escapes() -> None:
    assert sie.quoted('Kalle "K" \\ AB') == '"Kalle \\"K\\" \\\\ AB"'


def test_the_fiscal_year_contains_the_period() -> None:
    assert sie.fiscal_year(parse_period("2026-03"), 5) == (date(2025, 5, 1), date(2026, 4, 30))
