"""Kafka TLS/SASL and ClickHouse TLS settings: read from the environment, a settings file or a secrets directory,
checked at start-up with every problem reported at once, and turned into each client library's options.

Secrets are `SecretStr` end to end: they leave it only inside the option dicts handed to a client, never in a
message, a repr or a log line.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from dotenv import dotenv_values
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipelines.errors import UserError

if TYPE_CHECKING:
    from faust.types.auth import CredentialsT

    from pipelines.config import Settings

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
SETTINGS_FILE_VARIABLE = "CHARGELEDGER_SETTINGS_FILE"  # a dotenv file: NAME=value lines
SECRETS_DIR_VARIABLE = "CHARGELEDGER_SECRETS_DIR"  # one file per variable, named like it (compose/k8s secrets)


class SettingsError(UserError):
    """The configuration cannot work; the message lists every problem, never a secret's value."""


class KafkaSecurity(BaseSettings):
    """How clients reach the brokers. Choices are plain strings so that `problems()` reports all of them."""

    model_config = SettingsConfigDict(env_prefix="CHARGELEDGER_KAFKA_", extra="ignore")

    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str = "PLAIN"
    sasl_username: str = ""
    sasl_password: SecretStr = SecretStr("")
    ssl_cafile: Path | None = None  # none: the system's trust store
    ssl_certfile: Path | None = None  # client certificate (mutual TLS), with ssl_keyfile
    ssl_keyfile: Path | None = None
    ssl_key_password: SecretStr = SecretStr("")
    ssl_check_hostname: bool = True

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol in ("SASL_PLAINTEXT", "SASL_SSL")


class ClickHouseTls(BaseSettings):
    """TLS towards ClickHouse; it applies when CLICKHOUSE_URL is https://."""

    model_config = SettingsConfigDict(env_prefix="CHARGELEDGER_CLICKHOUSE_TLS_", extra="ignore")

    ca_file: Path | None = None  # none: the certifi bundle clickhouse-connect ships
    client_cert: Path | None = None
    client_key: Path | None = None
    verify: bool = True


def kafka_problems(kafka: KafkaSecurity) -> list[str]:
    """Everything wrong with the Kafka security settings (empty: fine)."""
    if kafka.security_protocol not in PROTOCOLS:
        protocol = kafka.security_protocol
        return [f"CHARGELEDGER_KAFKA_SECURITY_PROTOCOL {protocol!r} is not one of {', '.join(PROTOCOLS)}"]
    problems: list[str] = []
    if kafka.uses_sasl:
        if kafka.sasl_mechanism not in MECHANISMS:
            problems.append(
                f"CHARGELEDGER_KAFKA_SASL_MECHANISM {kafka.sasl_mechanism!r} is not one of {', '.join(MECHANISMS)}"
            )
        if not kafka.sasl_username:
            problems.append(f"{kafka.security_protocol} needs CHARGELEDGER_KAFKA_SASL_USERNAME")
        if not kafka.sasl_password.get_secret_value():
            problems.append(f"{kafka.security_protocol} needs CHARGELEDGER_KAFKA_SASL_PASSWORD")
    elif kafka.sasl_username or kafka.sasl_password.get_secret_value():
        problems.append(f"SASL credentials are set but {kafka.security_protocol} does not use SASL")
    files = {"SSL_CAFILE": kafka.ssl_cafile, "SSL_CERTFILE": kafka.ssl_certfile, "SSL_KEYFILE": kafka.ssl_keyfile}
    if kafka.uses_tls:
        problems += _file_problems({f"CHARGELEDGER_KAFKA_{name}": path for name, path in files.items()})
        if (kafka.ssl_certfile is None) != (kafka.ssl_keyfile is None):
            problems.append("CHARGELEDGER_KAFKA_SSL_CERTFILE and _SSL_KEYFILE go together (mutual TLS)")
    elif any(files.values()):
        problems.append(f"TLS files are set but {kafka.security_protocol} does not use TLS")
    return problems


def clickhouse_problems(url: str, tls: ClickHouseTls) -> list[str]:
    """Everything wrong with how ClickHouse is reached (empty: fine)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return [f"CLICKHOUSE_URL must be http(s)://host:port, got {without_password(url)!r}"]
    files = {"CA_FILE": tls.ca_file, "CLIENT_CERT": tls.client_cert, "CLIENT_KEY": tls.client_key}
    if parsed.scheme == "http":
        return ["TLS files for ClickHouse are set but CLICKHOUSE_URL is http://"] if any(files.values()) else []
    problems = _file_problems({f"CHARGELEDGER_CLICKHOUSE_TLS_{name}": path for name, path in files.items()})
    if tls.client_key is not None and tls.client_cert is None:
        problems.append("CHARGELEDGER_CLICKHOUSE_TLS_CLIENT_KEY needs CHARGELEDGER_CLICKHOUSE_TLS_CLIENT_CERT")
    return problems


def settings_problems(settings: Settings) -> list[str]:
    problems = kafka_problems(settings.kafka_security)
    problems += clickhouse_problems(settings.clickhouse_url, settings.clickhouse_tls)
    if settings.replication_factor > 1 and settings.min_insync_replicas >= settings.replication_factor:
        problems.append(
            f"CHARGELEDGER_MIN_INSYNC_REPLICAS ({settings.min_insync_replicas}) must be below the "
            f"replication factor ({settings.replication_factor}) or one broker down stops every write"
        )
    return problems


def check_settings(settings: Settings) -> Settings:
    """Start-up gate: raises SettingsError naming every problem at once; returns the settings unchanged."""
    problems = settings_problems(settings)
    if problems:
        raise SettingsError("configuration problems:\n  " + "\n  ".join(problems))
    return settings


def _file_problems(files: dict[str, Path | None]) -> list[str]:
    problems = []
    for name, path in files.items():
        if path is None:
            continue
        if not path.is_file():
            problems.append(f"{name}: {path} does not exist or is not a file")
        elif not os.access(path, os.R_OK):
            problems.append(f"{name}: {path} is not readable")
    return problems


def without_password(url: str) -> str:
    """The URL with its password, if any, as ***: fit for messages and logs."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    return parsed._replace(netloc=parsed.netloc.replace(f":{parsed.password}@", ":***@")).geturl()


def load_sources(environ: MutableMapping[str, str] | None = None) -> None:
    """Fill `environ` from the settings file and the secrets directory, if named; real variables win.

    Every Settings class (and every worker started from this process) then reads the same values.
    """
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    settings_file = env.get(SETTINGS_FILE_VARIABLE)
    if settings_file:
        if not Path(settings_file).is_file():
            raise SettingsError(f"{SETTINGS_FILE_VARIABLE}: {settings_file} does not exist")
        values.update({k: v for k, v in dotenv_values(settings_file).items() if v is not None})
    secrets_dir = env.get(SECRETS_DIR_VARIABLE)
    if secrets_dir:
        directory = Path(secrets_dir)
        if not directory.is_dir():
            raise SettingsError(f"{SECRETS_DIR_VARIABLE}: {secrets_dir} is not a directory")
        values.update({p.name: p.read_text(encoding="utf-8").strip() for p in directory.iterdir() if p.is_file()})
    for name, value in values.items():
        env.setdefault(name, value)


def ssl_context(kafka: KafkaSecurity) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(kafka.ssl_cafile) if kafka.ssl_cafile else None)
    context.check_hostname = kafka.ssl_check_hostname
    if kafka.ssl_certfile and kafka.ssl_keyfile:
        password = kafka.ssl_key_password.get_secret_value() or None
        context.load_cert_chain(str(kafka.ssl_certfile), str(kafka.ssl_keyfile), password=password)
    return context


def aiokafka_options(kafka: KafkaSecurity) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer/Consumer; empty for PLAINTEXT."""
    if kafka.security_protocol == "PLAINTEXT":
        return {}
    options: dict[str, Any] = {"security_protocol": kafka.security_protocol}
    if kafka.uses_tls:
        options["ssl_context"] = ssl_context(kafka)
    if kafka.uses_sasl:
        options["sasl_mechanism"] = kafka.sasl_mechanism
        options["sasl_plain_username"] = kafka.sasl_username
        options["sasl_plain_password"] = kafka.sasl_password.get_secret_value()
    return options


def kafka_python_options(kafka: KafkaSecurity) -> dict[str, Any]:
    """Keyword arguments for kafka-python clients (the admin client); empty for PLAINTEXT."""
    options = aiokafka_options(kafka)
    if "ssl_context" in options:
        options["ssl_check_hostname"] = kafka.ssl_check_hostname
    return options


def faust_credentials(kafka: KafkaSecurity) -> CredentialsT | None:
    """Faust's `broker_credentials` for the same settings (None for PLAINTEXT)."""
    import faust  # the worker imports it anyway; other commands should not pay for it

    context = ssl_context(kafka) if kafka.uses_tls else None
    if kafka.uses_sasl:
        return faust.SASLCredentials(
            username=kafka.sasl_username,
            password=kafka.sasl_password.get_secret_value(),
            ssl_context=context,
            mechanism=kafka.sasl_mechanism,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def clickhouse_options(tls: ClickHouseTls) -> dict[str, Any]:
    """Keyword arguments for clickhouse_connect.get_client's TLS (used only with https)."""
    options: dict[str, Any] = {"verify": tls.verify}
    if tls.ca_file:
        options["ca_cert"] = str(tls.ca_file)
    if tls.client_cert:
        options["client_cert"] = str(tls.client_cert)
    if tls.client_key:
        options["client_cert_key"] = str(tls.client_key)
    return options
