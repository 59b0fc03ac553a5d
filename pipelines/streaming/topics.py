"""The pipeline's topics (names, partitions, compaction) and their idempotent creation.

Tansu 0.6 accepts any topic config on CreateTopics without complaint and reports the configs back through
DescribeConfigs only as defaults (seen with config_filter "all", not "modified"), so what we ask for is
recorded here and checked by pipelines/streaming/provision.py; a real Kafka enforces it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kafka.admin import KafkaAdminClient, NewTopic

from pipelines.config import Settings
from pipelines.security import KafkaSecurity, kafka_python_options

CATALOG_KINDS = (
    "tenants", "sites", "chargers", "tokens", "accounts", "tariffs", "tariff_assignments", "idle_fees",
    "discounts", "vouchers", "subscription_plans", "blocklist",
)  # fmt: skip
COMPACTED = {"cleanup.policy": "compact"}
TOPIC_EXISTS = 36
LEGAL_NAME = re.compile(r"[a-zA-Z0-9._-]{1,249}")


class TopicCreationError(RuntimeError):
    """The broker refused to create one or more topics; the message names each with its reason."""


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)
    replication_factor: int = 1

    @property
    def compacted(self) -> bool:
        return self.configs.get("cleanup.policy") == "compact"


def spec_problems(spec: TopicSpec) -> list[str]:
    """What Kafka would refuse about spec (Tansu accepts anything, so we check before asking)."""
    problems = []
    if not LEGAL_NAME.fullmatch(spec.name) or spec.name in (".", ".."):
        problems.append(f"{spec.name!r}: a topic name is 1-249 of the characters a-z A-Z 0-9 . _ -")
    if spec.partitions < 1:
        problems.append(f"{spec.name!r}: partitions must be at least 1, not {spec.partitions}")
    if spec.replication_factor < 1:
        problems.append(f"{spec.name!r}: replication factor must be at least 1, not {spec.replication_factor}")
    return problems


def catalog_topic(settings: Settings, kind: str) -> str:
    return f"{settings.topics.catalog_prefix}{kind}"


def pipeline_topic_specs(settings: Settings) -> list[TopicSpec]:
    """Every topic the pipeline reads or writes, with the partitioning and compaction it relies on."""
    topics = settings.topics
    streams = [
        topics.inbound,
        topics.events,
        topics.deadletter,
        topics.sessions_closed,
        topics.sessions_priced,
        topics.sessions_rated,
        topics.sessions_running,
        topics.sessions_costs,
        topics.notifications,
        topics.notification_deliveries,
        topics.flags,
        topics.wallet_ledger,
        topics.wallet_commands,
        topics.payment_requests,
        topics.payment_results,
        topics.refund_requests,
        topics.refund_events,
    ]
    rf = settings.replication_factor
    durable = {"min.insync.replicas": str(settings.min_insync_replicas)} if rf > 1 else {}
    stream = {"retention.ms": str(settings.retention_ms), **durable}
    compacted = {**COMPACTED, **durable}
    specs = [TopicSpec(name, settings.partitions, dict(stream), rf) for name in streams]
    specs.append(TopicSpec(topics.session_state, settings.partitions, dict(compacted), rf))
    specs.extend(TopicSpec(catalog_topic(settings, kind), 1, dict(compacted), rf) for kind in CATALOG_KINDS)
    return specs


def ensure_topics(
    bootstrap: str,
    specs: Iterable[TopicSpec],
    client_id: str = "chargeledger-topics",
    security: KafkaSecurity | None = None,
) -> list[str]:
    """Create the topics that do not exist yet; returns the names created. Existing topics are left as they are."""
    wanted = list(specs)
    problems = [problem for spec in wanted for problem in spec_problems(spec)]
    if problems:
        raise TopicCreationError("invalid topic specs: " + "; ".join(problems))
    admin = admin_client(bootstrap, client_id, security)
    try:
        existing = set(admin.list_topics())
        missing = [spec for spec in wanted if spec.name not in existing]
        if not missing:
            return []
        response = admin.create_topics([_new_topic(spec) for spec in missing], raise_errors=False)
    finally:
        admin.close()
    return created_or_raise(response)


def admin_client(bootstrap: str, client_id: str, security: KafkaSecurity | None = None) -> KafkaAdminClient:
    options = kafka_python_options(security) if security is not None else {}
    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id, **options)


def _new_topic(spec: TopicSpec) -> NewTopic:
    return NewTopic(spec.name, spec.partitions, spec.replication_factor, topic_configs=dict(spec.configs))


def created_or_raise(response: dict) -> list[str]:
    created: list[str] = []
    problems: list[str] = []
    for result in response["topics"]:
        code = result["error_code"]
        if code == 0:
            created.append(result["name"])
        elif code != TOPIC_EXISTS:
            problems.append(f"{result['name']}: {result.get('error_message') or f'error code {code}'}")
    if problems:
        raise TopicCreationError("could not create topics: " + "; ".join(problems))
    return created
