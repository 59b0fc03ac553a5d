"""Payments through a gateway adapter: tokens only, never card numbers."""
