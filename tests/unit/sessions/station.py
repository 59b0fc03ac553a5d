"""A fake charge point for the sessions tests: builds ChargingEvents and runs them through step + settle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from pipelines.ingest.models import ChargingEvent, DeadLetter, EventKind
from pipelines.sessions.lifecycle import expire, settle
from pipelines.sessions.limits import DEFAULT_LIMITS, Limits
from pipelines.sessions.logic import step
from pipelines.sessions.models import ClosedSession
from pipelines.sessions.state import ChargePointState, new_state

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def dec(value: float | int | str | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class Station:
    """Sends events of one charge point through step (settling after each) and collects what comes out.

    OCPP 1.6 by default; `protocol="ocpp2.0.1"` makes `start`/`stop` TransactionEvent Started/Ended and meter
    values and statuses carry the transaction id and a seqNo.
    """

    def __init__(
        self,
        tenant_id: str = "t",
        charge_point_id: str = "CP-1",
        limits: Limits = DEFAULT_LIMITS,
        protocol: str = "ocpp1.6",
    ) -> None:
        self.tenant_id = tenant_id
        self.charge_point_id = charge_point_id
        self.limits = limits
        self.protocol = protocol
        self.state: ChargePointState = new_state()
        self.outputs: list[ClosedSession | DeadLetter] = []
        self.events: list[ChargingEvent] = []
        self.now: datetime | None = None  # arrival time; None: each event's receive time
        self._next_id = 0
        self._seq: dict[str, int] = {}

    @property
    def v201(self) -> bool:
        return self.protocol == "ocpp2.0.1"

    def event(
        self, kind: EventKind, seconds: float, message_type: int = 2, message_id: str | None = None, **fields: object
    ) -> ChargingEvent:
        self._next_id += 1
        message_id = message_id or f"m{self._next_id}"
        tx = fields.get("transaction_id")
        if self.v201 and isinstance(tx, str) and "seq_no" not in fields:
            fields["seq_no"] = self._seq[tx] = self._seq.get(tx, -1) + 1
        return ChargingEvent(
            event_id=f"{self.tenant_id}/{self.charge_point_id}/upstream/{message_type}/{message_id}#0",
            tenant_id=self.tenant_id,
            charge_point_id=self.charge_point_id,
            protocol=self.protocol,
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
        self.state, dead = step(self.state, event, self.now, self.limits)
        out: list[ClosedSession | DeadLetter] = [*dead, *settle(self.state, self.limits)]
        self.outputs.extend(out)
        return out

    def expire(self, now: datetime) -> list[ClosedSession]:
        out = expire(self.state, now, self.limits)
        self.outputs.extend(out)
        return out

    def start(
        self,
        connector: int,
        seconds: float,
        meter_start: float | str | None,
        transaction_id: str,
        id_tag: str = "04A2B3C4",
        status: str = "Accepted",
    ) -> list[ClosedSession | DeadLetter]:
        if self.v201:
            started = self.event(
                EventKind.TRANSACTION_STARTED, seconds, connector_id=connector, transaction_id=transaction_id,
                id_tag=id_tag, meter_wh=dec(meter_start), status="Charging",
            )  # fmt: skip
            return self.send(started)
        request = self.start_request(connector, seconds, meter_start, id_tag)
        return self.send(request) + self.send(self.start_result(request, transaction_id, status))

    def start_request(
        self, connector: int, seconds: float, meter_start: float | str | None, id_tag: str = "X"
    ) -> ChargingEvent:
        return self.event(
            EventKind.TRANSACTION_START_REQUESTED, seconds, connector_id=connector, id_tag=id_tag,
            meter_wh=dec(meter_start), reading_context="Transaction.Begin",
        )  # fmt: skip

    def start_result(self, request: ChargingEvent, transaction_id: str, status: str = "Accepted") -> ChargingEvent:
        seconds = ((request.station_time or T0) - T0).total_seconds()
        return self.event(
            EventKind.TRANSACTION_START_CONFIRMED, seconds, message_type=3, message_id=request.message_id,
            transaction_id=transaction_id, status=status,
        )  # fmt: skip

    def meter(
        self,
        seconds: float,
        wh: float | str | None = None,
        power: float | str | None = None,
        current: float | str | None = None,
        transaction_id: str | None = None,
        connector: int | None = 1,
        context: str | None = "Sample.Periodic",
    ) -> list[ClosedSession | DeadLetter]:
        return self.send(
            self.event(
                EventKind.METER_VALUES,
                seconds,
                connector_id=None if self.v201 else connector,
                transaction_id=transaction_id,
                meter_wh=dec(wh),
                power_w=dec(power),
                current_a=dec(current),
                reading_context=context if wh is not None else None,
            )
        )

    def status(self, connector: int, status: str, seconds: float, transaction_id: str | None = None) -> None:
        if self.v201 and transaction_id is not None:
            self.send(self.event(EventKind.STATUS, seconds, transaction_id=transaction_id, status=status))
        else:
            self.send(self.event(EventKind.STATUS, seconds, connector_id=connector, status=status))

    def stop(
        self, transaction_id: str, seconds: float, meter_stop: float | str | None, reason: str | None = "Local"
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

    def dead(self) -> list[DeadLetter]:
        return [o for o in self.outputs if isinstance(o, DeadLetter)]


STATUSES = ("Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Available", "Faulted")
MAX_WH_PER_S = Decimal(22_000) / 3600  # 22 kW AC: keeps generated sessions physically plausible


@st.composite
def session_events(draw: st.DrawFn, protocol: str = "ocpp1.6", transaction_id: str = "77") -> list[ChargingEvent]:
    """A valid session on connector 1: start, meter samples and status changes in time order, stop; registers rise
    no faster than 22 kW, so the begin reading is plausible."""
    cp = Station(protocol=protocol)
    clock = draw(st.integers(0, 10))
    register = draw(st.decimals(0, 10**7, places=3))
    cp.start(1, clock, str(register), transaction_id)
    tx = transaction_id if protocol == "ocpp2.0.1" else None
    for _ in range(draw(st.integers(0, 25))):
        step_s = draw(st.integers(0, 900))
        clock += step_s
        if draw(st.booleans()):
            cp.status(1, draw(st.sampled_from(STATUSES)), clock, transaction_id=tx)
            continue
        register += draw(st.decimals(0, MAX_WH_PER_S * step_s, places=3))
        has_energy = draw(st.booleans()) or draw(st.booleans())
        power = draw(st.one_of(st.none(), st.sampled_from(["0", "10", "49.9", "50", "3700", "11000"])))
        cp.meter(
            clock,
            wh=str(register) if has_energy else None,
            power=power,
            current=draw(st.sampled_from([None, "16"])),
            transaction_id=tx,
        )
    step_s = draw(st.integers(0, 900))
    clock += step_s
    register += draw(st.decimals(0, min(100, MAX_WH_PER_S * step_s), places=3))
    cp.stop(transaction_id, clock, str(register))
    return cp.events
