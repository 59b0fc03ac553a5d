"""CatalogView: records in, lookups, tariff choice and benefit rules out; tombstones delete; bad records never raise."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import orjson
from hypothesis import given
from hypothesis import strategies as st

from pipelines.catalog.load import catalog_records, load_catalog
from pipelines.catalog.models import Catalog
from pipelines.catalog.view import CatalogView
from pipelines.rating.route import rate_with_catalog
from pipelines.sessions.models import ClosedSession

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"
DAY = datetime(2026, 11, 23, 10, tzinfo=UTC)


def tariff(tariff_id: str, **extra) -> dict:
    elements = [
        {"price_components": [{"type": "ENERGY", "price": Decimal("0.30"), "vat": Decimal(19), "step_size": 1}]}
    ]
    return {"id": tariff_id, "tenant_id": "t1", "currency": "EUR", "elements": elements, **extra}


def small_catalog(assignments: list[dict]) -> Catalog:
    return Catalog(
        tenants=[{"tenant_id": "t1", "name": "U", "currency": "EUR", "country": "DE"}],
        sites=[
            {"site_id": s, "tenant_id": "t1", "name": s, "time_zone": "Europe/Berlin", "default_tariff_id": "DEFAULT"}
            for s in ("S1", "S2")
        ],
        chargers=[
            {"charge_point_id": "AC-1", "tenant_id": "t1", "site_id": "S1",
             "connectors": [{"connector_id": 1, "power_type": "AC", "max_power_kw": 22}]},
            {"charge_point_id": "MIX-1", "tenant_id": "t1", "site_id": "S2",
             "connectors": [{"connector_id": 1, "power_type": "AC", "max_power_kw": 22},
                            {"connector_id": 2, "power_type": "DC", "max_power_kw": 150}]},
        ],
        accounts=[{"account_id": "M", "tenant_id": "t1", "name": "Member", "customer_group": "member"}],
        tokens=[{"uid": "MEMBER1", "tenant_id": "t1", "account_id": "M"}],
        tariffs=[tariff(t) for t in ("DEFAULT", "MEMBER", "MEMBER-S1", "DC", "S1", "LATE")]
        + [tariff("OLD", end_date_time="2026-01-01T00:00:00Z")],
        tariff_assignments=[{"tenant_id": "t1", **a} for a in assignments],
    )  # fmt: skip


def view_of(catalog: Catalog) -> CatalogView:
    view = CatalogView()
    for kind, key, value in catalog_records(catalog):
        assert view.apply(kind, key, value), view.rejected
    return view


def session(cp: str, connector: int = 1, id_tag: str = "NOBODY", tenant: str = "t1") -> ClosedSession:
    return ClosedSession(
        session_id=f"{tenant}/{cp}/1", tenant_id=tenant, charge_point_id=cp, connector_id=connector,
        transaction_id="1", id_tag=id_tag, started_at=DAY, stopped_at=DAY, meter_start_wh=Decimal(0),
        meter_stop_wh=Decimal(1000), energy_wh=Decimal(1000), stop_reason=None, periods=(),
    )  # fmt: skip


RULES = [
    {"tariff_id": "MEMBER", "customer_group": "member"},
    {"tariff_id": "S1", "site_id": "S1"},
    {"tariff_id": "MEMBER-S1", "customer_group": "member", "site_id": "S1"},
    {"tariff_id": "DC", "power_type": "DC"},
    {"tariff_id": "LATE", "site_id": "S2"},
]


def chosen(view: CatalogView, s: ClosedSession) -> str | None:
    choice = view.tariff_for(s)
    return None if choice is None else choice.tariff.id


def test_most_specific_rule_wins():
    view = view_of(small_catalog(RULES))
    assert chosen(view, session("AC-1", id_tag="MEMBER1")) == "MEMBER-S1"  # group + site beats either alone
    assert chosen(view, session("AC-1")) == "S1"  # unknown card pays as the public
    assert chosen(view, session("MIX-1", connector=1, id_tag="MEMBER1")) == "MEMBER"  # who beats where
    assert chosen(view, session("MIX-1", connector=2)) == "LATE"  # where beats how fast
    assert chosen(view, session("NOPE")) is None
    assert chosen(view, session("AC-1", tenant="t2")) is None


def test_site_default_when_no_rule_matches_and_expired_tariffs_are_skipped():
    view = view_of(small_catalog([{"tariff_id": "OLD", "site_id": "S1"}]))
    choice = view.tariff_for(session("AC-1", id_tag="MEMBER1"))
    assert choice is not None and choice.tariff.id == "DEFAULT"
    assert choice.site.site_id == "S1" and choice.time_zone == "Europe/Berlin"
    assert choice.account is not None and choice.account.account_id == "M"


def test_tombstones_delete_and_lookups_follow():
    view = view_of(small_catalog(RULES))
    assert view.charger("t1", "AC-1") is not None and view.token("t1", "MEMBER1") is not None
    view.apply("tariff_assignments", b"t1/*|member|*|*|S1|*|*", None)
    assert chosen(view, session("AC-1", id_tag="MEMBER1")) == "MEMBER"  # the customer group beats the site
    view.apply("chargers", b"t1/AC-1", None)
    assert view.charger("t1", "AC-1") is None and chosen(view, session("AC-1")) is None
    view.apply("tariffs", b"t1/DEFAULT", None)
    assert view.tariff("t1", "DEFAULT") is None


def test_tariffs_are_parsed_once_when_applied():
    view = view_of(small_catalog([]))
    assert view.tariff("t1", "DEFAULT") is view.tariff("t1", "DEFAULT")
    assert view.tariff("t1", "DEFAULT").elements[0].price_components[0].price == Decimal("0.30")


def test_bad_records_are_rejected_not_raised():
    view = CatalogView()
    assert not view.apply("chargers", b"t1/CP", b"{not json")
    assert not view.apply("chargers", b"no-slash", b"{}")
    assert not view.apply("chargers", b"t1/CP", orjson.dumps({"charge_point_id": "OTHER", "tenant_id": "t1",
                                                               "site_id": "S", "connectors": [{"connector_id": 1,
                                                               "power_type": "AC", "max_power_kw": 11}]}))  # fmt: skip
    assert not view.apply("tariffs", b"t1/X", orjson.dumps({"id": "X", "tenant_id": "t1", "currency": "EUR"}))
    assert not view.apply("gadgets", b"t1/X", b"{}")
    assert len(view.rejected) == 5 and view.counts()["chargers"] == 0


def test_sample_catalog_prices_every_simulated_charger():
    catalog = load_catalog(SAMPLE)
    view = view_of(catalog)
    assert view.counts() == {kind: len(getattr(catalog, kind)) for kind in view.counts()}
    for charger in catalog.chargers:
        for connector in charger.connectors:
            choice = view.tariff_for(session(charger.charge_point_id, connector.connector_id, tenant=charger.tenant_id))
            assert choice is not None and choice.tariff.currency == next(
                t.currency for t in catalog.tenants if t.tenant_id == charger.tenant_id
            )


@given(st.permutations(range(len(RULES))))
def test_choice_does_not_depend_on_the_order_of_the_rules(order):
    view = view_of(small_catalog([RULES[i] for i in order]))
    assert chosen(view, session("AC-1", id_tag="MEMBER1")) == "MEMBER-S1"
    assert chosen(view, session("AC-1")) == "S1"
    assert chosen(view, session("MIX-1", connector=1, id_tag="MEMBER1")) == "MEMBER"
    assert chosen(view, session("MIX-1", connector=2)) == "LATE"


def test_the_version_in_force_at_the_start_prices_the_session():
    newer = tariff("DEFAULT", start_date_time="2026-11-23T12:00:00Z", last_updated="2026-11-20T00:00:00Z")
    newer["elements"][0]["price_components"][0]["price"] = Decimal("0.50")
    catalog = small_catalog([])
    view = view_of(catalog.model_copy(update={"tariffs": [*catalog.tariffs, newer]}))
    before, after = session("AC-1"), replace(session("AC-1"), started_at=DAY.replace(hour=12))
    assert price_of(view.tariff_for(before)) == Decimal("0.30")  # started 10:00, rated whenever: old price
    assert price_of(view.tariff_for(after)) == Decimal("0.50")
    assert price_of(view.tariff("t1", "DEFAULT")) == Decimal("0.50")  # the latest-starting version
    view.apply("tariffs", b"t1/DEFAULT@2026-11-23T12:00:00Z", None)
    assert price_of(view.tariff_for(after)) == Decimal("0.30")


def test_an_older_record_of_a_version_does_not_replace_a_newer_one():
    view = view_of(small_catalog([]))
    current = tariff("S1", last_updated="2026-11-01T00:00:00Z")
    assert view.apply("tariffs", b"t1/S1", orjson.dumps(current, default=str))
    stale = {**tariff("S1", last_updated="2026-10-01T00:00:00Z"), "currency": "EUR"}
    assert not view.apply("tariffs", b"t1/S1", orjson.dumps(stale, default=str))
    assert "older than the version held" in view.rejected[-1]


def test_idle_fee_from_the_assignment_else_the_tenant_never_on_parking_tariffs():
    catalog = small_catalog([{"tariff_id": "S1", "site_id": "S1", "idle_fee_id": "FAST"}])
    parking = tariff("MIX-DEFAULT")
    parking["elements"].append({"price_components": [{"type": "PARKING_TIME", "price": Decimal(6), "step_size": 60}]})
    fees = [{"idle_fee_id": fee, "tenant_id": "t1", "name": fee, "grace_minutes": 10, "price_per_minute": "0.1"}
            for fee in ("FAST", "SLOW")]  # fmt: skip
    view = view_of(catalog.model_copy(update={
        "tenants": [catalog.tenants[0].model_copy(update={"idle_fee_id": "SLOW"})],
        "idle_fees": fees,
        "tariffs": [*catalog.tariffs, parking],
        "sites": [catalog.sites[0], catalog.sites[1].model_copy(update={"default_tariff_id": "MIX-DEFAULT"})],
    }))  # fmt: skip
    assert view.tariff_for(session("AC-1")).idle_fee.idle_fee_id == "FAST"
    assert view.tariff_for(session("AC-1", id_tag="MEMBER1")).idle_fee.idle_fee_id == "FAST"
    assert view.tariff_for(session("MIX-1")).idle_fee is None  # its tariff prices PARKING_TIME
    view.apply("tariff_assignments", b"t1/*|*|*|*|S1|*|*", None)
    assert view.tariff_for(session("AC-1")).idle_fee.idle_fee_id == "SLOW"  # the site default, the tenant's fee


def test_benefit_rules_collect_the_accounts_vouchers_plan_and_the_tenants_discounts():
    view = view_of(load_catalog(SAMPLE))
    rated = rate_with_catalog(session("SE-NLD-0001", id_tag="8E8487A4", tenant="nordladd"), view, rated_at=DAY)
    rules = view.benefit_rules(rated)
    assert rules is not None and rules.time_zone == "Europe/Stockholm"
    assert [v.code for v in rules.vouchers] == ["VALKOMMEN-A002"] and rules.plan is None
    assert {d.rule_id for d in rules.discounts} == {"NLD-STAMKUND", "NLD-STORFORBRUKARE"}
    subscriber = rate_with_catalog(session("DE-SWA-0001", id_tag="50B5B638", tenant="stadtwerk-aachen"), view,
                                   rated_at=DAY)  # fmt: skip
    plan = view.benefit_rules(subscriber).plan
    assert plan is not None and plan.included_kwh == 100
    assert view.benefit_rules(replace(subscriber, site_id="GONE")) is None


def price_of(found) -> Decimal:
    found = getattr(found, "tariff", found)
    return found.elements[0].price_components[0].price
