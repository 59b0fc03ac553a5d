"""The chDB engine the warehouse owns: one data directory, a fresh connection per request or per session."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import time
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chdb

from infra.warehouse.protocol import SESSION_LOCKED_CODE, ProtocolError, error_code

log = logging.getLogger("warehouse.engine")
INSERT_CHUNK_BYTES = 4 * 1024 * 1024


class EngineError(Exception):
    """ClickHouse refused a query; message is its own "Code: N. DB::Exception: ..." text."""

    def __init__(self, message: str) -> None:
        start = message.find("Code: ")
        self.message = message[start:] if start >= 0 else message
        self.code = error_code(self.message)
        super().__init__(self.message)


class EngineOpenError(RuntimeError):
    """The chDB data directory could not be opened; the message says which and why."""


class DataDirLockedError(EngineOpenError):
    """Another process already owns the chDB data directory."""


def _refuse_if_locked(data_dir: Path) -> None:
    """ClickHouse flocks <data>/status while it runs; probe that lock so a second owner fails by name."""
    status = data_dir / "status"
    if not status.exists():
        return
    with status.open("rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = handle.read(200).decode(errors="replace").strip().replace("\n", ", ")
            raise DataDirLockedError(
                f"the chDB data directory {data_dir} is in use by another process ({owner}); only one warehouse "
                f"may own it: stop the other one or choose another --data-dir"
            ) from None
        fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Outcome:
    """The result of one statement: the reply bytes and the counters for X-ClickHouse-Summary."""

    body: bytes
    read_rows: int = 0
    read_bytes: int = 0
    written_rows: int = 0
    written_bytes: int = 0
    elapsed_s: float = 0.0


@dataclass
class _Session:
    connection: Any
    lock: threading.Lock
    timeout_s: float
    last_used: float


class Engine:
    """Opens the data directory once (taking its lock) and hands out connections to it."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        _refuse_if_locked(data_dir)
        try:
            self._owner = chdb.connect(str(data_dir))
        except Exception as error:
            raise EngineOpenError(f"cannot open the chDB data directory {data_dir}: {str(error).strip()}") from error
        self.version = self._scalar("SELECT version()")
        self.timezone = self._scalar("SELECT timezone()")
        self._sessions: dict[str, _Session] = {}
        self._sessions_lock = threading.Lock()
        self._closed = False

    def _scalar(self, sql: str) -> str:
        return bytes(self._owner.query(sql, "TabSeparated").bytes()).decode().strip()

    def close(self) -> None:
        """Close every connection, the owner last, so the data directory's lock is released."""
        if self._closed:
            return
        self._closed = True
        with self._sessions_lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            with contextlib.suppress(Exception):
                session.connection.close()
        self._owner.close()

    @contextlib.contextmanager
    def connection(
        self, *, database: str | None, settings: Mapping[str, str], session_id: str | None, session_timeout_s: float
    ) -> Iterator[Any]:
        """A connection with the request's database and settings applied; a session's lives on between calls."""
        if session_id is None:
            connection = chdb.connect(str(self.data_dir))
            try:
                _prepare(connection, database, settings)
                yield connection
            finally:
                connection.close()
            return
        session = self._session(session_id, session_timeout_s)
        if not session.lock.acquire(blocking=False):
            raise ProtocolError(
                SESSION_LOCKED_CODE,
                f"Code: 373. DB::Exception: Session {session_id} is locked by a concurrent client. (SESSION_IS_LOCKED)",
            )
        try:
            _prepare(session.connection, database, settings)
            yield session.connection
        finally:
            session.last_used = time.monotonic()
            session.lock.release()

    def _session(self, session_id: str, timeout_s: float) -> _Session:
        now = time.monotonic()
        with self._sessions_lock:
            self._expire_sessions(now)
            session = self._sessions.get(session_id)
            if session is None:
                session = _Session(chdb.connect(str(self.data_dir)), threading.Lock(), timeout_s, now)
                self._sessions[session_id] = session
            session.timeout_s = timeout_s
            return session

    def _expire_sessions(self, now: float) -> None:
        for session_id, session in list(self._sessions.items()):
            if now - session.last_used > session.timeout_s and not session.lock.locked():
                del self._sessions[session_id]
                with contextlib.suppress(Exception):
                    session.connection.close()


def _prepare(connection: Any, database: str | None, settings: Mapping[str, str]) -> None:
    for name, value in settings.items():
        _query(connection, f"SET {_identifier(name)} = {_quote(value)}", "TabSeparated")
    if database:
        _query(connection, f"USE {_backquote(database)}", "TabSeparated")


def run(connection: Any, sql: str, fmt: str, params: Mapping[str, str]) -> Outcome:
    """Run one statement; chDB picks the query's own FORMAT clause over fmt."""
    result = _query(connection, sql, fmt, params)
    return Outcome(
        body=bytes(result.bytes() or b""),
        read_rows=result.rows_read(),
        read_bytes=result.bytes_read(),
        written_rows=result.rows_written(),
        written_bytes=result.bytes_written(),
        elapsed_s=result.elapsed(),
    )


def stream(connection: Any, sql: str, fmt: str, params: Mapping[str, str]) -> Generator[bytes, None, None]:
    """The reply block by block, for large results; errors before the first block raise EngineError."""
    try:
        streaming = connection.send_query(sql, fmt, params=dict(params))
    except Exception as error:
        raise EngineError(str(error)) from error
    try:
        for chunk in streaming:
            data = chunk.bytes() if hasattr(chunk, "bytes") else bytes(chunk)
            if data:
                yield bytes(data)
    except Exception as error:
        raise EngineError(str(error)) from error
    finally:
        with contextlib.suppress(Exception):
            streaming.close()


def insert(connection: Any, target: str, fmt: str, data: bytes) -> Outcome:
    """Stream an INSERT's payload into chDB (no temporary file needed)."""
    started = time.perf_counter()
    try:
        inserter = connection.send_insert(target, fmt)
    except Exception as error:
        raise EngineError(str(error)) from error
    try:
        view = memoryview(data)
        for offset in range(0, len(view), INSERT_CHUNK_BYTES):
            inserter.append(view[offset : offset + INSERT_CHUNK_BYTES])
        result = inserter.finish()
    except Exception as error:
        with contextlib.suppress(Exception):
            inserter.cancel()  # a rejected payload must not leave the insert half open on the connection
        raise EngineError(str(error)) from error
    return Outcome(
        body=b"",
        written_rows=result.rows_written,
        written_bytes=result.bytes_written,
        elapsed_s=time.perf_counter() - started,
    )


def _query(connection: Any, sql: str, fmt: str, params: Mapping[str, str] | None = None) -> Any:
    try:
        return connection.query(sql, fmt, params=dict(params or {}))
    except Exception as error:
        raise EngineError(str(error)) from error


def _identifier(name: str) -> str:
    if not name.replace("_", "a").isalnum():
        raise ProtocolError(115, f"Code: 115. DB::Exception: Unknown setting {name!r}. (UNKNOWN_SETTING)")
    return name


def _quote(value: str) -> str:
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _backquote(name: str) -> str:
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"
