"""`chargeledger rerate` on the real broker and ClickHouse: a tariff changes, unbilled sessions get a new revision,
billed ones a debit entry, and running it again writes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client

from cli.main import main
from jobs.catalog_publish import publish_catalog
from jobs.rerate import catalog_from_file
from jobs.worker_process import worker_environment
from pipelines.config import Settings
from pipelines.ingest.models import DeadLetter
from pipelines.rating.route import rate_with_catalog
from pipelines.sessions.models import ClosedSession
from pipelines.streaming.topics import ensure_topics, pipeline_topic_specs
from pipelines.warehouse.client import connect
from pipelines.warehouse.migrate import apply_migrations
from pipelines.warehouse.rows import rated_session_rows
from pipelines.warehouse.sink import insert_tables
from tests.integration.pipeline_harness import CATALOG, REPO, isolated_settings
from tests.unit.rating.builders import session

NOW = datetime.now(UTC)
PERIOD = ["--from", "2026-10-01", "--to", NOW.date().isoformat()]  # October 2026 and a session of today
COUNTS = "SELECT (SELECT count() FROM rated_sessions), (SELECT count() FROM rating_adjustments)"


def closed(tx: int, start: datetime, kwh: int, parked_min: int = 0) -> ClosedSession:
    periods = [("c", 60, kwh)] + ([("p", parked_min, 0)] if parked_min else [])
    ids = {"tenant_id": "e2e", "charge_point_id": "CP-E2E-1", "transaction_id": str(tx), "id_tag": "TAG-OK-1"}
    return replace(session(start, *periods), session_id=f"e2e/CP-E2E-1/{tx}", **ids)


def catalog_with_energy_price(tmp_path: Path, price: str) -> Path:
    text = CATALOG.read_text()
    assert "{type: ENERGY, price: 0.40" in text
    changed = tmp_path / f"catalog-{price}.yaml"
    changed.write_text(text.replace("{type: ENERGY, price: 0.40", f"{{type: ENERGY, price: {price}"))
    return changed


@pytest.fixture
def stack(
    broker: str, warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Settings, Client]]:
    """Sessions rated with the test catalog (0.40 EUR/kWh) in a fresh database; the CLI's environment points there."""
    settings = isolated_settings(broker, warehouse_url, tmp_path)
    ensure_topics(settings.kafka_bootstrap_servers, pipeline_topic_specs(settings))
    apply_migrations(connect(settings), REPO / "schemas" / "clickhouse", settings.clickhouse_database)
    for name, value in worker_environment(settings).items():
        monkeypatch.setenv(name, value)
    client = connect(settings, database=settings.clickhouse_database)
    view = catalog_from_file(CATALOG)
    tables: dict[str, list] = {}
    sessions = [  # tx, start, kWh, minutes parked
        (1, datetime(2026, 10, 5, 9, tzinfo=UTC), 10, 0),
        (2, datetime(2026, 10, 6, 9, tzinfo=UTC), 20, 30),  # billed below
        (3, datetime(2026, 10, 30, 9, tzinfo=UTC), 5, 0),
        (4, datetime(2026, 10, 15, 9, tzinfo=UTC), 8, 0),
        (9, datetime(2026, 9, 30, 9, tzinfo=UTC), 10, 0),  # before the period
        (5, NOW - timedelta(hours=3), 10, 0),  # stopped two hours ago
    ]
    for tx, start, kwh, parked in sessions:
        rated = rate_with_catalog(closed(tx, start, kwh, parked), view, rated_at=datetime(2026, 12, 1, tzinfo=UTC))
        assert not isinstance(rated, DeadLetter)
        for table, table_rows in rated_session_rows(rated).items():
            tables.setdefault(table, []).extend(table_rows)
    insert_tables(client, settings.clickhouse_database, tables)
    client.insert("billed_sessions", [("e2e/CP-E2E-1/2", "e2e", "INV-2026-0001", datetime(2026, 12, 1, tzinfo=UTC))],
                  column_names=["session_id", "tenant_id", "document_id", "billed_at"])  # fmt: skip
    yield settings, client


def rows(client: Client, sql: str) -> list[tuple]:
    return [tuple(row) for row in client.query(sql).result_rows]


def test_a_changed_tariff_revises_unbilled_sessions_debits_billed_ones_and_a_rerun_adds_nothing(
    stack: tuple[Settings, Client], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings, client = stack
    asyncio.run(publish_catalog(settings, catalog_with_energy_price(tmp_path, "0.45")))
    assert main(["rerate", *PERIOD, "--reason", "energy 0.45", "--by", "test"]) == 0
    out = capsys.readouterr().out
    assert "sessions read 4, re-priced 4, changed 4 (3 new revisions, 1 billed" in out
    # unbilled: 23 kWh x 0.05 more; billed: 20 kWh x 0.05; +19 % VAT
    assert "EUR unbilled: new revisions" in out and "+1.15 excl. / +1.3685 incl. VAT" in out
    assert "+1 excl. / +1.19 incl. VAT" in out  # billed: 20 kWh x 0.05
    assert "left to the stream: 1 session(s) stopped too recently" in out

    sessions = rows(
        client, "SELECT session_id, revision, total_cost_excl_vat FROM sessions_current ORDER BY session_id"
    )
    assert sessions == [
        ("e2e/CP-E2E-1/1", 2, Decimal("5.5")),  # FLAT 1.00 + 10 kWh x 0.45
        ("e2e/CP-E2E-1/2", 1, Decimal("12")),  # billed: FLAT 1 + 20 x 0.40 + 0.5 h x 6.00, never changed
        ("e2e/CP-E2E-1/3", 2, Decimal("3.25")),
        ("e2e/CP-E2E-1/4", 2, Decimal("4.6")),
        ("e2e/CP-E2E-1/5", 1, Decimal("5")),  # stopped two hours ago: left to the stream's late corrections
        ("e2e/CP-E2E-1/9", 1, Decimal("5")),  # September: not selected
    ]
    energy = "SELECT unit_price FROM line_items_current WHERE session_id = 'e2e/CP-E2E-1/1' AND dimension = 'ENERGY'"
    assert rows(client, energy) == [(Decimal("0.45"),)]
    assert rows(client, "SELECT count() FROM periods_current WHERE session_id = 'e2e/CP-E2E-1/1'") == [(1,)]
    entries = rows(
        client,
        "SELECT session_id, revision, kind, credit, credit_reference_id, document_id, old_total_incl_vat,"
        " difference_incl_vat, new_total_incl_vat, reason, created_by FROM rating_adjustments_current"
        " ORDER BY session_id",
    )
    assert entries[1] == ("e2e/CP-E2E-1/2", 2, "debit", False, "e2e/CP-E2E-1/2", "INV-2026-0001",
                          Decimal("14.28"), Decimal("1.19"), Decimal("15.47"), "energy 0.45", "test")  # fmt: skip
    assert [(e[0], e[1], e[2], e[7]) for e in entries if e[2] == "revision"] == [
        ("e2e/CP-E2E-1/1", 2, "revision", Decimal("0.595")),
        ("e2e/CP-E2E-1/3", 2, "revision", Decimal("0.2975")),
        ("e2e/CP-E2E-1/4", 2, "revision", Decimal("0.476")),
    ]

    before = rows(client, COUNTS)
    assert main(["rerate", *PERIOD]) == 0
    assert "changed 0 " in capsys.readouterr().out
    assert rows(client, COUNTS) == before  # nothing written, not even a replaced row


def test_dry_run_prints_the_differences_from_a_catalog_file_and_writes_nothing(
    stack: tuple[Settings, Client], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, client = stack
    before = rows(client, COUNTS)
    cheaper = catalog_with_energy_price(tmp_path, "0.30")
    argv = ["rerate", *PERIOD, "--catalog", str(cheaper), "--tariff", "E2E-AC", "--tenant", "e2e", "--dry-run"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "(dry run)" in out and "dry run, nothing written" in out
    assert "e2e/CP-E2E-1/2 r1->r2 credit   billed on INV-2026-0001: EUR 14.28 -> 11.9 incl. VAT" in out
    assert "e2e/CP-E2E-1/1 r1->r2 revision not billed" in out
    assert rows(client, COUNTS) == before


def test_an_unknown_tariff_is_one_line_and_exit_2(
    stack: tuple[Settings, Client], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rerate", *PERIOD, "--catalog", str(CATALOG), "--tariff", "NO-SUCH"]) == 2
    err = capsys.readouterr().err
    assert err == "chargeledger rerate: unknown tariff 'NO-SUCH': not in the catalog and no session was rated with it\n"
