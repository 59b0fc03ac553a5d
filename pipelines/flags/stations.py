"""Station health from status and liveness events: fault-rate spikes, silent stations, connectors stuck Faulted.

Pure state per charge point, `observe_status` per status and `sweep(now)` on a timer. Liveness (`seen`) is by
arrival time, as silence is judged against the wall clock; faults by the gateway's receive time of the status.
Keys make each finding raised once:
a spike by the fault that crossed the threshold, a silence by the last time the station was heard, a stuck
connector by the time it went Faulted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipelines.catalog.flag_policy import FlagPolicy
from pipelines.flags.models import Flag, FlagType, Severity, SubjectType, raise_flag

FAULTED = "Faulted"
MAX_FAULTS = 256  # fault times remembered per station


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """What station rules need of a StatusNotification (or a status-bearing event)."""

    connector_id: int
    status: str
    error_code: str | None
    at: datetime


@dataclass(slots=True)
class StationState:
    tenant_id: str
    charge_point_id: str
    last_seen: datetime
    faulted_since: dict[int, datetime] = field(default_factory=dict)  # connector -> when it went Faulted
    faults: set[tuple[int, datetime]] = field(default_factory=set)  # (connector, time) of Faulted statuses
    raised: set[str] = field(default_factory=set)  # flag ids of silences and stuck connectors already raised


def seen(state: StationState, at: datetime) -> None:
    """Any frame of the station: it is alive."""
    if at > state.last_seen:
        state.last_seen = at


def observe_status(state: StationState, event: StatusEvent, policy: FlagPolicy) -> list[Flag]:
    """Track Faulted connectors; a Faulted status that makes the window's count exceed the policy is a spike."""
    seen(state, event.at)
    if event.status != FAULTED:
        state.faulted_since.pop(event.connector_id, None)
        return []
    state.faulted_since.setdefault(event.connector_id, event.at)
    state.faults.add((event.connector_id, event.at))
    window = timedelta(minutes=float(policy.fault_rate_window_minutes))
    state.faults = {f for f in state.faults if f[1] > event.at - 2 * window}
    if len(state.faults) > MAX_FAULTS:
        state.faults = set(sorted(state.faults, key=lambda f: f[1])[-MAX_FAULTS:])
    recent = sorted(f for f in state.faults if event.at - window < f[1] <= event.at)
    if len(recent) != policy.fault_rate_max + 1:
        return []
    evidence = {
        "charge_point_id": state.charge_point_id,
        "faults": len(recent),
        "max_faults": policy.fault_rate_max,
        "window_minutes": policy.fault_rate_window_minutes,
        "error_code": event.error_code,
        "connector_ids": sorted({c for c, _ in recent}),
    }
    key = (state.charge_point_id, str(event.connector_id), event.at.isoformat())
    flag = raise_flag(
        state.tenant_id,
        FlagType.FAULT_RATE_SPIKE,
        Severity.WARNING,
        (SubjectType.CHARGE_POINT, state.charge_point_id),
        keys=key,
        evidence=evidence,
        at=event.at,
    )
    return [flag]


def sweep(state: StationState, now: datetime, policy: FlagPolicy) -> list[Flag]:
    """Silence past the heartbeat interval times the grace factor, and connectors Faulted for too long."""
    flags = []
    silent_after = timedelta(seconds=float(policy.heartbeat_interval_s * policy.heartbeat_grace_factor))
    cp = state.charge_point_id
    if now - state.last_seen > silent_after:
        evidence = {
            "charge_point_id": cp,
            "last_seen": state.last_seen.isoformat(),
            "heartbeat_interval_s": policy.heartbeat_interval_s,
            "grace_factor": policy.heartbeat_grace_factor,
        }
        flags.append(
            raise_flag(
                state.tenant_id,
                FlagType.STATION_SILENT,
                Severity.WARNING,
                (SubjectType.CHARGE_POINT, cp),
                keys=(cp, state.last_seen.isoformat()),
                evidence=evidence,
                at=state.last_seen + silent_after,
            )
        )
    stuck_after = timedelta(minutes=float(policy.faulted_stuck_minutes))
    for connector, since in sorted(state.faulted_since.items()):
        if now - since > stuck_after:
            evidence = {
                "charge_point_id": cp,
                "connector_id": connector,
                "faulted_since": since.isoformat(),
                "threshold_minutes": policy.faulted_stuck_minutes,
            }
            flags.append(
                raise_flag(
                    state.tenant_id,
                    FlagType.CONNECTOR_STUCK_FAULTED,
                    Severity.CRITICAL,
                    (SubjectType.CONNECTOR, f"{cp}/{connector}"),
                    keys=(cp, str(connector), since.isoformat()),
                    evidence=evidence,
                    at=since + stuck_after,
                )
            )
    fresh = [flag for flag in flags if flag.flag_id not in state.raised]
    state.raised = {flag.flag_id for flag in flags}  # forget findings that ended (heard again, repaired)
    return fresh
