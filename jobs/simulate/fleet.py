"""One simulated day of a fleet: seeded plans per connector rendered into OCPP 1.6 frames, plus the truth."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ocpp.v16 import call, call_result
from ocpp.v16.enums import AuthorizationStatus, ChargePointStatus, RegistrationStatus

from jobs.simulate.badframes import add_bad_frames
from jobs.simulate.driver import current_a
from jobs.simulate.frames import MeterSample, SimFrame, id_tag_info, iso_seconds, meter_values, status
from jobs.simulate.inventory import SimChargePoint
from jobs.simulate.plan import RefusedPlan, SessionPlan
from jobs.simulate.schedule import StationDay, plan_days, plan_fleet
from jobs.simulate.station import Station
from pipelines.catalog.models import Catalog, PowerType

HEARTBEAT_INTERVAL_S = 600
TRANSACTIONS_PER_DAY = 100_000  # the central system's counter starts at a per-day base: days never collide
COUNTER_EPOCH = date(2020, 1, 1)


@dataclass(frozen=True, slots=True)
class ExpectedSession:
    """What the pipeline should rebuild from the frames of one accepted transaction."""

    session_id: str  # tenant/charge point/transaction id, as ClosedSession.session_id
    tenant_id: str
    charge_point_id: str
    connector_id: int
    transaction_id: int | str  # OCPP 1.6: the central system's number; 2.0.1: the station's string
    id_tag: str
    energy_wh: Decimal  # meterStop - meterStart
    meter_start_wh: int
    meter_stop_wh: int
    started_at: datetime
    stopped_at: datetime
    idle_seconds: int  # SuspendedEV (car full, still plugged in) until the stop
    stop_reason: str
    fault: str | None = None  # the error code of a fault that interrupted it


@dataclass(frozen=True, slots=True)
class SimulationResult:
    frames: list[SimFrame]  # sorted by receive time
    expected: list[ExpectedSession]  # by transaction id
    bad_frames: dict[str, int] = field(default_factory=dict)  # by DeadLetterClass value
    refused_authorizations: int = 0
    faults: int = 0


def simulate_day(
    catalog: Catalog,
    *,
    seed: int,
    day: date,
    charge_points: int | None,
    bad_frame_share: float,
    since: date | None = None,
) -> SimulationResult:
    """Deterministic: the same catalog, seed and arguments give the same frames byte for byte. `since`: the first
    day of a simulation `day` continues (registers and drivers carry over from it), by default `day` itself."""
    check_share(bad_frame_share)
    planned = plan_fleet(catalog, seed=seed, day=day, charge_points=charge_points, since=since)
    return render_day(planned, seed=seed, day=day, bad_frame_share=bad_frame_share)


def simulate_days(
    catalog: Catalog, *, seed: int, first: date, days: int, charge_points: int | None, bad_frame_share: float
) -> Iterator[SimulationResult]:
    """Consecutive days of one simulation: day n is simulate_day(day=first + n, since=first), planned only once."""
    check_share(bad_frame_share)
    for n, planned in enumerate(plan_days(catalog, seed=seed, first=first, days=days, charge_points=charge_points)):
        yield render_day(planned, seed=seed, day=first + timedelta(days=n), bad_frame_share=bad_frame_share)


def render_day(days: list[StationDay], *, seed: int, day: date, bad_frame_share: float) -> SimulationResult:
    """The planned day as OCPP 1.6 frames with the bad ones planted, and the sessions they should give."""
    stations = []
    for planned in days:
        cp = planned.charge_point
        station = Station(cp.charge_point_id, cp.tenant_id, random.Random(f"{seed}/{day}/{cp.charge_point_id}/wire"))
        _render_boot(station, cp, planned.booted, planned.closes)
        stations.append(station)
    numbered = numbered_sessions(days, day)
    transactions = {id(plan): number for number, plan in numbered}
    by_station = {station.charge_point_id: station for station in stations}
    plans = [plan for planned in days for plan in planned.plans]
    for plan in plans:
        station = by_station[plan.charge_point.charge_point_id]
        if isinstance(plan, SessionPlan):
            _render_session(station, plan, transactions[id(plan)])
        else:
            _render_refused(station, plan)
    frames = [frame for station in stations for frame in station.frames()]
    bad = add_bad_frames(random.Random(f"{seed}/{day}/bad"), frames, stations, bad_frame_share)
    frames.sort(key=lambda frame: frame.at)
    expected = [expected_session(plan, number) for number, plan in numbered]
    refused = sum(isinstance(plan, RefusedPlan) for plan in plans)
    faults = sum(plan.fault is not None for _, plan in numbered)
    return SimulationResult(frames, expected, dict(Counter(bad)), refused, faults)


def check_share(bad_frame_share: float) -> None:
    if not 0 <= bad_frame_share < 1:
        raise ValueError(f"bad_frame_share must be in [0, 1), got {bad_frame_share}")


def numbered_sessions(days: list[StationDay], day: date) -> list[tuple[int, SessionPlan]]:
    """Accepted sessions in start order with the transactionId a central system counting per day would give."""
    plans = (plan for planned in days for plan in planned.plans if isinstance(plan, SessionPlan))
    ordered = sorted(plans, key=lambda p: (p.started_at, p.charge_point.charge_point_id))
    base = (day - COUNTER_EPOCH).days * TRANSACTIONS_PER_DAY + 1
    return [(base + n, plan) for n, plan in enumerate(ordered)]


def _render_boot(station: Station, cp: SimChargePoint, booted: datetime, closes: datetime) -> None:
    vendor, model = hardware(cp)
    request = call.BootNotification(model, vendor, charge_point_serial_number=f"SN-{cp.charge_point_id}",
                                    firmware_version="1.6.4")  # fmt: skip
    station.call(booted, request, call_result.BootNotification(iso_seconds(booted), HEARTBEAT_INTERVAL_S,
                                                               RegistrationStatus.accepted))  # fmt: skip
    for connector_id in [0, *(connector.connector_id for connector in cp.charger.connectors)]:
        station.call(
            booted + timedelta(seconds=2),
            status(connector_id, ChargePointStatus.available, booted + timedelta(seconds=2)),
        )
    beat = booted + timedelta(seconds=HEARTBEAT_INTERVAL_S)
    while beat < closes:
        station.call(beat, call.Heartbeat())
        beat += timedelta(seconds=HEARTBEAT_INTERVAL_S)


def hardware(cp: SimChargePoint) -> tuple[str, str]:
    """(vendor, model) of the station: a DC fast charger or an AC wallbox."""
    dc = any(connector.power_type is PowerType.DC for connector in cp.charger.connectors)
    return ("Alpitronic", "HYC150") if dc else ("ABL", "eMH3")


def _render_refused(station: Station, plan: RefusedPlan) -> None:
    connector_id = plan.connector.connector_id
    station.call(plan.arrival, status(connector_id, ChargePointStatus.preparing, plan.arrival))
    asked = plan.arrival + timedelta(seconds=8)
    station.call(asked, call.Authorize(plan.id_tag), call_result.Authorize(id_tag_info(plan.verdict)))
    station.call(plan.free_at, status(connector_id, ChargePointStatus.available, plan.free_at))


def _render_session(station: Station, plan: SessionPlan, transaction_id: int) -> None:
    connector_id = plan.connector.connector_id
    accepted = id_tag_info(AuthorizationStatus.accepted)
    station.call(plan.visit.arrival, status(connector_id, ChargePointStatus.preparing, plan.visit.arrival))
    station.call(plan.authorized_at, call.Authorize(plan.id_tag), call_result.Authorize(accepted))
    start = call.StartTransaction(connector_id, plan.id_tag, plan.meter_start_wh, iso_seconds(plan.started_at))
    station.call(plan.started_at, start, call_result.StartTransaction(transaction_id, accepted))
    charging_at = plan.started_at + timedelta(seconds=2)
    station.call(charging_at, status(connector_id, ChargePointStatus.charging, charging_at))
    _render_meter_values(station, plan, transaction_id)
    if plan.full_at is not None:
        station.call(plan.full_at, status(connector_id, ChargePointStatus.suspended_ev, plan.full_at))
    if plan.fault is not None:
        station.call(plan.fault.at, status(connector_id, ChargePointStatus.faulted, plan.fault.at,
                                           error_code=plan.fault.error_code, info="charging interrupted"))  # fmt: skip
    stopper = plan.id_tag if plan.visit.stops_locally and plan.fault is None else None
    stop = call.StopTransaction(plan.meter_stop_wh, iso_seconds(plan.stopped_at), transaction_id, plan.reason, stopper)
    station.call(plan.stopped_at, stop, call_result.StopTransaction(accepted))
    if plan.fault is None:
        finishing = plan.stopped_at + timedelta(seconds=1)
        station.call(finishing, status(connector_id, ChargePointStatus.finishing, finishing))
    station.call(plan.free_at, status(connector_id, ChargePointStatus.available, plan.free_at))


def _render_meter_values(station: Station, plan: SessionPlan, transaction_id: int) -> None:
    for tick, sample in meter_samples(plan):
        station.call(tick, meter_values(plan.connector.connector_id, transaction_id, tick, sample))


def meter_samples(plan: SessionPlan) -> list[tuple[datetime, MeterSample]]:
    """The periodic readings a station takes while the session runs: every 1-2 min (DC) or 2-4 min (AC)."""
    power_type = plan.connector.power_type
    interval = timedelta(minutes=1 if power_type is PowerType.DC else 2) * _interval_factor(plan)
    samples = []
    tick = plan.started_at + interval
    while tick < plan.stopped_at:
        power, _, soc = plan.curve.at((tick - plan.started_at).total_seconds())
        samples.append((tick, MeterSample(
            plan.register_at(tick), round(power), round(current_a(power_type, power, soc), 1),
            round(soc * 100) if power_type is PowerType.DC else None,  # SoC only reaches the station over DC
        )))  # fmt: skip
        tick += interval
    return samples


def _interval_factor(plan: SessionPlan) -> int:
    """Stations differ in how often they sample: 1x or 2x (DC: 1-2 min), 1x, 2x (AC: 2-4 min), stable per station."""
    return 1 + sum(plan.charge_point.charge_point_id.encode()) % 2


def expected_session(plan: SessionPlan, transaction_id: int | str) -> ExpectedSession:
    """The truth about one accepted session, under the transactionId it ends up with."""
    idle = int((plan.stopped_at - plan.full_at).total_seconds()) if plan.full_at else 0
    cp = plan.charge_point
    return ExpectedSession(
        f"{cp.tenant_id}/{cp.charge_point_id}/{transaction_id}", cp.tenant_id, cp.charge_point_id,
        plan.connector.connector_id, transaction_id, plan.id_tag,
        Decimal(plan.meter_stop_wh - plan.meter_start_wh), plan.meter_start_wh, plan.meter_stop_wh,
        plan.started_at.astimezone(UTC), plan.stopped_at.astimezone(UTC), idle, plan.reason.value,
        plan.fault.error_code.value if plan.fault else None,
    )  # fmt: skip
