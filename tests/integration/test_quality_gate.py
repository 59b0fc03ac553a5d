"""The data-quality gate on the real warehouse: clean periods pass, each crafted defect fails readably.

One database holds a clean tenant and one tenant per defect, so every test reads the same data with its own
tenant filter (the gate's `tenant_id`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client

from jobs.quality.gate import run_gate
from pipelines.config import Settings
from pipelines.warehouse.client import connect
from pipelines.warehouse.migrate import apply_migrations
from pipelines.warehouse.rows import LINE_ITEM_COLUMNS, SESSION_COLUMNS, Row, rated_session_rows
from pipelines.warehouse.sink import insert_tables
from tests.integration.pipeline_harness import REPO
from tests.unit.rating.builders import rate, session, tariff

pytestmark = pytest.mark.integration

CAPPED = tariff(
    """{"id": "Q", "currency": "EUR", "max_price": {"excl_vat": 20, "incl_vat": 23.8}, "elements": [
    {"price_components": [{"type": "FLAT", "price": 1.00, "vat": 7, "step_size": 1},
                          {"type": "ENERGY", "price": 0.4321, "vat": 19, "step_size": 1}]}]}"""
)
OCTOBER = {"period_start": date(2026, 10, 1), "period_end": date(2026, 11, 1)}
Tables = dict[str, list[Row]]
Defect = Callable[[Tables], Tables]


def rated_rows(tenant: str, tx: int, day: int, kwh: int, revision: int = 0) -> Tables:
    """Rows of one session of `tenant` rated with CAPPED; 60 kWh and more hit the max price (a negative line)."""
    closed = session(datetime(2026, 10, day, 9, tzinfo=UTC), ("c", 60, kwh))
    ids = {"tenant_id": tenant, "session_id": f"{tenant}/CP-1/{tx}", "transaction_id": str(tx), "revision": revision}
    return rated_session_rows(rate(replace(closed, **ids), CAPPED))


def edit(rows: list[Row], columns: tuple[str, ...], index: int = 0, **changes: Any) -> list[Row]:
    changed = dict(zip(columns, rows[index], strict=True)) | changes
    return [*rows[:index], tuple(changed[c] for c in columns), *rows[index + 1 :]]


def negative_total(t: Tables) -> Tables:
    return t | {"rated_sessions": edit(t["rated_sessions"], SESSION_COLUMNS, total_cost_excl_vat=Decimal("-1"))}


def negative_charge(t: Tables) -> Tables:
    return t | {"session_line_items": edit(t["session_line_items"], LINE_ITEM_COLUMNS, 1, amount_excl_vat=Decimal(-2))}


def wrong_vat(t: Tables) -> Tables:
    return t | {"session_line_items": edit(t["session_line_items"], LINE_ITEM_COLUMNS, 1, vat_rate=Decimal(7))}


def total_off(t: Tables) -> Tables:
    return t | {"rated_sessions": edit(t["rated_sessions"], SESSION_COLUMNS, total_cost_incl_vat=Decimal("99.99"))}


def lines_missing(t: Tables) -> Tables:
    return t | {"session_line_items": []}


def bad_currency(t: Tables) -> Tables:
    return t | {"rated_sessions": edit(t["rated_sessions"], SESSION_COLUMNS, currency="")}


def duplicate(t: Tables) -> Tables:
    """The same charge (connector, start) rated a second time under another transaction id."""
    again = edit(t["rated_sessions"], SESSION_COLUMNS, session_id="dup/CP-1/2", transaction_id="2")
    return {"rated_sessions": t["rated_sessions"] + again, "session_line_items": t["session_line_items"]}


DEFECTS: dict[str, tuple[Defect, str]] = {  # tenant -> (defect, expected failing expectation's meaning)
    "negtotal": (negative_total, "no session total excl. VAT is negative"),
    "negcharge": (negative_charge, "no negative charge excl. VAT"),
    "vat": (wrong_vat, "VAT consistent with the rate"),
    "sum": (total_off, "line items sum to the session total incl. VAT"),
    "missing": (lines_missing, "a session that delivered energy has line items"),
    "currency": (bad_currency, "every session has an ISO 4217 currency"),
    "dup": (duplicate, "no session recorded twice under different ids"),
}


@pytest.fixture(scope="module")
def client(warehouse_url: str) -> Iterator[Client]:
    settings = Settings(clickhouse_url=warehouse_url, clickhouse_database=f"t_gate_{uuid.uuid4().hex[:8]}")
    apply_migrations(connect(settings), REPO / "schemas" / "clickhouse", settings.clickhouse_database)
    client = connect(settings, database=settings.clickhouse_database)
    clean = [rated_rows("clean", 1, 5, 10), rated_rows("clean", 2, 6, 70), rated_rows("clean", 3, 7, 0)]
    free = edit(rated_rows("clean", 4, 8, 0)["rated_sessions"], SESSION_COLUMNS, total_cost_excl_vat=Decimal(0),
                total_cost_incl_vat=Decimal(0))  # fmt: skip
    clean.append({"rated_sessions": free})  # nothing delivered, nothing billed: no line items needed
    clean.append(rated_rows("clean", 9, 30, 10) | {"rated_sessions": []})  # no session row: lines not current
    clean.append(rated_rows("clean", 5, 9, 10))  # revision 0 was wrong, revision 1 corrects it
    clean.append(total_off(rated_rows("clean", 5, 9, 20, revision=0)))
    clean.append(rated_rows("clean", 5, 9, 20, revision=1))
    clean.append(negative_total(rated_rows("clean", 6, 1, 10)) | {"rated_sessions": []})
    defective = [defect(rated_rows(tenant, 1, 12, 70)) for tenant, (defect, _) in DEFECTS.items()]
    defective.append(negative_total(rated_rows("november", 1, 31, 10)))  # 31 Oct 09:00: in October
    for tables in [*clean, *defective]:
        insert_tables(client, settings.clickhouse_database, tables)
    yield client
    client.command(f"DROP DATABASE IF EXISTS `{settings.clickhouse_database}`")


def test_clean_period_passes(client: Client) -> None:
    report = run_gate(client, client.database, tenant_id="clean", **OCTOBER)
    assert report.passed, report.render()
    assert report.sessions == 5 and report.line_items == 8  # 2 + 3 (max price) + 1 + 2
    assert report.render().startswith("data-quality gate passed: 2026-10-01 to 2026-11-01")


@pytest.mark.parametrize("tenant", DEFECTS)
def test_each_defect_fails_readably(client: Client, tenant: str) -> None:
    report = run_gate(client, client.database, tenant_id=tenant, **OCTOBER)
    expected = DEFECTS[tenant][1]
    assert not report.passed
    failed = [failure for failure in report.failures if failure.check.meaning.startswith(expected)]
    assert failed, report.render()
    text = report.render()
    assert text.startswith("data-quality gate FAILED") and expected in text
    assert f"{tenant}/CP-1/1" in text  # a sample offending id
    assert failed[0].unexpected >= 1


def test_period_bounds_and_all_tenants(client: Client) -> None:
    november = run_gate(client, client.database, tenant_id="november", period_start=date(2026, 11, 1),
                        period_end=date(2026, 12, 1))  # fmt: skip
    assert november.passed and november.sessions == 0
    everyone = run_gate(client, client.database, tenant_id=None, **OCTOBER)
    assert not everyone.passed
    assert everyone.sessions == 5 + len(DEFECTS) + 1 + 1  # clean, one per defect (+1 duplicate), october 31st


def test_a_database_named_like_a_former_table_alias(warehouse_url: str) -> None:
    """The queries once aliased a subquery `p`, which shadowed a database of that name."""
    settings = Settings(clickhouse_url=warehouse_url, clickhouse_database="p")
    admin = connect(settings)
    assert not admin.command("EXISTS DATABASE p"), "this test needs the name p to itself"
    try:
        apply_migrations(admin, REPO / "schemas" / "clickhouse", "p")
        client = connect(settings, database="p")
        insert_tables(client, "p", total_off(rated_rows("clean", 1, 5, 70)))
        report = run_gate(client, "p", tenant_id=None, **OCTOBER)
        assert (report.sessions, report.line_items) == (1, 3)
        assert [failure.check.meaning for failure in report.failures] == [DEFECTS["sum"][1]], report.render()
    finally:
        admin.command("DROP DATABASE IF EXISTS p")
