"""Catalog loading: every problem at once, exact decimals, records for the compacted topics."""

from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from pipelines.catalog.load import CatalogError, catalog_records, load_catalog, parse_catalog

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
    assert {kind for kind, _, _ in records} == {
        "tenants",
        "sites",
        "chargers",
        "tokens",
        "accounts",
        "tariffs",
        "tariff_assignments",
    }
