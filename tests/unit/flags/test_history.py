import random
from datetime import timedelta

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.catalog.flag_policy import FlagPolicy
from pipelines.flags.history import History, haversine_km, history_flags
from pipelines.flags.models import FlagType
from tests.unit.flags.builders import AACHEN, STOCKHOLM, T0, closed, facts

HOUR = timedelta(hours=1)


def run(*items) -> list:
    history = History()
    return [flag for item in items for flag in history_flags(history, item)]


def test_one_tokens_normal_day_raises_nothing() -> None:
    morning = facts(closed(1, cp="CP-1", meter_start=1000))
    evening = facts(closed(2, cp="CP-1", start=T0 + 8 * HOUR, meter_start=11_000))
    assert run(morning, evening) == []


def test_concurrent_use_at_two_stations() -> None:
    here = facts(closed(1, cp="CP-1"))
    there = facts(closed(1, cp="CP-2", start=T0 + timedelta(minutes=30)))
    found = run(here, there)
    assert [f.flag_type for f in found] == [FlagType.CONCURRENT_TOKEN_USE]
    assert orjson.loads(found[0].evidence)["overlap_s"] == 1800


def test_overlap_within_the_allowed_minutes_is_not_concurrent_use() -> None:
    here = facts(closed(1, cp="CP-1"))
    there = facts(closed(1, cp="CP-2", start=T0 + timedelta(minutes=59)))
    assert run(here, there) == []


def test_impossible_travel_between_sites() -> None:
    assert 1200 < haversine_km(AACHEN, STOCKHOLM) < 1300
    aachen = facts(closed(1, cp="CP-1"), site="S1", position=AACHEN)
    stockholm = facts(closed(1, cp="CP-9", start=T0 + 2 * HOUR), site="S9", position=STOCKHOLM)
    found = run(aachen, stockholm)
    assert [f.flag_type for f in found] == [FlagType.IMPOSSIBLE_TRAVEL]
    a_day_later = facts(closed(1, cp="CP-9", start=T0 + 24 * HOUR), site="S9", position=STOCKHOLM)
    assert run(aachen, a_day_later) == []


def test_rapid_repeated_short_sessions_on_one_token() -> None:
    bursts = [
        facts(closed(n, start=T0 + n * timedelta(minutes=10), minutes=2, energy_wh=200, meter_start=1000 + 200 * n))
        for n in range(6)
    ]
    found = run(*bursts)
    assert {f.flag_type for f in found} == {FlagType.RAPID_SHORT_SESSIONS}
    assert {len(orjson.loads(f.evidence)["session_ids"]) for f in found} >= {4}
    assert {f.flag_id for f in run(*reversed(bursts))} == {f.flag_id for f in found}  # whatever the arrival order
    assert run(*bursts[:3]) == []


def test_meter_gap_and_backwards_register_between_sessions_on_a_connector() -> None:
    first = facts(closed(1, meter_start=1000, energy_wh=5000))  # stops at 6000
    gap = facts(closed(2, start=T0 + 3 * HOUR, meter_start=9000, tag="OTHER"))
    found = run(first, gap)
    assert [f.flag_type for f in found] == [FlagType.METER_GAP]
    assert orjson.loads(found[0].evidence)["gap_wh"] == "3000"
    backwards = facts(closed(2, start=T0 + 3 * HOUR, meter_start=2000, tag="OTHER"))
    assert [f.flag_type for f in run(first, backwards)] == [FlagType.METER_BACKWARDS]


def test_meter_gap_found_whatever_the_order_sessions_arrive_in() -> None:
    first = facts(closed(1, meter_start=1000, energy_wh=5000))
    second = facts(closed(2, start=T0 + 3 * HOUR, meter_start=9000, tag="OTHER"))
    assert [f.flag_id for f in run(first, second)] == [f.flag_id for f in run(second, first)]


def test_thresholds_come_from_the_policy() -> None:
    strict = FlagPolicy(min_overlap_minutes=0)
    here = facts(closed(1, cp="CP-1"), policy=strict)
    there = facts(closed(1, cp="CP-2", start=T0 + timedelta(minutes=59)), policy=strict)
    assert [f.flag_type for f in run(here, there)] == [FlagType.CONCURRENT_TOKEN_USE]


EAGER = FlagPolicy(rapid_session_count=2, short_session_minutes=30)


def _slot(n: int, cp: str, offset: int, minutes: int, meter: int):
    """Session n of a connector in its own 130-minute slot: a connector never runs two at once."""
    start = T0 + timedelta(minutes=130 * n + offset)
    session = closed(n, cp=cp, start=start, minutes=minutes, meter_start=meter, energy_wh=1000)
    return facts(session, site=cp, position=AACHEN if cp == "CP-1" else STOCKHOLM, policy=EAGER)


sessions = st.lists(
    st.builds(_slot, st.integers(0, 5), st.sampled_from(["CP-1", "CP-2"]), st.integers(0, 9), st.integers(1, 120),
              st.sampled_from([0, 1000, 2000, 5000])),
    max_size=8,
    unique_by=lambda item: item.session.session_id,  # a changed session under the same id is a correction
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(sessions)
def test_redelivered_sessions_raise_no_new_flag(items: list) -> None:
    history = History()
    first = {f.flag_id for item in items for f in history_flags(history, item)}
    again = {f.flag_id for item in items for f in history_flags(history, item)}
    assert again <= first


@settings(max_examples=200, deadline=None)
@given(sessions, st.randoms())
def test_every_finding_is_raised_whatever_the_arrival_order(items: list, rng: random.Random) -> None:
    known = History()
    for item in items:
        history_flags(known, item)
    expected = {f.flag_id for item in items for f in history_flags(known, item)}  # each judged against all others
    shuffled, history = list(items), History()
    rng.shuffle(shuffled)
    assert expected <= {f.flag_id for item in shuffled for f in history_flags(history, item)}
