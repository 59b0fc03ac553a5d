"""Which tariff prices a closed session, then pricing it; a session nobody can price is dead-lettered."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pipelines.catalog.view import CatalogView
from pipelines.ingest.models import DeadLetter, DeadLetterClass
from pipelines.rating.models import RatedSession
from pipelines.rating.pricing import rate_session
from pipelines.sessions.models import ClosedSession


def rate_with_catalog(session: ClosedSession, catalog: CatalogView, *, rated_at: datetime) -> RatedSession | DeadLetter:
    choice = catalog.tariff_for(session)
    if choice is None:
        return _unratable(session, f"no charger or tariff in the catalog for {session.charge_point_id}", rated_at)
    try:
        return rate_session(
            session,
            choice.tariff,
            site_id=choice.site.site_id,
            account_id=choice.account.account_id if choice.account else None,
            time_zone=choice.time_zone,
            rated_at=rated_at,
        )
    except (ValueError, ArithmeticError) as error:  # e.g. a site time zone the system does not know
        return _unratable(session, f"tariff {choice.tariff.id} cannot price this session: {error}", rated_at)


def _unratable(session: ClosedSession, reason: str, at: datetime) -> DeadLetter:
    original = f"{session.session_id}@r{session.revision}".encode()
    return DeadLetter(
        dead_letter_id=hashlib.blake2b(b"rating|" + original, digest_size=16).hexdigest(),
        stage="rating",
        error_class=DeadLetterClass.NO_TARIFF,
        reason=reason,
        original=original,
        received_at=at,
        tenant_id=session.tenant_id,
        charge_point_id=session.charge_point_id,
    )
