"""Rating with the catalog: assigned tariff plus idle fee, then benefits on the account's usage table."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pipelines.catalog.load import load_catalog
from pipelines.catalog.view import CatalogView
from pipelines.ingest.models import DeadLetter
from pipelines.rating.models import RatedSession
from pipelines.rating.route import price_benefits, rate_with_catalog
from pipelines.rating.usage import month_key
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"
VIEW = CatalogView.from_catalog(load_catalog(SAMPLE))
START = datetime(2026, 11, 20, 9, tzinfo=UTC)


def closed(cp: str, tenant: str, id_tag: str, kwh: int, park_min: int, tx: str = "1") -> ClosedSession:
    charged = START + timedelta(hours=1)
    periods = (
        ChargingPeriod(START, charged, PeriodKind.CHARGING, Decimal(kwh * 1000)),
        ChargingPeriod(charged, charged + timedelta(minutes=park_min), PeriodKind.PARKING, Decimal(0)),
    )
    return ClosedSession(f"{tenant}/{cp}/{tx}", tenant, cp, 1, tx, id_tag, START, periods[-1].end, Decimal(0),
                         Decimal(kwh * 1000), Decimal(kwh * 1000), None, periods)  # fmt: skip


def rated(session: ClosedSession) -> RatedSession:
    result = rate_with_catalog(session, VIEW, rated_at=START)
    assert isinstance(result, RatedSession)
    return result


def test_the_tenants_idle_fee_is_added_after_ocpi_pricing():
    result = rated(closed("DE-SWA-0001", "stadtwerk-aachen", "2C16511E", 10, park_min=45))  # public, AC
    assert [(line.kind, line.dimension) for line in result.line_items] == [
        ("tariff", "ENERGY"),
        ("idle_fee", "IDLE_FEE"),
    ]
    assert result.line_items[1].amount_excl_vat == Decimal("1.50")  # 45 - 30 min grace at 0.10
    assert result.total_cost_excl_vat == Decimal("3.90") + Decimal("1.50")


def test_no_idle_fee_where_the_tariff_prices_parking():
    result = rated(closed("SE-NLD-0001", "nordladd", "8E8487A4", 10, park_min=90))
    assert {line.kind for line in result.line_items} == {"tariff"}
    assert "PARKING_TIME" in {line.dimension for line in result.line_items}


def test_benefits_come_from_the_catalog_and_the_usage_table():
    table: dict = {}
    first = price_benefits(rated(closed("SE-NLD-0001", "nordladd", "8E8487A4", 10, 0)), VIEW, table)
    assert isinstance(first, RatedSession)
    assert [line.rule_id for line in first.line_items if line.kind == "voucher"] == ["VALKOMMEN-A002"]
    assert first.total_cost_incl_vat == 0 and b"nordladd/voucher/VALKOMMEN-A002" in table


def test_an_unreadable_usage_value_is_dead_lettered_with_its_reason():
    session = closed("DE-SWA-0001", "stadtwerk-aachen", "50B5B638", 10, 0)
    table = {month_key("stadtwerk-aachen", "SWA-A010", "2026-11"): b"not json"}
    result = price_benefits(rated(session), VIEW, table)
    assert isinstance(result, DeadLetter) and result.stage == "benefits" and "SWA-A010" in result.reason
    assert price_benefits(replace(rated(session), site_id="GONE"), VIEW, {}) == replace(rated(session), site_id="GONE")
