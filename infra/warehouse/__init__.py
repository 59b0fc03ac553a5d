"""The embedded warehouse: one process owns the chDB data directory and serves ClickHouse's HTTP interface."""
