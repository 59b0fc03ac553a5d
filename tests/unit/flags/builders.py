"""Sessions and session facts for flag-rule tests: a plain, valid session unless a test says otherwise."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pipelines.catalog.flag_policy import FlagPolicy
from pipelines.flags.facts import SessionFacts
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
AACHEN = (50.7762, 6.0838)
STOCKHOLM = (59.3293, 18.0686)


def closed(
    n: int = 1,
    *,
    start: datetime = T0,
    minutes: float = 60,
    energy_wh: int = 10_000,
    meter_start: int = 100_000,
    cp: str = "CP-1",
    connector: int = 1,
    tag: str = "TAG1",
    max_power_w: int | None = 11_000,
    **changes: Any,
) -> ClosedSession:
    stop = start + timedelta(minutes=minutes)
    period = ChargingPeriod(start, stop, PeriodKind.CHARGING, Decimal(energy_wh), max_power_w=_dec(max_power_w))
    session = ClosedSession(
        session_id=f"t1/{cp}/{n}", tenant_id="t1", charge_point_id=cp, connector_id=connector, transaction_id=str(n),
        id_tag=tag, started_at=start, stopped_at=stop, meter_start_wh=Decimal(meter_start),
        meter_stop_wh=Decimal(meter_start + energy_wh), energy_wh=Decimal(energy_wh), stop_reason="Local",
        periods=(period,), id_tag_status="Accepted",
    )  # fmt: skip
    return replace(session, **changes)


def facts(
    session: ClosedSession,
    *,
    site: str = "S1",
    position: tuple[float, float] | None = AACHEN,
    rating_kw: str | None = "22",
    amount: str = "5.00",
    token_status: str | None = "valid",
    tariff: str = "T1",
    policy: FlagPolicy | None = None,
) -> SessionFacts:
    return SessionFacts(
        session=session, site_id=site, tariff_id=tariff, amount=Decimal(amount), currency="EUR",
        policy=policy or FlagPolicy(), position=position, rating_kw=Decimal(rating_kw) if rating_kw else None,
        token_status=token_status,
    )  # fmt: skip


def _dec(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)
