"""Credit-note lines: the refund split across VAT rates, each line's net + VAT = gross, lines sum to the refund."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.refunds.credit_note import credit_lines
from pipelines.refunds.models import VatShare


def test_one_rate_splits_gross_into_net_and_vat() -> None:
    (line,) = credit_lines(Decimal("11.90"), (VatShare(Decimal(19), Decimal("23.80")),), "EUR")
    assert (line.amount_excl_vat, line.vat_amount, line.amount_incl_vat) == (Decimal("10.00"), Decimal("1.90"),
                                                                              Decimal("11.90"))  # fmt: skip


def test_two_rates_share_in_proportion_and_the_cent_goes_to_the_largest() -> None:
    shares = (VatShare(Decimal(7), Decimal("10.00")), VatShare(Decimal(19), Decimal("20.00")))
    lines = credit_lines(Decimal("10.00"), shares, "EUR")
    assert [(line.vat_rate, line.amount_incl_vat) for line in lines] == [(Decimal(19), Decimal("6.67")),
                                                                         (Decimal(7), Decimal("3.33"))]  # fmt: skip
    assert lines[1].amount_excl_vat == Decimal("3.11") and lines[1].vat_amount == Decimal("0.22")


def test_a_session_without_vat_rates_is_credited_in_one_line() -> None:
    (line,) = credit_lines(Decimal(5), (VatShare(None, Decimal(5)),), "EUR")
    assert line.vat_amount == 0 and line.amount_incl_vat == 5
    assert credit_lines(Decimal(5), (), "EUR")[0].amount_incl_vat == 5


rates = st.sampled_from([None, Decimal(0), Decimal(7), Decimal(19), Decimal(25)])
shares = st.lists(st.builds(VatShare, rates, st.decimals(min_value=0, max_value=500, places=2)), max_size=4)


@settings(deadline=None)  # a shared 2-core machine: timing says nothing here
@given(st.decimals(min_value="0.01", max_value=500, places=2), shares)
def test_lines_sum_to_the_refund_and_each_line_adds_up(amount: Decimal, vat_shares: list[VatShare]) -> None:
    lines = credit_lines(amount, tuple(vat_shares), "EUR")
    assert sum(line.amount_incl_vat for line in lines) == amount
    for line in lines:
        assert line.amount_excl_vat + line.vat_amount == line.amount_incl_vat
        assert line.amount_incl_vat > 0 and line.vat_amount >= 0
        assert line.amount_incl_vat.as_tuple().exponent >= -2 and line.amount_excl_vat.as_tuple().exponent >= -2
