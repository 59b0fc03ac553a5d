"""A transaction's time-sorted timeline of readings and status changes, and how it is bounded.

An entry is a plain tuple (cheaper than an object on the hot path): (key, wh, w, a, status, routed) with
key = (station time, 2.0.1 seqNo or 0, rank, crc32 of the event id). Rank orders what happened at one instant:
begin readings, then other readings, then status changes (2.0.1 sends the readings leading up to a chargingState
change before it). The crc32 makes the key unique per event, so an event applied twice is found and ignored
(idempotent by event id) and equal instants sort the same whatever the arrival order. `routed` marks entries
placed by connector and time (1.6 MeterValues without transactionId): they move to a transaction that turns
out to have started later on the same connector.

Bound: past `cap` entries the oldest adjacent readings inside one period are merged (the later one's time and
register, the maxima of both). A merge never drops a reading that changes the period kind, the readings around
a period boundary, the first reading (the begin check needs it) or a register drop (a reset), so energy and
periods stay exactly what they were; a *late* status that lands in a merged stretch takes its boundary register
from the nearest reading kept. Past twice the cap (a station flapping between states hundreds of times) the oldest
changes merge too, coalescing the oldest periods; energy stays exact.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left
from datetime import datetime
from decimal import Decimal
from operator import itemgetter
from typing import Final

from pipelines.sessions.limits import CHARGING_STATUSES, PARKING_POWER_W, PARKING_STATUSES

EntryKey = tuple[datetime, int, int, int]
Entry = tuple[EntryKey, Decimal | None, Decimal | None, Decimal | None, str | None, bool]
KEY: Final = 0  # fields of an entry
WH: Final = 1
W: Final = 2
A: Final = 3
STATUS: Final = 4
ROUTED: Final = 5
BEGIN: Final = 0  # ranks
READING: Final = 1
CHANGE: Final = 2
_key = itemgetter(0)


def event_tag(event_id: str) -> int:
    return zlib.crc32(event_id.encode())


def insert(entries: list[Entry], entry: Entry) -> bool:
    """Put the entry in time order; False when an entry with its key is already there (a repeat)."""
    key = entry[0]
    if not entries or entries[-1][0] < key:
        entries.append(entry)
        return True
    index = bisect_left(entries, key, key=_key)
    if index < len(entries) and entries[index][0] == key:
        return False
    entries.insert(index, entry)
    return True


def is_change(status: str) -> bool:
    """Whether a status says anything about charging vs parking (others are not kept)."""
    return status in CHARGING_STATUSES or status in PARKING_STATUSES


def kind_changes(entries: list[Entry]) -> list[tuple[int, bool]]:
    """(index, parking after it) of each entry that changes the kind, starting from charging. Parking while a status
    says so or the last power sample is below PARKING_POWER_W; Charging also clears low power until the next power
    sample, because the station says it draws energy again."""
    changes: list[tuple[int, bool]] = []
    status_parking = low_power = parking = False
    for index, entry in enumerate(entries):
        status = entry[STATUS]
        if status is not None:
            if status in CHARGING_STATUSES:
                status_parking = low_power = False
            elif status in PARKING_STATUSES:
                status_parking = True
        elif entry[W] is not None:
            low_power = entry[W] < PARKING_POWER_W
        if (status_parking or low_power) is not parking:
            parking = not parking
            changes.append((index, parking))
    return changes


def compact(entries: list[Entry], cap: int) -> list[Entry]:
    """The timeline merged down towards cap/2 entries, oldest first (see the module docstring)."""
    if len(entries) <= cap:
        return entries
    merged = _collapse(entries, _free(entries), len(entries) - cap // 2)
    if len(merged) > 2 * cap:
        merged = _collapse(merged, [e[KEY][2] != BEGIN for e in merged], len(merged) - cap // 2, strict=False)
    return merged


def _collapse(entries: list[Entry], free: list[bool], excess: int, *, strict: bool = True) -> list[Entry]:
    """Runs of free entries (alike, registers never falling) merged into their last one, oldest runs first;
    `strict` runs of statuses hold one status value (repeats of a state, exact to merge)."""
    out: list[Entry] = []
    last_wh: Decimal | None = None  # last register in `out`
    index, n = 0, len(entries)
    while index < n:
        entry = entries[index]
        end = index + 1
        wh = entry[WH]
        if excess > 0 and free[index] and (wh is None or last_wh is None or wh >= last_wh):
            high = wh if wh is not None else last_wh
            routed, status = entry[ROUTED], entry[STATUS]
            while end < n and end - index <= excess and free[end]:
                other = entries[end]
                if other[ROUTED] is not routed or (
                    other[STATUS] != status if strict else (other[STATUS] is None) is not (status is None)
                ):
                    break
                if other[WH] is not None:
                    if high is not None and other[WH] < high:
                        break
                    high = other[WH]
                end += 1
        if end - index > 1:
            entry = _join(entries[index:end])
            excess -= end - index - 1
        out.append(entry)
        if entry[WH] is not None:
            last_wh = entry[WH]
        index = end
    return out


def _join(run: list[Entry]) -> Entry:
    """One entry for a run: the last one's key and register, the maxima of all."""
    registers = [e[WH] for e in run if e[WH] is not None]
    powers = [e[W] for e in run if e[W] is not None]
    currents = [e[A] for e in run if e[A] is not None]
    last = run[-1]
    return (
        last[KEY],
        registers[-1] if registers else None,
        max(powers) if powers else None,
        max(currents) if currents else None,
        last[STATUS],
        last[ROUTED],
    )


def _free(entries: list[Entry]) -> list[bool]:
    """Which entries may merge: readings and statuses that change no period kind, readings not pinned to a
    boundary."""
    free = [e[KEY][2] != BEGIN for e in entries]
    energy = [i for i, e in enumerate(entries) if e[WH] is not None]
    for index, _ in kind_changes(entries):
        free[index] = False
        at = bisect_left(energy, index)
        for j in energy[max(0, at - 1) : at + 2]:  # the readings either side of the boundary
            free[j] = False
    first_reading = next((i for i in energy if entries[i][KEY][2] == READING), None)
    if first_reading is not None:
        free[first_reading] = False  # the begin reading is checked against it
    return free
