"""Data-quality gates that run before anything leaves the warehouse (exports, invoices)."""
