"""One charge point's planned day as the OCPP 2.0.1 calls it sends: TransactionEvents with station-made ids.

Each catalog connector is one EVSE (evse id = the catalog's connector id) with a single connector 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from ocpp.v201 import call
from ocpp.v201.datatypes import (
    ChargingStationType,
    EVSEType,
    IdTokenType,
    MeterValueType,
    SampledValueType,
    TransactionType,
    UnitOfMeasureType,
)
from ocpp.v201.enums import (
    BootReasonEnumType,
    ChargingStateEnumType,
    ConnectorStatusEnumType,
    IdTokenEnumType,
    LocationEnumType,
    MeasurandEnumType,
    ReadingContextEnumType,
    ReasonEnumType,
    TransactionEventEnumType,
    TriggerReasonEnumType,
)

from jobs.simulate.fleet import HEARTBEAT_INTERVAL_S, hardware, meter_samples
from jobs.simulate.frames import MeterSample, iso_seconds
from jobs.simulate.live.steps import Step, heartbeats
from jobs.simulate.plan import RefusedPlan, SessionPlan
from jobs.simulate.schedule import StationDay

FIRMWARE = "2.0.1-4.2"
Context = ReadingContextEnumType
Trigger = TriggerReasonEnumType
State = ChargingStateEnumType


def station_steps(planned: StationDay, transaction_ids: Mapping[int, str]) -> list[Step]:
    """Boot, heartbeats and every plan; `transaction_ids` maps id(plan) to the id the station gives it."""
    steps = _boot(planned)
    for plan in planned.plans:
        if isinstance(plan, SessionPlan):
            steps += session_steps(plan, transaction_ids[id(plan)])
        else:
            steps += refused_steps(plan)
    return steps


def _boot(planned: StationDay) -> list[Step]:
    cp = planned.charge_point
    vendor, model = hardware(cp)
    station = ChargingStationType(vendor, model, serial_number=f"SN-{cp.charge_point_id}", firmware_version=FIRMWARE)
    ready = planned.booted + timedelta(seconds=2)
    steps = [Step(planned.booted, call.BootNotification(station, BootReasonEnumType.power_up))]
    for connector in cp.charger.connectors:
        steps.append(Step(ready, _status(connector.connector_id, ConnectorStatusEnumType.available, ready)))
    steps += [Step(at, call.Heartbeat()) for at in heartbeats(planned, HEARTBEAT_INTERVAL_S)]
    return steps


def refused_steps(plan: RefusedPlan) -> list[Step]:
    """A driver whose card the CSMS refuses: plugged in, asked, left; no transaction is started."""
    evse = plan.connector.connector_id
    return [
        Step(plan.arrival, _status(evse, ConnectorStatusEnumType.occupied, plan.arrival)),
        Step(plan.arrival + timedelta(seconds=8), call.Authorize(_token(plan.id_tag))),
        Step(plan.free_at, _status(evse, ConnectorStatusEnumType.available, plan.free_at)),
    ]


def session_steps(plan: SessionPlan, transaction_id: str) -> list[Step]:
    """Plug-in, Authorize, TransactionEvent Started / Updated (seqNo 1, 2, ...) / Ended, then Available."""
    evse = plan.connector.connector_id
    event = _Events(plan, transaction_id)
    begin = MeterValueType(iso_seconds(plan.started_at), [_energy(plan.meter_start_wh, Context.transaction_begin)])
    steps = [
        Step(plan.visit.arrival, _status(evse, ConnectorStatusEnumType.occupied, plan.visit.arrival)),
        Step(plan.authorized_at, call.Authorize(_token(plan.id_tag))),
        event.at(plan.started_at, TransactionEventEnumType.started, Trigger.authorized, State.charging, begin,
                 id_token=_token(plan.id_tag), evse=EVSEType(evse, connector_id=1)),
    ]  # fmt: skip
    ticks: list[tuple[datetime, MeterSample | None]] = list(meter_samples(plan))
    if plan.full_at is not None:
        ticks.append((plan.full_at, None))  # the car is full: charging state changes, no reading
    if plan.fault is not None:
        steps.append(Step(plan.fault.at, _status(evse, ConnectorStatusEnumType.faulted, plan.fault.at)))
    for tick, sample in sorted(ticks, key=lambda pair: pair[0]):
        charging = State.suspended_ev if plan.full_at is not None and tick >= plan.full_at else State.charging
        if sample is None:
            steps.append(event.at(tick, TransactionEventEnumType.updated, Trigger.charging_state_changed, charging))
        else:
            reading = MeterValueType(iso_seconds(tick), _periodic(sample))
            steps.append(event.at(tick, TransactionEventEnumType.updated, Trigger.meter_value_periodic, charging,
                                  reading))  # fmt: skip
    steps.append(_ended(plan, event))
    steps.append(Step(plan.free_at, _status(evse, ConnectorStatusEnumType.available, plan.free_at)))
    return steps


class _Events:
    """TransactionEvents of one transaction, numbered by seqNo from 0 in the order they are made."""

    def __init__(self, plan: SessionPlan, transaction_id: str) -> None:
        self.plan, self.transaction_id, self.seq_no = plan, transaction_id, 0

    def at(
        self,
        at: datetime,
        kind: TransactionEventEnumType,
        trigger: TriggerReasonEnumType,
        state: ChargingStateEnumType,
        reading: MeterValueType | None = None,
        stopped_reason: ReasonEnumType | None = None,
        **extra: object,
    ) -> Step:
        info = TransactionType(self.transaction_id, charging_state=state, stopped_reason=stopped_reason)
        request = call.TransactionEvent(
            kind, iso_seconds(at), trigger, self.seq_no, info, meter_value=[reading] if reading else None, **extra
        )  # type: ignore[arg-type]
        self.seq_no += 1
        return Step(at, request)


def _ended(plan: SessionPlan, event: _Events) -> Step:
    """Ended with the register at Transaction.End: a fault, the driver's card, or the cable pulled."""
    end = MeterValueType(iso_seconds(plan.stopped_at), [_energy(plan.meter_stop_wh, Context.transaction_end)])
    reason = ReasonEnumType(plan.reason.value)  # 1.6 Reason values all exist in 2.0.1 ReasonEnumType
    if plan.fault is not None:
        return event.at(plan.stopped_at, TransactionEventEnumType.ended, Trigger.abnormal_condition, State.ev_connected,
                        end, reason)  # fmt: skip
    if plan.visit.stops_locally:
        return event.at(plan.stopped_at, TransactionEventEnumType.ended, Trigger.stop_authorized, State.ev_connected,
                        end, reason, id_token=_token(plan.id_tag))  # fmt: skip
    return event.at(plan.stopped_at, TransactionEventEnumType.ended, Trigger.ev_communication_lost, State.idle, end,
                    reason)  # fmt: skip


def _status(evse: int, state: ConnectorStatusEnumType, at: datetime) -> call.StatusNotification:
    return call.StatusNotification(iso_seconds(at), state, evse, 1)


def _token(uid: str) -> IdTokenType:
    return IdTokenType(uid, IdTokenEnumType.iso14443)


def _energy(wh: int, context: ReadingContextEnumType) -> SampledValueType:
    return SampledValueType(wh, context, MeasurandEnumType.energy_active_import_register,
                            location=LocationEnumType.outlet, unit_of_measure=UnitOfMeasureType("Wh"))  # fmt: skip


def _periodic(sample: MeterSample) -> list[SampledValueType]:
    """Register (Wh), power (W), current (A) and, when the car reports it, SoC (Percent)."""
    periodic, outlet = Context.sample_periodic, LocationEnumType.outlet
    values = [
        _energy(sample.register_wh, periodic),
        SampledValueType(sample.power_w, periodic, MeasurandEnumType.power_active_import, location=outlet,
                         unit_of_measure=UnitOfMeasureType("W")),
        SampledValueType(sample.current_a, periodic, MeasurandEnumType.current_import, location=outlet,
                         unit_of_measure=UnitOfMeasureType("A")),
    ]  # fmt: skip
    if sample.soc_percent is not None:
        soc = UnitOfMeasureType("Percent")
        values.append(SampledValueType(sample.soc_percent, periodic, MeasurandEnumType.soc,
                                       location=LocationEnumType.ev, unit_of_measure=soc))  # fmt: skip
    return values
