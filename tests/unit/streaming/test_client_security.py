"""Every Kafka client the production code builds carries the configured TLS/SASL; a secured cluster refuses others."""

import ast
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from faust.types import TP
from pydantic import SecretStr

from jobs.catalog_publish import publish_catalog
from jobs.simulate.publish import publish
from pipelines.config import Settings
from pipelines.security import KafkaSecurity
from pipelines.streaming import kafka
from pipelines.streaming.faust_transport import _ConsumerThread
from pipelines.streaming.offsets import consumer_lag, log_end_offsets

REPO = Path(__file__).resolve().parents[3]
# The only modules that may construct a client: they apply pipelines/security.py's options.
FACTORIES = {"pipelines/streaming/kafka.py", "pipelines/streaming/topics.py"}
CONSTRUCTORS = {
    "AIOKafkaProducer", "AIOKafkaConsumer", "AIOKafkaAdminClient", "KafkaAdminClient", "KafkaProducer", "KafkaConsumer",
}  # fmt: skip
PRODUCTION = ("pipelines", "jobs", "cli", "dashboards", "infra")  # tests and bench run on the plaintext embedded broker

SECURED = Settings(
    kafka_security=KafkaSecurity(
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="worker",
        sasl_password=SecretStr("pw"),
    ),
    broker_list_offsets_exact=False,
)


class Built(Exception):
    """Raised by start(): the client was constructed, nothing connects."""

    def __init__(self, client: AIOKafkaProducer | AIOKafkaConsumer) -> None:
        super().__init__()
        self.client = client


@pytest.fixture(autouse=True)
def _no_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    async def start(self: AIOKafkaProducer | AIOKafkaConsumer) -> None:
        raise Built(self)

    monkeypatch.setattr(AIOKafkaProducer, "start", start)
    monkeypatch.setattr(AIOKafkaConsumer, "start", start)
    yield


def _faust_recovery() -> Awaitable[object]:
    thread = SimpleNamespace(app=SimpleNamespace(settings=SECURED), consumer=SimpleNamespace(in_transaction=False))
    return _ConsumerThread._highwaters(thread, [TP("t", 0)])  # type: ignore[arg-type]


CALLS: dict[str, Callable[[], Awaitable[object]]] = {
    "log_end_offsets": lambda: log_end_offsets(SECURED, [TopicPartition("t", 0)], exact_list_offsets=False),
    "consumer_lag (drain)": lambda: consumer_lag(SECURED, "g", ["t"], exact_list_offsets=False),
    "catalog load": lambda: publish_catalog(SECURED, REPO / "examples" / "catalog.yaml"),
    "simulate publish": lambda: publish([], SECURED, "t", speedup=None),
    "faust table recovery": _faust_recovery,
}


def _assert_secured(client: AIOKafkaProducer | AIOKafkaConsumer) -> None:
    inner = client._client if isinstance(client, AIOKafkaConsumer) else client.client
    assert inner._security_protocol == "SASL_SSL"
    assert (inner._sasl_mechanism, inner._sasl_plain_username) == ("SCRAM-SHA-512", "worker")
    assert inner._ssl_context is not None


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
async def test_every_production_client_carries_tls_and_sasl(call: Callable[[], Awaitable[object]]) -> None:
    with pytest.raises(Built) as built:
        await call()
    _assert_secured(built.value.client)


async def test_the_factories_apply_the_options() -> None:
    _assert_secured(kafka.producer(SECURED))
    _assert_secured(kafka.consumer(SECURED, group_id=None))


def test_only_the_factories_construct_kafka_clients() -> None:
    offenders = []
    for root in PRODUCTION:
        for path in sorted((REPO / root).rglob("*.py")):
            name = path.relative_to(REPO).as_posix()
            if name in FACTORIES:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    func = node.func
                    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                    if called in CONSTRUCTORS:
                        offenders.append(f"{name}:{node.lineno} {called}")
    assert offenders == []
