"""Cost so far of a running session: its latest snapshot priced like a closed session, stale snapshots dropped.

The hot path publishes snapshots of open sessions (ClosedSession records with revision 0, estimated, stopped_at =
the last reading). Each is priced with the very code that prices closed sessions, "as if it stopped now": step_size
rounding and min_price apply, so the figure is what the driver would pay on unplugging at `as_of` — the amount
OCPP 2.0.1 CostUpdated shows. Amounts are exact (1e-9), never rounded here.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pipelines.catalog.view import CatalogView
from pipelines.ingest.models import DeadLetter, DeadLetterClass
from pipelines.rating.models import RatedSession
from pipelines.rating.route import rate_with_catalog
from pipelines.sessions.models import ClosedSession

DEFAULT_REMEMBERED_SESSIONS = 100_000  # far above the open sessions one worker's partitions hold


@dataclass(frozen=True, slots=True)
class RunningCost:
    """What a running session has cost up to `as_of`, in the tariff's currency; topic sessions.costs.v1."""

    session_id: str
    tenant_id: str
    charge_point_id: str
    connector_id: int
    transaction_id: str
    id_tag: str
    account_id: str | None
    site_id: str
    tariff_id: str
    currency: str
    started_at: datetime
    as_of: datetime  # the reading the cost holds for (the snapshot's stopped_at)
    energy_kwh: Decimal
    duration_h: Decimal  # started_at to the snapshot's last reading, charging and parking
    parking_time_h: Decimal
    cost_excl_vat: Decimal
    cost_incl_vat: Decimal
    priced_at: datetime


def running_cost(rated: RatedSession, as_of: datetime) -> RunningCost:
    """The running figures of a priced snapshot; `as_of` must be aware and not before the session started."""
    session = rated.session
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    if as_of < session.started_at:
        raise ValueError(f"as_of {as_of.isoformat()} is before the session started ({session.started_at.isoformat()})")
    return RunningCost(
        session_id=session.session_id,
        tenant_id=session.tenant_id,
        charge_point_id=session.charge_point_id,
        connector_id=session.connector_id,
        transaction_id=session.transaction_id,
        id_tag=session.id_tag,
        account_id=rated.account_id,
        site_id=rated.site_id,
        tariff_id=rated.tariff_id,
        currency=rated.currency,
        started_at=session.started_at,
        as_of=as_of,
        energy_kwh=rated.total_energy_kwh,
        duration_h=rated.total_time_h,
        parking_time_h=rated.total_parking_time_h,
        cost_excl_vat=rated.total_cost_excl_vat,
        cost_incl_vat=rated.total_cost_incl_vat,
        priced_at=rated.rated_at,
    )


class LatestSnapshots:
    """The newest snapshot instant priced per session, for at most `capacity` sessions.

    Snapshots of one session share a partition, so one worker sees them in publish order unless the producer
    retried; a snapshot no newer than the last one priced is stale. The least recently updated sessions (long
    closed, as a rule) are forgotten first, which bounds memory whatever the fleet does.
    """

    def __init__(self, capacity: int = DEFAULT_REMEMBERED_SESSIONS) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.capacity = capacity
        self._latest: OrderedDict[str, datetime] = OrderedDict()

    def admit(self, session_id: str, at: datetime) -> bool:
        """True (and remembered) when `at` is newer than every snapshot of the session admitted before."""
        seen = self._latest.get(session_id)
        if seen is not None and at <= seen:
            return False
        self._latest[session_id] = at
        self._latest.move_to_end(session_id)
        if len(self._latest) > self.capacity:
            self._latest.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._latest)


def price_snapshot(
    snapshot: ClosedSession, catalog: CatalogView, seen: LatestSnapshots, *, now: datetime
) -> RunningCost | DeadLetter | None:
    """The running cost of a snapshot, a dead letter when nobody can price it, None when it is stale.

    Dead letters of one session's snapshots share an id (session@r0), so a session nobody can price leaves one
    row in the warehouse, not one per snapshot.
    """
    if not seen.admit(snapshot.session_id, snapshot.stopped_at):
        return None
    if snapshot.stopped_at < snapshot.started_at:
        return _impossible(snapshot, now)
    rated = rate_with_catalog(snapshot, catalog, rated_at=now)
    if isinstance(rated, DeadLetter):
        return rated
    return running_cost(rated, snapshot.stopped_at)


def _impossible(snapshot: ClosedSession, at: datetime) -> DeadLetter:
    original = f"{snapshot.session_id}@r{snapshot.revision}".encode()
    return DeadLetter(
        dead_letter_id=hashlib.blake2b(b"running|" + original, digest_size=16).hexdigest(),
        stage="rating",
        error_class=DeadLetterClass.IMPOSSIBLE_VALUE,
        reason=f"running snapshot's last reading {snapshot.stopped_at.isoformat()} is before its start "
        f"{snapshot.started_at.isoformat()}",
        original=original,
        received_at=at,
        tenant_id=snapshot.tenant_id,
        charge_point_id=snapshot.charge_point_id,
    )
