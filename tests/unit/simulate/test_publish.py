"""Publishing's pure part: batches and when each is due on the accelerated clock."""

from datetime import UTC, datetime, timedelta

import pytest

from jobs.simulate.frames import SimFrame
from jobs.simulate.publish import paced_batches

T0 = datetime(2026, 11, 23, tzinfo=UTC)


def frames(seconds: list[float]) -> list[SimFrame]:
    return [SimFrame(T0 + timedelta(seconds=s), b"CP", b"{}") for s in seconds]


def test_flat_out_sends_big_batches_immediately():
    batches = list(paced_batches(frames([0] * 5000), None, batch_frames=2000))
    assert [len(b) for _, b in batches] == [2000, 2000, 1000]
    assert {due for due, _ in batches} == {0.0}


def test_accelerated_clock_spreads_batches_over_real_time():
    sim = frames([0, 30, 60, 3600, 3601, 7200])
    batches = list(paced_batches(sim, 60.0))  # one simulated minute per real second
    # a batch spans at most one real second of the simulated clock, so no frame goes out more than 1 s early
    assert [(due, len(b)) for due, b in batches] == [(0.0, 2), (1.0, 1), (60.0, 2), (120.0, 1)]
    assert [f for _, b in batches for f in b] == sim


def test_nothing_to_send_and_bad_speedup():
    assert list(paced_batches([], 10.0)) == []
    with pytest.raises(ValueError, match="speedup"):
        list(paced_batches(frames([0]), 0))
