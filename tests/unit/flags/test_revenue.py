from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pipelines.catalog.flag_policy import FlagPolicy
from pipelines.flags.models import FlagType
from pipelines.flags.revenue import RevenueStats, median, revenue_flags, robust_z
from tests.unit.flags.builders import closed, facts


def usual(stats: RevenueStats, count: int, policy: FlagPolicy | None = None) -> list:
    amounts = ["4.80", "5.00", "5.20", "6.10", "4.20"]
    return [
        flag
        for n in range(count)
        for flag in revenue_flags(stats, facts(closed(n), amount=amounts[n % 5], policy=policy))
    ]


def test_usual_amounts_raise_nothing_and_an_outlier_is_flagged_once_learned() -> None:
    stats = RevenueStats()
    assert usual(stats, 40) == []
    found = revenue_flags(stats, facts(closed(99), amount="95.00"))
    assert [f.flag_type for f in found] == [FlagType.REVENUE_OUTLIER]
    assert revenue_flags(stats, facts(closed(100), amount="5.40")) == []


def test_no_judgement_before_the_minimum_sample_count() -> None:
    stats = RevenueStats()
    usual(stats, 10)
    assert revenue_flags(stats, facts(closed(99), amount="95.00")) == []


def test_groups_are_per_site_and_tariff() -> None:
    stats = RevenueStats()
    usual(stats, 40)
    assert revenue_flags(stats, facts(closed(99), amount="95.00", tariff="DC-FAST")) == []


def test_a_flat_fee_tariff_does_not_flag_itself() -> None:
    stats = RevenueStats()
    flat = [f for n in range(50) for f in revenue_flags(stats, facts(closed(n), amount="2.00"))]
    assert flat == []
    assert revenue_flags(stats, facts(closed(60), amount="2.05")) == []  # within 5 % of the median
    assert len(revenue_flags(stats, facts(closed(61), amount="40.00"))) == 1


def test_the_window_is_bounded_and_a_redelivery_replaces_its_amount() -> None:
    stats = RevenueStats()
    policy = FlagPolicy(revenue_window=10, revenue_min_samples=5)
    usual(stats, 30, policy)
    window = stats.window(("t1", "S1", "T1"))
    assert len(window) == 10
    usual(stats, 30, policy)
    assert len(window) == 10


@given(st.lists(st.decimals("0", "1000", places=2), min_size=3, max_size=40))
def test_median_is_robust_to_one_wild_value(values: list[Decimal]) -> None:
    center = median(values)
    assert min(values) <= center <= max(values)
    z, _, scale = robust_z(center, values)
    assert z == 0 and scale > 0
