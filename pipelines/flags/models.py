"""The Flag record: what a rule found, about whom, with the evidence, under an id that makes it raised once."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import orjson


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class FlagType(StrEnum):
    # token misuse
    BLOCKED_TOKEN_USED = "blocked_token_used"  # noqa: S105 - a flag type, not a secret
    EXPIRED_TOKEN_USED = "expired_token_used"  # noqa: S105 - a flag type, not a secret
    UNKNOWN_TOKEN_USED = "unknown_token_used"  # noqa: S105 - a flag type, not a secret
    CONCURRENT_TOKEN_USE = "concurrent_token_use"  # noqa: S105 - one token active at two stations at once
    IMPOSSIBLE_TRAVEL = "impossible_travel"
    # metering
    METER_BACKWARDS = "meter_backwards"
    METER_GAP = "meter_gap"  # meterStart differs from the connector's previous meterStop
    ENERGY_ABOVE_MAX_POWER = "energy_above_max_power"
    POWER_ABOVE_RATING = "power_above_rating"
    # sessions
    ZERO_ENERGY = "zero_energy"
    LONG_SESSION = "long_session"
    RAPID_SHORT_SESSIONS = "rapid_short_sessions"
    PROVISIONAL_CLOSE = "provisional_close"
    # revenue
    REVENUE_OUTLIER = "revenue_outlier"
    # stations
    FAULT_RATE_SPIKE = "fault_rate_spike"
    STATION_SILENT = "station_silent"
    CONNECTOR_STUCK_FAULTED = "connector_stuck_faulted"


# Misuse of a token the catalog still accepts (a cloned or shared card): with the tenant's `block_flagged_tokens`
# these blocklist the token. Blocked, expired and unknown tokens are refused by the gateway already, and an unknown
# uid on the blocklist would stay blocked once the operator issues that card.
BLOCKLISTING = frozenset({FlagType.CONCURRENT_TOKEN_USE, FlagType.IMPOSSIBLE_TRAVEL})


class SubjectType(StrEnum):
    TOKEN = "token"  # noqa: S105
    CHARGE_POINT = "charge_point"
    CONNECTOR = "connector"  # charge point id/connector id
    SESSION = "session"
    SITE = "site"


OPEN = "open"


@dataclass(frozen=True, slots=True)
class Flag:
    """One finding; `evidence` is canonical JSON (sorted keys, decimals as text) of ids, values and thresholds."""

    flag_id: str  # hash of tenant, type and the evidence keys: the same finding always gets the same id
    tenant_id: str
    flag_type: str  # a FlagType value
    severity: str  # a Severity value
    subject_type: str  # a SubjectType value
    subject: str
    evidence: str
    raised_at: datetime  # the time of the data that raised it (not the wall clock), so a replay is identical
    status: str = OPEN


def raise_flag(
    tenant_id: str,
    flag_type: FlagType,
    severity: Severity,
    subject: tuple[SubjectType, str],
    *,
    keys: tuple[str, ...],
    evidence: Mapping[str, object],
    at: datetime,
) -> Flag:
    """A flag whose id is a hash of tenant, type and `keys` (the ids that make the finding this one)."""
    ident = "\x00".join((tenant_id, flag_type.value, *keys))
    return Flag(
        flag_id=hashlib.blake2b(ident.encode(), digest_size=16).hexdigest(),
        tenant_id=tenant_id,
        flag_type=flag_type.value,
        severity=severity.value,
        subject_type=subject[0].value,
        subject=subject[1],
        evidence=evidence_json(evidence),
        raised_at=at,
    )


def evidence_json(evidence: Mapping[str, object]) -> str:
    """Sorted keys; Decimals as exact text, datetimes as RFC 3339."""
    return orjson.dumps(evidence, default=_text, option=orjson.OPT_SORT_KEYS).decode()


def _text(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
