from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.sampled import (
    _PLANS,
    _READINGS,
    MAX_CACHED_PLANS,
    MAX_CACHED_READINGS,
    MAX_MAGNITUDE,
    reading,
    sampled_v16,
    sampled_v201,
)
from tests.unit.ingest.frames import meter_value, sampled201

ENERGY, POWER, CURRENT, SOC = "Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "SoC"


def reference_reading(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    ok = number.is_finite() and number.adjusted() <= MAX_MAGNITUDE and number >= 0
    return number if ok else None


readings = st.sampled_from(
    [
        *("183", "16.0", "-0", "-1", "0E+20", "1E15", "9999999999999999", "1" + "0" * 16, "NaN", "sNaN"),
        *("-Infinity", "١٢", " 12", "1_000", "+5", "", "abc", "1e-30", "²"),
    ]
)


@given(readings | st.text(max_size=30) | st.decimals().map(str))
def test_cached_reading_equals_a_fresh_decimal(text):
    expected = reference_reading(text)
    for _ in range(2):  # the second answer comes from the cache
        got = reading(text)
        assert (got is None) == (expected is None)
        if expected is not None:
            assert got is not None and got.as_tuple() == expected.as_tuple()


def test_reading_cache_stays_bounded():
    for n in range(MAX_CACHED_READINGS + 10):
        reading(str(n))
    reading("1" * 100)
    assert len(_READINGS) <= MAX_CACHED_READINGS
    assert all(len(text) <= 24 for text in _READINGS)


def v201(*sampled: dict) -> tuple[list, list[str]]:
    problems: list[str] = []
    return sampled_v201(meter_value(*sampled), 0, problems), problems


@pytest.mark.parametrize(
    ("sv", "slot", "expected"),
    [
        (sampled201(12.5, ENERGY, "kWh"), 0, Decimal("12500.0")),
        (sampled201(125, ENERGY, "Wh", multiplier=-1), 0, Decimal("12.5")),
        (sampled201(1.2345, ENERGY, "kWh", multiplier=3), 0, Decimal("1234500.0000")),
        (
            sampled201(0.1, ENERGY),
            0,
            Decimal("0.1"),
        ),  # the written decimal, not the binary double 0.1000000000000000055..
        (sampled201(7.4, POWER, "kW"), 1, Decimal("7400.0")),
        (sampled201(74, POWER, "W", multiplier=2), 1, Decimal("7400")),
        (sampled201(16, CURRENT, "A"), 2, Decimal(16)),
        (sampled201(81, SOC, "Percent", location="EV"), 3, Decimal(81)),
        (sampled201(3, POWER), 1, Decimal(3)),  # no unit: the measurand's base unit
    ],
)
def test_v201_units_and_multipliers_land_in_base_units(sv, slot, expected):
    values, problems = v201(sv)
    assert problems == [] and values[slot] == expected and str(values[slot]) == str(expected)


def test_v201_phases_locations_and_contexts():
    values, problems = v201(
        sampled201(2.1, POWER, "kW", phase="L1-N"),
        sampled201(2.2, POWER, "kW", phase="L2-N"),
        sampled201(2.0, POWER, "kW", phase="L3-N"),
        sampled201(9.0, CURRENT, "A", phase="L1"),
        sampled201(9.6, CURRENT, "A", phase="L2"),
        sampled201(4.0, CURRENT, "A", phase="N"),  # neutral: ignored
        sampled201(400.0, "Voltage", "V", phase="L1-L2"),  # other measurand: ignored
        sampled201(999999.0, ENERGY, "Wh", location="EV"),  # the car's own counter is not the meter
        sampled201(52345.0, ENERGY, "Wh", context="Sample.Clock", location="Outlet"),
    )
    assert problems == []
    assert values == [Decimal("52345.0"), Decimal("6300.0"), Decimal("9.6"), None, "Sample.Clock"]


def test_signed_meter_value_uses_the_plain_value():
    signed = {"signedMeterData": "AQID", "signingMethod": "ECDSA-secp256r1-SHA256", "encodingMethod": "OCMF"}
    values, problems = v201(sampled201(1500, ENERGY, "Wh", signedMeterValue={**signed, "publicKey": "BAUG"}))
    assert problems == [] and values[0] == Decimal(1500)


def test_v201_impossible_values_are_named():
    _, problems = v201(
        sampled201(-5, ENERGY),
        sampled201(150, SOC, "Percent"),
        sampled201(3, ENERGY, "Wh", multiplier=40),
        sampled201(1e14, ENERGY, "kWh"),
        sampled201(3, POWER, "kWh"),
        sampled201(0.5, SOC, "Percent", multiplier=3),
    )
    assert problems == [
        "meterValue[0].sampledValue[0]: value: -5 is not a finite non-negative number below 10^15",
        "meterValue[0].sampledValue[1].value: SoC 150 > 100%",
        "meterValue[0].sampledValue[2]: unitOfMeasure.multiplier: 10^40 is outside 10^-30..10^30",
        "meterValue[0].sampledValue[3]: value: 100000000000000.0 scaled to the base unit is not below 10^15",
        "meterValue[0].sampledValue[4].unitOfMeasure.unit: unit kWh does not measure Power.Active.Import",
        "meterValue[0].sampledValue[5].value: SoC 500.0 > 100%",
    ]


def test_reading_context_defaults():
    def context(sampled: list[dict]) -> str:
        return sampled_v16(meter_value(*sampled), 0, [])[4]

    assert context([{"value": "1", "context": "Transaction.Begin"}]) == "Transaction.Begin"
    assert context([{"value": "1", "measurand": SOC, "context": "Trigger"}, {"value": "5"}]) == "Sample.Periodic"
    assert context([{"value": "55", "measurand": SOC, "context": "Trigger"}]) == "Trigger"
    assert context([{"value": "55", "measurand": SOC}]) == "Sample.Periodic"
    assert context([]) == "Sample.Periodic"


def test_plan_cache_stays_bounded_under_free_text_units():
    for n in range(MAX_CACHED_PLANS + 10):
        sampled_v201(meter_value(sampled201(1, POWER, f"u{n}")), 0, [])
    assert len(_PLANS) <= MAX_CACHED_PLANS
