import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.ingest.schemas import (
    _DATE_TIME,
    _DATE_TIME_VERDICTS,
    MAX_CACHED_DATE_TIMES,
    compile_schema,
    is_date_time,
    is_multiple_of,
    ocpp16_schemas,
    ocpp201_schemas,
    schema_problems,
)

ACTIONS = ocpp16_schemas()
ACTIONS_V201 = ocpp201_schemas()
anything = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-10, 10) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


def near_valid(schema: dict, root: dict, depth: int = 0) -> st.SearchStrategy:
    """Mostly valid instances of the schema, with wrong types, bad enums and extra keys mixed in."""
    if "$ref" in schema:
        node = root
        for part in schema["$ref"][2:].split("/"):
            node = node[part]
        return near_valid(node, root, depth)
    kind = schema.get("type")
    if "enum" in schema:
        good = st.sampled_from(schema["enum"])
    elif kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        good = st.fixed_dictionaries(
            {k: near_valid(v, root, depth + 1) for k, v in props.items() if k in required},
            optional={k: near_valid(v, root, depth + 1) for k, v in props.items() if k not in required},
        )
    elif kind == "array":
        good = st.lists(near_valid(schema.get("items", {}), root, depth + 1), max_size=3)
    elif kind == "string":
        good = st.sampled_from(["2026-11-23T10:00:00Z", "2026-11-23t10:00:00.5+01:00", "x" * 21, "abc", ""])
    elif kind == "integer":
        good = st.integers(-3, 10**6)
    elif kind == "number":
        good = st.sampled_from([0, 7.3, 0.30000000000000004, 16, 2.5, -1])
    elif kind == "boolean":
        good = st.booleans()
    else:
        good = anything
    return st.one_of(good, good, good, good, anything) if depth < 6 else good


@pytest.mark.parametrize(
    ("action", "side"),
    [
        (a, s)
        for a in (
            "MeterValues",
            "StartTransaction",
            "StopTransaction",
            "StatusNotification",
            "SetChargingProfile",
            "BootNotification",
            "GetConfiguration",
            "SendLocalList",
            "GetCompositeSchedule",
        )
        for s in ("request", "response")
    ],
)
def test_compiled_check_agrees_with_jsonschema(action, side):
    assert_agreement(getattr(ACTIONS[action], side))


@pytest.mark.parametrize(
    ("action", "side"),
    [
        ("TransactionEvent", "request"),
        ("TransactionEvent", "response"),
        ("MeterValues", "request"),
        ("StatusNotification", "request"),
        ("Authorize", "response"),
        ("SetChargingProfile", "request"),
    ],
)
def test_compiled_2_0_1_check_agrees_with_jsonschema(action, side):
    assert_agreement(getattr(ACTIONS_V201[action], side))


def assert_agreement(schema: dict) -> None:
    check = compile_schema(schema)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(near_valid(schema, schema))
    def agree(instance):
        assert check(instance) == (schema_problems(schema, instance) == []), schema_problems(schema, instance)

    agree()


def test_all_ocpp16_actions_compile_with_direction():
    assert {"MeterValues", "StartTransaction", "RemoteStartTransaction", "DataTransfer"} <= set(ACTIONS)
    assert ACTIONS["MeterValues"].call_direction == "upstream"
    assert ACTIONS["RemoteStartTransaction"].call_direction == "downstream"
    assert ACTIONS["DataTransfer"].call_direction is None


def test_all_ocpp201_actions_compile_with_direction():
    assert len(ACTIONS_V201) == 64 and {"TransactionEvent", "RequestStartTransaction", "NotifyReport"} <= set(
        ACTIONS_V201
    )
    assert ACTIONS_V201["TransactionEvent"].call_direction == "upstream"
    assert ACTIONS_V201["PublishFirmwareStatusNotification"].call_direction == "upstream"
    assert ACTIONS_V201["RequestStopTransaction"].call_direction == "downstream"
    assert ACTIONS_V201["DataTransfer"].call_direction is None
    assert "StartTransaction" not in ACTIONS_V201 and "TransactionEvent" not in ACTIONS


def test_integers_written_as_floats_are_rejected_by_both_verdicts():
    meter_values = ACTIONS_V201["MeterValues"]  # a Draft 6 schema: Draft 6 itself would take 1.0 as an integer
    element = {"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [{"value": 1}]}
    assert meter_values.check_request({"evseId": 1, "meterValue": [element]})
    assert not meter_values.check_request({"evseId": 1.0, "meterValue": [element]})
    assert schema_problems(meter_values.request, {"evseId": 1.0, "meterValue": [element]}) == [
        "evseId: 1.0 is not of type 'integer' (rule type)"
    ]


def test_unsupported_keyword_fails_loudly():
    with pytest.raises(ValueError, match="pattern"):
        compile_schema({"type": "string", "pattern": "^a"})


def test_multiple_of_uses_the_written_decimals():
    assert is_multiple_of(7.3, 0.1) and is_multiple_of(16, 0.1) and not is_multiple_of(7.35, 0.1)


def test_problems_are_readable_and_capped():
    schema = ACTIONS["BootNotification"].request
    problems = schema_problems(schema, {"chargePointModel": 1, "chargePointVendor": "v" * 30})
    assert problems == [
        "chargePointModel: 1 is not of type 'string' (rule type)",
        f"chargePointVendor: '{'v' * 30}' is too long (rule maxLength)",
    ]


@given(st.sampled_from(["2026-11-23T06:01:00Z", "2026-11-23t06:01:00.5+02:00", "2026-11-23 06:01:00Z", ""]) | st.text())
def test_cached_date_time_verdict_is_the_regex_verdict(text):
    expected = _DATE_TIME.fullmatch(text) is not None
    assert is_date_time(text) is expected
    assert is_date_time(text) is expected  # the second answer comes from the cache


def test_date_time_cache_stays_bounded():
    for n in range(MAX_CACHED_DATE_TIMES + 10):
        is_date_time(f"2026-11-23T06:01:00.{n}Z")
    is_date_time("2026-11-23T06:01:00Z" + "0" * 100)
    assert len(_DATE_TIME_VERDICTS) <= MAX_CACHED_DATE_TIMES
    assert all(len(text) <= 40 for text in _DATE_TIME_VERDICTS)
