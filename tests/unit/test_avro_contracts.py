"""Every topic the pipeline writes has an Avro contract that the reference implementation accepts."""

import json
from pathlib import Path

import avro.schema

from pipelines.config import Topics

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "avro"
# Topic field -> schema file; the state changelog is internal (versioned JSON, see pipelines/hotpath/process.py)
# and catalog topics carry the operator's validated catalog entities as canonical JSON.
CONTRACTS = {
    "events": "charging_event.avsc",
    "deadletter": "dead_letter.avsc",
    "sessions_closed": "closed_session.avsc",
    "sessions_rated": "rated_session.avsc",
    "notifications": "notification.avsc",
}


def test_each_output_topic_has_a_contract_and_a_major_version() -> None:
    topics = Topics()
    internal = {"inbound", "session_state", "catalog_prefix"}
    assert set(CONTRACTS) == set(Topics.model_fields) - internal
    for field in CONTRACTS:
        assert getattr(topics, field).endswith(".v1")


def test_the_reference_avro_implementation_parses_every_contract() -> None:
    names = avro.schema.Names()
    for file in ["charging_event.avsc", "dead_letter.avsc", "closed_session.avsc", "rated_session.avsc",
                 "notification.avsc"]:  # fmt: skip
        schema = avro.schema.make_avsc_object(json.loads((SCHEMAS / file).read_text()), names)
        assert schema.type == "record" and schema.doc
    assert sorted(p.name for p in SCHEMAS.glob("*.avsc")) == sorted(CONTRACTS.values())
