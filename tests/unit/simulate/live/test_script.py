"""The scripted day: deterministic, the same sessions as the offline simulator, a seeded mix of OCPP versions."""

from collections import Counter

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.simulate.badframes import UNKNOWN_ACTIONS
from jobs.simulate.fleet import simulate_day
from jobs.simulate.frames import ocpp_payload
from jobs.simulate.live.script import choose_protocols, plan_live_day
from jobs.simulate.live.steps import OCPP16, OCPP201, RawText
from tests.unit.simulate.live.conftest import DAY, payload_problems


def wire(day) -> list:
    """Everything the stations would send, comparable across runs."""
    return [
        (s.charge_point_id, s.protocol, step.at, step.request.text if isinstance(step.request, RawText)
         else orjson.dumps(ocpp_payload(step.request)))
        for s in day.scripts for step in s.steps
    ]  # fmt: skip


def test_same_seed_same_scripts_other_seed_other_scripts(catalog):
    first, again, other = (
        plan_live_day(catalog, seed=seed, day=DAY, charge_points=3, bad_frame_share=0.01) for seed in (7, 7, 8)
    )
    assert wire(first) == wire(again) and first.expected == again.expected
    assert wire(first) != wire(other)


def test_the_sessions_are_those_of_the_offline_simulator(catalog, live_day):
    offline = simulate_day(catalog, seed=7, day=DAY, charge_points=8, bad_frame_share=0.01)

    def key(e):
        return (e.charge_point_id, e.connector_id, e.started_at, e.stopped_at, e.energy_wh, e.id_tag, e.stop_reason)

    assert sorted(map(key, live_day.expected)) == sorted(map(key, offline.expected))
    assert (live_day.refused_authorizations, live_day.faults) == (offline.refused_authorizations, offline.faults)


def test_each_station_speaks_one_version_and_its_steps_are_in_station_time_order(live_day):
    assert Counter(s.protocol for s in live_day.scripts) == {OCPP16: 4, OCPP201: 4}
    for script in live_day.scripts:
        assert [s.at for s in script.steps] == sorted(s.at for s in script.steps)
        module = {OCPP16: "ocpp.v16.call", OCPP201: "ocpp.v201.call"}[script.protocol]
        assert {type(s.request).__module__ for s in script.steps} <= {module, "jobs.simulate.live.steps"}


def test_16_sessions_wait_for_their_id_and_201_sessions_bring_their_own(live_day):
    sixteen = {s.charge_point_id for s in live_day.scripts if s.protocol == OCPP16}
    opened = {step.opens for s in live_day.scripts for step in s.steps if step.opens is not None}
    by_version = Counter(e.charge_point_id in sixteen for e in live_day.expected)
    assert len(opened) == by_version[True] and all(isinstance(n, int) for n in opened)
    own = [e.transaction_id for e in live_day.expected if e.charge_point_id not in sixteen]
    assert len(own) == by_version[False] == len(set(own)) and all(isinstance(t, str) for t in own)


def test_the_result_names_16_sessions_by_the_ids_the_gateway_assigned(live_day):
    placeholders = sorted(e.transaction_id for e in live_day.expected if isinstance(e.transaction_id, int))
    assigned = {p: 500_000 + n for n, p in enumerate(placeholders)}
    result = live_day.result(assigned)
    assert result.frames == [] and result.bad_frames == live_day.bad_frames
    for before, after in zip(live_day.expected, result.expected, strict=True):
        real = assigned.get(before.transaction_id, before.transaction_id)
        assert after.transaction_id == real and after.session_id == f"{after.tenant_id}/{after.charge_point_id}/{real}"
        assert after.energy_wh == before.energy_wh


@given(n=st.integers(0, 40), share=st.floats(0, 1), seed=st.integers(0, 10))
def test_the_201_share_is_honoured_with_both_versions_present_when_it_is_mixed(n, share, seed):
    cps = [f"CP-{i}" for i in range(n)]
    chosen = choose_protocols(cps, seed, share)
    assert chosen == choose_protocols(list(reversed(cps)), seed, share)  # by seed and id, not by position
    on_201 = sum(p == OCPP201 for p in chosen.values())
    assert abs(on_201 - n * share) <= 1
    if n > 1 and 0 < share < 1:
        assert 0 < on_201 < n


def test_planted_frames_are_counted_by_kind_and_class_and_each_is_what_its_kind_says(live_day):
    planted = [(s.protocol, step.request) for s in live_day.scripts for step in s.steps
               if isinstance(step.request, RawText)]  # fmt: skip
    assert Counter(raw.kind for _, raw in planted) == live_day.planted
    assert set(live_day.planted) == {"not JSON", "wrong shape", "schema violation", "unknown action",
                                     "unknown transaction"}  # fmt: skip
    assert (
        Counter(raw.error_class.value for _, raw in planted)
        == live_day.bad_frames
        == {
            "bad_frame": live_day.planted["not JSON"] + live_day.planted["wrong shape"],
            "schema_violation": live_day.planted["schema violation"],
            "unknown_action": live_day.planted["unknown action"],
            "unknown_transaction": live_day.planted["unknown transaction"],
        }
    )
    valid_calls = sum(len(s.steps) for s in live_day.scripts) - len(planted)
    assert abs(len(planted) - round(2 * valid_calls * 0.01)) <= 3
    for protocol, raw in planted:
        _check(protocol, raw)


def test_planted_frames_fall_within_their_station_s_day(live_day):
    for script in live_day.scripts:
        valid = [step.at for step in script.steps if not isinstance(step.request, RawText)]
        assert all(min(valid) <= step.at <= max(valid) for step in script.steps)


def _check(protocol: str, raw: RawText) -> None:
    if raw.kind == "not JSON":
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(raw.text)
        return
    frame = orjson.loads(raw.text)
    if raw.kind == "wrong shape":
        assert not (type(frame) is list and len(frame) == 4 and frame[0] == 2 and type(frame[3]) is dict)
    elif raw.kind == "unknown action":
        assert frame[2] in UNKNOWN_ACTIONS
    elif raw.kind == "unknown transaction":
        assert protocol == OCPP16 and frame[2] == "StopTransaction" and frame[3]["transactionId"] >= 1_999_000_000
    else:
        assert raw.kind == "schema violation" and payload_problems(protocol, frame[2], frame[3]), raw.text
