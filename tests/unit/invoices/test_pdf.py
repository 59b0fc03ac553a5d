"""The PDF renders in every language: page 1 as PNG is not blank, and its text has the euro sign and the title."""

from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from jobs.invoices.pdf import money, render_pdf
from jobs.invoices.run import write_files
from pipelines.invoicing.document import to_json_dict
from pipelines.invoicing.draft import Billing, invoice_drafts
from pipelines.invoicing.models import Credit
from pipelines.invoicing.numbering import number_documents
from pipelines.invoicing.period import parse_period
from tests.unit.invoicing.builders import ISSUED, PLAN, TENANT, account, charge

TITLES = {"en": "Invoice", "de": "Rechnung", "sv": "Faktura", "es": "Factura"}
DUE = {"en": "Amount due", "de": "Zahlbetrag", "sv": "Att betala", "es": "Importe a pagar"}


def _document(language: str, logo: str | None = None, sessions: int = 4) -> dict:
    tenant = TENANT.model_copy(update={"branding": TENANT.branding.model_copy(update={"logo_path": logo})})
    sessions = tuple(charge(n, ("19", f"{n}.123456"), ("7", "0.5")) for n in range(1, sessions + 1))
    credits = (Credit("adj-1", "EUR", Decimal("3")),)
    billing = Billing(tenant, account(language), sessions, PLAN, credits)
    (doc,) = number_documents(invoice_drafts(billing, parse_period("2026-10", ISSUED.date()), ISSUED), "SWA", 0)
    return to_json_dict(doc)


def _page_one(pdf: bytes) -> tuple[Image.Image, str]:
    document = pdfium.PdfDocument(pdf)
    page = document[0]
    image = page.render(scale=1).to_pil().convert("L")
    return image, page.get_textpage().get_text_range()


@pytest.mark.parametrize("language", ["en", "de", "sv", "es"])
def test_the_pdf_renders_in_each_language_with_the_euro_sign(language: str, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 80), "#7A1F1F").save(logo)
    image, text = _page_one(render_pdf(_document(language, "logo.png"), tmp_path))
    dark = sum(image.histogram()[:200])
    assert dark > 0.02 * image.width * image.height  # a blank page has none; logo, table header and text give more
    assert f"{TITLES[language]} SWA-2026-000001" in text and DUE[language] in text
    assert "€" in text and "Stadtwerke Aachen AG" in text


def test_a_long_invoice_continues_on_more_pages_with_the_totals_kept_together() -> None:
    document = pdfium.PdfDocument(render_pdf(_document("en", sessions=30)))
    assert len(document) > 1
    last = document[len(document) - 1].get_textpage().get_text_range()
    assert "Total net" in last and "Amount due" in last and "Please pay" in last


def test_a_missing_logo_leaves_it_out_instead_of_failing(tmp_path: Path) -> None:
    _, text = _page_one(render_pdf(_document("de", "nowhere.png"), tmp_path))
    assert "Rechnung" in text


def test_money_is_written_in_the_locale_with_the_euro_sign() -> None:
    assert money("1234.5", "EUR", "de") == "1.234,50 €"
    assert money("1234.5", "EUR", "en") == "€ 1,234.50"
    assert money("12", "SEK", "sv") == "12,00 SEK"


def test_files_are_the_json_and_the_pdf_named_by_number(tmp_path: Path) -> None:
    paths = write_files(_document("en"), tmp_path / "swa", None)
    assert [p.name for p in paths] == ["SWA-2026-000001.json", "SWA-2026-000001.pdf"]
    assert paths[1].read_bytes().startswith(b"%PDF")
