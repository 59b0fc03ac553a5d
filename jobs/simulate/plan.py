"""One connector's day as plans: who came, when they started and stopped, what the meter read, what broke."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ocpp.v16.enums import AuthorizationStatus, ChargePointErrorCode, Reason

from jobs.simulate.cards import Cards
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


@dataclass(slots=True)
class ConnectorDay:
    """One connector's arrivals, planned one at a time so that the fleet hands out cards in arrival order."""

    rng: random.Random
    charge_point: SimChargePoint
    connector: Connector
    closes: datetime  # no arrivals from here (site-local midnight)
    register: int  # the meter now: it carries over from session to session and from day to day
    free: datetime  # the connector is free from here
    plans: list[SessionPlan | RefusedPlan] = field(default_factory=list)

    def next_arrival(self) -> datetime | None:
        return next_arrival(self.rng, self.connector.power_type, self.free, self.closes)

    def arrive(self, arrival: datetime, cards: Cards) -> None:
        """Someone comes: a refused card, a session with a free driver's card, or nobody if no driver is free."""
        cp, connector = self.charge_point, self.connector
        roll = self.rng.random()
        plan: SessionPlan | RefusedPlan
        if roll < REFUSED_SHARE + UNKNOWN_CARD_SHARE:
            plan = _refused(self.rng, cp, connector, arrival, unknown=roll < UNKNOWN_CARD_SHARE)
        elif (card := cards.pick(cp, arrival)) is None:
            self.free = arrival  # every driver who could come is busy elsewhere: the arrival does not happen
            return
        else:
            plan = _session(self.rng, cp, connector, draw_visit(self.rng, connector.power_type, arrival), card,
                            self.register)  # fmt: skip
            cards.hold(cp, card, plan.free_at)
            self.register = plan.meter_stop_wh
        self.plans.append(plan)
        self.free = plan.free_at


def _refused(
    rng: random.Random, cp: SimChargePoint, connector: Connector, arrival: datetime, *, unknown: bool
) -> RefusedPlan:
    if unknown or not cp.refused_tokens:
        uid, verdict = "".join(rng.choice("0123456789ABCDEF") for _ in range(8)), AuthorizationStatus.invalid
    else:
        uid, verdict = rng.choice(cp.refused_tokens)
    return RefusedPlan(cp, connector, uid, verdict, arrival, arrival + timedelta(seconds=rng.randint(40, 120)))


def _session(
    rng: random.Random, cp: SimChargePoint, connector: Connector, visit: Visit, card: str, register: int
) -> SessionPlan:
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
        cp, connector, card, visit, authorized, started, stopped,
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
