"""`python -m infra.deploy.secrets [DIR]`: random passwords for the compose stack, written once, never printed.

The chargeledger containers read one file per variable (compose secrets under /run/secrets, read through
CHARGELEDGER_SECRETS_DIR); Kafka and ClickHouse images read env files. Existing files are kept, so running it
again never rotates a password behind a running stack's back. The directory is gitignored.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

DEFAULT_DIR = Path(__file__).with_name("secrets")
KAFKA_USER = "chargeledger"  # CHARGELEDGER_KAFKA_SASL_USERNAME in chargeledger.env


def _write_once(path: Path, text: str) -> None:
    if path.exists():
        return
    path.touch(mode=0o600)
    path.write_text(text, encoding="utf-8")


def _read_or_new(path: Path) -> str:
    if not path.exists():
        _write_once(path, secrets.token_urlsafe(24))
    return path.read_text(encoding="utf-8").strip()


def generate(directory: Path = DEFAULT_DIR) -> list[str]:
    """Create whatever is missing in `directory`; returns the file names it holds (never their contents)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    clickhouse = _read_or_new(directory / "CLICKHOUSE_PASSWORD")
    kafka = _read_or_new(directory / "CHARGELEDGER_KAFKA_SASL_PASSWORD")
    interserver = secrets.token_urlsafe(24)
    _write_once(
        directory / "clickhouse.env",
        f"CLICKHOUSE_PASSWORD={clickhouse}\nCLICKHOUSE_INTERSERVER_SECRET={interserver}\n",
    )
    jaas = f'org.apache.kafka.common.security.plain.PlainLoginModule required user_{KAFKA_USER}="{kafka}";'
    _write_once(directory / "kafka.env", f"KAFKA_LISTENER_NAME_CLIENT_PLAIN_SASL_JAAS_CONFIG={jaas}\n")
    return sorted(path.name for path in directory.iterdir())


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    print(f"secrets in {target}: {', '.join(generate(target))}")
