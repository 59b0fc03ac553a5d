"""The pipeline's topic specs follow Settings: names, partition counts and compaction."""

import pytest

from pipelines.config import Settings, Topics
from pipelines.streaming.topics import (
    CATALOG_KINDS,
    TopicCreationError,
    TopicSpec,
    created_or_raise,
    pipeline_topic_specs,
    spec_problems,
)


def test_specs_cover_every_topic_with_partitions_and_compaction() -> None:
    specs = {spec.name: spec for spec in pipeline_topic_specs(Settings(partitions=6))}
    for name in ("ocpp.inbound", "charging.events.v1", "ocpp.deadletter.v1", "sessions.closed.v1"):
        assert specs[name].partitions == 6
        assert not specs[name].compacted
    assert specs["sessions.state.v1"].compacted
    assert specs["sessions.state.v1"].partitions == specs["ocpp.inbound"].partitions
    for kind in CATALOG_KINDS:
        assert specs[f"catalog.{kind}"].partitions == 1
        assert specs[f"catalog.{kind}"].configs == {"cleanup.policy": "compact"}
    assert len(specs) == len(Topics.model_fields) - 1 + len(CATALOG_KINDS)  # every name but catalog_prefix


def test_names_come_from_settings() -> None:
    settings = Settings(topics=Topics(inbound="gw.frames", catalog_prefix="ops.catalog."))
    names = {spec.name for spec in pipeline_topic_specs(settings)}
    assert "gw.frames" in names
    assert "ops.catalog.tariffs" in names
    assert "ocpp.inbound" not in names


def test_every_problem_with_a_spec_is_reported() -> None:
    problems = spec_problems(TopicSpec("bad name!", 0, replication_factor=0))
    assert len(problems) == 3
    assert spec_problems(TopicSpec("ocpp.inbound_v1-x", 4)) == []
    assert spec_problems(TopicSpec("..", 1))
    assert spec_problems(TopicSpec("x" * 250, 1))


def test_broker_refusals_are_collected_but_existing_topics_are_fine() -> None:
    response = {
        "topics": [
            {"name": "a", "error_code": 0, "error_message": None},
            {"name": "b", "error_code": 36, "error_message": "Topic with this name already exists."},
            {"name": "c", "error_code": 37, "error_message": "Number of partitions is invalid."},
            {"name": "d", "error_code": 38, "error_message": None},
        ]
    }
    with pytest.raises(TopicCreationError, match=r"c: Number of partitions is invalid.; d: error code 38"):
        created_or_raise(response)
    assert created_or_raise({"topics": response["topics"][:2]}) == ["a"]
