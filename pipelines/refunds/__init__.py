"""Refunds: validated, decided by the tenant's policy, executed and recorded state by state."""
