"""Security settings: every problem reported at once, client options built from them, secrets never shown."""

import logging
import ssl
from pathlib import Path

import pytest
from pydantic import SecretStr

from cli.main import main
from pipelines.config import Settings
from pipelines.security import (
    ClickHouseTls,
    KafkaSecurity,
    SettingsError,
    aiokafka_options,
    check_settings,
    clickhouse_problems,
    faust_credentials,
    kafka_problems,
    kafka_python_options,
    load_sources,
)

SECRET = "hunter2-never-shown"


def _ca(tmp_path: Path) -> Path:
    """A real CA certificate: Python's test CA bundle is not available, so take the system's first one."""
    bundle = Path(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")
    text = bundle.read_text()
    end = text.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")
    path = tmp_path / "ca.pem"
    path.write_text(text[text.index("-----BEGIN CERTIFICATE-----") : end] + "\n")
    return path


def test_plaintext_default_has_no_problems_and_no_options() -> None:
    assert kafka_problems(KafkaSecurity()) == []
    assert aiokafka_options(KafkaSecurity()) == {}
    assert faust_credentials(KafkaSecurity()) is None
    assert check_settings(Settings()) == Settings()


def test_every_kafka_problem_is_reported_at_once(tmp_path: Path) -> None:
    problems = kafka_problems(
        KafkaSecurity(
            security_protocol="SASL_SSL",
            sasl_mechanism="SCRAM-SHA-1",
            ssl_cafile=tmp_path / "missing-ca.pem",
            ssl_certfile=tmp_path / "client.pem",
        )
    )
    text = "\n".join(problems)
    assert "SCRAM-SHA-1" in text and "is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512" in text
    assert "needs CHARGELEDGER_KAFKA_SASL_USERNAME" in text
    assert "needs CHARGELEDGER_KAFKA_SASL_PASSWORD" in text
    assert "missing-ca.pem does not exist" in text
    assert "client.pem does not exist" in text
    assert "go together" in text
    assert len(problems) == 6


def test_unknown_protocol_and_misplaced_credentials() -> None:
    assert kafka_problems(KafkaSecurity(security_protocol="TLS")) == [
        "CHARGELEDGER_KAFKA_SECURITY_PROTOCOL 'TLS' is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"
    ]
    assert kafka_problems(KafkaSecurity(sasl_username="u", ssl_cafile=Path("/etc/hostname"))) == [
        "SASL credentials are set but PLAINTEXT does not use SASL",
        "TLS files are set but PLAINTEXT does not use TLS",
    ]


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_ssl_options_for_every_client(tmp_path: Path, mechanism: str) -> None:
    kafka = KafkaSecurity(
        security_protocol="SASL_SSL",
        sasl_mechanism=mechanism,
        sasl_username="worker",
        sasl_password=SecretStr(SECRET),
        ssl_cafile=_ca(tmp_path),
    )
    assert kafka_problems(kafka) == []
    options = aiokafka_options(kafka)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == mechanism
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("worker", SECRET)
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert kafka_python_options(kafka)["ssl_check_hostname"] is True
    credentials = faust_credentials(kafka)
    assert credentials is not None
    assert credentials.protocol.value == "SASL_SSL" and credentials.mechanism.value == mechanism
    assert SECRET not in repr(credentials)


def test_ssl_only_gives_faust_ssl_credentials(tmp_path: Path) -> None:
    credentials = faust_credentials(KafkaSecurity(security_protocol="SSL", ssl_cafile=_ca(tmp_path)))
    assert type(credentials).__name__ == "SSLCredentials"


def test_clickhouse_tls_problems(tmp_path: Path) -> None:
    assert clickhouse_problems("http://ch:8123", ClickHouseTls()) == []
    assert clickhouse_problems("https://ch:8443", ClickHouseTls(ca_file=_ca(tmp_path))) == []
    assert clickhouse_problems("http://ch:8123", ClickHouseTls(ca_file=tmp_path / "x")) == [
        "TLS files for ClickHouse are set but CLICKHOUSE_URL is http://"
    ]
    problems = clickhouse_problems("https://ch:8443", ClickHouseTls(ca_file=tmp_path / "x", client_key=tmp_path / "k"))
    assert len(problems) == 3  # missing CA, missing key, key without certificate
    assert clickhouse_problems("ftp://u:pw@ch", ClickHouseTls()) == [
        "CLICKHOUSE_URL must be http(s)://host:port, got 'ftp://u:***@ch'"
    ]


def test_min_insync_replicas_below_the_replication_factor() -> None:
    with pytest.raises(SettingsError, match=r"MIN_INSYNC_REPLICAS \(3\) must be below the replication factor \(3\)"):
        check_settings(Settings(replication_factor=3, min_insync_replicas=3))
    check_settings(Settings(replication_factor=3, min_insync_replicas=2))


def test_settings_file_and_secrets_dir_fill_the_environment_but_real_variables_win(tmp_path: Path) -> None:
    settings_file = tmp_path / "chargeledger.env"
    settings_file.write_text("CHARGELEDGER_KAFKA_SECURITY_PROTOCOL=SASL_SSL\nCHARGELEDGER_APP_ID=from-file\n")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "CHARGELEDGER_KAFKA_SASL_PASSWORD").write_text(SECRET + "\n")
    env = {
        "CHARGELEDGER_SETTINGS_FILE": str(settings_file),
        "CHARGELEDGER_SECRETS_DIR": str(secrets),
        "CHARGELEDGER_APP_ID": "from-env",
    }
    load_sources(env)
    assert env["CHARGELEDGER_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["CHARGELEDGER_KAFKA_SASL_PASSWORD"] == SECRET
    assert env["CHARGELEDGER_APP_ID"] == "from-env"
    with pytest.raises(SettingsError, match="does not exist"):
        load_sources({"CHARGELEDGER_SETTINGS_FILE": str(tmp_path / "nope.env")})


def test_secrets_never_appear_in_repr_str_errors_or_logs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CHARGELEDGER_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("CHARGELEDGER_KAFKA_SASL_PASSWORD", SECRET)
    monkeypatch.setenv("CHARGELEDGER_KAFKA_SSL_CAFILE", "/nonexistent/ca.pem")
    monkeypatch.setenv("CLICKHOUSE_PASSWORD", SECRET)
    settings = Settings()
    assert settings.kafka_security.sasl_password.get_secret_value() == SECRET
    assert SECRET not in repr(settings) and SECRET not in str(settings)
    assert SECRET not in str(settings.model_dump())
    with caplog.at_level(logging.DEBUG):
        assert main(["topics", "apply"]) == 2  # refused at start-up: username missing, CA file missing
    err = capsys.readouterr().err
    assert "needs CHARGELEDGER_KAFKA_SASL_USERNAME" in err and "/nonexistent/ca.pem does not exist" in err
    assert SECRET not in err
    assert SECRET not in caplog.text
