"""`chargeledger simulate --via-gateway`: the day's stations as real OCPP clients of a gateway, with progress."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp

from jobs.simulate.fleet import SimulationResult
from jobs.simulate.live.client import SimClock, Tally, run_station
from jobs.simulate.live.script import DEFAULT_OCPP201_SHARE, StationScript, plan_live_day
from jobs.simulate.live.steps import OCPP201
from pipelines.catalog.load import load_catalog
from pipelines.config import Settings

PROGRESS_EVERY_S = 2.0


def yesterday() -> date:
    """The default day: ingest refuses station times more than a day ahead of the gateway's receive time."""
    return datetime.now(UTC).date() - timedelta(days=1)


async def simulate_via_gateway(
    settings: Settings,
    *,
    catalog_path: Path,
    seed: int,
    day: date | None,
    charge_points: int | None,
    speedup: float | None,
    bad_frame_share: float,
    gateway_url: str | None = None,
    ocpp201_share: float = DEFAULT_OCPP201_SHARE,
    say: Callable[[str], None] | None = None,
    since: date | None = None,
) -> SimulationResult:
    """Play the day through the gateway at `gateway_url`, or through one started here on a free port."""
    say = say or _print
    day = day or yesterday()
    live = plan_live_day(
        load_catalog(catalog_path), seed=seed, day=day, charge_points=charge_points,
        bad_frame_share=bad_frame_share, ocpp201_share=ocpp201_share, since=since,
    )  # fmt: skip
    on_201 = sum(script.protocol == OCPP201 for script in live.scripts)
    planted = ", ".join(f"{n} {kind}" for kind, n in live.planted.items()) or "none"
    say(
        f"{len(live.scripts)} charge points ({on_201} on OCPP 2.0.1), {live.calls:,} calls, "
        f"{len(live.expected):,} sessions; day {day}, seed {seed}; planted bad frames: {planted}"
    )
    async with _gateway(settings, gateway_url, say) as url:
        assigned, tally = await play_fleet(url, live.scripts, speedup, say)
    for line in summary(tally, live.refused_authorizations):
        say(line)
    return live.result(assigned)


async def play_fleet(
    gateway_url: str, scripts: list[StationScript], speedup: float | None, say: Callable[[str], None]
) -> tuple[dict[int, int], Tally]:
    """Every station on its own connection at once; the first station that fails stops the others."""
    tally, total = Tally(), sum(len(script.steps) for script in scripts)
    clock = SimClock(min(script.steps[0].at for script in scripts if script.steps), speedup)
    reporter = asyncio.create_task(_report(tally, total, say))
    try:
        async with aiohttp.ClientSession() as session, asyncio.TaskGroup() as group:
            tasks = [group.create_task(run_station(session, gateway_url, s, clock, tally)) for s in scripts]
    except ExceptionGroup as failed:  # the first station's error says it all; the others were cancelled
        raise failed.exceptions[0] from None
    finally:
        reporter.cancel()
    assigned = {placeholder: real for task in tasks for placeholder, real in task.result().items()}
    say(_progress(tally, total))
    return assigned, tally


def summary(tally: Tally, planned_refusals: int) -> list[str]:
    """Closing lines: what the gateway answered to valid calls, to planted frames, and to cards."""
    answers = ", ".join(f"{n} {kind}" for kind, n in sorted(tally.bad_answered.items())) or "none"
    verdicts = ", ".join(f"{n} {status}" for status, n in sorted(tally.authorize.items())) or "none"
    lines = [
        f"gateway answered {tally.calls:,} valid calls; planted bad frames sent: {tally.bad_sent}, answers: {answers}",
        f"Authorize answers: {verdicts} ({planned_refusals} refusals planned)",
    ]
    if tally.rejected_calls:
        lines.append(f"WARNING: {tally.rejected_calls} valid calls were answered with a CALLERROR")
    return lines


@contextlib.asynccontextmanager
async def _gateway(settings: Settings, url: str | None, say: Callable[[str], None]) -> AsyncIterator[str]:
    if url is not None:
        yield url
        return
    from pipelines.gateway.server import serve

    async with serve(settings, "127.0.0.1", 0) as gateway:  # port 0: a free one
        say(f"gateway started in-process at {gateway.url}")
        yield gateway.url


async def _report(tally: Tally, total: int, say: Callable[[str], None]) -> None:
    while True:
        await asyncio.sleep(PROGRESS_EVERY_S)
        say(_progress(tally, total))


def _progress(tally: Tally, total: int) -> str:
    clock = tally.station_clock.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if tally.station_clock else "-"
    done = tally.calls + tally.rejected_calls + tally.bad_sent
    return f"{done:,}/{total:,} frames sent, station clock {clock}"


def _print(line: str) -> None:
    print(f"[simulate {time.strftime('%H:%M:%S')}] {line}", flush=True)
