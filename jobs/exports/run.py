"""`chargeledger export`: gate, read the period as Arrow, write the format's files, reconcile against the warehouse.

Reads are ClickHouse Arrow output turned into polars frames; every format is rendered from them without a Python
loop per row. Nothing is written when the data-quality gate fails; a reconciliation mismatch is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from clickhouse_connect.driver.client import Client

from jobs.exports import books as catalog_frames
from jobs.exports import datev, ocpi_cdr, queries, sie, tables
from jobs.exports.journal import build_journal, entries
from jobs.exports.period import ExportError
from jobs.exports.reconcile import Key, Totals, combined, reconcile, totals
from pipelines.catalog.accounts_chart import DEFAULT_CHART
from pipelines.catalog.models import Tenant
from pipelines.catalog.view import CatalogView
from pipelines.period import Period

Step = Callable[[str], None]


@dataclass(frozen=True)
class Request:
    period: Period
    fmt: str
    out: Path
    tenant_id: str | None = None


@dataclass
class Result:
    files: list[Path] = field(default_factory=list)
    rows: int = 0  # sessions + line items + adjustments + credit-note lines read
    notes: list[str] = field(default_factory=list)
    reconciliation: list[str] = field(default_factory=list)


def read(client: Client, query: queries.Query) -> pl.DataFrame:
    sql, params = query
    return pl.DataFrame(pl.from_arrow(client.query_arrow(sql, parameters=params)))


def export(client: Client, database: str, catalog: CatalogView, request: Request, step: Step | None = None) -> Result:
    """Run one export; ExportError when the gate fails, a tenant is unknown, or the totals do not reconcile."""
    advance = step or (lambda _: None)
    catalog_frames.tenants(catalog, request.tenant_id)  # an unknown tenant fails before the gate's seconds
    advance("data-quality gate")
    gate = _gate(client, database, request.period, request.tenant_id)
    result = write_export(client, database, catalog, request, advance)
    result.notes.insert(0, gate)
    return result


def write_export(client: Client, database: str, catalog: CatalogView, request: Request, advance: Step) -> Result:
    """Read, write and reconcile, for a period the gate has passed (bench/exports.py times this part alone)."""
    chosen = catalog_frames.tenants(catalog, request.tenant_id)
    period, tenant_id = request.period, request.tenant_id
    advance("reading sessions")
    sessions = read(client, queries.sessions_query(database, period, tenant_id))
    advance("reading line items")
    lines = read(client, queries.line_items_query(database, period, tenant_id))
    adjustments = read(client, queries.adjustments_query(database, period, tenant_id))
    refunds = read(client, queries.credit_notes_query(database, period, tenant_id))
    result = Result(rows=sessions.height + lines.height + adjustments.height + refunds.height)
    _known_tenants(chosen, sessions, adjustments, refunds)
    booked = entries(sessions, lines, adjustments, refunds)
    corrections = combined(_adjustment_totals(adjustments), _refund_totals(refunds))
    request.out.mkdir(parents=True, exist_ok=True)
    stem = f"{tenant_id or 'chargeledger'}_{period.label}"
    advance(f"writing {request.fmt}")
    if request.fmt in ("csv", "parquet"):
        book = catalog_frames.books(catalog, chosen)
        journal = build_journal(booked, book)
        frames = {"sessions": sessions, "line_items": lines, "adjustments": adjustments, "refunds": refunds,
                  "journal": journal}  # fmt: skip
        result.files += tables.write(request.out, frames, request.fmt, stem)
        exported = combined(_session_totals(sessions), corrections)
    elif request.fmt == "ocpi-cdr":
        periods = read(client, queries.periods_query(database, period, tenant_id))
        cdrs = ocpi_cdr.cdr_json(
            sessions, ocpi_cdr.tariff_costs(lines), ocpi_cdr.charging_periods(periods), adjustments, refunds,
            catalog_frames.places(catalog, chosen),
        )  # fmt: skip
        path = request.out / f"{stem}_cdrs.json"
        ocpi_cdr.write(path, cdrs)
        result.files.append(path)
        exported = combined(_session_totals(sessions), corrections)
    else:
        exported = _ledger_files(request, chosen, catalog, booked, result, advance)
    advance("reconciling")
    warehouse = _warehouse_totals(client, database, period, tenant_id)
    result.reconciliation, matched = reconcile(exported, warehouse)
    if not matched:
        for path in result.files:
            path.unlink(missing_ok=True)
        detail = "\n".join(result.reconciliation)
        raise ExportError(f"export totals differ from the warehouse, the files were removed:\n{detail}")
    if sessions.is_empty() and adjustments.is_empty() and refunds.is_empty():
        result.notes.append(f"no sessions in {period.label}: wrote valid empty files")
    return result


def _ledger_files(request: Request, chosen: list[Tenant], catalog: CatalogView, booked: pl.DataFrame, result: Result,
                  advance: Step) -> dict[Key, Totals]:  # fmt: skip
    """DATEV or SIE: one file per tenant, rendered from its part of the revenue journal."""
    journal = build_journal(booked, catalog_frames.books(catalog, chosen))
    written = [journal.clear()]
    for tenant in chosen:
        part = journal.filter(pl.col("tenant_id") == tenant.tenant_id)
        chart = tenant.chart_of_accounts or DEFAULT_CHART
        if tenant.chart_of_accounts is None:
            result.notes.append(f"{tenant.tenant_id}: no chart_of_accounts in the catalog, used the SKR03 default")
        advance(f"writing {tenant.tenant_id}")
        if request.fmt == "datev":
            if chart.datev is None and part.is_empty() and request.tenant_id is None:
                result.notes.append(f"{tenant.tenant_id}: no DATEV numbers and no bookings, no file")
                continue
            path = request.out / f"EXTF_Buchungsstapel_{tenant.tenant_id}_{request.period.label}.csv"
            datev.write(path, part, tenant, chart.datev, request.period)
        else:
            path = request.out / f"{tenant.tenant_id}_{request.period.label}.se"
            sie.write(path, part, tenant, chart, request.period)
        result.files.append(path)
        written.append(part)
    return totals(pl.concat(written), "net", "gross")


def _known_tenants(chosen: list[Tenant], *frames: pl.DataFrame) -> None:
    """Data of a tenant the catalog does not have cannot get its accounts or CDR location: name it, write nothing."""
    known = {tenant.tenant_id for tenant in chosen}
    found = set().union(*(frame.get_column("tenant_id").unique().to_list() for frame in frames))
    unknown = sorted(found - known)
    if unknown:
        raise ExportError(f"the period has data of tenant(s) {', '.join(unknown)} the catalog does not have: "
                          "load the catalog that has them, or export one tenant with --tenant")  # fmt: skip


def _session_totals(sessions: pl.DataFrame) -> dict[Key, Totals]:
    return totals(sessions, "total_cost_excl_vat", "total_cost_incl_vat")


def _adjustment_totals(adjustments: pl.DataFrame) -> dict[Key, Totals]:
    return totals(adjustments, "difference_excl_vat", "difference_incl_vat")


def _refund_totals(refunds: pl.DataFrame) -> dict[Key, Totals]:
    negative = refunds.with_columns(-pl.col("amount_excl_vat"), -pl.col("amount_incl_vat"))
    return totals(negative, "amount_excl_vat", "amount_incl_vat")


def _warehouse_totals(client: Client, database: str, period: Period, tenant_id: str | None) -> dict[Key, Totals]:
    frame = read(client, queries.warehouse_totals_query(database, period, tenant_id))
    return totals(frame.with_columns(pl.col("net", "gross").cast(pl.Decimal(38, 9))), "net", "gross")


def _gate(client: Client, database: str, period: Period, tenant_id: str | None) -> str:
    """The data-quality gate (the same suite as invoices) must pass before anything is written; its verdict."""
    from jobs.quality.gate import run_gate  # great_expectations takes seconds to import: only when exporting

    report = run_gate(client, database, period_start=period.first, period_end=period.after, tenant_id=tenant_id)
    if not report.passed:
        raise ExportError(f"data-quality gate failed for {period.label}, nothing written:\n{report.render()}")
    return report.render()


@contextmanager
def progress(enabled: bool, total: int) -> Iterator[Step]:
    """A progress bar on stderr (rich) when enabled, else a no-op step."""
    if not enabled:
        yield lambda _: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("export", total=total)
        yield lambda text: bar.update(task, advance=1, description=text)
