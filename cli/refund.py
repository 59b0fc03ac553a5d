"""`chargeledger refund`: ask for a refund of a rated session, or decide one waiting in the manual queue."""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from pipelines.config import Settings
from pipelines.errors import UserError

if TYPE_CHECKING:
    from clickhouse_connect.driver.client import Client

    from pipelines.refunds.models import RefundRequest

HELP = "refund a rated session (--session ID --amount X|--full --reason R), or --approve/--reject REFUND_ID"
REASONS = ("technical_fault", "interrupted", "overcharge", "goodwill")


class RefundError(UserError):
    """The refund cannot be asked for or decided as given; the message says why."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--session", metavar="ID", help="the rated session to refund")
    what.add_argument("--approve", metavar="REFUND_ID", help="approve a refund waiting for review")
    what.add_argument("--reject", metavar="REFUND_ID", help="reject a refund waiting for review")
    how_much = parser.add_mutually_exclusive_group()
    how_much.add_argument("--amount", metavar="X", help="amount incl. VAT in the session's currency")
    how_much.add_argument("--full", action="store_true", help="everything not yet refunded")
    parser.add_argument("--reason", choices=REASONS, help="why the driver gets money back (with --session)")
    parser.add_argument("--note", default="", help="recorded with an approval or rejection")
    parser.add_argument("--by", default=os.environ.get("USER") or "operator", help="recorded as who acted")


def run(args: argparse.Namespace, settings: Settings) -> None:
    from pipelines.refunds.commands import publish
    from pipelines.warehouse.client import connect

    _check(args)  # before reaching the warehouse: argument mistakes are reported at once
    client = connect(settings)
    request = _new(args, settings, client) if args.session else _decision(args, settings, client)
    asyncio.run(publish(settings, request))
    if args.session:
        amount = "the full remaining amount" if request.amount is None else f"{request.amount}"
        print(f"refund {request.refund_id} requested: {amount} of session {request.session_id}")
    else:
        print(f"refund {request.refund_id} {'approval' if args.approve else 'rejection'} sent")


def _new(args: argparse.Namespace, settings: Settings, client: Client) -> RefundRequest:
    from pipelines.refunds.commands import new_refund
    from pipelines.refunds.policy import amount_problems
    from pipelines.refunds.queries import refunded, session_facts

    amount = None if args.amount is None else Decimal(args.amount)
    database = settings.clickhouse_database
    found = session_facts(client, database, args.session)
    if found is None:
        raise RefundError(f"no rated session {args.session!r} in the warehouse")
    tenant, facts = found
    already = refunded(client, database, args.session)
    checked = amount if amount is not None else max(facts.charged - already, Decimal(0))
    problems = amount_problems(checked, facts, already)
    if problems:
        raise RefundError("; ".join(problems))
    return new_refund(tenant, args.session, facts, amount, args.reason, args.by, datetime.now(UTC))


def _decision(args: argparse.Namespace, settings: Settings, client: Client) -> RefundRequest:
    from pipelines.refunds.commands import decision
    from pipelines.refunds.models import PENDING_REVIEW
    from pipelines.refunds.queries import refund_of

    refund_id = args.approve or args.reject
    recorded = refund_of(client, settings.clickhouse_database, refund_id)
    if recorded is None:
        raise RefundError(f"no refund {refund_id!r} in the warehouse (yet)")
    if recorded.status != PENDING_REVIEW:
        raise RefundError(f"refund {refund_id} is {recorded.status}, not waiting for review")
    return decision(recorded.tenant_id, recorded.session_id, refund_id, approve=bool(args.approve), actor=args.by,
                    note=args.note, now=datetime.now(UTC))  # fmt: skip


def _check(args: argparse.Namespace) -> None:
    """Every problem with the arguments in one RefundError."""
    from pipelines.payments.cards import card_numbers_in

    problems = []
    if not args.session:
        if args.amount is not None or args.full or args.reason:
            problems.append("--approve/--reject take no --amount, --full or --reason")
    else:
        if not args.full and args.amount is None:
            problems.append("give --amount X or --full")
        if args.reason is None:
            problems.append(f"give --reason, one of {', '.join(REASONS)}")
    if card_numbers_in(f"{args.note} {args.by} {args.session or ''}"):
        problems.append("--note, --by and --session must not hold a card number")
    if args.amount is not None:
        try:
            value = Decimal(args.amount)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value <= 0:
            problems.append(f"--amount must be a positive amount, not {args.amount!r}")
    if problems:
        raise RefundError("; ".join(problems))
