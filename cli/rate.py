"""`chargeledger rate CDR_FILE`: price an OCPI 2.2.1 CDR and print it with its totals and line items filled in."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.config import Settings

HELP = "price an OCPI 2.2.1 CDR with its tariff and print it with totals and line items (exact, not rounded)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("cdr_file", metavar="CDR_FILE", help="an OCPI 2.2.1 CDR object as JSON; - reads stdin")
    parser.add_argument(
        "--time-zone",
        metavar="ZONE",
        help="IANA zone of the site for the tariff's local-time restrictions (overrides cdr_location.time_zone)",
    )


def run(args: argparse.Namespace, settings: Settings) -> None:
    """Bad JSON or a CDR that cannot be rated raise CdrError, which the CLI reports as one line with exit 2."""
    from pipelines.rating.cdr import cdr_from_json, cdr_to_json, rate_cdr

    data = sys.stdin.buffer.read() if args.cdr_file == "-" else Path(args.cdr_file).read_bytes()
    rated = rate_cdr(cdr_from_json(data), time_zone=args.time_zone)
    sys.stdout.buffer.write(cdr_to_json(rated) + b"\n")
    sys.stdout.flush()
