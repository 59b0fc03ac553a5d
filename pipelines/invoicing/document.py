"""A document as structured data: JSON whose field names are EN 16931's business terms (BT-n in the comments).

Amounts are decimal strings, dates ISO 8601. The JSON is what is stored and what the PDF is drawn from, so the
two never disagree; an e-invoicing converter (XRechnung, Peppol BIS) maps it field by field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pipelines.invoicing.models import RECEIPT, Document, Party

TYPE_CODES = {"invoice": "380", "receipt": "380"}  # BT-3 (UNTDID 1001): commercial invoice; a receipt is a paid one


def _money(value: Decimal) -> str:
    return f"{value:f}"


def _party(party: Party, prefix: str) -> dict[str, Any]:
    return {
        f"{prefix}_name": party.name,  # BT-27 / BT-44
        f"{prefix}_identifier": party.identifier,  # BT-29 / BT-46
        f"{prefix}_vat_identifier": party.vat_id,  # BT-31 / BT-48
        f"{prefix}_postal_address": {  # BG-5 / BG-8
            "address_lines": list(party.address_lines),  # BT-35.. / BT-50..
            "post_code": party.postcode,  # BT-38 / BT-53
            "city": party.city,  # BT-37 / BT-52
            "country_code": party.country,  # BT-40 / BT-55
        },
    }


def to_json_dict(doc: Document) -> dict[str, Any]:
    """The document in EN 16931 terms plus the fields chargeledger needs to re-draw and trace it."""
    t = doc.totals
    return {
        "invoice_number": doc.number,  # BT-1
        "invoice_issue_date": doc.issued_at.date().isoformat(),  # BT-2
        "invoice_type_code": TYPE_CODES[doc.series],  # BT-3
        "invoice_currency_code": doc.currency,  # BT-5
        "payment_due_date": doc.due_date.isoformat(),  # BT-9
        "invoice_note": "paid" if doc.series == RECEIPT else None,  # BT-22
        "invoicing_period": {  # BG-14
            "start_date": doc.period_first.isoformat() if doc.period_first else None,  # BT-73
            "end_date": doc.period_last.isoformat() if doc.period_last else None,  # BT-74
        },
        "seller": _party(doc.seller, "seller"),  # BG-4
        "buyer": _party(doc.buyer, "buyer"),  # BG-7
        "payment_instructions": {  # BG-16
            "payment_means_type_code": "58" if doc.style.iban else None,  # BT-81: SEPA credit transfer
            "payment_account_identifier": doc.style.iban,  # BT-84
            "payment_account_name": doc.style.bank_holder,  # BT-85
            "payment_service_provider_identifier": doc.style.bic,  # BT-86
        },
        "invoice_lines": [  # BG-25
            {
                "invoice_line_identifier": str(line.line_no),  # BT-126
                "invoiced_quantity": _money(line.quantity),  # BT-129
                "invoiced_quantity_unit_of_measure_code": line.unit_code,  # BT-130
                "invoice_line_net_amount": _money(line.net),  # BT-131
                "item_name": line.description,  # BT-153
                "invoiced_item_vat_category_code": "S" if line.vat_rate else "Z",  # BT-151
                "invoiced_item_vat_rate": _money(line.vat_rate),  # BT-152
                "item_net_price": _money(line.net / line.quantity) if line.quantity else _money(line.net),  # BT-146
                "invoice_line_object_identifier": line.session_id,  # BT-128: the charging session
            }
            for line in doc.lines
        ],
        "vat_breakdown": [  # BG-23
            {
                "vat_category_taxable_amount": _money(g.net),  # BT-116
                "vat_category_tax_amount": _money(g.vat),  # BT-117
                "vat_category_code": "S" if g.rate else "Z",  # BT-118
                "vat_category_rate": _money(g.rate),  # BT-119
            }
            for g in doc.vat_groups
        ],
        "document_totals": {  # BG-22
            "sum_of_invoice_line_net_amount": _money(t.net),  # BT-106
            "invoice_total_amount_without_vat": _money(t.net),  # BT-109
            "invoice_total_vat_amount": _money(t.vat),  # BT-110
            "invoice_total_amount_with_vat": _money(t.gross),  # BT-112
            "paid_amount": _money(t.gross if doc.series == RECEIPT else t.credit_applied),  # BT-113
            "amount_due_for_payment": _money(Decimal(0) if doc.series == RECEIPT else t.due),  # BT-115
        },
        "chargeledger": {
            "series": doc.series,
            "sequence": doc.seq,
            "tenant_id": doc.tenant_id,
            "account_id": doc.account_id,
            "period": doc.period,
            "language": doc.language,
            "issued_at": doc.issued_at.isoformat(),
            "session_ids": list(doc.session_ids),
            "subscription_plan_id": doc.subscription_plan_id,
            "credits_applied": [{"credit_id": c, "amount": _money(a)} for c, a in doc.credits_applied],
            "credit_carried_forward": _money(t.credit_carried_forward),
            "style": {
                "primary_colour": doc.style.primary_colour,
                "accent_colour": doc.style.accent_colour,
                "logo_path": doc.style.logo_path,
                "bank_name": doc.style.bank_name,
            },
        },
    }
