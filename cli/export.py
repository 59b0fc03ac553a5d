"""`chargeledger export --period YYYY-MM --format F`: a period's accounting export, gated and reconciled."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from pipelines.config import Settings

HELP = "export a month for accounting: csv | parquet | datev | sie | ocpi-cdr, gated and reconciled to the cent"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--period", required=True, metavar="YYYY-MM", help="the month (sessions started in it, UTC)")
    parser.add_argument("--format", required=True, dest="fmt", metavar="FORMAT",
                        help="csv, parquet, datev, sie or ocpi-cdr")  # fmt: skip
    parser.add_argument("--tenant", help="one tenant (default: every tenant in the catalog)")
    parser.add_argument("--out", type=Path, default=Path("exports"), help="directory for the files (default exports/)")
    parser.add_argument(
        "--catalog", type=Path, help="catalog file (default: the catalog topics, as the workers see it)"
    )


def run(args: argparse.Namespace, settings: Settings) -> None:
    """Bad arguments, a failed gate or a mismatch raise ExportError: one line on stderr, exit 2."""
    from jobs.exports.period import check_format, parse_period
    from jobs.exports.run import Request, export, progress
    from jobs.rerate import catalog_from_file, catalog_from_topics
    from pipelines.warehouse.client import connect

    request = Request(parse_period(args.period), check_format(args.fmt), args.out, args.tenant)
    catalog = catalog_from_file(args.catalog) if args.catalog else asyncio.run(catalog_from_topics(settings))
    with progress(sys.stderr.isatty(), total=7) as step:
        result = export(connect(settings), settings.clickhouse_database, catalog, request, step)
    for line in [*result.notes, *(f"wrote {path}" for path in result.files), *result.reconciliation]:
        print(line)
