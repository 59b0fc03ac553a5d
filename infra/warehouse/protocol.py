"""ClickHouse HTTP interface semantics as pure functions: URL params, statements, errors, compression."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

try:
    import lz4.frame as lz4_frame
except ImportError:  # pragma: no cover - lz4 ships with clickhouse-connect here
    lz4_frame = None  # type: ignore[assignment]
try:
    from backports import zstd
except ImportError:  # pragma: no cover
    zstd = None  # type: ignore[assignment]

DEFAULT_FORMAT = "TabSeparated"
GENERIC_ERROR_CODE = 1001  # STD_EXCEPTION
READONLY_ERROR_CODE = 164  # READONLY
SESSION_LOCKED_CODE = 373  # SESSION_IS_LOCKED
UNKNOWN_ENCODING_CODE = 1001

# URL parameters the HTTP layer consumes itself; everything else (but param_*) is a query setting.
TRANSPORT_PARAMS = frozenset(
    {
        "query",
        "database",
        "default_format",
        "query_id",
        "session_id",
        "session_timeout",
        "session_check",
        "compress",
        "decompress",
        "buffer_size",
        "wait_end_of_query",
        "client_protocol_version",
        "enable_http_compression",
        "http_zlib_compression_level",
        "send_progress_in_http_headers",
        "http_headers_progress_interval_ms",
        "cancel_http_readonly_queries_on_client_close",
        "http_native_compression_disable_checksumming_on_decompress",
        "user",
        "password",
        "quota_key",
        "role",
        "add_http_cors_header",
    }
)
READ_ONLY_KEYWORDS = ("SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXISTS", "EXPLAIN", "CHECK")
_LEADING_COMMENTS = re.compile(rb"^(?:\s+|--[^\n]*\n?|/\*.*?\*/)*", re.S)
_FIRST_WORD = re.compile(rb"[A-Za-z]+")
_INSERT_WITH_FORMAT = re.compile(rb"^INSERT\b.*?\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)[ \t]*(?:\r?\n)?", re.S | re.I)
_TRAILING_FORMAT = re.compile(r"\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*(?:SETTINGS\b.*)?$", re.S | re.I)
_ERROR_CODE = re.compile(r"Code:\s*(\d+)")
_ERROR_NAME = re.compile(r"\(([A-Z][A-Z0-9_]+)\)")

CONTENT_TYPES = {
    "TabSeparated": "text/tab-separated-values; charset=UTF-8",
    "TSV": "text/tab-separated-values; charset=UTF-8",
    "TabSeparatedWithNames": "text/tab-separated-values; charset=UTF-8",
    "CSV": "text/csv; charset=UTF-8; header=absent",
    "CSVWithNames": "text/csv; charset=UTF-8; header=present",
    "JSON": "application/json; charset=UTF-8",
    "JSONCompact": "application/json; charset=UTF-8",
    "JSONEachRow": "application/x-ndjson; charset=UTF-8",
}
BINARY_FORMATS = frozenset({"Native", "RowBinary", "RowBinaryWithNamesAndTypes", "Arrow", "ArrowStream", "Parquet"})


class ProtocolError(Exception):
    """A request the warehouse refuses, with the ClickHouse error code the reply carries."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class HttpQuery:
    """One request, as the ClickHouse HTTP interface understands it."""

    url_query: str
    body: bytes
    database: str | None = None
    default_format: str = DEFAULT_FORMAT
    query_id: str | None = None
    session_id: str | None = None
    session_timeout_s: float = 60.0
    read_only: bool = False
    wait_end_of_query: bool = False
    compress_response: bool = False
    settings: Mapping[str, str] = field(default_factory=dict)
    bind_params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Statement:
    """What to run: a whole SQL text, or an INSERT whose data arrives as a separate payload."""

    sql: str
    insert_data: bytes | None = None
    insert_format: str | None = None

    @property
    def is_insert_with_data(self) -> bool:
        return self.insert_data is not None


def parse_request(params: Mapping[str, str], body: bytes, *, method: str) -> HttpQuery:
    """Split URL parameters into transport options, settings and bind parameters."""
    settings = {k: v for k, v in params.items() if k not in TRANSPORT_PARAMS and not k.startswith("param_")}
    readonly = settings.pop("readonly", "0") not in ("0", "")
    return HttpQuery(
        url_query=params.get("query", ""),
        body=body,
        database=params.get("database") or None,
        default_format=params.get("default_format") or DEFAULT_FORMAT,
        query_id=params.get("query_id") or None,
        session_id=params.get("session_id") or None,
        session_timeout_s=_float_or(params.get("session_timeout"), 60.0),
        read_only=readonly or method == "GET",
        wait_end_of_query=params.get("wait_end_of_query") == "1",
        compress_response=params.get("enable_http_compression") == "1",
        settings=settings,
        bind_params={k[len("param_") :]: v for k, v in params.items() if k.startswith("param_")},
    )


def _float_or(text: str | None, default: float) -> float:
    try:
        return float(text) if text else default
    except ValueError:
        return default


def statement_of(request: HttpQuery) -> Statement:
    """The SQL to run; the URL query and the body concatenate, an INSERT ... FORMAT keeps its data apart."""
    url_query = request.url_query.encode()
    if url_query.strip():
        if request.body and _is_insert_with_format(url_query):
            return Statement(request.url_query, request.body, _insert_format(url_query))
        text = url_query + (b"\n" + request.body if request.body else b"")
    else:
        text = request.body
    return _split_insert(text)


def _is_insert_with_format(text: bytes) -> bool:
    return _INSERT_WITH_FORMAT.match(_strip_comments(text)) is not None


def _insert_format(text: bytes) -> str:
    match = _INSERT_WITH_FORMAT.match(_strip_comments(text))
    assert match is not None
    return match.group(1).decode()


def _strip_comments(text: bytes) -> bytes:
    return text[_LEADING_COMMENTS.match(text).end() :]  # type: ignore[union-attr]


def _split_insert(text: bytes) -> Statement:
    head = _strip_comments(text)
    match = _INSERT_WITH_FORMAT.match(head)
    if match is None:
        return Statement(_decode_sql(text))
    data = head[match.end() :]
    if not data:
        return Statement(_decode_sql(text))
    return Statement(_decode_sql(head[: match.end()]).rstrip(), data, match.group(1).decode())


def _decode_sql(text: bytes) -> str:
    try:
        return text.decode()
    except UnicodeDecodeError as error:
        raise ProtocolError(GENERIC_ERROR_CODE, f"the query is not valid UTF-8: {error}") from error


def insert_target(statement: Statement) -> str:
    """The INSERT without its trailing FORMAT clause, as chDB's streaming inserter wants it."""
    match = re.search(r"\bFORMAT\s+[A-Za-z][A-Za-z0-9_]*\s*$", statement.sql, re.I)
    return statement.sql[: match.start()].rstrip() if match else statement.sql


def check_read_only(sql: str) -> None:
    """GET requests and readonly=1 may only read, as on a real server."""
    word = _FIRST_WORD.match(_strip_comments(sql.encode()))
    if word is None or word.group(0).decode().upper() not in READ_ONLY_KEYWORDS:
        raise ProtocolError(
            READONLY_ERROR_CODE,
            "Code: 164. DB::Exception: Cannot execute query in readonly mode. "
            "For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries. "
            "(READONLY)",
        )


def is_select(sql: str) -> bool:
    """Only SELECT-like queries can be streamed block by block by chDB."""
    word = _FIRST_WORD.match(_strip_comments(sql.encode()))
    return word is not None and word.group(0).decode().upper() in ("SELECT", "WITH")


def output_format(sql: str, default_format: str) -> str:
    """The format the reply is in: a FORMAT clause in the query wins over default_format."""
    match = _TRAILING_FORMAT.search(sql)
    return match.group(1) if match else default_format


def content_type(fmt: str) -> str:
    if fmt in CONTENT_TYPES:
        return CONTENT_TYPES[fmt]
    if fmt in BINARY_FORMATS:
        return "application/octet-stream"
    return "text/plain; charset=UTF-8"


def error_code(message: str) -> int:
    match = _ERROR_CODE.search(message)
    return int(match.group(1)) if match else GENERIC_ERROR_CODE


def error_body(message: str, version: str) -> str:
    """The reply body of a failed query: "Code: N. DB::Exception: ... (NAME) (version V)"."""
    start = message.find("Code: ")
    text = (message[start:] if start >= 0 else message).strip()
    if not text.startswith("Code: "):
        text = f"Code: {GENERIC_ERROR_CODE}. DB::Exception: {text}. (STD_EXCEPTION)"
    if "(version " not in text:
        text = f"{text} (version {version})"
    return text + "\n"


def summary_header(
    *,
    read_rows: int = 0,
    read_bytes: int = 0,
    written_rows: int = 0,
    written_bytes: int = 0,
    result_rows: int = 0,
    result_bytes: int = 0,
    elapsed_s: float = 0.0,
) -> str:
    """X-ClickHouse-Summary: counters as JSON strings, the way the server sends them."""
    values = {
        "read_rows": read_rows,
        "read_bytes": read_bytes,
        "written_rows": written_rows,
        "written_bytes": written_bytes,
        "total_rows_to_read": read_rows,
        "result_rows": result_rows,
        "result_bytes": result_bytes,
        "elapsed_ns": int(elapsed_s * 1_000_000_000),
    }
    return json.dumps({key: str(value) for key, value in values.items()}, separators=(",", ":"))


def _decompressors() -> dict[str, Callable[[bytes], bytes]]:
    codecs: dict[str, Callable[[bytes], bytes]] = {
        "gzip": gzip.decompress,
        "x-gzip": gzip.decompress,
        "deflate": zlib.decompress,
    }
    if lz4_frame is not None:
        codecs["lz4"] = _lz4_frames_decompress
    if zstd is not None:
        codecs["zstd"] = zstd.decompress
    return codecs


def _lz4_frames_decompress(data: bytes) -> bytes:
    """clickhouse-connect sends one LZ4 frame per block, concatenated; lz4.frame.decompress reads only one."""
    parts = []
    while data:
        decompressor = lz4_frame.LZ4FrameDecompressor()
        parts.append(decompressor.decompress(data))
        if not decompressor.eof:
            raise ValueError("truncated LZ4 frame")
        data = decompressor.unused_data
    return b"".join(parts)


def _compressors() -> dict[str, Callable[[bytes], bytes]]:
    codecs: dict[str, Callable[[bytes], bytes]] = {
        "gzip": lambda data: gzip.compress(data, compresslevel=1),
        "deflate": lambda data: zlib.compress(data, 1),
    }
    if lz4_frame is not None:
        codecs["lz4"] = lz4_frame.compress
    if zstd is not None:
        codecs["zstd"] = zstd.compress
    return codecs


DECOMPRESSORS = _decompressors()
COMPRESSORS = _compressors()


def decode_body(body: bytes, content_encoding: str | None) -> bytes:
    """The request body without its Content-Encoding; unknown encodings are refused by name."""
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("", "identity", "none"):
        return body
    if encoding not in DECOMPRESSORS:
        raise ProtocolError(
            UNKNOWN_ENCODING_CODE, f"Unknown Content-Encoding {encoding!r}; use one of {sorted(DECOMPRESSORS)}"
        )
    try:
        return DECOMPRESSORS[encoding](body)
    except Exception as error:
        raise ProtocolError(GENERIC_ERROR_CODE, f"cannot decompress the {encoding} request body: {error}") from error


def response_encoding(accept_encoding: str | None) -> str | None:
    """The first encoding the client accepts that we can produce, in the client's order."""
    for part in (accept_encoding or "").split(","):
        name = part.split(";")[0].strip().lower()
        if name in COMPRESSORS:
            return name
    return None


def encode_body(body: bytes, encoding: str | None) -> bytes:
    return COMPRESSORS[encoding](body) if encoding else body
