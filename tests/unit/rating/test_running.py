"""Running cost: a snapshot priced like a closed session, stale snapshots dropped, memory bounded."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.ingest.models import DeadLetter, DeadLetterClass
from pipelines.rating.route import rate_with_catalog
from pipelines.rating.running import LatestSnapshots, RunningCost, price_snapshot, running_cost
from pipelines.streaming.codec import decoder, encoder
from pipelines.warehouse.rows import RUNNING_COST_COLUMNS, group_rows
from tests.unit.rating.builders import local, session
from tests.unit.rating.priced_catalog import catalog_view

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
START = local("2026-11-23T10:00")


def snapshot(minutes: int, kwh: str, parked: int = 0):
    """A running session as the hot path publishes it: revision 0, estimated, stopped_at = last reading."""
    periods = [("c", minutes, kwh)] + ([("p", parked, 0)] if parked else [])
    return replace(session(START, *periods), revision=0, estimated=True)


def test_cost_so_far_is_the_rating_of_the_snapshot_as_if_it_stopped_now() -> None:
    running = snapshot(30, "7", parked=10)
    result = price_snapshot(running, catalog_view(), LatestSnapshots(), now=NOW)
    assert isinstance(result, RunningCost)
    # FLAT 1.00 + 7 kWh x 0.40 + 10 min parking x 6.00/h = 4.80; +19 % VAT
    assert (result.cost_excl_vat, result.cost_incl_vat) == (Decimal("4.80"), Decimal("5.712"))
    assert (result.energy_kwh, result.parking_time_h) == (Decimal("7"), Decimal("0.166666667"))
    assert result.duration_h == Decimal("0.666666667")
    assert result.as_of == running.stopped_at and result.priced_at == NOW
    assert (result.session_id, result.account_id, result.site_id, result.tariff_id) == ("t1/CP-1/42", "A1", "S1", "T1")


@settings(deadline=None)  # the first example pays for catalog parsing and codec compilation
@given(st.integers(1, 600), st.integers(0, 80_000))
def test_running_cost_equals_the_closed_session_rating_of_the_same_readings(minutes: int, wh: int) -> None:
    running = snapshot(minutes, str(Decimal(wh) / 1000))
    rated = rate_with_catalog(running, catalog_view(), rated_at=NOW)
    assert not isinstance(rated, DeadLetter)
    cost = running_cost(rated, running.stopped_at)
    assert (cost.cost_excl_vat, cost.cost_incl_vat) == (rated.total_cost_excl_vat, rated.total_cost_incl_vat)
    assert cost.cost_excl_vat == sum((line.amount_excl_vat for line in rated.line_items), Decimal(0))


def test_as_of_must_be_aware_and_not_before_the_start() -> None:
    rated = rate_with_catalog(snapshot(30, "7"), catalog_view(), rated_at=NOW)
    assert not isinstance(rated, DeadLetter)
    with pytest.raises(ValueError, match="timezone-aware"):
        running_cost(rated, datetime(2026, 11, 23, 11))
    with pytest.raises(ValueError, match="before the session started"):
        running_cost(rated, START - timedelta(seconds=1))


def test_a_stale_or_repeated_snapshot_is_dropped_and_a_newer_one_priced() -> None:
    seen, view = LatestSnapshots(), catalog_view()
    later, earlier = snapshot(40, "9"), snapshot(30, "7")
    assert isinstance(price_snapshot(later, view, seen, now=NOW), RunningCost)
    assert price_snapshot(earlier, view, seen, now=NOW) is None
    assert price_snapshot(later, view, seen, now=NOW) is None
    assert isinstance(price_snapshot(snapshot(50, "11"), view, seen, now=NOW), RunningCost)


def test_a_snapshot_nobody_can_price_is_one_dead_letter_per_session() -> None:
    seen, view = LatestSnapshots(), catalog_view()
    letters = [
        price_snapshot(replace(snapshot(minutes, "5"), charge_point_id="CP-GONE"), view, seen, now=NOW)
        for minutes in (10, 20)
    ]
    assert all(isinstance(letter, DeadLetter) for letter in letters)
    assert letters[0].dead_letter_id == letters[1].dead_letter_id  # type: ignore[union-attr]
    assert "CP-GONE" in letters[0].reason  # type: ignore[union-attr]


def test_a_snapshot_that_ends_before_it_starts_is_dead_lettered_not_raised() -> None:
    broken = replace(snapshot(10, "1"), stopped_at=START - timedelta(minutes=5))
    letter = price_snapshot(broken, catalog_view(), LatestSnapshots(), now=NOW)
    assert isinstance(letter, DeadLetter) and letter.error_class is DeadLetterClass.IMPOSSIBLE_VALUE


EVENTS = st.lists(st.tuples(st.sampled_from("abcdef"), st.integers(0, 20)), max_size=60)


@settings(deadline=None)  # the first example pays for catalog parsing and codec compilation
@given(EVENTS)
def test_exactly_the_strictly_newer_snapshots_are_admitted(events: list[tuple[str, int]]) -> None:
    seen, latest = LatestSnapshots(capacity=6), {}
    for session_id, minute in events:
        newer = session_id not in latest or minute > latest[session_id]
        assert seen.admit(session_id, NOW + timedelta(minutes=minute)) is newer
        latest[session_id] = max(minute, latest.get(session_id, minute))


@settings(deadline=None)  # the first example pays for catalog parsing and codec compilation
@given(EVENTS, st.integers(1, 5))
def test_memory_stays_bounded_forgetting_the_least_recently_updated(events: list, capacity: int) -> None:
    seen = LatestSnapshots(capacity)
    for session_id, minute in events:
        seen.admit(session_id, NOW + timedelta(minutes=minute))
        assert len(seen) <= capacity
    seen = LatestSnapshots(capacity=1)
    assert seen.admit("a", NOW) and seen.admit("b", NOW)
    assert seen.admit("a", NOW)  # forgotten when b came: admitted again, the price is merely re-sent


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        LatestSnapshots(0)


def test_running_cost_travels_as_avro_exactly_and_lands_in_its_table() -> None:
    result = price_snapshot(snapshot(30, "7.123"), catalog_view(energy="0.3333"), LatestSnapshots(), now=NOW)
    assert isinstance(result, RunningCost)
    assert decoder("RunningCost")(encoder("RunningCost")(result)) == result
    rows = group_rows([result])
    assert list(rows) == ["running_costs"] and len(rows["running_costs"][0]) == len(RUNNING_COST_COLUMNS)
    assert rows["running_costs"][0][RUNNING_COST_COLUMNS.index("cost_excl_vat")] == result.cost_excl_vat
