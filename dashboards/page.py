"""The dashboard page: panels built from query results and rendered into one HTML document (Jinja2, autoescaped).

Charts are plotly figures drawn by the browser with the plotly.js the server itself serves (PLOTLY_ROUTE), so the
page works without any network beyond the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
import plotly.graph_objects as go
import plotly.io as pio

from dashboards import figures
from dashboards.queries import Filters, Result

PLOTLY_ROUTE = "/static/plotly.min.js"
NO_DATA_YET = "no data yet: the warehouse has no {} table (its migration has not been applied)"
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    note: str = ""
    chart: str = ""
    table: Table | None = None


def _chart(fig: go.Figure) -> str:
    return str(
        pio.to_html(
            fig,
            include_plotlyjs=False,
            full_html=False,
            config={"displaylogo": False, "responsive": True},
            default_width="100%",
        )
    )


def _time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _site_rows(rows: Sequence[dict[str, Any]], rank: str) -> list[tuple[Cell, ...]]:
    return [
        (
            Cell(rank),
            Cell(r["site_id"]),
            Cell(f"{r['sessions']:,}", True),
            Cell(figures.quantity(r["energy_kwh"]), True),
            Cell(figures.money(r["revenue_excl_vat"], r["currency"]), True),
        )
        for r in rows
    ]


def _sites_table(result: Result) -> Table:
    top, bottom = figures.top_and_bottom(result)
    rows = _site_rows(top, "top") + _site_rows(bottom, "bottom")
    return Table(("", "site", "sessions", "kWh", "net revenue"), rows)


def _tariff_table(result: Result) -> Table:
    rows = [
        (
            Cell(r["tariff_id"]),
            Cell(f"{r['sessions']:,}", True),
            Cell(figures.quantity(r["energy_kwh"]), True),
            Cell(figures.money(r["revenue_excl_vat"], r["currency"]), True),
        )
        for r in result.dicts()
    ]
    return Table(("tariff", "sessions", "kWh", "net revenue"), rows)


def _flags_table(result: Result) -> Table:
    rows = [
        (
            Cell(_time(r["raised_at"])),
            Cell(r["tenant_id"]),
            Cell(r["severity"]),
            Cell(r["flag_type"]),
            Cell(f"{r['subject_type']} {r['subject']}"),
        )
        for r in result.dicts()
    ]
    return Table(("raised (UTC)", "tenant", "severity", "flag", "subject"), rows)


def _live_table(result: Result) -> Table:
    rows = [
        (
            Cell(_time(r["started_at"])),
            Cell(_time(r["as_of"])),
            Cell(r["site_id"]),
            Cell(f"{r['charge_point_id']} #{r['connector_id']}"),
            Cell(r["tariff_id"]),
            Cell(figures.quantity(r["energy_kwh"], 2), True),
            Cell(figures.money(r["cost_incl_vat"], r["currency"]), True),
        )
        for r in result.dicts()
    ]
    return Table(("started (UTC)", "as of", "site", "charger", "tariff", "kWh", "cost so far"), rows)


@dataclass(frozen=True)
class Spec:
    """One panel of the page: its result's key, title, what it shows without rows, and how it draws rows."""

    key: str
    title: str
    empty: str
    chart: Callable[[Result], go.Figure] | None = None
    table: Callable[[Result], Table] | None = None

    def panel(self, result: Result) -> Panel:
        if result.missing:
            return Panel(self.key, self.title, note=NO_DATA_YET.format(", ".join(result.missing)))
        if not result.rows:
            return Panel(self.key, self.title, note=self.empty)
        chart = _chart(self.chart(result)) if self.chart else ""
        return Panel(self.key, self.title, chart=chart, table=self.table(result) if self.table else None)


NO_SESSIONS = "no sessions of this tenant in this period"
LAYOUT = (
    Spec("timeline", "revenue, energy and sessions over time", NO_SESSIONS, figures.timeline_figure),
    Spec(
        "utilization", "utilization: charger x hour of day (busiest chargers)", NO_SESSIONS, figures.utilization_figure
    ),
    Spec("sites", "top and bottom sites by net revenue", NO_SESSIONS, figures.sites_figure, _sites_table),
    Spec("tariff_mix", "tariff mix", NO_SESSIONS, figures.tariff_figure, _tariff_table),
    Spec("open_flags", "open flags (now)", "no open flags", figures.flags_figure, _flags_table),
    Spec(
        "live_sessions",
        "live sessions with their running cost (now)",
        "no session running now",
        figures.live_figure,
        _live_table,
    ),
)


def _kpis(timeline: Result) -> dict[str, Any]:
    t = figures.totals(timeline)
    revenue = [(c, figures.money(net, c), figures.money(gross, c)) for c, (net, gross) in sorted(t.revenue.items())]
    return {"sessions": f"{t.sessions:,}", "energy": figures.quantity(t.energy_kwh), "revenue": revenue}


def render(filters: Filters, tenants: Sequence[str], results: dict[str, Result]) -> str:
    """The whole page for the filters, the tenant choices and every panel's result (queries.run_all)."""
    last = (filters.end - timedelta(days=1)).date()
    return TEMPLATES.get_template("dashboard.html").render(
        plotly_src=PLOTLY_ROUTE,
        scope=f"tenant {filters.tenant_id}" if filters.tenant_id else "all tenants",
        first=filters.start.date().isoformat(),
        last=last.isoformat(),
        tenants=tenants,
        selected=filters.tenant_id or "",
        kpis=_kpis(results["timeline"]),
        panels=[spec.panel(results[spec.key]) for spec in LAYOUT],
    )
