"""Consecutive simulated days of a fleet, planned in arrival order: what carries over midnight, and what is seeded.

A simulation begins on its first day with each connector's meter register a function of (seed, charge point,
connector) and every driver free. From then on the registers, the connectors' free times and the drivers (where each
was last, until when) carry from one day to the next, so a multi-day run reads like one continuous fleet: the next
session's meterStart is the previous meterStop, also across midnight, and no card is in two places at once.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from jobs.simulate.cards import Cards
from jobs.simulate.inventory import SimChargePoint, pick_charge_points
from jobs.simulate.plan import ConnectorDay, RefusedPlan, SessionPlan
from pipelines.catalog.models import Catalog
from pipelines.errors import UserError

REGISTER_RANGE = (50_000, 30_000_000)  # Wh on a connector's meter when the simulation begins
FIRST_ARRIVAL_AFTER_BOOT = timedelta(minutes=1)

ConnectorKey = tuple[str, int]  # (charge point, connector)


class SimulationSpanError(UserError):
    """A simulation asked to begin after the day it should plan."""


@dataclass(frozen=True, slots=True)
class StationDay:
    """One charge point's planned day: when it boots, when the day ends, and every arrival at its connectors."""

    charge_point: SimChargePoint
    booted: datetime
    closes: datetime
    plans: list[SessionPlan | RefusedPlan]


@dataclass(slots=True)
class Carry:
    """What a day leaves to the next: each connector's register and free time, and the drivers."""

    registers: dict[ConnectorKey, int]
    free: dict[ConnectorKey, datetime]
    cards: Cards


def plan_fleet(
    catalog: Catalog, *, seed: int, day: date, charge_points: int | None, since: date | None = None
) -> list[StationDay]:
    """The seeded plans of `day` per charge point, the same for every way of playing them; `since` is the first day
    of the simulation (default: `day` itself), whose days are planned first so that registers and drivers carry."""
    first = since or day
    if first > day:
        raise SimulationSpanError(f"the simulation cannot begin ({first}) after the day it plans ({day})")
    *_, last = plan_days(catalog, seed=seed, first=first, days=(day - first).days + 1, charge_points=charge_points)
    return last


def plan_days(
    catalog: Catalog, *, seed: int, first: date, days: int, charge_points: int | None
) -> Iterator[list[StationDay]]:
    """The plans of `days` consecutive days from `first`, one list per day."""
    carry: Carry | None = None
    for n in range(days):
        day = first + timedelta(days=n)
        fleet = pick_charge_points(catalog, charge_points, at=datetime.combine(day, time(12), tzinfo=UTC))
        carry = carry or begin(fleet, seed)
        yield _plan_day(fleet, seed, day, carry)


def begin(fleet: list[SimChargePoint], seed: int) -> Carry:
    """The state on the first day: seeded registers, free connectors, drivers at home."""
    registers = {
        (cp.charge_point_id, c.connector_id): random.Random(
            f"{seed}/{cp.charge_point_id}/{c.connector_id}/register"
        ).randint(*REGISTER_RANGE)
        for cp in fleet
        for c in cp.charger.connectors
    }
    return Carry(registers, {}, Cards(fleet, seed))


def _plan_day(fleet: list[SimChargePoint], seed: int, day: date, carry: Carry) -> list[StationDay]:
    stations: list[tuple[SimChargePoint, datetime, datetime, list[ConnectorDay]]] = []
    for index, cp in enumerate(fleet):
        zone = ZoneInfo(cp.time_zone)
        opens = datetime.combine(day, time(0), tzinfo=zone)
        closes = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        rng = random.Random(f"{seed}/{day}/{cp.charge_point_id}")
        booted = opens + timedelta(seconds=5 + 7 * index + rng.randint(0, 5))
        connectors = []
        for connector in cp.charger.connectors:
            key = (cp.charge_point_id, connector.connector_id)
            free = max(booted + FIRST_ARRIVAL_AFTER_BOOT, carry.free.get(key, booted))
            own_rng = random.Random(f"{seed}/{day}/{cp.charge_point_id}/{connector.connector_id}")
            connectors.append(ConnectorDay(own_rng, cp, connector, closes, carry.registers[key], free))
        stations.append((cp, booted, closes, connectors))
    _arrive_in_order([c for *_, connectors in stations for c in connectors], carry.cards)
    for _, _, _, connectors in stations:
        for c in connectors:
            key = (c.charge_point.charge_point_id, c.connector.connector_id)
            carry.registers[key], carry.free[key] = c.register, c.free
    return [StationDay(cp, booted, closes, [p for c in cs for p in c.plans]) for cp, booted, closes, cs in stations]


def _arrive_in_order(connectors: list[ConnectorDay], cards: Cards) -> None:
    """Every connector's arrivals, fleet-wide in time order, so a card goes to whoever comes first."""
    queue = [(arrival, n) for n, c in enumerate(connectors) if (arrival := c.next_arrival()) is not None]
    heapq.heapify(queue)
    while queue:
        arrival, n = heapq.heappop(queue)
        connectors[n].arrive(arrival, cards)
        if (following := connectors[n].next_arrival()) is not None:
            heapq.heappush(queue, (following, n))
