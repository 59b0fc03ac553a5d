"""The flags of a rated session and the blocklist entries they cause: what the flags agent calls per session.

The cross-session state (History, RevenueStats) lives in the worker's memory, per worker: sessions.rated is keyed
by session id, so with several workers each sees only its partitions' sessions and the token, connector and
revenue rules compare a session with that share only. One worker (the embedded default) sees everything;
scaled out, re-keying rated sessions by tenant onto an internal topic is the way to complete the picture (at
the cost of another Faust hop). The state is rebuilt from the stream after a restart, not restored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.catalog.flag_policy import BlockedToken
from pipelines.catalog.keys import record_key
from pipelines.catalog.load import canonical_json
from pipelines.catalog.view import CatalogView
from pipelines.flags.facts import SessionFacts, session_facts
from pipelines.flags.history import History, history_flags
from pipelines.flags.models import BLOCKLISTING, Flag, FlagType, SubjectType
from pipelines.flags.revenue import RevenueStats, revenue_flags
from pipelines.flags.session_rules import session_flags
from pipelines.rating.models import RatedSession


@dataclass(slots=True)
class SessionFlagger:
    """Runs every session rule; holds the per-worker memory of recent sessions."""

    history: History = field(default_factory=History)
    revenue: RevenueStats = field(default_factory=RevenueStats)

    def flags_for(self, rated: RatedSession, catalog: CatalogView) -> list[Flag]:
        return self.flags_of(session_facts(rated, catalog))

    def flags_of(self, facts: SessionFacts) -> list[Flag]:
        if facts.session.revision < 1:  # a running snapshot: the session is not over yet
            return []
        return session_flags(facts) + history_flags(self.history, facts) + revenue_flags(self.revenue, facts)


def blocklist_entries(flags: list[Flag], catalog: CatalogView) -> list[BlockedToken]:
    """Tokens to blocklist: those of BLOCKLISTING flags, where the tenant's policy says so."""
    entries = {}
    for flag in flags:
        if flag.subject_type != SubjectType.TOKEN or FlagType(flag.flag_type) not in BLOCKLISTING:
            continue
        tenant = catalog.tenant(flag.tenant_id)
        if tenant is None or tenant.flag_policy is None or not tenant.flag_policy.block_flagged_tokens:
            continue
        entries[(flag.tenant_id, flag.subject)] = BlockedToken(
            uid=flag.subject,
            tenant_id=flag.tenant_id,
            reason=flag.flag_type,
            flag_id=flag.flag_id,
            blocked_at=flag.raised_at,
        )
    return list(entries.values())


def blocklist_record(entry: BlockedToken) -> tuple[bytes, bytes]:
    """Key and value of the entry on the compacted catalog.blocklist topic, as `catalog load` would write it."""
    body = entry.model_dump(mode="json")
    return record_key("blocklist", body).encode(), canonical_json(body)
