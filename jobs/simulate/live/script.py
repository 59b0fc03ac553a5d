"""The day as scripts: per charge point, which OCPP calls it sends at which station time, and the truth they imply."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from hashlib import blake2b

from jobs.simulate.fleet import ExpectedSession, SimulationResult, check_share, expected_session, numbered_sessions
from jobs.simulate.live import badwire, ocpp16, ocpp201
from jobs.simulate.live.steps import OCPP16, OCPP201, Step
from jobs.simulate.plan import RefusedPlan
from jobs.simulate.schedule import StationDay, plan_fleet
from pipelines.catalog.models import Catalog

DEFAULT_OCPP201_SHARE = 0.4


@dataclass(frozen=True, slots=True)
class StationScript:
    charge_point_id: str
    tenant_id: str
    protocol: str  # the WebSocket subprotocol: ocpp1.6 or ocpp2.0.1
    steps: tuple[Step, ...]  # in station-time order


@dataclass(frozen=True, slots=True)
class LiveDay:
    scripts: list[StationScript]
    expected: list[ExpectedSession]  # 1.6 sessions under their placeholder id until `result` names the real one
    bad_frames: dict[str, int]  # planted, by the DeadLetterClass value the pipeline should give them
    planted: dict[str, int]  # planted, by kind (not JSON, wrong shape, ...)
    refused_authorizations: int
    faults: int

    @property
    def calls(self) -> int:
        return sum(len(script.steps) for script in self.scripts)

    def result(self, assigned: Mapping[int, int]) -> SimulationResult:
        """The truth, with every 1.6 transaction under the id the gateway assigned (placeholder -> id)."""
        return SimulationResult(
            [],
            [_renamed(e, assigned) for e in self.expected],
            self.bad_frames,
            self.refused_authorizations,
            self.faults,
        )


def plan_live_day(
    catalog: Catalog,
    *,
    seed: int,
    day: date,
    charge_points: int | None,
    bad_frame_share: float,
    ocpp201_share: float = DEFAULT_OCPP201_SHARE,
    since: date | None = None,
) -> LiveDay:
    """Deterministic: the same plans as simulate_day for these arguments, as scripts for 1.6 and 2.0.1 clients."""
    check_share(bad_frame_share)
    days = plan_fleet(catalog, seed=seed, day=day, charge_points=charge_points, since=since)
    protocols = choose_protocols([d.charge_point.charge_point_id for d in days], seed, ocpp201_share)
    sessions = numbered_sessions(days, day)
    tx_rng = random.Random(f"{seed}/{day}/transaction-ids")
    placeholders = {id(p): n for n, p in sessions if protocols[p.charge_point.charge_point_id] == OCPP16}
    station_ids = {id(p): _uuid(tx_rng) for _, p in sessions if id(p) not in placeholders}
    steps = {
        d.charge_point.charge_point_id: (
            ocpp16.station_steps(d, placeholders) if protocols[d.charge_point.charge_point_id] == OCPP16
            else ocpp201.station_steps(d, station_ids)
        )
        for d in days
    }  # fmt: skip
    count = round(2 * sum(map(len, steps.values())) * bad_frame_share)  # each call and its answer reach the topic
    kinds = Counter(badwire.plant(random.Random(f"{seed}/{day}/bad"), steps, protocols, count))
    classes: Counter[str] = Counter()
    for kind, n in kinds.items():
        classes[badwire.KINDS[kind][0].value] += n
    scripts = [_script(d, protocols, steps) for d in days]
    expected = [expected_session(p, placeholders.get(id(p)) or station_ids[id(p)]) for _, p in sessions]
    refused = sum(isinstance(plan, RefusedPlan) for d in days for plan in d.plans)
    faults = sum(plan.fault is not None for _, plan in sessions)
    return LiveDay(scripts, expected, dict(classes), dict(kinds), refused, faults)


def choose_protocols(charge_points: list[str], seed: int, ocpp201_share: float) -> dict[str, str]:
    """round(share x n) charge points speak 2.0.1 (at least one when 0 < share and n > 1), chosen by seed."""
    if not 0 <= ocpp201_share <= 1:
        raise ValueError(f"ocpp201_share must be in [0, 1], got {ocpp201_share}")
    count = round(len(charge_points) * ocpp201_share)
    if ocpp201_share > 0 and len(charge_points) > 1:
        count = max(count, 1)
    if ocpp201_share < 1 and len(charge_points) > 1:
        count = min(count, len(charge_points) - 1)
    ranked = sorted(charge_points, key=lambda cp: blake2b(f"{seed}/{cp}/protocol".encode()).digest())
    chosen = set(ranked[:count])
    return {cp: OCPP201 if cp in chosen else OCPP16 for cp in charge_points}


def _script(planned: StationDay, protocols: dict[str, str], steps: dict[str, list[Step]]) -> StationScript:
    cp = planned.charge_point
    ordered = sorted(steps[cp.charge_point_id], key=lambda step: step.at)  # stable: causal order at equal times
    return StationScript(cp.charge_point_id, cp.tenant_id, protocols[cp.charge_point_id], tuple(ordered))


def _renamed(expected: ExpectedSession, assigned: Mapping[int, int]) -> ExpectedSession:
    number = expected.transaction_id
    if not isinstance(number, int) or number not in assigned:
        return expected
    real = assigned[number]
    return replace(expected, transaction_id=real, session_id=f"{expected.tenant_id}/{expected.charge_point_id}/{real}")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
