"""`chargeledger invoice` on the real embedded warehouse and broker: invoices of postpaid accounts, gapless numbers
under re-runs, appended sessions and crashes, receipts, and the data-quality gate stopping a run."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from clickhouse_connect.driver.client import Client

from cli.main import main
from jobs.invoices import run as invoice_run
from jobs.invoices import store
from jobs.rerate import ADJUSTMENT_COLUMNS, catalog_from_file
from jobs.worker_process import worker_environment
from pipelines.config import Settings
from pipelines.ingest.models import DeadLetter
from pipelines.rating.route import rate_with_catalog
from pipelines.sessions.models import ClosedSession
from pipelines.streaming import kafka
from pipelines.streaming.codec import decoder
from pipelines.streaming.topics import ensure_topics, pipeline_topic_specs
from pipelines.warehouse.client import connect
from pipelines.warehouse.migrate import apply_migrations
from pipelines.warehouse.rows import rated_session_rows
from pipelines.warehouse.sink import insert_tables
from tests.integration.pipeline_harness import CATALOG, REPO, isolated_settings
from tests.unit.rating.builders import session

pytestmark = pytest.mark.integration
TENANT_LINE = "- {tenant_id: e2e, name: E2E Stadtwerk, currency: EUR, country: DE}"
BRANDED = """- tenant_id: e2e
  name: E2E Stadtwerk
  currency: EUR
  country: DE
  branding:
    legal_name: E2E Stadtwerke GmbH
    address_lines: [Marktplatz 1, 52062 Aachen]
    vat_id: DE999999999
    logo_path: logo.png
    invoice_prefix: E2E
    bank: {account_holder: E2E Stadtwerke GmbH, iban: DE89370400440532013000}"""
TAGS = {"A1": "TAG-OK-1", "A2": "TAG-OK-2", "A3": "TAG-PLUS-1", "adhoc": "TAG-UNKNOWN"}
INVOICES = "SELECT number, account_id, total_excl_vat, total_vat, total_incl_vat, status FROM invoices_current"


@dataclass
class Stack:
    settings: Settings
    client: Client
    catalog: Path
    out: Path

    def invoice(self, *args: str) -> int:
        return main(["invoice", *args, "--catalog", str(self.catalog), "--out", str(self.out)])

    def add(self, *sessions: tuple[int, str, datetime, int, int]) -> None:
        """Rated sessions (tx, who, start, kWh, minutes parked) written as the sink writes them."""
        view, tables = catalog_from_file(self.catalog), {}
        for tx, who, start, kwh, parked in sessions:
            periods = [("c", 60, kwh)] + ([("p", parked, 0)] if parked else [])
            ids = {"tenant_id": "e2e", "charge_point_id": "CP-E2E-1", "transaction_id": str(tx), "id_tag": TAGS[who]}
            closed: ClosedSession = replace(session(start, *periods), session_id=f"e2e/CP-E2E-1/{tx}", **ids)
            rated = rate_with_catalog(closed, view, rated_at=datetime(2026, 11, 1, tzinfo=UTC))
            assert not isinstance(rated, DeadLetter)
            for table, rows in rated_session_rows(rated).items():
                tables.setdefault(table, []).extend(rows)
        insert_tables(self.client, self.settings.clickhouse_database, tables)

    def credit(self, session_id: str, amount: Decimal) -> None:
        """A re-rating credit entry for a billed session, as `chargeledger rerate` writes it."""
        values = {
            "adjustment_id": f"credit-{session_id}", "tenant_id": "e2e", "session_id": session_id, "revision": 2,
            "base_revision": 1, "kind": "credit", "billed": True, "document_id": "E2E-2026-000001", "credit": True,
            "credit_reference_id": session_id, "currency": "EUR", "old_tariff_id": "E2E-AC", "new_tariff_id": "E2E-AC",
            "old_total_excl_vat": Decimal(0), "old_total_incl_vat": Decimal(0), "new_total_excl_vat": Decimal(0),
            "new_total_incl_vat": Decimal(0), "difference_excl_vat": -amount, "difference_incl_vat": -amount,
            "reason": "test", "created_by": "test", "created_at": datetime(2026, 11, 2, tzinfo=UTC),
        }  # fmt: skip
        self.client.insert("rating_adjustments", [tuple(values[c] for c in ADJUSTMENT_COLUMNS)],
                           column_names=list(ADJUSTMENT_COLUMNS))  # fmt: skip

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(row) for row in self.client.query(sql).result_rows]


def october(day: int) -> datetime:
    return datetime(2026, 10, day, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def stack(broker: str, warehouse_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("invoices")
    settings = isolated_settings(broker, warehouse_url, tmp)
    ensure_topics(settings.kafka_bootstrap_servers, pipeline_topic_specs(settings))
    apply_migrations(connect(settings), REPO / "schemas" / "clickhouse", settings.clickhouse_database)
    text = CATALOG.read_text()
    assert TENANT_LINE in text
    catalog = tmp / "catalog.yaml"
    catalog.write_text(text.replace(TENANT_LINE, BRANDED))
    from PIL import Image

    Image.new("RGB", (120, 40), "#1F4E79").save(tmp / "logo.png")
    client = connect(settings, database=settings.clickhouse_database)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in worker_environment(settings).items():
            patch.setenv(name, value)
        built = Stack(settings, client, catalog, tmp / "out")
        built.add((1, "A1", october(3), 10, 0), (2, "A1", october(10), 7, 30), (3, "A2", october(12), 12, 0),
                  (4, "A3", october(20), 5, 0), (5, "adhoc", october(21), 8, 0))  # fmt: skip
        yield built


def test_invoices_numbers_stay_gapless_under_reruns_appended_sessions_and_crashes(
    stack: Stack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stack.invoice("--period", "2026-10") == 0
    out = capsys.readouterr().out
    assert "issued 3 invoice(s) for 2026-10" in out and "invoice_issued notifications: 3" in out
    # FLAT 1.00 + 0.40/kWh + 6.00/h parked, 19 %; A3 also pays the Plus plan's 9.90
    assert stack.rows(INVOICES + " ORDER BY seq") == [
        ("E2E-2026-000001", "E2E-A1", Decimal("11.8"), Decimal("2.24"), Decimal("14.04"), "completed"),
        ("E2E-2026-000002", "E2E-A2", Decimal("5.8"), Decimal("1.1"), Decimal("6.9"), "completed"),
        ("E2E-2026-000003", "E2E-A3", Decimal("12.9"), Decimal("2.45"), Decimal("15.35"), "completed"),
    ]
    sums = stack.rows(
        "SELECT account_id, sum(total_cost_excl_vat) FROM sessions_current WHERE account_id IS NOT NULL"
        " GROUP BY account_id ORDER BY account_id"
    )
    assert sums == [("E2E-A1", Decimal("11.8")), ("E2E-A2", Decimal("5.8")), ("E2E-A3", Decimal(3))]
    billed = "SELECT session_id, document_id FROM billed_sessions FINAL ORDER BY session_id"
    assert stack.rows(billed) == [
        ("e2e/CP-E2E-1/1", "E2E-2026-000001"),
        ("e2e/CP-E2E-1/2", "E2E-2026-000001"),
        ("e2e/CP-E2E-1/3", "E2E-2026-000002"),
        ("e2e/CP-E2E-1/4", "E2E-2026-000003"),
    ]
    document = orjson.loads((stack.out / "e2e" / "E2E-2026-000001.json").read_bytes())
    assert document["seller"]["seller_name"] == "E2E Stadtwerke GmbH" and document["chargeledger"]["language"] == "de"
    assert (stack.out / "e2e" / "E2E-2026-000003.pdf").read_bytes().startswith(b"%PDF")

    assert stack.invoice("--period", "2026-10") == 0  # a re-run finds nothing new
    assert "issued 0 invoice(s) for 2026-10" in capsys.readouterr().out
    assert len(stack.rows(INVOICES)) == 3

    stack.add((6, "A1", october(25), 2, 0))  # appended: a second invoice with only the new session, no second fee
    stack.credit("e2e/CP-E2E-1/1", Decimal("5.00"))  # re-rating found billed session 1 5.00 too dear
    assert stack.invoice("--period", "2026-10") == 0
    assert stack.rows(INVOICES + " WHERE seq = 4") == [
        ("E2E-2026-000004", "E2E-A1", Decimal("1.8"), Decimal("0.34"), Decimal("2.14"), "completed")
    ]
    settled = "SELECT credit_applied, amount_due, credit_carried_forward FROM invoices_current WHERE seq = 4"
    assert stack.rows(settled) == [(Decimal("2.14"), Decimal(0), Decimal("2.86"))]  # never negative: carried forward

    stack.add((7, "A2", october(26), 1, 0))
    with monkeypatch.context() as crash:  # the run dies before its one insert: no number is taken
        crash.setattr(store, "insert_documents", _crash)
        with pytest.raises(RuntimeError, match="crash"):
            stack.invoice("--period", "2026-10")
    with monkeypatch.context() as crash:  # the run dies right after it: the number is taken, follow-up missing
        crash.setattr(invoice_run, "finish", _crash)
        with pytest.raises(RuntimeError, match="crash"):
            stack.invoice("--period", "2026-10")
    assert stack.rows("SELECT number, status FROM invoices_current WHERE seq = 5") == [("E2E-2026-000005", "issued")]
    capsys.readouterr()
    assert stack.invoice("--period", "2026-10") == 0
    out = capsys.readouterr().out
    assert "issued 0 invoice(s)" in out and "interrupted run had issued: E2E-2026-000005" in out
    assert stack.rows("SELECT document_id FROM billed_sessions FINAL WHERE session_id = 'e2e/CP-E2E-1/7'") == [
        ("E2E-2026-000005",)
    ]
    numbers = stack.rows("SELECT seq, count() FROM invoices FINAL GROUP BY seq ORDER BY seq")
    assert numbers == [(n, 1) for n in range(1, 6)]  # gapless and unique
    assert (stack.out / "e2e" / "E2E-2026-000005.pdf").is_file()
    notifications = asyncio.run(_notifications(stack.settings, expected=5))
    assert sorted(n.trigger_id for n in notifications) == [f"E2E-2026-00000{n}" for n in range(1, 6)]
    assert {n.kind for n in notifications} == {"invoice_issued"}


def _crash(*args: object, **kwargs: object) -> None:
    raise RuntimeError("crash")


async def _notifications(settings: Settings, expected: int) -> list:
    """Every record on the notifications topic (waits up to 20 s for `expected`, then 1 s for any more)."""
    consumer = kafka.consumer(settings, settings.topics.notifications, group_id=None)
    decode, found = decoder("Notification"), []
    await consumer.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while loop.time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            found += [decode(record.value) for records in batches.values() for record in records]
            if len(found) >= expected:
                deadline = min(deadline, loop.time() + 1)
    finally:
        await consumer.stop()
    return found


def test_a_receipt_for_an_ad_hoc_session_is_issued_once(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    assert stack.invoice("--receipt", "e2e/CP-E2E-1/5") == 0
    assert "receipt E2E-R-2026-000001 for session e2e/CP-E2E-1/5\n" in capsys.readouterr().out
    assert stack.invoice("--receipt", "e2e/CP-E2E-1/5") == 0
    assert "receipt E2E-R-2026-000001 for session e2e/CP-E2E-1/5 (issued before)" in capsys.readouterr().out
    receipt = orjson.loads((stack.out / "e2e" / "E2E-R-2026-000001.json").read_bytes())
    assert receipt["document_totals"]["invoice_total_amount_with_vat"] == "5.00"  # 4.20 + 19 % (0.798 -> 0.80)
    assert stack.invoice("--receipt", "e2e/CP-E2E-1/404") == 2
    assert "no rated session 'e2e/CP-E2E-1/404'" in capsys.readouterr().err


def test_a_failing_quality_gate_stops_the_run_with_its_report(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    september = datetime(2026, 9, 7, 9, tzinfo=UTC)
    stack.add((90, "A1", september, 3, 0), (91, "A1", september, 3, 0))  # one connector, one start, two ids
    assert stack.invoice("--period", "2026-09") == 2
    err = capsys.readouterr().err
    assert err.startswith("chargeledger invoice: data-quality gate FAILED") and "recorded twice" in err
    assert stack.rows("SELECT count() FROM invoices WHERE period = '2026-09'") == [(0,)]
    assert stack.invoice("--receipt", "e2e/CP-E2E-1/90") == 2  # a postpaid account's session gets no receipt
    assert "postpaid account E2E-A1" in capsys.readouterr().err
