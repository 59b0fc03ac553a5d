"""Sends simulated frames to Kafka in batches, optionally paced to an accelerated simulated clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from jobs.simulate.frames import SimFrame
from pipelines.config import Settings
from pipelines.streaming import kafka

BATCH_FRAMES = 2_000
MAX_PACED_BATCH_SIM_SECONDS = 1.0  # when paced, a batch covers at most this much simulated time x speedup


def paced_batches(
    frames: Sequence[SimFrame], speedup: float | None, batch_frames: int = BATCH_FRAMES
) -> Iterator[tuple[float, list[SimFrame]]]:
    """(real seconds after the start when the batch is due, frames); pure, so pacing is testable."""
    if speedup is not None and speedup <= 0:
        raise ValueError(f"speedup must be positive, got {speedup}")
    if not frames:
        return
    first = frames[0].at
    window = None if speedup is None else MAX_PACED_BATCH_SIM_SECONDS * speedup
    batch: list[SimFrame] = []
    for frame in frames:
        if batch and (len(batch) >= batch_frames or (window is not None and _seconds(batch[0].at, frame.at) >= window)):
            yield _due(first, batch[0].at, speedup), batch
            batch = []
        batch.append(frame)
    yield _due(first, batch[0].at, speedup), batch


async def publish(
    frames: Sequence[SimFrame],
    settings: Settings,
    topic: str,
    *,
    speedup: float | None,
    progress: Callable[[int, datetime], None] | None = None,
) -> int:
    """Send every frame (key = charge point id) in order; one await per batch, not per record. Returns the count."""
    producer = kafka.producer(settings, linger_ms=20)
    sent = 0
    started = time.monotonic()
    try:
        await producer.start()  # inside: a failed start still closes the client
        for due, batch in paced_batches(frames, speedup):
            delay = due - (time.monotonic() - started)
            if delay > 0:
                await asyncio.sleep(delay)
            pending = [await producer.send(topic, key=frame.key, value=frame.value) for frame in batch]
            await asyncio.gather(*pending)
            sent += len(batch)
            if progress is not None:
                progress(sent, batch[-1].at)
    finally:
        await producer.stop()
    return sent


def _due(first: datetime, at: datetime, speedup: float | None) -> float:
    return 0.0 if speedup is None else _seconds(first, at) / speedup


def _seconds(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds()
