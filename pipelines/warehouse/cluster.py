"""The migrations rendered for a ClickHouse cluster: Replicated*MergeTree tables `<name>_local` ON CLUSTER, and
a Distributed table under each original name, so the sink, the views and analysts' queries stay unchanged.

Statements are rendered from ClickHouse's own single-line formatting (`formatQuerySingleLine`, run by the
server the migrations go to), so comments and layout never reach the patterns below. The renderer knows no
table names: it learns them from the CREATE TABLE statements it has seen, which is why all migrations are
rendered in order even when only the newest are applied.

Sharding keeps what must meet on one shard together: a ReplacingMergeTree only replaces rows of the same key
on the same shard, and the *_current views join sessions with their line items shard-locally
(distributed_product_mode = 'local'). The key is cityHash64 of session_id when it is part of the table's
ORDER BY, else of charge_point_id (an event's session lives on one charge point), else of the key's first
other id column (the table's stable id), see `sharding_key`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pipelines.warehouse.migrate import Migration, MigrationError

NAME = r"(?:`[^`]+`|[A-Za-z_][\w]*)"
QUALIFIED = rf"{NAME}(?:\.{NAME})?"
CREATE_TABLE = re.compile(rf"^CREATE TABLE (IF NOT EXISTS )?({QUALIFIED}) (\(.*)$", re.S)
ENGINE = re.compile(r" ENGINE = (Replicated)?(\w*MergeTree)(?:\(([^()]*(?:\([^()]*\)[^()]*)*)\))?")
ORDER_BY = re.compile(r" ORDER BY (\((?:[^()]|\([^()]*\))*\)|[\w`]+)")
VIEW = re.compile(rf"^(CREATE (?:OR REPLACE )?VIEW (?:IF NOT EXISTS )?)({QUALIFIED})( AS .*)$", re.S)
MATERIALIZED = re.compile(rf"^(CREATE MATERIALIZED VIEW (?:IF NOT EXISTS )?)({QUALIFIED})(.*?)( AS SELECT .*)$", re.S)
TO_TABLE = re.compile(rf"^ TO ({QUALIFIED})")
ALTER = re.compile(rf"^ALTER TABLE ({QUALIFIED}) (.*)$", re.S)
COLUMN_COMMANDS = re.compile(r"^\(?(ADD|DROP|MODIFY|RENAME|COMMENT|CLEAR) COLUMN ")
DROP = re.compile(rf"^DROP (TABLE|VIEW|DICTIONARY) (IF EXISTS )?({QUALIFIED})(.*)$", re.S)
ROW_POLICY = re.compile(
    rf"^(CREATE (?:ROW )?POLICY (?:IF NOT EXISTS |OR REPLACE )?)({NAME}) ON ({QUALIFIED})(.*)$", re.S
)
ACCESS = re.compile(
    rf"^((?:CREATE|ALTER|DROP) (?:USER|ROLE|QUOTA|SETTINGS PROFILE) (?:IF NOT EXISTS |IF EXISTS |OR REPLACE )?)"
    rf"({NAME})(.*)$",
    re.S,
)
GRANT = re.compile(r"^(GRANT|REVOKE) (.*)$", re.S)
DATABASE = re.compile(rf"^(CREATE DATABASE (?:IF NOT EXISTS )?)({NAME})(.*)$", re.S)
PER_SHARD = re.compile(rf"^(OPTIMIZE TABLE|TRUNCATE TABLE(?: IF EXISTS)?) ({QUALIFIED})(.*)$", re.S)


class ClusterRenderError(MigrationError):
    """A statement the cluster renderer does not know how to place; the message quotes it."""


@dataclass
class ClusterRenderer:
    """Renders one database's statements for `cluster`, remembering which tables became local + Distributed."""

    cluster: str
    database: str
    sharded: set[str] = field(default_factory=set)  # original names (database.table) now Distributed
    everywhere: bool = False  # ledger tables: every replica of every shard holds every row, no Distributed

    @property
    def on(self) -> str:
        return f" ON CLUSTER {self.cluster}"

    def render(self, statement: str) -> list[str]:
        """The cluster statements for one single-line formatted statement."""
        for pattern, handler in self._handlers():
            match = pattern.match(statement)
            if match:
                return handler(match)
        if statement.startswith("INSERT INTO "):
            return [statement]  # through the Distributed table, like the sink's inserts
        raise ClusterRenderError(f"no cluster rendering for: {statement[:200]}")

    def _handlers(self) -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], list[str]]]]:
        return [
            (CREATE_TABLE, self._table),
            (VIEW, lambda m: [f"{m[1]}{m[2]}{self.on}{self._local_joins(m[3])}"]),
            (MATERIALIZED, self._materialized),
            (ALTER, self._alter),
            (DROP, self._drop),
            (ROW_POLICY, self._row_policy),
            (ACCESS, lambda m: [f"{m[1]}{m[2]}{self.on}{m[3]}"]),
            (GRANT, lambda m: [f"{m[1]}{self.on} {m[2]}"]),
            (DATABASE, lambda m: [f"{m[1]}{m[2]}{self.on}{m[3]}"]),
            (PER_SHARD, lambda m: [f"{m[1]} {self._local(m[2])}{self.on}{m[3]}"]),
        ]

    def _table(self, match: re.Match[str]) -> list[str]:
        if_not_exists, name, rest = match[1] or "", match[2], match[3]
        engine = ENGINE.search(rest)
        if engine is None:  # Memory, Log, Null ...: one copy per node
            return [f"CREATE TABLE {if_not_exists}{name}{self.on} {rest}"]
        local = name if self.everywhere else self._local_name(name)
        rest = rest[: engine.start()] + self._replicated(engine, local) + rest[engine.end() :]
        created = f"CREATE TABLE {if_not_exists}{local}{self.on} {rest}"
        if self.everywhere:
            return [created]
        self.sharded.add(name)
        database, table = self._split(local)
        key = sharding_key(rest)
        distributed = (
            f"CREATE TABLE {if_not_exists}{name}{self.on} AS {local} "
            f"ENGINE = Distributed({self.cluster}, {database}, {table}, {key})"
        )
        return [created, distributed]

    def _replicated(self, engine: re.Match[str], local: str) -> str:
        if engine[1]:  # already Replicated: the author chose its path
            return engine[0]
        database, table = self._split(local)
        shard = "" if self.everywhere else "{shard}/"
        args = [f"'/clickhouse/tables/{shard}{database}/{table}'", "'{replica}'"]
        if engine[3]:
            args.append(engine[3])
        return f" ENGINE = Replicated{engine[2]}({', '.join(args)})"

    def _materialized(self, match: re.Match[str]) -> list[str]:
        head, name, middle, select = match[1], match[2], match[3], self._locals_in(match[4])
        target = TO_TABLE.match(middle)
        if target:  # inserts arrive on each shard's local tables: the view reads and writes those
            middle = f" TO {self._local(target[1])}{middle[target.end() :]}"
            return [f"{head}{name}{self.on}{middle}{select}"]
        engine = ENGINE.search(middle)
        if engine is None:
            return [f"{head}{name}{self.on}{middle}{select}"]
        local = self._local_name(name)
        middle = middle[: engine.start()] + self._replicated(engine, local) + middle[engine.end() :]
        self.sharded.add(name)
        database, table = self._split(local)
        return [
            f"{head}{local}{self.on}{middle}{select}",
            f"CREATE TABLE IF NOT EXISTS {name}{self.on} AS {local} "
            f"ENGINE = Distributed({self.cluster}, {database}, {table}, {sharding_key(middle)})",
        ]

    def _alter(self, match: re.Match[str]) -> list[str]:
        name, commands = match[1], match[2]
        if name not in self.sharded:
            return [f"ALTER TABLE {name}{self.on} {commands}"]
        statements = [f"ALTER TABLE {self._local_name(name)}{self.on} {commands}"]
        if all(COLUMN_COMMANDS.match(part.strip()) for part in split_commands(commands)):
            statements.append(f"ALTER TABLE {name}{self.on} {commands}")  # a Distributed table has its own columns
        return statements

    def _drop(self, match: re.Match[str]) -> list[str]:
        kind, if_exists, name, rest = match[1], match[2] or "", match[3], match[4]
        statements = [f"DROP {kind} {if_exists}{name}{self.on}{rest}"]
        if name in self.sharded:
            self.sharded.discard(name)
            statements.append(f"DROP {kind} {if_exists}{self._local_name(name)}{self.on}{rest}")
        return statements

    def _row_policy(self, match: re.Match[str]) -> list[str]:
        head, policy, table, rest = match[1], match[2], match[3], match[4]
        statements = [f"{head}{policy}{self.on} ON {table}{rest}"]
        if table in self.sharded:  # shards read their local table: the policy must hold there too
            statements.append(f"{head}{policy}{self.on} ON {self._local_name(table)}{rest}")
        return statements

    def _local_joins(self, select: str) -> str:
        """Views read the Distributed tables; a JOIN or IN over two of them is done shard-locally."""
        if re.search(r" JOIN | IN \(", select) and " SETTINGS " not in select:
            return f"{select} SETTINGS distributed_product_mode = 'local'"
        return select

    def _locals_in(self, select: str) -> str:
        for name in sorted(self.sharded, key=len, reverse=True):
            select = re.sub(rf"(?<![\w.`]){re.escape(name)}(?![\w`])", self._local_name(name), select)
        return select

    def _local(self, name: str) -> str:
        return self._local_name(name) if name in self.sharded else name

    def _local_name(self, name: str) -> str:
        database, table = self._split(name)
        return f"{database}.{table.strip('`')}_local"

    def _split(self, name: str) -> tuple[str, str]:
        database, _, table = name.rpartition(".")
        return database or self.database, table


def sharding_key(table_rest: str) -> str:
    """cityHash64 of the ORDER BY key's session_id, else charge_point_id, else its first other id column but
    tenant_id, else its last column; always part of the key, so rows that replace each other meet on one shard."""
    order = ORDER_BY.search(table_rest)
    if order is None:
        return "rand()"  # no key to keep together
    key = order[1][1:-1] if order[1].startswith("(") else order[1]
    columns = [column.strip("` ") for column in split_commands(key)]
    ids = [column for column in columns if column.endswith("_id") and column != "tenant_id"]
    for preferred in ("session_id", "charge_point_id"):
        if preferred in columns:
            return f"cityHash64({preferred})"
    return f"cityHash64({(ids or columns[-1:])[0]})"


def split_commands(commands: str) -> list[str]:
    """`(ADD COLUMN a ...), (ADD COLUMN b ...)` -> one string per command, at top-level commas."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(commands):
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and char == "," and depth == 0:
            parts.append(commands[start:index])
            start = index + 1
    parts.append(commands[start:])
    return [part.strip() for part in parts if part.strip()]


def render_migrations(
    migrations: Iterable[Migration], database: str, cluster: str, formatted: Callable[[str], str]
) -> dict[str, list[str]]:
    """Migration name -> its cluster statements; `formatted` is ClickHouse's formatQuerySingleLine."""
    renderer = ClusterRenderer(cluster, database)
    rendered: dict[str, list[str]] = {}
    for migration in migrations:
        statements: list[str] = []
        for number, statement in enumerate(migration.statements(database), start=1):
            try:
                statements += renderer.render(formatted(statement))
            except ClusterRenderError as error:
                raise ClusterRenderError(f"{migration.name}, statement {number}: {error}") from error
        rendered[migration.name] = statements
    return rendered


def render_ledger(statements: Iterable[str], database: str, cluster: str, formatted: Callable[[str], str]) -> list[str]:
    """The migration ledger on every node: replicated across the whole cluster, not sharded."""
    renderer = ClusterRenderer(cluster, database, everywhere=True)
    return [rendered for statement in statements for rendered in renderer.render(formatted(statement))]


def server_formatter(client: object) -> Callable[[str], str]:
    """ClickHouse's formatQuerySingleLine, run by the server the migrations go to (clickhouse-connect client)."""

    def formatted(statement: str) -> str:
        return str(client.query("SELECT formatQuerySingleLine(%(s)s)", parameters={"s": statement}).result_rows[0][0])  # type: ignore[attr-defined]

    return formatted
