"""The embedded stack comes up as detached processes, reports status, and goes down from any process."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra import stack
from infra.broker import free_port
from infra.processes import is_alive, pid_file
from pipelines.config import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WAREHOUSE_MAIN = PROJECT_ROOT / "infra" / "warehouse" / "__main__.py"
WAREHOUSE_WAIT_S = 240


@pytest.fixture(scope="module", autouse=True)
def warehouse_module() -> None:
    """The warehouse is written by another part of the project; wait for it rather than skip."""
    deadline = time.monotonic() + WAREHOUSE_WAIT_S
    while not WAREHOUSE_MAIN.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"{WAREHOUSE_MAIN} did not appear within {WAREHOUSE_WAIT_S} s")
        time.sleep(2)


@pytest.fixture
def settings() -> Settings:
    return Settings(
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}", clickhouse_url=f"http://127.0.0.1:{free_port()}"
    )


def _gone(pid: int) -> bool:
    return not is_alive(pid)


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_up_in_one_process_status_and_down_in_another(settings: Settings, tmp_path: Path) -> None:
    state_dir = tmp_path / ".state"
    script = (
        "import sys; from pathlib import Path; from infra import stack; from pipelines.config import Settings; "
        f"s = Settings(kafka_bootstrap_servers={settings.kafka_bootstrap_servers!r}, "
        f"clickhouse_url={settings.clickhouse_url!r}); "
        "print(stack.describe(stack.up(s, Path(sys.argv[1]))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(state_dir)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout

    components = stack.status(state_dir)
    assert all(component.running for component in components.values())
    assert components["broker"].address == settings.kafka_bootstrap_servers
    assert components["warehouse"].address == settings.clickhouse_url
    assert stack.warehouse_answers(stack.warehouse_port(settings))
    assert (state_dir / "logs" / "broker.log").read_text().count("ready") == 1
    pids = [component.pid for component in components.values()]

    again = stack.up(settings, state_dir)
    assert again.already_running
    assert [again.broker_pid, again.warehouse_pid] == pids

    assert sorted(stack.down(state_dir)) == ["broker", "warehouse"]
    assert all(_gone(pid) for pid in pids)
    assert not pid_file(state_dir, "broker").exists()
    assert not any(component.running for component in stack.status(state_dir).values())
    assert stack.down(state_dir) == []


def test_stale_pid_files_are_cleared(settings: Settings, tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    for name in ("broker", "warehouse"):
        pid_file(tmp_path, name).write_text(f"{_dead_pid()}\n")
    pid_file(tmp_path, "warehouse").write_text(f"{os.getpid()}\n")  # alive, but not a warehouse
    assert not any(component.running for component in stack.status(tmp_path).values())
    assert not pid_file(tmp_path, "broker").exists()
    assert not pid_file(tmp_path, "warehouse").exists()
    assert stack.down(tmp_path) == []


def test_embedded_stack_always_stops_what_it_started(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), stack.embedded_stack(settings, tmp_path) as info:
        pids = [info.broker_pid, info.warehouse_pid]
        assert not info.already_running
        raise RuntimeError("boom")
    assert all(_gone(pid) for pid in pids)
    assert not any(component.running for component in stack.status(tmp_path).values())


def test_taken_warehouse_port_fails_clearly_and_stops_the_broker(settings: Settings, tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", stack.warehouse_port(settings)))
        squatter.listen()
        with pytest.raises(stack.StackError, match="already in use"):
            stack.up(settings, tmp_path)
    assert not any(component.running for component in stack.status(tmp_path).values())
    assert free_port_is(stack.broker_port(settings))


def free_port_is(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_only_local_addresses_are_served() -> None:
    remote = Settings(kafka_bootstrap_servers="kafka.example.com:9092")
    with pytest.raises(stack.StackError, match="not a local"):
        stack.broker_port(remote)
    with pytest.raises(stack.StackError, match="http://"):
        stack.warehouse_port(Settings(clickhouse_url="https://127.0.0.1:8443"))
    assert stack.broker_port(Settings()) == 19092
    assert stack.warehouse_port(Settings()) == 18123
