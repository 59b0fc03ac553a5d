"""Records the rating stage produces: rated sessions with an explaining line item per amount."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from pipelines.sessions.models import ClosedSession

# LineItem.kind: where an amount comes from. "tariff" covers the OCPI components and min/max price adjustments;
# the others are the operator's rules above OCPI (pipelines/rating/idle_fees.py and discounts.py).
TARIFF, IDLE_FEE = "tariff", "idle_fee"
OFF_PEAK, LOYALTY, SUBSCRIPTION, VOUCHER = "off_peak", "loyalty", "subscription", "voucher"
BENEFIT_KINDS = frozenset({OFF_PEAK, LOYALTY, SUBSCRIPTION, VOUCHER})  # discounts: negative amounts


@dataclass(frozen=True, slots=True)
class LineItem:
    """One priced quantity: tariff element x dimension x period kind, or one operator rule's amount."""

    dimension: str  # ENERGY | FLAT | TIME | PARKING_TIME | MIN_PRICE | MAX_PRICE | IDLE_FEE | DISCOUNT
    tariff_element: int  # index of the OCPI TariffElement that priced it (0 where no element did)
    quantity: Decimal  # kWh, hours or 1 (FLAT)
    unit: str  # kWh | h | session
    unit_price: Decimal  # excl. VAT, the tariff's currency
    step_size: int
    amount_excl_vat: Decimal  # exact, not rounded to cents
    vat_rate: Decimal | None  # percent; None when the tariff gives none
    amount_incl_vat: Decimal
    description: str
    kind: str = TARIFF  # tariff | idle_fee | off_peak | loyalty | subscription | voucher
    rule_id: str | None = None  # the catalog rule, voucher code or plan behind a non-tariff line


@dataclass(frozen=True, slots=True)
class RatedSession:
    """A closed session priced by one tariff; totals are sums of the line items."""

    session: ClosedSession
    tariff_id: str
    currency: str
    site_id: str
    account_id: str | None
    total_energy_kwh: Decimal
    total_time_h: Decimal
    total_parking_time_h: Decimal
    total_cost_excl_vat: Decimal
    total_cost_incl_vat: Decimal
    line_items: tuple[LineItem, ...]
    rated_at: datetime

    def with_line_items(self, lines: tuple[LineItem, ...]) -> RatedSession:
        """The same session with other line items, its totals summed again from them."""
        return replace(
            self,
            line_items=lines,
            total_cost_excl_vat=sum((line.amount_excl_vat for line in lines), Decimal(0)),
            total_cost_incl_vat=sum((line.amount_incl_vat for line in lines), Decimal(0)),
        )
