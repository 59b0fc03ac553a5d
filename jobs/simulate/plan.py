"""One connector's day as plans: who came, when they started and stopped, what the meter read, what broke."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ocpp.v16.enums import AuthorizationStatus, ChargePointErrorCode, Reason

from jobs.simulate.driver import ChargeCurve, Visit, charge_curve, dc_departure_after_full, draw_visit, next_arrival
from jobs.simulate.inventory import SimChargePoint
from pipelines.catalog.models import Connector, PowerType

REFUSED_SHARE = 0.03  # arrivals with a blocked/expired card
UNKNOWN_CARD_SHARE = 0.01  # arrivals with a card the operator never issued
FAULT_SHARE = 0.02  # sessions a station fault interrupts
FAULTS = (
    (ChargePointErrorCode.ground_failure, Reason.emergency_stop),
    (ChargePointErrorCode.over_current_failure, Reason.emergency_stop),
    (ChargePointErrorCode.high_temperature, Reason.other),
    (ChargePointErrorCode.ev_communication_error, Reason.other),
    (ChargePointErrorCode.power_switch_failure, Reason.power_loss),
)


@dataclass(frozen=True, slots=True)
class Fault:
    at: datetime
    error_code: ChargePointErrorCode
    reason: Reason
    repaired_at: datetime


@dataclass(frozen=True, slots=True)
class SessionPlan:
    charge_point: SimChargePoint
    connector: Connector
    id_tag: str
    visit: Visit
    authorized_at: datetime
    started_at: datetime
    stopped_at: datetime
    full_at: datetime | None  # the car reached its limit while still plugged in (SuspendedEV from here)
    curve: ChargeCurve
    meter_start_wh: int
    meter_stop_wh: int
    fault: Fault | None
    free_at: datetime  # connector Available again

    @property
    def reason(self) -> Reason:
        if self.fault is not None:
            return self.fault.reason
        return Reason.local if self.visit.stops_locally else Reason.ev_disconnected

    def register_at(self, at: datetime) -> int:
        _, energy, _ = self.curve.at((at - self.started_at).total_seconds())
        return self.meter_start_wh + int(energy)


@dataclass(frozen=True, slots=True)
class RefusedPlan:
    charge_point: SimChargePoint
    connector: Connector
    id_tag: str
    verdict: AuthorizationStatus
    arrival: datetime
    free_at: datetime


def plan_connector(
    rng: random.Random, cp: SimChargePoint, connector: Connector, opens: datetime, closes: datetime, register: int
) -> list[SessionPlan | RefusedPlan]:
    """Arrivals between `opens` and `closes` (site-local aware datetimes); the meter register carries over."""
    plans: list[SessionPlan | RefusedPlan] = []
    free = opens
    while (arrival := next_arrival(rng, connector.power_type, free, closes)) is not None:
        roll = rng.random()
        if roll < REFUSED_SHARE + UNKNOWN_CARD_SHARE:
            plans.append(_refused(rng, cp, connector, arrival, unknown=roll < UNKNOWN_CARD_SHARE))
        else:
            plans.append(_session(rng, cp, connector, draw_visit(rng, connector.power_type, arrival), register))
            register = plans[-1].meter_stop_wh  # type: ignore[union-attr]
        free = plans[-1].free_at
    return plans


def _refused(
    rng: random.Random, cp: SimChargePoint, connector: Connector, arrival: datetime, *, unknown: bool
) -> RefusedPlan:
    if unknown or not cp.refused_tokens:
        uid, verdict = "".join(rng.choice("0123456789ABCDEF") for _ in range(8)), AuthorizationStatus.invalid
    else:
        uid, verdict = rng.choice(cp.refused_tokens)
    return RefusedPlan(cp, connector, uid, verdict, arrival, arrival + timedelta(seconds=rng.randint(40, 120)))


def _session(rng: random.Random, cp: SimChargePoint, connector: Connector, visit: Visit, register: int) -> SessionPlan:
    authorized = visit.arrival + timedelta(seconds=rng.randint(5, 25))
    started = authorized + timedelta(seconds=rng.randint(2, 6))
    curve = charge_curve(connector.power_type, connector.max_power_kw, visit, visit.dwell.total_seconds())
    full = started + timedelta(seconds=curve.full_after_s) if curve.full_after_s is not None else None
    leaves = started + visit.dwell
    if connector.power_type is PowerType.DC and full is not None:
        leaves = min(leaves, full + dc_departure_after_full(rng))
    fault = _fault(rng, started, min(leaves, full or leaves)) if rng.random() < FAULT_SHARE else None
    stopped = fault.at + timedelta(seconds=2) if fault else max(leaves, started + timedelta(seconds=30))
    stopped = stopped.replace(microsecond=0)
    plan = SessionPlan(
        cp, connector, rng.choice(cp.accepted_tokens), visit, authorized, started, stopped,
        full if full is not None and full < stopped else None, curve, register, register, fault,
        fault.repaired_at if fault else stopped + timedelta(seconds=rng.randint(15, 90)),
    )  # fmt: skip
    return _with_meter_stop(plan)


def _with_meter_stop(plan: SessionPlan) -> SessionPlan:
    return replace(plan, meter_stop_wh=plan.register_at(plan.stopped_at))


def _fault(rng: random.Random, started: datetime, charging_ends: datetime) -> Fault:
    span = max((charging_ends - started).total_seconds(), 60)
    at = started + timedelta(seconds=int(span * rng.uniform(0.2, 0.8)))
    error_code, reason = rng.choice(FAULTS)
    return Fault(at, error_code, reason, at + timedelta(minutes=rng.randint(20, 90)))
