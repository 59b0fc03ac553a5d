"""Operator dashboards."""
