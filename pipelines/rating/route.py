"""Rating with the catalog: which tariff, OCPI pricing plus the operator's idle fee, then account benefits.

Two steps, two agents (pipelines/app.py), because benefits need per-account state and sessions arrive keyed
by charge point: `rate` prices a closed session and sends it on sessions.priced keyed by account
(usage.partition_key); `benefits` takes the account's usage from its table, applies the benefits and sends
the result on sessions.rated. A session nobody can price is dead-lettered.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pipelines.catalog.view import CatalogView
from pipelines.ingest.models import DeadLetter, DeadLetterClass
from pipelines.rating.discounts import apply_benefits
from pipelines.rating.idle_fees import idle_fee_lines
from pipelines.rating.models import RatedSession
from pipelines.rating.pricing import rate_session
from pipelines.rating.usage import Table, read_usage, write_usage
from pipelines.sessions.models import ClosedSession


def rate_with_catalog(session: ClosedSession, catalog: CatalogView, *, rated_at: datetime) -> RatedSession | DeadLetter:
    """The session priced by its assigned tariff version, with the idle fee the operator's rules add."""
    choice = catalog.tariff_for(session)
    if choice is None:
        return _unratable(session, f"no charger or tariff in the catalog for {session.charge_point_id}", rated_at)
    try:
        rated = rate_session(
            session,
            choice.tariff,
            site_id=choice.site.site_id,
            account_id=choice.account.account_id if choice.account else None,
            time_zone=choice.time_zone,
            rated_at=rated_at,
        )
    except (ValueError, ArithmeticError) as error:  # e.g. a site time zone the system does not know
        return _unratable(session, f"tariff {choice.tariff.id} cannot price this session: {error}", rated_at)
    if choice.idle_fee is None:
        return rated
    return rated.with_line_items(rated.line_items + idle_fee_lines(session, choice.idle_fee, rated.currency))


def price_benefits(rated: RatedSession, catalog: CatalogView, usage_table: Table) -> RatedSession | DeadLetter:
    """The session with its account's benefits; the account's usage in `usage_table` updated idempotently."""
    rules = catalog.benefit_rules(rated)
    if rules is None:  # its site left the catalog since it was priced: no rules to apply
        return rated
    try:
        usage = read_usage(usage_table, rated, rules)
        result, delta = apply_benefits(rated, usage, rules)
    except (ValueError, KeyError, TypeError, ArithmeticError) as error:  # unreadable usage: keep it, say why
        reason = f"benefits of account {rated.account_id} cannot be applied: {error!r}"
        return _unratable(rated.session, reason, rated.rated_at, stage="benefits")
    write_usage(usage_table, rated, usage, delta, rules)
    return result


def _unratable(session: ClosedSession, reason: str, at: datetime, stage: str = "rating") -> DeadLetter:
    original = f"{session.session_id}@r{session.revision}".encode()
    return DeadLetter(
        dead_letter_id=hashlib.blake2b(f"{stage}|".encode() + original, digest_size=16).hexdigest(),
        stage=stage,
        error_class=DeadLetterClass.NO_TARIFF if stage == "rating" else DeadLetterClass.IMPOSSIBLE_VALUE,
        reason=reason,
        original=original,
        received_at=at,
        tenant_id=session.tenant_id,
        charge_point_id=session.charge_point_id,
    )
