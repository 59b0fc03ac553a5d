"""A fake charge point for the sessions tests: builds ChargingEvents and runs them through step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from pipelines.ingest.models import ChargingEvent, DeadLetter, EventKind
from pipelines.sessions.logic import step
from pipelines.sessions.models import ClosedSession
from pipelines.sessions.state import ChargePointState, new_state

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def dec(value: float | int | str | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class Station:
    """Sends events of one charge point through step and collects what comes out."""

    def __init__(self, tenant_id: str = "t", charge_point_id: str = "CP-1") -> None:
        self.tenant_id = tenant_id
        self.charge_point_id = charge_point_id
        self.state: ChargePointState = new_state()
        self.outputs: list[ClosedSession | DeadLetter] = []
        self.events: list[ChargingEvent] = []
        self._next_id = 0

    def event(
        self, kind: EventKind, seconds: float, message_type: int = 2, message_id: str | None = None, **fields: object
    ) -> ChargingEvent:
        self._next_id += 1
        message_id = message_id or f"m{self._next_id}"
        return ChargingEvent(
            event_id=f"{self.tenant_id}/{self.charge_point_id}/upstream/{message_type}/{message_id}#0",
            tenant_id=self.tenant_id,
            charge_point_id=self.charge_point_id,
            protocol="ocpp1.6",
            direction="upstream",
            message_type=message_type,
            message_id=message_id,
            action=kind.value,
            kind=kind,
            received_at=at(seconds) + timedelta(milliseconds=150),
            station_time=at(seconds),
            **fields,  # type: ignore[arg-type]
        )

    def send(self, event: ChargingEvent) -> list[ClosedSession | DeadLetter]:
        self.events.append(event)
        self.state, out = step(self.state, event)
        self.outputs.extend(out)
        return out

    def start(
        self,
        connector: int,
        seconds: float,
        meter_start: float | str,
        transaction_id: str,
        id_tag: str = "04A2B3C4",
        status: str = "Accepted",
    ) -> None:
        request = self.event(
            EventKind.TRANSACTION_START_REQUESTED,
            seconds,
            connector_id=connector,
            id_tag=id_tag,
            meter_wh=dec(meter_start),
        )
        self.send(request)
        self.send(
            self.event(
                EventKind.TRANSACTION_START_CONFIRMED,
                seconds,
                message_type=3,
                message_id=request.message_id,
                transaction_id=transaction_id,
                status=status,
            )
        )

    def meter(
        self,
        seconds: float,
        wh: float | str | None = None,
        power: float | str | None = None,
        current: float | str | None = None,
        transaction_id: str | None = None,
        connector: int | None = 1,
    ) -> None:
        self.send(
            self.event(
                EventKind.METER_VALUES,
                seconds,
                connector_id=connector,
                transaction_id=transaction_id,
                meter_wh=dec(wh),
                power_w=dec(power),
                current_a=dec(current),
            )
        )

    def status(self, connector: int, status: str, seconds: float) -> None:
        self.send(self.event(EventKind.STATUS, seconds, connector_id=connector, status=status))

    def stop(
        self, transaction_id: str, seconds: float, meter_stop: float | str, reason: str | None = "Local"
    ) -> list[ClosedSession | DeadLetter]:
        return self.send(
            self.event(
                EventKind.TRANSACTION_STOPPED,
                seconds,
                transaction_id=transaction_id,
                meter_wh=dec(meter_stop),
                reason=reason,
                payload=f'{{"transactionId": {transaction_id}, "meterStop": {meter_stop}}}',
            )
        )

    def closed(self) -> list[ClosedSession]:
        return [o for o in self.outputs if isinstance(o, ClosedSession)]


STATUSES = ("Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Available", "Faulted")


@st.composite
def session_events(draw: st.DrawFn) -> list[ChargingEvent]:
    """A valid OCPP 1.6 session on connector 1: start, meter samples and status changes in time order, stop."""
    cp = Station()
    clock = draw(st.integers(0, 10))
    register = draw(st.decimals(0, 10**7, places=3))
    cp.start(1, clock, str(register), "77")
    for _ in range(draw(st.integers(0, 25))):
        clock += draw(st.integers(0, 900))
        if draw(st.booleans()):
            cp.status(1, draw(st.sampled_from(STATUSES)), clock)
            continue
        register += draw(st.decimals(0, 5000, places=3))
        has_energy = draw(st.booleans()) or draw(st.booleans())
        power = draw(st.one_of(st.none(), st.sampled_from(["0", "10", "49.9", "50", "3700", "11000"])))
        cp.meter(
            clock, wh=str(register) if has_energy else None, power=power, current=draw(st.sampled_from([None, "16"]))
        )
    clock += draw(st.integers(0, 900))
    register += draw(st.decimals(0, 100, places=3))
    cp.stop("77", clock, str(register))
    return cp.events
