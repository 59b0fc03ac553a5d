"""`chargeledger dashboard` on the real embedded warehouse, drawn by headless Chromium: a screenshot that shows the
charts, plotly's SVG in the DOM, totals equal to the warehouse's, 400 for bad query strings, "no data yet" for a
warehouse without the tables. And every Grafana panel's SQL, expanded as Grafana would, run on the same data."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image, ImageColor

from bench.dashboard import fleet_catalog, seed_month
from dashboards import grafana
from dashboards.figures import TRACE_COLOURS, money
from dashboards.grafana import TimeRange
from dashboards.server import build
from infra.warehouse.launch import free_port
from jobs.worker_process import worker_environment
from pipelines.config import Settings
from pipelines.ingest.models import DeadLetter
from pipelines.rating.route import rate_with_catalog
from pipelines.rating.running import running_cost
from pipelines.warehouse.client import connect
from pipelines.warehouse.migrate import apply_migrations
from pipelines.warehouse.rows import DEAD_LETTER_COLUMNS, FLAG_COLUMNS, RUNNING_COST_COLUMNS, running_cost_row
from tests.unit.rating.builders import session

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CHARGERS, SESSIONS_PER_CHARGER = 40, 4  # October 2026, tenants nord and sued
OCTOBER = "from=2026-10-01&to=2026-10-31"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1800",
    "--virtual-time-budget=15000",
)


def chromium() -> str:
    """Debian's chromium; its absence fails the test (a skipped browser test would pass without checking a thing)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "chromium is not installed: install Debian's chromium package (apt-get install chromium) to test "
            "the dashboard in a real browser"
        )
    return found


def browse(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{uuid.uuid4().hex[:6]}"
    command = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def add_live_session_and_flag(settings: Settings) -> None:
    """One session of tenant nord still running (its latest running cost) and one open flag on it."""
    client = connect(settings, database=settings.clickhouse_database)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    running = replace(
        session(start, ("c", 45, 12)),
        session_id="nord/CP-00000/live",
        tenant_id="nord",
        charge_point_id="CP-00000",
        transaction_id="live",
        id_tag="TAG0001",
    )
    rated = rate_with_catalog(running, fleet_catalog(CHARGERS), rated_at=datetime.now(UTC))
    assert not isinstance(rated, DeadLetter)
    client.insert(
        "running_costs",
        [running_cost_row(running_cost(rated, running.stopped_at))],
        column_names=list(RUNNING_COST_COLUMNS),
    )
    flag = ("flag-1", "nord", "zero_energy", "warning", "session", "nord/CP-00000/1", "{}", start, "open")
    client.insert("flags", [flag], column_names=list(FLAG_COLUMNS))


@pytest.fixture(scope="module")
def warehouse(warehouse_url: str) -> Iterator[Settings]:
    settings = Settings(clickhouse_url=warehouse_url, clickhouse_database=f"dash_{uuid.uuid4().hex[:8]}")
    apply_migrations(connect(settings), REPO / "schemas" / "clickhouse", settings.clickhouse_database)
    seed_month(settings, CHARGERS, SESSIONS_PER_CHARGER)
    add_live_session_and_flag(settings)
    yield settings
    connect(settings).command(f"DROP DATABASE IF EXISTS `{settings.clickhouse_database}`")


@pytest.fixture(scope="module")
def dashboard(warehouse: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of `chargeledger dashboard` running as its own process on the test database."""
    port = free_port()
    log = tmp_path_factory.mktemp("dashboard") / "dashboard.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "dashboard", "--port", str(port)],
            cwd=REPO,
            env=worker_environment(warehouse),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while fetch_ok(f"{url}/healthz") is False:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def fetch_ok(url: str) -> bool:
    try:
        return fetch(url)[0] == 200
    except OSError:
        return False


def warehouse_totals(settings: Settings, tenant: str | None) -> tuple[int, Decimal, Decimal]:
    client = connect(settings, database=settings.clickhouse_database)
    where = "WHERE tenant_id = {t:String}" if tenant else ""
    sql = f"SELECT count(), sum(total_cost_excl_vat), sum(total_cost_incl_vat) FROM sessions_current {where}"
    count, net, gross = client.query(sql, parameters={"t": tenant}).result_rows[0]
    return count, net, gross


def near(colour: tuple[int, ...], trace: tuple[int, ...]) -> bool:
    return all(abs(a - b) <= 6 for a, b in zip(colour, trace, strict=True))


def test_chromium_draws_the_charts(dashboard: str, tmp_path: Path) -> None:
    shot = tmp_path / "dashboard.png"
    browse(tmp_path, f"--screenshot={shot}", f"{dashboard}/?{OCTOBER}")
    image = Image.open(shot).convert("RGB")
    assert image.size == (1400, 1800)
    revenue, sessions = (ImageColor.getrgb(TRACE_COLOURS[0]), ImageColor.getrgb(TRACE_COLOURS[4]))
    left_half = image.crop((0, 0, 700, 1000))  # the timeline chart: revenue bars above, session bars below
    colours: list[tuple[int, tuple[int, ...]]] = left_half.getcolors(maxcolors=700 * 1000) or []  # type: ignore[assignment]
    counts = {trace: sum(n for n, colour in colours if near(colour, trace)) for trace in (revenue, sessions)}
    non_white = sum(n for n, colour in colours if colour != (255, 255, 255))
    assert counts[revenue] > 5_000, f"too few revenue-bar pixels: {counts}"
    assert counts[sessions] > 5_000, f"too few session-bar pixels: {counts}"
    assert non_white > 0.1 * 700 * 1000, "the chart region is mostly blank"


def test_plotly_rendered_svg_in_the_dom(dashboard: str, tmp_path: Path) -> None:
    dom = browse(tmp_path, "--dump-dom", f"{dashboard}/?{OCTOBER}").stdout
    assert dom.count('class="plotly-graph-div') == 6  # timeline, utilization, sites, tariff mix, flags, live
    assert dom.count('class="main-svg"') >= 12  # every plot draws its main and its info layer
    assert 'class="heatmaplayer' in dom and 'class="pielayer' in dom


def test_the_page_totals_are_the_warehouse_totals(dashboard: str, warehouse: Settings) -> None:
    for tenant in (None, "sued"):
        status, html = fetch(f"{dashboard}/?{OCTOBER}&tenant={tenant or ''}")
        assert status == 200
        count, net, gross = warehouse_totals(warehouse, tenant)
        assert count == CHARGERS * SESSIONS_PER_CHARGER // (1 if tenant is None else 2)
        assert f"<b>{count:,}</b>" in html
        assert f"<b>{money(net, 'EUR')}</b>net; {money(gross, 'EUR')} incl. VAT" in html
        assert "no data yet" not in html and "Traceback" not in html
    assert "nord/CP-00000/1" not in html  # sued's page does not list nord's flag


def test_live_sessions_and_open_flags_are_listed(dashboard: str) -> None:
    status, html = fetch(f"{dashboard}/?{OCTOBER}&tenant=nord")
    assert status == 200
    assert "CP-00000 #1" in html and "nord-AC" in html and "EUR</td>" in html
    assert "zero_energy" in html and "session nord/CP-00000/1" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-02-30", "from='2026-02-30' is not a date (YYYY-MM-DD)"),
        ("tenant=west", "tenant='west' has no sessions in the warehouse (tenants: nord, sued)"),
        ("from=2026-10-31&to=2026-10-01", "from=2026-10-31 is after to=2026-10-01"),
    ],
)
def test_bad_query_strings_get_400_with_the_reason(dashboard: str, query: str, message: str) -> None:
    status, body = fetch(f"{dashboard}/?{query}")
    assert (status, body) == (400, f"bad request: {message}")


def test_plotly_is_served_by_the_dashboard_itself(dashboard: str) -> None:
    status, script = fetch(f"{dashboard}/static/plotly.min.js")
    assert status == 200 and len(script) > 1_000_000 and "plotly.js" in script[:500]


def test_a_warehouse_without_the_tables_shows_no_data_yet(warehouse_url: str) -> None:
    settings = Settings(clickhouse_url=warehouse_url, clickhouse_database=f"empty_{uuid.uuid4().hex[:8]}")
    connect(settings).command(f"CREATE DATABASE `{settings.clickhouse_database}`")
    try:
        html = build(connect(settings, database=settings.clickhouse_database), {})
    finally:
        connect(settings).command(f"DROP DATABASE `{settings.clickhouse_database}`")
    assert html.count("no data yet: the warehouse has no") == 6


def add_frames(settings: Settings) -> None:
    """An ingested frame and a dead letter in October, for the Grafana panels on charging events and dead letters."""
    client = connect(settings, database=settings.clickhouse_database)
    at = datetime(2026, 10, 7, 12, tzinfo=UTC)
    client.insert(
        "charging_events",
        [("ev-1", "nord", "CP-00000", "ocpp1.6", "upstream", 2, "m1", "Heartbeat", "heartbeat", at, "{}")],
        column_names=[
            "event_id",
            "tenant_id",
            "charge_point_id",
            "protocol",
            "direction",
            "message_type",
            "message_id",
            "action",
            "kind",
            "received_at",
            "payload",
        ],
    )
    dead_letter = ("dl-1", "nord", "CP-00000", "ingest", "schema", "bad", "x", at, "t", 0, 1)
    client.insert("dead_letters", [dead_letter], column_names=list(DEAD_LETTER_COLUMNS))


def test_every_grafana_panel_runs_on_the_migrated_schema(warehouse: Settings) -> None:
    add_frames(warehouse)
    client = connect(warehouse, database=warehouse.clickhouse_database)
    october = TimeRange(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), interval_s=3600)
    results: dict[str, list[tuple]] = {}
    for name, dashboard in grafana.dashboards().items():
        for target in grafana.targets(name, dashboard):
            sql = grafana.expand(target.sql, october, {"tenant": ["nord", "sued"]})
            try:
                results[target.panel] = [tuple(row) for row in client.query(sql).result_rows]
            except Exception as error:  # name the panel: the message alone does not say which one broke
                pytest.fail(f"{name}, panel {target.panel!r} ({target.ref_id}): {error}\n{sql}")
    assert {panel for panel, rows in results.items() if not rows} == set(), "panels without rows on seeded data"
    count, net, _ = warehouse_totals(warehouse, None)
    assert results["Sessions"] == [(count,)] and results["Net revenue"] == [("EUR", net)]
    assert results["variable tenant"] == [("nord",), ("sued",)]
    assert results["Live sessions"] == [(1,)]


def test_a_missing_chromium_fails_and_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install chromium"):
        chromium()
