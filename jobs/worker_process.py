"""A pipeline worker as a child process configured from Settings: used by the demo, the bench and the tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from pydantic import AliasChoices, SecretStr

from pipelines.config import Settings

REPO = Path(__file__).resolve().parents[1]


def worker_environment(settings: Settings) -> dict[str, str]:
    """The environment that makes a child's Settings() equal `settings` (secrets included, never printed).

    Every field is written under each name Settings reads it from, so a variable the parent inherited cannot
    shadow what the parent was given (e.g. KAFKA_BOOTSTRAP_SERVERS beside CHARGELEDGER_KAFKA_BOOTSTRAP_SERVERS).
    """
    env = dict(os.environ)
    for name, field in Settings.model_fields.items():
        if name == "topics":
            continue
        value = getattr(settings, name)
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        alias = field.validation_alias
        names = [str(choice) for choice in alias.choices] if isinstance(alias, AliasChoices) else []
        for env_name in [f"CHARGELEDGER_{name.upper()}", *names]:
            env[env_name] = text
    for name, value in settings.topics.model_dump().items():
        env[f"CHARGELEDGER_TOPIC_{name.upper()}"] = value
    return env


def start_worker(settings: Settings, log_path: Path) -> subprocess.Popen:
    """`chargeledger worker` in its own process group, appending its output to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "worker"],
        env=worker_environment(settings),
        cwd=REPO,
        stdout=log_path.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_worker(worker: subprocess.Popen, *, kill: bool = False, timeout_s: float = 30) -> None:
    """SIGTERM and wait (SIGKILL past the timeout); `kill=True` is a crash: SIGKILL at once, no shutdown."""
    if worker.poll() is not None:
        return
    os.killpg(worker.pid, signal.SIGKILL if kill else signal.SIGTERM)
    try:
        worker.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
