"""`chargeledger rerate --from DATE --to DATE [--tariff ID] [--tenant ID] [--catalog FILE] [--dry-run]`."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config import Settings

if TYPE_CHECKING:
    from jobs.rerate import Selection
    from pipelines.rating.rerate import Amount, Decision, RerateSummary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options; dates are checked in run() so that every problem is reported on one line."""
    parser.add_argument("--from", dest="first", required=True, metavar="DATE", help="first day (UTC) sessions started")
    parser.add_argument("--to", dest="last", required=True, metavar="DATE", help="last day (UTC), included")
    parser.add_argument("--tariff", metavar="ID", help="only sessions currently priced with this tariff")
    parser.add_argument("--tenant", metavar="ID", help="only this tenant's sessions")
    parser.add_argument("--catalog", metavar="FILE", help="price with this catalog file, not the catalog topics")
    parser.add_argument("--dry-run", action="store_true", help="print the differences, write nothing")
    parser.add_argument("--reason", default="re-rated with the catalog in force", help="recorded on every entry")
    parser.add_argument("--by", default=os.environ.get("USER") or "chargeledger", help="recorded as who re-rated")
    parser.add_argument("--batch", type=int, default=20_000, metavar="N", help="sessions read and written at a time")


def selection_from(args: argparse.Namespace) -> Selection:
    """The sessions asked for; every problem with the arguments in one RerateError."""
    from jobs.rerate import RerateError, Selection

    problems, days = [], {}
    for flag, text in (("--from", args.first), ("--to", args.last)):
        try:
            days[flag] = date.fromisoformat(text)
        except ValueError:
            problems.append(f"{flag} {text!r} is not a date (YYYY-MM-DD)")
    if len(days) == 2 and days["--from"] > days["--to"]:
        problems.append(f"--from {days['--from']} is after --to {days['--to']}")
    if args.batch < 1:
        problems.append(f"--batch must be at least 1, not {args.batch}")
    for flag, value in (("--tariff", args.tariff), ("--tenant", args.tenant)):
        if value is not None and not value.strip():
            problems.append(f"{flag} must not be empty")
    if problems:
        raise RerateError("; ".join(problems))
    return Selection(days["--from"], days["--to"], args.tenant, args.tariff)


def run(args: argparse.Namespace, settings: Settings) -> None:
    """Re-rate what the arguments select with the catalog of the file or of the topics, printing progress and a summary.

    Sessions stopped within the late-arrival window are left to the stream (jobs.rerate.Selection)."""
    from jobs.rerate import catalog_from_file, catalog_from_topics, check_tariff, rerate
    from pipelines.rating.rerate import RerateRun
    from pipelines.warehouse.client import connect

    settled = datetime.now(UTC) - timedelta(seconds=settings.late_arrival_window_s)
    selection = replace(selection_from(args), settled_before=settled)
    client = connect(settings, database=settings.clickhouse_database)
    source = args.catalog or f"topics {settings.topics.catalog_prefix}*"
    catalog = catalog_from_file(Path(args.catalog)) if args.catalog else asyncio.run(catalog_from_topics(settings))
    check_tariff(client, settings.clickhouse_database, catalog, selection)
    print(f"re-rating sessions started {selection.first} .. {selection.last} (UTC)"
          f"{_scope(selection)} with the catalog from {source}{' (dry run)' if args.dry_run else ''}")  # fmt: skip
    summary = rerate(
        client,
        settings.clickhouse_database,
        catalog,
        selection,
        RerateRun(args.reason, args.by, datetime.now(UTC)),
        dry_run=args.dry_run,
        batch_sessions=args.batch,
        on_change=print_change if args.dry_run else None,
        progress=lambda expected, s: print(
            f"  {s.read:,} of {expected:,} sessions read, {s.repriced:,} re-priced, {s.changed:,} changed",
            file=sys.stderr,
        ),
    )
    print(render(summary, written=not args.dry_run))


def _scope(selection: Selection) -> str:
    parts = [f"tenant {selection.tenant_id}"] * bool(selection.tenant_id)
    parts += [f"priced with tariff {selection.tariff_id}"] * bool(selection.tariff_id)
    return f", {', '.join(parts)}" if parts else ""


def _signed(value: Decimal) -> str:
    return f"{value.normalize():+f}" if value else "0"


def _amount(amount: Amount) -> str:
    return f"{_signed(amount.excl_vat)} excl. / {_signed(amount.incl_vat)} incl. VAT"


def print_change(decision: Decision) -> None:
    """One line per entry the run writes (or would write): session, what kind, old -> new, difference."""
    for a in decision.adjustments:
        billed = f"billed on {a.document_id}" if a.document_id else "not billed"
        print(f"  {a.session_id} r{a.base_revision}->r{a.revision} {a.kind.value:<8} {billed}: {a.currency} "
              f"{a.old.incl_vat.normalize():f} -> {a.new.incl_vat.normalize():f} incl. VAT "
              f"({_amount(a.difference)}); tariff {a.old_tariff_id} -> {a.new_tariff_id}")  # fmt: skip


def render(summary: RerateSummary, *, written: bool) -> str:
    from jobs.report import bar_chart
    from pipelines.rating.rerate import Outcome

    counts = summary.outcomes
    lines = [
        f"sessions read {summary.read:,}, re-priced {summary.repriced:,}, changed {summary.changed:,} "
        f"({counts[Outcome.REVISED]:,} new revisions, {counts[Outcome.ADJUSTED]:,} billed with credit/debit entries)"
        + ("" if written else ": dry run, nothing written"),
        *bar_chart([(outcome.value, Decimal(n)) for outcome, n in counts.items()]),
    ]
    if summary.differences:
        lines.append("difference per currency (new - old):")
        for (currency, billed), amount in sorted(summary.differences.items()):
            what = "billed: credit/debit entries" if billed else "unbilled: new revisions"
            lines.append(f"  {currency} {what:<29} {_amount(amount)}")
    if summary.unsettled:
        lines.append(f"left to the stream: {summary.unsettled:,} session(s) stopped too recently (late events may "
                     "still correct them; re-rate them once the late-arrival window has passed)")  # fmt: skip
    if summary.unpriceable:
        lines.append(f"not priceable with this catalog ({counts[Outcome.UNPRICEABLE]:,}, left as they are):")
        lines += [f"  {reason}" for reason in summary.unpriceable]
    return "\n".join(lines)
