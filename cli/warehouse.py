"""`chargeledger warehouse users apply`: an analyst user per catalog tenant, row policies limiting it to its rows."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipelines.config import Settings

HELP = "warehouse administration: `users apply` creates each tenant's analyst user with its row policies"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("subject", choices=["users"])
    parser.add_argument("action", choices=["apply"])
    parser.add_argument("--catalog", required=True, type=Path, help="catalog YAML or JSON whose tenants get users")


def run(args: argparse.Namespace, settings: Settings) -> None:
    """Passwords come from CHARGELEDGER_ANALYST_PASSWORD_<TENANT>; a tenant without one is skipped and named."""
    from pipelines.catalog.load import load_catalog
    from pipelines.warehouse.client import connect
    from pipelines.warehouse.tenant_access import apply_tenant_users

    tenants = [tenant.tenant_id for tenant in load_catalog(args.catalog).tenants]
    client = connect(settings, database=settings.clickhouse_database)
    applied, skipped = apply_tenant_users(client, settings.clickhouse_database, tenants, os.environ)
    for account in applied:
        print(f"user {account.user}: tenant {account.tenant_id}, row policies on every tenant table")
    for account in skipped:
        print(f"user {account.user} skipped: set {account.password_variable} to create it")
