"""The production compose file, parsed by Debian's docker-compose 1.29 (`config` needs no container engine)."""

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from infra.deploy.secrets import generate

DEPLOY = Path(__file__).resolve().parents[3] / "infra" / "deploy"
ONE_SHOT = {"setup"}  # exits after topics + migrations; workers wait for its success instead of its health


def _compose() -> str:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is not installed: `apt-get install docker-compose` (Debian's 1.29 package)")
    return binary


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The file as compose resolves it, with freshly generated secrets in a copy of the deploy directory."""
    deploy = tmp_path_factory.mktemp("deploy") / "deploy"
    shutil.copytree(DEPLOY, deploy, ignore=shutil.ignore_patterns("secrets", "__pycache__"))
    generate(deploy / "secrets")
    done = subprocess.run(
        [_compose(), "-f", str(deploy / "docker-compose.yml"), "config"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def test_compose_refuses_to_start_without_the_uncommitted_secrets(tmp_path: Path) -> None:
    deploy = tmp_path / "deploy"
    shutil.copytree(DEPLOY, deploy, ignore=shutil.ignore_patterns("secrets", "__pycache__"))
    done = subprocess.run(
        [_compose(), "-f", str(deploy / "docker-compose.yml"), "config"], capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "secrets/" in done.stderr


def test_every_component_is_there(config: dict) -> None:
    assert set(config["services"]) == {
        "kafka-1", "kafka-2", "kafka-3", "keeper-1", "keeper-2", "keeper-3", "clickhouse-1", "clickhouse-2",
        "setup", "worker-1", "worker-2", "worker-3", "gateway", "dashboard",
    }  # fmt: skip


def test_every_long_running_service_has_a_healthcheck_and_limits(config: dict) -> None:
    for name, service in config["services"].items():
        if name in ONE_SHOT:
            continue
        assert service["healthcheck"]["test"], name
        assert service["deploy"]["resources"]["limits"]["memory"], name


def test_kafka_is_a_three_node_kraft_quorum_with_replicated_internal_topics(config: dict) -> None:
    brokers = [config["services"][f"kafka-{n}"]["environment"] for n in (1, 2, 3)]
    assert sorted(b["KAFKA_NODE_ID"] for b in brokers) == ["1", "2", "3"]
    assert {b["KAFKA_CONTROLLER_QUORUM_VOTERS"] for b in brokers} == {"1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"}
    assert all(
        b["KAFKA_PROCESS_ROLES"] == "broker,controller" and b["KAFKA_MIN_INSYNC_REPLICAS"] == "2" for b in brokers
    )
    assert all(b["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3" for b in brokers)


def test_the_pipeline_reads_secrets_from_files_and_settings_match_the_cluster(config: dict) -> None:
    lines = (DEPLOY / "chargeledger.env").read_text().splitlines()
    keys = [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]
    assert not [key for key in keys if "PASSWORD" in key or key.endswith("SECRET")]  # secrets are never committed
    for name in ("setup", "worker-1", "gateway", "dashboard"):
        service = config["services"][name]
        assert {s["source"] for s in service["secrets"]} == {"CLICKHOUSE_PASSWORD", "CHARGELEDGER_KAFKA_SASL_PASSWORD"}
        env = service["environment"]
        assert env["CHARGELEDGER_SECRETS_DIR"] == "/run/secrets"
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka-1:9092,kafka-2:9092,kafka-3:9092"
        assert env["CHARGELEDGER_REPLICATION_FACTOR"] == "3"
    assert config["services"]["worker-1"]["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    assert "migrate --cluster chargeledger" in " ".join(config["services"]["setup"]["command"])
    volumes = {config["services"][f"worker-{n}"]["volumes"][0].split(":")[0] for n in (1, 2, 3)}
    assert len(volumes) == 3  # RocksDB state is never shared between workers


def test_clickhouse_configs_name_the_compose_services(config: dict) -> None:
    cluster = ET.parse(DEPLOY / "clickhouse" / "cluster.xml").getroot()
    replicas = [host.text for host in cluster.iter("host")]
    assert replicas == ["clickhouse-1", "clickhouse-2", "keeper-1", "keeper-2", "keeper-3"]
    assert all(name in config["services"] for name in replicas)
    keeper = ET.parse(DEPLOY / "clickhouse" / "keeper.xml").getroot()
    assert [h.text for h in keeper.iter("hostname")] == ["keeper-1", "keeper-2", "keeper-3"]
    assert {config["services"][f"clickhouse-{n}"]["environment"]["CLICKHOUSE_REPLICA"] for n in (1, 2)} == {
        "clickhouse-1",
        "clickhouse-2",
    }
    users = ET.parse(DEPLOY / "clickhouse" / "users.xml").getroot()
    assert users.find("users/chargeledger/password").attrib == {"from_env": "CLICKHOUSE_PASSWORD"}


def test_generated_secrets_are_private_and_kept_on_a_second_run(tmp_path: Path) -> None:
    first = generate(tmp_path / "s")
    password = (tmp_path / "s" / "CLICKHOUSE_PASSWORD").read_text()
    assert generate(tmp_path / "s") == first
    assert (tmp_path / "s" / "CLICKHOUSE_PASSWORD").read_text() == password
    assert f"CLICKHOUSE_PASSWORD={password}" in (tmp_path / "s" / "clickhouse.env").read_text()
    assert all((tmp_path / "s" / name).stat().st_mode & 0o077 == 0 for name in first)
