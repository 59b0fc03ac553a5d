"""Helpers the code that avro_compile generates calls: zigzag varints, exact decimal contexts, errors.

Kept apart from the compiler so the generated functions see a small, fixed namespace of fast primitives.
"""

from __future__ import annotations

import decimal
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)

# ZIGZAG[n] is the zigzag varint of n for -SMALL <= n < SMALL (negative n index from the end): 1-2 bytes.
SMALL = 8192
UNZIGZAG = tuple((b >> 1) ^ -(b & 1) for b in range(128))
BOOLEANS = (False, True)
BOOLEAN_BYTES = {True: b"\x01", False: b"\x00"}


class AvroCodecError(ValueError):
    """A record that cannot be encoded, or bytes that are not a valid encoding of the record type."""


def _varint_loop(z: int) -> bytes:
    out = bytearray()
    while z > 0x7F:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)
    return bytes(out)


# Varints 14 bits at a time: VARINT14 ends a varint, CONTINUED14 is a 14-bit group with more to come.
VARINT14 = [_varint_loop(z) for z in range(1 << 14)]
CONTINUED14 = [bytes(((z & 0x7F) | 0x80, (z >> 7) | 0x80)) for z in range(1 << 14)]


def _unsigned_varint(z: int) -> bytes:
    if z < 1 << 14:
        return VARINT14[z]
    if z < 1 << 28:
        return CONTINUED14[z & 0x3FFF] + VARINT14[z >> 14]
    if z < 1 << 42:
        return CONTINUED14[z & 0x3FFF] + CONTINUED14[(z >> 14) & 0x3FFF] + VARINT14[z >> 28]
    if z < 1 << 56:
        low = CONTINUED14[z & 0x3FFF] + CONTINUED14[(z >> 14) & 0x3FFF]
        return low + CONTINUED14[(z >> 28) & 0x3FFF] + VARINT14[z >> 42]
    return _varint_loop(z)


ZIGZAG = [VARINT14[n << 1] for n in range(SMALL)] + [VARINT14[(n << 1) ^ (n >> 63)] for n in range(-SMALL, 0)]


def write_long(n: int) -> bytes:
    """Zigzag varint of an Avro long; rejects values outside 64 bits."""
    if not LONG_MIN <= n <= LONG_MAX:
        raise AvroCodecError(f"{n!r} does not fit an Avro long (64 bits)")
    return _unsigned_varint((n << 1) ^ (n >> 63))


def write_int(n: int) -> bytes:
    """Zigzag varint of an Avro int; rejects values outside 32 bits."""
    if not INT_MIN <= n <= INT_MAX:
        raise AvroCodecError(f"{n!r} does not fit an Avro int (32 bits)")
    return _unsigned_varint((n << 1) ^ (n >> 63))


MAX_CACHED_TIMESTAMPS = 4096
TIMESTAMP_BYTES: dict[datetime, bytes] = {}  # filled by timestamp_bytes, read by the generated encoders


def timestamp_bytes(moment: datetime) -> bytes:
    """The timestamp-micros long of an aware datetime, remembered (equal instants encode alike; emptied when full)."""
    t = (moment - EPOCH) // MICROSECOND
    if 1 << 42 <= t < 1 << 55:  # 1970-02-20 .. year 3111: the zigzag varint is exactly 8 bytes
        z = t << 1
        data = CONTINUED14[z & 0x3FFF] + CONTINUED14[(z >> 14) & 0x3FFF] + CONTINUED14[(z >> 28) & 0x3FFF]
        data += VARINT14[z >> 42]
    else:
        data = write_long(t)
    if len(TIMESTAMP_BYTES) >= MAX_CACHED_TIMESTAMPS:
        TIMESTAMP_BYTES.clear()
    TIMESTAMP_BYTES[moment] = data
    return data


def read_long(buf: bytes, pos: int) -> tuple[int, int]:
    """The long at pos and the position after it; at most 10 bytes."""
    z = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        z |= (byte & 0x7F) << shift
        if byte < 0x80:
            break
        shift += 7
        if shift > 63:
            raise AvroCodecError(f"varint longer than 10 bytes before offset {pos}")
    n = (z >> 1) ^ -(z & 1)
    if not LONG_MIN <= n <= LONG_MAX:
        raise AvroCodecError(f"varint before offset {pos} does not fit an Avro long")
    return n, pos


def read_int(buf: bytes, pos: int) -> tuple[int, int]:
    """The int at pos and the position after it."""
    n, pos = read_long(buf, pos)
    if not INT_MIN <= n <= INT_MAX:
        raise AvroCodecError(f"varint before offset {pos} does not fit an Avro int")
    return n, pos


def negative_length(n: int, pos: int) -> AvroCodecError:
    return AvroCodecError(f"negative length {n} before offset {pos}")


# Multiplying by 10**scale is exact unless the value has more than EXACT_DIGITS digits, then Inexact is
# raised and exact_unscaled takes over: no double rounding.
EXACT_DIGITS = 64
EXACT = Context(
    prec=EXACT_DIGITS,
    rounding=ROUND_HALF_EVEN,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero],
)


def exact_unscaled(value: Decimal, scale: int) -> int:
    """round_half_even(value * 10**scale) without any intermediate rounding (the slow path)."""
    context = Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    return round(context.multiply(value, Decimal(10) ** scale))


def decimal_overflow(unscaled: int, scale: int, precision: int) -> AvroCodecError:
    value = Decimal(unscaled).scaleb(-scale, EXACT)
    return AvroCodecError(f"{value} has more than {precision} digits at scale {scale}")


def reading_context(precision: int) -> Context:
    """A context that refuses (rather than rounds) a decoded unscaled value longer than the precision."""
    return Context(
        prec=precision,
        rounding=ROUND_HALF_EVEN,
        Emax=decimal.MAX_EMAX,
        Emin=decimal.MIN_EMIN,
        traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation, decimal.Overflow],
    )
