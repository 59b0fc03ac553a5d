from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.models import ChargingEvent, DeadLetter, DeadLetterClass, EventKind
from pipelines.notify.models import Notification
from pipelines.rating.models import LineItem, RatedSession
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind
from pipelines.streaming.codec import decoder, encoder

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def closed_session() -> ClosedSession:
    return ClosedSession(
        session_id="t/CP-1/42",
        tenant_id="t",
        charge_point_id="CP-1",
        connector_id=1,
        transaction_id="42",
        id_tag="04A2",
        started_at=T0,
        stopped_at=T0 + timedelta(hours=2),
        meter_start_wh=Decimal("1200"),
        meter_stop_wh=Decimal("13200.5"),
        energy_wh=Decimal("12000.5"),
        stop_reason="EVDisconnected",
        periods=(
            ChargingPeriod(
                T0, T0 + timedelta(hours=1), PeriodKind.CHARGING, Decimal("12000.5"), Decimal("11000"), None
            ),
            ChargingPeriod(T0 + timedelta(hours=1), T0 + timedelta(hours=2), PeriodKind.PARKING, Decimal("0")),
        ),
    )


def test_closed_and_rated_sessions_round_trip_exactly() -> None:
    session = closed_session()
    assert decoder("ClosedSession")(encoder("ClosedSession")(session)) == session
    item = LineItem(
        "ENERGY",
        0,
        Decimal("12.0005"),
        "kWh",
        Decimal("0.39"),
        1,
        Decimal("4.680195"),
        Decimal("19"),
        Decimal("5.56943205"),
        "12.0005 kWh at 0.39",
    )
    rated = RatedSession(
        session,
        "AC-1",
        "EUR",
        "site-1",
        "acc-1",
        Decimal("12.0005"),
        Decimal("1"),
        Decimal("1"),
        Decimal("4.680195"),
        Decimal("5.56943205"),
        (item,),
        T0,
    )
    assert decoder("RatedSession")(encoder("RatedSession")(rated)) == rated


def test_dead_letter_keeps_original_bytes() -> None:
    letter = DeadLetter("id", "ingest", DeadLetterClass.NOT_JSON, "not JSON", b"\xff\x00{", T0)
    assert decoder("DeadLetter")(encoder("DeadLetter")(letter)) == letter


def test_notification_round_trip() -> None:
    note = Notification(
        "session_completed/t/CP-1/42/r1",
        "t",
        "session_completed",
        "acc-1",
        "a@b.example",
        "email",
        "de",
        "Ladevorgang beendet",
        "body",
        "t/CP-1/42",
        T0,
    )
    assert decoder("Notification")(encoder("Notification")(note)) == note


@given(meter=st.decimals(min_value=0, max_value=10**12, places=3), power=st.none() | st.decimals(0, 10**6, places=3))
def test_charging_event_decimals_survive_at_schema_scale(meter: Decimal, power: Decimal | None) -> None:
    event = ChargingEvent(
        "e",
        "t",
        "CP",
        "ocpp1.6",
        "upstream",
        2,
        "1",
        "MeterValues",
        EventKind.METER_VALUES,
        T0,
        T0,
        connector_id=1,
        transaction_id="42",
        meter_wh=meter,
        power_w=power,
        seq_no=3,
        reading_context="Sample.Periodic",
        payload="{}",
    )
    decoded = decoder("ChargingEvent")(encoder("ChargingEvent")(event))
    assert decoded == event
    assert decoded.kind is EventKind.METER_VALUES
