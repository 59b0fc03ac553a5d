"""`chargeledger topics apply`: create the pipeline's topics where missing and check the ones that exist."""

from __future__ import annotations

import argparse

from pipelines.config import Settings

HELP = "create the pipeline's topics where missing; report (never change) existing ones that differ from their specs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["apply"])


def run(args: argparse.Namespace, settings: Settings) -> None:
    """Prints the report; differences raise TopicMismatchError (one line per difference, exit 2)."""
    from pipelines.streaming.provision import TopicMismatchError, apply_topics

    report = apply_topics(settings)
    print(report.render())
    if report.mismatches:
        raise TopicMismatchError(
            f"{len(report.mismatches)} difference(s) left unchanged; fix them on the cluster or in the settings:\n  "
            + "\n  ".join(report.mismatches)
        )
