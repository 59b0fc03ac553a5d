from dataclasses import replace

from pipelines.invoicing.draft import Billing, invoice_drafts
from pipelines.invoicing.models import RECEIPT
from pipelines.invoicing.numbering import document_number, number_documents
from pipelines.invoicing.period import parse_period
from tests.unit.invoicing.builders import ISSUED, TENANT, account, charge


def test_numbers_show_prefix_series_year_and_a_six_digit_sequence() -> None:
    assert document_number("SWA", "invoice", 2026, 42) == "SWA-2026-000042"
    assert document_number("SWA", RECEIPT, 2027, 7) == "SWA-R-2027-000007"


def test_drafts_are_numbered_consecutively_after_the_last_issued_and_the_year_does_not_reset() -> None:
    period = parse_period("2026-10", ISSUED.date())
    drafts = [
        d
        for n in range(3)
        for d in invoice_drafts(
            Billing(TENANT, account(account_id=f"A{n}"), (charge(n, ("19", "1")),), None), period, ISSUED
        )
    ]
    drafts[2] = replace(drafts[2], issued_at=drafts[2].issued_at.replace(year=2027))
    numbered = number_documents(drafts, "SWA", 41)
    assert [(d.seq, d.number) for d in numbered] == [
        (42, "SWA-2026-000042"),
        (43, "SWA-2026-000043"),
        (44, "SWA-2027-000044"),
    ]
    assert number_documents([], "SWA", 41) == []
