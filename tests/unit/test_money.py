from decimal import ROUND_HALF_EVEN
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.money import minor_unit, round_money, to_ledger


@pytest.mark.parametrize(
    ("currency", "digits"),
    [("EUR", 2), ("SEK", 2), ("NOK", 2), ("DKK", 2), ("CHF", 2), ("GBP", 2), ("USD", 2), ("PLN", 2), ("CZK", 2),
     ("HUF", 2), ("JPY", 0), ("KWD", 3), ("XYZ", 2), ("eur", 2)],
)  # fmt: skip
def test_minor_units(currency, digits):
    assert minor_unit(currency) == digits


def test_half_up_by_default_and_other_rules_on_request():
    assert round_money(D("2.345"), "EUR") == D("2.35")
    assert round_money(D("2.345"), "EUR", ROUND_HALF_EVEN) == D("2.34")
    assert round_money(D("-2.345"), "EUR") == D("-2.35")
    assert round_money(D("1499.5"), "JPY") == D("1500")


def test_ledger_keeps_short_values_and_rounds_the_tenth_decimal():
    assert str(to_ledger(D("1.25"))) == "1.25"
    assert to_ledger(D("0.1234567895")) == D("0.123456790")
    assert to_ledger(D(1) / 3) == D("0.333333333")


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12))
def test_ledger_moves_a_value_by_at_most_half_a_nano(value):
    assert abs(to_ledger(value) - value) <= D("0.0000000005")
    assert to_ledger(to_ledger(value)) == to_ledger(value)
