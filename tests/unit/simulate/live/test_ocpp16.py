"""Plans -> OCPP 1.6 calls: schema-valid, in causal order, and carrying the meter readings the plan implies."""

from datetime import timedelta
from itertools import pairwise

import pytest

from jobs.simulate.live import ocpp16
from jobs.simulate.live.steps import OCPP16
from jobs.simulate.plan import RefusedPlan, SessionPlan
from jobs.simulate.schedule import plan_fleet
from tests.unit.simulate.live.conftest import DAY, calls, schema_problems, sent_payload

PLACEHOLDER = 424_242


@pytest.fixture(scope="module")
def days(catalog):
    return plan_fleet(catalog, seed=5, day=DAY, charge_points=None)


def first(days, predicate):
    return next(plan for d in days for plan in d.plans if predicate(plan))


def actions(steps) -> list[str]:
    return [type(step.request).__name__ for step in steps]


def test_every_call_of_a_16_station_fits_the_official_schema(live_day):
    checked = 0
    for script in live_day.scripts:
        if script.protocol != OCPP16:
            continue
        for request in calls(script):
            assert schema_problems(OCPP16, request) == [], type(request).__name__
            checked += 1
    assert checked > 1_000


def test_boot_announces_every_connector_then_heartbeats_every_ten_minutes(days):
    planned = days[0]
    steps = sorted(ocpp16.station_steps(planned, _placeholders(planned)), key=lambda s: s.at)
    assert actions(steps[:1]) == ["BootNotification"] and steps[0].at == planned.booted
    statuses = [sent_payload(s.request) for s in steps[1:] if s.at == planned.booted + timedelta(seconds=2)]
    assert [s["connectorId"] for s in statuses] == [
        0,
        *(c.connector_id for c in planned.charge_point.charger.connectors),
    ]
    beats = [s.at for s in steps if actions([s]) == ["Heartbeat"]]
    assert all(b - a == timedelta(minutes=10) for a, b in pairwise(beats))
    assert beats[-1] < planned.closes <= beats[-1] + timedelta(minutes=10)


def test_a_session_runs_from_preparing_through_start_meter_values_and_stop_to_available(days):
    plan = first(days, lambda p: isinstance(p, SessionPlan) and p.fault is None and p.full_at is not None)
    steps = sorted(ocpp16.session_steps(plan, PLACEHOLDER), key=lambda s: s.at)  # as the script orders them
    names = actions(steps)
    assert names[:4] == ["StatusNotification", "Authorize", "StartTransaction", "StatusNotification"]
    assert names[-3:] == ["StopTransaction", "StatusNotification", "StatusNotification"]
    payloads = [sent_payload(s.request) for s in steps]
    assert [p["status"] for p in payloads if "status" in p] == [
        "Preparing", "Charging", "SuspendedEV", "Finishing", "Available"
    ]  # fmt: skip
    start, stop = payloads[2], payloads[-3]
    assert (
        steps[2].opens == PLACEHOLDER and start["meterStart"] == plan.meter_start_wh and start["idTag"] == plan.id_tag
    )
    assert stop["transactionId"] == PLACEHOLDER and stop["meterStop"] == plan.meter_stop_wh
    assert stop["reason"] == plan.reason.value
    begin, end = stop["transactionData"]
    assert (begin["sampledValue"][0]["context"], begin["sampledValue"][0]["value"]) == (
        "Transaction.Begin", str(plan.meter_start_wh)
    )  # fmt: skip
    assert (end["sampledValue"][0]["context"], end["sampledValue"][0]["value"]) == (
        "Transaction.End", str(plan.meter_stop_wh)
    )  # fmt: skip
    meter = [p for p in payloads if "meterValue" in p]
    assert meter and all(p["transactionId"] == PLACEHOLDER for p in meter)
    registers = [int(p["meterValue"][0]["sampledValue"][0]["value"]) for p in meter]
    assert (
        plan.meter_start_wh <= registers[0] and registers == sorted(registers) and registers[-1] <= plan.meter_stop_wh
    )


def test_a_fault_is_reported_as_faulted_with_its_error_code_before_the_stop(days):
    plan = first(days, lambda p: isinstance(p, SessionPlan) and p.fault is not None)
    payloads = [(type(s.request).__name__, sent_payload(s.request)) for s in ocpp16.session_steps(plan, PLACEHOLDER)]
    faulted = [i for i, (_, p) in enumerate(payloads) if p.get("status") == "Faulted"]
    stop = [i for i, (name, _) in enumerate(payloads) if name == "StopTransaction"]
    assert len(faulted) == 1 and stop == [faulted[0] + 1]
    assert payloads[faulted[0]][1]["errorCode"] == plan.fault.error_code.value
    assert payloads[stop[0]][1]["reason"] == plan.fault.reason.value and "idTag" not in payloads[stop[0]][1]


def test_a_refused_card_is_asked_for_and_the_connector_freed_without_a_transaction(days):
    plan = first(days, lambda p: isinstance(p, RefusedPlan))
    steps = ocpp16.refused_steps(plan)
    assert actions(steps) == ["StatusNotification", "Authorize", "StatusNotification"]
    assert sent_payload(steps[1].request) == {"idTag": plan.id_tag}
    assert steps[-1].at == plan.free_at and all(s.opens is None for s in steps)


def _placeholders(planned):
    return {id(p): PLACEHOLDER + n for n, p in enumerate(planned.plans) if isinstance(p, SessionPlan)}
