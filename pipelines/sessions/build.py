"""A transaction's timeline to a ClosedSession: periods, energies, maxima and anomalies, in one pure pass.

Energy is counted from register readings in station-time order, starting at the baseline:
- the baseline is the begin reading unless it is implausible (stale or zero, recorded offline): the first reading
  after it would need more than Limits.max_plausible_power_w, or it lies below the connector's last known
  register while the readings after it do not. Then the connector's last register is used if plausible, else
  the first reading after the begin ("stale_begin_reading"; the case of a peer billing 910 kWh for 83 Wh);
- a rise of the register counts; a fall of more than Limits.reset_drop_wh is a reset or rollover: nothing counts
  for it and counting goes on from the new base ("meter_reset"); a smaller fall is jitter: nothing counts until
  the register passes its high-water mark again. So no energy is ever negative.
Periods: charging until a status (timeline.parks) or a power sample below PARKING_POWER_W says parking, and back.
A period boundary takes the register of the reading closest to it in time (the earlier one on a tie); each
period's energy is the counted energy between its boundary readings, so periods sum to the session exactly.
Splitting at tariff time-of-day boundaries is rating's job (rating.pricing.split_session, energy pro rata).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import partial
from itertools import pairwise
from operator import is_not, itemgetter, le

from pipelines.sessions.limits import PARKING_POWER_W, Limits
from pipelines.sessions.models import (
    LATE_CORRECTION,
    METER_RESET,
    MISSING_STOP,
    NO_ENERGY_READINGS,
    STALE_BEGIN_READING,
    STOP_BELOW_START,
    ChargingPeriod,
    ClosedSession,
    PeriodKind,
)
from pipelines.sessions.state import Transaction
from pipelines.sessions.timeline import BEGIN, CHANGE, KEY, STATUS, WH, A, Entry, W, kind_changes

_ZERO = Decimal(0)
_CHARGING, _PARKING = PeriodKind.CHARGING, PeriodKind.PARKING
_Period = tuple[datetime, datetime, PeriodKind, Decimal | None, Decimal | None]
_first, _register, _power, _current, _status = (
    itemgetter(0),
    itemgetter(WH),
    itemgetter(W),
    itemgetter(A),
    itemgetter(STATUS),
)
_is_reading = partial(is_not, None)  # a value is present


def build_session(
    tenant_id: str,
    charge_point_id: str,
    tx: Transaction,
    limits: Limits,
    register: tuple[datetime, Decimal] | None = None,
    *,
    provisional: bool = False,
    revision: int = 0,
) -> ClosedSession:
    """The session as the timeline stands. Without a stop it ends at the last reading, estimated; `provisional`
    adds "missing_stop", a revision after the first "late_correction". `register` is the connector's last known
    register."""
    start, stop = tx.started_at, tx.stop
    entries = tx.entries
    lo = bisect_left(entries, (start,), key=_entry_key)
    if stop is not None:
        end = max(stop.at, start)
    else:
        end = next((e[KEY][0] for e in reversed(entries) if e[KEY][2] != CHANGE), start)
    window = entries[lo : bisect_right(entries, (end, 1 << 62), key=_entry_key)]
    times, registers, begins = _readings(tx, window, end)
    base, base_wh, stale = baseline(times, registers, begins, start, register, limits)
    counted_at, total, reset = count_energy(registers, base, base_wh, limits)
    shape = _periods(window, start, end)
    energies = _period_energies(shape, times, counted_at)
    meter_start = base_wh if base_wh is not None else _ZERO
    meter_stop = stop.wh if stop is not None and stop.wh is not None else (registers[-1] if registers else meter_start)
    flags = (
        (MISSING_STOP, provisional),
        (STALE_BEGIN_READING, stale),
        (METER_RESET, reset),
        (STOP_BELOW_START, meter_stop < meter_start),
        (NO_ENERGY_READINGS, not registers),
        (LATE_CORRECTION, revision > 1),
    )
    return ClosedSession(
        session_id=f"{tenant_id}/{charge_point_id}/{tx.transaction_id}",
        tenant_id=tenant_id,
        charge_point_id=charge_point_id,
        connector_id=tx.connector_id,
        transaction_id=tx.transaction_id,
        id_tag=tx.id_tag,
        started_at=start,
        stopped_at=end,
        meter_start_wh=meter_start,
        meter_stop_wh=meter_stop,
        energy_wh=total,
        stop_reason=stop.reason if stop is not None else None,
        periods=tuple(
            ChargingPeriod(p_start, p_end, kind, energy, max_w, max_a)
            for (p_start, p_end, kind, max_w, max_a), energy in zip(shape, energies, strict=True)
        ),
        estimated=stop is None,
        revision=revision,
        anomalies=tuple(name for name, holds in flags if holds),
        id_tag_status=tx.id_tag_status,
    )


def _entry_key(entry: Entry) -> tuple:
    return entry[KEY]


def _readings(tx: Transaction, window: list[Entry], end: datetime) -> tuple[list[datetime], list[Decimal], int]:
    """Times and registers of every reading of the session in time order (begin, timeline, stop), and how many
    of them lead as begin readings."""
    with_energy = [e for e in window if e[WH] is not None]
    times = [e[KEY][0] for e in with_energy]
    registers: list[Decimal] = [e[WH] for e in with_energy]  # type: ignore[misc]  # filtered on WH above
    begins = 0
    for entry in with_energy:
        if entry[KEY][2] != BEGIN:
            break
        begins += 1
    if tx.begin_wh is not None:
        times.insert(0, tx.started_at)
        registers.insert(0, tx.begin_wh)
        begins += 1
    if tx.stop is not None and tx.stop.wh is not None:
        times.append(end)
        registers.append(tx.stop.wh)
    return times, registers, begins


def baseline(
    times: list[datetime],
    registers: list[Decimal],
    begins: int,
    start: datetime,
    register: tuple[datetime, Decimal] | None,
    limits: Limits,
) -> tuple[int, Decimal | None, bool]:
    """(index the count starts at, its register, whether a begin reading was passed over as stale)."""
    if not registers or not begins or begins == len(registers):  # no begin reading, or nothing else
        return 0, registers[0] if registers else None, False
    after = (times[begins], registers[begins])
    for index in range(begins):
        if _plausible(registers[index], after, start, register, limits):
            return index, registers[index], index > 0
    if register is not None and register[1] <= after[1] and _plausible(register[1], after, start, None, limits):
        return begins - 1, register[1], True
    return begins, after[1], True


def _plausible(
    wh: Decimal,
    after: tuple[datetime, Decimal],
    start: datetime,
    register: tuple[datetime, Decimal] | None,
    limits: Limits,
) -> bool:
    rise = after[1] - wh
    if rise <= 0:
        return True  # flat, or a fall: not a stale begin (a fall is a reset, counted as one)
    hours = Decimal(int((after[0] - start).total_seconds())) / 3600
    if rise > limits.max_plausible_power_w * hours + limits.plausible_slack_wh:
        return False
    return register is None or wh >= register[1] - limits.reset_drop_wh or after[1] < register[1]


def count_energy(
    registers: list[Decimal], base: int, base_wh: Decimal | None, limits: Limits
) -> tuple[Callable[[int], Decimal], Decimal, bool]:
    """(energy counted up to the reading at an index, the total, whether a reset was seen), from the baseline on."""
    if base_wh is None or base + 1 >= len(registers):
        return _nothing, _ZERO, False
    rest = registers[base + 1 :]
    if base_wh <= rest[0] and all(map(le, rest, rest[1:])):  # the common case: the register only rises

        def risen(index: int) -> Decimal:
            return registers[index] - base_wh if index > base else _ZERO

        return risen, registers[-1] - base_wh, False
    counted = [_ZERO] * len(registers)
    total, high, reset = _ZERO, base_wh, False
    for index in range(base + 1, len(registers)):
        wh = registers[index]
        if wh >= high:
            total += wh - high
            high = wh
        elif high - wh > limits.reset_drop_wh:
            high, reset = wh, True
        counted[index] = total
    return counted.__getitem__, total, reset


def _nothing(index: int) -> Decimal:
    return _ZERO


def _periods(window: list[Entry], start: datetime, end: datetime) -> list[_Period]:
    """(start, end, kind, max power, max current) of each period. An entry that changes the kind belongs to the
    new period; a change at or before a period's start relabels it (merging it into an alike predecessor), one at
    or after the end changes nothing."""
    if not any(map(_status, window)):
        lowest = min(filter(_is_reading, map(_power, window)), default=None)
        if lowest is None or lowest >= PARKING_POWER_W:
            return [(start, end, _CHARGING, *_maxima(window))]  # the common case: charging throughout
    spans: list[tuple[datetime, datetime, PeriodKind, int, int]] = []  # ..., first and past-last entry index
    kind, since, first = _CHARGING, start, 0
    for index, parking in kind_changes(window):
        at = window[index][KEY][0]
        if at >= end:
            break
        new = _PARKING if parking else _CHARGING
        if at > since:
            spans.append((since, at, kind, first, index))
            since, first = at, index
        elif spans and spans[-1][2] is new:
            since, _, _, first, _ = spans.pop()
        kind = new
    spans.append((since, end, kind, first, len(window)))
    return [(s, e, k, *_maxima(window[lo:hi])) for s, e, k, lo, hi in spans]


def _maxima(entries: list[Entry]) -> tuple[Decimal | None, Decimal | None]:
    power = max(filter(_is_reading, map(_power, entries)), default=None)
    return power, max(filter(_is_reading, map(_current, entries)), default=None)


def _period_energies(
    shape: list[_Period], times: list[datetime], counted_at: Callable[[int], Decimal]
) -> list[Decimal]:
    """Counted energy between the readings closest to each boundary."""
    if not times:
        return [_ZERO] * len(shape)
    marks = [_ZERO, *(counted_at(_closest(times, p[1])) for p in shape[:-1]), counted_at(len(times) - 1)]
    return [b - a for a, b in pairwise(marks)]


def _closest(times: list[datetime], at: datetime) -> int:
    after = bisect_right(times, at)
    if after == 0:
        return 0
    if after == len(times) or at - times[after - 1] <= times[after] - at:
        return after - 1
    return after
