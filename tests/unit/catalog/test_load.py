"""Catalog loading: every problem at once, exact decimals, records for the compacted topics."""

from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from pipelines.catalog.load import KINDS, CatalogError, catalog_records, load_catalog, parse_catalog
from pipelines.streaming.topics import CATALOG_KINDS

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"

MINIMAL = """
tenants:
- {tenant_id: t1, name: Utility, currency: EUR, country: DE}
sites:
- {site_id: S1, tenant_id: t1, name: Main, time_zone: Europe/Berlin, default_tariff_id: T1}
chargers:
- {charge_point_id: CP-1, tenant_id: t1, site_id: S1, connectors: [{connector_id: 1, power_type: AC, max_power_kw: 11}]}
accounts:
- {account_id: A1, tenant_id: t1, name: Anna}
tokens:
- {uid: 04A2B3C4, tenant_id: t1, account_id: A1}
tariffs:
- id: T1
  tenant_id: t1
  currency: EUR
  elements:
  - price_components: [{type: ENERGY, price: 0.1, vat: 19.0, step_size: 1}]
    restrictions: {start_time: 22:00, end_time: 06:00}
"""


def write(tmp_path: Path, text: str, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    return caught.value.problems


def test_sample_catalog_loads_with_the_promised_shape():
    catalog = load_catalog(SAMPLE)
    assert {t.currency for t in catalog.tenants} == {"EUR", "SEK"}
    assert len(catalog.chargers) == 20
    assert len(catalog.tokens) >= 60 and len(catalog.accounts) == 40
    assert {t.status.value for t in catalog.tokens} == {"valid", "blocked", "expired"}
    assert {a.customer_group for a in catalog.accounts} == {"public", "member", "fleet"}
    assert {a.language for a in catalog.accounts} == {"en", "de", "sv", "es"}
    vats = {c["vat"] for t in catalog.tariffs for e in t["elements"] for c in e["price_components"]}
    assert vats == {Decimal("19.0"), Decimal("25.0")}


def test_yaml_numbers_stay_exact_and_times_stay_text(tmp_path):
    catalog = load_catalog(write(tmp_path, MINIMAL))
    element = catalog.tariffs[0]["elements"][0]
    assert element["price_components"][0]["price"] == Decimal("0.1")
    assert type(element["price_components"][0]["price"]) is Decimal
    assert element["restrictions"] == {"start_time": "22:00", "end_time": "06:00"}  # not base-60 ints


def test_json_catalog_parses_floats_as_decimal(tmp_path):
    import yaml

    from pipelines.catalog.load import ExactNumberLoader

    document = yaml.load(MINIMAL, Loader=ExactNumberLoader)
    text = orjson.dumps(document, default=str).decode().replace('"0.1"', "0.10")
    catalog = load_catalog(write(tmp_path, text, "catalog.json"))
    assert catalog.tariffs[0]["elements"][0]["price_components"][0]["price"] == Decimal("0.10")


def test_every_problem_is_listed_at_once(tmp_path):
    broken = (
        MINIMAL.replace("name: Main,", "name: Main, colour: red,")
        + """
- {id: T1, tenant_id: t1, currency: EUR, elements: [{price_components: [{type: ENERGY, price: 0.2, step_size: 1}]}]}
- {id: T2, tenant_id: nobody, currency: XX, elements: []}
"""
    )
    broken = broken.replace(
        "{charge_point_id: CP-1, tenant_id: t1, site_id: S1", "{charge_point_id: CP-1, tenant_id: t1, site_id: X"
    )
    broken = broken.replace("account_id: A1}\ntariffs", "account_id: GHOST}\ntariffs")
    problems = problems_of(write(tmp_path, broken))
    text = "\n".join(problems)
    assert "sites[0].colour: Extra inputs are not permitted" in text
    assert "chargers[0].site_id: unknown site 'X' of tenant 't1'" in text
    assert "tokens[0].account_id: unknown account 'GHOST'" in text
    assert "tariffs[1]: duplicate of tariffs[0] (t1/T1)" in text
    assert "tariffs[2].currency" in text  # reported by the tariff parser, with our path
    assert len(problems) >= 6


def test_cross_references_after_valid_items(tmp_path):
    text = MINIMAL.replace("tenant_id: t1, account_id: A1", "tenant_id: t2, account_id: A1")
    assert problems_of(write(tmp_path, text)) == [
        "tokens[0].tenant_id: unknown tenant 't2'",
        "tokens[0].account_id: unknown account 'A1' of tenant 't2'",
    ]


def test_yaml_syntax_error_names_the_line(tmp_path):
    problems = problems_of(write(tmp_path, "tenants:\n- {tenant_id: t1\nsites: []\n"))
    assert len(problems) == 1 and problems[0].startswith("line 3") and "YAML syntax error" in problems[0]


def test_missing_file_and_wrong_top_level(tmp_path):
    assert problems_of(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: file not found"]
    assert "top level: expected a mapping" in problems_of(write(tmp_path, "- 1\n- 2\n"))[0]
    (problem,) = problems_of(write(tmp_path, "tenant: []\n"))
    assert problem.startswith("tenant: unknown section (expected one of tenants, sites,")


def test_naive_token_expiry_is_refused(tmp_path):
    text = MINIMAL.replace("account_id: A1}", "account_id: A1, expires_at: 2027-01-01T00:00:00}")
    assert problems_of(write(tmp_path, text)) == ["tokens[0].expires_at: needs a time zone (e.g. a trailing Z for UTC)"]


def test_yaml_one_one_booleans_other_than_true_false_stay_text():
    catalog = parse_catalog({"tenants": [{"tenant_id": "no", "name": "n", "currency": "NOK", "country": "NO"}]})
    assert catalog.tenants[0].country == "NO"


def test_records_are_keyed_by_tenant_and_id_with_decimals_as_text(tmp_path):
    records = catalog_records(load_catalog(write(tmp_path, MINIMAL)))
    keys = {(kind, key) for kind, key, _ in records}
    assert ("chargers", b"t1/CP-1") in keys and ("tokens", b"t1/04A2B3C4") in keys and ("tenants", b"t1/t1") in keys
    tariff = orjson.loads(next(value for kind, _, value in records if kind == "tariffs"))
    assert tariff["elements"][0]["price_components"][0]["price"] == "0.1"


def test_sample_records_cover_every_kind_once_per_entity():
    catalog = load_catalog(SAMPLE)
    records = catalog_records(catalog)
    assert len({(kind, key) for kind, key, _ in records}) == len(records)
    assert {kind for kind, _, _ in records} == set(KINDS)


RULES = """
idle_fees:
- {idle_fee_id: IDLE, tenant_id: t1, name: Idle, grace_minutes: 15, price_per_minute: 0.10, vat: 19.0, max_amount: 12}
discounts:
- {rule_id: NIGHT, tenant_id: t1, kind: off_peak, name: Night, percentage: 20,
   windows: [{start_time: "22:00", end_time: "06:00"}]}
- {rule_id: LOYAL, tenant_id: t1, kind: loyalty, name: Loyal, percentage: 10, after_sessions: 10}
vouchers:
- {code: WELCOME, tenant_id: t1, name: Welcome, budget: 20, account_id: A1, valid_to: "2027-01-01T00:00:00Z"}
subscription_plans:
- {plan_id: PLUS, tenant_id: t1, name: Plus, monthly_fee: 19, vat: 19.0, included_kwh: 100}
tariff_assignments:
- {tenant_id: t1, tariff_id: T1, customer_group: fleet, valid_to: "2027-01-01T00:00:00Z", idle_fee_id: IDLE}
- {tenant_id: t1, tariff_id: T1, customer_group: fleet, valid_from: "2027-01-01T00:00:00+00:00"}
"""


def test_operator_rules_load_and_travel_on_their_own_topics(tmp_path):
    catalog = load_catalog(write(tmp_path, MINIMAL + RULES))
    assert [d.kind.value for d in catalog.discounts] == ["off_peak", "loyalty"]
    assert catalog.vouchers[0].budget == Decimal(20) and catalog.subscription_plans[0].included_kwh == 100
    keys = {(kind, key) for kind, key, _ in catalog_records(catalog)}
    assert ("tariff_assignments", b"t1/*|fleet|*|*|*|*|*") in keys
    assert ("tariff_assignments", b"t1/*|fleet|*|*|*|*|2027-01-01T00:00:00Z") in keys
    assert {("vouchers", b"t1/WELCOME"), ("discounts", b"t1/NIGHT"), ("idle_fees", b"t1/IDLE")} <= keys


def test_every_rule_problem_is_reported_with_its_path(tmp_path):
    broken = (
        MINIMAL.replace(
            "{account_id: A1, tenant_id: t1, name: Anna}",
            "{account_id: A1, tenant_id: t1, name: Anna, subscription_plan_id: GOLD}",
        )
        + """
- id: T1
  tenant_id: t1
  currency: EUR
  start_date_time: "2027-01-01T00:00:00Z"
  elements: [{price_components: [{type: PARKING_TIME, price: 6, step_size: 60}]}]
- {id: T1, tenant_id: t1, currency: EUR, start_date_time: "2027-01-01T01:00:00+01:00",
   elements: [{price_components: [{type: ENERGY, price: 0.2, step_size: 1}]}]}
tariff_assignments:
- {tenant_id: t1, tariff_id: T1, customer_group: fleet, idle_fee_id: IDLE}
- {tenant_id: t1, tariff_id: T1, customer_group: fleet, valid_from: "2026-06-01T00:00:00Z"}
- {tenant_id: t1, tariff_id: NOPE, charge_point_id: CP-1, site_id: S2}
- {tenant_id: t1, tariff_id: T1, valid_from: "2027-01-01T00:00:00Z", valid_to: "2026-01-01T00:00:00Z"}
- {tenant_id: t1, tariff_id: T1, power_type: DC, valid_from: "2027-01-01T00:00:00"}
idle_fees:
- {idle_fee_id: IDLE, tenant_id: t1, name: Idle, grace_minutes: -1, price_per_minute: 0.10}
discounts:
- {rule_id: NIGHT, tenant_id: t1, kind: off_peak, name: Night, percentage: -20, windows: []}
- {rule_id: LOYAL, tenant_id: t1, kind: loyalty, name: Loyal, percentage: 10, after_sessions: 3, after_kwh: 50}
- {rule_id: SITE, tenant_id: t1, kind: off_peak, name: S, percentage: 5, site_ids: [S9],
   windows: [{start_time: "22:00", end_time: "06:00"}]}
vouchers:
- {code: NOBUDGET, tenant_id: t1, name: No budget, account_id: A1}
- {code: BOTH, tenant_id: t1, name: Both, budget: 5, account_id: A1, token_uid: 04A2B3C4}
- {code: GHOST, tenant_id: t1, name: Ghost, budget: 5, token_uid: NOBODY}
"""
    )
    problems = problems_of(write(tmp_path, broken))
    expected = [
        "tariffs[2]: duplicate of tariffs[1] (t1/T1@2027-01-01T00:00:00Z)",
        "tariff_assignments[3]: valid_to must be after valid_from",
        "tariff_assignments[4].valid_from: Input should have timezone info",
        "idle_fees[0].grace_minutes: Input should be greater than or equal to 0",
        "discounts[0].percentage: Input should be greater than 0",
        "discounts[1]: a loyalty discount needs exactly one of after_sessions and after_kwh",
        "discounts[2].site_ids: unknown site 'S9' of tenant 't1'",
        "vouchers[0].budget: Field required",
        "vouchers[1]: a voucher belongs to exactly one of account_id and token_uid",
        "vouchers[2].token_uid: unknown token 'NOBODY' of tenant 't1'",
        "accounts[0].subscription_plan_id: unknown subscription plan 'GOLD' of tenant 't1'",
        "tariff_assignments[0].idle_fee_id: unknown idle fee 'IDLE' of tenant 't1'",
        "tariff_assignments[2].tariff_id: unknown tariff 'NOPE' of tenant 't1'",
        "tariff_assignments[2].site_id: unknown site 'S2' of tenant 't1'",
        "tariff_assignments[2].site_id: charger 'CP-1' is at site 'S1', so this assignment can never apply",
        "tariff_assignments[1]: names the same criteria as tariff_assignments[0] (customer_group=fleet) with an"
        " overlapping validity period, so which tariff applies would be ambiguous",
        "tariff_assignments[0].idle_fee_id: tariff 'T1' prices PARKING_TIME itself; an idle fee on top would bill"
        " parking twice",
    ]
    missing = [problem for problem in expected if problem not in problems]
    assert not missing, "\n".join(problems)
    assert len(problems) == len(expected), "\n".join(sorted(set(problems) - set(expected)))  # nothing else


def test_an_assignment_for_a_charger_at_another_site_can_never_apply(tmp_path):
    text = MINIMAL.replace("sites:\n", "sites:\n- {site_id: S2, tenant_id: t1, name: Two, time_zone: UTC,"
                                       " default_tariff_id: T1}\n")  # fmt: skip
    text += "tariff_assignments:\n- {tenant_id: t1, tariff_id: T1, charge_point_id: CP-1, site_id: S2}\n"
    assert problems_of(write(tmp_path, text)) == [
        "tariff_assignments[0].site_id: charger 'CP-1' is at site 'S1', so this assignment can never apply"
    ]


def test_the_sample_has_each_tenants_operator_rules():
    catalog = load_catalog(SAMPLE)
    by_tenant = {
        tenant: {d.kind.value for d in catalog.discounts if d.tenant_id == tenant}
        for tenant in ("stadtwerk-aachen", "nordladd")
    }
    assert by_tenant == {"stadtwerk-aachen": {"off_peak"}, "nordladd": {"loyalty"}}
    assert {v.tenant_id for v in catalog.vouchers} == {"nordladd"}
    assert {p.tenant_id for p in catalog.subscription_plans} == {"stadtwerk-aachen"}
    assert any(a.subscription_plan_id for a in catalog.accounts) and any(a.membership_level for a in catalog.accounts)
    assert len([t for t in catalog.tariffs if t["id"] == "DE-AC-STANDARD"]) == 2  # two versions
    rules = catalog.tariff_assignments
    assert any(r.valid_from for r in rules) and any(r.contract for r in rules) and any(r.charge_point_id for r in rules)


def test_the_topic_list_names_every_catalog_kind():
    assert CATALOG_KINDS == KINDS


def test_a_section_written_twice_is_an_error_not_a_silent_overwrite(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text("tenants: []\nsites: []\ntenants:\n- {tenant_id: t}\n")
    with pytest.raises(CatalogError, match=r"line 3, column 1: .*duplicate key 'tenants' \(first on line 1\)"):
        load_catalog(path)
