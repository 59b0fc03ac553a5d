"""Numbered ClickHouse DDL files applied once each, recorded with their checksums in schema_migrations."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from clickhouse_connect.driver.client import Client

MIGRATION_NAME = re.compile(r"^(\d{4,})_[A-Za-z0-9_\-]+\.sql$")
STATEMENT_SEPARATOR = re.compile(r";[ \t]*(?:--[^\n]*)?$", re.M)
DATABASE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class MigrationError(RuntimeError):
    """Migrations cannot be applied as they stand; the message names every file at fault."""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file: its name, its text and the checksum recorded once applied."""

    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self, database: str) -> list[str]:
        """The file's statements, split on lines ending in `;`, with {database} filled in."""
        text = self.sql.replace("{database}", database)
        return [part.strip() for part in STATEMENT_SEPARATOR.split(text) if _has_sql(part)]


def _has_sql(part: str) -> bool:
    lines = (line.strip() for line in part.splitlines())
    return any(line and not line.startswith("--") for line in lines)


def load_migrations(directory: Path) -> list[Migration]:
    """The directory's migration files in numeric order; bad names and duplicate numbers are all reported."""
    if not directory.is_dir():
        raise MigrationError(f"migration directory {directory} does not exist")
    files = sorted(path for path in directory.iterdir() if path.suffix == ".sql")
    problems = [
        f"{path.name}: name must look like 0001_what_it_does.sql"
        for path in files
        if not MIGRATION_NAME.match(path.name)
    ]
    numbers: dict[int, str] = {}
    for path in files:
        match = MIGRATION_NAME.match(path.name)
        if match is None:
            continue
        number = int(match.group(1))
        if number in numbers:
            problems.append(f"{path.name}: number {number} already used by {numbers[number]}")
        numbers[number] = path.name
    if problems:
        raise MigrationError("invalid migration files in {}:\n  {}".format(directory, "\n  ".join(problems)))
    ordered = sorted(files, key=lambda path: int(MIGRATION_NAME.match(path.name).group(1)))  # type: ignore[union-attr]
    return [Migration(path.name, path.read_text(encoding="utf-8")) for path in ordered]


def ledger_ddl(database: str) -> list[str]:
    return [
        f"CREATE DATABASE IF NOT EXISTS `{database}`",
        f"CREATE TABLE IF NOT EXISTS `{database}`.schema_migrations "
        "(name String, checksum String, applied_at DateTime64(3, 'UTC')) "
        "ENGINE = ReplacingMergeTree(applied_at) ORDER BY name",
    ]


def applied_checksums(client: Client, database: str) -> dict[str, str]:
    """Name -> checksum of every migration recorded as applied (the first record of a name wins)."""
    result = client.query(
        f"SELECT name, argMin(checksum, applied_at) FROM `{database}`.schema_migrations GROUP BY name"
    )
    return {name: checksum for name, checksum in result.result_rows}


def changed_migrations(migrations: list[Migration], applied: dict[str, str]) -> list[str]:
    return [
        f"{migration.name}: applied with checksum {applied[migration.name][:12]}, "
        f"file now has {migration.checksum[:12]}"
        for migration in migrations
        if migration.name in applied and applied[migration.name] != migration.checksum
    ]


def apply_migrations(client: Client, directory: Path, database: str, *, cluster: str | None = None) -> list[str]:
    """Apply the files not applied yet, in order; returns their names. Changed applied files are refused.

    With `cluster`, every statement is rendered for that ClickHouse cluster (pipelines/warehouse/cluster.py).
    """
    if not DATABASE_NAME.match(database):
        raise MigrationError(f"database name {database!r} must be a plain identifier")
    migrations = load_migrations(directory)
    ledger, rendered = ledger_ddl(database), {m.name: m.statements(database) for m in migrations}
    if cluster:
        from pipelines.warehouse.cluster import render_ledger, render_migrations, server_formatter

        formatted = server_formatter(client)
        ledger = render_ledger(ledger, database, cluster, formatted)
        rendered = render_migrations(migrations, database, cluster, formatted)
    for statement in ledger:
        client.command(statement)
    applied = applied_checksums(client, database)
    changed = changed_migrations(migrations, applied)
    if changed:
        raise MigrationError(
            "applied migrations were edited since (add a new numbered file instead):\n  " + "\n  ".join(changed)
        )
    newly_applied = []
    for migration in migrations:
        if migration.name in applied:
            continue
        _apply(client, migration, rendered[migration.name], database)
        newly_applied.append(migration.name)
    return newly_applied


def _apply(client: Client, migration: Migration, statements: list[str], database: str) -> None:
    for number, statement in enumerate(statements, start=1):
        try:
            client.command(statement)
        except Exception as error:
            raise MigrationError(f"{migration.name}, statement {number} failed: {error}") from error
    client.insert(
        "schema_migrations",
        [(migration.name, migration.checksum, datetime.now(UTC))],
        column_names=["name", "checksum", "applied_at"],
        database=database,
    )
