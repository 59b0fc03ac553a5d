"""Benefits: each discount kind as its own line, budgets, idempotency under redelivery and revisions."""

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.catalog.models import Contract, Discount, SubscriptionPlan, TimeWindow, Voucher
from pipelines.rating.discounts import AccountUsage, BenefitRules, UsageDelta, apply_benefits, apply_delta
from pipelines.rating.models import RatedSession
from pipelines.rating.usage import read_usage, write_usage
from tests.unit.rating.builders import local, rate, session, tariff

ZONE = "Europe/Amsterdam"
ENERGY_TARIFF = tariff("""{"id": "T", "currency": "EUR", "elements": [{"price_components": [
    {"type": "ENERGY", "price": 0.40, "vat": 19, "step_size": 1}]}]}""")
CAPPED_TARIFF = tariff("""{"id": "CAP", "currency": "EUR", "max_price": {"excl_vat": 2.00}, "elements": [
    {"price_components": [{"type": "ENERGY", "price": 0.40, "vat": 19, "step_size": 1},
                          {"type": "TIME", "price": 1.20, "vat": 19, "step_size": 60}]}]}""")
NOON = local("2026-11-20T12:00")
NIGHT = TimeWindow(start_time=time(22), end_time=time(6))
OFF_PEAK = Discount(rule_id="NIGHT", tenant_id="t1", kind="off_peak", name="Night", percentage=Decimal(20),
                    windows=[NIGHT])  # fmt: skip
LOYAL = Discount(rule_id="LOYAL", tenant_id="t1", kind="loyalty", name="Loyal", percentage=Decimal(10),
                 after_sessions=2)  # fmt: skip
PLAN = SubscriptionPlan(plan_id="PLUS", tenant_id="t1", name="Plus", monthly_fee=Decimal(19),
                        included_kwh=Decimal(50))  # fmt: skip


def voucher(code: str = "V", budget: str = "10", **extra) -> Voucher:
    holder = {"account_id": "A1"} if "token_uid" not in extra else {}
    return Voucher(code=code, tenant_id="t1", name=f"Voucher {code}", budget=Decimal(budget), **holder, **extra)


def rules(**extra) -> BenefitRules:
    return BenefitRules(ZONE, "public", None, Contract.CONTRACT, **extra)


def priced(kwh: float = 10, *, at: datetime = NOON, sid: str = "s1", revision: int = 1, minutes: float = 60,
           priced_by=ENERGY_TARIFF, account: str | None = "A1") -> RatedSession:  # fmt: skip
    closed = replace(session(at, ("c", minutes, kwh)), session_id=f"t1/CP-1/{sid}", revision=revision)
    rated = rate(closed, priced_by)
    return replace(rated, account_id=account)


def benefit_lines(rated: RatedSession) -> list:
    return [line for line in rated.line_items if line.dimension == "DISCOUNT"]


def check_totals(rated: RatedSession) -> None:
    assert rated.total_cost_excl_vat == sum(line.amount_excl_vat for line in rated.line_items)
    assert rated.total_cost_incl_vat == sum(line.amount_incl_vat for line in rated.line_items)
    assert rated.total_cost_excl_vat >= 0 and rated.total_cost_incl_vat >= 0


def run(table: dict, rated: RatedSession, given_rules: BenefitRules) -> RatedSession:
    """What the benefits agent does, with a dict for its table."""
    usage = read_usage(table, rated, given_rules)
    result, delta = apply_benefits(rated, usage, given_rules)
    write_usage(table, rated, usage, delta, given_rules)
    check_totals(result)
    return result


def test_off_peak_takes_its_percentage_of_the_energy_inside_the_window():
    night = priced(10, at=local("2026-11-20T21:00"), minutes=120)  # 4 kWh ... half of it after 22:00
    result, _ = apply_benefits(night, AccountUsage("2026-11"), rules(discounts=(OFF_PEAK,)))
    (line,) = benefit_lines(result)
    assert (line.kind, line.rule_id, line.vat_rate) == ("off_peak", "NIGHT", Decimal(19))
    assert line.amount_excl_vat == Decimal("-0.4")  # 20 % of the 2.00 EUR charged after 22:00
    assert line.amount_incl_vat == Decimal("-0.476")
    assert result.total_cost_excl_vat == Decimal("3.6") and "20% off energy" in line.description
    check_totals(result)
    assert apply_benefits(priced(10), AccountUsage("2026-11"), rules(discounts=(OFF_PEAK,)))[0].line_items == (
        priced(10).line_items
    )


def test_loyalty_counts_the_sessions_started_earlier_in_the_month():
    table: dict = {}
    given_rules = rules(discounts=(LOYAL,))
    outs = [run(table, priced(5, at=NOON + timedelta(days=day), sid=f"s{day}"), given_rules) for day in range(3)]
    assert [len(benefit_lines(out)) for out in outs] == [0, 0, 1]
    late = run(table, priced(5, at=NOON - timedelta(days=5), sid="early"), given_rules)
    assert benefit_lines(late) == []  # it arrived late, but nothing started before it
    december = run(table, priced(5, at=local("2026-12-01T00:30"), sid="dec"), given_rules)
    assert benefit_lines(december) == []  # a new calendar month in the site's zone starts from zero


def test_loyalty_by_energy():
    by_kwh = LOYAL.model_copy(update={"after_sessions": None, "after_kwh": Decimal(12)})
    table: dict = {}
    outs = [run(table, priced(7, at=NOON + timedelta(hours=h), sid=f"s{h}"), rules(discounts=(by_kwh,)))
            for h in range(3)]  # fmt: skip
    assert [len(benefit_lines(out)) for out in outs] == [0, 0, 1]  # 0, 7, 14 kWh charged before


def test_subscription_deducts_included_energy_until_used_up():
    table: dict = {}
    outs = [run(table, priced(30, at=NOON + timedelta(hours=h), sid=f"s{h}"), rules(plan=PLAN)) for h in range(3)]
    lines = [benefit_lines(out) for out in outs]
    assert [line.quantity for (line,) in lines[:2]] == [Decimal(30), Decimal(20)] and lines[2] == []
    assert outs[0].total_cost_excl_vat == 0 and outs[1].total_cost_excl_vat == Decimal("4.0")
    assert lines[0][0].kind == "subscription" and lines[0][0].rule_id == "PLUS"


def test_a_voucher_budget_is_consumed_across_sessions_and_never_goes_negative():
    table: dict = {}
    given_rules = rules(vouchers=(voucher(budget="10"),))
    outs = [run(table, priced(12.5, sid=f"s{n}"), given_rules) for n in range(3)]  # 5.95 EUR each incl. VAT
    taken = [sum(line.amount_incl_vat for line in benefit_lines(out)) for out in outs]
    assert taken == [Decimal("-5.95"), Decimal("-4.05"), 0]
    assert outs[0].total_cost_incl_vat == 0 and outs[1].total_cost_incl_vat == Decimal("1.90")


def test_token_vouchers_only_for_their_token_and_expired_vouchers_not_at_all():
    given_rules = rules(vouchers=(voucher("TOK", token_uid="OTHER"), voucher("OLD", valid_to=NOON)))
    result, _ = apply_benefits(priced(5), AccountUsage("2026-11"), given_rules)
    assert benefit_lines(result) == []


def test_selectors_narrow_who_gets_a_discount():
    for narrowed in (
        {"customer_groups": ["member"]},
        {"membership_levels": ["gold"]},
        {"site_ids": ["ELSEWHERE"]},
        {"contract": Contract.ADHOC},
        {"valid_from": NOON + timedelta(days=1)},
    ):
        narrowed = OFF_PEAK.model_copy(update=narrowed)
        night = priced(5, at=local("2026-11-20T23:00"))
        assert benefit_lines(apply_benefits(night, AccountUsage("2026-11"), rules(discounts=(narrowed,)))[0]) == []


def test_without_an_account_only_stateless_rules_apply_and_nothing_is_recorded():
    night = priced(5, at=local("2026-11-20T23:00"), account=None)
    result, delta = apply_benefits(night, AccountUsage("2026-11"), rules(discounts=(OFF_PEAK, LOYAL), plan=PLAN,
                                                                         vouchers=(voucher(),)))  # fmt: skip
    assert [line.kind for line in benefit_lines(result)] == ["off_peak"] and delta == UsageDelta()


def test_discounts_stop_at_zero_even_below_a_max_price_adjustment():
    capped = priced(10, priced_by=CAPPED_TARIFF)  # 4.00 energy + 1.20 time, MAX_PRICE -3.20 -> 2.00
    result, _ = apply_benefits(capped, AccountUsage("2026-11"), rules(plan=PLAN, vouchers=(voucher(budget="50"),)))
    check_totals(result)
    assert result.total_cost_excl_vat == 0


def test_a_redelivered_session_gets_the_same_lines_and_changes_nothing():
    table: dict = {}
    given_rules = rules(discounts=(LOYAL,), plan=PLAN, vouchers=(voucher(budget="30"),))
    first = [run(table, priced(20, at=NOON + timedelta(hours=n), sid=f"s{n}"), given_rules) for n in range(4)]
    before = dict(table)
    again = [run(table, priced(20, at=NOON + timedelta(hours=n), sid=f"s{n}"), given_rules) for n in range(4)]
    assert again == first and table == before


def test_a_revision_replaces_its_own_contribution_and_snapshots_consume_nothing():
    table: dict = {}
    given_rules = rules(plan=PLAN, vouchers=(voucher(budget="10"),))
    run(table, priced(40, sid="a"), given_rules)
    snapshot = run(table, priced(40, sid="b", revision=0), given_rules)
    assert [line.quantity for line in benefit_lines(snapshot) if line.kind == "subscription"] == [Decimal(10)]
    corrected = run(table, priced(20, sid="a", revision=2), given_rules)  # 20 kWh, not 40: gives 20 kWh back
    assert [line.quantity for line in benefit_lines(corrected)] == [Decimal(20)]
    b = run(table, priced(40, sid="b"), given_rules)
    assert [line.quantity for line in benefit_lines(b) if line.kind == "subscription"] == [Decimal(30)]
    before = dict(table)
    run(table, priced(40, sid="a", revision=1), given_rules)  # an old revision redelivered late: a preview
    assert table == before
    usage = read_usage(table, priced(1, sid="x"), given_rules)
    assert usage.month_included_wh == 50_000
    assert {grant.session_id: grant.revision for grant in usage.grants} == {"t1/CP-1/a": 2, "t1/CP-1/b": 1}


def test_apply_delta_moves_voucher_spending_with_the_grant():
    usage = AccountUsage("2026-11")
    _, delta = apply_benefits(priced(5), usage, rules(vouchers=(voucher(budget="1"),)))
    usage = apply_delta(usage, delta)
    assert usage.spent == {"V": {"t1/CP-1/s1": Decimal(1)}}
    _, delta = apply_benefits(priced(5, revision=2), usage, rules())  # the voucher left the catalog
    assert apply_delta(usage, delta).spent == {"V": {}}


# --- properties -----------------------------------------------------------------------------------------

SESSIONS = st.lists(
    st.tuples(st.integers(0, 60_000), st.integers(0, 27 * 24)), min_size=1, max_size=6
)  # (Wh, hours after the 1st of the month)


def _session(index: int, wh: int, hours: int, revision: int = 1) -> RatedSession:
    at = datetime(2026, 11, 1, 8, tzinfo=UTC) + timedelta(hours=hours)
    return priced(wh / 1000, at=at, sid=f"s{index}", revision=revision)


@settings(max_examples=40, deadline=None)
@given(SESSIONS, st.data())
def test_any_order_and_duplication_gives_the_same_budgets_and_totals(sessions, data):
    given_rules = rules(plan=PLAN, vouchers=(voucher("A", "7.5"), voucher("B", "3")))
    records = [_session(i, wh, hours) for i, (wh, hours) in enumerate(sessions)]
    shuffled = data.draw(st.permutations(records))
    duplicated = shuffled + data.draw(st.lists(st.sampled_from(records), max_size=4))

    def outcome(order: list[RatedSession]) -> tuple:
        table: dict = {}
        latest = {rated.session.session_id: run(table, rated, given_rules) for rated in order}
        usage = read_usage(table, records[0], given_rules)
        spent = {code: sum(by_session.values()) for code, by_session in usage.spent.items()}
        included = usage.month_included_wh
        return spent, included, sum(r.total_cost_incl_vat for r in latest.values())

    assert outcome(duplicated) == outcome(records)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 40_000)), min_size=1, max_size=12))
def test_redeliveries_and_revisions_never_overspend_and_the_state_matches_the_latest_lines(events):
    given_rules = rules(discounts=(OFF_PEAK, LOYAL), plan=PLAN, vouchers=(voucher("A", "5"),))
    table: dict = {}
    latest: dict[str, tuple[int, RatedSession]] = {}
    for index, revision, wh in events:
        rated = _session(index, wh, hours=index * 7, revision=revision)
        before = dict(table)
        result = run(table, rated, given_rules)
        held = latest.get(rated.session.session_id)
        if revision == 0 or (held is not None and held[0] >= revision):
            assert table == before  # snapshots, redeliveries and stale revisions record nothing
        else:
            latest[rated.session.session_id] = (revision, result)
    usage = read_usage(table, _session(0, 1, 0), given_rules)
    spent = sum(usage.spent.get("A", {}).values(), Decimal(0))
    assert spent <= 5 and usage.month_included_wh <= 50_000
    voucher_lines = sum(
        (
            line.amount_incl_vat
            for _, result in latest.values()
            for line in benefit_lines(result)
            if line.kind == "voucher"
        ),
        Decimal(0),
    )
    assert -voucher_lines == spent
