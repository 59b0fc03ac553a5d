"""Sessions priced per second by rate_session (the streaming rater's code) for a simple and a complex tariff.

Run alone: .venv/bin/python -m bench.rating
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pipelines.rating.pricing import rate_session
from pipelines.rating.tariff import Tariff, parse_tariff
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind

ZONE = "Europe/Berlin"
RATED_AT = datetime(2026, 12, 1, tzinfo=UTC)
WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]

SIMPLE = {"id": "SIMPLE", "currency": "EUR", "elements": [
    {"price_components": [{"type": "ENERGY", "price": Decimal("0.39"), "vat": Decimal(19), "step_size": 1}]},
]}  # fmt: skip

COMPLEX = {"id": "COMPLEX", "currency": "EUR",
    "min_price": {"excl_vat": Decimal("1.00"), "incl_vat": Decimal("1.19")},
    "max_price": {"excl_vat": Decimal("60.00"), "incl_vat": Decimal("71.40")},
    "elements": [
        {"price_components": [{"type": "FLAT", "price": Decimal("0.35"), "vat": Decimal(19), "step_size": 1}]},
        {"price_components": [{"type": "ENERGY", "price": Decimal("0.29"), "vat": Decimal(19), "step_size": 100}],
         "restrictions": {"start_time": "22:00", "end_time": "06:00"}},
        {"price_components": [{"type": "ENERGY", "price": Decimal("0.59"), "vat": Decimal(19), "step_size": 100}],
         "restrictions": {"min_power": 50}},
        {"price_components": [{"type": "ENERGY", "price": Decimal("0.35"), "vat": Decimal(19), "step_size": 100}],
         "restrictions": {"min_kwh": 30, "day_of_week": ["SATURDAY", "SUNDAY"]}},
        {"price_components": [{"type": "ENERGY", "price": Decimal("0.39"), "vat": Decimal(19), "step_size": 1},
                              {"type": "TIME", "price": Decimal("0.60"), "vat": Decimal(19), "step_size": 60}],
         "restrictions": {"max_current": 32, "max_duration": 14400}},
        {"price_components": [{"type": "PARKING_TIME", "price": Decimal("6.00"), "vat": Decimal(19), "step_size": 300}],
         "restrictions": {"start_time": "07:00", "end_time": "20:00", "day_of_week": WEEKDAYS}},
        {"price_components": [{"type": "ENERGY", "price": Decimal("0.45"), "vat": Decimal(19), "step_size": 1}]},
    ]}  # fmt: skip


def sessions(count: int, seed: int = 7) -> list[ClosedSession]:
    """A week of sessions at all hours: one to three charging periods (AC or DC), often followed by parking."""
    rng = random.Random(seed)
    week = datetime(2026, 11, 23, tzinfo=UTC)
    built = []
    for n in range(count):
        start = week + timedelta(minutes=rng.randrange(7 * 24 * 60))
        periods, at = [], start
        dc = rng.random() < 0.3
        for _ in range(rng.randint(1, 3)):
            minutes = rng.randint(5, 40) if dc else rng.randint(20, 180)
            kw = rng.choice([50, 75, 150]) if dc else rng.choice([3.7, 7.4, 11, 22])
            energy = Decimal(int(kw * minutes * 1000 / 60 * rng.uniform(0.6, 1.0)))
            end = at + timedelta(minutes=minutes)
            current = Decimal(rng.choice([16, 32, 63, 125]))
            periods.append(ChargingPeriod(at, end, PeriodKind.CHARGING, energy, Decimal(str(kw)) * 1000, current))
            at = end
        if rng.random() < 0.5:
            end = at + timedelta(minutes=rng.randint(5, 120))
            periods.append(ChargingPeriod(at, end, PeriodKind.PARKING, Decimal(0)))
            at = end
        built.append(_session(f"bench/CP/{n}", start, at, tuple(periods)))
    return built


def _session(session_id: str, start: datetime, stop: datetime, periods: tuple[ChargingPeriod, ...]) -> ClosedSession:
    energy = sum((p.energy_wh for p in periods), Decimal(0))
    return ClosedSession(
        session_id=session_id,
        tenant_id="bench",
        charge_point_id="CP",
        connector_id=1,
        transaction_id=session_id,
        id_tag="TAG",
        started_at=start,
        stopped_at=stop,
        meter_start_wh=Decimal(0),
        meter_stop_wh=energy,
        energy_wh=energy,
        stop_reason="Local",
        periods=periods,
    )


def sessions_per_second(tariff: Tariff, batch: list[ClosedSession], seconds: float = 2.0) -> float:
    """Rate the batch over and over for about `seconds`; sessions per second of wall time on one core."""
    rated, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for session in batch:
            rate_session(session, tariff, site_id="S", account_id=None, time_zone=ZONE, rated_at=RATED_AT)
        rated += len(batch)
    return rated / elapsed


def rating_rates(seconds: float = 2.0, count: int = 500) -> dict:
    """Sessions rated per second for the simple and the complex tariff, ~`seconds` each."""
    batch = sessions(count)
    return {
        "simple_tariff_sessions_per_s": sessions_per_second(parse_tariff(SIMPLE), batch, seconds),
        "complex_tariff_sessions_per_s": sessions_per_second(parse_tariff(COMPLEX), batch, seconds),
        "periods_per_session": sum(len(s.periods) for s in batch) / len(batch),
    }


if __name__ == "__main__":
    print(json.dumps(rating_rates(), indent=2))
