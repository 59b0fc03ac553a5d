"""Start the warehouse as a child process on a free port and always stop it: for tests, demos and benchmarks."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from infra.processes import ProcessError, log_tail, start_detached, stop_group, wait_for

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class RunningWarehouse:
    """Where a started warehouse answers, and its process."""

    url: str
    port: int
    pid: int
    data_dir: Path
    log_path: Path


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def warehouse_argv(data_dir: Path, port: int, host: str = HOST) -> list[str]:
    return [sys.executable, "-m", "infra.warehouse", "--data-dir", str(data_dir), "--host", host, "--port", str(port)]


def answers_ping(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ping", timeout=1) as response:  # noqa: S310 - our own http:// URL
            return bool(response.read() == b"Ok.\n")
    except OSError:
        return False


@contextlib.contextmanager
def running_warehouse(data_dir: Path, log_path: Path, port: int | None = None) -> Iterator[RunningWarehouse]:
    """A warehouse serving data_dir for the block; its process group is stopped however the block ends."""
    port = port or free_port()
    url = f"http://{HOST}:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    process = start_detached(warehouse_argv(data_dir, port), log_path, cwd=PROJECT_ROOT, env=env)
    try:
        wait_for(lambda: answers_ping(url) or process.poll() is not None, READY_TIMEOUT_S, 0.05)
        if process.poll() is not None or not answers_ping(url):
            raise ProcessError(f"the warehouse did not start on {url}; last lines of {log_path}:\n{log_tail(log_path)}")
        yield RunningWarehouse(url, port, process.pid, data_dir, log_path)
    finally:
        stop_group(process.pid)
        process.wait(timeout=5)
