"""`chargeledger simulate`: one simulated day from the catalog's chargers, published to ocpp.inbound."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from jobs.simulate.fleet import SimulationResult, simulate_day
from jobs.simulate.publish import publish
from pipelines.catalog.load import load_catalog
from pipelines.config import Settings

DEFAULT_DAY = date(2026, 11, 23)


async def simulate_and_publish(
    settings: Settings,
    *,
    catalog_path: Path,
    seed: int,
    day: date | None,
    charge_points: int | None,
    speedup: float | None,
    bad_frame_share: float,
    since: date | None = None,
) -> SimulationResult:
    catalog = load_catalog(catalog_path)
    result = simulate_day(
        catalog, seed=seed, day=day or DEFAULT_DAY, charge_points=charge_points, bad_frame_share=bad_frame_share,
        since=since,
    )  # fmt: skip
    total = len(result.frames)
    print(f"[simulate] {total:,} frames, {len(result.expected):,} sessions, seed {seed}", flush=True)
    last = [0.0]

    def progress(sent: int, simulated_at: object) -> None:
        now = time.monotonic()
        if now - last[0] >= 2 or sent == total:
            last[0] = now
            print(f"[simulate] {sent:,}/{total:,} frames sent, simulated clock {simulated_at}", flush=True)

    await publish(result.frames, settings, settings.topics.inbound, speedup=speedup, progress=progress)
    return result
