"""Checking existing topics against their specs: differences are named, unreported configs are not guessed."""

from pipelines.config import Settings
from pipelines.streaming.provision import ExistingTopic, TopicReport, compare
from pipelines.streaming.topics import TopicSpec, pipeline_topic_specs

SPEC = TopicSpec("sessions.rated.v1", 6, {"retention.ms": "604800000", "min.insync.replicas": "2"}, 3)


def test_a_matching_topic_has_no_mismatches() -> None:
    existing = ExistingTopic(SPEC.name, 6, 3, {"retention.ms": "604800000", "min.insync.replicas": "2", "x": "y"})
    assert compare(SPEC, existing) == ([], [])


def test_every_difference_is_named() -> None:
    existing = ExistingTopic(SPEC.name, 4, 1, {"retention.ms": "-1"})
    mismatches, unverified = compare(SPEC, existing)
    assert mismatches == [
        "sessions.rated.v1: 4 partitions, spec wants 6",
        "sessions.rated.v1: replication factor 1, spec wants 3",
        "sessions.rated.v1: retention.ms=-1, spec wants 604800000",
    ]
    assert unverified == ["min.insync.replicas"]


def test_a_broker_that_reports_no_configs_leaves_them_unverified() -> None:
    assert compare(SPEC, ExistingTopic(SPEC.name, 6, 3, None)) == ([], ["min.insync.replicas", "retention.ms"])


def test_report_renders_counts_and_mismatches() -> None:
    report = TopicReport(created=["a"], matching=["b"], mismatches=["c: 1 partitions, spec wants 2"])
    report.unverified["retention.ms"] = ["b", "c"]
    assert report.render().splitlines() == [
        "created 1 topic(s): a",
        "1 existing topic(s) match their specs",
        "not reported by the broker, so not checked: retention.ms on 2 topic(s)",
        "MISMATCH: c: 1 partitions, spec wants 2",
    ]


def test_production_settings_ask_for_replicas_retention_and_compaction() -> None:
    specs = {s.name: s for s in pipeline_topic_specs(Settings(replication_factor=3, min_insync_replicas=2))}
    assert {s.replication_factor for s in specs.values()} == {3}
    assert specs["ocpp.inbound"].configs == {"retention.ms": str(7 * 24 * 3600 * 1000), "min.insync.replicas": "2"}
    assert specs["sessions.state.v1"].configs == {"cleanup.policy": "compact", "min.insync.replicas": "2"}
    assert specs["catalog.tariffs"].configs == {"cleanup.policy": "compact", "min.insync.replicas": "2"}
