"""One charge point's planned day as the OCPP 1.6 calls it sends; the central system's answers come over the wire."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from ocpp.v16 import call, datatypes
from ocpp.v16.enums import ChargePointStatus, Measurand, ReadingContext, UnitOfMeasure

from jobs.simulate.fleet import HEARTBEAT_INTERVAL_S, hardware, meter_samples
from jobs.simulate.frames import iso_seconds, meter_values, status
from jobs.simulate.live.steps import Step, heartbeats
from jobs.simulate.plan import RefusedPlan, SessionPlan
from jobs.simulate.schedule import StationDay

FIRMWARE = "1.6.4"


def station_steps(planned: StationDay, placeholders: Mapping[int, int]) -> list[Step]:
    """Boot, heartbeats and every plan; `placeholders` maps id(plan) to the id its calls carry until assigned."""
    steps = _boot(planned)
    for plan in planned.plans:
        if isinstance(plan, SessionPlan):
            steps += session_steps(plan, placeholders[id(plan)])
        else:
            steps += refused_steps(plan)
    return steps


def _boot(planned: StationDay) -> list[Step]:
    cp = planned.charge_point
    vendor, model = hardware(cp)
    boot = call.BootNotification(model, vendor, charge_point_serial_number=f"SN-{cp.charge_point_id}",
                                 firmware_version=FIRMWARE)  # fmt: skip
    ready = planned.booted + timedelta(seconds=2)
    connectors = [0, *(connector.connector_id for connector in cp.charger.connectors)]
    steps = [Step(planned.booted, boot)]
    steps += [Step(ready, status(connector_id, ChargePointStatus.available, ready)) for connector_id in connectors]
    steps += [Step(at, call.Heartbeat()) for at in heartbeats(planned, HEARTBEAT_INTERVAL_S)]
    return steps


def refused_steps(plan: RefusedPlan) -> list[Step]:
    """A driver whose card the central system refuses: plugged in, asked, left."""
    connector_id = plan.connector.connector_id
    return [
        Step(plan.arrival, status(connector_id, ChargePointStatus.preparing, plan.arrival)),
        Step(plan.arrival + timedelta(seconds=8), call.Authorize(plan.id_tag)),
        Step(plan.free_at, status(connector_id, ChargePointStatus.available, plan.free_at)),
    ]


def session_steps(plan: SessionPlan, placeholder: int) -> list[Step]:
    """A transaction from plug-in to Available; MeterValues and StopTransaction carry `placeholder` as its id."""
    connector_id = plan.connector.connector_id
    start = call.StartTransaction(connector_id, plan.id_tag, plan.meter_start_wh, iso_seconds(plan.started_at))
    charging_at = plan.started_at + timedelta(seconds=2)
    steps = [
        Step(plan.visit.arrival, status(connector_id, ChargePointStatus.preparing, plan.visit.arrival)),
        Step(plan.authorized_at, call.Authorize(plan.id_tag)),
        Step(plan.started_at, start, opens=placeholder),
        Step(charging_at, status(connector_id, ChargePointStatus.charging, charging_at)),
    ]
    steps += [Step(tick, meter_values(connector_id, placeholder, tick, sample)) for tick, sample in meter_samples(plan)]
    if plan.full_at is not None:
        steps.append(Step(plan.full_at, status(connector_id, ChargePointStatus.suspended_ev, plan.full_at)))
    if plan.fault is not None:
        faulted = status(connector_id, ChargePointStatus.faulted, plan.fault.at, error_code=plan.fault.error_code,
                         info="charging interrupted")  # fmt: skip
        steps.append(Step(plan.fault.at, faulted))
    steps.append(Step(plan.stopped_at, _stop(plan, placeholder)))
    if plan.fault is None:
        finishing = plan.stopped_at + timedelta(seconds=1)
        steps.append(Step(finishing, status(connector_id, ChargePointStatus.finishing, finishing)))
    steps.append(Step(plan.free_at, status(connector_id, ChargePointStatus.available, plan.free_at)))
    return steps


def _stop(plan: SessionPlan, placeholder: int) -> call.StopTransaction:
    """StopTransaction with transactionData: the register at Transaction.Begin and Transaction.End."""
    stopper = plan.id_tag if plan.visit.stops_locally and plan.fault is None else None
    data = [
        _register(plan.started_at, plan.meter_start_wh, ReadingContext.transaction_begin),
        _register(plan.stopped_at, plan.meter_stop_wh, ReadingContext.transaction_end),
    ]
    return call.StopTransaction(
        plan.meter_stop_wh, iso_seconds(plan.stopped_at), placeholder, plan.reason, stopper, transaction_data=data
    )


def _register(at: datetime, wh: int, context: ReadingContext) -> datatypes.MeterValue:
    reading = datatypes.SampledValue(
        str(wh), context, measurand=Measurand.energy_active_import_register, unit=UnitOfMeasure.wh
    )
    return datatypes.MeterValue(iso_seconds(at), [reading])
