"""Invoicing: invoice and receipt documents from rated sessions, pure (lines, VAT, rounding, numbering, credits)."""
