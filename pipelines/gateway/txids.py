"""OCPP 1.6 transactionIds: never reused by a gateway, even across restarts, and within a signed 32-bit integer.

Ids are handed out from blocks reserved on disk before use (one write per BLOCK ids), so a restart skips at most
the rest of a block. The first id after a start is also at least the seconds since 2020, so even a gateway that
lost its state directory does not go back to ids it gave before (unless it gave more than one per second on
average). Many stations store transactionId in an int32, hence the ceiling. A lock on the file keeps a second
gateway from sharing the state directory.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

MAX_TRANSACTION_ID = 2**31 - 1
BLOCK = 1000
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


class TransactionIdError(RuntimeError):
    """No transaction id can be handed out (range exhausted, or the state is in use by another gateway)."""


@dataclass(frozen=True, slots=True)
class IdRange:
    next_id: int
    reserved_to: int  # exclusive: ids below it are reserved on disk


def resume(persisted: int | None, now: datetime) -> IdRange:
    """Where ids continue after a start: past everything reserved before, and not below the clock floor."""
    start = max(persisted or 1, int((now - EPOCH).total_seconds()), 1)
    return IdRange(start, start)


def take(ids: IdRange) -> tuple[IdRange, int, int | None]:
    """The next id, the range after it, and a new reservation to persist before the id is used (or None)."""
    if ids.next_id > MAX_TRANSACTION_ID:
        raise TransactionIdError(f"transaction ids exhausted at {MAX_TRANSACTION_ID}")
    reserve = None
    reserved_to = ids.reserved_to
    if ids.next_id >= reserved_to:
        reserve = reserved_to = min(ids.next_id + BLOCK, MAX_TRANSACTION_ID + 1)
    return IdRange(ids.next_id + 1, reserved_to), ids.next_id, reserve


class TransactionIds:
    """The allocator over a state file holding the reserved ceiling."""

    def __init__(self, path: Path, now: datetime) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock: IO[str] = open(path.with_name(path.name + ".lock"), "a")  # noqa: SIM115 (held while running)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise TransactionIdError(f"another gateway uses {path}; give each gateway its own state dir") from None
        self._ids = resume(_read(path), now)

    def next(self) -> int:
        self._ids, transaction_id, reserve = take(self._ids)
        if reserve is not None:
            _write(self.path, reserve)
        return transaction_id

    def close(self) -> None:
        self._lock.close()


def _read(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except FileNotFoundError:
        return None
    except ValueError as error:
        raise TransactionIdError(f"{path} does not hold a number; fix or remove it") from error


def _write(path: Path, reserved_to: int) -> None:
    """Atomically and durably: a reservation must survive a crash right after the id was handed out."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w") as file:
        file.write(f"{reserved_to}\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
