"""Builders of envelopes and frames shared by the ingest tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime

RECEIVED = "2026-11-23T10:00:00.123Z"
READ_AT = datetime(2026, 11, 23, 10, 0, 5, tzinfo=UTC)


def envelope(message: list, action: str | None = None, direction: str = "upstream", **overrides: object) -> dict:
    doc = {
        "charge_point_id": "CP-0001",
        "tenant_id": "stadtwerk-aachen",
        "protocol": "ocpp1.6",
        "received_at": RECEIVED,
        "direction": direction,
        "action": action or message[2],
        "message": message,
    }
    doc.update(overrides)
    return doc


def encode(doc: object) -> bytes:
    return json.dumps(doc).encode()
