"""`make demo`: the embedded stack, one simulated day of real OCPP stations through the gateway and the whole
pipeline, and the report."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from pathlib import Path

from infra.stack import embedded_stack, status
from jobs.catalog_publish import publish_catalog
from jobs.drain import wait_drained
from jobs.report import Summary, read_summary, render
from jobs.simulate.fleet import SimulationResult
from jobs.simulate.live.run import simulate_via_gateway
from jobs.worker_process import start_worker, stop_worker
from pipelines.config import Settings
from pipelines.streaming.topics import ensure_topics, pipeline_topic_specs
from pipelines.warehouse.client import connect
from pipelines.warehouse.migrate import apply_migrations

REPO = Path(__file__).resolve().parents[1]
SECONDS_PER_DAY = 86_400


def say(message: str) -> None:
    print(f"[demo {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run_demo(settings: Settings, *, charge_points: int, seed: int, minutes: float) -> None:
    if settings.state_dir == Path(".state"):
        settings = settings.model_copy(update={"state_dir": Path(".state/demo")})
    catalog = REPO / "examples" / "catalog.yaml"
    if not any(component.running for component in status(settings.state_dir).values()):
        # The embedded broker keeps nothing between runs; the warehouse must not either, or the report
        # would add this run's dead letters to the last one's.
        shutil.rmtree(settings.state_dir / "warehouse", ignore_errors=True)
    with embedded_stack(settings, settings.state_dir):
        say(f"embedded stack up: broker {settings.kafka_bootstrap_servers}, warehouse {settings.clickhouse_url}")
        ensure_topics(
            settings.kafka_bootstrap_servers, pipeline_topic_specs(settings), security=settings.kafka_security
        )
        applied = apply_migrations(connect(settings), REPO / "schemas" / "clickhouse", settings.clickhouse_database)
        say(f"topics ready, {len(applied)} migration(s) applied")
        counts = asyncio.run(publish_catalog(settings, catalog))
        say("catalog loaded: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
        worker = start_worker(settings, settings.state_dir / "logs" / "worker.log")
        try:
            say(f"worker started (pid {worker.pid}); {charge_points} charge points connect to the gateway")
            simulated = asyncio.run(
                simulate_via_gateway(
                    settings,
                    catalog_path=catalog,
                    seed=seed,
                    day=None,  # yesterday: station clocks must not run ahead of the gateway's
                    charge_points=charge_points,
                    speedup=SECONDS_PER_DAY / (minutes * 60),
                    bad_frame_share=0.005,
                    say=lambda line: say(f"simulate: {line}"),
                )
            )
            say("stations done, gateway stopped; waiting until every stage has drained")
            asyncio.run(wait_drained(settings, progress=lambda lag: _drain_progress(lag, worker, settings)))
            summary = read_summary(connect(settings), settings.clickhouse_database)
            print()
            print(render(summary))
            print()
            say(reconciliation(summary, simulated))
        finally:
            stop_worker(worker)
    say("stopped everything it started")


def _drain_progress(lag: int, worker: subprocess.Popen, settings: Settings) -> None:
    if worker.poll() is not None:
        raise RuntimeError(f"worker exited with {worker.returncode}; see {settings.state_dir}/logs/worker.log")
    say(f"records still in flight: {lag:,}")


def reconciliation(summary: Summary, simulated: SimulationResult) -> str:
    """Sessions rated against sessions simulated; dead letters against the bad frames the stations sent."""
    planted = sum(simulated.bad_frames.values())
    return (
        f"reconciliation: {summary.sessions:,} of {len(simulated.expected):,} simulated sessions rated; "
        f"{summary.dead_letters:,} dead letters for {planted:,} planted bad frames"
    )
