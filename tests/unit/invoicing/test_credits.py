from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pipelines.invoicing.credits import apply_credits
from pipelines.invoicing.models import Credit


def _credit(n: int, amount: str) -> Credit:
    return Credit(f"c{n}", "EUR", Decimal(amount))


def test_a_credit_larger_than_the_invoice_settles_it_to_zero_and_the_rest_is_carried_forward() -> None:
    applied, left = apply_credits(Decimal("30.00"), [_credit(1, "20"), _credit(2, "25")])
    assert applied == (("c1", Decimal(20)), ("c2", Decimal(10)))
    assert left == Decimal(15)


def test_no_credit_is_applied_to_a_zero_invoice() -> None:
    assert apply_credits(Decimal(0), [_credit(1, "5")]) == ((), Decimal(5))


money = st.decimals(min_value=Decimal(0), max_value=Decimal(1000), places=2)


@given(money, st.lists(money.filter(lambda m: m > 0), max_size=8))
def test_credits_never_take_more_than_the_gross_and_nothing_is_lost(gross: Decimal, amounts: list) -> None:
    credits = [_credit(n, str(a)) for n, a in enumerate(amounts)]
    applied, left = apply_credits(gross, credits)
    used = sum((a for _, a in applied), Decimal(0))
    assert 0 <= used <= gross
    assert gross - used >= 0  # the amount due is never negative
    assert used + left == sum(amounts, Decimal(0))
    assert left == 0 or used == gross  # credit is carried forward only once the invoice is fully settled
