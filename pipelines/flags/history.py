"""Rules across a token's or a connector's sessions: concurrent use, impossible travel, rapid short sessions,
meter gaps between consecutive sessions.

State is a bounded memory of recent sessions per token and per connector (`History`), keyed by session id so a
redelivered or re-rated session replaces itself instead of counting twice. A flag's keys are the session ids of
the finding (the pair, or the session completing a burst), so it is raised once whatever the arrival order.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pipelines.flags.facts import SessionFacts
from pipelines.flags.models import Flag, FlagType, Severity, SubjectType, raise_flag
from pipelines.sessions.models import NO_ENERGY_READINGS

EARTH_RADIUS_KM = 6371.0
PER_TOKEN = 32  # sessions remembered per token and per connector
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # origin of the rapid-sessions window grid
MAX_KEYS = 200_000  # tokens and connectors remembered per worker; the least recently used are forgotten


@dataclass(frozen=True, slots=True)
class Use:
    """What the rules keep of one session."""

    session_id: str
    charge_point_id: str
    site_id: str
    position: tuple[float, float] | None
    started_at: datetime
    stopped_at: datetime
    meter_start_wh: Decimal
    meter_stop_wh: Decimal
    metered: bool  # it had energy readings, and a real stop (not a provisional close)


def use_of(facts: SessionFacts) -> Use:
    s = facts.session
    metered = NO_ENERGY_READINGS not in s.anomalies and not s.estimated
    return Use(
        s.session_id,
        s.charge_point_id,
        facts.site_id,
        facts.position,
        s.started_at,
        s.stopped_at,
        s.meter_start_wh,
        s.meter_stop_wh,
        metered,
    )


class Recent:
    """Bounded LRU of key -> that key's recent uses by session id."""

    def __init__(self, max_keys: int = MAX_KEYS, per_key: int = PER_TOKEN) -> None:
        self.max_keys, self.per_key = max_keys, per_key
        self._uses: OrderedDict[tuple[str, ...], dict[str, Use]] = OrderedDict()

    def others(self, key: tuple[str, ...], session_id: str) -> list[Use]:
        return [use for sid, use in self._uses.get(key, {}).items() if sid != session_id]

    def remember(self, key: tuple[str, ...], use: Use) -> None:
        uses = self._uses.pop(key, {})
        uses[use.session_id] = use
        if len(uses) > self.per_key:
            oldest = min(uses.values(), key=lambda u: u.started_at)
            del uses[oldest.session_id]
        self._uses[key] = uses
        if len(self._uses) > self.max_keys:
            self._uses.popitem(last=False)


@dataclass(slots=True)
class History:
    tokens: Recent = field(default_factory=Recent)
    connectors: Recent = field(default_factory=Recent)


def history_flags(history: History, facts: SessionFacts) -> list[Flag]:
    """The cross-session flags this session raises, then remembered for the sessions after it."""
    s, use = facts.session, use_of(facts)
    flags: list[Flag] = []
    if s.id_tag:
        token_key = (s.tenant_id, s.id_tag)
        others = history.tokens.others(token_key, s.session_id)
        flags += concurrent_use(facts, use, others) + impossible_travel(facts, use, others)
        flags += rapid_short_sessions(facts, use, others)
        history.tokens.remember(token_key, use)
    connector_key = (s.tenant_id, s.charge_point_id, str(s.connector_id))
    flags += meter_gaps(facts, use, history.connectors.others(connector_key, s.session_id))
    history.connectors.remember(connector_key, use)
    return flags


def _pair(
    facts: SessionFacts, kind: FlagType, severity: Severity, a: Use, b: Use, evidence: Mapping[str, object]
) -> Flag:
    first, second = sorted((a, b), key=lambda u: (u.started_at, u.session_id))
    s = facts.session
    subject = (SubjectType.TOKEN, s.id_tag) if kind in _TOKEN_PAIRS else (SubjectType.CONNECTOR, _connector(facts))
    return raise_flag(
        s.tenant_id,
        kind,
        severity,
        subject,
        keys=(first.session_id, second.session_id),
        evidence={"first_session_id": first.session_id, "second_session_id": second.session_id, **evidence},
        at=max(first.stopped_at, second.stopped_at),
    )


_TOKEN_PAIRS = frozenset({FlagType.CONCURRENT_TOKEN_USE, FlagType.IMPOSSIBLE_TRAVEL})


def _connector(facts: SessionFacts) -> str:
    return f"{facts.session.charge_point_id}/{facts.session.connector_id}"


def concurrent_use(facts: SessionFacts, use: Use, others: list[Use]) -> list[Flag]:
    """The same token charging at another station while this session ran, for longer than the policy allows."""
    allowed = timedelta(minutes=float(facts.policy.min_overlap_minutes))
    flags = []
    for other in others:
        overlap = min(use.stopped_at, other.stopped_at) - max(use.started_at, other.started_at)
        if other.charge_point_id != use.charge_point_id and overlap > allowed:
            evidence = {
                "charge_point_ids": sorted({use.charge_point_id, other.charge_point_id}),
                "overlap_s": int(overlap.total_seconds()),
                "allowed_s": int(allowed.total_seconds()),
            }
            flags.append(_pair(facts, FlagType.CONCURRENT_TOKEN_USE, Severity.CRITICAL, use, other, evidence))
    return flags


def impossible_travel(facts: SessionFacts, use: Use, others: list[Use]) -> list[Flag]:
    """Consecutive uses at two sites further apart than the policy's top speed covers in the time between."""
    policy, flags = facts.policy, []
    for other in others:
        if use.position is None or other.position is None or other.site_id == use.site_id:
            continue
        distance = haversine_km(use.position, other.position)
        first, second = sorted((use, other), key=lambda u: u.started_at)
        hours = max((second.started_at - first.stopped_at).total_seconds(), 0) / 3600
        if distance < policy.min_travel_distance_km or distance <= policy.max_travel_speed_kmh * hours:
            continue
        evidence = {
            "site_ids": [first.site_id, second.site_id],
            "distance_km": round(distance, 1),
            "hours_between": round(hours, 3),
            "max_speed_kmh": policy.max_travel_speed_kmh,
        }
        flags.append(_pair(facts, FlagType.IMPOSSIBLE_TRAVEL, Severity.CRITICAL, use, other, evidence))
    return flags


def rapid_short_sessions(facts: SessionFacts, use: Use, others: list[Use]) -> list[Flag]:
    """At least the policy's count of short sessions of one token within a window.

    Windows lie on a grid of half their length, so a burst within half a window always falls into one; a window is
    named by its start, so it is raised once whatever order its sessions arrive in (a long burst may raise two
    overlapping windows).
    """
    policy = facts.policy
    short = timedelta(minutes=float(policy.short_session_minutes))
    window = timedelta(minutes=float(policy.rapid_window_minutes))
    if use.stopped_at - use.started_at >= short:
        return []
    shorts = [o for o in others if o.stopped_at - o.started_at < short] + [use]
    step = window / 2
    first = EPOCH + ((use.started_at - EPOCH) // step) * step - step
    flags = []
    for begins in (first, first + step):
        burst = [u for u in shorts if begins <= u.started_at < begins + window]
        if len(burst) >= policy.rapid_session_count:
            flags.append(_burst(facts, begins, burst))
    return flags


def _burst(facts: SessionFacts, begins: datetime, burst: list[Use]) -> Flag:
    policy, s = facts.policy, facts.session
    evidence = {
        "session_ids": sorted(u.session_id for u in burst),
        "window_start": begins.isoformat(),
        "window_minutes": policy.rapid_window_minutes,
        "short_minutes": policy.short_session_minutes,
    }
    return raise_flag(
        s.tenant_id,
        FlagType.RAPID_SHORT_SESSIONS,
        Severity.WARNING,
        (SubjectType.TOKEN, s.id_tag),
        keys=(s.id_tag, begins.isoformat()),
        evidence=evidence,
        at=max(u.stopped_at for u in burst),
    )


def meter_gaps(facts: SessionFacts, use: Use, others: list[Use]) -> list[Flag]:
    """Compare this session with its neighbours on the connector: the register should carry over unchanged."""
    metered = [o for o in others if o.metered]
    earlier = (o for o in metered if o.stopped_at <= use.started_at)
    later = (o for o in metered if o.started_at >= use.stopped_at)
    before = max(earlier, key=lambda o: (o.stopped_at, o.session_id), default=None)
    after = min(later, key=lambda o: (o.started_at, o.session_id), default=None)
    flags = []
    for first, second in ((before, use), (use, after)):
        if first is None or second is None or not first.metered or not second.metered:
            continue
        gap = second.meter_start_wh - first.meter_stop_wh
        if abs(gap) <= facts.policy.meter_gap_wh:
            continue
        kind, severity = (
            (FlagType.METER_GAP, Severity.WARNING) if gap > 0 else (FlagType.METER_BACKWARDS, Severity.CRITICAL)
        )
        evidence = {
            "meter_stop_wh": first.meter_stop_wh,
            "next_meter_start_wh": second.meter_start_wh,
            "gap_wh": gap,
            "tolerance_wh": facts.policy.meter_gap_wh,
        }
        flags.append(_pair(facts, kind, severity, first, second, evidence))
    return flags


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))
