from datetime import timedelta
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from pipelines.money import minor_unit
from pipelines.notify.receipt import hours_minutes, receipt

amounts = st.decimals(min_value=-1000, max_value=10_000, places=9, allow_nan=False, allow_infinity=False)
currencies = st.sampled_from(["EUR", "SEK", "JPY", "KWD"])


@given(st.lists(amounts, max_size=12), currencies)
def test_total_is_the_sum_of_shown_lines_each_within_half_a_minor_unit(exact, currency):
    shown = receipt([(f"line {n}", amount) for n, amount in enumerate(exact)], currency)
    half = D(1).scaleb(-minor_unit(currency)) / 2
    assert shown.total == sum((line.amount for line in shown.lines), D(0))
    kept = [amount for amount in exact if amount != 0]
    assert len(shown.lines) == len(kept)
    for line, amount in zip(shown.lines, kept, strict=True):
        assert abs(line.amount - amount) <= half
        assert line.amount.as_tuple().exponent == -minor_unit(currency)
    assert abs(shown.total - sum(kept, D(0))) <= half * len(kept)


def test_half_up_per_line_then_sum():
    shown = receipt([("a", D("1.005")), ("b", D("1.005")), ("zero", D(0)), ("c", D("-0.004"))], "EUR")
    assert [(line.description, line.amount) for line in shown.lines] == [("a", D("1.01")), ("b", D("1.01")),
                                                                         ("c", D("0.00"))]  # fmt: skip
    assert shown.total == D("2.02")  # the exact sum 2.006 would round to 2.01: the receipt shows what adds up
    assert receipt([], "JPY").total == D(0)


def test_hours_minutes():
    assert [hours_minutes(timedelta(seconds=s)) for s in (0, 29, 30, 7524, -5)] == ["0:00", "0:00", "0:01", "2:05",
                                                                                   "0:00"]  # fmt: skip
