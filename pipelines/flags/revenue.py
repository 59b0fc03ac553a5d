"""Revenue outliers: a rated amount far from what its tariff usually earns at its site, learned from the stream.

Per (tenant, site, tariff) the amounts of the last `revenue_window` sessions (by session id, so a redelivery or
re-rating replaces, never doubles). A session is judged against the others before it joins them: robust
z = |amount - median| / (1.4826 x MAD), which a few outliers cannot drag along the way a mean and standard
deviation would. No judgement before `revenue_min_samples` sessions. When most sessions cost the same (a flat
fee: MAD 0) the scale falls back to 5 % of the median (at least one minor unit), so only a real departure fires.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from pipelines.flags.facts import SessionFacts
from pipelines.flags.models import Flag, FlagType, Severity, SubjectType, raise_flag

MAD_TO_SIGMA = Decimal("1.4826")  # MAD of a normal distribution x this = its standard deviation
MIN_SCALE_SHARE = Decimal("0.05")
MIN_SCALE = Decimal("0.01")
MAX_GROUPS = 50_000  # site x tariff groups remembered per worker; the least recently used are forgotten


class RevenueStats:
    """Bounded per-group windows of recent amounts."""

    def __init__(self, max_groups: int = MAX_GROUPS) -> None:
        self.max_groups = max_groups
        self._groups: OrderedDict[tuple[str, str, str], OrderedDict[str, Decimal]] = OrderedDict()

    def window(self, group: tuple[str, str, str]) -> OrderedDict[str, Decimal]:
        amounts = self._groups.pop(group, None) or OrderedDict()
        self._groups[group] = amounts
        if len(self._groups) > self.max_groups:
            self._groups.popitem(last=False)
        return amounts


def median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def robust_z(amount: Decimal, sample: list[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    """(z, median, scale) of `amount` against `sample`."""
    center = median(sample)
    scale = MAD_TO_SIGMA * median([abs(value - center) for value in sample])
    scale = max(scale, abs(center) * MIN_SCALE_SHARE, MIN_SCALE)
    return abs(amount - center) / scale, center, scale


def revenue_flags(stats: RevenueStats, facts: SessionFacts) -> list[Flag]:
    """Judge the session's amount against its group's window, then add it to the window."""
    s, policy = facts.session, facts.policy
    amounts = stats.window((s.tenant_id, facts.site_id, facts.tariff_id))
    amounts.pop(s.session_id, None)
    sample = list(amounts.values())
    flags = []
    if len(sample) >= policy.revenue_min_samples:
        z, center, scale = robust_z(facts.amount, sample)
        if z > policy.revenue_max_robust_z:
            evidence = {
                "session_id": s.session_id,
                "site_id": facts.site_id,
                "tariff_id": facts.tariff_id,
                "amount": facts.amount,
                "currency": facts.currency,
                "median": center,
                "scale": round(scale, 6),
                "robust_z": round(z, 3),
                "threshold": policy.revenue_max_robust_z,
                "samples": len(sample),
            }
            flag = raise_flag(
                s.tenant_id,
                FlagType.REVENUE_OUTLIER,
                Severity.WARNING,
                (SubjectType.SESSION, s.session_id),
                keys=(s.session_id,),
                evidence=evidence,
                at=s.stopped_at,
            )
            flags.append(flag)
    amounts[s.session_id] = facts.amount
    while len(amounts) > policy.revenue_window:
        amounts.popitem(last=False)
    return flags
