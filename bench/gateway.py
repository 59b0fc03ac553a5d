"""The gateway's sustained frames/s: N concurrent WebSocket stations sending MeterValues as fast as answered.

The gateway runs as its own process (`chargeledger gateway`), as in production, so the stations' client work
does not share its CPU time. Each station boots, then keeps one MeterValues CALL in flight (OCPP-J allows
one at a time), alternating OCPP 1.6 and 2.0.1 stations. A frame counts once Kafka holds its envelope: the
rate is every published frame (both directions) over the time from the first CALL until the last envelope
was on ocpp.inbound. Run alone: .venv/bin/python -m bench.gateway [--stations N] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiokafka import TopicPartition

from bench.traffic import bench_catalog, charge_point_ids
from infra.broker import running_broker
from jobs.catalog_publish import publish_catalog
from pipelines.config import Settings, Topics
from pipelines.gateway.connection import connect_station
from pipelines.gateway.frames import OCPP16, OCPP201
from pipelines.streaming.offsets import log_end_offsets
from pipelines.streaming.topics import ensure_topics, pipeline_topic_specs

REPO = Path(__file__).resolve().parents[1]
BOOT = {
    OCPP16: {"chargePointVendor": "Bench", "chargePointModel": "B1"},
    OCPP201: {"reason": "PowerUp", "chargingStation": {"model": "B1", "vendorName": "Bench"}},
}


def meter_values(protocol: str, wh: int) -> dict:
    stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    samples: list[dict[str, object]]
    if protocol == OCPP16:
        samples = [{"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                   {"value": "11.0", "measurand": "Power.Active.Import", "unit": "kW"}]  # fmt: skip
        return {"connectorId": 1, "transactionId": 1, "meterValue": [{"timestamp": stamp, "sampledValue": samples}]}
    samples = [{"value": wh, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": {"unit": "Wh"}},
               {"value": 11000, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "W"}}]  # fmt: skip
    return {"evseId": 1, "meterValue": [{"timestamp": stamp, "sampledValue": samples}]}


def frame_template(protocol: str) -> str:
    """A MeterValues CALL with the message id and the register as %-placeholders: the driver stays cheap."""
    text = json.dumps([2, "@ID@", "MeterValues", meter_values(protocol, 424242)])
    return text.replace("%", "%%").replace("@ID@", "%d").replace("424242", "%d")


async def station(url: str, cp: str, protocol: str, until: float, session: aiohttp.ClientSession) -> list[float]:
    """Round-trip times of every MeterValues CALL the station got answered before `until`."""
    async with connect_station(url, cp, protocol, session) as connection:
        await connection.send(json.dumps([2, "boot", "BootNotification", BOOT[protocol]]))
        answer = json.loads(await connection.recv())
        if answer[0] != 3 or answer[2]["status"] != "Accepted":
            raise RuntimeError(f"{cp} not accepted: {answer}")
        template, times, n = frame_template(protocol), [], 0
        while (sent := time.perf_counter()) < until:
            n += 1
            await connection.send(template % (n, 1000 + 7 * n))
            if not (await connection.recv()).startswith("[3,"):
                raise RuntimeError(f"{cp}: MeterValues refused")
            times.append(time.perf_counter() - sent)
        return times


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_settings(bootstrap: str, state_dir: Path, clickhouse_url: str | None = None) -> Settings:
    """`clickhouse_url`: where catalog load writes its dimensions; without it, it says it could not."""
    tag = uuid.uuid4().hex[:8]
    topics = Topics(inbound=f"gwbench.{tag}.inbound", catalog_prefix=f"gwbench.{tag}.catalog.")
    warehouse = {"clickhouse_url": clickhouse_url} if clickhouse_url else {}
    return Settings(kafka_bootstrap_servers=bootstrap, state_dir=state_dir, topics=topics, **warehouse)


def start_gateway(settings: Settings, port: int, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
           "CHARGELEDGER_TOPIC_INBOUND": settings.topics.inbound,
           "CHARGELEDGER_TOPIC_CATALOG_PREFIX": settings.topics.catalog_prefix}  # fmt: skip
    command = [sys.executable, "-m", "cli.main", "--state-dir", str(settings.state_dir), "gateway", "--port", str(port)]
    with open(log_path, "w") as log:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_listening(port: int, process: subprocess.Popen, log_path: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gateway exited:\n{log_path.read_text()[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"gateway not listening after {timeout_s:.0f} s:\n{log_path.read_text()[-2000:]}")


async def published(settings: Settings) -> int:
    tps = [TopicPartition(settings.topics.inbound, p) for p in range(settings.partitions)]
    ends = await log_end_offsets(settings, tps, settings.broker_list_offsets_exact)
    return sum(ends.values())


async def drive(settings: Settings, url: str, stations: int, seconds: float, gateway_pid: int) -> dict:
    cps = charge_point_ids("GWB", stations)
    cpu_before = cpu_seconds(gateway_pid)
    async with aiohttp.ClientSession() as session:
        began = time.perf_counter()
        until = began + seconds
        runs = [station(url, cp, OCPP16 if n % 2 == 0 else OCPP201, until, session) for n, cp in enumerate(cps)]
        times = [t for run in await asyncio.gather(*runs) for t in run]
    answered = time.perf_counter() - began
    expected = 2 * (len(times) + stations)  # every CALL and its answer, boots included
    while (count := await published(settings)) < expected:
        if time.perf_counter() - began > seconds + 60:
            raise RuntimeError(f"only {count} of {expected} frames reached Kafka")
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - began
    cpu = cpu_seconds(gateway_pid) - cpu_before
    times.sort()
    return {
        "stations": stations,
        "frames_published": expected,
        "frames_per_s": expected / elapsed,
        "answered_frames_per_s": expected / answered,
        "round_trip_ms_p50": 1000 * statistics.median(times),
        "round_trip_ms_p99": 1000 * times[int(0.99 * (len(times) - 1))],
        "seconds": elapsed,
        "gateway_cpu_share": cpu / elapsed,  # below 1.0: the gateway was not the bottleneck
        "gateway_cpu_us_per_frame": 1e6 * cpu / expected,
    }


def gateway_rate(bootstrap: str, stations: int = 100, seconds: float = 3.0, clickhouse_url: str | None = None) -> dict:
    """Sustained frames/s (both directions, as published) of one gateway process with `stations` connected."""
    with tempfile.TemporaryDirectory(prefix="gwbench-") as temporary:
        state = Path(temporary)
        settings = bench_settings(bootstrap, state, clickhouse_url)
        ensure_topics(bootstrap, pipeline_topic_specs(settings))
        catalog = state / "catalog.yaml"
        catalog.write_text(bench_catalog(charge_point_ids("GWB", stations)))
        asyncio.run(publish_catalog(settings, catalog))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log_path = state / "gateway.log"
        gateway = start_gateway(settings, port, log_path)
        try:
            wait_listening(port, gateway, log_path)
            result = asyncio.run(drive(settings, f"ws://127.0.0.1:{port}", stations, seconds, gateway.pid))
        finally:
            gateway.send_signal(signal.SIGTERM)
            result_code = gateway.wait(30)
        if result_code != 0:
            raise RuntimeError(f"gateway exited with {result_code}:\n{log_path.read_text()[-2000:]}")
        return result


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--stations", type=int, default=100)
    args.add_argument("--seconds", type=float, default=3.0)
    opts = args.parse_args()
    with tempfile.TemporaryDirectory() as temporary, running_broker(None, Path(temporary) / "broker.log") as broker:
        print(json.dumps(gateway_rate(broker.bootstrap, opts.stations, opts.seconds), indent=2))


if __name__ == "__main__":
    main()
