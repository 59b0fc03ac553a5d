"""Records the sessions stage produces: closed charging sessions with their periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class PeriodKind(StrEnum):
    CHARGING = "charging"
    PARKING = "parking"  # connected, not charging (SuspendedEV/SuspendedEVSE/Finishing, 2.0.1 EVConnected)


# What sessionization detected about a session's data (ClosedSession.anomalies), in this order when several hold.
MISSING_STOP = "missing_stop"  # closed provisionally: no stop yet (timeout or a newer transaction on the connector)
STALE_BEGIN_READING = "stale_begin_reading"  # the begin reading was implausible; counted from a plausible one
METER_RESET = "meter_reset"  # the register fell mid-session (reset, rollover, swap); counted from the new base
STOP_BELOW_START = "stop_below_start"  # the stop reading is below the start reading
NO_ENERGY_READINGS = "no_energy_readings"  # neither begin, sample nor stop carried an energy register
LATE_CORRECTION = "late_correction"  # a revision after the first: late events changed the result


@dataclass(frozen=True, slots=True)
class ChargingPeriod:
    """A stretch of a session with one kind; energy is what the meter registered within it."""

    start: datetime
    end: datetime
    kind: PeriodKind
    energy_wh: Decimal
    max_power_w: Decimal | None = None
    max_current_a: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ClosedSession:
    """A finished OCPP transaction, ready to be rated."""

    session_id: str  # tenant/charge point/transaction id
    tenant_id: str
    charge_point_id: str
    connector_id: int
    transaction_id: str
    id_tag: str
    started_at: datetime
    stopped_at: datetime
    meter_start_wh: Decimal
    meter_stop_wh: Decimal
    energy_wh: Decimal
    stop_reason: str | None
    periods: tuple[ChargingPeriod, ...]
    estimated: bool = False  # closed without a stop (provisional) or a running snapshot
    revision: int = 1  # a later correction carries a higher revision; 0 is a running snapshot, never billed
    anomalies: tuple[str, ...] = ()  # the constants above
    id_tag_status: str | None = None  # the central system's verdict on the id tag (1.6 idTagInfo.status)

    def __post_init__(self) -> None:
        if type(self.anomalies) is not tuple:  # read back as a list (fastavro, ClickHouse arrays)
            object.__setattr__(self, "anomalies", tuple(self.anomalies))
