"""The run summary read back from ClickHouse: sessions, energy, revenue, notifications, dead letters."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from clickhouse_connect.driver.client import Client

Query = tuple[str, dict[str, object]]


def revenue_by_site(database: str) -> Query:
    return (
        f"SELECT tenant_id, site_id, currency, count() AS sessions, sum(energy_wh) / 1000 AS kwh,"
        f" sum(total_cost_excl_vat) AS net, sum(total_cost_incl_vat) AS gross"
        f" FROM {database}.sessions_current GROUP BY tenant_id, site_id, currency"
        f" ORDER BY tenant_id, site_id",
        {},
    )


def notifications_by_kind(database: str) -> Query:
    return (
        f"SELECT kind, channel, count() FROM {database}.notifications_current"
        f" GROUP BY kind, channel ORDER BY kind, channel",
        {},
    )


def dead_letters_by_class(database: str) -> Query:
    return (
        f"SELECT stage, error_class, count() FROM {database}.dead_letters_current"
        f" GROUP BY stage, error_class ORDER BY stage, error_class",
        {},
    )


def totals(database: str) -> Query:
    return (
        f"SELECT (SELECT count() FROM {database}.events_current),"
        f" (SELECT count() FROM {database}.sessions_current),"
        f" (SELECT count() FROM {database}.notifications_current),"
        f" (SELECT count() FROM {database}.dead_letters_current)",
        {},
    )


@dataclass(frozen=True)
class Summary:
    events: int
    sessions: int
    notifications: int
    dead_letters: int
    revenue: list[tuple]
    notification_kinds: list[tuple]
    dead_letter_classes: list[tuple]


def read_summary(client: Client, database: str) -> Summary:
    def rows(query: Query) -> list[tuple]:
        sql, params = query
        return [tuple(row) for row in client.query(sql, parameters=params).result_rows]

    events, sessions, notifications, dead = rows(totals(database))[0]
    return Summary(
        events,
        sessions,
        notifications,
        dead,
        rows(revenue_by_site(database)),
        rows(notifications_by_kind(database)),
        rows(dead_letters_by_class(database)),
    )


def _money(value: Decimal) -> str:
    """Display rounding only (2 places, half up); stored amounts stay exact."""
    return f"{value.quantize(Decimal('0.01'), rounding='ROUND_HALF_UP'):,.2f}"


def bar_chart(values: list[tuple[str, Decimal]], width: int = 40) -> list[str]:
    """Horizontal bars scaled to the largest value, so the report's numbers can be compared at a glance."""
    top = max((value for _, value in values), default=Decimal(0))
    if top <= 0:
        return []
    label = max(len(name) for name, _ in values)
    return [f"  {name:<{label}} {'█' * round(width * value / top):<{width}} {value:,.0f}" for name, value in values]


def render(summary: Summary) -> str:
    lines = [
        f"charging events {summary.events:,}   sessions rated {summary.sessions:,}   "
        f"notifications {summary.notifications:,}   dead letters {summary.dead_letters:,}",
        "",
        f"{'tenant':<20} {'site':<22} {'cur':<4} {'sessions':>8} {'kWh':>12} {'net':>14} {'gross':>14}",
    ]
    for tenant, site, currency, count, kwh, net, gross in summary.revenue:
        amounts = f"{Decimal(kwh):>12,.3f} {_money(net):>14} {_money(gross):>14}"
        lines.append(f"{tenant:<20} {site:<22} {currency:<4} {count:>8,} {amounts}")
    lines += ["", "energy by site (kWh):"]
    lines += bar_chart([(f"{site}", Decimal(kwh)) for _, site, _, _, kwh, _, _ in summary.revenue])
    lines += ["", "notifications sent:"]
    lines += [f"  {kind:<24} {channel:<8} {count:>6,}" for kind, channel, count in summary.notification_kinds]
    lines += ["", "dead-lettered frames:"]
    lines += [f"  {stage:<10} {cls:<22} {count:>6,}" for stage, cls, count in summary.dead_letter_classes]
    return "\n".join(lines)
