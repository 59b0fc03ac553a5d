"""Users, grants and row policies for the embedded warehouse, which chDB cannot enforce itself.

chDB is clickhouse-local: its only access storage is the read-only users.xml (CREATE USER fails with
ACCESS_STORAGE_FOR_INSERTION_NOT_FOUND), `EXECUTE AS` is disabled and every connection runs as `default`. So the
warehouse keeps the access entities itself: it accepts the subset of ClickHouse's access-management SQL that
`chargeledger warehouse users apply` sends to any ClickHouse (CREATE/ALTER/DROP USER with sha256 hashes,
GRANT SELECT ON db.*, CREATE/DROP ROW POLICY ... FOR SELECT USING ... TO user), stores it in a JSON file next to
the data directory, authenticates each HTTP request's user against it, and runs a named user's queries on a fresh
connection with its row policies as `additional_table_filters` and `readonly = 1`, so that neither the query's
own SETTINGS nor SET can lift the filters. `default` stays the unrestricted administrator. docs/warehouse.md
states what differs from a ClickHouse server.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from infra.warehouse.protocol import ProtocolError

ADMIN = "default"
AUTHENTICATION_FAILED, ACCESS_DENIED, SYNTAX_ERROR = 516, 497, 62
_NAME = r"(`[^`]+`|[A-Za-z_][A-Za-z0-9_\-]*)"
_QUOTED = r"'((?:[^'\\]|\\.)*)'"
_EXISTING = r"(?:IF\s+NOT\s+EXISTS\s+|OR\s+REPLACE\s+)?"
ACCESS_STATEMENT = re.compile(r"^\s*(?:(?:CREATE|ALTER|DROP)\s+(?:USER|ROW\s+POLICY|POLICY)|GRANT|REVOKE)\b", re.I)
_USER = re.compile(
    rf"^\s*(CREATE|ALTER)\s+USER\s+{_EXISTING}{_NAME}\s+IDENTIFIED\s+"
    rf"(?:WITH\s+(sha256_hash|sha256_password|plaintext_password)\s+)?BY\s+{_QUOTED}(?:\s+SALT\s+{_QUOTED})?\s*;?\s*$",
    re.I | re.S,
)
_DROP_USER = re.compile(rf"^\s*DROP\s+USER\s+(?:IF\s+EXISTS\s+)?{_NAME}\s*;?\s*$", re.I)
_GRANT = re.compile(rf"^\s*GRANT\s+SELECT\s+ON\s+{_NAME}\.\*\s+TO\s+{_NAME}\s*;?\s*$", re.I)
_POLICY = re.compile(
    rf"^\s*CREATE\s+(?:ROW\s+)?POLICY\s+{_EXISTING}{_NAME}\s+ON\s+{_NAME}\.{_NAME}\s+(?:AS\s+PERMISSIVE\s+)?"
    rf"(?:FOR\s+SELECT\s+)?USING\s+(.+?)\s+TO\s+({_NAME}(?:\s*,\s*{_NAME})*)\s*;?\s*$",
    re.I | re.S,
)
_DROP_POLICY = re.compile(
    rf"^\s*DROP\s+(?:ROW\s+)?POLICY\s+(?:IF\s+EXISTS\s+)?{_NAME}\s+ON\s+{_NAME}\.{_NAME}\s*;?\s*$", re.I
)
# Table functions that read other tables or the outside world around the per-table filters.
_BYPASS = re.compile(r"\b(merge|remote|remoteSecure|cluster|clusterAllReplicas|loop|view)\s*\(", re.I)


def _unquote(name: str) -> str:
    return name[1:-1] if name.startswith("`") else name


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def password_hash(password: str, salt: str) -> str:
    """ClickHouse's sha256_hash: hex SHA-256 of the password followed by the salt."""
    return hashlib.sha256((password + salt).encode()).hexdigest()


@dataclass
class User:
    name: str
    sha256_hex: str
    salt: str
    databases: list[str] = field(default_factory=list)  # GRANT SELECT ON db.*: recorded, see module docstring


@dataclass
class RowPolicy:
    name: str
    database: str
    table: str
    condition: str
    users: list[str]


class AccessStore:
    """The warehouse's users and row policies, persisted as JSON (written atomically) at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.users: dict[str, User] = {}
        self.policies: dict[tuple[str, str, str], RowPolicy] = {}
        if path.exists():
            document = json.loads(path.read_text(encoding="utf-8"))
            self.users = {u["name"]: User(**u) for u in document.get("users", [])}
            self.policies = {
                (p["name"], p["database"], p["table"]): RowPolicy(**p) for p in document.get("policies", [])
            }

    def _save(self) -> None:
        document = {
            "users": [asdict(u) for u in self.users.values()],
            "policies": [asdict(p) for p in self.policies.values()],
        }
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(document, indent=1), encoding="utf-8")
        os.chmod(temporary, 0o600)  # password hashes
        temporary.replace(self.path)

    def execute(self, sql: str) -> None:
        """Apply one access-management statement of the supported subset; anything else is a clear error."""
        with self._lock:
            self._execute(sql)
            self._save()

    def _execute(self, sql: str) -> None:
        if match := _USER.match(sql):
            self._set_user(match)
        elif match := _DROP_USER.match(sql):
            self.users.pop(_unquote(match.group(1)), None)
        elif match := _GRANT.match(sql):
            user = self._user(_unquote(match.group(2)))
            user.databases = sorted({*user.databases, _unquote(match.group(1))})
        elif match := _POLICY.match(sql):
            name, database, table = (_unquote(match.group(i)) for i in (1, 2, 3))
            users = [_unquote(part.strip()) for part in match.group(5).split(",")]
            for user_name in users:
                self._user(user_name)
            if (name, database, table) in self.policies and re.search(r"IF\s+NOT\s+EXISTS", match.group(0), re.I):
                return
            self.policies[(name, database, table)] = RowPolicy(name, database, table, match.group(4).strip(), users)
        elif match := _DROP_POLICY.match(sql):
            self.policies.pop(tuple(_unquote(match.group(i)) for i in (1, 2, 3)), None)  # type: ignore[arg-type]
        else:
            raise ProtocolError(
                SYNTAX_ERROR,
                f"Code: {SYNTAX_ERROR}. DB::Exception: the embedded warehouse supports CREATE/ALTER/DROP USER ... "
                "IDENTIFIED WITH sha256_hash BY '...' SALT '...', GRANT SELECT ON db.* TO user and CREATE/DROP ROW "
                "POLICY ... ON db.table FOR SELECT USING ... TO user; not this statement. (SYNTAX_ERROR)",
            )

    def _set_user(self, match: re.Match[str]) -> None:
        verb, name, method, secret, salt = (
            match.group(1).upper(),
            _unquote(match.group(2)),
            match.group(3),
            *match.groups()[3:],
        )
        if name == ADMIN:
            raise _denied("the embedded warehouse's default user is its administrator and has no password")
        if (method or "").lower() == "sha256_hash":
            digest, salt = secret.lower(), _unescape(salt or "")
        else:
            salt = secrets.token_hex(16)
            digest = password_hash(_unescape(secret), salt)
        existing = self.users.get(name)
        if verb == "ALTER" and existing is None:
            raise ProtocolError(192, f"Code: 192. DB::Exception: There is no user `{name}`. (UNKNOWN_USER)")
        if existing is not None and verb == "CREATE" and not re.search(r"OR\s+REPLACE", match.group(0), re.I):
            return  # CREATE USER IF NOT EXISTS (or plain CREATE of an existing user) keeps the user as it is
        self.users[name] = User(name, digest, salt, existing.databases if existing else [])

    def _user(self, name: str) -> User:
        user = self.users.get(name)
        if user is None:
            raise ProtocolError(
                511, f"Code: 511. DB::Exception: There is no role `{name}` in `user directories`. (UNKNOWN_ROLE)"
            )
        return user

    def authenticate(self, name: str | None, password: str) -> User | None:
        """The named user, or None for the administrator; a wrong name or password raises AUTHENTICATION_FAILED."""
        if not name or name == ADMIN:
            return None
        user = self.users.get(name)
        if user is None or not hmac.compare_digest(password_hash(password, user.salt), user.sha256_hex):
            raise ProtocolError(
                AUTHENTICATION_FAILED,
                f"Code: {AUTHENTICATION_FAILED}. DB::Exception: {name}: Authentication failed: password is incorrect, "
                "or there is no user with such name. (AUTHENTICATION_FAILED)",
            )
        return user

    def restricted_settings(self, user: User, sql: str, settings: Mapping[str, str]) -> dict[str, str]:
        """The request's settings plus the user's row policies as table filters, then readonly = 1 (last)."""
        if ACCESS_STATEMENT.match(sql):
            raise _denied(f"{user.name}: only the administrator manages users and row policies")
        if _BYPASS.search(sql):
            raise _denied(f"{user.name}: table functions that read other tables are not allowed for row-policy users")
        filters: dict[str, list[str]] = {}
        for policy in self.policies.values():
            if user.name in policy.users:
                filters.setdefault(f"{policy.database}.{policy.table}", []).append(f"({policy.condition})")
        kept = {k: v for k, v in settings.items() if k not in ("additional_table_filters", "readonly")}
        literal = ", ".join(
            f"{_quote(table)}: {_quote(' OR '.join(conditions))}" for table, conditions in filters.items()
        )
        return {**kept, "additional_table_filters": "{" + literal + "}", "readonly": "1"}


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _denied(reason: str) -> ProtocolError:
    return ProtocolError(ACCESS_DENIED, f"Code: {ACCESS_DENIED}. DB::Exception: {reason}. (ACCESS_DENIED)")
