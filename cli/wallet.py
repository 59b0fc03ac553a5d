"""`chargeledger wallet topup|balance`: top up a prepaid wallet by a gateway token, or show balances."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from pipelines.config import Settings
from pipelines.errors import UserError

HELP = "top up a prepaid wallet by a payment gateway token (topup), or print wallet balances (balance)"


class WalletError(UserError):
    """The wallet command cannot run as given; the message says why."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["topup", "balance"])
    parser.add_argument("--tenant", required=True, metavar="ID")
    parser.add_argument("--account", metavar="ID", help="the account (balance: all accounts of the tenant if left out)")
    parser.add_argument("--amount", metavar="X", help="topup: amount to charge and credit")
    parser.add_argument("--currency", default="EUR", help="topup: the wallet's currency (default EUR)")
    parser.add_argument("--token", metavar="TOKEN", help="topup: the payment gateway's token, never a card number")


def run(args: argparse.Namespace, settings: Settings) -> None:
    if args.action == "balance":
        _balance(args, settings)
        return
    from pipelines.payments.cards import card_numbers_in
    from pipelines.payments.commands import publish, topup_request

    problems = []
    if not args.account:
        problems.append("topup needs --account")
    if not args.token:
        problems.append("topup needs --token")
    elif card_numbers_in(args.token):
        problems.append("--token looks like a card number: give the payment gateway's token instead")
    amount = _amount(args.amount, problems)
    if problems:
        raise WalletError("; ".join(problems))
    request = topup_request(args.tenant, args.account, amount, args.currency, args.token, "cli top-up",
                            datetime.now(UTC))  # fmt: skip
    asyncio.run(publish(settings, request))
    print(f"top-up {request.payment_id} of {amount} {args.currency} for {args.account} sent to the payment service")


def _balance(args: argparse.Namespace, settings: Settings) -> None:
    from pipelines.warehouse.client import connect

    database = settings.clickhouse_database
    where = "tenant_id = {tenant:String}" + (" AND account_id = {account:String}" if args.account else "")
    rows = (
        connect(settings)
        .query(
            f"SELECT account_id, currency, balance, entries FROM {database}.wallet_balances WHERE {where} "
            "ORDER BY account_id, currency",
            parameters={"tenant": args.tenant, "account": args.account or ""},
        )
        .result_rows
    )
    for account, currency, balance, entries in rows:
        print(f"{account}  {balance:.2f} {currency}  ({entries} entries)")
    if not rows:
        print("no wallet entries")


def _amount(text: str | None, problems: list[str]) -> Decimal:
    try:
        value = Decimal(text or "")
    except InvalidOperation:
        problems.append(f"topup needs --amount as a number, got {text!r}")
        return Decimal(0)
    if not value.is_finite() or value <= 0:
        problems.append(f"--amount must be positive, not {text}")
    return value
