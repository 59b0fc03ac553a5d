"""Idle fees: the operator's blocking fee for a car left plugged in after charging ended.

Why an own rule and not a generated OCPI PARKING_TIME component: OCPI restrictions cannot say "after
charging ended". Its min_duration counts from the session's START, so "15 minutes free after the battery is
full" is not expressible, and a cap on the fee alone is not either (max_price caps the whole session). The
rule is therefore applied after OCPI pricing, as its own line item (kind "idle_fee", dimension IDLE_FEE):
idle time = parking after the last charging period (from the start if the car never charged), minus the
grace period, billed per started step at price_per_minute, capped at max_amount, each excl. VAT, with the
rule's VAT on top. A tariff that prices PARKING_TIME itself already decides what parking costs, so the
rule never applies on top of one (the loader refuses assignments that would ask for both).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_CEILING, Decimal

from pipelines.catalog.models import IdleFee
from pipelines.money import to_ledger
from pipelines.rating.models import IDLE_FEE, LineItem
from pipelines.rating.tariff import Dimension, Tariff
from pipelines.sessions.models import ClosedSession, PeriodKind

_MICRO = timedelta(microseconds=1)


def prices_parking(tariff: Tariff) -> bool:
    return any(element.component(Dimension.PARKING_TIME) is not None for element in tariff.elements)


def idle_time(session: ClosedSession) -> timedelta:
    """Parking after the last charging period ended."""
    charging_ends = [p.end for p in session.periods if p.kind is PeriodKind.CHARGING]
    since = max(charging_ends, default=session.started_at)
    parked = (p for p in session.periods if p.kind is PeriodKind.PARKING and p.end > since)
    return sum((p.end - max(p.start, since) for p in parked), timedelta())


def idle_fee_lines(session: ClosedSession, fee: IdleFee, currency: str) -> tuple[LineItem, ...]:
    """One IDLE_FEE line when the idle time exceeds the grace period, else none."""
    billable = idle_time(session) - timedelta(minutes=fee.grace_minutes)
    if billable <= timedelta():
        return ()
    minutes = Decimal(billable // _MICRO) / 60_000_000
    step = Decimal(fee.step_minutes)
    billed = (minutes / step).to_integral_value(rounding=ROUND_CEILING) * step
    uncapped = to_ledger(billed * fee.price_per_minute)
    amount = uncapped if fee.max_amount is None else min(uncapped, fee.max_amount)
    vat_factor = (100 + fee.vat) / 100 if fee.vat is not None else Decimal(1)
    capped = f", capped at {fee.max_amount:f} {currency}" if amount < uncapped else ""
    vat = f", VAT {fee.vat.normalize():f}%" if fee.vat is not None else ", no VAT"
    return (
        LineItem(
            dimension="IDLE_FEE",
            tariff_element=0,
            quantity=billed,
            unit="min",
            unit_price=fee.price_per_minute,
            step_size=fee.step_minutes * 60,
            amount_excl_vat=amount,
            vat_rate=fee.vat,
            amount_incl_vat=to_ledger(amount * vat_factor),
            description=(
                f"{fee.name}: {billed.normalize():f} min plugged in without charging after {fee.grace_minutes} min"
                f" grace at {fee.price_per_minute:f} {currency}/min{capped}{vat}"
            ),
            kind=IDLE_FEE,
            rule_id=fee.idle_fee_id,
        ),
    )
