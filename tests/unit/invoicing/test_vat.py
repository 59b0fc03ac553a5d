"""The rounding rule (pipelines/invoicing/vat.py): shown lines add up to the totals shown, to the cent."""

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.invoicing.models import Charge
from pipelines.invoicing.vat import round_lines

CENT = Decimal("0.01")
RATES = [Decimal(0), Decimal(7), Decimal("12.5"), Decimal(19), Decimal(25)]


def _charge(net: Decimal, rate: Decimal) -> Charge:
    return Charge("x", Decimal(1), "C62", rate, net)


def test_three_lines_that_each_round_up_still_show_the_rounded_sum() -> None:
    charges = [_charge(Decimal("0.335"), Decimal(19))] * 3  # exact 1.005 -> 1.01; each line alone 0.34
    lines, (group,) = round_lines(charges, "EUR")
    assert [line.net for line in lines] == [Decimal("0.33"), Decimal("0.34"), Decimal("0.34")]  # ties: first line
    assert group.net == Decimal("1.01") == sum(line.net for line in lines)
    assert group.vat == Decimal("0.19")  # 1.01 x 19 % = 0.1919, on the rounded net, not 3 x 0.0637


def test_groups_come_by_ascending_rate_and_lines_keep_their_order() -> None:
    charges = [_charge(Decimal("10"), Decimal(19)), _charge(Decimal("5"), Decimal(7)), _charge(Decimal(1), Decimal(19))]
    lines, groups = round_lines(charges, "EUR")
    assert [line.line_no for line in lines] == [1, 2, 3]
    assert [(g.rate, g.net, g.vat) for g in groups] == [
        (Decimal(7), Decimal("5.00"), Decimal("0.35")),
        (Decimal(19), Decimal("11.00"), Decimal("2.09")),
    ]


def test_a_currency_without_minor_unit_rounds_to_whole_units() -> None:
    lines, (group,) = round_lines([_charge(Decimal("100.5"), Decimal(10))] * 2, "JPY")
    assert group.net == Decimal(201) and sum(line.net for line in lines) == Decimal(201)


amounts = st.decimals(min_value=Decimal("-50"), max_value=Decimal("500"), places=9, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(amounts, st.sampled_from(RATES)), min_size=1, max_size=60))
def test_lines_shown_sum_to_each_groups_net_and_vat_is_computed_on_that_net(pairs: list) -> None:
    charges = [_charge(net, rate) for net, rate in pairs]
    lines, groups = round_lines(charges, "EUR")
    assert len(lines) == len(charges)
    for group in groups:
        members = [line for line in lines if line.vat_rate == group.rate]
        exact = sum(c.net for c in charges if c.vat_rate == group.rate)
        assert group.net == exact.quantize(CENT, rounding=ROUND_HALF_UP)
        assert sum(line.net for line in members) == group.net
        assert group.vat == (group.net * group.rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    for line, c in zip(lines, charges, strict=True):
        assert line.net == line.net.quantize(CENT)
        assert abs(line.net - c.net.quantize(CENT, rounding=ROUND_HALF_UP)) <= CENT  # moved by one cent at most
    assert sum(line.net for line in lines) == sum(g.net for g in groups)
