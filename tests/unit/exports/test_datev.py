from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from jobs.exports import datev
from jobs.exports.journal import build_journal, entries
from jobs.exports.period import ExportError, parse_period
from pipelines.catalog.accounts_chart import ChartOfAccounts, DatevIds, RevenueAccounts
from pipelines.catalog.models import Tenant
from tests.unit.exports import frames

TENANT = Tenant(tenant_id="t1", name="Stadtwerk Süd", currency="EUR", country="DE")
IDS = DatevIds(consultant_number=29098, client_number=55003, account_length=5, fiscal_year_start_month=7)
CHART = ChartOfAccounts(
    revenue=[
        RevenueAccounts(vat_rate=Decimal(19), revenue="84000", vat_payable="17760", datev_automatic=True),
        RevenueAccounts(vat_rate=Decimal(7), revenue="83000", vat_payable="17710", datev_bu_key="2"),
        RevenueAccounts(vat_rate=Decimal(16), revenue="84100", vat_payable="17750"),
    ],
    receivables="14000", wallet_liability="17100", refunds="87000", credit_notes="87200", datev=IDS,
)  # fmt: skip


def journal() -> pl.DataFrame:
    day = datetime(2026, 11, 3, 8, tzinfo=UTC)
    sessions = frames.sessions(("s1", "A1", day))
    lines = frames.lines(("s1", "tariff", "ENERGY", "10", "19", "11.9"), ("s1", "tariff", "FLAT", "1", "7", "1.07"),
                         ("s1", "idle_fee", "IDLE_FEE", "2", "16", "2.32"))  # fmt: skip
    credit = frames.adjustments(("s0", "A1", "credit", "-1", "-1.19"))
    books = frames.books()
    return build_journal(
        entries(sessions, lines, credit, frames.refunds()), type(books)({"t1": CHART}, books.billing_modes)
    )


def test_header_has_the_31_fields_of_format_version_700_at_their_positions() -> None:
    fields = datev.header(IDS, TENANT, parse_period("2026-11"), datetime(2026, 12, 1, 9, 5, 7, 123000, tzinfo=UTC))
    parts = fields.split(";")
    assert len(parts) == datev.HEADER_FIELDS == 31
    assert parts[:6] == ['"EXTF"', "700", "21", '"Buchungsstapel"', "13", "20261201090507123"]
    assert parts[10:16] == ["29098", "55003", "20260701", "5", "20261101", "20261130"]  # WJ from July
    assert parts[18:22] == ["1", "0", "0", '"EUR"'] and parts[26] == '"03"'


def test_vat_is_left_to_datev_only_where_the_chart_says_so() -> None:
    rows = datev.postings(journal()).select("amount", "settlement_account", "counter_account", "bu_key").rows()
    assert sorted((str(a), s, c, k) for a, s, c, k in rows) == sorted([
        ("11.90", "14000", "84000", None),  # automatic account: gross, no key
        ("1.07", "14000", "83000", "2"),  # BU-Schlüssel 2: gross with the key
        ("2.00", "14000", "84100", None), ("0.32", "14000", "17750", None),  # neither: net and VAT apart
        ("-1.00", "14000", "87200", None), ("-0.19", "14000", "17760", None),  # credit note: never automatic
    ])  # fmt: skip


def test_written_file_is_windows_1252_with_decimal_comma_and_soll_haben(tmp_path: Path) -> None:
    path = tmp_path / "EXTF.csv"
    assert datev.write(path, journal(), TENANT, IDS, parse_period("2026-11")) == 6
    raw = path.read_bytes()
    assert "Süd".encode("cp1252") not in raw  # the tenant name is not part of the file
    assert "Ladeumsätze".encode("cp1252") in raw and raw.endswith(b"\r\n")
    lines = raw.decode("cp1252").split("\r\n")
    assert len(lines[1].split(";")) == len(datev.COLUMNS) == 125
    bookings = [line.split(";") for line in lines[2:-1]]
    assert all(len(row) == 125 for row in bookings)
    credit = next(row for row in bookings if row[7] == "87200")
    assert credit[:10] == ["1,00", '"H"', '"EUR"', "", "", "", "14000", "87200", "", "2011"]
    assert credit[13] == '"Gutschriften 19 % USt"'


def test_a_tenant_without_datev_numbers_gets_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"no chart_of_accounts\.datev"):
        datev.write(tmp_path / "x.csv", journal(), TENANT, None, parse_period("2026-11"))
