"""Frames per second of ingest_frame on one core, on a realistic mix of OCPP 1.6 traffic.

Mix: ~85% MeterValues (one meterValue element, 3-4 sampled values), 5% StatusNotification, 5% Start/Stop
transaction, 5% other (Heartbeat, Authorize, CALLRESULTs). Run: .venv/bin/python -m bench.ingest_micro
With --fleet N, also the hot path without Kafka: FrameProcessor.process in batches of 2000 plus the Avro encoding
of its events, over bench.traffic.fleet(N, 3, 150) frames (N=200 is the fleet `make bench` drives).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

import orjson

from bench.traffic import T0, fleet
from pipelines.hotpath.process import FrameProcessor, InboundRecord
from pipelines.ingest.logic import ingest_frame
from pipelines.ingest.models import DeadLetter
from pipelines.streaming.codec import encoder

BASE = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _envelope(cp: str, action: str, message: list, direction: str, at: datetime) -> bytes:
    return orjson.dumps(
        {
            "charge_point_id": cp,
            "tenant_id": "stadtwerk-aachen",
            "protocol": "ocpp1.6",
            "received_at": _iso(at),
            "direction": direction,
            "action": action,
            "message": message,
        }
    )


def _meter_values(rng: random.Random, mid: str, at: datetime) -> tuple[str, list, str]:
    sampled = [
        {
            "value": f"{rng.uniform(0, 90000):.1f}",
            "context": "Sample.Periodic",
            "measurand": "Energy.Active.Import.Register",
            "unit": "Wh",
        },
        {
            "value": f"{rng.uniform(0, 22):.2f}",
            "context": "Sample.Periodic",
            "measurand": "Power.Active.Import",
            "unit": "kW",
        },
        {
            "value": f"{rng.uniform(0, 32):.1f}",
            "context": "Sample.Periodic",
            "measurand": "Current.Import",
            "phase": "L1",
            "unit": "A",
        },
    ]
    if rng.random() < 0.5:
        sampled.append({"value": str(rng.randint(5, 100)), "measurand": "SoC", "unit": "Percent", "location": "EV"})
    payload = {
        "connectorId": 1,
        "transactionId": rng.randint(1, 10**6),
        "meterValue": [{"timestamp": _iso(at), "sampledValue": sampled}],
    }
    return "MeterValues", [2, mid, "MeterValues", payload], "upstream"


def _frame(rng: random.Random, mid: str, at: datetime) -> tuple[str, list, str]:
    roll = rng.random()
    if roll < 0.85:
        return _meter_values(rng, mid, at)
    if roll < 0.90:
        payload = {
            "connectorId": 1,
            "errorCode": "NoError",
            "status": rng.choice(["Available", "Charging", "Finishing"]),
            "timestamp": _iso(at),
        }
        return "StatusNotification", [2, mid, "StatusNotification", payload], "upstream"
    if roll < 0.925:
        payload = {"connectorId": 1, "idTag": "04A2B3C4", "meterStart": 1200, "timestamp": _iso(at)}
        return "StartTransaction", [2, mid, "StartTransaction", payload], "upstream"
    if roll < 0.95:
        payload = {"transactionId": 42, "meterStop": 25000, "timestamp": _iso(at), "reason": "Local"}
        return "StopTransaction", [2, mid, "StopTransaction", payload], "upstream"
    other = rng.choice(["heartbeat", "authorize", "start_conf"])
    if other == "heartbeat":
        return "Heartbeat", [2, mid, "Heartbeat", {}], "upstream"
    if other == "authorize":
        return "Authorize", [2, mid, "Authorize", {"idTag": "04A2B3C4"}], "upstream"
    return "StartTransaction", [3, mid, {"transactionId": 42, "idTagInfo": {"status": "Accepted"}}], "downstream"


def make_mix(count: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    frames = []
    for n in range(count):
        at = BASE + timedelta(milliseconds=n)
        action, message, direction = _frame(rng, str(100000 + n), at)
        frames.append(_envelope(f"CP-{n % 500:04d}", action, message, direction, at))
    return frames


def run(frames: list[bytes], rounds: int) -> float:
    read_at = BASE + timedelta(minutes=5)
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for offset, raw in enumerate(frames):
            ingest_frame(raw, source_topic="ocpp.inbound", partition=0, offset=offset, read_at=read_at)
        best = min(best, time.perf_counter() - started)
    return len(frames) / best


def run_hot_path(frames: list[bytes], rounds: int, batch: int = 2000) -> tuple[float, float]:
    """Best (microseconds per frame in FrameProcessor.process, in encoding its events) over `rounds` fresh runs."""
    read_at = T0 + timedelta(days=1)
    encode = encoder("ChargingEvent")
    best_process = best_encode = float("inf")
    for _ in range(rounds):
        processor, processing, encoding = FrameProcessor("ocpp.inbound"), 0.0, 0.0
        for start in range(0, len(frames), batch):
            records = [InboundRecord(0, start + n, raw) for n, raw in enumerate(frames[start : start + batch])]
            started = time.perf_counter()
            result = processor.process(records, read_at)
            processing += time.perf_counter() - started
            started = time.perf_counter()
            for _, event in result.events:
                encode(event)
            encoding += time.perf_counter() - started
            processor.mark_written(result)
        best_process, best_encode = min(best_process, processing), min(best_encode, encoding)
    return best_process / len(frames) * 1e6, best_encode / len(frames) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fleet", type=int, default=0, help="charge points of a fleet run of the hot path (0: none)")
    args = parser.parse_args()
    frames = make_mix(args.frames)
    read_at = BASE + timedelta(minutes=5)
    dead = [
        r
        for r in frames
        if isinstance(ingest_frame(r, source_topic="t", partition=0, offset=0, read_at=read_at), DeadLetter)
    ]
    if dead:
        raise SystemExit(f"{len(dead)} frames of the mix were dead-lettered, e.g. {dead[0][:300]!r}")
    rate = run(frames, args.rounds)
    started = time.perf_counter()
    for raw in frames:
        orjson.loads(raw)
    decode_us = (time.perf_counter() - started) / len(frames) * 1e6
    print(f"reference on this machine right now: orjson.loads alone {decode_us:.2f} us/frame")
    print(
        f"ingest_frame: {rate:,.0f} frames/s ({1e6 / rate:.2f} us/frame), {len(frames)} frames, best of {args.rounds}"
    )
    if args.fleet:
        fleet_frames = [value for _, value in fleet(args.fleet, 3, 150)]
        process_us, encode_us = run_hot_path(fleet_frames, args.rounds)
        print(
            f"hot path without Kafka: process {process_us:.2f} + encode events {encode_us:.2f} us/frame"
            f" = {1e6 / (process_us + encode_us):,.0f} frames/s, {len(fleet_frames)} fleet frames,"
            f" best of {args.rounds}"
        )


if __name__ == "__main__":
    main()
