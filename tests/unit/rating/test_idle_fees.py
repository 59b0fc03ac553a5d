"""Idle fees: parking after the last charging period, minus grace, per started step, capped, with VAT."""

from datetime import timedelta
from decimal import Decimal

from pipelines.catalog.models import IdleFee
from pipelines.rating.idle_fees import idle_fee_lines, idle_time, prices_parking
from tests.unit.rating.builders import local, session, tariff

FEE = IdleFee(idle_fee_id="IDLE", tenant_id="t1", name="Blocking fee", grace_minutes=15,
              price_per_minute=Decimal("0.10"), vat=Decimal(19), max_amount=Decimal("12.00"))  # fmt: skip
START = local("2026-11-20T10:00")


def test_parking_between_charging_periods_is_not_idle_time():
    charged = session(START, ("c", 30, 10), ("p", 20, 0), ("c", 30, 5), ("p", 40, 0))
    assert idle_time(charged) == timedelta(minutes=40)
    assert idle_time(session(START, ("p", 25, 0))) == timedelta(minutes=25)  # never charged: idle from the start
    assert idle_time(session(START, ("c", 60, 20))) == timedelta()


def test_after_the_grace_period_each_started_minute_is_billed():
    (line,) = idle_fee_lines(session(START, ("c", 60, 20), ("p", 40.5, 0)), FEE, "EUR")
    assert line.quantity == 26 and line.unit == "min"  # 25.5 min after grace, per started minute
    assert (line.amount_excl_vat, line.amount_incl_vat) == (Decimal("2.60"), Decimal("3.0940"))
    assert (line.kind, line.rule_id, line.dimension) == ("idle_fee", "IDLE", "IDLE_FEE")
    assert "26 min" in line.description and "15 min grace" in line.description


def test_within_grace_nothing_and_the_cap_holds():
    assert idle_fee_lines(session(START, ("c", 60, 20), ("p", 15, 0)), FEE, "EUR") == ()
    (line,) = idle_fee_lines(session(START, ("c", 60, 20), ("p", 600, 0)), FEE, "EUR")
    assert line.amount_excl_vat == Decimal("12.00") and "capped at 12.00 EUR" in line.description


def test_steps_of_several_minutes_round_up():
    fee = FEE.model_copy(update={"step_minutes": 5, "max_amount": None, "vat": None})
    (line,) = idle_fee_lines(session(START, ("c", 10, 2), ("p", 16, 0)), fee, "EUR")
    assert line.quantity == 5 and line.amount_excl_vat == line.amount_incl_vat == Decimal("0.50")


def test_tariffs_pricing_parking_are_recognised():
    parking = tariff('{"id": "P", "currency": "EUR", "elements": [{"price_components": '
                     '[{"type": "PARKING_TIME", "price": 6, "step_size": 60}]}]}')  # fmt: skip
    energy = tariff('{"id": "E", "currency": "EUR", "elements": [{"price_components": '
                    '[{"type": "ENERGY", "price": 0.3, "step_size": 1}]}]}')  # fmt: skip
    assert prices_parking(parking) and not prices_parking(energy)
