"""Notifications on the real stack: once per trigger under redelivery, SMTP and signed webhooks end to end."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from email.message import Message
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from pipelines.flags.models import FlagType, Severity, SubjectType, raise_flag
from pipelines.notify.models import Notification
from pipelines.notify.senders.email import EmailSender
from pipelines.notify.senders.runner import SendRunner
from pipelines.notify.senders.settings import SenderSettings
from pipelines.notify.senders.webhook import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSender, verify
from pipelines.rating.models import LineItem, RatedSession
from pipelines.rating.running import RunningCost
from pipelines.sessions.models import ClosedSession
from pipelines.streaming import kafka
from pipelines.streaming.codec import decoder, encoder
from tests.integration.pipeline_harness import PipelineUnderTest

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 23, 8, tzinfo=UTC)
SECRET = "whsec-test-only"


@pytest.fixture(scope="module")
def pipeline(broker: str, warehouse_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineUnderTest]:
    under_test = PipelineUnderTest(broker, warehouse_url, tmp_path_factory.mktemp("notify")).start()
    try:
        yield under_test
    finally:
        under_test.stop()


def rated(tx: int) -> RatedSession:
    closed = ClosedSession(
        session_id=f"e2e/CP-E2E-1/{tx}", tenant_id="e2e", charge_point_id="CP-E2E-1", connector_id=1,
        transaction_id=str(tx), id_tag="TAG-OK-1", started_at=START, stopped_at=START + timedelta(minutes=90),
        meter_start_wh=D(0), meter_stop_wh=D(12000), energy_wh=D(12000), stop_reason="Local", periods=(), revision=1,
    )  # fmt: skip
    line = LineItem("ENERGY", 0, D(12), "kWh", D("0.4"), 1, D("4.8"), D(19), D("5.712"), "Energie 12 kWh")
    return RatedSession(closed, "E2E-AC", "EUR", "E2E-SITE", "E2E-A1", D(12), D("1.5"), D(0), D("4.8"), D("5.712"),
                        (line,), START)  # fmt: skip


def publish(p: PipelineUnderTest, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    async def send() -> None:
        producer = kafka.producer(p.settings)
        await producer.start()
        try:
            for key, value in records:
                await producer.send_and_wait(topic, value, key=key)
        finally:
            await producer.stop()

    asyncio.run(send())


def read_topic(p: PipelineUnderTest, topic: str, record: str) -> list[Any]:
    return [decoder(record)(m.value) for m in p.records(topic)]


def wait_for(read: Callable[[], list[Any]], count: int, timeout_s: float = 30) -> list[Any]:
    deadline = time.monotonic() + timeout_s
    while len(got := read()) < count and time.monotonic() < deadline:
        time.sleep(0.25)
    assert len(got) == count, got
    return got


async def run_until(runner: SendRunner, done: Callable[[], bool], timeout_s: float = 20) -> None:
    """Run a sender until `done()` holds, then a little longer (to catch a send too many), then stop it."""
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline and not task.done():
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    stop.set()
    await task


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes

        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def notes_of(p: PipelineUnderTest, kind: str) -> list[Notification]:
    return [n for n in read_topic(p, p.settings.topics.notifications, "Notification") if n.kind == kind]


def test_a_redelivered_rated_session_notifies_and_mails_once(pipeline: PipelineUnderTest) -> None:
    value = encoder("RatedSession")(rated(701))
    topic = pipeline.settings.topics.sessions_rated
    publish(pipeline, topic, [(b"e2e/CP-E2E-1/701", value), (b"e2e/CP-E2E-1/701", value)])  # a redelivery
    twice = wait_for(lambda: notes_of(pipeline, "session_completed"), 2)
    assert twice[0].notification_id == twice[1].notification_id
    assert twice[0].subject == "Ladevorgang an CP-E2E-1 abgeschlossen: 5,71 EUR"
    pipeline.wait_rows("SELECT count(), any(recipient) FROM notifications FINAL WHERE kind = 'session_completed'",
                       [(1, "erika@example.org")])  # fmt: skip

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        options = SenderSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="billing@e2e.example")
        first = SendRunner(pipeline.settings, EmailSender(options), options)
        asyncio.run(run_until(first, lambda: len(inbox.messages) >= 1))
        # Offsets lost (a new consumer group): the restarted sender re-reads every notification and skips the one
        # its restored delivery records say is settled.
        lost = pipeline.settings.model_copy(update={"app_id": f"{pipeline.settings.app_id}-lost"})
        restarted = SendRunner(lost, EmailSender(options), options)
        on_topic = len(read_topic(pipeline, pipeline.settings.topics.notifications, "Notification"))
        asyncio.run(run_until(restarted, lambda: sum(restarted.read_through.values()) >= on_topic))
    finally:
        controller.stop()
    assert sum(restarted.read_through.values()) >= on_topic  # it did read the notification again
    assert len(inbox.messages) == 1 and [d.status for d in first.deliveries] == ["sent"] and not restarted.deliveries
    mail = inbox.messages[0]
    assert (mail["To"], mail["Subject"]) == ("erika@example.org", twice[0].subject)
    assert mail["Message-ID"] == f"<{twice[0].notification_id}@chargeledger>"
    assert "Energie 12 kWh: 5,71 EUR\nGesamt inkl. MwSt.: 5,71 EUR" in mail.get_payload(decode=True).decode().replace(
        "\r\n", "\n"
    )
    pipeline.wait_rows(f"SELECT status, attempt FROM notification_deliveries FINAL "
                       f"WHERE notification_id = '{twice[0].notification_id}'", [("sent", 1)])  # fmt: skip


def test_running_costs_notify_the_start_once(pipeline: PipelineUnderTest) -> None:
    cost = RunningCost(
        session_id="e2e/CP-E2E-1/702", tenant_id="e2e", charge_point_id="CP-E2E-1", connector_id=1,
        transaction_id="702", id_tag="TAG-OK-1", account_id="E2E-A1", site_id="E2E-SITE", tariff_id="E2E-AC",
        currency="EUR", started_at=START, as_of=START + timedelta(minutes=5), energy_kwh=D(1), duration_h=D("0.1"),
        parking_time_h=D(0), cost_excl_vat=D("0.4"), cost_incl_vat=D("0.48"), priced_at=START,
    )  # fmt: skip
    later = replace(cost, as_of=START + timedelta(minutes=6), cost_incl_vat=D("0.6"))
    records = [(cost.session_id.encode(), encoder("RunningCost")(c)) for c in (cost, later)]
    publish(pipeline, pipeline.settings.topics.sessions_costs, records)
    (started,) = wait_for(lambda: notes_of(pipeline, "session_started"), 1)
    assert started.urgent and started.subject == "Ladevorgang an CP-E2E-1 gestartet"
    time.sleep(1)
    assert len(notes_of(pipeline, "session_started")) == 1


def webhook_note(n: int, url: str) -> Notification:
    return Notification(f"hook-{n}", "e2e", "invoice_issued", "E2E-A1", url, "webhook", "en", f"Invoice {n}", "b",
                        None, START, trigger_id=f"INV-{n}")  # fmt: skip


def test_signed_webhooks_retry_on_500_and_dead_letter_after_the_last_retry(pipeline: PipelineUnderTest) -> None:
    calls: dict[str, int] = {}
    bad_signatures: list[str] = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        if not verify(SECRET, request.headers[TIMESTAMP_HEADER], body, request.headers[SIGNATURE_HEADER]):
            bad_signatures.append(request.headers[ID_HEADER])
        ident = request.headers[ID_HEADER]
        calls[ident] = calls.get(ident, 0) + 1
        ok = ident == "hook-1" and calls[ident] == 3  # hook-1: two 500s, then accepted; hook-2: always 500
        return web.Response(status=200 if ok else 500)

    async def scenario() -> SendRunner:
        app = web.Application()
        app.router.add_post("/hook", hook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}/hook"
        await _publish_async(pipeline, [webhook_note(1, url), webhook_note(2, url)])
        options = SenderSettings(webhook_secrets={"e2e": SecretStr(SECRET)}, max_attempts=3, backoff_base_s=0.1)
        sender = SendRunner(pipeline.settings, WebhookSender(options), options)
        try:
            await run_until(sender, lambda: len(sender.deliveries) >= 6)
        finally:
            await runner.cleanup()
        return sender

    sender = asyncio.run(scenario())
    assert bad_signatures == [] and calls == {"hook-1": 3, "hook-2": 3}
    outcomes = sorted((d.notification_id, d.attempt, d.status) for d in sender.deliveries)
    assert outcomes == [("hook-1", 1, "failed"), ("hook-1", 2, "failed"), ("hook-1", 3, "sent"),
                        ("hook-2", 1, "failed"), ("hook-2", 2, "failed"), ("hook-2", 3, "dead_letter")]  # fmt: skip
    assert SECRET not in repr(sender.deliveries)
    pipeline.wait_rows(
        "SELECT notification_id, status, attempts FROM notification_status WHERE notification_id LIKE 'hook-%' "
        "ORDER BY notification_id",
        [("hook-1", "sent", 3), ("hook-2", "dead_letter", 3)],
    )


async def _publish_async(p: PipelineUnderTest, notes: list[Notification]) -> None:
    producer = kafka.producer(p.settings)
    await producer.start()
    try:
        for note in notes:
            await producer.send_and_wait(p.settings.topics.notifications, encoder("Notification")(note),
                                         key=note.notification_id.encode())  # fmt: skip
    finally:
        await producer.stop()


def test_a_blocked_card_flag_tells_the_cards_account(pipeline: PipelineUnderTest) -> None:
    evidence = {"id_tag": "TAG-OK-1", "charge_point_id": "CP-E2E-1", "session_id": "e2e/CP-E2E-1/703"}
    flag = raise_flag("e2e", FlagType.BLOCKED_TOKEN_USED, Severity.CRITICAL, (SubjectType.TOKEN, "TAG-OK-1"),
                      keys=("e2e/CP-E2E-1/703",), evidence=evidence, at=START)  # fmt: skip
    publish(pipeline, pipeline.settings.topics.flags, [(flag.flag_id.encode(), encoder("Flag")(flag))] * 2)
    (note,) = wait_for(lambda: notes_of(pipeline, "blocked_card"), 2)[:1]
    assert note.urgent and note.trigger_id == flag.flag_id and note.recipient == "erika@example.org"
    assert note.subject == "Ladekarte ••••OK-1 abgelehnt"
    pipeline.wait_rows("SELECT count() FROM notifications FINAL WHERE kind = 'blocked_card'", [(1,)])
