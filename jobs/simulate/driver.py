"""Drivers and their cars: when they arrive, how long they stay, and how fast the battery takes energy."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipelines.catalog.models import PowerType

CHARGING_EFFICIENCY = 0.92  # metered energy that ends up in the battery
CURVE_STEP_S = 10

# Arrivals per free connector per hour, by local hour: a morning and an evening peak, quiet nights.
AC_ARRIVALS_PER_HOUR = (
    0.05, 0.03, 0.02, 0.02, 0.03, 0.08, 0.25, 0.55, 0.70, 0.55, 0.40, 0.35,
    0.40, 0.40, 0.35, 0.40, 0.55, 0.70, 0.65, 0.45, 0.30, 0.20, 0.12, 0.08,
)  # fmt: skip
DC_ARRIVALS_PER_HOUR = (
    0.15, 0.08, 0.05, 0.05, 0.08, 0.25, 0.60, 1.10, 1.40, 1.10, 0.90, 0.90,
    1.10, 1.00, 0.90, 1.00, 1.30, 1.60, 1.50, 1.10, 0.80, 0.55, 0.35, 0.20,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Vehicle:
    model: str
    battery_kwh: float
    ac_kw: float  # on-board charger limit
    dc_kw: float  # peak DC charging power


VEHICLES = (
    Vehicle("VW ID.3 Pro", 58, 11, 120),
    Vehicle("Tesla Model 3 LR", 75, 11, 250),
    Vehicle("Renault Zoe R135", 52, 22, 50),
    Vehicle("Hyundai Kona Electric", 64, 11, 77),
    Vehicle("Volvo EX30", 64, 11, 153),
    Vehicle("BMW i4 eDrive40", 81, 11, 205),
    Vehicle("Nissan Leaf", 39, 6.6, 46),
    Vehicle("Polestar 2", 78, 11, 205),
    Vehicle("Fiat 500e", 42, 11, 85),
    Vehicle("Mercedes EQV (van)", 90, 11, 110),
)


@dataclass(frozen=True, slots=True)
class Visit:
    """What one driver wants: arrival, the car, battery state and how long they would stay at most."""

    arrival: datetime
    vehicle: Vehicle
    soc_start: float  # 0..1
    soc_target: float  # the car stops drawing power here (its charge limit)
    dwell: timedelta  # plugged-in time the driver plans; shortened when done for DC drivers
    stops_locally: bool  # swipes the card to stop (reason Local) instead of just unplugging


@dataclass(frozen=True, slots=True)
class ChargeCurve:
    """Power and metered energy every CURVE_STEP_S seconds from the start until the car is full."""

    power_w: tuple[float, ...]
    energy_wh: tuple[float, ...]  # delivered so far, at the start of each step
    soc: tuple[float, ...]
    full_after_s: int | None  # seconds until the car reached its target; None if not within the horizon

    def at(self, seconds: float) -> tuple[float, float, float]:
        """(power W, energy Wh so far, SoC 0..1) after `seconds`; zero power once full."""
        index = max(0, int(seconds // CURVE_STEP_S))
        if index >= len(self.power_w):
            return 0.0, self.energy_wh[-1], self.soc[-1]
        fraction = (seconds - index * CURVE_STEP_S) / CURVE_STEP_S
        energy = self.energy_wh[index] + self.power_w[index] * fraction * CURVE_STEP_S / 3600
        return self.power_w[index], energy, self.soc[index]


def charging_power_kw(power_type: PowerType, connector_kw: float, vehicle: Vehicle, soc: float) -> float:
    """What the car draws at this state of charge: AC flat until nearly full, DC tapering above 50%."""
    if power_type is PowerType.AC:
        peak = min(connector_kw, vehicle.ac_kw)
        return peak if soc < 0.92 else peak * max(0.3, 1 - (soc - 0.92) * 8.75)
    peak = min(connector_kw, vehicle.dc_kw)
    if soc < 0.5:
        return peak
    if soc < 0.8:
        return peak * (1 - (soc - 0.5) / 0.3 * 0.55)
    return peak * max(0.08, 0.45 - (soc - 0.8) / 0.2 * 0.37)


def charge_curve(power_type: PowerType, connector_kw: float, visit: Visit, horizon_s: float) -> ChargeCurve:
    powers: list[float] = []
    energies: list[float] = [0.0]
    socs: list[float] = [visit.soc_start]
    soc, energy, elapsed = visit.soc_start, 0.0, 0
    while soc < visit.soc_target and elapsed < horizon_s:
        power_kw = charging_power_kw(power_type, connector_kw, visit.vehicle, soc)
        step_wh = power_kw * 1000 * CURVE_STEP_S / 3600
        energy += step_wh
        soc = min(1.0, soc + step_wh * CHARGING_EFFICIENCY / (visit.vehicle.battery_kwh * 1000))
        powers.append(power_kw * 1000)
        energies.append(energy)
        socs.append(soc)
        elapsed += CURVE_STEP_S
    full_after = elapsed if soc >= visit.soc_target else None
    return ChargeCurve(tuple(powers), tuple(energies), tuple(socs), full_after)


def current_a(power_type: PowerType, power_w: float, soc: float) -> float:
    """AC: three phases at 230 V; DC: a 400 V-class pack whose voltage rises with its charge."""
    if power_type is PowerType.AC:
        return power_w / (3 * 230)
    return power_w / (360 + 60 * soc)


def arrivals_per_hour(power_type: PowerType, local_hour: int) -> float:
    table = AC_ARRIVALS_PER_HOUR if power_type is PowerType.AC else DC_ARRIVALS_PER_HOUR
    return table[local_hour % 24]


def next_arrival(rng: random.Random, power_type: PowerType, after: datetime, until: datetime) -> datetime | None:
    """Next arrival after `after` (site-local aware datetime) by thinning the daily curve; None past `until`."""
    ceiling = max(AC_ARRIVALS_PER_HOUR if power_type is PowerType.AC else DC_ARRIVALS_PER_HOUR)
    at = after
    while True:
        at += timedelta(hours=rng.expovariate(ceiling))
        if at >= until:
            return None
        if rng.random() * ceiling <= arrivals_per_hour(power_type, at.hour):
            return at.replace(microsecond=0)


def draw_visit(rng: random.Random, power_type: PowerType, arrival: datetime) -> Visit:
    vehicle = rng.choice(VEHICLES)
    if power_type is PowerType.AC:
        soc_start = rng.uniform(0.15, 0.65)
        target = rng.choice((0.8, 0.9, 1.0, 1.0))
        minutes = _clamped_lognormal(rng, median=110, sigma=0.6, low=20, high=600)
    else:
        soc_start = rng.uniform(0.08, 0.45)
        target = rng.choice((0.8, 0.8, 0.85, 0.9))
        minutes = _clamped_lognormal(rng, median=35, sigma=0.35, low=12, high=90)
    return Visit(arrival, vehicle, soc_start, target, timedelta(minutes=minutes), rng.random() < 0.3)


def dc_departure_after_full(rng: random.Random) -> timedelta:
    """Fast-charging drivers mostly leave soon after the car is done; some linger (and pay idle fees)."""
    if rng.random() < 0.15:
        return timedelta(minutes=rng.uniform(15, 60))
    return timedelta(seconds=rng.uniform(30, 480))


def _clamped_lognormal(rng: random.Random, *, median: float, sigma: float, low: float, high: float) -> float:
    return min(high, max(low, rng.lognormvariate(math.log(median), sigma)))
