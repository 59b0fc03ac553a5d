"""Detached background processes with pid files and logs, stopped as whole process groups."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

STOP_TIMEOUT_S = 10.0


class ProcessError(RuntimeError):
    """A background process could not be started, did not become ready, or would not stop."""


def pid_file(state_dir: Path, name: str) -> Path:
    return state_dir / f"{name}.pid"


def log_file(state_dir: Path, name: str) -> Path:
    return state_dir / "logs" / f"{name}.log"


def start_detached(
    argv: Sequence[str],
    log_path: Path,
    *,
    pid_path: Path | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start argv in its own session (so its group can be killed whole), output appended to log_path."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            start_new_session=True,
        )
    if pid_path is not None:
        pid_path.parent.mkdir(parents=True, exist_ok=True)
        pid_path.write_text(f"{process.pid}\n")
    return process


def _reap(pid: int) -> None:
    """Collect the exit status if pid is our child, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def is_alive(pid: int) -> bool:
    """True while pid exists and is not a zombie (os.kill(pid, 0) alone says yes to zombies)."""
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X")


def command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def running_pid(pid_path: Path, marker: str) -> int | None:
    """The pid recorded in pid_path if that process still runs and is ours; stale files are removed."""
    try:
        pid = int(pid_path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        pid_path.unlink(missing_ok=True)
        return None
    if is_alive(pid) and marker in command_line(pid):
        return pid
    pid_path.unlink(missing_ok=True)
    return None


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    except PermissionError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _group_has_live_member(pgid)


def _group_has_live_member(pgid: int) -> bool:
    """killpg(pgid, 0) succeeds while zombies remain; look for a member that is not one."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            _reap(int(entry.name))
            return True
    return False


def stop_group(pid: int, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM the process group led by pid, then SIGKILL whatever is left after timeout_s."""
    _signal_group(pid, signal.SIGTERM)
    if wait_for(lambda: not _group_alive(pid) and not is_alive(pid), timeout_s):
        return
    _signal_group(pid, signal.SIGKILL)
    if not wait_for(lambda: not _group_alive(pid) and not is_alive(pid), 5.0):
        raise ProcessError(f"process group {pid} survived SIGKILL")


def wait_for(condition: Callable[[], bool], timeout_s: float, interval_s: float = 0.02) -> bool:
    """Poll condition until it holds (True) or timeout_s passes (False)."""
    deadline = time.monotonic() + timeout_s
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval_s)


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
