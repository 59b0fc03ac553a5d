"""What a scripted station sends: ocpp calls or planted raw text, each at a station time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jobs.simulate.schedule import StationDay
from pipelines.ingest.models import DeadLetterClass

OCPP16 = "ocpp1.6"
OCPP201 = "ocpp2.0.1"


@dataclass(frozen=True, slots=True)
class RawText:
    """A planted bad frame: text put on the socket as is, and the dead letter the pipeline should make of it."""

    text: str
    error_class: DeadLetterClass
    kind: str  # what is wrong with it: not JSON, wrong shape, ...


@dataclass(frozen=True, slots=True)
class Step:
    """One thing a station sends at station time `at`: an ocpp call dataclass of its version, or RawText."""

    at: datetime
    request: Any
    opens: int | None = None  # OCPP 1.6 StartTransaction: the placeholder id later calls carry until it is assigned


def heartbeats(planned: StationDay, interval_s: int) -> list[datetime]:
    """Heartbeat times from one interval after boot until the day ends."""
    beats, beat = [], planned.booted + timedelta(seconds=interval_s)
    while beat < planned.closes:
        beats.append(beat)
        beat += timedelta(seconds=interval_s)
    return beats
