"""Account usage in a key-value table: keys per account month and voucher, exact JSON round trips."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pipelines.catalog.models import Contract, Voucher
from pipelines.rating.discounts import BenefitRules, Grant
from pipelines.rating.usage import (
    day_key,
    decode_grants,
    decode_spent,
    decode_tallies,
    encode_grants,
    encode_spent,
    encode_tallies,
    month_key,
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
    from pipelines.rating.discounts import apply_benefits

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
