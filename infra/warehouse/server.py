"""ClickHouse's HTTP interface on 127.0.0.1 over the chDB engine, so every client reaches it by URL."""

from __future__ import annotations

import base64
import binascii
import logging
import socket
import socketserver
import threading
import time
import uuid
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from infra.warehouse import engine as chdb_engine
from infra.warehouse.access import ACCESS_DENIED, ACCESS_STATEMENT, AUTHENTICATION_FAILED, AccessStore
from infra.warehouse.engine import Engine, EngineError, Outcome
from infra.warehouse.protocol import (
    GENERIC_ERROR_CODE,
    HttpQuery,
    ProtocolError,
    Statement,
    check_read_only,
    content_type,
    decode_body,
    encode_body,
    error_body,
    error_code,
    insert_target,
    is_select,
    output_format,
    parse_request,
    response_encoding,
    statement_of,
    summary_header,
)

log = logging.getLogger("warehouse.http")
OK_PATHS = ("/ping", "/replicas_status")
STREAM_SAFE_FORMATS = frozenset({"TabSeparated", "TSV", "CSV", "JSONEachRow", "Native", "RowBinary"})


class PortTakenError(RuntimeError):
    """The HTTP port is already bound by another program."""


class WarehouseServer(ThreadingHTTPServer):
    """A threaded HTTP server holding the engine its handlers use."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], warehouse: Engine | None = None) -> None:
        try:
            super().__init__(address, WarehouseHandler)
        except OSError as error:
            raise PortTakenError(
                f"cannot listen on {address[0]}:{address[1]}: {error.strerror or error} "
                f"(another warehouse or program uses the port; stop it or choose another --port)"
            ) from error
        self.warehouse = warehouse
        self.access: AccessStore | None = None  # users and row policies; None: everyone is the administrator

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for the host's FQDN, which can stall start-up; the address is enough.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class WarehouseHandler(BaseHTTPRequestHandler):
    """One HTTP exchange: parse, run on a chDB connection, reply with ClickHouse's headers."""

    protocol_version = "HTTP/1.1"
    server_version = "chargeledger-warehouse"
    server: WarehouseServer

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes; without NODELAY, Nagle + delayed ACK add 40 ms per reply.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.client_address[0], *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_HEAD(self) -> None:
        self._reply(HTTPStatus.OK, b"", {"Content-Type": "text/plain; charset=UTF-8"}, head_only=True)

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if parts.path in OK_PATHS or (parts.path == "/" and method == "GET" and "query" not in params):
            self._reply(HTTPStatus.OK, b"Ok.\n", {"Content-Type": "text/plain; charset=UTF-8"})
            return
        if parts.path != "/":
            self._reply(HTTPStatus.NOT_FOUND, b"There is no handle " + parts.path.encode() + b"\n", {})
            return
        query_id = params.get("query_id") or str(uuid.uuid4())
        try:
            body = decode_body(self._read_body(), self.headers.get("Content-Encoding"))
            request = parse_request(params, body, method=method)
            self._execute(request, query_id, *self._credentials(params))
        except (EngineError, ProtocolError) as error:
            self._reply_error(error.code, error.message, query_id)
        except Exception as error:  # a bug here must still answer as ClickHouse would, not drop the socket
            log.exception("unexpected failure serving query %s", query_id)
            self._reply_error(GENERIC_ERROR_CODE, f"Code: {GENERIC_ERROR_CODE}. DB::Exception: {error}", query_id)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():  # trailers, then the blank line
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _credentials(self, params: dict[str, str]) -> tuple[str | None, str]:
        """User and password as ClickHouse takes them: basic auth, X-ClickHouse-User/Key headers, URL parameters."""
        authorization = self.headers.get("Authorization") or ""
        if authorization.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return "", ""
            return user, password
        if self.headers.get("X-ClickHouse-User"):
            return self.headers["X-ClickHouse-User"], self.headers.get("X-ClickHouse-Key") or ""
        return params.get("user"), params.get("password") or ""

    def _execute(self, request: HttpQuery, query_id: str, user_name: str | None, password: str) -> None:
        statement = statement_of(request)
        if request.read_only:
            check_read_only(statement.sql)
        warehouse, access = self.server.warehouse, self.server.access
        assert warehouse is not None
        settings, session_id = request.settings, request.session_id
        user = access.authenticate(user_name, password) if access else None
        if access and user is None and not statement.is_insert_with_data and ACCESS_STATEMENT.match(statement.sql):
            access.execute(statement.sql)
            self._reply_outcome(Outcome(b""), "TabSeparated", query_id, None)
            return
        if access and user is not None:  # row policies as table filters, on a connection of its own (access.py)
            settings, session_id = access.restricted_settings(user, statement.sql, settings), None
        with warehouse.connection(
            database=request.database,
            settings=settings,
            session_id=session_id,
            session_timeout_s=request.session_timeout_s,
        ) as connection:
            if statement.is_insert_with_data:
                outcome = _insert(connection, statement)
                self._reply_outcome(outcome, "TabSeparated", query_id, None)
                return
            fmt = output_format(statement.sql, request.default_format)
            encoding = response_encoding(self.headers.get("Accept-Encoding")) if request.compress_response else None
            if _streamable(request, statement, fmt, encoding):
                self._reply_stream(connection, statement.sql, fmt, request, query_id)
                return
            outcome = chdb_engine.run(connection, statement.sql, fmt, request.bind_params)
            self._reply_outcome(outcome, fmt, query_id, encoding)

    def _headers(self, fmt: str, query_id: str) -> dict[str, str]:
        warehouse = self.server.warehouse
        return {
            "Content-Type": content_type(fmt),
            "X-ClickHouse-Server-Display-Name": "chargeledger-warehouse",
            "X-ClickHouse-Query-Id": query_id,
            "X-ClickHouse-Format": fmt,
            "X-ClickHouse-Timezone": warehouse.timezone if warehouse else "UTC",
        }

    def _reply_outcome(self, outcome: Outcome, fmt: str, query_id: str, encoding: str | None) -> None:
        headers = self._headers(fmt, query_id)
        headers["X-ClickHouse-Summary"] = summary_header(
            read_rows=outcome.read_rows,
            read_bytes=outcome.read_bytes,
            written_rows=outcome.written_rows,
            written_bytes=outcome.written_bytes,
            result_bytes=len(outcome.body),
            elapsed_s=outcome.elapsed_s,
        )
        body = encode_body(outcome.body, encoding)
        if encoding:
            headers["Content-Encoding"] = encoding
        self._reply(HTTPStatus.OK, body, headers)

    def _reply_stream(self, connection: object, sql: str, fmt: str, request: HttpQuery, query_id: str) -> None:
        """Chunked reply; the first block is fetched before the headers so early errors still get a 500."""
        started = time.perf_counter()
        blocks = chdb_engine.stream(connection, sql, fmt, request.bind_params)
        sent = 0
        try:
            first = next(blocks, b"")
            headers = self._headers(fmt, query_id)
            headers["Transfer-Encoding"] = "chunked"
            self._send_head(HTTPStatus.OK, headers)
            try:
                for block in _chain(first, blocks):
                    self.wfile.write(b"%x\r\n%b\r\n" % (len(block), block))
                    sent += len(block)
                self.wfile.write(b"0\r\n\r\n")
            except (
                EngineError
            ) as error:  # headers are gone: append the exception and cut the stream, as ClickHouse does
                self.wfile.write(b"%x\r\n%b\r\n" % (len(error.message) + 1, error.message.encode() + b"\n"))
                self.close_connection = True
        finally:
            blocks.close()
        log.debug("streamed %d bytes for %s in %.3f s", sent, query_id, time.perf_counter() - started)

    def _reply_error(self, code: int, message: str, query_id: str) -> None:
        warehouse = self.server.warehouse
        text = error_body(message, warehouse.version if warehouse else "unknown")
        log.info("query %s failed: %s", query_id, text.strip()[:300])
        headers = {
            "Content-Type": "text/plain; charset=UTF-8",
            "X-ClickHouse-Exception-Code": str(code or error_code(text)),
            "X-ClickHouse-Query-Id": query_id,
        }
        forbidden = (164, ACCESS_DENIED, AUTHENTICATION_FAILED)
        status = HTTPStatus.FORBIDDEN if code in forbidden else HTTPStatus.INTERNAL_SERVER_ERROR
        self._reply(status, text.encode(), headers)

    def _reply(self, status: HTTPStatus, body: bytes, headers: dict[str, str], *, head_only: bool = False) -> None:
        headers = {**headers, "Content-Length": str(len(body))}
        self._send_head(status, headers)
        if not head_only:
            self.wfile.write(body)

    def _send_head(self, status: HTTPStatus, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "Keep-Alive")
        self.send_header("Keep-Alive", "timeout=30")
        self.end_headers()


def _streamable(request: HttpQuery, statement: Statement, fmt: str, encoding: str | None) -> bool:
    return (
        not request.wait_end_of_query and encoding is None and fmt in STREAM_SAFE_FORMATS and is_select(statement.sql)
    )


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def _insert(connection: object, statement: Statement) -> Outcome:
    assert statement.insert_data is not None and statement.insert_format is not None
    return chdb_engine.insert(connection, insert_target(statement), statement.insert_format, statement.insert_data)


class Warehouse:
    """The running service: port bound first (no data dir touched if it is taken), then the engine opened."""

    def __init__(self, data_dir: Path, host: str, port: int) -> None:
        self.http = WarehouseServer((host, port))
        try:
            self.http.warehouse = Engine(data_dir.resolve())
            self.http.access = AccessStore(data_dir.resolve().parent / f"{data_dir.name}-access.json")
        except BaseException:
            self.http.server_close()
            raise
        self._stopping = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.http.server_address[:2]
        return str(host), int(port)

    def serve_forever(self) -> None:
        try:
            self.http.serve_forever(poll_interval=0.2)
        finally:
            self.close()

    def request_stop(self) -> None:
        """Safe from a signal handler: shutdown() must run off the serving thread."""
        if not self._stopping.is_set():
            self._stopping.set()
            threading.Thread(target=self.http.shutdown, name="warehouse-stop", daemon=True).start()

    def close(self) -> None:
        self.http.server_close()
        if self.http.warehouse is not None:
            self.http.warehouse.close()
            self.http.warehouse = None
