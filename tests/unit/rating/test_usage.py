"""Account usage in a key-value table: keys per account month and voucher, exact JSON round trips."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.catalog.models import Contract, SubscriptionPlan, Voucher
from pipelines.rating.discounts import BenefitRules, Grant, apply_benefits
from pipelines.rating.usage import (
    day_key,
    decode_grants,
    decode_spent,
    decode_tallies,
    encode_grants,
    encode_spent,
    encode_tallies,
    month_before,
    month_key,
    months_key,
    partition_key,
    read_usage,
    voucher_key,
    write_usage,
)
from tests.unit.rating.builders import local, rate, session, tariff

TARIFF = tariff('{"id": "T", "currency": "EUR", "elements": [{"price_components": '
                '[{"type": "ENERGY", "price": 0.4, "step_size": 1}]}]}')  # fmt: skip
VOUCHER = Voucher(code="V1", tenant_id="t1", name="V", budget=Decimal(5), account_id="A1")
RULES = BenefitRules("Europe/Amsterdam", "public", None, Contract.CONTRACT, vouchers=(VOUCHER,))


def test_grants_and_ledgers_round_trip_exactly():
    grant = Grant("t1/CP/1", 2, datetime(2026, 11, 3, 7, 15, tzinfo=UTC), Decimal("12345.678"),
                  Decimal("1000.5"), ("LOYAL",), (("V1", Decimal("0.000000001")),))  # fmt: skip
    assert decode_grants(encode_grants((grant,))) == (grant,)
    assert decode_spent(encode_spent({"a": Decimal("1.10"), "b": Decimal(3)})) == {"a": Decimal("1.10"), "b": 3}
    assert decode_grants(None) == () and decode_spent(None) == {}


def test_unknown_formats_are_refused():
    with pytest.raises(ValueError, match="unknown format"):
        decode_grants(b'{"format": 99, "grants": []}')
    with pytest.raises(ValueError, match="unknown format"):
        decode_tallies(b'{"format": 1, "grants": []}')  # the month layout before days


def test_keys_follow_the_account_and_the_local_month():
    # 23:30 UTC on 30 November is already December in Amsterdam
    rated = rate(session(local("2026-12-01T00:30"), ("c", 30, 5)), TARIFF)
    assert partition_key(rated) == b"t1/A1"
    assert partition_key(replace(rated, account_id=None)) == b"t1/CP-1/42"
    table = {
        month_key("t1", "A1", "2026-12"): encode_tallies({}),
        day_key("t1", "A1", "2026-12-01"): encode_grants(()),
        voucher_key("t1", "V1"): encode_spent({"x": 2}),
    }
    usage = read_usage(table, rated, RULES)
    assert usage.month == "2026-12" and usage.spent == {"V1": {"x": Decimal(2)}}
    assert read_usage(table, replace(rated, account_id=None), RULES).spent == {}


def test_a_session_reads_and_writes_its_day_and_the_month_sums_not_every_grant_of_the_month():
    """A fleet account's month: what one session rewrites stays the size of its day, not of the month."""
    rules = replace(RULES, vouchers=())
    table: dict = {}
    sizes = []
    for day in range(1, 29):
        for n in range(5):
            closed = session(local(f"2026-11-{day:02d}T{8 + n:02d}:00"), ("c", 30, 5))
            rated = rate(replace(closed, session_id=f"t1/CP-1/{day}-{n}"), TARIFF)
            usage = read_usage(table, rated, rules)
            _, delta = apply_benefits(rated, usage, rules)
            write_usage(table, rated, usage, delta, rules)
            sizes.append(len(table[day_key("t1", "A1", f"2026-11-{day:02d}")]))
    assert max(sizes) < 1.1 * max(sizes[:5])  # a day's grants, whichever day of the month
    month = decode_tallies(table[month_key("t1", "A1", "2026-11")])
    assert len(month) == 28 and all(t.sessions == 5 and t.energy_wh == 25_000 for t in month.values())
    last = rate(replace(session(local("2026-11-28T20:00"), ("c", 30, 5)), session_id="t1/CP-1/x"), TARIFF)
    usage = read_usage(table, last, rules)
    assert usage.earlier_days.sessions == 27 * 5 and len(usage.grants) == 5


PLAN = SubscriptionPlan(plan_id="P", tenant_id="t1", name="P", monthly_fee=Decimal(10), included_kwh=Decimal(12))
PLAN_RULES = replace(RULES, vouchers=(), plan=PLAN)


def _charge(table: dict, started: str, n: int, rules: BenefitRules = PLAN_RULES) -> tuple:
    rated = rate(replace(session(local(started), ("c", 30, 5)), session_id=f"t1/CP-1/{n}"), TARIFF)
    usage = read_usage(table, rated, rules)
    result, delta = apply_benefits(rated, usage, rules)
    write_usage(table, rated, usage, delta, rules)
    return result.line_items


def test_month_before_counts_back_across_years():
    assert month_before("2026-03", 2) == "2026-01"
    assert month_before("2026-02", 2) == "2025-12"
    assert month_before("2026-01", 0) == "2026-01"


def test_only_the_newest_three_months_of_an_account_are_kept():
    """A worker that runs for years keeps a bounded table per account, so its changelog recovery stays short."""
    table: dict = {}
    for month in range(1, 13):
        for day in (3, 17):
            _charge(table, f"2026-{month:02d}-{day:02d}T09:00", month * 100 + day)
    accounts = {key for key in table if key.startswith(b"t1/A1/")}
    assert accounts == {
        months_key("t1", "A1"),
        *(month_key("t1", "A1", f"2026-{m}") for m in ("10", "11", "12")),
        *(day_key("t1", "A1", f"2026-{m}-{d}") for m in ("10", "11", "12") for d in ("03", "17")),
    }


def test_a_session_later_than_the_retention_is_rated_as_the_first_of_its_month_and_pruned_on_the_next_write():
    table: dict = {}
    _charge(table, "2026-01-05T09:00", 1)  # uses the month's 12 included kWh: 5 + 5 + 2
    _charge(table, "2026-01-06T09:00", 2)
    _charge(table, "2026-05-05T09:00", 3)  # January falls out
    assert month_key("t1", "A1", "2026-01") not in table
    late = _charge(table, "2026-01-07T09:00", 4)  # uploaded months late: January's usage is gone
    assert [(line.kind, line.quantity) for line in late] == [("tariff", 5), ("subscription", 5)]  # not 2 kWh left
    assert _charge(table, "2026-01-07T09:00", 4) == late  # redelivered before the next write: the same
    assert month_key("t1", "A1", "2026-01") in table
    _charge(table, "2026-05-06T09:00", 5)
    assert month_key("t1", "A1", "2026-01") not in table


class _NeverForgets(dict):
    def __delitem__(self, key: bytes) -> None:
        pass


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 23), st.integers(1, 28), st.integers(0, 23)), min_size=1, max_size=25))
def test_pruning_never_changes_the_benefits_of_sessions_in_order(starts):
    """Sessions in time order read only their own month, which is never pruned: the same lines as a table that
    keeps every month."""
    ordered = sorted(starts)
    pruned, kept = {}, _NeverForgets()
    for n, (month, day, hour) in enumerate(ordered):
        started = f"{2025 + month // 12}-{month % 12 + 1:02d}-{day:02d}T{hour:02d}:00"
        assert _charge(pruned, started, n) == _charge(kept, started, n)
