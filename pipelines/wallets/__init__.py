"""Prepaid wallets: an append-only ledger per account, debited once per session revision."""
