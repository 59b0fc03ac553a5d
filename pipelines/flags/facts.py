"""What the session rules read about a rated session, looked up once in the catalog: the flags stay pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from pipelines.catalog.flag_policy import DEFAULT_FLAG_POLICY, FlagPolicy
from pipelines.catalog.models import Token, TokenStatus
from pipelines.catalog.view import CatalogView
from pipelines.rating.models import RatedSession
from pipelines.sessions.models import ClosedSession


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """A rated session with its site's position, its connector's rating and the token's catalog standing."""

    session: ClosedSession
    site_id: str
    tariff_id: str
    amount: Decimal  # total excl. VAT, the tariff's currency
    currency: str
    policy: FlagPolicy = DEFAULT_FLAG_POLICY
    position: tuple[float, float] | None = None  # the site's latitude, longitude
    rating_kw: Decimal | None = None  # the connector's max power
    token_status: str | None = None  # "valid" | "blocked" | "expired" | None: not in the catalog

    @property
    def tenant_id(self) -> str:
        return self.session.tenant_id


def session_facts(rated: RatedSession, catalog: CatalogView) -> SessionFacts:
    session = rated.session
    tenant = catalog.tenant(session.tenant_id)
    site = catalog.site(session.tenant_id, rated.site_id)
    charger = catalog.charger(session.tenant_id, session.charge_point_id)
    connectors = charger.connectors if charger is not None else []
    rating = next((c.max_power_kw for c in connectors if c.connector_id == session.connector_id), None)
    position = None
    if site is not None and site.latitude is not None and site.longitude is not None:
        position = (site.latitude, site.longitude)
    return SessionFacts(
        session=session,
        site_id=rated.site_id,
        tariff_id=rated.tariff_id,
        amount=rated.total_cost_excl_vat,
        currency=rated.currency,
        policy=(tenant.flag_policy if tenant is not None else None) or DEFAULT_FLAG_POLICY,
        position=position,
        rating_kw=Decimal(str(rating)) if rating is not None else None,
        token_status=token_standing(catalog.token(session.tenant_id, session.id_tag), session.started_at),
    )


def token_standing(token: Token | None, at: datetime) -> str | None:
    """The token's status at `at`: expired once its expires_at has passed, like the gateway decides."""
    if token is None:
        return None
    if token.status is TokenStatus.VALID and token.expires_at is not None:
        expires = token.expires_at if token.expires_at.tzinfo else token.expires_at.replace(tzinfo=UTC)
        if expires <= at:
            return TokenStatus.EXPIRED.value
    return token.status.value
