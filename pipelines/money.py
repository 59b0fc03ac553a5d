"""Money rules in one place: ISO 4217 minor units, the rounding rule, and the ledger's 1e-9 precision."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 exponents (digits after the decimal point). The operators' currencies first, then the
# other common currencies whose exponent is not 2; any other three-letter code is taken as 2.
MINOR_UNITS: dict[str, int] = {
    "EUR": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "CHF": 2,
    "GBP": 2,
    "USD": 2,
    "PLN": 2,
    "CZK": 2,
    "HUF": 2,  # ISO 4217 says 2, although cash has no fillér any more
    "JPY": 0,
    "ISK": 0,
    "KRW": 0,
    "CLP": 0,
    "VND": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
    "LYD": 3,
    "IQD": 3,
}
DEFAULT_MINOR_UNIT = 2

# The documented rule: amounts a person pays are rounded half up (0.005 -> 0.01) to the minor unit.
DEFAULT_ROUNDING = ROUND_HALF_UP

# Exact amounts travel with at most 9 decimals (Avro decimal and ClickHouse Decimal(28, 9)).
LEDGER_SCALE = 9
_LEDGER_QUANTUM = Decimal(1).scaleb(-LEDGER_SCALE)


def minor_unit(currency: str) -> int:
    """Digits after the decimal point for an ISO 4217 code; unknown codes get the usual 2."""
    return MINOR_UNITS.get(currency.upper(), DEFAULT_MINOR_UNIT)


def round_money(amount: Decimal, currency: str, rounding: str = DEFAULT_ROUNDING) -> Decimal:
    """Round an amount to the currency's minor unit (ROUND_HALF_UP unless told otherwise)."""
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=rounding)


def to_ledger(value: Decimal) -> Decimal:
    """Keep a value exact when it has at most 9 decimals, else round it half up at the 9th."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -LEDGER_SCALE:
        return value
    return value.quantize(_LEDGER_QUANTUM, rounding=DEFAULT_ROUNDING)
