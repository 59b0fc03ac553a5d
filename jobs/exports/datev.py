"""DATEV Buchungsstapel (EXTF, header version 700, category 21, format version 13) from the revenue journal.

The file is what DATEV's import expects: line 1 the EXTF header (31 fields at fixed positions), line 2 the column
names, then one booking per line; semicolons, CRLF, Windows-1252, amounts positive with a decimal comma and the
direction in the Soll/Haben-Kennzeichen, Belegdatum as DDMM (the year is the header's). Every booking is the
settlement account (receivables or wallet liability) in Konto against revenue or VAT in Gegenkonto. VAT is left to
DATEV where the chart says so (automatic account, or a BU-Schlüssel); otherwise net and VAT are booked apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from jobs.exports.journal import CREDIT_NOTE, DEBIT_NOTE, REDUCTIONS, REFUND
from jobs.exports.period import ExportError
from pipelines.catalog.accounts_chart import DatevIds
from pipelines.catalog.models import Tenant
from pipelines.period import Period

ENCODING = "cp1252"
HEADER_FIELDS = 31
COLUMNS = (
    "Umsatz (ohne Soll/Haben-Kz);Soll/Haben-Kennzeichen;WKZ Umsatz;Kurs;Basis-Umsatz;WKZ Basis-Umsatz;Konto;"
    "Gegenkonto (ohne BU-Schlüssel);BU-Schlüssel;Belegdatum;Belegfeld 1;Belegfeld 2;Skonto;Buchungstext;"
    "Postensperre;Diverse Adressnummer;Geschäftspartnerbank;Sachverhalt;Zinssperre;Beleglink;"
    + "".join(f"Beleginfo - Art {n};Beleginfo - Inhalt {n};" for n in range(1, 9))
    + "KOST1 - Kostenstelle;KOST2 - Kostenstelle;Kost-Menge;EU-Land u. UStID (Bestimmung);"
    "EU-Steuersatz (Bestimmung);Abw. Versteuerungsart;Sachverhalt L+L;Funktionsergänzung L+L;"
    "BU 49 Hauptfunktionstyp;BU 49 Hauptfunktionsnummer;BU 49 Funktionsergänzung;"
    + "".join(f"Zusatzinformation - Art {n};Zusatzinformation- Inhalt {n};" for n in range(1, 21))
    + "Stück;Gewicht;Zahlweise;Forderungsart;Veranlagungsjahr;Zugeordnete Fälligkeit;Skontotyp;Auftragsnummer;"
    "Buchungstyp;USt-Schlüssel (Anzahlungen);EU-Land (Anzahlungen);Sachverhalt L+L (Anzahlungen);"
    "EU-Steuersatz (Anzahlungen);Erlöskonto (Anzahlungen);Herkunft-Kz;Buchungs GUID;KOST-Datum;"
    "SEPA-Mandatsreferenz;Skontosperre;Gesellschaftername;Beteiligtennummer;Identifikationsnummer;Zeichnernummer;"
    "Postensperre bis;Bezeichnung SoBil-Sachverhalt;Kennzeichen SoBil-Buchung;Festschreibung;Leistungsdatum;"
    "Datum Zuord. Steuerperiode;Fälligkeit;Generalumkehr (GU);Steuersatz;Land;Abrechnungsreferenz;BVV-Position;"
    "EU-Land u. UStID (Ursprung);EU-Steuersatz (Ursprung);Abw. Skontokonto"
).split(";")
USED = 14  # bookings fill the first 14 columns (up to Buchungstext); the rest stay empty
_TEXT = {CREDIT_NOTE: "Gutschriften", DEBIT_NOTE: "Nachbelastungen", REFUND: "Erstattungen"}


def rate_text(rate: pl.Expr) -> pl.Expr:
    """A Decimal VAT rate as short text: 19.0000 -> 19, 20.5000 -> 20.5."""
    return rate.cast(pl.String).str.replace(r"\.?0+$", "")


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def header(ids: DatevIds, tenant: Tenant, period: Period, created: datetime) -> str:
    """The EXTF header line; positions follow DATEV's format description for header version 700."""
    start_year = period.first.year if period.first.month >= ids.fiscal_year_start_month else period.first.year - 1
    fields = [
        _quoted("EXTF"), "700", "21", _quoted("Buchungsstapel"), "13",  # 1-5: Kennzeichen .. Formatversion
        f"{created:%Y%m%d%H%M%S}{created.microsecond // 1000:03d}", "",  # 6 erzeugt am, 7 importiert
        _quoted("RE"), _quoted("chargeledger"), _quoted(""),  # 8 Herkunft, 9 exportiert von, 10 importiert von
        str(ids.consultant_number), str(ids.client_number),  # 11 Beraternummer, 12 Mandantennummer
        f"{start_year}{ids.fiscal_year_start_month:02d}01", str(ids.account_length),  # 13 WJ-Beginn, 14 Sachkontenlänge
        f"{period.first:%Y%m%d}", f"{period.last:%Y%m%d}",  # 15 Datum vom, 16 Datum bis
        _quoted(f"Ladeumsätze {period.label}"[:30]), _quoted(""),  # 17 Bezeichnung, 18 Diktatkürzel
        "1", "0", "0", _quoted(tenant.currency),  # 19 Buchungstyp Fibu, 20 Rechnungslegungszweck, 21 Festschr., 22 WKZ
        "", "", "", "", _quoted(ids.chart_name), "", "", "", _quoted(""),  # 23-31: reserved .. SKR .. Anwendungsinfo
    ]  # fmt: skip
    assert len(fields) == HEADER_FIELDS
    return ";".join(fields)


def postings(journal: pl.DataFrame) -> pl.DataFrame:
    """Signed amounts per (Konto, Gegenkonto, BU-Schlüssel): gross where DATEV splits the VAT, else net and VAT."""
    automatic = pl.col("datev_automatic") & ~pl.col("kind").is_in(REDUCTIONS)
    splits_itself = pl.col("bu_key").is_not_null() | automatic
    gross = journal.filter(splits_itself | (pl.col("vat") == 0)).select(
        "day", "kind", "vat_rate", pl.col("gross").alias("amount"), "settlement_account",
        pl.col("revenue_account").alias("counter_account"),
        pl.when(automatic).then(None).otherwise("bu_key").alias("bu_key"),
    )  # fmt: skip
    split = journal.filter(~splits_itself & (pl.col("vat") != 0))
    net = split.select(
        "day", "kind", "vat_rate", pl.col("net").alias("amount"), "settlement_account",
        pl.col("revenue_account").alias("counter_account"), pl.lit(None, pl.String).alias("bu_key"),
    )  # fmt: skip
    vat = split.select(
        "day", "kind", "vat_rate", pl.col("vat").alias("amount"), "settlement_account",
        pl.col("vat_account").alias("counter_account"), pl.lit(None, pl.String).alias("bu_key"),
    )  # fmt: skip
    return pl.concat([gross, net, vat]).filter(pl.col("amount") != 0).sort("day", "kind", "vat_rate", "counter_account")


def booking_lines(postings: pl.DataFrame, currency: str) -> pl.Series:
    """One line per posting, built with polars string expressions (no Python loop over rows)."""
    amount = pl.col("amount").abs().cast(pl.String).str.replace(".", ",", literal=True)
    rate = rate_text(pl.col("vat_rate"))
    text = (
        pl.col("kind").replace_strict(_TEXT, default="Ladeumsätze") + pl.lit(" ") + rate + pl.lit(" % USt")
    ).str.slice(0, 60)
    cells = [
        amount,
        pl.when(pl.col("amount") >= 0).then(pl.lit('"S"')).otherwise(pl.lit('"H"')),
        pl.lit(_quoted(currency)), pl.lit(""), pl.lit(""), pl.lit(""),
        pl.col("settlement_account"), pl.col("counter_account"),
        pl.when(pl.col("bu_key").is_null()).then(pl.lit("")).otherwise(pl.lit('"') + pl.col("bu_key") + pl.lit('"')),
        pl.col("day").dt.strftime("%d%m"),
        pl.lit('"CL') + pl.col("day").dt.strftime("%Y%m%d") + pl.lit('"'), pl.lit(""), pl.lit(""),
        pl.lit('"') + text.str.replace_all('"', '""', literal=True) + pl.lit('"'),
    ]  # fmt: skip
    assert len(cells) == USED
    tail = ";" * (len(COLUMNS) - USED)
    return postings.select(pl.concat_str(cells, separator=";") + pl.lit(tail)).to_series()


def write(path: Path, journal: pl.DataFrame, tenant: Tenant, ids: DatevIds | None, period: Period) -> int:
    """Write one tenant's Buchungsstapel; returns the number of bookings. Needs the tenant's DATEV numbers."""
    if ids is None:
        raise ExportError(
            f"tenant {tenant.tenant_id} has no chart_of_accounts.datev (consultant_number, client_number): "
            "DATEV cannot import a Buchungsstapel without them"
        )
    lines = booking_lines(postings(journal), tenant.currency)
    head = header(ids, tenant, period, datetime.now(UTC)) + "\r\n" + ";".join(COLUMNS) + "\r\n"
    body = lines.str.join("\r\n").item() + "\r\n" if lines.len() else ""
    path.write_bytes((head + body).encode(ENCODING, errors="replace"))
    return lines.len()
