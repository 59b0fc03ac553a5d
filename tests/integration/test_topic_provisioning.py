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


def test_apply_creates_then_checks_and_reports_mismatches_without_changing_them(
    broker: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli.main import main
    from pipelines.streaming.provision import apply_topics

    settings = _prefixed_settings().model_copy(update={"kafka_bootstrap_servers": broker})
    specs = pipeline_topic_specs(settings)
    first = apply_topics(settings)
    assert sorted(first.created) == sorted(spec.name for spec in specs) and first.mismatches == []
    second = apply_topics(settings)
    assert second.created == [] and second.mismatches == []
    assert sorted(second.matching) == sorted(spec.name for spec in specs)
    assert second.unverified == {}

    changed = settings.model_copy(update={"partitions": 5, "retention_ms": 1000})
    report = apply_topics(changed)
    assert report.created == []
    inbound = settings.topics.inbound
    assert f"{inbound}: 3 partitions, spec wants 5" in report.mismatches
    assert f"{inbound}: retention.ms={settings.retention_ms}, spec wants 1000" in report.mismatches
    assert _partition_counts(broker, [inbound]) == {inbound: 3}  # reported, never changed

    for name, value in {"KAFKA_BOOTSTRAP_SERVERS": broker, "CHARGELEDGER_PARTITIONS": "5"}.items():
        monkeypatch.setenv(name, value)
    for field, value in settings.topics.model_dump().items():
        monkeypatch.setenv(f"CHARGELEDGER_TOPIC_{field.upper()}", value)
    assert main(["topics", "apply"]) == 2
    out, err = capsys.readouterr()
    assert "created 0 topic(s)" in out and f"MISMATCH: {inbound}: 3 partitions, spec wants 5" in out
    assert "difference(s) left unchanged" in err
