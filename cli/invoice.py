"""`chargeledger invoice --period YYYY-MM [--tenant T] [--out DIR]` and `chargeledger invoice --receipt SESSION_ID`."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config import Settings

if TYPE_CHECKING:
    from jobs.invoices.run import Output, RunSummary
    from pipelines.catalog.view import CatalogView

HELP = "issue a month's invoices to postpaid accounts, or the receipt of an ad-hoc session (PDF and JSON)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--period", metavar="YYYY-MM", help="the month whose sessions (by start, UTC) are invoiced")
    what.add_argument("--receipt", metavar="SESSION_ID", help="issue (or show again) the receipt of one session")
    parser.add_argument("--tenant", metavar="ID", help="only this tenant's accounts (with --period)")
    parser.add_argument("--out", type=Path, default=Path("invoices"), help="where PDF and JSON files go (DIR/TENANT/)")
    parser.add_argument("--catalog", metavar="FILE", help="catalog file (logos relative to it), not the catalog topics")


def run(args: argparse.Namespace, settings: Settings) -> None:
    """Gate, issue, follow up; bad arguments and a failing gate are UserErrors (one message, exit 2)."""
    from jobs.invoices.publish import kafka_publisher
    from jobs.invoices.run import Output, check_gate, issue_period, issue_receipt
    from pipelines.invoicing.period import parse_period
    from pipelines.warehouse.client import connect

    now = datetime.now(UTC)
    period = parse_period(args.period, now.date()) if args.period else None
    catalog, logo_base = _catalog(args, settings)
    client = connect(settings, database=settings.clickhouse_database)
    output = Output(args.out, logo_base, kafka_publisher(settings))
    database = settings.clickhouse_database
    if period is None:
        number, summary = issue_receipt(client, database, catalog, args.receipt, now=now, output=output)
        print(f"receipt {number} for session {args.receipt}" + ("" if summary.issued else " (issued before)"))
        print(_follow_up(summary, output))
        return
    check_gate(client, database, period, args.tenant)
    settled = now - timedelta(seconds=settings.late_arrival_window_s)
    summary = issue_period(client, database, catalog, period, tenant_id=args.tenant, now=now, settled=settled,
                           output=output)  # fmt: skip
    print(render(summary, period.label))
    print(_follow_up(summary, output))


def _catalog(args: argparse.Namespace, settings: Settings) -> tuple[CatalogView, Path | None]:
    from jobs.rerate import catalog_from_file, catalog_from_topics

    if args.catalog:
        path = Path(args.catalog)
        return catalog_from_file(path), path.resolve().parent
    return asyncio.run(catalog_from_topics(settings)), None


def render(summary: RunSummary, period: str) -> str:
    """What was issued, with the amounts due as a chart, and what was left out and why."""
    from jobs.report import bar_chart

    issued = summary.issued
    lines = [f"issued {len(issued)} invoice(s) for {period}" + (":" if issued else "")]
    for d in issued:
        lines.append(f"  {d.number}  {d.tenant_id}/{d.account_id:<16} {len(d.session_ids):>4} session(s)  "
                     f"total {d.totals.gross:>10} {d.currency}  due {d.totals.due:>10} {d.currency}")  # fmt: skip
    due: dict[str, Decimal] = {}
    for d in issued:
        due[f"{d.tenant_id} {d.currency}"] = due.get(f"{d.tenant_id} {d.currency}", Decimal(0)) + d.totals.due
    if due:
        lines += ["amount due per tenant:", *bar_chart(sorted(due.items()))]
    if summary.unsettled:
        lines.append(f"left for a later run: {summary.unsettled:,} session(s) stopped too recently (late events may "
                     "still correct them)")  # fmt: skip
    for reason, count in sorted(summary.not_invoiced.items()):
        lines.append(f"not invoiced: {count:,} session(s) {reason}")
    return "\n".join(lines)


def _follow_up(summary: RunSummary, output: Output) -> str:
    earlier = [n for n in summary.completed if n not in {d.number for d in summary.issued}]
    lines = [
        f"files in {output.directory}/: {len(summary.files)}; invoice_issued notifications: {summary.notifications}"
    ]
    if earlier:
        lines.append(f"finished documents an interrupted run had issued: {', '.join(earlier)}")
    return "\n".join(lines)
