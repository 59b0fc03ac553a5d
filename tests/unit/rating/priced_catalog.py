"""A one-charger catalog whose tariff prices are parameters, for running-cost and re-rating tests."""

from __future__ import annotations

from decimal import Decimal

from pipelines.catalog.models import Catalog
from pipelines.catalog.view import CatalogView


def catalog_view(
    energy: str = "0.40", flat: str = "1.00", parking: str = "6.00", currency: str = "EUR", **benefits: list[dict]
) -> CatalogView:
    """Tenant t1, charger CP-1 at site S1 (Europe/Amsterdam), token 04A2B3C4 of account A1, tariff T1; `benefits`
    are catalog sections (discounts, vouchers, subscription_plans)."""
    components = [("FLAT", flat, 1), ("ENERGY", energy, 1), ("PARKING_TIME", parking, 60)]
    tariff = {
        "id": "T1",
        "tenant_id": "t1",
        "currency": currency,
        "elements": [
            {"price_components": [{"type": kind, "price": Decimal(price), "vat": Decimal(19), "step_size": step}]}
            for kind, price, step in components
        ],
    }
    catalog = Catalog(
        tenants=[{"tenant_id": "t1", "name": "T", "currency": currency, "country": "DE"}],
        sites=[{"site_id": "S1", "tenant_id": "t1", "name": "S", "time_zone": "Europe/Amsterdam",
                "default_tariff_id": "T1"}],
        chargers=[{"charge_point_id": "CP-1", "tenant_id": "t1", "site_id": "S1",
                   "connectors": [{"connector_id": 1, "power_type": "AC", "max_power_kw": 22}]}],
        accounts=[{"account_id": "A1", "tenant_id": "t1", "name": "Erika"}],
        tokens=[{"uid": "04A2B3C4", "tenant_id": "t1", "account_id": "A1"}],
        tariffs=[tariff],
        **benefits,
    )  # fmt: skip
    return CatalogView.from_catalog(catalog)
