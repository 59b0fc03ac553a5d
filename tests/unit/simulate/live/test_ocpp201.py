"""Plans -> OCPP 2.0.1 calls: schema-valid TransactionEvents numbered by seqNo, with the plan's meter readings."""

import pytest

from jobs.simulate.live import ocpp201
from jobs.simulate.live.steps import OCPP201
from jobs.simulate.plan import RefusedPlan, SessionPlan
from jobs.simulate.schedule import plan_fleet
from pipelines.catalog.models import PowerType
from tests.unit.simulate.live.conftest import DAY, calls, schema_problems, sent_payload

TX = "0f6c1f0e-2f5b-4a53-9d0c-7f3a1b2c4d5e"


@pytest.fixture(scope="module")
def days(catalog):
    return plan_fleet(catalog, seed=5, day=DAY, charge_points=None)


def first(days, predicate):
    return next(plan for d in days for plan in d.plans if predicate(plan))


def events(plan: SessionPlan) -> list[dict]:
    """The TransactionEvent payloads of a session in the order the station sends them."""
    steps = sorted(ocpp201.session_steps(plan, TX), key=lambda s: s.at)
    return [sent_payload(s.request) for s in steps if type(s.request).__name__ == "TransactionEvent"]


def energy(event: dict) -> tuple[str, float]:
    (reading,) = [
        v for v in event["meterValue"][0]["sampledValue"] if v["measurand"] == "Energy.Active.Import.Register"
    ]
    assert reading["unitOfMeasure"] == {"unit": "Wh"}
    return reading["context"], reading["value"]


def test_every_call_of_a_201_station_fits_the_official_schema(live_day):
    checked = 0
    for script in live_day.scripts:
        if script.protocol != OCPP201:
            continue
        for request in calls(script):
            assert schema_problems(OCPP201, request) == [], type(request).__name__
            checked += 1
    assert checked > 1_000


def test_a_transaction_is_started_updated_and_ended_with_consecutive_seq_numbers(days):
    plan = first(days, lambda p: isinstance(p, SessionPlan) and p.fault is None and p.full_at is not None)
    sent = events(plan)
    assert [e["eventType"] for e in sent] == ["Started", *["Updated"] * (len(sent) - 2), "Ended"]
    assert [e["seqNo"] for e in sent] == list(range(len(sent)))
    assert {e["transactionInfo"]["transactionId"] for e in sent} == {TX}
    started, ended = sent[0], sent[-1]
    assert started["triggerReason"] == "Authorized" and started["idToken"] == {
        "idToken": plan.id_tag,
        "type": "ISO14443",
    }
    assert started["evse"] == {"id": plan.connector.connector_id, "connectorId": 1}
    assert energy(started) == ("Transaction.Begin", plan.meter_start_wh)
    assert energy(ended) == ("Transaction.End", plan.meter_stop_wh)
    assert ended["transactionInfo"]["stoppedReason"] == plan.reason.value
    periodic = [e for e in sent if e["triggerReason"] == "MeterValuePeriodic"]
    registers = [energy(e)[1] for e in periodic]
    assert periodic and registers == sorted(registers) and plan.meter_start_wh <= registers[0] <= plan.meter_stop_wh


def test_charging_state_turns_suspended_ev_when_the_car_is_full(days):
    plan = first(days, lambda p: isinstance(p, SessionPlan) and p.fault is None and p.full_at is not None)
    sent = events(plan)
    changed = [i for i, e in enumerate(sent) if e["triggerReason"] == "ChargingStateChanged"]
    assert len(changed) == 1 and "meterValue" not in sent[changed[0]]
    states = [e["transactionInfo"]["chargingState"] for e in sent[:-1]]
    assert set(states[: changed[0]]) == {"Charging"} and set(states[changed[0] :]) == {"SuspendedEV"}


def test_periodic_readings_carry_power_current_and_for_dc_the_state_of_charge(days):
    plan = first(days, lambda p: isinstance(p, SessionPlan) and p.connector.power_type is PowerType.DC)
    periodic = [e for e in events(plan) if e["triggerReason"] == "MeterValuePeriodic"]
    units = {v["measurand"]: v["unitOfMeasure"]["unit"] for e in periodic for v in e["meterValue"][0]["sampledValue"]}
    assert units == {"Energy.Active.Import.Register": "Wh", "Power.Active.Import": "W", "Current.Import": "A",
                     "SoC": "Percent"}  # fmt: skip
    contexts = {v["context"] for e in periodic for v in e["meterValue"][0]["sampledValue"]}
    assert contexts == {"Sample.Periodic"}


@pytest.mark.parametrize(
    ("kind", "trigger", "token"),
    [
        ("fault", "AbnormalCondition", False),
        ("local", "StopAuthorized", True),
        ("unplug", "EVCommunicationLost", False),
    ],
)
def test_how_a_transaction_ends_names_its_trigger_and_reason(days, kind, trigger, token):
    wanted = {
        "fault": lambda p: p.fault is not None,
        "local": lambda p: p.fault is None and p.visit.stops_locally,
        "unplug": lambda p: p.fault is None and not p.visit.stops_locally,
    }[kind]
    plan = first(days, lambda p: isinstance(p, SessionPlan) and wanted(p))
    ended = events(plan)[-1]
    assert ended["triggerReason"] == trigger and ("idToken" in ended) is token
    assert ended["transactionInfo"]["stoppedReason"] == plan.reason.value


def test_a_fault_is_a_faulted_connector_before_the_transaction_ends(days):
    plan = first(days, lambda p: isinstance(p, SessionPlan) and p.fault is not None)
    steps = sorted(ocpp201.session_steps(plan, TX), key=lambda s: s.at)
    payloads = [sent_payload(s.request) for s in steps]
    statuses = [p["connectorStatus"] for p in payloads if "connectorStatus" in p]
    assert statuses == ["Occupied", "Faulted", "Available"]
    faulted = next(i for i, p in enumerate(payloads) if p.get("connectorStatus") == "Faulted")
    assert payloads[faulted + 1]["eventType"] == "Ended" and steps[-1].at == plan.fault.repaired_at


def test_a_refused_card_is_asked_for_without_a_transaction(days):
    plan = first(days, lambda p: isinstance(p, RefusedPlan))
    payloads = [sent_payload(s.request) for s in ocpp201.refused_steps(plan)]
    assert payloads[1] == {"idToken": {"idToken": plan.id_tag, "type": "ISO14443"}}
    assert [p.get("connectorStatus") for p in payloads] == ["Occupied", None, "Available"]
    assert {p.get("evseId") for p in payloads} == {plan.connector.connector_id, None}
