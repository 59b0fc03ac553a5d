"""Catalog: chargers, tokens, accounts and tariffs the operator maintains."""
