"""Tariff assignment: specificity order, validity periods, tariff versions at session start, ties."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pipelines.catalog.models import Contract, PowerType, TariffAssignment
from pipelines.rating.assign import (
    CRITERIA,
    SessionFacts,
    assign_tariff,
    contract_of,
    ranked,
    tie_problems,
    version_in_force,
)
from pipelines.rating.tariff import parse_tariff

START = datetime(2026, 11, 20, 9, tzinfo=UTC)
FACTS = SessionFacts(
    charge_point_id="CP-1", site_id="S1", power_type=PowerType.DC, customer_group="fleet",
    membership_level="gold", contract=Contract.CONTRACT, started_at=START,
)  # fmt: skip
VALUES = {"membership_level": "gold", "customer_group": "fleet", "contract": "contract", "charge_point_id": "CP-1",
          "site_id": "S1", "power_type": "DC"}  # fmt: skip


def rule(tariff_id: str, **criteria) -> TariffAssignment:
    return TariffAssignment(tenant_id="t1", tariff_id=tariff_id, **criteria)


def version(tariff_id: str = "T", price: str = "0.30", **extra) -> object:
    components = [{"type": "ENERGY", "price": Decimal(price), "step_size": 1}]
    return parse_tariff({"id": tariff_id, "currency": "EUR", "elements": [{"price_components": components}], **extra})


def winner(rules: list[TariffAssignment], facts: SessionFacts = FACTS) -> str | None:
    chosen = ranked(facts, rules)
    return chosen[0].tariff_id if chosen else None


def test_who_beats_where_beats_how_fast():
    assert winner([rule("SITE-DC", site_id="S1", power_type="DC"), rule("FLEET", customer_group="fleet")]) == "FLEET"
    assert winner([rule("FLEET", customer_group="fleet"), rule("FLEET-S1", customer_group="fleet", site_id="S1")]) == (
        "FLEET-S1"
    )
    assert winner([rule("CP", charge_point_id="CP-1"), rule("SITE-DC", site_id="S1", power_type="DC")]) == "CP"
    assert winner([rule("GOLD", membership_level="gold"), rule("FLEET-CP", customer_group="fleet",
                                                                  charge_point_id="CP-1")]) == "GOLD"  # fmt: skip
    assert winner([rule("ADHOC", contract="adhoc"), rule("ANY")]) == "ANY"  # a contract driver: adhoc cannot match


@given(st.lists(st.sampled_from(CRITERIA), unique=True), st.lists(st.sampled_from(CRITERIA), unique=True))
def test_the_rule_naming_the_first_criterion_the_other_lacks_wins(a, b):
    rule_a = rule("A", **{name: VALUES[name] for name in a})
    rule_b = rule("B", **{name: VALUES[name] for name in b})
    if set(a) == set(b):
        return
    first_difference = next(name for name in CRITERIA if (name in a) != (name in b))
    expected = "A" if first_difference in a else "B"
    assert winner([rule_a, rule_b]) == winner([rule_b, rule_a]) == expected


def test_validity_period_is_judged_at_the_session_start():
    promo = rule("PROMO", site_id="S1", valid_from=START, valid_to=START + timedelta(days=1))
    rules = [promo, rule("DC", power_type="DC")]
    assert winner(rules) == "PROMO"
    assert winner(rules, SessionFacts(**{**_fields(FACTS), "started_at": START - timedelta(seconds=1)})) == "DC"
    assert winner(rules, SessionFacts(**{**_fields(FACTS), "started_at": START + timedelta(days=1)})) == "DC"


def test_version_in_force_at_start_wins_not_the_newest():
    old = version(price="0.30", last_updated="2026-01-01T00:00:00Z")
    new = version(price="0.40", start_date_time="2026-12-01T00:00:00Z", last_updated="2026-11-15T00:00:00Z")
    assert version_in_force([new, old], START) is old  # started before the new price applies
    assert version_in_force([new, old], datetime(2026, 12, 1, tzinfo=UTC)) is new
    ended = version(price="0.50", end_date_time="2026-11-01T00:00:00Z")
    assert version_in_force([ended], START) is None


def test_an_assignment_without_a_version_in_force_passes_to_the_next_then_the_default():
    versions = {
        "FUTURE": (version("FUTURE", start_date_time="2027-01-01T00:00:00Z"),),
        "DC": (version("DC"),),
        "DEFAULT": (version("DEFAULT"),),
    }
    rules = [rule("FUTURE", customer_group="fleet"), rule("DC", power_type="DC")]
    assigned = assign_tariff(FACTS, rules, lambda tariff_id: versions.get(tariff_id, ()), "DEFAULT")
    assert assigned is not None and assigned.tariff.id == "DC" and assigned.rule == rules[1]
    assigned = assign_tariff(FACTS, rules[:1], lambda tariff_id: versions.get(tariff_id, ()), "DEFAULT")
    assert assigned is not None and assigned.tariff.id == "DEFAULT" and assigned.rule is None
    assert assign_tariff(FACTS, [], lambda tariff_id: (), "DEFAULT") is None


def test_adhoc_or_contract():
    assert contract_of(token_known=False, billed_ad_hoc=False) is Contract.ADHOC
    assert contract_of(token_known=True, billed_ad_hoc=True) is Contract.ADHOC
    assert contract_of(token_known=True, billed_ad_hoc=False) is Contract.CONTRACT
    adhoc = SessionFacts(**{**_fields(FACTS), "contract": Contract.ADHOC, "membership_level": None})
    assert winner([rule("ADHOC", contract="adhoc"), rule("DC", power_type="DC")], adhoc) == "ADHOC"


def test_ties_are_reported_only_for_equal_criteria_with_overlapping_validity():
    jan, feb, mar = (datetime(2027, month, 1, tzinfo=UTC) for month in (1, 2, 3))
    rules = [
        ("r[0]", rule("A", customer_group="fleet", valid_to=feb)),
        ("r[1]", rule("B", customer_group="fleet", valid_from=feb)),  # follows on: fine
        ("r[2]", rule("C", customer_group="fleet", valid_from=jan, valid_to=mar)),  # overlaps both
        ("r[3]", rule("D", customer_group="member")),  # other value: never both match
        ("r[4]", rule("E", site_id="S1")),
    ]
    problems = tie_problems(rules)
    assert problems == [
        "r[2]: names the same criteria as r[0] (customer_group=fleet) with an overlapping validity period, so which"
        " tariff applies would be ambiguous"
    ]


def _fields(facts: SessionFacts) -> dict:
    return {name: getattr(facts, name) for name in facts.__slots__}
