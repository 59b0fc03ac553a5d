"""Document numbers: one gapless sequence per issuing tenant and series, never reset (not even by year).

The number shows prefix, series, issue year and sequence (SWA-2026-000042, receipts SWA-R-2026-000007); the
sequence alone orders and identifies, so a new year continues where the old one ended instead of restarting.
Where the sequence comes from, and why it is safe under re-runs and crashes, is in jobs/invoices/store.py.
"""

from __future__ import annotations

from dataclasses import replace

from pipelines.invoicing.models import RECEIPT, Document


def document_number(prefix: str, series: str, year: int, seq: int) -> str:
    marker = "-R" if series == RECEIPT else ""
    return f"{prefix}{marker}-{year}-{seq:06d}"


def number_documents(drafts: list[Document], prefix: str, last_seq: int) -> list[Document]:
    """Consecutive numbers after `last_seq`, in the drafts' order (the caller sorts them deterministically)."""
    return [
        replace(d, seq=seq, number=document_number(prefix, d.series, d.issued_at.year, seq))
        for seq, d in enumerate(drafts, start=last_seq + 1)
    ]
