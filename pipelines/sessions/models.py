"""Records the sessions stage produces: closed charging sessions with their periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class PeriodKind(StrEnum):
    CHARGING = "charging"
    PARKING = "parking"  # connected, not charging (SuspendedEV/SuspendedEVSE/Finishing)


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
    estimated: bool = False  # closed without a StopTransaction (issue 3 fills this in)
    revision: int = 1  # a later correction of the same session carries a higher revision
