"""False-positive rate of the flag rules on a simulated week of normal traffic, through the pure code (no Kafka).

One simulation of consecutive days of jobs/simulate's fleet (examples/catalog.yaml, no bad frames; drivers hold
their cards and meter registers carry over midnight) goes through the hot path's FrameProcessor, the closed sessions
through rating and benefits, and then the flag rules exactly as the worker runs them: SessionFlagger per rated
session, StationTracker per charging event with a sweep every simulated SWEEP of time. Simulated traffic is normal by
construction, so every flag is a false positive, except the refused card attempts the simulator plants (3 %
blocked/expired, 1 % unknown cards: `refused_attempts`, flagged vs planted).
Run: .venv/bin/python -m bench.flags
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from jobs.simulate.fleet import simulate_day, simulate_days
from jobs.simulate.frames import SimFrame
from pipelines.catalog.load import load_catalog
from pipelines.catalog.view import CatalogView
from pipelines.flags.models import Flag, FlagType
from pipelines.flags.route import SessionFlagger
from pipelines.flags.station_watch import STATUS_MARK, StationTracker, catalog_policy
from pipelines.hotpath.process import FrameProcessor, InboundRecord
from pipelines.ingest.models import DeadLetter
from pipelines.rating.route import price_benefits, rate_with_catalog
from pipelines.rating.usage import Table
from pipelines.sessions.models import ClosedSession
from pipelines.streaming.codec import decoder, encoder

CATALOG = Path(__file__).resolve().parents[1] / "examples" / "catalog.yaml"
BATCH = 2000
SWEEP = timedelta(minutes=5)
RUNNING_INTERVAL = timedelta(days=365)  # no running snapshots: they are not rated
MUST_STAY_SILENT = (  # token misuse and metering: the target on normal traffic is 0
    FlagType.BLOCKED_TOKEN_USED,
    FlagType.EXPIRED_TOKEN_USED,
    FlagType.UNKNOWN_TOKEN_USED,
    FlagType.CONCURRENT_TOKEN_USE,
    FlagType.IMPOSSIBLE_TRAVEL,
    FlagType.RAPID_SHORT_SESSIONS,
    FlagType.METER_BACKWARDS,
    FlagType.METER_GAP,
    FlagType.ENERGY_ABOVE_MAX_POWER,
    FlagType.POWER_ABOVE_RATING,
)


class WeekRun:
    """State of one simulated week: the hot path, rating and both flag runners."""

    def __init__(self, catalog: CatalogView, sweep_until: datetime) -> None:
        self.catalog = catalog
        self.sweep_until = sweep_until  # the simulated stations stop heartbeating when their last day ends
        self.processor = FrameProcessor("bench")
        self.usage: Table = {}
        self.flagger = SessionFlagger()
        self.tracker = StationTracker(catalog_policy(catalog), decoder("ChargingEvent"))
        self.flags: list[Flag] = []
        self.sessions = 0
        self.unrated = 0
        self.events = 0
        self.last_sweep: datetime | None = None

    def play(self, frames: list[SimFrame]) -> None:
        for first in range(0, len(frames), BATCH):
            batch = frames[first : first + BATCH]
            now = batch[-1].at
            records = [InboundRecord(0, first + n, frame.value) for n, frame in enumerate(batch)]
            result = self.processor.process(records, now)
            self.processor.mark_written(result)
            for _, event in result.events:
                self.events += 1
                self.flags += self.tracker.event(event, event.received_at)
            self._rate([session for _, session in result.closed])
            if self.last_sweep is None or now - self.last_sweep >= SWEEP:
                self._rate([session for _, session in self.processor.housekeep(now, RUNNING_INTERVAL).closed])
                if now <= self.sweep_until:
                    self.flags += self.tracker.sweep(now)
                self.last_sweep = now

    def _rate(self, sessions: list[ClosedSession]) -> None:
        for session in sessions:
            rated = rate_with_catalog(session, self.catalog, rated_at=session.stopped_at)
            if not isinstance(rated, DeadLetter):
                rated = price_benefits(rated, self.catalog, self.usage)
            if isinstance(rated, DeadLetter):
                self.unrated += 1
                continue
            self.sessions += 1
            self.flags += self.flagger.flags_for(rated, self.catalog)


def week(days: int, seed: int, start: date, *, charge_points: int | None = None) -> dict:
    """Flags on one simulation of `days` consecutive days (registers and drivers carry over midnight)."""
    catalog = CatalogView.from_catalog(load_catalog(CATALOG))
    simulated = list(
        simulate_days(load_catalog(CATALOG), seed=seed, first=start, days=days, charge_points=charge_points,
                      bad_frame_share=0.0)
    )  # fmt: skip
    frames = sorted((frame for day in simulated for frame in day.frames), key=lambda frame: frame.at)
    last_beat = max(frame.at for frame in frames if b'"Heartbeat"' in frame.value)
    run = WeekRun(catalog, last_beat)
    run.play(frames)
    flags = list({flag.flag_id: flag for flag in run.flags}.values())
    attempts = [f for f in flags if '"attempt"' in f.evidence]  # the simulator's refused cards: true positives
    real = [f for f in flags if f not in attempts]
    flagged_sessions = {f.subject for f in real if f.subject_type == "session"}
    by_type = Counter(f.flag_type for f in real)
    return {
        "rated_sessions": run.sessions,
        "unrated_sessions": run.unrated,
        "events": run.events,
        "flags": len(real),
        "flags_by_type": dict(sorted(by_type.items())),
        "misuse_and_metering_flags": {kind.value: by_type[kind] for kind in MUST_STAY_SILENT},
        "flagged_session_share": round(len(flagged_sessions) / max(run.sessions, 1), 5),
        "flags_per_1000_sessions": round(1000 * len(real) / max(run.sessions, 1), 2),
        "flags_per_1000_sessions_by_type": {
            kind: round(1000 * n / max(run.sessions, 1), 2) for kind, n in sorted(by_type.items())
        },
        "refused_attempts": {
            "flagged": len(attempts),
            "simulated": sum(day.refused_authorizations for day in simulated),
        },
    }


def station_watch_cost(seed: int = 7, day: date = date(2026, 11, 2)) -> dict:
    """Microseconds per charging.events record the station watch spends (prefilter, decode where needed, rules),
    on a simulated day's events encoded as the hot path writes them: the worker's extra cost per event."""
    simulated = simulate_day(load_catalog(CATALOG), seed=seed, day=day, charge_points=None, bad_frame_share=0.0)
    processor, encode = FrameProcessor("bench"), encoder("ChargingEvent")
    records = [InboundRecord(0, n, frame.value) for n, frame in enumerate(simulated.frames)]
    events = [event for _, event in processor.process(records, simulated.frames[-1].at).events]
    encoded = [(event.charge_point_id.encode(), encode(event), event.received_at) for event in events]
    tracker = StationTracker(catalog_policy(CatalogView.from_catalog(load_catalog(CATALOG))), decoder("ChargingEvent"))
    began = time.process_time()  # CPU time: moves less than the wall clock on a shared machine
    for key, value, at in encoded:
        tracker.record(key, value, at)
    elapsed = time.process_time() - began
    decoded = sum(STATUS_MARK in value for _, value, _ in encoded)
    return {
        "events": len(encoded),
        "status_share": round(decoded / len(encoded), 4),
        "cpu_us_per_event": round(1e6 * elapsed / len(encoded), 2),
    }


def run(days: int = 7, seed: int = 7, start: date = date(2026, 11, 2)) -> dict:
    """Flags on `days` simulated days of normal traffic: every one a false positive, counted per type."""
    began = time.perf_counter()
    week_flags = week(days, seed, start)
    return {
        "days": days,
        "false_positives": week_flags,
        "false_positive_rate": week_flags["flagged_session_share"],
        "station_watch": station_watch_cost(seed, start),
        "seconds": round(time.perf_counter() - began, 1),
        "at": datetime.now(UTC).isoformat(),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
