"""From pipeline records to notifications: which trigger tells whom, under which trigger id, with which facts.

- a rated session: its receipt (session_completed, trigger = session id + revision: a corrected revision sends
  a corrected receipt) and, when it was closed provisionally or stopped by a fault, a charging_problem
  (trigger = session id + problem: once per session whatever the revisions);
- a running cost: session_started on a session's first cost, running_cost_limit once the cost passes the
  account's limit (trigger = session id for both). `Once` keeps a worker from composing either again for every
  snapshot; after a rebalance another worker may compose one again, under the same id, which the warehouse
  and the senders drop;
- a flag: blocked_card for a blocked or expired token's account (trigger = flag id), and charging_problem
  (station_fault) for the drivers charging at a station with a fault spike or a connector stuck Faulted
  (trigger = flag id + session id), found through ActiveSessions.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

import orjson

from pipelines.catalog.models import Account, Tenant
from pipelines.catalog.notification_policy import effective_policy
from pipelines.catalog.view import CatalogView
from pipelines.flags.models import Flag
from pipelines.notify.compose import compose
from pipelines.notify.kinds import NotificationKind
from pipelines.notify.models import Notification
from pipelines.rating.models import RatedSession
from pipelines.rating.running import RunningCost
from pipelines.sessions.models import MISSING_STOP, ClosedSession

# OCPP 1.6 / 2.0.1 stop reasons that mean the session ended against the driver's will.
INTERRUPTED_STOP_REASONS = frozenset(
    {"EmergencyStop", "PowerLoss", "HardReset", "SoftReset", "Reboot", "GroundFault", "OvercurrentFault"}
)
DEFAULT_REMEMBERED_SESSIONS = 100_000


class Once:
    """Keys seen before, for at most `capacity` keys (least recently seen forgotten first): bounded memory."""

    def __init__(self, capacity: int = DEFAULT_REMEMBERED_SESSIONS) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first(self, key: str) -> bool:
        """True the first time `key` is offered (and it is remembered), False after."""
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        return True


def recipient(catalog: CatalogView, tenant_id: str, account_id: str | None) -> tuple[Tenant, Account] | None:
    """The tenant and account a notification goes to, when the catalog knows both."""
    tenant = catalog.tenant(tenant_id)
    account = catalog.account(tenant_id, account_id) if account_id else None
    return (tenant, account) if tenant is not None and account is not None else None


def site_zone(catalog: CatalogView, tenant_id: str, site_id: str) -> str | None:
    site = catalog.site(tenant_id, site_id)
    return site.time_zone if site is not None else None


def rated_notifications(rated: RatedSession, catalog: CatalogView, *, now: datetime) -> list[Notification]:
    """The receipt of a rated session, and a charging_problem when it ended badly."""
    session = rated.session
    found = recipient(catalog, session.tenant_id, rated.account_id)
    if found is None:
        return []
    tenant, account = found
    facts = {
        "station": session.charge_point_id,
        "session_id": session.session_id,
        "started_at": session.started_at,
        "stopped_at": session.stopped_at,
        "energy_kwh": session.energy_wh / 1000,
        "currency": rated.currency,
        "lines": [(line.description, line.amount_incl_vat) for line in rated.line_items],
        "time_zone": site_zone(catalog, session.tenant_id, rated.site_id),
    }
    trigger = f"{session.session_id}/r{session.revision}"
    out = [compose(NotificationKind.SESSION_COMPLETED, tenant=tenant, account=account, trigger_id=trigger,
                   facts=facts, now=now)]  # fmt: skip
    problem = session_problem(session)
    if problem is not None:
        facts = {"station": session.charge_point_id, "session_id": session.session_id, "problem": problem[0],
                 "detail": problem[1]}  # fmt: skip
        out.append(compose(NotificationKind.CHARGING_PROBLEM, tenant=tenant, account=account,
                           trigger_id=f"{session.session_id}/{problem[0]}", facts=facts, now=now))  # fmt: skip
    return [note for note in out if note is not None]


def session_problem(session: ClosedSession) -> tuple[str, str | None] | None:
    """(problem, detail) when a session closed provisionally or was interrupted, else None."""
    if MISSING_STOP in session.anomalies:
        return "provisional_close", None
    if session.stop_reason in INTERRUPTED_STOP_REASONS:
        return "interrupted", session.stop_reason
    return None


def cost_notifications(cost: RunningCost, catalog: CatalogView, seen: Once, *, now: datetime) -> list[Notification]:
    """session_started on a session's first running cost; running_cost_limit once it passes the limit."""
    found = recipient(catalog, cost.tenant_id, cost.account_id)
    if found is None:
        return []
    tenant, account = found
    out: list[Notification | None] = []
    base: dict[str, object] = {"station": cost.charge_point_id, "session_id": cost.session_id,
                               "time_zone": site_zone(catalog, cost.tenant_id, cost.site_id)}  # fmt: skip
    if seen.first(f"started/{cost.session_id}"):
        facts = base | {"started_at": cost.started_at}
        out.append(compose(NotificationKind.SESSION_STARTED, tenant=tenant, account=account,
                           trigger_id=cost.session_id, facts=facts, now=now))  # fmt: skip
    limit = effective_policy(tenant.notification_policy, account.notification_policy).running_cost_limit
    if limit is not None and cost.cost_incl_vat > limit and seen.first(f"limit/{cost.session_id}"):
        facts = base | {"cost": cost.cost_incl_vat, "limit": limit, "currency": cost.currency, "as_of": cost.as_of}
        out.append(compose(NotificationKind.RUNNING_COST_LIMIT, tenant=tenant, account=account,
                           trigger_id=cost.session_id, facts=facts, now=now))  # fmt: skip
    return [note for note in out if note is not None]


# Flags that tell a driver something: a refused card, a station fault while they charge there.
CARD_FLAGS = {"blocked_token_used": "blocked", "expired_token_used": "expired"}
STATION_FAULT_FLAGS = frozenset({"fault_rate_spike", "connector_stuck_faulted"})
RECENT = timedelta(minutes=15)  # a running cost this close before a fault means the session was still running


class ActiveSessions:
    """Per charge point, the sessions whose running costs this worker saw lately (session -> account, as_of).

    Fed by running costs, emptied by rated (closed) sessions; bounded like Once. Best effort by design: a worker
    knows the sessions of the sessions.costs partitions it holds, so with several workers a station fault reaches
    the drivers whose costs this worker priced; the receipt of an interrupted session tells the others.
    """

    def __init__(self, capacity: int = DEFAULT_REMEMBERED_SESSIONS) -> None:
        self.capacity = capacity
        self._by_session: OrderedDict[str, RunningCost] = OrderedDict()

    def saw(self, cost: RunningCost) -> None:
        self._by_session[cost.session_id] = cost
        self._by_session.move_to_end(cost.session_id)
        if len(self._by_session) > self.capacity:
            self._by_session.popitem(last=False)

    def closed(self, session_id: str) -> None:
        self._by_session.pop(session_id, None)

    def at(self, tenant_id: str, charge_point_id: str, when: datetime) -> list[RunningCost]:
        return [c for c in self._by_session.values() if c.tenant_id == tenant_id and
                c.charge_point_id == charge_point_id and when - RECENT <= c.as_of <= when + RECENT]  # fmt: skip


def flag_notifications(
    flag: Flag, catalog: CatalogView, active: ActiveSessions, *, now: datetime
) -> list[Notification]:
    """blocked_card for a refused card's account; charging_problem for drivers charging at a faulted station."""
    evidence = orjson.loads(flag.evidence)
    station = evidence.get("charge_point_id")
    if flag.flag_type in CARD_FLAGS and isinstance(station, str):
        token = catalog.token(flag.tenant_id, flag.subject)
        found = recipient(catalog, flag.tenant_id, token.account_id if token else None)
        if found is None:
            return []
        facts = {"token": flag.subject, "station": station, "at": flag.raised_at, "status": CARD_FLAGS[flag.flag_type]}
        note = compose(NotificationKind.BLOCKED_CARD, tenant=found[0], account=found[1], trigger_id=flag.flag_id,
                       facts=facts, now=now)  # fmt: skip
        return [note] if note is not None else []
    if flag.flag_type not in STATION_FAULT_FLAGS or not isinstance(station, str):
        return []
    out = []
    for cost in active.at(flag.tenant_id, station, flag.raised_at):
        found = recipient(catalog, flag.tenant_id, cost.account_id)
        if found is None:
            continue
        facts = {"station": station, "problem": "station_fault", "session_id": cost.session_id,
                 "detail": evidence.get("error_code")}  # fmt: skip
        out.append(compose(NotificationKind.CHARGING_PROBLEM, tenant=found[0], account=found[1],
                           trigger_id=f"{flag.flag_id}/{cost.session_id}", facts=facts, now=now))  # fmt: skip
    return [note for note in out if note is not None]
