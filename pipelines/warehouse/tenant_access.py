"""One ClickHouse analyst user per tenant, limited by row policies to the tenant's rows, from the catalog.

The statements are plain ClickHouse access-management SQL, the same for a ClickHouse server and for the embedded
warehouse (infra/warehouse/access.py): a user identified by a salted SHA-256 hash (the password never travels or
prints in clear), SELECT on the database, and on every table with a tenant_id column a row policy
`tenant_id = '<tenant>'` for that user. Passwords come from the environment, one variable per tenant.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from clickhouse_connect.driver.client import Client

from pipelines.errors import UserError

ENV_PREFIX = "CHARGELEDGER_ANALYST_PASSWORD_"


@dataclass(frozen=True)
class TenantUser:
    """A tenant's analyst account: its ClickHouse user name and the environment variable holding its password."""

    tenant_id: str
    user: str
    password_variable: str


def tenant_user(tenant_id: str) -> TenantUser:
    """analyst_<tenant> and CHARGELEDGER_ANALYST_PASSWORD_<TENANT>, non-alphanumerics as underscores."""
    plain = re.sub(r"[^A-Za-z0-9]", "_", tenant_id)
    return TenantUser(tenant_id, f"analyst_{plain.lower()}", ENV_PREFIX + plain.upper())


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _name(text: str) -> str:
    return "`" + text.replace("`", "``") + "`"


def user_statements(
    database: str, account: TenantUser, password: str, tables: Sequence[str], salt: Callable[[], str]
) -> list[str]:
    """Create or update the tenant's user (password by salted hash), its grant and one row policy per table."""
    fresh = salt()
    digest = hashlib.sha256((password + fresh).encode()).hexdigest()
    identified = f"IDENTIFIED WITH sha256_hash BY {_literal(digest)} SALT {_literal(fresh)}"
    user = _name(account.user)
    statements = [
        f"CREATE USER IF NOT EXISTS {user} {identified}",
        f"ALTER USER {user} {identified}",  # a changed password takes effect on the next run
        f"GRANT SELECT ON {_name(database)}.* TO {user}",
    ]
    policy = _name(f"tenant_{account.user}")
    statements += [
        f"CREATE ROW POLICY OR REPLACE {policy} ON {_name(database)}.{_name(table)} FOR SELECT "
        f"USING tenant_id = {_literal(account.tenant_id)} TO {user}"
        for table in tables
    ]
    return statements


def tenant_tables(client: Client, database: str) -> list[str]:
    """Tables (not views) of the database with a tenant_id column: the ones a row policy must cover."""
    result = client.query(
        "SELECT c.table FROM system.columns AS c INNER JOIN system.tables AS t "
        "ON c.database = t.database AND c.table = t.name "
        "WHERE c.database = {db:String} AND c.name = 'tenant_id' AND t.engine NOT IN ('View', 'MaterializedView') "
        "ORDER BY c.table",
        parameters={"db": database},
    )
    return [table for (table,) in result.result_rows]


def apply_tenant_users(
    client: Client,
    database: str,
    tenant_ids: Sequence[str],
    environment: Mapping[str, str],
    salt: Callable[[], str] = lambda: secrets.token_hex(16),
) -> tuple[list[TenantUser], list[TenantUser]]:
    """Create or update every tenant's user and policies; returns (applied, skipped: no password set)."""
    if not tenant_ids:
        raise UserError("the catalog has no tenants: nothing to create users for")
    tables = tenant_tables(client, database)
    if not tables:
        raise UserError(f"database {database!r} has no tables with tenant_id: run `chargeledger migrate` first")
    applied, skipped = [], []
    for tenant_id in tenant_ids:
        account = tenant_user(tenant_id)
        password = environment.get(account.password_variable)
        if not password:
            skipped.append(account)
            continue
        for statement in user_statements(database, account, password, tables, salt):
            client.command(statement)
        applied.append(account)
    return applied, skipped
