import os

import pytest
from pydantic import SecretStr

from jobs.worker_process import worker_environment
from pipelines.config import Settings, Topics


def test_a_worker_child_reads_back_exactly_the_parents_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "inherited:9092")  # must not shadow what the parent was given
    parent = Settings(
        kafka_bootstrap_servers="broker:19092",
        clickhouse_password=SecretStr("s3cret"),
        provisional_close_timeout_s=5,
        late_arrival_window_s=30,
        broker_list_offsets_exact=True,
        topics=Topics(inbound="test.inbound"),
    )
    env = worker_environment(parent)
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings() == parent


def test_security_settings_reach_the_child_and_unset_files_stay_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from pipelines.security import KafkaSecurity

    monkeypatch.setenv("CHARGELEDGER_KAFKA_SSL_CERTFILE", "/inherited/client.pem")  # unset in the parent's settings
    parent = Settings(
        kafka_security=KafkaSecurity(
            security_protocol="SASL_SSL",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username="worker",
            sasl_password=SecretStr("s3cret"),
            ssl_cafile=Path("/etc/kafka/ca.pem"),
            ssl_certfile=None,
        ),
        table_store="rocksdb",
        replication_factor=3,
    )
    env = worker_environment(parent)
    assert "CHARGELEDGER_KAFKA_SSL_CERTFILE" not in env
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings() == parent
