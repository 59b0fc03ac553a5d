"""`chargeledger rerate`: re-price a period's sessions with today's catalog and write the differences.

A count of sessions per day sizes the windows; per window: read the sessions' latest revision with periods, line
items, billing and earlier adjustments from ClickHouse as Arrow frames, rebuild the records, rate them again with
the streaming agents' code, decide per session (pipelines/rating/rerate.py: reprice, decide), then write
adjustments and new revisions.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import polars as pl
from clickhouse_connect.driver.client import Client

from jobs.rerate_frames import SessionFrames, stored_sessions
from pipelines.catalog.follower import CatalogFollower
from pipelines.catalog.load import load_catalog
from pipelines.catalog.view import CatalogView
from pipelines.config import Settings
from pipelines.rating.rerate import Adjustment, Decision, RerateRun, RerateSummary, decide, reprice
from pipelines.warehouse.rows import LINE_ITEM_COLUMNS, PERIOD_COLUMNS, SESSION_COLUMNS, Row, rated_session_rows
from pipelines.warehouse.sink import insert_tables

Query = tuple[str, dict[str, object]]
Window = tuple[datetime, datetime]  # [start, end)
CATALOG_TIMEOUT_S = 60.0
DEFAULT_BATCH_SESSIONS = 20_000  # sessions read, rated and written at a time
ADJUSTMENT_COLUMNS = (
    "adjustment_id", "tenant_id", "session_id", "revision", "base_revision", "kind", "billed", "document_id",
    "credit", "credit_reference_id", "currency", "old_tariff_id", "new_tariff_id", "old_total_excl_vat",
    "old_total_incl_vat", "new_total_excl_vat", "new_total_incl_vat", "difference_excl_vat", "difference_incl_vat",
    "reason", "created_by", "created_at",
)  # fmt: skip


class RerateError(ValueError):
    """A re-rating that cannot start as asked; the message says what to change."""


@dataclass(frozen=True, slots=True)
class Selection:
    """Which sessions: started on a day from `first` to `last` (UTC, both included), optionally one tenant/tariff.

    Sessions stopped at or after `settled_before` are left to the stream: late events may still correct them, and
    a correction's revision must not compete with a re-rating's (the higher revision wins in every view)."""

    first: date
    last: date
    tenant_id: str | None = None
    tariff_id: str | None = None
    settled_before: datetime | None = None

    @property
    def span(self) -> Window:
        return _midnight(self.first), _midnight(self.last + timedelta(days=1))


def plan_windows(day_counts: list[tuple[date, int]], batch_sessions: int) -> list[tuple[Window, int]]:
    """Consecutive days with sessions grouped into windows of at most `batch_sessions` (a bigger day stays whole),
    each with its session count: few queries for a sparse period, bounded memory for a busy one."""
    windows: list[tuple[Window, int]] = []
    for day, count in sorted(day_counts):
        start, end = _midnight(day), _midnight(day + timedelta(days=1))
        if windows and windows[-1][1] + count <= batch_sessions:
            (first, _), sessions = windows[-1]
            windows[-1] = ((first, end), sessions + count)
        else:
            windows.append(((start, end), count))
    return windows


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


# --- queries -------------------------------------------------------------------------------------------------


def _filter(selection: Selection, window: Window, *, unsettled: bool = False) -> tuple[str, dict[str, object]]:
    clauses = ["started_at >= {start:DateTime64(6, 'UTC')}", "started_at < {end:DateTime64(6, 'UTC')}"]
    params: dict[str, object] = {"start": window[0], "end": window[1]}
    if selection.settled_before is not None:
        clauses.append(f"stopped_at {'>=' if unsettled else '<'} {{settled:DateTime64(6, 'UTC')}}")
        params["settled"] = selection.settled_before
    if selection.tenant_id is not None:
        clauses.append("tenant_id = {tenant:String}")
        params["tenant"] = selection.tenant_id
    if selection.tariff_id is not None:
        clauses.append("tariff_id = {tariff:String}")
        params["tariff"] = selection.tariff_id
    return " AND ".join(clauses), params


def session_queries(database: str, selection: Selection, window: Window) -> dict[str, Query]:
    """One query per frame: latest revisions, their periods and line items, billing, earlier adjustments."""
    where, params = _filter(selection, window)
    chosen = f"SELECT tenant_id, session_id, revision FROM {database}.sessions_current WHERE {where}"
    keys = f"SELECT tenant_id, session_id FROM {database}.sessions_current WHERE {where}"
    return {
        "sessions": (
            f"SELECT {', '.join(SESSION_COLUMNS)} FROM {database}.sessions_current WHERE {where}"
            " ORDER BY tenant_id, session_id",
            params,
        ),
        "periods": (
            f"SELECT {', '.join(PERIOD_COLUMNS)} FROM {database}.session_periods FINAL"
            f" WHERE (tenant_id, session_id, revision) IN ({chosen})",
            params,
        ),
        "line_items": (
            f"SELECT {', '.join(LINE_ITEM_COLUMNS)} FROM {database}.session_line_items FINAL"
            f" WHERE (tenant_id, session_id, revision) IN ({chosen})",
            params,
        ),
        "billed": (
            f"SELECT tenant_id, session_id, min(document_id) AS document_id FROM {database}.billed_sessions FINAL"
            f" WHERE (tenant_id, session_id) IN ({keys}) GROUP BY tenant_id, session_id",
            params,
        ),
        "adjustments": (
            f"SELECT tenant_id, session_id, currency, kind != 'revision' AS billed, max(revision) AS last_revision,"
            " sum(difference_excl_vat) AS excl_vat, sum(difference_incl_vat) AS incl_vat,"
            " argMax(new_tariff_id, revision) AS tariff_id"
            f" FROM {database}.rating_adjustments FINAL WHERE (tenant_id, session_id) IN ({keys})"
            " GROUP BY tenant_id, session_id, currency, billed",
            params,
        ),
    }


def day_counts_query(database: str, selection: Selection) -> Query:
    where, params = _filter(selection, selection.span)
    return (
        f"SELECT toDate(started_at) AS day, count() FROM {database}.sessions_current WHERE {where}"
        " GROUP BY day ORDER BY day",
        params,
    )


def unsettled_query(database: str, selection: Selection) -> Query:
    """How many sessions of the selection are left to the stream because late events may still correct them."""
    where, params = _filter(selection, selection.span, unsettled=True)
    return f"SELECT count() FROM {database}.sessions_current WHERE {where}", params


def tariff_known_query(database: str, tariff_id: str, tenant_id: str | None) -> Query:
    """Tenants that have rated sessions with the tariff at all (it may be gone from the catalog since)."""
    where = "tariff_id = {tariff:String}" + (" AND tenant_id = {tenant:String}" if tenant_id is not None else "")
    return (
        f"SELECT DISTINCT tenant_id FROM {database}.rated_sessions WHERE {where}",
        {"tariff": tariff_id, "tenant": tenant_id},
    )


def tenants_query(database: str) -> Query:
    return f"SELECT DISTINCT tenant_id FROM {database}.rated_sessions", {}


def read_frames(client: Client, queries: dict[str, Query]) -> SessionFrames:
    frames = {name: client.query_arrow(sql, parameters=params) for name, (sql, params) in queries.items()}
    return SessionFrames(**{name: pl.DataFrame(pl.from_arrow(table)) for name, table in frames.items()})


# --- catalog -------------------------------------------------------------------------------------------------


def catalog_from_file(path: Path) -> CatalogView:
    """The catalog a file holds, validated as `chargeledger catalog load` does (CatalogError lists problems)."""
    return CatalogView.from_catalog(load_catalog(path))


async def catalog_from_topics(settings: Settings, timeout_s: float = CATALOG_TIMEOUT_S) -> CatalogView:
    """The catalog exactly as the workers see it: the compacted catalog topics read to their end."""
    follower = CatalogFollower(settings)
    task = asyncio.create_task(follower.run())
    try:
        ready = asyncio.create_task(follower.ready.wait())
        done, _ = await asyncio.wait({task, ready}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # the follower failed: its error says why
        if ready not in done:
            ready.cancel()
            raise TimeoutError(f"the catalog topics were not read within {timeout_s:.0f} s")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if not follower.view.counts()["tariffs"]:
        raise RerateError(f"no tariffs on {settings.topics.catalog_prefix}tariffs: load a catalog or pass --catalog")
    return follower.view


def check_tariff(client: Client, database: str, catalog: CatalogView, selection: Selection) -> None:
    """An unknown --tariff (in no tenant's catalog, on no rated session) is an error, not an empty run."""
    tariff = selection.tariff_id
    if tariff is None:
        return
    sql, params = tariff_known_query(database, tariff, selection.tenant_id)
    if client.query(sql, parameters=params).result_rows:
        return
    if selection.tenant_id is not None:
        tenants = [selection.tenant_id]
    else:
        tenants = [tenant for (tenant,) in client.query(tenants_query(database)[0]).result_rows]
    if not any(catalog.tariff(tenant, tariff) is not None for tenant in tenants):
        scope = f" of tenant {selection.tenant_id}" if selection.tenant_id else ""
        raise RerateError(f"unknown tariff {tariff!r}: not in the catalog{scope} and no session was rated with it")


# --- writing -------------------------------------------------------------------------------------------------


def adjustment_row(a: Adjustment) -> Row:
    d = a.difference
    return (
        a.adjustment_id, a.tenant_id, a.session_id, a.revision, a.base_revision, a.kind.value, a.billed,
        a.document_id, a.credit, a.credit_reference_id, a.currency, a.old_tariff_id, a.new_tariff_id,
        a.old.excl_vat, a.old.incl_vat, a.new.excl_vat, a.new.incl_vat, d.excl_vat, d.incl_vat, a.reason,
        a.created_by, a.created_at,
    )  # fmt: skip


def write_decisions(client: Client, database: str, decisions: list[Decision]) -> None:
    """Adjustments first, then new revisions (children before parents): a run stopped half way and run again
    recomputes the same revision numbers and adjustment ids, so it replaces what it wrote instead of adding."""
    adjustments = [adjustment_row(entry) for decision in decisions for entry in decision.adjustments]
    if adjustments:
        client.insert("rating_adjustments", adjustments, column_names=list(ADJUSTMENT_COLUMNS), database=database)
    tables: dict[str, list[Row]] = {}
    for decision in decisions:
        if decision.revised is not None:
            for table, rows in rated_session_rows(decision.revised).items():
                tables.setdefault(table, []).extend(rows)
    if tables:
        insert_tables(client, database, tables)


# --- the run -------------------------------------------------------------------------------------------------


def rerate(
    client: Client,
    database: str,
    catalog: CatalogView,
    selection: Selection,
    run: RerateRun,
    *,
    dry_run: bool = False,
    batch_sessions: int = DEFAULT_BATCH_SESSIONS,
    on_change: Callable[[Decision], None] | None = None,
    progress: Callable[[int, RerateSummary], None] | None = None,
) -> RerateSummary:
    """Re-rate the selection window by window; with dry_run nothing is written. `progress` gets the number of
    sessions the selection holds and the summary so far after every window."""
    sql, params = day_counts_query(database, selection)
    windows = plan_windows([tuple(row) for row in client.query(sql, parameters=params).result_rows], batch_sessions)
    expected, summary = sum(count for _, count in windows), RerateSummary()
    for window, _ in windows:
        frames = read_frames(client, session_queries(database, selection, window))
        decisions = [
            decide(stored, reprice(stored.rated, catalog, rated_at=run.created_at), run)
            for stored in stored_sessions(frames)
        ]
        changed = [decision for decision in decisions if decision.adjustments]
        if changed and not dry_run:
            write_decisions(client, database, changed)
        summary.add(decisions)
        if on_change:
            for decision in changed:
                on_change(decision)
        if progress:
            progress(expected, summary)
    if selection.settled_before is not None:
        sql, params = unsettled_query(database, selection)
        summary.unsettled = int(client.query(sql, parameters=params).result_rows[0][0])
    return summary
