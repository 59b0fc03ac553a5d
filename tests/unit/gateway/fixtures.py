"""A small catalog for the gateway's unit tests: two tenants, chargers, and tokens in every standing."""

from datetime import UTC, datetime

from pipelines.catalog.load import catalog_records
from pipelines.catalog.models import Catalog
from pipelines.gateway.catalog import GatewayCatalog

NOW = datetime(2026, 11, 23, 10, 0, 0, 123000, tzinfo=UTC)


def catalog() -> Catalog:
    tenants = [{"tenant_id": t, "name": t, "currency": "EUR", "country": "DE"} for t in ("t1", "t2")]
    sites = [
        {"site_id": "S", "tenant_id": t, "name": "S", "time_zone": "Europe/Berlin", "default_tariff_id": "T"}
        for t in ("t1", "t2")
    ]
    connectors = [{"connector_id": 1, "power_type": "AC", "max_power_kw": 22}]
    chargers = [
        {"charge_point_id": cp, "tenant_id": tenant, "site_id": "S", "connectors": connectors}
        for cp, tenant in (("CP-1", "t1"), ("CP-2", "t2"), ("SHARED", "t1"), ("SHARED", "t2"))
    ]
    tokens = [
        {"uid": "OK", "tenant_id": "t1", "account_id": "A"},
        {"uid": "Card-Mixed", "tenant_id": "t1", "account_id": "A"},
        {"uid": "GONE", "tenant_id": "t1", "account_id": "A", "status": "blocked"},
        {"uid": "OLD", "tenant_id": "t1", "account_id": "A", "status": "expired"},
        {"uid": "LAPSED", "tenant_id": "t1", "account_id": "A", "expires_at": "2026-11-01T00:00:00Z"},
        {"uid": "UNTIL-2027", "tenant_id": "t1", "account_id": "A", "expires_at": "2027-01-01T00:00:00Z"},
        {"uid": "OTHER", "tenant_id": "t2", "account_id": "B"},
    ]
    accounts = [{"account_id": a, "tenant_id": t, "name": a} for a, t in (("A", "t1"), ("B", "t2"))]
    tariffs = [
        {"id": "T", "tenant_id": t, "currency": "EUR", "elements": [{"price_components": [
            {"type": "ENERGY", "price": "0.30", "vat": 19, "step_size": 1}]}]}
        for t in ("t1", "t2")
    ]  # fmt: skip
    return Catalog(tenants=tenants, sites=sites, chargers=chargers, tokens=tokens, accounts=accounts, tariffs=tariffs)


def gateway_catalog() -> GatewayCatalog:
    view = GatewayCatalog()
    for kind, key, value in catalog_records(catalog()):
        assert view.apply(kind, key, value), view.rejected
    return view
