"""The words on invoices and receipts per language (en, de, sv, es), and how dates are written in each."""

from __future__ import annotations

from datetime import date

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "invoice": "Invoice", "receipt": "Receipt", "number": "Invoice number", "receipt_number": "Receipt number",
        "issue_date": "Date", "due_date": "Due date", "period": "Period", "customer": "Customer number",
        "description": "Description", "quantity": "Qty", "vat_rate": "VAT", "net": "Net",
        "vat_summary": "VAT breakdown", "taxable": "Taxable amount", "vat": "VAT", "total_net": "Total net",
        "total_vat": "Total VAT", "total_gross": "Total", "credit_applied": "Credit applied",
        "amount_due": "Amount due", "credit_carried": "Credit carried forward to your next invoice",
        "pay": "Please pay {amount} by {date}.", "paid": "Paid. Thank you.", "bank": "Bank details",
        "vat_id": "VAT ID", "session": "Charging", "subscription": "Subscription {plan}, {period}",
        "no_payment": "Nothing to pay.",
    },
    "de": {
        "invoice": "Rechnung", "receipt": "Quittung", "number": "Rechnungsnummer", "receipt_number": "Belegnummer",
        "issue_date": "Datum", "due_date": "Fällig am", "period": "Leistungszeitraum", "customer": "Kundennummer",
        "description": "Beschreibung", "quantity": "Menge", "vat_rate": "USt.", "net": "Netto",
        "vat_summary": "Umsatzsteuer", "taxable": "Bemessungsgrundlage", "vat": "USt.", "total_net": "Summe netto",
        "total_vat": "Summe USt.", "total_gross": "Gesamtbetrag", "credit_applied": "Verrechnetes Guthaben",
        "amount_due": "Zahlbetrag", "credit_carried": "Guthaben, das mit Ihrer nächsten Rechnung verrechnet wird",
        "pay": "Bitte überweisen Sie {amount} bis zum {date}.", "paid": "Bezahlt. Vielen Dank.",
        "bank": "Bankverbindung", "vat_id": "USt-IdNr.", "session": "Ladevorgang",
        "subscription": "Abonnement {plan}, {period}", "no_payment": "Kein Zahlbetrag.",
    },
    "sv": {
        "invoice": "Faktura", "receipt": "Kvitto", "number": "Fakturanummer", "receipt_number": "Kvittonummer",
        "issue_date": "Datum", "due_date": "Förfallodag", "period": "Period", "customer": "Kundnummer",
        "description": "Beskrivning", "quantity": "Antal", "vat_rate": "Moms", "net": "Netto",
        "vat_summary": "Momsspecifikation", "taxable": "Underlag", "vat": "Moms", "total_net": "Summa netto",
        "total_vat": "Summa moms", "total_gross": "Totalt", "credit_applied": "Avräknad kredit",
        "amount_due": "Att betala", "credit_carried": "Kredit som avräknas på nästa faktura",
        "pay": "Vänligen betala {amount} senast {date}.", "paid": "Betald. Tack.", "bank": "Bankuppgifter",
        "vat_id": "Momsreg.nr", "session": "Laddning", "subscription": "Abonnemang {plan}, {period}",
        "no_payment": "Inget att betala.",
    },
    "es": {
        "invoice": "Factura", "receipt": "Recibo", "number": "Número de factura", "receipt_number": "Número de recibo",
        "issue_date": "Fecha", "due_date": "Vencimiento", "period": "Periodo", "customer": "Número de cliente",
        "description": "Descripción", "quantity": "Cant.", "vat_rate": "IVA", "net": "Neto",
        "vat_summary": "Desglose de IVA", "taxable": "Base imponible", "vat": "IVA", "total_net": "Total neto",
        "total_vat": "Total IVA", "total_gross": "Total", "credit_applied": "Crédito aplicado",
        "amount_due": "Importe a pagar", "credit_carried": "Crédito que se aplicará en su próxima factura",
        "pay": "Por favor, pague {amount} antes del {date}.", "paid": "Pagado. Gracias.",
        "bank": "Datos bancarios", "vat_id": "NIF-IVA", "session": "Carga",
        "subscription": "Suscripción {plan}, {period}", "no_payment": "Nada que pagar.",
    },
}  # fmt: skip
LANGUAGES = tuple(LABELS)
DATE_FORMATS = {"en": "%Y-%m-%d", "de": "%d.%m.%Y", "sv": "%Y-%m-%d", "es": "%d/%m/%Y"}


def language_of(requested: str | None) -> str:
    """The account's language when documents exist in it (de-AT -> de), else English."""
    primary = (requested or "").replace("_", "-").split("-")[0].strip().lower()
    return primary if primary in LABELS else "en"


def format_date(day: date, language: str) -> str:
    return day.strftime(DATE_FORMATS[language])
