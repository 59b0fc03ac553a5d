"""`python -m infra.warehouse --data-dir DIR --port 18123`: serve the chDB warehouse until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import faulthandler
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infra.warehouse.server import Warehouse

log = logging.getLogger("warehouse")
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.warehouse", description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True, help="chDB data directory (owned by this process)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=18123, help="HTTP port (default 18123)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr, level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    # Block the stop signals before chDB is imported and starts its threads (they inherit the mask), so the
    # one thread waiting in sigwait gets them and shuts down cleanly instead of a chDB thread dying by default.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    from infra.warehouse.engine import EngineOpenError
    from infra.warehouse.server import PortTakenError, Warehouse

    try:
        warehouse = Warehouse(args.data_dir, args.host, args.port)
    except (EngineOpenError, PortTakenError) as error:
        print(f"warehouse: {error}", file=sys.stderr)
        return 2
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 PID` dumps every thread's stack to the log
    threading.Thread(target=_stop_on_signal, args=(warehouse,), name="warehouse-signals", daemon=True).start()
    host, port = warehouse.address
    engine = warehouse.http.warehouse
    assert engine is not None
    log.info("ClickHouse %s (chDB) on http://%s:%d, data in %s", engine.version, host, port, engine.data_dir)
    warehouse.serve_forever()
    log.info("stopped; data directory released")
    return 0


def _stop_on_signal(warehouse: Warehouse) -> None:
    signum = signal.sigwait(STOP_SIGNALS)
    log.info("%s received, shutting down", signal.Signals(signum).name)
    warehouse.request_stop()


if __name__ == "__main__":
    sys.exit(main())
