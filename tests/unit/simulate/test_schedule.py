"""Consecutive simulated days: one card in one place at a time, meter registers and connectors that carry over."""

from collections import defaultdict
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.simulate.cards import CITY_KM, CROSS_TOWN_KMH
from jobs.simulate.fleet import simulate_day, simulate_days
from jobs.simulate.plan import SessionPlan
from jobs.simulate.schedule import SimulationSpanError, plan_days, plan_fleet
from pipelines.catalog.load import load_catalog
from pipelines.flags.history import haversine_km

REPO = Path(__file__).resolve().parents[3]
FIRST = date(2026, 11, 2)
DAYS = 3


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(REPO / "examples" / "catalog.yaml")


@pytest.fixture(scope="module")
def week(catalog):
    return list(plan_days(catalog, seed=7, first=FIRST, days=DAYS, charge_points=None))


def sessions(days) -> list[SessionPlan]:
    return [p for planned in days for station in planned for p in station.plans if isinstance(p, SessionPlan)]


def by_connector(days) -> dict:
    plans = defaultdict(list)
    for planned in days:
        for station in planned:
            for plan in sorted(station.plans, key=lambda p: p.free_at):
                plans[(station.charge_point.charge_point_id, plan.connector.connector_id)].append(plan)
    return plans


def assert_one_place_at_a_time(plans: list[SessionPlan]) -> None:
    """A card's visits never overlap, and between two sites there is time to drive."""
    by_card = defaultdict(list)
    for plan in plans:
        by_card[(plan.charge_point.tenant_id, plan.id_tag)].append(plan)
    for visits in by_card.values():
        visits.sort(key=lambda p: p.visit.arrival)
        for before, after in pairwise(visits):
            assert before.free_at <= after.visit.arrival
            if before.charge_point.charger.site_id != after.charge_point.charger.site_id:
                km = haversine_km(before.charge_point.position, after.charge_point.position)
                assert after.visit.arrival - before.free_at >= timedelta(hours=km / CROSS_TOWN_KMH)


def test_a_card_is_in_one_place_at_a_time_over_days(week):
    plans = sessions(week)
    assert len(plans) > 500
    assert_one_place_at_a_time(plans)
    where = defaultdict(set)
    for plan in plans:
        where[plan.id_tag].add(plan.charge_point.position)
    spans = [max(haversine_km(a, b) for a in places for b in places) for places in where.values()]
    assert 0 < max(spans) <= 2 * CITY_KM  # some drivers roam their city, nobody charges in Stockholm and Gothenburg


def test_every_card_the_tenant_accepts_is_used(week, catalog):
    used = {p.id_tag for p in sessions(week)}
    accepted = {uid for station in week[0] for uid in station.charge_point.accepted_tokens}
    assert used == accepted


def test_the_register_carries_from_session_to_session_and_across_midnight(week):
    crossings = 0
    for plans in by_connector(week).values():
        metered = [p for p in plans if isinstance(p, SessionPlan)]
        for before, after in pairwise(metered):
            assert after.meter_start_wh == before.meter_stop_wh >= before.meter_start_wh
            crossings += before.started_at.date() != after.started_at.date()
    assert crossings >= 20


def test_a_connector_is_free_before_its_next_arrival_also_across_midnight(week):
    for plans in by_connector(week).values():
        for before, after in pairwise(plans):
            arrival = after.visit.arrival if isinstance(after, SessionPlan) else after.arrival
            assert arrival >= before.free_at


def test_the_first_register_depends_on_seed_charge_point_and_connector_only(catalog):
    def first_registers(day: date, seed: int) -> dict:
        plans = by_connector([plan_fleet(catalog, seed=seed, day=day, charge_points=4)])
        return {key: next(p.meter_start_wh for p in ps if isinstance(p, SessionPlan)) for key, ps in plans.items()}

    monday = first_registers(FIRST, 7)
    assert monday == first_registers(FIRST + timedelta(days=30), 7)
    assert monday != first_registers(FIRST, 8)


def test_a_day_of_a_longer_simulation_is_the_same_however_it_is_asked_for(catalog, week):
    alone = plan_fleet(catalog, seed=7, day=FIRST + timedelta(days=2), charge_points=None, since=FIRST)
    assert [(p.id_tag, p.meter_start_wh, p.started_at) for p in sessions([alone])] == [
        (p.id_tag, p.meter_start_wh, p.started_at) for p in sessions([week[2]])
    ]
    second = simulate_day(catalog, seed=3, day=FIRST + timedelta(days=1), charge_points=2, bad_frame_share=0.01,
                          since=FIRST)  # fmt: skip
    both = list(simulate_days(catalog, seed=3, first=FIRST, days=2, charge_points=2, bad_frame_share=0.01))
    assert [f.value for f in second.frames] == [f.value for f in both[1].frames]
    assert second.expected == both[1].expected


def test_a_simulation_cannot_begin_after_its_day(catalog):
    with pytest.raises(SimulationSpanError, match="cannot begin"):
        plan_fleet(catalog, seed=1, day=FIRST, charge_points=1, since=FIRST + timedelta(days=1))


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), cards=st.integers(1, 3))
def test_few_cards_mean_fewer_visits_never_a_shared_card(seed, cards):
    catalog = load_catalog(REPO / "tests" / "integration" / "catalog.yaml")  # one site, three connectors
    few = catalog.model_copy(update={"tokens": catalog.tokens[:cards]})
    days = list(plan_days(few, seed=seed, first=FIRST, days=2, charge_points=None))
    plans = sessions(days)
    assert plans and {p.id_tag for p in plans} <= {t.uid for t in few.tokens}
    assert_one_place_at_a_time(plans)
    for connector in by_connector(days).values():
        metered = [p for p in connector if isinstance(p, SessionPlan)]
        assert all(a.meter_stop_wh == b.meter_start_wh for a, b in pairwise(metered))
