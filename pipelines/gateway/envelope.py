"""The input-contract envelope of one frame, with the frame's own JSON text spliced in unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

UPSTREAM = "upstream"
DOWNSTREAM = "downstream"


def utc_text(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds and Z, as in the envelope's received_at."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def envelope(
    charge_point_id: str,
    tenant_id: str | None,
    protocol: str,
    received_at: datetime,
    direction: str,
    action: str,
    message: bytes,
) -> bytes:
    """One ocpp.inbound record value. `message` must be JSON text: it is embedded byte for byte, so the frame
    keeps its exact numbers and spelling. A station the catalog does not know has no tenant (null): the
    pipeline dead-letters its frames, which keeps them visible to operators."""
    head = orjson.dumps(
        {
            "charge_point_id": charge_point_id,
            "tenant_id": tenant_id,
            "protocol": protocol,
            "received_at": utc_text(received_at),
            "direction": direction,
            "action": action,
        }
    )
    return b"".join((head[:-1], b',"message":', message, b"}"))
