"""CatalogView: records in, lookups and tariff choice out; tombstones delete; bad records never raise."""

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import orjson
from hypothesis import given
from hypothesis import strategies as st

from pipelines.catalog.load import catalog_records, load_catalog
from pipelines.catalog.models import Catalog
from pipelines.catalog.view import CatalogView
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
    assert chosen(view, session("MIX-1", connector=1, id_tag="MEMBER1")) == "MEMBER"  # tie with LATE: file order
    assert chosen(view, session("MIX-1", connector=2)) == "DC"  # tie with LATE: file order
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
    view.apply("tariff_assignments", b"t1/member|S1|*", None)
    assert chosen(view, session("AC-1", id_tag="MEMBER1")) == "MEMBER"  # MEMBER came before S1 in the file
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
def test_choice_depends_on_specificity_then_order_only(order):
    rules = [RULES[i] for i in order]
    view = view_of(small_catalog(rules))
    assert chosen(view, session("AC-1", id_tag="MEMBER1")) == "MEMBER-S1"
    assert chosen(view, session("AC-1")) == "S1"
    first_of = next(r["tariff_id"] for r in rules if r["tariff_id"] in ("MEMBER", "LATE"))
    assert chosen(view, session("MIX-1", connector=1, id_tag="MEMBER1")) == first_of
