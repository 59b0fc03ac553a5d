"""The embedded Tansu broker starts, answers Kafka requests, stops without leftovers, and refuses a taken port."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from kafka.admin import KafkaAdminClient, NewTopic

from infra.broker import (
    PortInUseError,
    broker_command,
    free_port,
    port_is_free,
    running_broker,
    start_broker,
    wait_until_ready,
)
from infra.processes import is_alive, start_detached


def _proc_exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def test_broker_starts_answers_and_stops_leaving_no_process(tmp_path: Path) -> None:
    log_path = tmp_path / "logs" / "broker.log"
    with running_broker(None, log_path) as broker:
        assert is_alive(broker.pid)
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, client_id="test-broker")
        try:
            admin.create_topics([NewTopic("answer.check", 2, 1)])
            assert "answer.check" in admin.list_topics()
        finally:
            admin.close()
        pid, port = broker.pid, broker.port
    assert not _proc_exists(pid)
    assert port_is_free(port)
    assert "ready" in log_path.read_text()


def test_taken_port_gives_a_readable_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(PortInUseError, match=rf"127\.0\.0\.1:{port} is already in use"):
            start_broker(port, tmp_path / "broker.log")


def test_second_broker_on_same_port_is_refused(tmp_path: Path) -> None:
    with running_broker(None, tmp_path / "first.log") as first:
        with pytest.raises(PortInUseError):
            start_broker(first.port, tmp_path / "second.log")
        assert is_alive(first.pid)


def test_cli_prints_the_error_without_traceback(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "infra.broker", "--port", str(port), "--log", str(tmp_path / "b.log")],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 1
    assert "already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_free_port_is_bindable() -> None:
    assert port_is_free(free_port())


def test_broker_dying_on_a_taken_port_is_reported_as_port_in_use(tmp_path: Path) -> None:
    """Covers the race the up-front check cannot: the port is taken between the check and the bind."""
    log_path = tmp_path / "broker.log"
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        process = start_detached(broker_command(port), log_path)
        with pytest.raises(PortInUseError):
            wait_until_ready(process.pid, port, log_path)
    assert not is_alive(process.pid)
