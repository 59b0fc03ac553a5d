"""The embedded stack (broker + warehouse) as detached processes: `chargeledger up`, `status`, `down`."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from infra.broker import HOST, BrokerError, PortInUseError, port_is_free, start_broker
from infra.processes import (
    ProcessError,
    log_file,
    log_tail,
    pid_file,
    running_pid,
    start_detached,
    stop_group,
    wait_for,
)
from pipelines.config import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BROKER, WAREHOUSE = "broker", "warehouse"
MARKERS = {BROKER: "tansu", WAREHOUSE: "infra.warehouse"}
WAREHOUSE_READY_TIMEOUT_S = 60.0
LOCAL_HOSTS = ("127.0.0.1", "localhost")


class StackError(ProcessError):
    """The embedded stack could not be brought up; the message says which part and why."""


@dataclass(frozen=True)
class StackInfo:
    """Where the running stack answers and which processes serve it."""

    bootstrap: str
    clickhouse_url: str
    broker_pid: int
    warehouse_pid: int
    state_dir: Path
    already_running: bool = False


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    pid: int | None
    address: str | None
    log_path: Path

    @property
    def running(self) -> bool:
        return self.pid is not None


def _local_port(address: str, what: str) -> int:
    host, _, port = address.rpartition(":")
    if host not in LOCAL_HOSTS or not port.isdigit():
        raise StackError(
            f"{what} {address!r} is not a local 127.0.0.1:PORT address; the embedded stack serves only those"
        )
    return int(port)


def broker_port(settings: Settings) -> int:
    return _local_port(settings.kafka_bootstrap_servers.split(",")[0].strip(), "kafka_bootstrap_servers")


def warehouse_port(settings: Settings) -> int:
    parts = urlsplit(settings.clickhouse_url)
    if parts.scheme != "http":
        raise StackError(f"clickhouse_url {settings.clickhouse_url!r} must be http:// for the embedded warehouse")
    return _local_port(parts.netloc, "clickhouse_url")


def warehouse_command(data_dir: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "infra.warehouse", "--data-dir", str(data_dir), "--host", HOST, "--port", str(port)]


def warehouse_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/ping", timeout=1) as response:
            return bool(response.read() == b"Ok.\n")
    except OSError:
        return False


def _start_broker(state_dir: Path, port: int) -> int:
    return start_broker(port, log_file(state_dir, BROKER), pid_path=pid_file(state_dir, BROKER)).pid


def _start_warehouse(state_dir: Path, port: int) -> int:
    if not port_is_free(port):
        raise PortInUseError(HOST, port)
    log_path = log_file(state_dir, WAREHOUSE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    argv = warehouse_command(state_dir / "warehouse", port)
    process = start_detached(argv, log_path, pid_path=pid_file(state_dir, WAREHOUSE), cwd=PROJECT_ROOT, env=env)
    ready = wait_for(lambda: warehouse_answers(port) or process.poll() is not None, WAREHOUSE_READY_TIMEOUT_S, 0.1)
    if ready and process.poll() is None:
        return process.pid
    stop_group(process.pid)
    pid_file(state_dir, WAREHOUSE).unlink(missing_ok=True)
    why = "exited during start-up" if ready else f"did not answer /ping within {WAREHOUSE_READY_TIMEOUT_S:.0f} s"
    raise StackError(f"the warehouse {why}; last lines of {log_path}:\n{log_tail(log_path)}")


def _running(state_dir: Path, name: str) -> int | None:
    return running_pid(pid_file(state_dir, name), MARKERS[name])


def up(settings: Settings, state_dir: Path) -> StackInfo:
    """Start whatever part of the stack is not running yet and return once both answer."""
    ports = {BROKER: broker_port(settings), WAREHOUSE: warehouse_port(settings)}
    state_dir.mkdir(parents=True, exist_ok=True)
    pids = {name: _running(state_dir, name) for name in (BROKER, WAREHOUSE)}
    already = all(pid is not None for pid in pids.values())
    started: list[str] = []
    try:
        if pids[BROKER] is None:
            pids[BROKER] = _start_broker(state_dir, ports[BROKER])
            started.append(BROKER)
        if pids[WAREHOUSE] is None:
            pids[WAREHOUSE] = _start_warehouse(state_dir, ports[WAREHOUSE])
    except (BrokerError, StackError) as error:
        for name in started:
            stop_group(pids[name])  # type: ignore[arg-type]
            pid_file(state_dir, name).unlink(missing_ok=True)
        raise StackError(str(error)) from error
    info = StackInfo(
        bootstrap=f"{HOST}:{ports[BROKER]}",
        clickhouse_url=f"http://{HOST}:{ports[WAREHOUSE]}",
        broker_pid=pids[BROKER],  # type: ignore[arg-type]
        warehouse_pid=pids[WAREHOUSE],  # type: ignore[arg-type]
        state_dir=state_dir,
        already_running=already,
    )
    _addresses_file(state_dir).write_text(json.dumps({BROKER: info.bootstrap, WAREHOUSE: info.clickhouse_url}))
    return info


def _addresses_file(state_dir: Path) -> Path:
    return state_dir / "stack.json"


def _addresses(state_dir: Path) -> dict[str, str]:
    try:
        return dict(json.loads(_addresses_file(state_dir).read_text()))
    except (OSError, ValueError):
        return {}


def status(state_dir: Path) -> dict[str, ComponentStatus]:
    """Each component's pid (None when not running; stale pid files are cleared) and address."""
    addresses = _addresses(state_dir)
    result = {}
    for name in (BROKER, WAREHOUSE):
        pid = _running(state_dir, name)
        address = addresses.get(name) if pid is not None else None
        result[name] = ComponentStatus(name, pid, address, log_file(state_dir, name))
    return result


def down(state_dir: Path) -> list[str]:
    """Stop the warehouse, then the broker; returns the names of what was running. Nothing running is fine."""
    stopped = []
    for name in (WAREHOUSE, BROKER):
        pid = _running(state_dir, name)
        if pid is not None:
            stop_group(pid)
            stopped.append(name)
        pid_file(state_dir, name).unlink(missing_ok=True)
    _addresses_file(state_dir).unlink(missing_ok=True)
    return stopped


@contextlib.contextmanager
def embedded_stack(settings: Settings, state_dir: Path) -> Iterator[StackInfo]:
    """The stack for the duration of the block; what this block started is always stopped after."""
    before = status(state_dir)
    info = up(settings, state_dir)
    try:
        yield info
    finally:
        for name in (WAREHOUSE, BROKER):
            pid = _running(state_dir, name)
            if pid is not None and not before[name].running:
                stop_group(pid)
                pid_file(state_dir, name).unlink(missing_ok=True)
        if not any(component.running for component in status(state_dir).values()):
            _addresses_file(state_dir).unlink(missing_ok=True)


def describe(info: StackInfo) -> str:
    """One readable paragraph for the CLI."""
    state = "already running" if info.already_running else "started"
    return (
        f"embedded stack {state}: Kafka at {info.bootstrap} (pid {info.broker_pid}), "
        f"ClickHouse at {info.clickhouse_url} (pid {info.warehouse_pid}); logs in {info.state_dir / 'logs'}"
    )


def describe_status(components: dict[str, ComponentStatus]) -> list[str]:
    """One line per component for `chargeledger status`."""
    return [
        f"{c.name}: running, pid {c.pid}, {c.address or 'address unknown'}, log {c.log_path}"
        if c.running
        else f"{c.name}: not running"
        for c in components.values()
    ]
