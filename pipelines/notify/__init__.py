"""Notify: ready-to-send messages for drivers (receipts, problems, limits, invoices, ...) and their senders."""
