"""Batched, idempotent writes of the pipeline's output topics into ClickHouse.

A batch is decoded, grouped per table and inserted; only then are its offsets committed. Tables are
ReplacingMergeTrees keyed by each record's stable id, so a batch replayed after a crash replaces rows.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import OperationalError

from pipelines.config import Settings
from pipelines.ingest.models import DeadLetter, DeadLetterClass
from pipelines.streaming import kafka
from pipelines.streaming.codec import decoder, row_decoder
from pipelines.warehouse.rows import ROW_LAYOUTS, TABLE_COLUMNS, Row, group_rows

log = logging.getLogger(__name__)
INSERT_ATTEMPTS = 5  # ~15 s of retries; a replayed insert is harmless, the tables are idempotent
RETRY_BASE_S = 0.5


@dataclass(slots=True)
class SinkStats:
    records: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    batches: int = 0


def topic_decoders(settings: Settings) -> dict[str, Callable[[bytes], Any]]:
    topics = settings.topics
    return {
        topics.events: decoder("ChargingEvent"),
        topics.deadletter: decoder("DeadLetter"),
        topics.sessions_rated: decoder("RatedSession"),
        topics.notifications: decoder("Notification"),
        topics.notification_deliveries: decoder("NotificationDelivery"),
        topics.sessions_costs: decoder("RunningCost"),
        topics.wallet_ledger: decoder("WalletEntry"),
        topics.payment_requests: decoder("PaymentRequest"),
        topics.payment_results: decoder("PaymentResult"),
        topics.refund_events: decoder("RefundEvent"),
        topics.flags: decoder("Flag"),
    }


def topic_row_readers(settings: Settings) -> dict[str, tuple[str, Callable[[bytes], Row]]]:
    """Topics of flat records, read straight from Avro into rows of their table (no record built)."""
    topics = settings.topics
    names = {topics.events: "ChargingEvent", topics.deadletter: "DeadLetter", topics.notifications: "Notification"}
    names[topics.notification_deliveries] = "NotificationDelivery"
    names[topics.flags] = "Flag"
    return {
        topic: (table, row_decoder(name, layout))
        for topic, name in names.items()
        for table, layout in [ROW_LAYOUTS[name]]
    }


def insert_tables(client: Client, database: str, tables: dict[str, list[tuple]]) -> None:
    # Parents last: a session row becomes visible only once its periods and line items are written.
    for table in sorted(tables, key=lambda name: name == "rated_sessions"):
        client.insert(table, tables[table], column_names=list(TABLE_COLUMNS[table]), database=database)


def undecodable(tp: TopicPartition, message: ConsumerRecord, error: Exception) -> DeadLetter:
    """A record on an output topic that does not match its schema is kept as a dead letter, not a crash."""
    raw = message.value or b""
    where = f"{tp.topic}/{tp.partition}/{message.offset}"
    return DeadLetter(
        dead_letter_id=hashlib.blake2b(f"sink\x00{where}".encode(), digest_size=16).hexdigest(),
        stage="sink",
        error_class=DeadLetterClass.BAD_FRAME,
        reason=f"record at {where} does not decode with the topic's Avro schema: {error}",
        original=raw,
        received_at=datetime.now(UTC),
        source_topic=tp.topic,
        source_partition=tp.partition,
        source_offset=message.offset,
    )


class WarehouseSink:
    """One consumer-group member writing every output topic to ClickHouse."""

    def __init__(self, settings: Settings, client: Client) -> None:
        self.settings = settings
        self.client = client
        self.decoders = topic_decoders(settings)
        self.row_readers = topic_row_readers(settings)
        self.stats = SinkStats()

    def _decode(self, tp: TopicPartition, message: ConsumerRecord) -> Any:
        try:
            return self.decoders[tp.topic](message.value)
        except Exception as error:  # any decoder failure means a foreign or corrupt record
            log.warning("dead-lettering undecodable record on %s: %s", tp, error)
            return undecodable(tp, message, error)

    def _rows(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> tuple[int, dict[str, list[Row]]]:
        """The record count and rows per table of a batch; flat records skip the record dataclass."""
        tables: dict[str, list[Row]] = {}
        records, count = [], 0
        for tp, messages in batches.items():
            count += len(messages)
            reader = self.row_readers.get(tp.topic)
            if reader is None:
                records += [self._decode(tp, message) for message in messages]
                continue
            table, read = reader
            rows = tables.setdefault(table, [])
            for message in messages:
                try:
                    rows.append(read(message.value))
                except Exception:  # the record path names the problem and dead-letters it
                    records.append(self._decode(tp, message))
        for table, rows in group_rows(records).items():
            tables.setdefault(table, []).extend(rows)
        return count, {table: rows for table, rows in tables.items() if rows}

    async def run(self, stop: asyncio.Event) -> None:
        consumer = kafka.consumer(self.settings, *self.decoders, group_id=f"{self.settings.app_id}-sink")
        await consumer.start()
        wait_ms = int(self.settings.sink_flush_interval_s * 1000)
        try:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=wait_ms, max_records=self.settings.sink_batch_rows)
                if batches:
                    await self._write(batches)
                    await consumer.commit({tp: msgs[-1].offset + 1 for tp, msgs in batches.items()})
        finally:
            await consumer.stop()

    async def _write(self, batches: dict) -> None:
        count, tables = self._rows(batches)
        for attempt in range(1, INSERT_ATTEMPTS + 1):
            try:
                await asyncio.to_thread(insert_tables, self.client, self.settings.clickhouse_database, tables)
                break
            except OperationalError as error:  # ClickHouse unreachable: wait it out a while, then stop the worker
                if attempt == INSERT_ATTEMPTS:
                    raise
                log.warning("insert attempt %d failed (%s); retrying", attempt, error)
                await asyncio.sleep(RETRY_BASE_S * 2**attempt)
        self.stats.records += count
        self.stats.batches += 1
        for table, rows in tables.items():
            self.stats.rows[table] = self.stats.rows.get(table, 0) + len(rows)
