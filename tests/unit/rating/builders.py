"""Builders for rating tests: OCPI tariffs from JSON text and sessions from period lists."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pipelines.money import round_money
from pipelines.rating.models import RatedSession
from pipelines.rating.pricing import rate_session
from pipelines.rating.tariff import Tariff, parse_tariff
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind

ZONE = "Europe/Amsterdam"
RATED_AT = datetime(2026, 12, 1, tzinfo=UTC)


def tariff(text: str) -> Tariff:
    return parse_tariff(json.loads(text, parse_float=Decimal))


def local(text: str, zone: str = ZONE) -> datetime:
    """A site-local wall clock reading as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def session(start: datetime, *periods: tuple) -> ClosedSession:
    """periods: (kind 'c'|'p', minutes, kWh[, max_current_a[, max_power_kw]]) back to back from start."""
    built, at = [], start
    for kind, minutes, kwh, *extra in periods:
        end = at + timedelta(seconds=float(minutes) * 60)
        current = Decimal(str(extra[0])) if extra and extra[0] is not None else None
        power = Decimal(str(extra[1])) * 1000 if len(extra) > 1 else None
        energy = Decimal(str(kwh)) * 1000
        period_kind = PeriodKind.CHARGING if kind == "c" else PeriodKind.PARKING
        built.append(ChargingPeriod(at, end, period_kind, energy, max_power_w=power, max_current_a=current))
        at = end
    energy = sum((p.energy_wh for p in built), Decimal(0))
    return ClosedSession(
        session_id="t1/CP-1/42",
        tenant_id="t1",
        charge_point_id="CP-1",
        connector_id=1,
        transaction_id="42",
        id_tag="04A2B3C4",
        started_at=start,
        stopped_at=at,
        meter_start_wh=Decimal(1000),
        meter_stop_wh=Decimal(1000) + energy,
        energy_wh=energy,
        stop_reason=None,
        periods=tuple(built),
    )


def rate(closed: ClosedSession, priced_by: Tariff, zone: str = ZONE) -> RatedSession:
    return rate_session(closed, priced_by, site_id="S1", account_id="A1", time_zone=zone, rated_at=RATED_AT)


def cents(rated: RatedSession) -> tuple[Decimal, Decimal]:
    return round_money(rated.total_cost_excl_vat, "EUR"), round_money(rated.total_cost_incl_vat, "EUR")
