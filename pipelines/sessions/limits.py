"""Thresholds and bounds of sessionization: what counts as parking, a reset or a stale reading; how much is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

PARKING_POWER_W = Decimal(50)
"""Below this active power (W) a transaction in a Charging state counts as parking: the car is full or
idle but the station still reports Charging. 50 W is above the standby draw of the on-board chargers we
know of and far below the smallest real charging current (6 A at 230 V is about 1.4 kW)."""

# Statuses that say whether the car draws energy. 1.6 StatusNotification and 2.0.1 chargingState share
# Charging/SuspendedEV/SuspendedEVSE; 2.0.1 EVConnected is plugged in, not charging. Everything else (Available,
# Preparing, Occupied, Faulted, 2.0.1 Idle = no EV connected) says nothing about charging vs parking.
CHARGING_STATUSES = frozenset({"Charging"})
PARKING_STATUSES = frozenset({"SuspendedEV", "SuspendedEVSE", "Finishing", "EVConnected"})


@dataclass(frozen=True, slots=True)
class Limits:
    """Windows (in arrival time, i.e. the `now` the caller passes) and bounds per charge point.

    The windows come from Settings (pipelines/config.py explains the defaults); the bounds keep a charge
    point's state, which is written to the changelog whenever it changes, to a few tens of kB.
    """

    late_window: timedelta = timedelta(hours=48)  # a closed session takes corrections this long after closing
    provisional_timeout: timedelta = timedelta(hours=2)  # no meter value for this long: close provisionally
    max_entries: int = 256  # timeline entries of an open transaction before the oldest mergeable ones merge
    max_entries_closed: int = 64  # ... of a stopped one kept for late events
    max_closed_kept: int = 4  # stopped sessions kept for late events per charge point (provisional ones: all)
    max_parked: int = 64  # events waiting for their transaction, per charge point
    park_timeout: timedelta = timedelta(minutes=15)  # ... and for at most this long
    max_pending_starts: int = 32  # 1.6 StartTransaction requests (or results) awaiting their counterpart
    max_forgotten: int = 64  # ids of sessions past their window: their late events are dead-lettered
    reset_drop_wh: Decimal = Decimal(1000)
    """A register falling by more than this is a reset or rollover (counted from the new base); by less it is
    jitter (kWh rounding, a second meter path) and nothing counts until the register passes its high-water mark."""
    max_plausible_power_w: Decimal = Decimal(1_000_000)
    """A begin reading is stale when the first reading after it implies more than this power (1 MW: above
    every car charger, below megawatt truck charging) plus `plausible_slack_wh`."""
    plausible_slack_wh: Decimal = Decimal(1000)


DEFAULT_LIMITS = Limits()
