"""Shared fixtures for integration tests: the real embedded broker and warehouse, started once per session."""

import os
from collections.abc import Iterator

import pytest

from infra.broker import running_broker
from infra.warehouse.launch import running_warehouse


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap "127.0.0.1:PORT" of a fresh embedded Tansu broker on a free port, stopped after the session."""
    log_path = tmp_path_factory.mktemp("broker") / "broker.log"
    with running_broker(None, log_path) as started:
        yield started.bootstrap


@pytest.fixture(scope="session")
def warehouse_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (http://127.0.0.1:PORT) of a fresh embedded warehouse on a temp data dir, stopped after the session.

    CHARGELEDGER_TEST_CLICKHOUSE_URL points the tests at an external ClickHouse instead.
    """
    external = os.environ.get("CHARGELEDGER_TEST_CLICKHOUSE_URL")
    if external:
        yield external.rstrip("/")
        return
    base = tmp_path_factory.mktemp("warehouse")
    with running_warehouse(base / "data", base / "warehouse.log") as started:
        yield started.url
