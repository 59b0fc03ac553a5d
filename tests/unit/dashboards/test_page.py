"""The page from query results, without a warehouse: exact money, escaping, panels without data, no CDN."""

import re
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from dashboards import figures, page
from dashboards.queries import Filters, Result

FILTERS = Filters("nord", datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
TIMELINE = Result(
    ("bucket", "currency", "sessions", "energy_kwh", "revenue_excl_vat", "revenue_incl_vat"),
    (
        (datetime(2026, 10, 1), "EUR", 3, Decimal("30.5"), Decimal("12.345"), Decimal("14.69055")),
        (datetime(2026, 10, 2), "EUR", 1, Decimal("7"), Decimal("1000.005"), Decimal("1190.00595")),
        (datetime(2026, 10, 2), "SEK", 2, Decimal("11"), Decimal("99.994"), Decimal("124.9925")),
    ),
)
SITES = Result(
    ("site_id", "currency", "sessions", "energy_kwh", "revenue_excl_vat"),
    tuple((f"site-{n}<script>", "EUR", n, Decimal(n), Decimal(100 - n)) for n in range(8)),
)
LIVE = Result(
    ("started_at", "as_of", "tenant_id", "site_id", "charge_point_id", "connector_id", "tariff_id", "currency",
     "energy_kwh", "cost_incl_vat"),
    ((datetime(2026, 11, 23, 9), datetime(2026, 11, 23, 10), "nord", "S1", "CP-1", 2, "AC", "EUR", Decimal("12.3456"),
      Decimal("5.555")),),
)  # fmt: skip
EMPTY = Result(("x",), ())


def results(**overrides: Result) -> dict[str, Result]:
    base = {key: EMPTY for key in ("timeline", "utilization", "sites", "tariff_mix", "open_flags", "live_sessions")}
    return {**base, **overrides}


def test_totals_are_exact_per_currency_and_rounded_only_for_display() -> None:
    totals = figures.totals(TIMELINE)
    assert totals.sessions == 6 and totals.energy_kwh == Decimal("48.5")
    assert totals.revenue["EUR"] == (Decimal("1012.350"), Decimal("1204.69650"))
    assert totals.revenue["SEK"] == (Decimal("99.994"), Decimal("124.9925"))
    html = page.render(FILTERS, ["nord", "sued"], results(timeline=TIMELINE))
    assert "1,012.35 EUR" in html and "1,204.70 EUR" in html and "99.99 SEK" in html


@given(st.lists(st.decimals(min_value=0, max_value=10**6, places=9), min_size=1, max_size=20))
def test_totals_never_lose_a_fraction(amounts: list[Decimal]) -> None:
    rows = tuple((datetime(2026, 10, 1), "EUR", 1, Decimal(0), a, a) for a in amounts)
    assert figures.totals(Result(TIMELINE.columns, rows)).revenue["EUR"] == (sum(amounts), sum(amounts))


def test_panels_say_why_they_are_empty() -> None:
    html = page.render(FILTERS, ["nord"], results(open_flags=Result(missing=("open_flags",))))
    assert "no data yet: the warehouse has no open_flags table" in html
    assert "no sessions of this tenant in this period" in html and "no session running now" in html
    assert "plotly-graph-div" not in html


def test_charts_and_tables_with_data_and_user_text_escaped() -> None:
    html = page.render(FILTERS, ["nord"], results(timeline=TIMELINE, sites=SITES, live_sessions=LIVE))
    assert html.count('class="plotly-graph-div"') == 3  # timeline, sites and live sessions
    assert "site-0&lt;script&gt;" in html and "site-0<script>" not in html.split("<table>")[1]
    assert "5.56 EUR" in html and "12.35" in html and "CP-1 #2" in html
    top, bottom = figures.top_and_bottom(SITES)
    assert [r["site_id"][:6] for r in top] == ["site-0", "site-1", "site-2", "site-3"]
    assert [r["site_id"][:6] for r in bottom] == ["site-7", "site-6", "site-5", "site-4"]
    many = Result(SITES.columns, tuple((f"s{n:02d}", "EUR", 1, Decimal(1), Decimal(100 - n)) for n in range(30)))
    top, bottom = figures.top_and_bottom(many)
    assert [r["site_id"] for r in top] == ["s00", "s01", "s02", "s03", "s04"]
    assert [r["site_id"] for r in bottom] == ["s29", "s28", "s27", "s26", "s25"]
    assert figures.top_and_bottom(Result(SITES.columns, SITES.rows[:1])) == (SITES.dicts()[:1], [])


def test_the_page_loads_nothing_from_elsewhere() -> None:
    html = page.render(FILTERS, ["nord", "sued"], results(timeline=TIMELINE, sites=SITES))
    assert re.findall(r'<script src="([^"]*)"', html) == [page.PLOTLY_ROUTE]
    assert "cdn" not in html.lower()
    assert '<option value="nord" selected>' in html and 'value="2026-10-31"' in html
