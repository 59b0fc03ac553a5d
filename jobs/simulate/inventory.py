"""What the simulator takes from the catalog: charge points with their site's zone, and the tenant's tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import zip_longest

from ocpp.v16.enums import AuthorizationStatus

from pipelines.catalog.models import Catalog, Charger, Site, Token, TokenStatus


@dataclass(frozen=True, slots=True)
class SimChargePoint:
    charger: Charger
    time_zone: str
    position: tuple[float, float] | None  # the site's (latitude, longitude), when the catalog has them
    accepted_tokens: tuple[str, ...]  # uids the central system accepts on the simulated day
    refused_tokens: tuple[tuple[str, AuthorizationStatus], ...]  # blocked/expired cards people still try

    @property
    def charge_point_id(self) -> str:
        return self.charger.charge_point_id

    @property
    def tenant_id(self) -> str:
        return self.charger.tenant_id


def pick_charge_points(catalog: Catalog, count: int | None, *, at: datetime) -> list[SimChargePoint]:
    """The first `count` chargers taking tenants in turn (None = all); raises ValueError if too few."""
    by_tenant: dict[str, list[Charger]] = {}
    for charger in catalog.chargers:
        by_tenant.setdefault(charger.tenant_id, []).append(charger)
    interleaved = [c for row in zip_longest(*by_tenant.values()) for c in row if c is not None]
    if count is not None and not 0 < count <= len(interleaved):
        raise ValueError(f"the catalog has {len(interleaved)} chargers; cannot simulate {count}")
    sites = {(site.tenant_id, site.site_id): site for site in catalog.sites}
    chosen = interleaved if count is None else interleaved[:count]
    return [
        _charge_point(charger, sites[(charger.tenant_id, charger.site_id)], catalog.tokens, at) for charger in chosen
    ]


def authorization(token: Token, at: datetime) -> AuthorizationStatus:
    """What a central system answers for this card at `at`."""
    if token.status is TokenStatus.BLOCKED:
        return AuthorizationStatus.blocked
    if token.status is TokenStatus.EXPIRED or (token.expires_at is not None and token.expires_at <= at):
        return AuthorizationStatus.expired
    return AuthorizationStatus.accepted


def _charge_point(charger: Charger, site: Site, tokens: list[Token], at: datetime) -> SimChargePoint:
    own = [token for token in tokens if token.tenant_id == charger.tenant_id]
    verdicts = [(token.uid, authorization(token, at)) for token in own]
    accepted = tuple(uid for uid, verdict in verdicts if verdict is AuthorizationStatus.accepted)
    refused = tuple((uid, verdict) for uid, verdict in verdicts if verdict is not AuthorizationStatus.accepted)
    if not accepted:
        raise ValueError(f"tenant {charger.tenant_id!r} has no valid token to charge at {charger.charge_point_id}")
    position = None if site.latitude is None or site.longitude is None else (site.latitude, site.longitude)
    return SimChargePoint(charger, site.time_zone, position, accepted, refused)
