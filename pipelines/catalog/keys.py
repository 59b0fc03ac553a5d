"""The catalog's kinds and the compaction key of each entity on its `catalog.<kind>` topic."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pipelines.rating.assign import CRITERIA

KINDS = (
    "tenants", "sites", "chargers", "tokens", "accounts", "tariffs", "tariff_assignments", "idle_fees",
    "discounts", "vouchers", "subscription_plans", "blocklist",
)  # fmt: skip
ID_FIELDS = {
    "tenants": "tenant_id",
    "sites": "site_id",
    "chargers": "charge_point_id",
    "tokens": "uid",
    "accounts": "account_id",
    "tariffs": "id",
    "idle_fees": "idle_fee_id",
    "discounts": "rule_id",
    "vouchers": "code",
    "subscription_plans": "plan_id",
    "blocklist": "uid",
}


def record_key(kind: str, body: dict[str, Any]) -> str:
    """Tenant plus the entity's id; a tariff version adds its start, an assignment is named by what it matches."""
    if kind == "tariff_assignments":
        return f"{body['tenant_id']}/{assignment_id(body)}"
    if kind == "tariffs":
        return f"{body['tenant_id']}/{tariff_version_id(body)}"
    return f"{body['tenant_id']}/{body[ID_FIELDS[kind]]}"


def assignment_id(body: dict[str, Any]) -> str:
    """Its criteria and the start of its validity: two assignments alike in both would be ambiguous."""
    parts = [body.get(name) for name in CRITERIA] + [_utc_text(body.get("valid_from"))]
    return "|".join("*" if part is None else str(part) for part in parts)


def tariff_version_id(body: dict[str, Any]) -> str:
    """`id` for a tariff without start_date_time, else `id@start` (UTC): versions of one id live side by side."""
    start = _utc_text(body.get("start_date_time"))
    return str(body["id"]) if start is None else f"{body['id']}@{start}"


def _utc_text(value: object) -> str | None:
    """An RFC 3339 text in one spelling (UTC, Z), so that equal instants give equal keys."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return parsed.isoformat().replace("+00:00", "Z")
