"""Topic provisioning against the real embedded broker: creates what is missing, idempotently."""

import uuid

import pytest
from kafka.admin import KafkaAdminClient

from pipelines.config import Settings, Topics
from pipelines.streaming.topics import TopicCreationError, TopicSpec, ensure_topics, pipeline_topic_specs


def _partition_counts(broker: str, names: list[str]) -> dict[str, int]:
    admin = KafkaAdminClient(bootstrap_servers=broker, client_id="test-topics")
    try:
        return {topic["name"]: len(topic["partitions"]) for topic in admin.describe_topics(names)}
    finally:
        admin.close()


def _prefixed_settings() -> Settings:
    prefix = f"t{uuid.uuid4().hex[:6]}."
    names = {field: prefix + value for field, value in Topics().model_dump().items()}
    return Settings(partitions=3, topics=Topics(**names))


def test_pipeline_topics_are_created_once(broker: str) -> None:
    specs = pipeline_topic_specs(_prefixed_settings())
    created = ensure_topics(broker, specs)
    assert sorted(created) == sorted(spec.name for spec in specs)
    assert ensure_topics(broker, specs) == []
    counts = _partition_counts(broker, [spec.name for spec in specs])
    assert counts == {spec.name: spec.partitions for spec in specs}


def test_only_missing_topics_are_created(broker: str) -> None:
    first = TopicSpec(f"t.{uuid.uuid4().hex[:8]}", 2)
    second = TopicSpec(f"t.{uuid.uuid4().hex[:8]}", 1, {"cleanup.policy": "compact"})
    assert ensure_topics(broker, [first]) == [first.name]
    assert ensure_topics(broker, [first, second]) == [second.name]


def test_invalid_specs_are_refused_before_the_broker_sees_them(broker: str) -> None:
    """Tansu would create "bad name!" with 0 partitions; Kafka would not, so neither do we."""
    good = TopicSpec(f"t.{uuid.uuid4().hex[:8]}", 1)
    with pytest.raises(TopicCreationError, match=r"'bad name!': a topic name .*'bad name!': partitions"):
        ensure_topics(broker, [good, TopicSpec("bad name!", 0)])
    assert good.name not in _topic_names(broker)


def _topic_names(broker: str) -> list[str]:
    admin = KafkaAdminClient(bootstrap_servers=broker, client_id="test-topics")
    try:
        return list(admin.list_topics())
    finally:
        admin.close()
