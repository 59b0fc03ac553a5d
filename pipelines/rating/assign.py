"""Which tariff a session gets: the operator's assignment rules, their validity, and tariff versions.

Specificity. An assignment names some of these criteria, most important first:

    membership_level > customer_group > contract > charge_point_id > site_id > power_type

Among the assignments that match a session (every criterion it names equals the session's, and the session
starts within its validity), the one naming the most important criterion the others lack wins: who the
driver is decides before where they charge, and where before how fast. So "customer_group: fleet" beats
"site_id: X, power_type: DC" (a fleet contract holds at every site), and "customer_group: fleet, site_id: X"
beats "customer_group: fleet". Two assignments naming the same criteria can only both match a session when
they name the same values; if their validity periods overlap too, which one applies would be ambiguous, so
the catalog loader refuses them (tie_problems). When no assignment matches, the site's default tariff does.

Ad hoc or contract. A session is ad hoc when its token is unknown to the catalog or its account is billed
ad hoc (`billing_mode: adhoc`); such drivers are in customer group "public" unless their account says
otherwise. `contract: adhoc | contract` on an assignment selects one kind.

Tariff versions. Versions of a tariff share its id and differ in OCPI `start_date_time`. The version in
force at the session's START is used, whenever the session is rated: among the versions whose
[start_date_time, end_date_time) contains the start, the one that starts latest (then the one updated
last). An assignment whose tariff has no version in force then is passed over for the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pipelines.catalog.models import Contract, PowerType, TariffAssignment
from pipelines.rating.tariff import Tariff

CRITERIA = ("membership_level", "customer_group", "contract", "charge_point_id", "site_id", "power_type")
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What assignment rules can select on, for one session."""

    charge_point_id: str
    site_id: str
    power_type: PowerType | None
    customer_group: str
    membership_level: str | None
    contract: Contract
    started_at: datetime


@dataclass(frozen=True, slots=True)
class Assigned:
    """The tariff version a session is priced with, and the assignment that chose it (None: site default)."""

    tariff: Tariff
    rule: TariffAssignment | None


def specificity(rule: TariffAssignment) -> tuple[bool, ...]:
    """Which criteria the rule names, most important first; compares as documented above."""
    return tuple(getattr(rule, name) is not None for name in CRITERIA)


def matches(rule: TariffAssignment, facts: SessionFacts) -> bool:
    return rule.valid_at(facts.started_at) and all(
        getattr(rule, name) is None or getattr(rule, name) == getattr(facts, name) for name in CRITERIA
    )


def ranked(facts: SessionFacts, rules: Iterable[TariffAssignment]) -> list[TariffAssignment]:
    """The matching rules, winner first. Ties cannot pass the loader; if published anyway, the later
    valid_from wins (a newer rule supersedes), then the tariff id, so the choice is still deterministic."""
    matching = [rule for rule in rules if matches(rule, facts)]
    matching.sort(key=lambda rule: rule.tariff_id)
    matching.sort(key=lambda rule: (specificity(rule), rule.valid_from or _EARLIEST), reverse=True)
    return matching


def version_in_force(versions: Iterable[Tariff], at: datetime) -> Tariff | None:
    """The version whose validity contains `at` and that starts latest; then the one updated last."""
    candidates = [version for version in versions if version.is_active_at(at)]
    return max(
        candidates,
        key=lambda v: (v.start_date_time or _EARLIEST, v.last_updated or _EARLIEST),
        default=None,
    )


def assign_tariff(
    facts: SessionFacts,
    rules: Iterable[TariffAssignment],
    versions_of: Callable[[str], Sequence[Tariff]],
    default_tariff_id: str,
) -> Assigned | None:
    """The winning assignment's tariff version in force at the session's start, else the site default's."""
    for rule in ranked(facts, rules):
        tariff = version_in_force(versions_of(rule.tariff_id), facts.started_at)
        if tariff is not None:
            return Assigned(tariff, rule)
    default = version_in_force(versions_of(default_tariff_id), facts.started_at)
    return None if default is None else Assigned(default, None)


def contract_of(token_known: bool, billed_ad_hoc: bool) -> Contract:
    return Contract.CONTRACT if token_known and not billed_ad_hoc else Contract.ADHOC


def tie_problems(rules: Sequence[tuple[str, TariffAssignment]]) -> list[str]:
    """Readable problems for assignments (path, rule) of one catalog that could both apply to one session."""
    groups: dict[tuple[object, ...], list[tuple[str, TariffAssignment]]] = {}
    for path, rule in rules:
        groups.setdefault((rule.tenant_id, *(getattr(rule, name) for name in CRITERIA)), []).append((path, rule))
    problems = []
    for group in groups.values():
        for index, (path, rule) in enumerate(group):
            clash = next((other for other, earlier in group[:index] if _overlap(rule, earlier)), None)
            if clash is not None:
                problems.append(
                    f"{path}: names the same criteria as {clash} ({describe(rule)}) with an overlapping validity"
                    " period, so which tariff applies would be ambiguous"
                )
    return problems


def describe(rule: TariffAssignment) -> str:
    named = [f"{name}={getattr(rule, name)}" for name in CRITERIA if getattr(rule, name) is not None]
    return ", ".join(named) or "no criteria: every session"


def _overlap(a: TariffAssignment, b: TariffAssignment) -> bool:
    a_from, b_from = a.valid_from or _EARLIEST, b.valid_from or _EARLIEST
    a_to, b_to = a.valid_to or datetime.max.replace(tzinfo=UTC), b.valid_to or datetime.max.replace(tzinfo=UTC)
    return a_from < b_to and b_from < a_to
