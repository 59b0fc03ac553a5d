"""The PDF of an invoice or receipt, drawn from its stored JSON (pipelines/invoicing/document.py) in the tenant's
colours and logo and the document's language. reportlab's built-in Helvetica covers the euro sign and the
letters of en/de/sv/es (WinAnsi)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from pipelines.invoicing.labels import LABELS, format_date
from pipelines.notify.templates import format_money, format_number

SYMBOLS = {"EUR": "€"}
BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=12)


def money(amount: str | Decimal, currency: str, language: str) -> str:
    """Locale's number format, the euro sign instead of EUR."""
    text = format_money(Decimal(amount), currency, language)
    return text.replace(currency, SYMBOLS.get(currency, currency))


def render_pdf(doc: dict[str, Any], logo_base: Path | None = None) -> bytes:
    """The document as PDF bytes; the logo path is resolved against `logo_base` (the catalog file's folder)."""
    meta = doc["chargeledger"]
    words = LABELS[meta["language"]]
    primary = colors.HexColor(meta["style"]["primary_colour"])
    accent = colors.HexColor(meta["style"]["accent_colour"])
    out = BytesIO()
    pdf = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm,
                            title=f"{words[meta['series']]} {doc['invoice_number']}",
                            author=doc["seller"]["seller_name"])  # fmt: skip
    story: list[Any] = [_header(doc, logo_base, primary), Spacer(1, 8 * mm)]
    story += [_heading(words[meta["series"]] + " " + doc["invoice_number"], primary), Spacer(1, 3 * mm)]
    story += [_facts(doc, words), Spacer(1, 6 * mm), _lines(doc, words, primary, accent), Spacer(1, 4 * mm)]
    closing = [_vat(doc, words, accent), Spacer(1, 4 * mm), _totals(doc, words, primary), Spacer(1, 6 * mm)]
    story.append(KeepTogether(closing + [Paragraph(line, BODY) for line in _payment(doc, words)]))
    pdf.build(story)
    return out.getvalue()


def _heading(text: str, colour: colors.Color) -> Paragraph:
    return Paragraph(text, ParagraphStyle("h", fontName="Helvetica-Bold", fontSize=16, leading=20, textColor=colour))


def _address(party: dict[str, Any], prefix: str) -> list[str]:
    address = party[f"{prefix}_postal_address"]
    town = " ".join(part for part in (address["post_code"], address["city"]) if part)
    lines = [party[f"{prefix}_name"], *address["address_lines"], town, address["country_code"] or ""]
    return [_escape(line) for line in lines if line]


def _header(doc: dict[str, Any], logo_base: Path | None, primary: colors.Color) -> Table:
    seller = _address(doc["seller"], "seller")
    name = Paragraph(f"<b>{seller[0]}</b><br/>" + "<br/>".join(seller[1:]), BODY)
    logo_path = doc["chargeledger"]["style"]["logo_path"]
    logo: Any = ""
    if logo_path:
        path = (logo_base or Path.cwd()) / logo_path
        if path.is_file():
            logo = Image(str(path), width=40 * mm, height=20 * mm, kind="proportional")
    buyer = Paragraph("<br/>".join(_address(doc["buyer"], "buyer")), BODY)
    table = Table([[logo, name], ["", ""], [buyer, ""]], colWidths=[95 * mm, 79 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, 0), 1.5, primary)]))
    return table


def _facts(doc: dict[str, Any], words: dict[str, str]) -> Table:
    meta, language = doc["chargeledger"], doc["chargeledger"]["language"]
    receipt = meta["series"] == "receipt"
    rows = [
        [words["receipt_number" if receipt else "number"], doc["invoice_number"]],
        [words["issue_date"], _day(doc["invoice_issue_date"], language)],
    ]
    period = doc["invoicing_period"]
    if period["start_date"]:
        rows.append([words["period"], f"{_day(period['start_date'], language)} - {_day(period['end_date'], language)}"])
    if not receipt:
        rows.append([words["due_date"], _day(doc["payment_due_date"], language)])
    if meta["account_id"]:
        rows.append([words["customer"], meta["account_id"]])
    table = Table(rows, colWidths=[45 * mm, 80 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle([("FONT", (0, 0), (-1, -1), "Helvetica", 9), ("FONT", (0, 0), (0, -1), "Helvetica-Bold", 9)])
    )
    return table


def _lines(doc: dict[str, Any], words: dict[str, str], primary: colors.Color, accent: colors.Color) -> Table:
    currency, language = doc["invoice_currency_code"], doc["chargeledger"]["language"]
    rows: list[list[Any]] = [["#", words["description"], words["quantity"], words["vat_rate"], words["net"]]]
    for line in doc["invoice_lines"]:
        rows.append([
            line["invoice_line_identifier"],
            Paragraph(_escape(line["item_name"]), BODY),
            format_number(Decimal(line["invoiced_quantity"]), 0, language),
            _percent(line["invoiced_item_vat_rate"], language),
            money(line["invoice_line_net_amount"], currency, language),
        ])  # fmt: skip
    table = Table(rows, colWidths=[8 * mm, 106 * mm, 14 * mm, 16 * mm, 30 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("BACKGROUND", (0, 0), (-1, 0), primary),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, accent]),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))  # fmt: skip
    return table


def _vat(doc: dict[str, Any], words: dict[str, str], accent: colors.Color) -> Table:
    currency, language = doc["invoice_currency_code"], doc["chargeledger"]["language"]
    rows = [[words["vat_summary"], words["vat_rate"], words["taxable"], words["vat"]]]
    for group in doc["vat_breakdown"]:
        rows.append([
            "", _percent(group["vat_category_rate"], language),
            money(group["vat_category_taxable_amount"], currency, language),
            money(group["vat_category_tax_amount"], currency, language),
        ])  # fmt: skip
    table = Table(rows, colWidths=[84 * mm, 30 * mm, 30 * mm, 30 * mm])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("BACKGROUND", (1, 0), (-1, 0), accent),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ]))  # fmt: skip
    return table


def _totals(doc: dict[str, Any], words: dict[str, str], primary: colors.Color) -> Table:
    t, currency, language = doc["document_totals"], doc["invoice_currency_code"], doc["chargeledger"]["language"]
    receipt = doc["chargeledger"]["series"] == "receipt"
    rows = [
        [words["total_net"], money(t["invoice_total_amount_without_vat"], currency, language)],
        [words["total_vat"], money(t["invoice_total_vat_amount"], currency, language)],
        [words["total_gross"], money(t["invoice_total_amount_with_vat"], currency, language)],
    ]
    if Decimal(t["paid_amount"]) and not receipt:
        rows.append([words["credit_applied"], money(-Decimal(t["paid_amount"]), currency, language)])
    if not receipt:
        rows.append([words["amount_due"], money(t["amount_due_for_payment"], currency, language)])
    table = Table(rows, colWidths=[50 * mm, 30 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
        ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 10),
        ("LINEABOVE", (0, -1), (-1, -1), 1, primary),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
    ]))  # fmt: skip
    return table


def _payment(doc: dict[str, Any], words: dict[str, str]) -> list[str]:
    meta, language, currency = doc["chargeledger"], doc["chargeledger"]["language"], doc["invoice_currency_code"]
    due = Decimal(doc["document_totals"]["amount_due_for_payment"])
    if meta["series"] == "receipt":
        lines = [words["paid"]]
    elif due:
        lines = [
            words["pay"].format(amount=money(due, currency, language), date=_day(doc["payment_due_date"], language))
        ]
    else:
        lines = [words["no_payment"]]
    carried = Decimal(meta["credit_carried_forward"])
    if carried:
        lines.append(f"{words['credit_carried']}: {money(carried, currency, language)}")
    pay = doc["payment_instructions"]
    if pay["payment_account_identifier"] and meta["series"] != "receipt":
        bic = pay["payment_service_provider_identifier"]
        bank = [pay["payment_account_name"], f"IBAN {pay['payment_account_identifier']}", f"BIC {bic}" if bic else "",
                meta["style"]["bank_name"] or ""]  # fmt: skip
        lines.append(f"{words['bank']}: " + ", ".join(_escape(part) for part in bank if part))
    vat_id = doc["seller"]["seller_vat_identifier"]
    if vat_id:
        lines.append(f"{_escape(doc['seller']['seller_name'])}, {words['vat_id']} {_escape(vat_id)}")
    return lines


def _day(text: str, language: str) -> str:
    return format_date(date.fromisoformat(text), language)


def _percent(rate: str, language: str) -> str:
    value = Decimal(rate)
    decimals = 0 if value == value.to_integral_value() else 1
    return f"{format_number(value, decimals, language)} %"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
