"""Rules that need one rated session only: the token's standing, the meter's plausibility, the session's shape.

Each rule returns the flags it raises (usually none); keys are the session id, so a redelivered or re-rated
session raises the same flag again, never a second one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from pipelines.flags.facts import SessionFacts
from pipelines.flags.models import Flag, FlagType, Severity, SubjectType, raise_flag
from pipelines.sessions.models import METER_RESET, MISSING_STOP, NO_ENERGY_READINGS, STOP_BELOW_START

HOUR_S = Decimal(3600)
# The central system's verdict (OCPP idTagInfo / idTokenInfo status) on a token a session still ran with.
VERDICTS = {
    "Blocked": FlagType.BLOCKED_TOKEN_USED,
    "Expired": FlagType.EXPIRED_TOKEN_USED,
    "Invalid": FlagType.UNKNOWN_TOKEN_USED,
    "Unknown": FlagType.UNKNOWN_TOKEN_USED,
}
STANDINGS = {"blocked": FlagType.BLOCKED_TOKEN_USED, "expired": FlagType.EXPIRED_TOKEN_USED}
TOKEN_SEVERITY = {
    FlagType.BLOCKED_TOKEN_USED: Severity.CRITICAL,
    FlagType.EXPIRED_TOKEN_USED: Severity.WARNING,
    FlagType.UNKNOWN_TOKEN_USED: Severity.WARNING,
}


def _flag(facts: SessionFacts, kind: FlagType, severity: Severity, evidence: Mapping[str, object]) -> Flag:
    s = facts.session
    return raise_flag(
        s.tenant_id,
        kind,
        severity,
        (SubjectType.SESSION, s.session_id),
        keys=(s.session_id,),
        evidence={"session_id": s.session_id, **evidence},
        at=s.stopped_at,
    )


def token_misuse(facts: SessionFacts) -> list[Flag]:
    """A session charged on a token the central system refused or the catalog holds blocked, expired or not at all."""
    s = facts.session
    if not s.id_tag:
        return []
    kind = VERDICTS.get(s.id_tag_status or "")
    if kind is None and facts.token_status is None and s.id_tag_status != "Accepted":
        kind = FlagType.UNKNOWN_TOKEN_USED
    kind = kind or STANDINGS.get(facts.token_status or "")
    if kind is None:
        return []
    flag = raise_flag(
        s.tenant_id,
        kind,
        TOKEN_SEVERITY[kind],
        (SubjectType.TOKEN, s.id_tag),
        keys=(s.session_id,),
        evidence={
            "session_id": s.session_id,
            "id_tag": s.id_tag,
            "id_tag_status": s.id_tag_status,
            "catalog_status": facts.token_status,
            "charge_point_id": s.charge_point_id,
        },
        at=s.started_at,
    )
    return [flag]


def meter_backwards(facts: SessionFacts) -> list[Flag]:
    """The register fell within the session (reset, rollover, swap) or the stop reading is below the start."""
    found = [a for a in facts.session.anomalies if a in (METER_RESET, STOP_BELOW_START)]
    if not found:
        return []
    s = facts.session
    evidence = {"anomalies": found, "meter_start_wh": s.meter_start_wh, "meter_stop_wh": s.meter_stop_wh}
    return [_flag(facts, FlagType.METER_BACKWARDS, Severity.CRITICAL, evidence)]


def energy_above_max_power(facts: SessionFacts) -> list[Flag]:
    """More energy than the connector's rating allows over the whole session, with the policy's tolerance."""
    s = facts.session
    if facts.rating_kw is None or s.energy_wh <= 0:
        return []
    hours = Decimal((s.stopped_at - s.started_at).total_seconds()) / HOUR_S
    limit_wh = facts.rating_kw * 1000 * hours * (1 + facts.policy.energy_tolerance_percent / 100)
    if s.energy_wh <= limit_wh:
        return []
    evidence = {
        "energy_wh": s.energy_wh,
        "limit_wh": round(limit_wh, 3),
        "rating_kw": facts.rating_kw,
        "duration_h": round(hours, 6),
        "tolerance_percent": facts.policy.energy_tolerance_percent,
    }
    return [_flag(facts, FlagType.ENERGY_ABOVE_MAX_POWER, Severity.CRITICAL, evidence)]


def power_above_rating(facts: SessionFacts) -> list[Flag]:
    """A power reading above the connector's rating, with the policy's tolerance."""
    if facts.rating_kw is None:
        return []
    readings = [p.max_power_w for p in facts.session.periods if p.max_power_w is not None]
    limit_w = facts.rating_kw * 1000 * (1 + facts.policy.power_tolerance_percent / 100)
    if not readings or max(readings) <= limit_w:
        return []
    evidence = {"max_power_w": max(readings), "limit_w": limit_w, "rating_kw": facts.rating_kw}
    return [_flag(facts, FlagType.POWER_ABOVE_RATING, Severity.WARNING, evidence)]


def zero_energy(facts: SessionFacts) -> list[Flag]:
    """A finished session that delivered nothing (provisional ones are flagged as such instead)."""
    s = facts.session
    if s.estimated or s.energy_wh > 0:
        return []
    evidence = {"energy_wh": s.energy_wh, "no_energy_readings": NO_ENERGY_READINGS in s.anomalies}
    return [_flag(facts, FlagType.ZERO_ENERGY, Severity.INFO, evidence)]


def long_session(facts: SessionFacts) -> list[Flag]:
    s = facts.session
    hours = Decimal((s.stopped_at - s.started_at).total_seconds()) / HOUR_S
    if hours <= facts.policy.long_session_hours:
        return []
    evidence = {"duration_h": round(hours, 3), "threshold_h": facts.policy.long_session_hours}
    return [_flag(facts, FlagType.LONG_SESSION, Severity.WARNING, evidence)]


def provisional_close(facts: SessionFacts) -> list[Flag]:
    """Closed without a stop: billed from the last reading until (if ever) the stop arrives."""
    s = facts.session
    if not s.estimated or MISSING_STOP not in s.anomalies:
        return []
    return [_flag(facts, FlagType.PROVISIONAL_CLOSE, Severity.WARNING, {"last_reading_at": s.stopped_at.isoformat()})]


SESSION_RULES: tuple[Callable[[SessionFacts], list[Flag]], ...] = (
    token_misuse,
    meter_backwards,
    energy_above_max_power,
    power_above_rating,
    zero_energy,
    long_session,
    provisional_close,
)


def session_flags(facts: SessionFacts) -> list[Flag]:
    return [flag for rule in SESSION_RULES for flag in rule(facts)]
