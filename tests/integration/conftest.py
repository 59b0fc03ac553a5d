"""Shared fixtures for integration tests: the real embedded broker and warehouse, started once per session."""

from collections.abc import Iterator

import pytest

from infra.broker import running_broker


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap "127.0.0.1:PORT" of a fresh embedded Tansu broker on a free port, stopped after the session."""
    log_path = tmp_path_factory.mktemp("broker") / "broker.log"
    with running_broker(None, log_path) as started:
        yield started.bootstrap
