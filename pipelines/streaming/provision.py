"""`chargeledger topics apply`: create missing topics, check existing ones against their specs, change nothing.

An existing topic with fewer partitions, another replication factor or other configs is reported, never
altered: adding partitions re-keys every charge point (state and changelogs are co-partitioned), and a
retention change can delete data. The operator decides. Configs are read with DescribeConfigs' "all"
filter (Tansu 0.6 labels every config a default, so "modified" would show none); a key a broker does not
report at all is left unverified and listed as such, never assumed to match.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from pipelines.config import Settings
from pipelines.errors import UserError
from pipelines.streaming.topics import TopicSpec, admin_client, ensure_topics, pipeline_topic_specs


class TopicMismatchError(UserError):
    """Existing topics differ from their specs; the message names each difference."""


@dataclass(frozen=True)
class ExistingTopic:
    """What the broker reports about a topic; configs None when it reports none."""

    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str] | None


@dataclass
class TopicReport:
    created: list[str] = field(default_factory=list)
    matching: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    unverified: dict[str, list[str]] = field(default_factory=dict)  # config key -> topics it could not be checked on

    def render(self) -> str:
        lines = [f"created {len(self.created)} topic(s): {', '.join(self.created) or 'none, all present'}"]
        lines.append(f"{len(self.matching)} existing topic(s) match their specs")
        if self.unverified:
            counts = ", ".join(f"{key} on {len(topics)} topic(s)" for key, topics in sorted(self.unverified.items()))
            lines.append(f"not reported by the broker, so not checked: {counts}")
        lines += [f"MISMATCH: {line}" for line in self.mismatches]
        return "\n".join(lines)


def compare(spec: TopicSpec, existing: ExistingTopic) -> tuple[list[str], list[str]]:
    """(mismatches, unverified config keys) of an existing topic against its spec."""
    mismatches = []
    if existing.partitions != spec.partitions:
        mismatches.append(f"{spec.name}: {existing.partitions} partitions, spec wants {spec.partitions}")
    if existing.replication_factor != spec.replication_factor:
        mismatches.append(
            f"{spec.name}: replication factor {existing.replication_factor}, spec wants {spec.replication_factor}"
        )
    reported = existing.configs or {}
    unverified = sorted(key for key in spec.configs if key not in reported)
    mismatches += [
        f"{spec.name}: {key}={reported[key]}, spec wants {value}"
        for key, value in sorted(spec.configs.items())
        if key in reported and reported[key] != value
    ]
    return mismatches, unverified


def describe(admin: KafkaAdminClient, names: list[str]) -> dict[str, ExistingTopic]:
    if not names:
        return {}
    resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
    configs = admin.describe_configs(resources, config_filter="all")
    by_topic = configs.get("topic", {})
    found = {}
    for topic in admin.describe_topics(names):
        partitions = topic["partitions"]
        replication = min((len(p["replica_nodes"]) for p in partitions), default=0)
        reported = {key: str(entry.get("value")) for key, entry in by_topic.get(topic["name"], {}).items()}
        found[topic["name"]] = ExistingTopic(topic["name"], len(partitions), replication, reported or None)
    return found


def apply_topics(settings: Settings, specs: list[TopicSpec] | None = None) -> TopicReport:
    """Create what is missing, then check every pre-existing topic; raises nothing for mismatches (see report)."""
    wanted = pipeline_topic_specs(settings) if specs is None else specs
    security = settings.kafka_security
    created = ensure_topics(settings.kafka_bootstrap_servers, wanted, security=security)
    report = TopicReport(created=created)
    admin = admin_client(settings.kafka_bootstrap_servers, "chargeledger-topics", security)
    try:
        existing = describe(admin, [spec.name for spec in wanted if spec.name not in created])
    finally:
        admin.close()
    for spec in wanted:
        if spec.name not in existing:
            continue
        mismatches, unverified = compare(spec, existing[spec.name])
        report.mismatches += mismatches
        for key in unverified:
            report.unverified.setdefault(key, []).append(spec.name)
        if not mismatches:
            report.matching.append(spec.name)
    return report
