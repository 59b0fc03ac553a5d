"""Typed settings from the environment (prefix CHARGELEDGER_ or the standard Kafka/ClickHouse names)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Topics(BaseSettings):
    """Topic names; each is configurable, the version suffix follows its Avro schema."""

    model_config = SettingsConfigDict(env_prefix="CHARGELEDGER_TOPIC_")

    inbound: str = "ocpp.inbound"
    events: str = "charging.events.v1"
    deadletter: str = "ocpp.deadletter.v1"
    sessions_closed: str = "sessions.closed.v1"
    sessions_rated: str = "sessions.rated.v1"
    notifications: str = "notifications.v1"
    session_state: str = "sessions.state.v1"
    catalog_prefix: str = "catalog."


class Settings(BaseSettings):
    """Everything a worker, job or CLI command needs to reach Kafka and ClickHouse."""

    model_config = SettingsConfigDict(env_prefix="CHARGELEDGER_", populate_by_name=True)

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:19092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "CHARGELEDGER_KAFKA_BOOTSTRAP_SERVERS"),
    )
    clickhouse_url: str = Field(
        "http://127.0.0.1:18123",
        validation_alias=AliasChoices("CLICKHOUSE_URL", "CHARGELEDGER_CLICKHOUSE_URL"),
    )
    clickhouse_user: str = Field(
        "default", validation_alias=AliasChoices("CLICKHOUSE_USER", "CHARGELEDGER_CLICKHOUSE_USER")
    )
    clickhouse_password: SecretStr = Field(
        SecretStr(""), validation_alias=AliasChoices("CLICKHOUSE_PASSWORD", "CHARGELEDGER_CLICKHOUSE_PASSWORD")
    )
    clickhouse_database: str = "chargeledger"
    # Tansu's ListOffsets(latest) is off by one batch; only a real Kafka may be trusted with it.
    broker_list_offsets_exact: bool = False
    partitions: int = 4
    app_id: str = "chargeledger"
    state_dir: Path = Path(".state")
    web_port: int = 6066
    sink_flush_interval_s: float = 0.2
    sink_batch_rows: int = 20_000
    topics: Topics = Field(default_factory=Topics)
