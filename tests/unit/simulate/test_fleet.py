"""The simulated day: deterministic bytes, schema-valid OCPP, and the expected sessions the frames imply."""

import contextlib
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import jsonschema
import ocpp
import orjson
import pytest

from jobs.simulate.fleet import simulate_day
from pipelines.catalog.load import load_catalog

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"
DAY = date(2026, 11, 23)
BAD_ACTIONS = {"GetBatteryHealth", "VendorPing"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(SAMPLE)


@pytest.fixture(scope="module")
def day(catalog):
    return simulate_day(catalog, seed=7, day=DAY, charge_points=None, bad_frame_share=0.005)


SCHEMAS = Path(ocpp.__file__).parent / "v16" / "schemas"
_validators: dict = {}


def validate(message_type: int, action: str, payload: dict) -> None:
    """Raises jsonschema.ValidationError unless the payload fits ocpp's official OCPP 1.6 schema."""
    name = action if message_type == 2 else f"{action}Response"
    if name not in _validators:
        schema = orjson.loads((SCHEMAS / f"{name}.json").read_bytes())
        _validators[name] = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    _validators[name].validate(payload)


_decoded: dict = {}


def decoded(result):
    """(frame, envelope) for every frame that parses as JSON."""
    if id(result) in _decoded:
        return _decoded[id(result)]
    out = []
    for frame in result.frames:
        with contextlib.suppress(orjson.JSONDecodeError):
            out.append((frame, orjson.loads(frame.value)))
    _decoded[id(result)] = out
    return out


def test_same_seed_same_bytes_other_seed_other_bytes(catalog):
    first = simulate_day(catalog, seed=11, day=DAY, charge_points=4, bad_frame_share=0.01)
    again = simulate_day(catalog, seed=11, day=DAY, charge_points=4, bad_frame_share=0.01)
    other = simulate_day(catalog, seed=12, day=DAY, charge_points=4, bad_frame_share=0.01)
    assert [(f.at, f.key, f.value) for f in first.frames] == [(f.at, f.key, f.value) for f in again.frames]
    assert first.expected == again.expected
    assert [f.value for f in first.frames] != [f.value for f in other.frames]


def test_a_day_of_twenty_charge_points_has_the_promised_volume(day):
    assert 150 <= len(day.expected) <= 600
    assert 10_000 <= len(day.frames) <= 60_000
    assert len({e.charge_point_id for e in day.expected}) == 20
    assert day.faults >= 1 and day.refused_authorizations >= 1
    assert sum(e.idle_seconds > 0 for e in day.expected) >= 10
    assert [f.at for f in day.frames] == sorted(f.at for f in day.frames)
    assert all(f.at.utcoffset().total_seconds() == 0 for f in day.frames)


def test_every_good_frame_validates_against_the_ocpp16_schemas(day):
    checked, violations = 0, []
    for frame, envelope in decoded(day):
        message = envelope["message"]
        if envelope["action"] in BAD_ACTIONS:
            continue
        assert frame.key == envelope["charge_point_id"].encode() and envelope["protocol"] == "ocpp1.6"
        assert envelope["received_at"].endswith("Z")
        if message[0] == 2:
            assert message[2] == envelope["action"] and envelope["direction"] == "upstream"
        else:
            assert message[0] == 3 and envelope["direction"] == "downstream"
        try:
            validate(message[0], envelope["action"], message[3] if message[0] == 2 else message[2])
            checked += 1
        except jsonschema.ValidationError:
            violations.append(envelope["action"])
    assert len(violations) == day.bad_frames["schema_violation"]  # exactly the planted ones fail
    assert set(violations) <= {"StatusNotification", "MeterValues", "Heartbeat"}
    assert checked > 10_000


def test_bad_frames_are_counted_by_class(day):
    counts = day.bad_frames
    assert set(counts) == {"not_json", "schema_violation", "unknown_action", "unknown_transaction"}
    total_good = len(day.frames) - sum(counts.values())
    assert abs(sum(counts.values()) - round(total_good * 0.005)) <= 1
    not_json = len(day.frames) - len(decoded(day))
    assert not_json == counts["not_json"]
    unknown_actions = sum(env["action"] in BAD_ACTIONS for _, env in decoded(day))
    assert unknown_actions == counts["unknown_action"]


def test_no_bad_frames_when_share_is_zero(catalog):
    result = simulate_day(catalog, seed=3, day=DAY, charge_points=2, bad_frame_share=0)
    assert result.bad_frames == {} and len(decoded(result)) == len(result.frames)


def test_expected_sessions_match_the_meter_readings_in_the_frames(day):
    starts, confirmed, stops = {}, {}, {}
    for _, env in decoded(day):
        message = env["message"]
        if env["action"] == "StartTransaction" and message[0] == 2:
            starts[(env["charge_point_id"], message[1])] = message[3]
        elif env["action"] == "StartTransaction" and message[0] == 3:
            confirmed[message[2]["transactionId"]] = (env["charge_point_id"], message[1])
        elif env["action"] == "StopTransaction" and message[0] == 2:
            stops[message[3]["transactionId"]] = message[3]
    assert len(day.expected) == len(confirmed)
    for expected in day.expected:
        start = starts[confirmed[expected.transaction_id]]
        stop = stops[expected.transaction_id]
        assert expected.energy_wh == Decimal(stop["meterStop"] - start["meterStart"]) > 0
        assert start["connectorId"] == expected.connector_id and start["idTag"] == expected.id_tag
        assert stop["timestamp"] == expected.stopped_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert expected.session_id == f"{expected.tenant_id}/{expected.charge_point_id}/{expected.transaction_id}"


def test_meter_registers_only_grow_per_connector(day):
    readings = defaultdict(list)
    connectors = {e.transaction_id: e.connector_id for e in day.expected}
    for _, env in decoded(day):
        message = env["message"]
        if message[0] != 2 or env["action"] not in ("StartTransaction", "MeterValues", "StopTransaction"):
            continue
        payload = message[3]
        if env["action"] == "StopTransaction":
            if payload["transactionId"] >= 1_999_000_000:
                continue
            connector = connectors[payload["transactionId"]]
            value = payload["meterStop"]
        elif env["action"] == "StartTransaction":
            connector, value = payload["connectorId"], payload["meterStart"]
        else:
            if not isinstance(payload["connectorId"], int):
                continue
            connector = payload["connectorId"]
            sampled = payload["meterValue"][0]["sampledValue"]
            registers = [s["value"] for s in sampled if s.get("measurand") == "Energy.Active.Import.Register"]
            if not registers:
                continue
            value = int(registers[0])
        readings[(env["charge_point_id"], connector)].append(value)
    assert readings
    for values in readings.values():
        assert values == sorted(values)


def test_dc_power_tapers_as_the_battery_fills(day):
    socs_and_powers = defaultdict(list)
    for _, env in decoded(day):
        if env["action"] == "MeterValues" and not _is_planted_bad(env):
            payload = env["message"][3]
            values = {s["measurand"]: s["value"] for s in payload["meterValue"][0]["sampledValue"]}
            if "SoC" in values and float(values["Power.Active.Import"]) > 0:
                socs_and_powers[payload["transactionId"]].append(
                    (int(values["SoC"]), float(values["Power.Active.Import"]))
                )
    tapered = [s for s in socs_and_powers.values() if s[0][0] < 50 and s[-1][0] > 75 and s[-1][1] < s[0][1] * 0.7]
    assert len(tapered) >= 5


def test_fault_interrupts_a_session(day):
    faulted = [e for e in day.expected if e.fault is not None]
    assert faulted and all(e.stop_reason in ("EmergencyStop", "Other", "PowerLoss") for e in faulted)
    statuses = [env["message"][3] for _, env in decoded(day) if env["action"] == "StatusNotification"]
    assert {s["errorCode"] for s in statuses if s.get("status") == "Faulted"} >= {faulted[0].fault}


def test_asking_for_more_charge_points_than_the_catalog_has_is_an_error(catalog):
    with pytest.raises(ValueError, match="has 20 chargers"):
        simulate_day(catalog, seed=1, day=DAY, charge_points=21, bad_frame_share=0)


def _is_planted_bad(env) -> bool:
    """Schema violations and unknown transactions are valid JSON; recognise them by what makes them bad."""
    message = env["message"]
    if message[0] != 2:
        return False
    if env["action"] == "StopTransaction":
        return message[3]["transactionId"] >= 1_999_000_000
    try:
        validate(2, env["action"], message[3])
    except jsonschema.ValidationError:
        return True
    return False


def test_the_real_ingest_stage_accepts_every_good_frame_and_dead_letters_the_planted_ones(day):
    from datetime import UTC, datetime

    from pipelines.ingest.logic import ingest_frame

    dead = Counter()
    for offset, frame in enumerate(day.frames):
        result = ingest_frame(frame.value, source_topic="t", partition=0, offset=offset, read_at=datetime.now(UTC))
        if not isinstance(result, list):
            dead[result.error_class.value] += 1
    planted = {k: v for k, v in day.bad_frames.items() if k != "unknown_transaction"}  # the sessions stage's job
    assert dict(dead) == planted
