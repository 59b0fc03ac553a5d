"""Drivers and their cards: dealt to sites by connector count, one place at a time, time to cross town."""

from datetime import UTC, datetime, timedelta

from jobs.simulate.cards import CROSS_TOWN_KMH, TURNAROUND, Cards
from jobs.simulate.inventory import SimChargePoint
from pipelines.catalog.models import Charger, Connector, PowerType
from pipelines.flags.history import haversine_km

T0 = datetime(2026, 11, 23, 8, tzinfo=UTC)
MARKT, HBF, BRAND, FAR = (50.7762, 6.0838), (50.7678, 6.0911), (50.752, 6.165), (52.52, 13.40)


def charge_point(cp_id: str, site: str, position, connectors: int, cards: tuple[str, ...]) -> SimChargePoint:
    plugs = [Connector(connector_id=n + 1, power_type=PowerType.AC, max_power_kw=11) for n in range(connectors)]
    charger = Charger(charge_point_id=cp_id, tenant_id="t", site_id=site, connectors=plugs)
    return SimChargePoint(charger, "Europe/Berlin", position, cards, ())


def fleet(cards: tuple[str, ...]) -> list[SimChargePoint]:
    return [
        charge_point("CP-M", "MARKT", MARKT, 2, cards),
        charge_point("CP-H", "HBF", HBF, 1, cards),
        charge_point("CP-B", "BRAND", BRAND, 2, cards),
        charge_point("CP-F", "FAR", FAR, 1, cards),
    ]


def test_each_site_gets_a_driver_per_connector_and_the_rest_roam_their_city():
    cards = tuple(f"C{n}" for n in range(10))
    drivers = Cards(fleet(cards), seed=1).drivers["t"]
    assert sorted(d.uid for d in drivers) == sorted(cards)
    bound, roamers = drivers[:6], drivers[6:]  # six connectors: six drivers bound to their site
    assert sorted(site for d in bound for site in d.sites) == ["BRAND", "BRAND", "FAR", "HBF", "MARKT", "MARKT"]
    aachen = {"MARKT", "HBF", "BRAND"}
    assert {d.sites for d in roamers} <= {frozenset(aachen), frozenset({"FAR"})}  # Berlin is no part of Aachen
    assert frozenset(aachen) in {d.sites for d in roamers}


def test_too_few_cards_are_shared_out_over_the_sites():
    drivers = Cards(fleet(("A", "B", "C")), seed=1).drivers["t"]
    homes = [d.sites for d in drivers]
    assert all(len(sites) == 1 for sites in homes) and len(set(homes)) == 3  # one each, before any site gets two


def test_a_busy_driver_is_not_picked_and_nobody_free_means_no_card():
    cp = fleet(("ONLY",))[0]
    cards = Cards([cp], seed=1)
    assert cards.pick(cp, T0) == "ONLY"
    cards.hold(cp, "ONLY", T0 + timedelta(hours=2))
    assert cards.pick(cp, T0 + timedelta(hours=1)) is None
    assert cards.pick(cp, T0 + timedelta(hours=2)) == "ONLY"


def test_rested_drivers_come_first():
    cp = fleet(("A", "B"))[0]  # MARKT, two connectors: both drivers live there
    cards = Cards([cp], seed=3)
    cards.hold(cp, "A", T0)
    cards.hold(cp, "B", T0 - TURNAROUND)
    assert {cards.pick(cp, T0 + timedelta(minutes=1)) for _ in range(20)} == {"B"}
    assert {cards.pick(cp, T0 + TURNAROUND + timedelta(minutes=1)) for _ in range(50)} == {"A", "B"}


def test_a_roamer_needs_time_to_cross_town():
    markt, _, brand, _ = fleet(("M1", "M2", "H1", "B1", "B2", "F1", "R1"))
    cards = Cards(fleet(("M1", "M2", "H1", "B1", "B2", "F1", "R1")), seed=5)
    roamer = next(d for d in cards.drivers["t"] if len(d.sites) > 1)
    assert {"MARKT", "BRAND"} <= roamer.sites
    for driver in cards.drivers["t"]:  # everyone else is busy for the day
        if driver is not roamer:
            cards.hold(markt if "MARKT" in driver.sites else brand, driver.uid, T0 + timedelta(days=1))
    cards.hold(markt, roamer.uid, T0)
    crossing = timedelta(hours=haversine_km(MARKT, BRAND) / CROSS_TOWN_KMH)
    assert cards.pick(brand, T0 + crossing - timedelta(seconds=1)) is None
    assert cards.pick(brand, T0 + crossing) == roamer.uid
