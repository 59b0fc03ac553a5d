"""Keeps a CatalogView current from the compacted catalog topics; ready once caught up at start."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import TopicPartition

from pipelines.catalog.keys import KINDS as CATALOG_KINDS
from pipelines.catalog.view import CatalogView
from pipelines.config import Settings
from pipelines.streaming import kafka
from pipelines.streaming.offsets import log_end_offsets

log = logging.getLogger(__name__)


def catalog_topics(settings: Settings) -> dict[str, str]:
    """Topic name -> catalog kind."""
    return {f"{settings.topics.catalog_prefix}{kind}": kind for kind in CATALOG_KINDS}


class CatalogFollower:
    """Every worker reads the whole catalog (no consumer group) and follows later changes."""

    def __init__(self, settings: Settings, view: CatalogView | None = None) -> None:
        self.settings = settings
        self.view = view or CatalogView()
        self.ready = asyncio.Event()
        self.topics = catalog_topics(settings)

    async def run(self) -> None:
        reader = kafka.consumer(self.settings, group_id=None)
        try:
            await reader.start()  # inside: a failed start still closes the client
            # Catalog topics have one partition each, so every change is read in the order it was made.
            partitions = [TopicPartition(topic, 0) for topic in self.topics]
            reader.assign(partitions)
            await reader.seek_to_beginning(*partitions)
            ends = await log_end_offsets(self.settings, partitions, self.settings.broker_list_offsets_exact)
            pending = {tp for tp, end in ends.items() if end > 0}
            if not pending:
                self.ready.set()
            while True:
                batches = await reader.getmany(timeout_ms=500)
                for tp, messages in batches.items():
                    for message in messages:
                        self.view.apply(self.topics[tp.topic], message.key, message.value)
                    if messages and messages[-1].offset + 1 >= ends.get(tp, 0):
                        pending.discard(tp)
                if not pending and not self.ready.is_set():
                    log.info("catalog loaded from %d partitions", len(partitions))
                    self.ready.set()
        except asyncio.CancelledError:
            raise
        finally:
            await reader.stop()
