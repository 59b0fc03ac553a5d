from datetime import UTC, datetime, timedelta
from decimal import Decimal

import orjson

from pipelines.catalog.load import parse_catalog
from pipelines.catalog.view import CatalogView
from pipelines.flags.models import FlagType
from pipelines.flags.route import SessionFlagger, blocklist_entries, blocklist_record
from pipelines.rating.models import RatedSession
from tests.unit.flags.builders import T0, closed

AT = datetime(2026, 11, 23, 12, tzinfo=UTC)


def catalog(policy: dict | None) -> CatalogView:
    tenant = {"tenant_id": "t1", "name": "T", "currency": "EUR", "country": "DE"}
    if policy is not None:
        tenant["flag_policy"] = policy
    return CatalogView.from_catalog(parse_catalog({
        "tenants": [tenant],
        "sites": [{"site_id": "S1", "tenant_id": "t1", "name": "s", "time_zone": "Europe/Berlin",
                   "latitude": 50.7, "longitude": 6.1, "default_tariff_id": "T1"}],
        "chargers": [{"charge_point_id": "CP-1", "tenant_id": "t1", "site_id": "S1",
                      "connectors": [{"connector_id": 1, "power_type": "AC", "max_power_kw": 11}]},
                     {"charge_point_id": "CP-2", "tenant_id": "t1", "site_id": "S1",
                      "connectors": [{"connector_id": 1, "power_type": "AC", "max_power_kw": 11}]}],
        "accounts": [{"account_id": "A1", "tenant_id": "t1", "name": "a"}],
        "tokens": [{"uid": "TAG1", "tenant_id": "t1", "account_id": "A1", "status": "blocked"}],
        "tariffs": [{"id": "T1", "tenant_id": "t1", "currency": "EUR", "elements": [
            {"price_components": [{"type": "ENERGY", "price": Decimal("0.30"), "step_size": 1}]}],
            "last_updated": "2026-01-01T00:00:00Z"}],
    }))  # fmt: skip


def rated(n: int = 1, **changes: object) -> RatedSession:
    return RatedSession(
        session=closed(n, **changes), tariff_id="T1", currency="EUR", site_id="S1", account_id="A1",
        total_energy_kwh=Decimal(10), total_time_h=Decimal(1), total_parking_time_h=Decimal(0),
        total_cost_excl_vat=Decimal(3), total_cost_incl_vat=Decimal("3.57"), line_items=(), rated_at=AT,
    )  # fmt: skip


def test_the_catalog_supplies_rating_position_token_standing_and_policy() -> None:
    view = catalog({"long_session_hours": 1})
    found = SessionFlagger().flags_for(rated(start=AT, minutes=90, max_power_w=20_000), view)
    assert sorted(f.flag_type for f in found) == sorted([
        FlagType.BLOCKED_TOKEN_USED, FlagType.POWER_ABOVE_RATING, FlagType.LONG_SESSION,
    ])  # fmt: skip
    power = next(f for f in found if f.flag_type == FlagType.POWER_ABOVE_RATING)
    assert Decimal(orjson.loads(power.evidence)["rating_kw"]) == 11


def test_concurrent_use_blocklists_the_token_only_where_the_policy_says_so() -> None:
    for policy, expected in (
        (None, []),
        ({"block_flagged_tokens": False}, []),
        ({"block_flagged_tokens": True}, ["TAG1"]),
    ):
        view, flagger = catalog(policy), SessionFlagger()
        alone = flagger.flags_for(rated(1, cp="CP-1"), view)
        assert [f.flag_type for f in alone] == [FlagType.BLOCKED_TOKEN_USED]
        assert blocklist_entries(alone, view) == []  # the gateway refuses a blocked card already
        both = flagger.flags_for(rated(2, cp="CP-2", start=T0 + timedelta(minutes=30)), view)
        assert FlagType.CONCURRENT_TOKEN_USE in {f.flag_type for f in both}
        entries = blocklist_entries(both, view)
        assert [e.uid for e in entries] == expected
    key, value = blocklist_record(entries[0])
    assert key == b"t1/TAG1"
    assert view.apply("blocklist", key, value)  # what the gateway's catalog follower will read
    assert orjson.loads(value)["reason"] == FlagType.CONCURRENT_TOKEN_USE


def test_a_running_snapshot_is_never_flagged() -> None:
    assert SessionFlagger().flags_for(rated(revision=0, energy_wh=0), catalog(None)) == []
