from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from pipelines.catalog.models import Catalog, Site, Token
from pipelines.catalog.view import CatalogView
from pipelines.flags.models import Flag, FlagType, Severity, SubjectType, raise_flag
from pipelines.notify.compose import notification_key
from pipelines.notify.kinds import NotificationKind as K
from pipelines.notify.route import ActiveSessions, Once, cost_notifications, flag_notifications, rated_notifications
from pipelines.rating.models import LineItem, RatedSession
from pipelines.rating.running import RunningCost
from pipelines.sessions.models import MISSING_STOP, ClosedSession
from tests.unit.notify.facts import NOW, START, account, tenant


def catalog(**account_fields) -> CatalogView:
    return CatalogView.from_catalog(Catalog(tenants=[tenant()], accounts=[account(**account_fields)]))


def line(amount: str, description: str = "Energy") -> LineItem:
    return LineItem("ENERGY", 0, D(1), "kWh", D(1), 1, D(amount), None, D(amount), description)


def rated(revision: int = 1, stop_reason: str = "Local", anomalies: tuple = (), account_id: str | None = "A1"):
    closed = ClosedSession(
        session_id="t1/CP-7/99", tenant_id="t1", charge_point_id="CP-7", connector_id=1, transaction_id="99",
        id_tag="TAG", started_at=START, stopped_at=START + timedelta(minutes=125), meter_start_wh=D(0),
        meter_stop_wh=D(20450), energy_wh=D(20450), stop_reason=stop_reason, periods=(), revision=revision,
        anomalies=anomalies,
    )  # fmt: skip
    lines = (line("8.1234"), line("1.005", "Idle fee"))
    return RatedSession(closed, "T", "EUR", "S", account_id, D("20.45"), D(2), D(0), D("9.1284"), D("9.1284"),
                        lines, NOW)  # fmt: skip


def cost(session_id: str = "t1/CP-7/99", incl: str = "5") -> RunningCost:
    return RunningCost(
        session_id=session_id, tenant_id="t1", charge_point_id="CP-7", connector_id=1, transaction_id="99",
        id_tag="TAG", account_id="A1", site_id="S", tariff_id="T", currency="EUR", started_at=START, as_of=NOW,
        energy_kwh=D(10), duration_h=D(1), parking_time_h=D(0), cost_excl_vat=D(incl), cost_incl_vat=D(incl),
        priced_at=NOW,
    )  # fmt: skip


def test_a_rated_session_gets_its_receipt_keyed_by_revision():
    (note,) = rated_notifications(rated(), catalog(), now=NOW)
    assert note.kind == "session_completed" and note.subject == "Charging complete at CP-7: EUR 9.13"
    assert "Energy: EUR 8.12\nIdle fee: EUR 1.01\nTotal incl. VAT: EUR 9.13" in note.body
    assert note.notification_id == notification_key(K.SESSION_COMPLETED, "t1", "t1/CP-7/99/r1")
    (again,) = rated_notifications(rated(), catalog(), now=NOW + timedelta(hours=1))
    assert again.notification_id == note.notification_id  # a redelivery: the same key
    (corrected,) = rated_notifications(rated(revision=2), catalog(), now=NOW)
    assert corrected.notification_id != note.notification_id  # a corrected revision: a corrected receipt


def test_provisional_and_interrupted_sessions_also_get_a_charging_problem():
    receipt, problem = rated_notifications(rated(anomalies=(MISSING_STOP,)), catalog(), now=NOW)
    assert (receipt.kind, problem.kind, problem.urgent) == ("session_completed", "charging_problem", True)
    assert "provisional" in problem.body
    _, interrupted = rated_notifications(rated(stop_reason="PowerLoss", revision=2), catalog(), now=NOW)
    assert "was interrupted (PowerLoss)" in interrupted.body
    _, again = rated_notifications(rated(stop_reason="PowerLoss", revision=3), catalog(), now=NOW)
    assert again.notification_id == interrupted.notification_id  # once per session, whatever the revision


def test_nobody_to_tell():
    assert rated_notifications(rated(account_id=None), catalog(), now=NOW) == []
    assert rated_notifications(rated(account_id="OTHER"), catalog(), now=NOW) == []
    assert rated_notifications(rated(), catalog(channels=["sms"]), now=NOW) == []


def test_session_started_once_and_the_limit_once_when_passed():
    view, seen = catalog(notification_policy={"running_cost_limit": "10"}), Once()
    (started,) = cost_notifications(cost(incl="5"), view, seen, now=NOW)
    assert (started.kind, started.urgent) == ("session_started", True)
    assert cost_notifications(cost(incl="9.99"), view, seen, now=NOW) == []
    (limit,) = cost_notifications(cost(incl="10.01"), view, seen, now=NOW)
    assert limit.kind == "running_cost_limit" and "EUR 10.01" in limit.body and "EUR 10.00" in limit.body
    assert cost_notifications(cost(incl="20"), view, seen, now=NOW) == []
    assert [n.kind for n in cost_notifications(cost("t1/CP-7/100", "11"), view, seen, now=NOW)] == [
        "session_started",
        "running_cost_limit",
    ]


def test_no_limit_without_a_policy_and_once_forgets_the_oldest():
    view, seen = catalog(), Once(capacity=2)
    assert [n.kind for n in cost_notifications(cost(incl="1000"), view, seen, now=NOW)] == ["session_started"]
    for other in ("x", "y"):
        seen.first(other)
    assert [n.kind for n in cost_notifications(cost(incl="1000"), view, seen, now=NOW)] == ["session_started"]


def test_dates_follow_the_accounts_time_zone():
    view = catalog(notification_policy={"time_zone": "Europe/Berlin"})
    (started,) = cost_notifications(replace(cost(), started_at=datetime(2026, 7, 1, 8, tzinfo=UTC)), view, Once(),
                                    now=NOW)  # fmt: skip
    assert "Jul 1, 2026, 10:00:00\u202fAM CEST" in started.body


def flag(kind: FlagType, subject: tuple[SubjectType, str], evidence: dict) -> Flag:
    return raise_flag("t1", kind, Severity.WARNING, subject, keys=("k",), evidence=evidence, at=NOW)


def with_token(**account_fields) -> CatalogView:
    token = Token(uid="04A1B2C3D4", tenant_id="t1", account_id="A1", status="blocked")
    return CatalogView.from_catalog(Catalog(tenants=[tenant()], accounts=[account(**account_fields)], tokens=[token]))


def test_a_blocked_or_expired_card_tells_its_account_once_per_flag():
    evidence = {"id_tag": "04A1B2C3D4", "charge_point_id": "CP-7", "session_id": "s"}
    blocked = flag(FlagType.BLOCKED_TOKEN_USED, (SubjectType.TOKEN, "04A1B2C3D4"), evidence)
    (note,) = flag_notifications(blocked, with_token(), ActiveSessions(), now=NOW)
    assert (note.kind, note.urgent, note.trigger_id) == ("blocked_card", True, blocked.flag_id)
    assert "refused at CP-7" in note.body and "blocked" in note.body and "04A1B2" not in note.body
    expired = flag(FlagType.EXPIRED_TOKEN_USED, (SubjectType.TOKEN, "04A1B2C3D4"), evidence)
    assert "expired" in flag_notifications(expired, with_token(), ActiveSessions(), now=NOW)[0].body
    unknown = flag(FlagType.BLOCKED_TOKEN_USED, (SubjectType.TOKEN, "NOT-IN-CATALOG"), evidence)
    assert flag_notifications(unknown, with_token(), ActiveSessions(), now=NOW) == []


def test_a_station_fault_tells_the_drivers_charging_there_now():
    active = ActiveSessions()
    active.saw(cost("t1/CP-7/1"))
    active.saw(replace(cost("t1/CP-7/2"), as_of=NOW - timedelta(hours=1)))  # long ago: not charging any more
    active.saw(replace(cost("t1/CP-8/3"), charge_point_id="CP-8"))
    active.saw(cost("t1/CP-7/4"))
    active.closed("t1/CP-7/4")
    fault = flag(FlagType.FAULT_RATE_SPIKE, (SubjectType.CHARGE_POINT, "CP-7"),
                 {"charge_point_id": "CP-7", "error_code": "GroundFailure"})  # fmt: skip
    (note,) = flag_notifications(fault, catalog(), active, now=NOW)
    assert (note.kind, note.session_id) == ("charging_problem", "t1/CP-7/1")
    assert "reported a fault (GroundFailure)" in note.body
    silent = flag(FlagType.STATION_SILENT, (SubjectType.CHARGE_POINT, "CP-7"), {"charge_point_id": "CP-7"})
    assert flag_notifications(silent, catalog(), active, now=NOW) == []


def test_without_a_policy_zone_dates_are_in_the_sites_zone():
    site = Site(site_id="S", tenant_id="t1", name="Plats", time_zone="Europe/Stockholm", default_tariff_id="T")
    view = CatalogView.from_catalog(Catalog(tenants=[tenant()], accounts=[account(language="sv")], sites=[site]))
    (receipt,) = rated_notifications(rated(), view, now=NOW)
    assert "Start: 23 nov. 2026 10:30:00 CET" in receipt.body
    (utc,) = rated_notifications(rated(), catalog(language="sv"), now=NOW)  # no site in the catalog: UTC
    assert "Start: 23 nov. 2026 09:30:00 UTC" in utc.body
