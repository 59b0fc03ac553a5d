"""Warehouse: rows for ClickHouse, batched idempotent sinks and migrations."""
