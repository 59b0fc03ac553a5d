"""`chargeledger catalog load`: validate a catalog file and publish it onto the compacted catalog topics."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipelines.catalog.load import catalog_records, load_catalog
from pipelines.config import Settings
from pipelines.streaming import kafka
from pipelines.warehouse.dimensions import publish_dimensions


async def publish_catalog(settings: Settings, path: Path) -> dict[str, int]:
    """Publish every entity of the file; returns how many per kind. Raises CatalogError listing all problems."""
    catalog = load_catalog(path)
    records = catalog_records(catalog)
    producer = kafka.producer(settings)
    counts: dict[str, int] = {}
    try:
        await producer.start()  # inside: a failed start still closes the client
        futures = []
        for kind, key, value in records:
            topic = f"{settings.topics.catalog_prefix}{kind}"
            futures.append(await producer.send(topic, key=key, value=value, partition=0))
            counts[kind] = counts.get(kind, 0) + 1
        for future in futures:
            await future
    finally:
        await producer.stop()
    dimension_rows = publish_dimensions(settings, catalog, datetime.now(UTC))  # reporting joins names (issue 7)
    if dimension_rows is not None:
        counts["warehouse dimension rows"] = dimension_rows
    return counts
