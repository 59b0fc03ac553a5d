"""The Kubernetes manifests, validated offline against the Kubernetes JSON schemas (kubernetes-validate)."""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

K8S = Path(__file__).resolve().parents[3] / "infra" / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30.0"
WORKLOADS = {"Deployment", "StatefulSet"}


def _documents() -> list[dict]:
    return [doc for path in sorted(K8S.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.mark.parametrize("document", _documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_manifest_matches_the_kubernetes_schema(document: dict) -> None:
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_every_long_running_container_has_probes_resources_and_no_inline_secret() -> None:
    workloads = [doc for doc in _documents() if doc["kind"] in WORKLOADS]
    assert {doc["metadata"]["name"] for doc in workloads} == {
        "chargeledger-worker",
        "chargeledger-gateway",
        "chargeledger-dashboard",
    }
    for doc in workloads:
        pod = doc["spec"]["template"]["spec"]
        for container in pod["containers"]:
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert container["readinessProbe"]["httpGet"]["path"] in ("/healthz", "/readyz")
            assert container["resources"]["requests"] and container["resources"]["limits"]
            assert all("value" not in env for env in container.get("env", []))  # settings only via the ConfigMap
            mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
            assert mounts["secrets"] == "/run/secrets/chargeledger"
        secret_volume = next(v for v in pod["volumes"] if v["name"] == "secrets")
        assert secret_volume["secret"]["secretName"] == "chargeledger-secrets"


def test_settings_point_at_the_mounted_secrets_and_hold_none() -> None:
    (config_map,) = [doc for doc in _documents() if doc["kind"] == "ConfigMap"]
    data = config_map["data"]
    assert data["CHARGELEDGER_SECRETS_DIR"] == "/run/secrets/chargeledger"
    assert not [key for key in data if "PASSWORD" in key or key.endswith("SECRET")]
    assert data["CHARGELEDGER_TABLE_STORE"] == "rocksdb" and data["CHARGELEDGER_BROKER_LIST_OFFSETS_EXACT"] == "true"
    assert not any(doc["kind"] == "Secret" for doc in _documents())  # the platform's secret store provides it
