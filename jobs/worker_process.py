"""A pipeline worker as a child process configured from Settings: used by the demo, the bench and the tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from pydantic import AliasChoices, SecretStr
from pydantic_settings import BaseSettings

from pipelines.config import Settings

REPO = Path(__file__).resolve().parents[1]


def worker_environment(settings: Settings) -> dict[str, str]:
    """The environment that makes a child's Settings() equal `settings` (secrets included, never printed).

    Every field is written under each name Settings reads it from, so a variable the parent inherited cannot
    shadow what the parent was given (e.g. KAFKA_BOOTSTRAP_SERVERS beside CHARGELEDGER_KAFKA_BOOTSTRAP_SERVERS).
    """
    env = dict(os.environ)
    for name, value in _variables(settings).items():
        if value is None:  # unset in the parent: an inherited variable must not set it in the child
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _variables(settings: BaseSettings) -> dict[str, str | None]:
    """Every field under each environment name it is read from; nested settings (topics, security) under theirs."""
    prefix = settings.model_config.get("env_prefix", "")
    variables: dict[str, str | None] = {}
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name)
        if isinstance(value, BaseSettings):
            variables.update(_variables(value))
            continue
        text = value.get_secret_value() if isinstance(value, SecretStr) else None if value is None else str(value)
        alias = field.validation_alias
        names = [str(choice) for choice in alias.choices] if isinstance(alias, AliasChoices) else []
        for env_name in [f"{prefix}{name}".upper(), *names]:
            variables[env_name] = text
    return variables


def start_worker(settings: Settings, log_path: Path, *, web: bool = False) -> subprocess.Popen:
    """`chargeledger worker` in its own process group, appending its output to `log_path`; `web` serves Faust's
    web server (and the probe pages) on settings.web_port."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "worker", *(["--web"] if web else [])],
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
