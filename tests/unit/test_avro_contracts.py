"""Every topic the pipeline writes has an Avro contract that the reference implementation accepts."""

import json

import avro.schema

from pipelines.config import Topics
from pipelines.streaming.codec import SCHEMA_DIR, SCHEMA_FILES

# Topic field -> record; the state changelog is internal (versioned JSON, see pipelines/hotpath/process.py)
# and catalog topics carry the operator's validated catalog entities as canonical JSON.
CONTRACTS = {
    "events": "ChargingEvent",
    "deadletter": "DeadLetter",
    "sessions_closed": "ClosedSession",
    "sessions_priced": "RatedSession",  # before account benefits (pipelines/rating/route.py)
    "sessions_rated": "RatedSession",
    "sessions_running": "ClosedSession",  # running snapshots: revision 0
    "sessions_costs": "RunningCost",
    "notifications": "Notification",
    "notification_deliveries": "NotificationDelivery",
    "flags": "Flag",
    "wallet_commands": "WalletCommand",  # internal hop: session charges and credits keyed by account
    "wallet_ledger": "WalletEntry",
    "payment_requests": "PaymentRequest",
    "payment_results": "PaymentResult",
    "refund_requests": "RefundRequest",
    "refund_events": "RefundEvent",
}


def test_each_output_topic_has_a_contract_and_a_major_version() -> None:
    topics = Topics()
    internal = {"inbound", "session_state", "catalog_prefix"}
    assert set(CONTRACTS) == set(Topics.model_fields) - internal
    for field, record in CONTRACTS.items():
        assert getattr(topics, field).endswith(".v1")
        assert (SCHEMA_DIR / SCHEMA_FILES[record]).is_file()


def test_the_reference_avro_implementation_parses_every_contract() -> None:
    names = avro.schema.Names()
    for file in SCHEMA_FILES.values():  # in dependency order: rated sessions name closed sessions
        schema = avro.schema.make_avsc_object(json.loads((SCHEMA_DIR / file).read_text()), names)
        assert schema.type == "record" and schema.doc
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.avsc")) == sorted(SCHEMA_FILES.values())
