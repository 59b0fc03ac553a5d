"""Embedded stack: Tansu broker and the chDB warehouse serving ClickHouse HTTP."""
