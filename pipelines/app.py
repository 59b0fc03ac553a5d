"""The Faust app: per-session agents (rating, benefits, notify, flags, wallets, payments, refunds) plus the batch
services the worker hosts (hot path, station watch, warehouse sink, catalog follower).

Agents run at the rate of sessions; the frame-rate work (ingest, sessions) and the warehouse sink run as
batch consumers inside the same worker process, as Faust tasks, because Faust's per-event loop cannot
carry raw frame rates (EMBEDDED.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime

import faust

from pipelines.catalog.follower import CatalogFollower
from pipelines.config import Settings
from pipelines.flags.route import SessionFlagger, blocklist_entries, blocklist_record
from pipelines.flags.station_watch import StationWatch
from pipelines.health import add_health_pages
from pipelines.hotpath.worker import HotPathWorker
from pipelines.ingest.models import DeadLetter
from pipelines.notify.route import ActiveSessions, Once, cost_notifications, flag_notifications, rated_notifications
from pipelines.payments.agents import attach_payment_agents
from pipelines.rating.route import price_benefits, rate_with_catalog
from pipelines.rating.running import LatestSnapshots, price_snapshot
from pipelines.rating.usage import partition_key
from pipelines.refunds.agents import attach_refund_agents
from pipelines.security import faust_credentials
from pipelines.streaming import faust_transport
from pipelines.streaming.codec import decoder, encoder
from pipelines.wallets.agents import attach_wallet_agents
from pipelines.warehouse.client import connect
from pipelines.warehouse.sink import WarehouseSink

# RocksDB through rocksdict (faust picks it when installed): tables survive restarts on a worker's own disk and
# recover only the changelog's tail; memory re-reads the whole changelog and suits tests.
TABLE_STORES = {"memory": "memory://", "rocksdb": "rocksdb://"}


class App(faust.App):
    """Faust's App on the short-fetch transport (see pipelines/streaming/faust_transport.py)."""

    settings: Settings | None = None  # the transport's own offset lookups: TLS/SASL, and whether to trust ListOffsets

    def _new_transport(self) -> faust_transport.Transport:
        return faust_transport.Transport(self.conf.broker_consumer, self)


def create_app(settings: Settings, *, web: bool = False) -> faust.App:
    app = App(
        settings.app_id,
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        store=TABLE_STORES[settings.table_store],
        broker_credentials=faust_credentials(settings.kafka_security),
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,  # changelog and repartition topics
        broker_session_timeout=10,
        broker_heartbeat_interval=1,
        consumer_auto_offset_reset="earliest",
        web_enabled=web,
        web_port=settings.web_port,
        datadir=str(settings.state_dir / "faust"),
    )
    topics = settings.topics
    closed_topic = app.topic(topics.sessions_closed, key_type=bytes, value_type=bytes)
    priced_topic = app.topic(topics.sessions_priced, key_type=bytes, value_type=bytes)
    rated_topic = app.topic(topics.sessions_rated, key_type=bytes, value_type=bytes)
    notifications_topic = app.topic(topics.notifications, key_type=bytes, value_type=bytes)
    deadletter_topic = app.topic(topics.deadletter, key_type=bytes, value_type=bytes)
    running_topic = app.topic(topics.sessions_running, key_type=bytes, value_type=bytes)
    costs_topic = app.topic(topics.sessions_costs, key_type=bytes, value_type=bytes)
    flags_topic = app.topic(topics.flags, key_type=bytes, value_type=bytes)
    blocklist_topic = app.topic(f"{topics.catalog_prefix}blocklist", key_type=bytes, value_type=bytes)
    app.settings = settings
    # Per account: its grants per day, the month's sums and voucher ledgers (pipelines/rating/usage.py), keyed like
    # priced_topic.
    usage = app.Table("account-usage", partitions=settings.partitions, key_type=bytes, value_type=bytes)
    catalog = CatalogFollower(settings)
    add_health_pages(app, catalog.ready.is_set)
    stop = asyncio.Event()
    decode_closed, decode_rated = decoder("ClosedSession"), decoder("RatedSession")
    encode_rated, encode_notification = encoder("RatedSession"), encoder("Notification")
    encode_dead_letter, encode_cost = encoder("DeadLetter"), encoder("RunningCost")

    async def crash_on_failure(service: Awaitable[None]) -> None:
        # A batch service that fails leaves in-memory state ahead of what is durable: stop the whole worker
        # so that a restart replays from committed offsets and the changelog.
        try:
            await service
        except Exception as exc:
            await app.crash(exc)
            raise

    @app.task
    async def follow_catalog() -> None:
        await crash_on_failure(catalog.run())

    @app.task
    async def hotpath() -> None:
        await crash_on_failure(HotPathWorker(settings).run(stop))

    @app.task
    async def warehouse_sink() -> None:
        await crash_on_failure(WarehouseSink(settings, connect(settings)).run(stop))

    @app.task
    async def station_watch() -> None:
        await catalog.ready.wait()
        await crash_on_failure(StationWatch(settings, catalog.view).run(stop))

    @app.agent(closed_topic)
    async def rate(stream: faust.StreamT) -> None:
        await catalog.ready.wait()
        async for raw in stream:
            result = rate_with_catalog(decode_closed(raw), catalog.view, rated_at=datetime.now(UTC))
            if isinstance(result, DeadLetter):
                await deadletter_topic.send(key=result.dead_letter_id.encode(), value=encode_dead_letter(result))
            else:
                await priced_topic.send(key=partition_key(result), value=encode_rated(result))

    @app.agent(priced_topic)
    async def benefits(stream: faust.StreamT) -> None:
        await catalog.ready.wait()
        async for raw in stream:
            result = price_benefits(decode_rated(raw), catalog.view, usage)
            if isinstance(result, DeadLetter):
                await deadletter_topic.send(key=result.dead_letter_id.encode(), value=encode_dead_letter(result))
            else:
                await rated_topic.send(key=result.session.session_id.encode(), value=encode_rated(result))

    @app.agent(running_topic)
    async def price_running(stream: faust.StreamT) -> None:
        await catalog.ready.wait()
        seen = LatestSnapshots()  # per worker: a session's snapshots share a partition
        async for raw in stream:
            result = price_snapshot(decode_closed(raw), catalog.view, seen, now=datetime.now(UTC))
            if isinstance(result, DeadLetter):
                await deadletter_topic.send(key=result.dead_letter_id.encode(), value=encode_dead_letter(result))
            elif result is not None:
                await costs_topic.send(key=result.session_id.encode(), value=encode_cost(result))

    @app.agent(rated_topic)
    async def notify(stream: faust.StreamT) -> None:
        await catalog.ready.wait()
        async for raw in stream:
            rated = decode_rated(raw)
            active.closed(rated.session.session_id)
            for note in rated_notifications(rated, catalog.view, now=datetime.now(UTC)):
                await notifications_topic.send(key=note.notification_id.encode(), value=encode_notification(note))

    active = ActiveSessions()  # per worker: who charges where, for station-fault notices (pipelines/notify/route.py)

    @app.agent(costs_topic)
    async def notify_running(stream: faust.StreamT) -> None:
        await catalog.ready.wait()
        seen, decode_cost = Once(), decoder("RunningCost")  # per worker: a session's costs share a partition
        async for raw in stream:
            cost = decode_cost(raw)
            active.saw(cost)
            for note in cost_notifications(cost, catalog.view, seen, now=datetime.now(UTC)):
                await notifications_topic.send(key=note.notification_id.encode(), value=encode_notification(note))

    @app.agent(flags_topic)
    async def notify_flags(stream: faust.StreamT) -> None:
        await catalog.ready.wait()
        decode_flag = decoder("Flag")
        async for raw in stream:
            for note in flag_notifications(decode_flag(raw), catalog.view, active, now=datetime.now(UTC)):
                await notifications_topic.send(key=note.notification_id.encode(), value=encode_notification(note))

    @app.agent(rated_topic)
    async def flag_sessions(stream: faust.StreamT) -> None:
        await catalog.ready.wait()
        flagger, encode_flag = SessionFlagger(), encoder("Flag")  # per worker memory: see pipelines/flags/route.py
        async for raw in stream:
            flags = flagger.flags_for(decode_rated(raw), catalog.view)
            for flag in flags:
                await flags_topic.send(key=flag.flag_id.encode(), value=encode_flag(flag))
            for key, value in map(blocklist_record, blocklist_entries(flags, catalog.view)):
                await blocklist_topic.send(key=key, value=value, partition=0)

    attach_wallet_agents(app, settings, catalog)  # prepaid wallets, payments and refunds (issue 6)
    attach_payment_agents(app, settings)
    attach_refund_agents(app, settings, catalog)
    return app
