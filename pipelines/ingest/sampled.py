"""One meterValue element's sampled values to the readings the pipeline uses: energy, power, current, SoC, context.

Rules, the same for OCPP 1.6 and 2.0.1 (one call per meterValue element):
- the measurand defaults to Energy.Active.Import.Register, the unit to the measurand's base unit (Wh, W, A,
  Percent; 2.0.1's schema says Wh for every measurand, which only fits energy); kWh and kW are scaled by 1000;
  any other unit for these measurands is an impossible value;
- a value without phase wins; without one, energy and power are the sum of the phases L1, L2, L3 (or L1-N..),
  current is the MAX over them (the limiting phase, what charging limits are set against); N and line-to-line
  phases are ignored; the first value of a measurand/phase wins when a station repeats it;
- energy, power and current at location EV, Body or Cable are not the charger's meter and are skipped; SoC is
  taken from any location; measurands other than these four stay in the payload, unparsed, so a NaN temperature
  does not cost a frame its energy reading;
- the reading context is the first energy value's `context`, else the first sampled value's, else Sample.Periodic
  (the default of both specs);
- 1.6 values are decimal strings; SignedData values are skipped (they are signatures, not numbers);
- 2.0.1 values are JSON numbers, read as the shortest decimal text that gives the same double (what the station
  wrote); `unitOfMeasure.multiplier` is a power of ten applied before the unit; a `signedMeterValue` travels next
  to a plain `value`, which is used (the signature stays in the payload).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_MAGNITUDE = 15  # decimal exponent; 10^15 Wh is a thousand times the world's yearly electricity
MAX_MULTIPLIER = 2 * MAX_MAGNITUDE  # beyond it no reading can land in range; bounded before Decimal.scaleb
DEFAULT_CONTEXT = "Sample.Periodic"

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
CURRENT = "Current.Import"
SOC = "SoC"
_SCALE = {
    (ENERGY, "Wh"): None,
    (ENERGY, "kWh"): 1000,
    (POWER, "W"): None,
    (POWER, "kW"): 1000,
    (CURRENT, "A"): None,
    (SOC, "Percent"): None,
}
_DEFAULT_UNIT = {ENERGY: "Wh", POWER: "W", CURRENT: "A", SOC: "Percent"}
_PHASES = {"L1": "L1", "L2": "L2", "L3": "L3", "L1-N": "L1", "L2-N": "L2", "L3-N": "L3"}
_NOT_THE_METER = frozenset({"EV", "Body", "Cable"})
_SLOTS = {ENERGY: 0, POWER: 1, CURRENT: 2, SOC: 3}
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)

Readings = list  # [meter_wh, power_w, current_a, soc_percent, reading_context]: a plain list, unpacked per element
_Plan = tuple[int, int | None, str | None]  # (slot, scale, phase); a plain tuple, so unpacking stays on the fast path
_Shape = tuple[str, str | None, str | None, str | None, str | None]  # measurand, unit, phase, location, format


def _plan(
    measurand: str, unit: str | None, phase: str | None, location: str | None, fmt: str | None
) -> _Plan | str | None:
    """What to do with a sampled value of this shape: None (skip), a problem text, or (slot, scale, phase)."""
    if measurand not in _DEFAULT_UNIT or fmt == "SignedData" or (measurand != SOC and location in _NOT_THE_METER):
        return None
    unit = unit or _DEFAULT_UNIT[measurand]
    if (measurand, unit) not in _SCALE:
        return f"unit {unit[:20]} does not measure {measurand}"
    if phase is not None and phase not in _PHASES:
        return None
    return (_SLOTS[measurand], _SCALE[measurand, unit], _PHASES.get(phase) if phase else None)


# () means skip. A fleet sends a few dozen shapes; 2.0.1's units are free text, so the cache is emptied when full.
_PLANS: dict[_Shape, _Plan | str | tuple[()]] = {}
MAX_CACHED_PLANS = 10_000


def _plan_of(shape: _Shape) -> _Plan | str | tuple[()]:
    if len(_PLANS) >= MAX_CACHED_PLANS:
        _PLANS.clear()
    plan = _PLANS[shape] = _plan(*shape) or ()
    return plan


def sampled_v16(element: dict, index: int, problems: list[str], field: str = "meterValue") -> Readings:
    """[meter_wh, power_w, current_a, soc_percent, reading_context] of an OCPP 1.6 `field`[index]."""
    totals: Readings = [None, None, None, None, None]
    phased: dict[tuple[int, str], Decimal] | None = None
    for sv in element["sampledValue"]:
        get = sv.get
        shape = (get("measurand", ENERGY), get("unit"), get("phase"), get("location"), get("format"))
        plan = _PLANS.get(shape)
        if plan is None:
            plan = _plan_of(shape)
        if not plan:
            continue
        if type(plan) is not tuple:  # a problem text (an exact-type test narrows only when it holds)
            problems.append(f"{_at(element, field, index, sv)}.unit: {plan}")
            continue
        slot, scale, phase = plan
        number = reading(sv["value"])
        if number is None:
            problems.append(f"{_at(element, field, index, sv)}.value: {sv['value'][:40]!r} is not {_READING_RULE}")
            continue
        if scale is not None:
            number *= scale
        if slot == 0 and totals[4] is None:
            totals[4] = get("context", DEFAULT_CONTEXT)
        if slot == 3 and number > _HUNDRED:
            problems.append(f"{_at(element, field, index, sv)}.value: SoC {sv['value'][:40]} > 100%")
        elif phase is None:
            if totals[slot] is None:
                totals[slot] = number
        else:
            phased = phased if phased is not None else {}
            phased.setdefault((slot, phase), number)
    if phased:
        _add_phases(totals, phased)
    if totals[4] is None:
        totals[4] = _first_context(element)
    return totals


def sampled_v201(element: dict, index: int, problems: list[str], field: str = "meterValue") -> Readings:
    """[meter_wh, power_w, current_a, soc_percent, reading_context] of an OCPP 2.0.1 `field`[index]."""
    totals: Readings = [None, None, None, None, None]
    phased: dict[tuple[int, str], Decimal] | None = None
    for sv in element["sampledValue"]:
        get = sv.get
        unit_of_measure = get("unitOfMeasure") or {}
        shape = (get("measurand", ENERGY), unit_of_measure.get("unit"), get("phase"), get("location"), None)
        plan = _PLANS.get(shape)
        if plan is None:
            plan = _plan_of(shape)
        if not plan:
            continue
        if type(plan) is not tuple:
            problems.append(f"{_at(element, field, index, sv)}.unitOfMeasure.unit: {plan}")
            continue
        slot, scale, phase = plan
        number = _scaled(sv["value"], unit_of_measure.get("multiplier", 0), scale)
        if isinstance(number, str):
            problems.append(f"{_at(element, field, index, sv)}: {number}")
            continue
        if slot == 0 and totals[4] is None:
            totals[4] = get("context", DEFAULT_CONTEXT)
        if slot == 3 and number > _HUNDRED:
            problems.append(f"{_at(element, field, index, sv)}.value: SoC {number} > 100%")
        elif phase is None:
            if totals[slot] is None:
                totals[slot] = number
        else:
            phased = phased if phased is not None else {}
            phased.setdefault((slot, phase), number)
    if phased:
        _add_phases(totals, phased)
    if totals[4] is None:
        totals[4] = _first_context(element)
    return totals


def _scaled(value: int | float, multiplier: int, scale: int | None) -> Decimal | str:
    """A 2.0.1 value times 10^multiplier times the unit's scale, or a problem text (checked after scaling)."""
    number = reading(repr(value))
    if number is None:
        return f"value: {value!r:.40} is not {_READING_RULE}"
    if multiplier:
        if not -MAX_MULTIPLIER <= multiplier <= MAX_MULTIPLIER:
            return f"unitOfMeasure.multiplier: 10^{multiplier} is outside 10^-{MAX_MULTIPLIER}..10^{MAX_MULTIPLIER}"
        # an int power keeps the digits plain (7400, not scaleb's 7.4E+3); exact either way
        number = number * 10**multiplier if multiplier > 0 else number.scaleb(multiplier)
    if scale is not None:
        number *= scale
    if number.adjusted() > MAX_MAGNITUDE:
        return f"value: {value!r:.40} scaled to the base unit is not below 10^{MAX_MAGNITUDE}"
    return number


def _first_context(element: dict) -> str:
    values = element["sampledValue"]
    return values[0].get("context", DEFAULT_CONTEXT) if values else DEFAULT_CONTEXT


def _at(element: dict, field: str, index: int, sv: dict) -> str:
    """Where a sampled value sits, for problem texts (the first equal element's position, as always reported)."""
    return f"{field}[{index}].sampledValue[{element['sampledValue'].index(sv)}]"


_READING_RULE = f"a finite non-negative number below 10^{MAX_MAGNITUDE}"
MAX_CACHED_READINGS = 4096
MAX_CACHED_READING_CHARS = 24
_READINGS: dict[str, Decimal | None] = {}
_UNREAD = object()


def reading(text: str) -> Decimal | None:
    """A sampled value as a finite, non-negative Decimal below 10^MAX_MAGNITUDE; None when it is not one.

    Cached by text: steady chargers repeat their power and current readings ("11000", "16.0") and idle ones
    report "0", so a dict hit (~0.1 us) replaces Decimal construction plus three checks (~0.8 us). Decimals are
    immutable, so sharing one is safe. Emptied when full and only short texts are kept, so it stays small.
    """
    number = _READINGS.get(text, _UNREAD)
    if number is _UNREAD:
        number = _parse_reading(text)
        if len(text) <= MAX_CACHED_READING_CHARS:
            if len(_READINGS) >= MAX_CACHED_READINGS:
                _READINGS.clear()
            _READINGS[text] = number
    return number  # type: ignore[return-value]


def _parse_reading(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number.adjusted() > MAX_MAGNITUDE or number < _ZERO:
        return None
    return number


def _add_phases(totals: Readings, phased: dict[tuple[int, str], Decimal]) -> None:
    """Energy and power: sum over phases; current: the largest phase; only where no total was given."""
    for slot in {slot for slot, _ in phased}:
        if totals[slot] is None:
            values = [number for (s, _), number in phased.items() if s == slot]
            totals[slot] = max(values) if slot == 2 else sum(values, Decimal(0))
