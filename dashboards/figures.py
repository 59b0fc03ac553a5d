"""Plotly figures and table cells from the panels' query results: where Decimal money becomes something to show.

Charts need numbers for coordinates, so amounts become floats only here, as the last step; the tables and the
totals above the charts show the exact Decimal rounded to the currency's minor unit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.queries import Result
from pipelines.money import round_money

TOP_SITES = 5
TRACE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
# Template "none": a named template such as plotly_white is deep-copied into every figure, a third of a page's time.
LAYOUT: dict[str, Any] = {"template": "none", "margin": {"l": 60, "r": 20, "t": 40, "b": 40}}


def money(amount: Decimal, currency: str) -> str:
    """An amount as a person reads it: rounded half up to the currency's minor unit, thousands separated."""
    return f"{round_money(amount, currency):,} {currency}"


def quantity(value: Decimal, places: int = 1) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-places)):,}"


@dataclass(frozen=True)
class Totals:
    """The period's headline figures: revenue per currency (net and gross), energy and sessions."""

    sessions: int
    energy_kwh: Decimal
    revenue: dict[str, tuple[Decimal, Decimal]]


def totals(timeline: Result) -> Totals:
    revenue: dict[str, tuple[Decimal, Decimal]] = {}
    sessions, energy = 0, Decimal(0)
    for row in timeline.dicts():
        net, gross = revenue.get(row["currency"], (Decimal(0), Decimal(0)))
        revenue[row["currency"]] = (net + row["revenue_excl_vat"], gross + row["revenue_incl_vat"])
        sessions += row["sessions"]
        energy += row["energy_kwh"]
    return Totals(sessions, energy, revenue)


def timeline_figure(timeline: Result) -> go.Figure:
    """Net revenue per currency, energy and sessions per hour or day, on one shared time axis."""
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=("net revenue (excl. VAT)", "energy (kWh)", "sessions"),
    )
    by_currency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    per_bucket: dict[datetime, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in timeline.dicts():
        by_currency[row["currency"]].append(row)
        per_bucket[row["bucket"]][0] += row["energy_kwh"]
        per_bucket[row["bucket"]][1] += row["sessions"]
    for n, (currency, rows) in enumerate(sorted(by_currency.items())):
        fig.add_trace(
            go.Bar(
                x=[r["bucket"] for r in rows],
                y=[float(r["revenue_excl_vat"]) for r in rows],
                name=currency,
                marker_color=TRACE_COLOURS[n % len(TRACE_COLOURS)],
            ),
            row=1,
            col=1,
        )
    buckets = sorted(per_bucket)
    fig.add_trace(
        go.Scatter(
            x=buckets,
            y=[float(per_bucket[b][0]) for b in buckets],
            name="kWh",
            mode="lines+markers",
            line_color=TRACE_COLOURS[2],
        ),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Bar(x=buckets, y=[int(per_bucket[b][1]) for b in buckets], name="sessions", marker_color=TRACE_COLOURS[4]),
        row=3,
        col=1,
    )
    return fig.update_layout(LAYOUT, height=640, showlegend=True)


def utilization_figure(utilization: Result) -> go.Figure:
    """Charger x hour of day (UTC), coloured by the occupied share of connector time."""
    chargers = sorted({row["charge_point_id"] for row in utilization.dicts()}, reverse=True)
    grid = {charger: [0.0] * 24 for charger in chargers}
    for row in utilization.dicts():
        grid[row["charge_point_id"]][row["hour"]] = round(100 * float(row["share"]), 1)
    heatmap = go.Heatmap(
        z=[grid[c] for c in chargers],
        x=list(range(24)),
        y=chargers,
        zmin=0,
        zmax=100,
        colorscale="Blues",
        colorbar={"title": "% occupied"},
    )
    layout = {
        **LAYOUT,
        "xaxis": {"title": "hour of day (UTC)", "dtick": 1},
        "yaxis": {"type": "category", "automargin": True},
    }
    return go.Figure(heatmap, layout).update_layout(height=max(300, 120 + 22 * len(chargers)))


def top_and_bottom(sites: Result) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The sites earning most and, least first, those earning least (the query orders by revenue, most first).

    No site is in both: with fewer than 2 x TOP_SITES sites the upper half is the top and the rest the bottom."""
    rows = sites.dicts()
    top = rows[: min(TOP_SITES, (len(rows) + 1) // 2)]
    return top, list(reversed(rows[max(len(top), len(rows) - TOP_SITES) :]))


def sites_figure(sites: Result) -> go.Figure:
    top, bottom = top_and_bottom(sites)
    fig = make_subplots(rows=1, cols=2, subplot_titles=(f"top {len(top)} sites", f"bottom {len(bottom)} sites"))
    for col, rows, colour in ((1, top, TRACE_COLOURS[2]), (2, bottom, TRACE_COLOURS[3])):
        fig.add_trace(
            go.Bar(
                x=[float(r["revenue_excl_vat"]) for r in rows],
                y=[f"{r['site_id']} ({r['currency']})" for r in rows],
                orientation="h",
                marker_color=colour,
                showlegend=False,
            ),
            row=1,
            col=col,
        )
        fig.update_yaxes(autorange="reversed", automargin=True, row=1, col=col)
    return fig.update_layout(LAYOUT, height=320, xaxis_title="net revenue", xaxis2_title="net revenue")


def tariff_figure(tariffs: Result) -> go.Figure:
    rows = tariffs.dicts()
    pie = go.Pie(
        labels=[f"{r['tariff_id']} ({r['currency']})" for r in rows],
        values=[r["sessions"] for r in rows],
        hole=0.4,
        sort=False,
        marker={"colors": list(TRACE_COLOURS)},
    )
    return go.Figure(pie, LAYOUT).update_layout(height=320, title="sessions per tariff")


def flags_figure(flags: Result) -> go.Figure:
    """Open flags per type, stacked by severity."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in flags.dicts():
        counts[(row["severity"], row["flag_type"])] += 1
    fig = go.Figure(layout=LAYOUT)
    for n, severity in enumerate(sorted({severity for severity, _ in counts})):
        types = sorted(flag_type for s, flag_type in counts if s == severity)
        fig.add_trace(go.Bar(x=[counts[(severity, t)] for t in types], y=types, orientation="h", name=severity,
                             marker_color=TRACE_COLOURS[(n + 1) % len(TRACE_COLOURS)]))  # fmt: skip
    return fig.update_layout(barmode="stack", height=240, xaxis_title="open flags", yaxis_automargin=True)


def live_figure(live: Result) -> go.Figure:
    """Cost so far of each running session (incl. VAT), per charger and connector."""
    rows = live.dicts()
    bar = go.Bar(x=[float(r["cost_incl_vat"]) for r in rows], y=[f"{r['charge_point_id']} #{r['connector_id']}"
                 for r in rows], orientation="h", marker_color=TRACE_COLOURS[1],
                 text=[r["currency"] for r in rows])  # fmt: skip
    return go.Figure(bar, LAYOUT).update_layout(
        height=max(200, 80 + 20 * len(rows)), xaxis_title="cost so far", yaxis_automargin=True
    )
