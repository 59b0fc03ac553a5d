"""`chargeledger`: one entry point for the stack, workers and jobs; bad arguments get a clear message."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from cli import dashboard as dashboard_cli
from cli import export as export_cli
from cli import gateway as gateway_cli
from cli import invoice as invoice_cli
from cli import rate as rate_cli
from cli import refund as refund_cli
from cli import rerate as rerate_cli
from cli import send as send_cli
from cli import topics as topics_cli
from cli import wallet as wallet_cli
from cli import warehouse as warehouse_cli
from pipelines.config import Settings
from pipelines.security import check_settings, load_sources

REPO = Path(__file__).resolve().parents[1]
MIGRATIONS = REPO / "schemas" / "clickhouse"
SAMPLE_CATALOG = REPO / "examples" / "catalog.yaml"


def _up(args: argparse.Namespace, settings: Settings) -> None:
    from infra.stack import describe, up

    print(describe(up(settings, settings.state_dir)))


def _down(args: argparse.Namespace, settings: Settings) -> None:
    from infra.stack import down

    stopped = down(settings.state_dir)
    print(f"stopped {', '.join(stopped)}" if stopped else "nothing was running")


def _status(args: argparse.Namespace, settings: Settings) -> None:
    from infra.stack import describe_status, status

    print("\n".join(describe_status(status(settings.state_dir))))


def _migrate(args: argparse.Namespace, settings: Settings) -> None:
    from pipelines.warehouse.client import connect
    from pipelines.warehouse.migrate import apply_migrations

    applied = apply_migrations(connect(settings), MIGRATIONS, settings.clickhouse_database, cluster=args.cluster)
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none, schema up to date'}")


def _catalog_load(args: argparse.Namespace, settings: Settings) -> None:
    from jobs.catalog_publish import publish_catalog

    counts = asyncio.run(publish_catalog(settings, Path(args.file)))
    print("published " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


def _simulate(args: argparse.Namespace, settings: Settings) -> None:
    day = {
        "catalog_path": Path(args.catalog),
        "seed": args.seed,
        "day": args.day,
        "charge_points": args.charge_points,
        "speedup": args.speedup,
        "bad_frame_share": args.bad_frame_share,
        "since": args.since,
    }
    if args.via_gateway or args.gateway_url:
        from jobs.simulate.live.run import simulate_via_gateway

        asyncio.run(
            simulate_via_gateway(settings, **day, gateway_url=args.gateway_url, ocpp201_share=args.ocpp201_share)
        )
        return
    from jobs.simulate.run import simulate_and_publish

    asyncio.run(simulate_and_publish(settings, **day))


def _worker(args: argparse.Namespace, settings: Settings) -> None:
    import faust

    from pipelines.app import create_app

    app = create_app(settings, web=args.web)
    faust.Worker(app, loglevel=args.log_level).execute_from_commandline()


def _report(args: argparse.Namespace, settings: Settings) -> None:
    from jobs.report import read_summary, render
    from pipelines.warehouse.client import connect

    print(render(read_summary(connect(settings), settings.clickhouse_database)))


def _demo(args: argparse.Namespace, settings: Settings) -> None:
    from jobs.demo import run_demo

    run_demo(settings, charge_points=args.charge_points, seed=args.seed, minutes=args.minutes)


def _rerate(args: argparse.Namespace, settings: Settings) -> None:
    rerate_cli.run(args, settings)


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text}")
    return value


def _share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="chargeledger", description=__doc__)
    root.add_argument("--state-dir", type=Path, help="where the embedded stack keeps data, pids and logs")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(handler=handler)
        return sub

    command("up", _up, "start the embedded broker and warehouse in the background")
    command("down", _down, "stop the embedded broker and warehouse")
    command("status", _status, "show whether the embedded stack runs")
    migrate = command("migrate", _migrate, "apply the ClickHouse migrations (idempotent)")
    migrate.add_argument("--cluster", metavar="NAME", help="render them for this ClickHouse cluster: "
                         "Replicated*MergeTree tables ON CLUSTER, Distributed tables over them")  # fmt: skip
    topics_cli.add_arguments(command("topics", topics_cli.run, topics_cli.HELP))
    catalog = command("catalog", _catalog_load, "validate a catalog file and publish it")
    catalog.add_argument("action", choices=["load"])
    catalog.add_argument("file", help="catalog YAML or JSON")
    simulate = command("simulate", _simulate, "one simulated day of OCPP traffic: 1.6 frames straight to Kafka, "
                       "or (--via-gateway) 1.6 and 2.0.1 stations connecting to the OCPP gateway")  # fmt: skip
    simulate.add_argument("--catalog", default=str(SAMPLE_CATALOG))
    simulate.add_argument("--seed", type=int, default=7)
    simulate.add_argument("--day", type=date.fromisoformat, default=None,
                          help="the simulated day (default 2026-11-23; with --via-gateway yesterday, UTC, because "
                          "ingest refuses station times more than a day ahead of the gateway's clock)")  # fmt: skip
    simulate.add_argument("--since", type=date.fromisoformat, default=None,
                          help="the first day of a multi-day simulation (default: --day): meter registers and "
                          "drivers carry over from it, so consecutive days join up")  # fmt: skip
    simulate.add_argument("--via-gateway", action="store_true",
                          help="stations are real OCPP-J clients of a gateway (started in-process unless "
                          "--gateway-url names one)")  # fmt: skip
    simulate.add_argument("--gateway-url", help="a running gateway, e.g. ws://127.0.0.1:9000 (implies --via-gateway)")
    simulate.add_argument("--ocpp201-share", type=_share, default=0.4,
                          help="share of the stations speaking OCPP 2.0.1 (--via-gateway), chosen by seed")  # fmt: skip
    simulate.add_argument("--charge-points", type=_positive_int, default=None)
    simulate.add_argument("--speedup", type=float, default=None, help="simulated seconds per second; none = flat out")
    simulate.add_argument("--bad-frame-share", type=_share, default=0.005)
    worker = command("worker", _worker, "run a pipeline worker (Faust agents + hot path + sink)")
    worker.add_argument("--web", action="store_true", help="serve Faust's web endpoint on the web port")
    worker.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    command("report", _report, "print the summary read back from ClickHouse")
    demo = command("demo", _demo, "run the whole pipeline on one simulated day and print the report")
    demo.add_argument("--charge-points", type=_positive_int, default=20)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--minutes", type=float, default=1.0, help="real minutes the simulated day takes")
    rerate_cli.add_arguments(command("rerate", _rerate, "re-price a period's sessions with today's catalog"))
    gateway_cli.add_arguments(command("gateway", gateway_cli.run, "run the OCPP-J gateway (stations to Kafka)"))
    rate_cli.add_arguments(command("rate", rate_cli.run, rate_cli.HELP))
    refund_cli.add_arguments(command("refund", refund_cli.run, refund_cli.HELP))
    wallet_cli.add_arguments(command("wallet", wallet_cli.run, wallet_cli.HELP))
    send_cli.add_arguments(command("send", send_cli.run, send_cli.HELP))
    invoice_cli.add_arguments(command("invoice", invoice_cli.run, invoice_cli.HELP))
    dashboard_cli.add_arguments(command("dashboard", dashboard_cli.run, dashboard_cli.HELP))
    export_cli.add_arguments(command("export", export_cli.run, export_cli.HELP))
    warehouse_cli.add_arguments(command("warehouse", warehouse_cli.run, warehouse_cli.HELP))
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Their failures reach the user as one line. urllib3's own child logger, because clickhouse_connect resets the
    # parent's level when it is imported.
    for chatty in ("kafka", "aiokafka", "urllib3", "urllib3.connectionpool", "clickhouse_connect"):
        logging.getLogger(chatty).setLevel(logging.CRITICAL)
    settings: Settings | None = None
    try:
        load_sources()  # CHARGELEDGER_SETTINGS_FILE, CHARGELEDGER_SECRETS_DIR
        settings = check_settings(Settings())
        if args.state_dir:
            settings = settings.model_copy(update={"state_dir": args.state_dir})
        args.handler(args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # every error reaches the user as one readable line
        if not _is_user_error(exc):
            raise
        print(f"chargeledger {args.command}: {_describe(exc, settings)}", file=sys.stderr)
        return 2
    return 0


def _describe(exc: Exception, settings: Settings | None) -> str:
    """The error's own message; for an unreachable broker or ClickHouse, where it was looked for and what to do."""
    from aiokafka.errors import KafkaError as AsyncKafkaError
    from clickhouse_connect.driver.exceptions import OperationalError
    from kafka.errors import KafkaError

    from pipelines.security import without_password

    start = "is it running? Start the embedded stack with `chargeledger up` (or `make up`), or set"
    if settings is None:
        return str(exc)
    if isinstance(exc, AsyncKafkaError | KafkaError) and "Unable to bootstrap" in str(exc):
        return f"cannot reach Kafka at {settings.kafka_bootstrap_servers}: {start} KAFKA_BOOTSTRAP_SERVERS."
    if isinstance(exc, OperationalError) and "Failed to establish" in str(exc):
        return f"cannot reach ClickHouse at {without_password(settings.clickhouse_url)}: {start} CLICKHOUSE_URL."
    return str(exc)


def _is_user_error(exc: Exception) -> bool:
    """Errors whose message tells the user what to fix; anything else is a bug and keeps its traceback."""
    from aiokafka.errors import KafkaError as AsyncKafkaError
    from clickhouse_connect.driver.exceptions import OperationalError
    from kafka.errors import KafkaError
    from pydantic import ValidationError

    from infra.broker import BrokerError
    from infra.stack import StackError
    from jobs.rerate import RerateError
    from pipelines.catalog.load import CatalogError
    from pipelines.errors import UserError
    from pipelines.gateway.server import GatewayError
    from pipelines.rating.cdr_parse import CdrError
    from pipelines.warehouse.migrate import MigrationError

    known = (CatalogError, StackError, BrokerError, MigrationError, ValidationError, TimeoutError, OSError,
             AsyncKafkaError, KafkaError, OperationalError, RerateError, GatewayError, CdrError, UserError)  # fmt: skip
    return isinstance(exc, known)


if __name__ == "__main__":
    raise SystemExit(main())
