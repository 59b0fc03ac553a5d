"""Request checks: valid payloads pass fast, each kind of schema violation maps to its fault."""

import pytest

from pipelines.gateway.decisions import STATION_ACTIONS
from pipelines.gateway.frames import OCPP16, OCPP201, Fault
from pipelines.gateway.schemas import request_schemas

START = {"connectorId": 1, "idTag": "TAG", "meterStart": 0, "timestamp": "2026-11-23T10:00:00Z"}


def test_every_station_action_has_a_compiled_request_schema():
    for protocol in (OCPP16, OCPP201):
        assert set(request_schemas(protocol)) == STATION_ACTIONS[protocol]


@pytest.mark.parametrize(
    ("payload", "fault", "fragment"),
    [
        (START, None, None),
        ({k: v for k, v in START.items() if k != "idTag"}, Fault.MISSING_FIELD, "idTag"),
        ({**START, "bonus": 1}, Fault.UNEXPECTED_FIELD, "bonus"),
        ({**START, "connectorId": "one"}, Fault.WRONG_TYPE, "connectorId"),
        ({**START, "idTag": "X" * 21}, Fault.WRONG_TYPE, "idTag"),
        ({**START, "timestamp": "yesterday"}, Fault.BAD_VALUE, "timestamp"),
    ],
)
def test_faults_of_ocpp16_start_transaction(payload, fault, fragment):
    problem = request_schemas(OCPP16)["StartTransaction"].problem(payload)
    if fault is None:
        assert problem is None
    else:
        assert problem[0] is fault and fragment in problem[1]


def test_faults_of_ocpp201():
    status = request_schemas(OCPP201)["StatusNotification"]
    good = {"timestamp": "2026-11-23T10:00:00Z", "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1}
    assert status.problem(good) is None
    assert status.problem({**good, "connectorStatus": "Sleepy"})[0] is Fault.BAD_VALUE
    meter = request_schemas(OCPP201)["MeterValues"]
    assert meter.problem({"evseId": 1, "meterValue": []})[0] is Fault.OCCURRENCE
