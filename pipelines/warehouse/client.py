"""The one way to reach ClickHouse: a clickhouse-connect HTTP client built from Settings."""

from __future__ import annotations

from urllib.parse import urlparse

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from pipelines.config import Settings
from pipelines.security import clickhouse_options


def connect(settings: Settings, *, database: str | None = None) -> Client:
    """A client for CLICKHOUSE_URL (http or https); `database` defaults to none so DDL can create it."""
    url = urlparse(settings.clickhouse_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ValueError(f"CLICKHOUSE_URL must be http(s)://host:port, got {settings.clickhouse_url!r}")
    return clickhouse_connect.get_client(
        host=url.hostname,
        port=url.port or (8443 if url.scheme == "https" else 8123),
        secure=url.scheme == "https",
        username=url.username or settings.clickhouse_user,
        password=url.password or settings.clickhouse_password.get_secret_value(),
        database=database or "",
        compress=False,
        autogenerate_session_id=False,
        **(clickhouse_options(settings.clickhouse_tls) if url.scheme == "https" else {}),
    )
