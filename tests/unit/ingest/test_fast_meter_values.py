"""The MeterValues fast path against the long way (official schema, then normalize) on generated payloads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.ingest import fast_meter_values
from pipelines.ingest.envelope import CALL, Envelope, Frame, IngestError
from pipelines.ingest.fast_meter_values import ENABLED, OPTIONAL_FIELDS, meter_values_v16
from pipelines.ingest.logic import ingest_frame
from pipelines.ingest.models import ChargingEvent
from pipelines.ingest.normalize import normalize
from pipelines.ingest.schemas import ocpp16_schemas, schema_problems
from tests.unit.ingest.frames import READ_AT, encode, envelope
from tests.unit.ingest.test_schemas import near_valid

SCHEMA = ocpp16_schemas()["MeterValues"]
RECEIVED_AT = datetime(2026, 11, 23, 10, 0, 0, 123000, tzinfo=UTC)
ENV = Envelope("stadtwerk-aachen", "CP-0001", "ocpp1.6", "upstream", "MeterValues", RECEIVED_AT, None)


UNITS: dict[str | None, list[str | None]] = {  # measurand -> units that fit it (None: the default unit)
    None: [None, "Wh", "kWh"],
    "Energy.Active.Import.Register": [None, "Wh", "kWh"],
    "Power.Active.Import": [None, "W", "kW"],
    "Current.Import": [None, "A"],
    "SoC": [None, "Percent"],
    "Temperature": ["Celsius", "K"],
    "Voltage": ["V"],
    "Energy.Active.Export.Register": ["Wh", "kWh"],
}
ENUM = SCHEMA.request["properties"]["meterValue"]["items"]["properties"]["sampledValue"]["items"]["properties"]
READINGS = st.sampled_from(["11000", "16.0", "0", "12.5", "99", "1e3", "0.5E1"]) | st.decimals(
    min_value=0, max_value=99, places=2, allow_nan=False
).map(str)
TIMESTAMPS = st.sampled_from(["2026-11-23T10:00:00Z", "2026-11-23T09:59:00.000Z", "2026-11-23t10:00:00.5+01:00"])
# a fault replaces a field with one of these, or deletes it, or adds an unknown field
FAULTY = st.sampled_from(
    [None, "", 5, 1.5, True, ["L1"], {"a": "b"}, "Bogus", "101", "-1", "1E+16", "NaN", "abc", 0, -1, 101, 2**40]
    + ["2026-02-30T10:00:00Z", "2026-11-23T10:00:00", "2026-11-26T10:00:00Z", "2020-01-01T00:00:00Z", []]
    + [ENUM[name]["enum"][-1] for name in OPTIONAL_FIELDS]
)


@st.composite
def sampled_values(draw: st.DrawFn) -> dict:
    """A valid sampled value the normalizer accepts: a unit that fits its measurand, SoC at most 100%."""
    measurand = draw(st.sampled_from(list(UNITS)))
    sv: dict[str, str | None] = {
        "value": draw(READINGS),
        "measurand": measurand,
        "unit": draw(st.sampled_from(UNITS[measurand])),
    }
    for name in ("phase", "location", "format", "context"):
        sv[name] = draw(st.none() | st.sampled_from(ENUM[name]["enum"]))
    return {name: value for name, value in sv.items() if value is not None}


@st.composite
def meter_values_payloads(draw: st.DrawFn) -> dict:
    """A valid MeterValues payload, half of the time with one fault: a field replaced, deleted or added."""
    elements = [
        {"timestamp": draw(TIMESTAMPS), "sampledValue": draw(st.lists(sampled_values(), min_size=1, max_size=4))}
        for _ in range(draw(st.integers(1, 2)))
    ]
    payload: dict = {"connectorId": draw(st.sampled_from([0, 1, 2, 100])), "meterValue": elements}
    if draw(st.booleans()):
        payload["transactionId"] = draw(st.sampled_from([42, 0, -7]))
    if draw(st.booleans()):
        containers: list = [payload, elements, *elements]
        containers += [sv for element in elements for sv in element["sampledValue"]]
        target = draw(st.sampled_from(containers))
        if type(target) is list:
            target.clear() if draw(st.booleans()) else target.append(draw(FAULTY))
        else:
            key = draw(st.sampled_from([*target, *OPTIONAL_FIELDS, "extra"]))
            if draw(st.booleans()):
                target.pop(key, None)
            else:
                target[key] = draw(FAULTY)
    return payload


def _long_way(payload: dict) -> list[ChargingEvent] | None:
    """The events of the schema check plus normalize, None when either rejects the payload."""
    valid = not schema_problems(SCHEMA.request, payload)
    assert valid == SCHEMA.check_request(payload)
    if not valid:
        return None
    try:
        return normalize(ENV, Frame(CALL, "m-1", payload))
    except IngestError:
        return None


def _agrees(payload: dict) -> bool:
    """The fast path accepts exactly what the long way accepts, with the same events (Decimals digit for digit)."""
    fast = meter_values_v16(ENV, Frame(CALL, "m-1", payload))
    slow = _long_way(payload)
    assert (fast is None) == (slow is None), (payload, fast, slow)
    assert repr(fast) == repr(slow)
    return fast is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(meter_values_payloads())
def test_fast_path_agrees_with_schema_and_normalize(payload: dict) -> None:
    _agrees(payload)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_valid(SCHEMA.request, SCHEMA.request))
def test_fast_path_agrees_on_schema_shaped_payloads(payload: object) -> None:
    if type(payload) is dict:  # parse_frame hands normalizers objects only
        _agrees(payload)


def test_fast_path_is_enabled_for_the_shipped_schema() -> None:
    assert ENABLED


def test_fast_path_takes_common_fleet_shapes() -> None:
    sampled = [
        {"value": "1830", "context": "Sample.Periodic", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": "11", "context": "Sample.Periodic", "measurand": "Power.Active.Import", "unit": "kW"},
        {"value": "16.0", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
        {"value": "15.5", "measurand": "Current.Import", "phase": "L2", "unit": "A"},
        {"value": "80", "measurand": "SoC", "unit": "Percent", "location": "EV"},
        {"value": "21.5", "measurand": "Temperature", "unit": "Celsius"},
    ]
    payload = {
        "connectorId": 1,
        "transactionId": 7,
        "meterValue": [{"timestamp": "2026-11-23T10:00:00Z", "sampledValue": sampled}],
    }
    assert _agrees(payload)
    [event] = meter_values_v16(ENV, Frame(CALL, "m-1", payload)) or []
    assert (event.meter_wh, event.power_w, event.current_a, event.soc_percent) == (1830, 11000, 16, 80)


def test_rejects_still_get_the_full_reason_through_ingest_frame() -> None:
    payload = {
        "connectorId": 1,
        "meterValue": [{"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [{"value": "1", "unit": "Bogus"}]}],
    }
    letter = ingest_frame(
        encode(envelope([2, "m-1", "MeterValues", payload])), source_topic="t", partition=0, offset=0, read_at=READ_AT
    )
    assert not isinstance(letter, list)
    assert "sampledValue[0].unit" in letter.reason and "Bogus" in letter.reason


def test_verdict_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast_meter_values, "MAX_CACHED_VERDICTS", 3)
    fast_meter_values._VERDICTS.clear()
    for n in range(10):
        sv = {"value": "1", "unit": "Wh", "context": ["Sample.Periodic", "Other", "Trigger", "Sample.Clock"][n % 4]}
        assert meter_values_v16(
            ENV,
            Frame(
                CALL,
                "m",
                {"connectorId": 1, "meterValue": [{"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [sv]}]},
            ),
        )
        assert len(fast_meter_values._VERDICTS) <= 3


@pytest.mark.parametrize("junk", [["Wh"], {"unit": "Wh"}])
def test_unhashable_fields_give_up_instead_of_raising(junk: object) -> None:
    payload = {
        "connectorId": 1,
        "meterValue": [{"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [{"value": "1", "unit": junk}]}],
    }
    assert meter_values_v16(ENV, Frame(CALL, "m", payload)) is None
