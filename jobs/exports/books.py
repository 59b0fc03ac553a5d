"""What the export needs from the catalog, as small frames: charts of accounts, billing modes, CDR places."""

from __future__ import annotations

import polars as pl

from jobs.exports.journal import Books
from jobs.exports.ocpi_cdr import Places, country_alpha3, party_id
from jobs.exports.period import ExportError
from pipelines.catalog.models import Account, Charger, Site, Tenant
from pipelines.catalog.view import CatalogView


def tenants(catalog: CatalogView, tenant_id: str | None) -> list[Tenant]:
    """The tenants to export: one (which must be in the catalog) or all of them."""
    known: list[Tenant] = sorted(catalog.entities("tenants"), key=lambda tenant: tenant.tenant_id)
    if tenant_id is None:
        return known
    chosen = [tenant for tenant in known if tenant.tenant_id == tenant_id]
    if not chosen:
        names = ", ".join(tenant.tenant_id for tenant in known) or "none"
        raise ExportError(f"unknown tenant {tenant_id!r}: the catalog has {names}")
    return chosen


def books(catalog: CatalogView, chosen: list[Tenant]) -> Books:
    accounts: list[Account] = catalog.entities("accounts")
    modes = pl.DataFrame(
        [(a.tenant_id, a.account_id, a.billing_mode.value) for a in accounts],
        schema={"tenant_id": pl.String, "account_id": pl.String, "billing_mode": pl.String},
        orient="row",
    )
    charts = {tenant.tenant_id: tenant.chart_of_accounts for tenant in chosen if tenant.chart_of_accounts}
    return Books(charts=charts, billing_modes=modes)


def places(catalog: CatalogView, chosen: list[Tenant]) -> Places:
    """Tenants' OCPI country and party, sites' names and coordinates, connectors' power types."""
    sites: list[Site] = catalog.entities("sites")
    chargers: list[Charger] = catalog.entities("chargers")
    return Places(
        tenants=pl.DataFrame(
            [(t.tenant_id, t.country, country_alpha3(t.country), party_id(t.tenant_id)) for t in chosen],
            schema={"tenant_id": pl.String, "country": pl.String, "country3": pl.String, "party_id": pl.String},
            orient="row",
        ),
        sites=pl.DataFrame(
            [(s.tenant_id, s.site_id, s.name, _degrees(s.latitude), _degrees(s.longitude)) for s in sites],
            schema={
                "tenant_id": pl.String,
                "site_id": pl.String,
                "site_name": pl.String,
                "latitude": pl.String,
                "longitude": pl.String,
            },
            orient="row",
        ),
        connectors=pl.DataFrame(
            [
                (c.tenant_id, c.charge_point_id, k.connector_id, k.power_type.value)
                for c in chargers
                for k in c.connectors
            ],
            schema={
                "tenant_id": pl.String,
                "charge_point_id": pl.String,
                "connector_id": pl.UInt16,
                "power_type": pl.String,
            },
            orient="row",
        ),
    )


def _degrees(value: float | None) -> str | None:
    """OCPI GeoLocation text: up to 7 decimals; 6 here."""
    return None if value is None else f"{value:.6f}"
