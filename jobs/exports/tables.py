"""CSV and Parquet of a period's sessions, line items, billed credits/debits, refunds and the revenue journal.

Parquet keeps ClickHouse's types (Decimal(28, 9) money, UTC timestamps); CSV writes the same columns as text, money
with its exact digits and times as ISO 8601 UTC, so both load into any tool without losing a cent.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

TABLES = ("sessions", "line_items", "adjustments", "refunds", "journal")


def write(directory: Path, frames: dict[str, pl.DataFrame], fmt: str, stem: str) -> list[Path]:
    """One file per table, named `<stem>_<table>.<csv|parquet>`; returns the paths written."""
    paths = []
    for table in TABLES:
        path = directory / f"{stem}_{table}.{fmt}"
        frame = frames[table]
        if fmt == "parquet":
            frame.write_parquet(path, compression="zstd", statistics=True)
        else:
            frame.write_csv(path, datetime_format="%Y-%m-%dT%H:%M:%S%.6fZ", date_format="%Y-%m-%d")
        paths.append(path)
    return paths
