"""Records the rating stage produces: rated sessions with an explaining line item per amount."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pipelines.sessions.models import ClosedSession


@dataclass(frozen=True, slots=True)
class LineItem:
    """One priced quantity: tariff element x dimension x period kind."""

    dimension: str  # ENERGY | FLAT | TIME | PARKING_TIME
    tariff_element: int  # index of the OCPI TariffElement that priced it
    quantity: Decimal  # kWh, hours or 1 (FLAT)
    unit: str  # kWh | h | session
    unit_price: Decimal  # excl. VAT, the tariff's currency
    step_size: int
    amount_excl_vat: Decimal  # exact, not rounded to cents
    vat_rate: Decimal | None  # percent; None when the tariff gives none
    amount_incl_vat: Decimal
    description: str


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
