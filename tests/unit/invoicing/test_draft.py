from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.invoicing.document import to_json_dict
from pipelines.invoicing.draft import Billing, InvoiceError, invoice_drafts, receipt_draft
from pipelines.invoicing.models import Credit
from pipelines.invoicing.numbering import number_documents
from pipelines.invoicing.period import parse_period
from tests.unit.invoicing.builders import ISSUED, PLAN, TENANT, account, charge

PERIOD = parse_period("2026-10", ISSUED.date())
CENT = Decimal("0.01")


def test_an_invoice_bills_every_session_and_the_plan_fee_and_its_net_is_their_sum_rounded() -> None:
    sessions = (
        charge(1, ("19", "4.123456789")),
        charge(2, ("19", "7.5"), ("7", "1.333333333")),
        charge(3, ("19", "2")),
    )
    (doc,) = invoice_drafts(Billing(TENANT, account(), sessions, PLAN), PERIOD, ISSUED)
    assert doc.session_ids == ("swa/CP-1/1", "swa/CP-1/2", "swa/CP-1/3")
    assert len(doc.lines) == 5 and doc.lines[-1].description == "Abonnement Plus, 2026-10"
    assert doc.lines[0].description == "Ladevorgang 02.10.2026 09:30 UTC, CP-1, 10,50 kWh"
    exact = Decimal("4.123456789") + Decimal("7.5") + Decimal("1.333333333") + Decimal("2") + Decimal("9.90")
    assert doc.totals.net == sum(g.net for g in doc.vat_groups) == sum(line.net for line in doc.lines)
    assert abs(doc.totals.net - exact) < CENT  # two rate groups: each rounds once
    assert [(g.rate, g.net, g.vat) for g in doc.vat_groups] == [
        (Decimal(7), Decimal("1.33"), Decimal("0.09")),
        (Decimal(19), Decimal("23.52"), Decimal("4.47")),
    ]
    assert doc.totals.gross == doc.totals.net + doc.totals.vat == Decimal("29.41")
    assert doc.due_date.isoformat() == "2026-11-16"  # payment terms: 14 days by default
    assert doc.buyer.city == "Aachen" and doc.seller.name == "Stadtwerke Aachen AG"


def test_totals_equal_the_sum_of_the_sessions_at_one_rate() -> None:
    nets = ["3.3333", "1.0049", "0.005", "12.994999999"]
    sessions = tuple(charge(n, ("19", net)) for n, net in enumerate(nets))
    (doc,) = invoice_drafts(Billing(TENANT, account(), sessions, None), PERIOD, ISSUED)
    total = sum(Decimal(n) for n in nets).quantize(CENT, rounding=ROUND_HALF_UP)
    assert doc.totals.net == total == sum(line.net for line in doc.lines)
    assert doc.totals.vat == (total * Decimal("0.19")).quantize(CENT, rounding=ROUND_HALF_UP)


def test_credits_bring_the_amount_due_to_zero_at_most_and_the_rest_is_carried_forward() -> None:
    credits = (Credit("adj-1", "EUR", Decimal("50")), Credit("adj-2", "SEK", Decimal(5)))
    (doc,) = invoice_drafts(Billing(TENANT, account(), (charge(1, ("19", "10")),), None, credits), PERIOD, ISSUED)
    assert doc.totals.gross == Decimal("11.90")
    assert (doc.totals.credit_applied, doc.totals.due, doc.totals.credit_carried_forward) == (
        Decimal("11.90"), Decimal(0), Decimal("38.10"))  # fmt: skip
    assert doc.credits_applied == (("adj-1", Decimal("11.90")),)  # the SEK credit waits for a SEK invoice
    totals = to_json_dict(doc)["document_totals"]
    assert (totals["paid_amount"], totals["amount_due_for_payment"]) == ("11.90", "0.00")


def test_discounts_that_exceed_the_charges_stop_the_invoice_instead_of_a_negative_total() -> None:
    with pytest.raises(InvoiceError, match=r"swa/A1: the invoice would total -1\.19 EUR"):
        invoice_drafts(Billing(TENANT, account(), (charge(1, ("19", "-1")),), None), PERIOD, ISSUED)


def test_one_invoice_per_currency_and_none_without_sessions_or_fee() -> None:
    sessions = (charge(1, ("19", "1")), charge(2, ("25", "10"), currency="SEK"))
    docs = invoice_drafts(Billing(TENANT, account(), sessions, PLAN), PERIOD, ISSUED)
    assert [(d.currency, d.session_ids, d.subscription_plan_id) for d in docs] == [
        ("EUR", ("swa/CP-1/1",), "PLUS"),
        ("SEK", ("swa/CP-1/2",), None),
    ]
    assert invoice_drafts(Billing(TENANT, account(), (), None), PERIOD, ISSUED) == []


@pytest.mark.parametrize(("language", "word"), [("en", "Charging"), ("sv", "Laddning"), ("es-ES", "Carga"),
                                                ("fr", "Charging")])  # fmt: skip
def test_lines_are_written_in_the_accounts_language_with_english_as_fallback(language: str, word: str) -> None:
    (doc,) = invoice_drafts(Billing(TENANT, account(language), (charge(1, ("19", "1")),), None), PERIOD, ISSUED)
    assert doc.lines[0].description.startswith(word) and doc.language in ("en", "sv", "es")


def test_a_receipt_is_paid_on_issue_and_its_json_sums_like_an_invoice() -> None:
    (doc,) = number_documents([receipt_draft(TENANT, None, charge(4, ("19", "8.40")), ISSUED)], "SWA", 0)
    data = to_json_dict(doc)
    assert data["invoice_number"] == "SWA-R-2026-000001" and data["buyer"]["buyer_name"] == "-"
    assert data["document_totals"]["amount_due_for_payment"] == "0" and data["payment_due_date"] == "2026-11-02"
    lines = sum(Decimal(line["invoice_line_net_amount"]) for line in data["invoice_lines"])
    assert lines == Decimal(data["document_totals"]["sum_of_invoice_line_net_amount"]) == Decimal("8.40")
    assert data["vat_breakdown"] == [{"vat_category_taxable_amount": "8.40", "vat_category_tax_amount": "1.60",
                                      "vat_category_code": "S", "vat_category_rate": "19"}]  # fmt: skip


nets = st.decimals(min_value=Decimal(0), max_value=Decimal(80), places=9)
rates = st.sampled_from(["0", "7", "19", "25"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(rates, nets), min_size=1, max_size=3), min_size=1, max_size=40),
       st.decimals(min_value=Decimal(0), max_value=Decimal(500), places=2))  # fmt: skip
def test_every_figure_of_the_json_is_the_sum_of_figures_shown(sessions: list, credit: Decimal) -> None:
    """EN 16931 BR-CO-10/13/14/15/16 on the structured data, for invoices of many sessions and VAT rates."""
    charges = tuple(charge(n, *[(rate, str(net)) for rate, net in pairs]) for n, pairs in enumerate(sessions))
    credits = (Credit("c", "EUR", credit),) if credit else ()
    (doc,) = invoice_drafts(Billing(TENANT, account(), charges, PLAN, credits), PERIOD, ISSUED)
    data = to_json_dict(doc)
    lines, groups, totals = data["invoice_lines"], data["vat_breakdown"], data["document_totals"]
    figure = {key: Decimal(value) for key, value in totals.items()}
    assert figure["sum_of_invoice_line_net_amount"] == sum(Decimal(line["invoice_line_net_amount"]) for line in lines)
    for group in groups:
        rate = group["vat_category_rate"]
        members = [Decimal(li["invoice_line_net_amount"]) for li in lines if li["invoiced_item_vat_rate"] == rate]
        assert Decimal(group["vat_category_taxable_amount"]) == sum(members)
        expected_vat = (sum(members) * Decimal(rate) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        assert Decimal(group["vat_category_tax_amount"]) == expected_vat
    assert figure["invoice_total_vat_amount"] == sum(Decimal(g["vat_category_tax_amount"]) for g in groups)
    assert figure["invoice_total_amount_with_vat"] == (
        figure["invoice_total_amount_without_vat"] + figure["invoice_total_vat_amount"]
    )
    assert figure["amount_due_for_payment"] == figure["invoice_total_amount_with_vat"] - figure["paid_amount"] >= 0
    assert figure["paid_amount"] + Decimal(data["chargeledger"]["credit_carried_forward"]) == credit
