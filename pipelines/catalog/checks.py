"""Checks across a catalog's entities: duplicates, references, currencies and the operator's rules.

Each check returns every problem it finds as "path: what is wrong", e.g. "vouchers[2].account_id: unknown
account 'X' of tenant 'T'"; the loader reports them all at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pipelines.catalog.keys import ID_FIELDS, KINDS, record_key
from pipelines.catalog.models import Charger, Tenant
from pipelines.rating.assign import tie_problems

Entities = dict[str, list[tuple[int, Any]]]  # kind -> (index in the file, validated entity)

# (kind, field, referenced kind, the referenced ids of one entity)
REFERENCES: list[tuple[str, str, str, Callable[[Any], Iterable[str | None]]]] = [
    ("tenants", "idle_fee_id", "idle_fees", lambda e: [e.idle_fee_id]),
    ("sites", "default_tariff_id", "tariffs", lambda e: [e.default_tariff_id]),
    ("chargers", "site_id", "sites", lambda e: [e.site_id]),
    ("tokens", "account_id", "accounts", lambda e: [e.account_id]),
    ("accounts", "subscription_plan_id", "subscription_plans", lambda e: [e.subscription_plan_id]),
    ("tariff_assignments", "tariff_id", "tariffs", lambda e: [e.tariff_id]),
    ("tariff_assignments", "site_id", "sites", lambda e: [e.site_id]),
    ("tariff_assignments", "charge_point_id", "chargers", lambda e: [e.charge_point_id]),
    ("tariff_assignments", "idle_fee_id", "idle_fees", lambda e: [e.idle_fee_id]),
    ("discounts", "site_ids", "sites", lambda e: e.site_ids),
    ("vouchers", "account_id", "accounts", lambda e: [e.account_id]),
    ("vouchers", "token_uid", "tokens", lambda e: [e.token_uid]),
]


def cross_reference_problems(entities: Entities) -> list[str]:
    problems = duplicate_problems(entities)
    tenants = {tenant.tenant_id: tenant for _, tenant in entities["tenants"]}
    for kind in KINDS[1:]:
        for index, entity in entities[kind]:
            tenant_id = field(entity, "tenant_id")
            if tenant_id not in tenants:
                problems.append(f"{kind}[{index}].tenant_id: unknown tenant {tenant_id!r}")
    problems += [f"tenants[{i}].tenant_id: must not contain '/'" for i, t in entities["tenants"] if "/" in t.tenant_id]
    known = {
        kind: {(field(e, "tenant_id"), field(e, ID_FIELDS[kind])) for _, e in entities[kind]} for kind in ID_FIELDS
    }
    for kind, name, target, refs in REFERENCES:
        for index, entity in entities[kind]:
            for ref in refs(entity):
                if ref is not None and (entity.tenant_id, ref) not in known[target]:
                    what = f"{target[:-1].replace('_', ' ')} {ref!r} of tenant {entity.tenant_id!r}"
                    problems.append(f"{kind}[{index}].{name}: unknown {what}")
    problems += currency_problems(entities["tariffs"], tenants)
    problems += assignment_problems(entities)
    return problems


def duplicate_problems(entities: Entities) -> list[str]:
    problems: list[str] = []
    for kind in KINDS:
        first_seen: dict[str, int] = {}
        for index, entity in entities[kind]:
            body = entity if isinstance(entity, dict) else entity.model_dump(mode="json")
            key = record_key(kind, body)
            if key in first_seen:
                problems.append(f"{kind}[{index}]: duplicate of {kind}[{first_seen[key]}] ({key})")
            else:
                first_seen[key] = index
    problems += _duplicate_connector_problems(entities["chargers"])
    owners: dict[str, str] = {}
    for index, charger in entities["chargers"]:
        owner = owners.setdefault(charger.charge_point_id, charger.tenant_id)
        if owner != charger.tenant_id:
            problems.append(
                f"chargers[{index}].charge_point_id: {charger.charge_point_id!r} belongs to tenant {owner!r}"
            )
    return problems


def _duplicate_connector_problems(chargers: list[tuple[int, Any]]) -> list[str]:
    problems = []
    for index, charger in chargers:
        ids = [connector.connector_id for connector in charger.connectors]
        problems += [
            f"chargers[{index}].connectors: duplicate connector_id {c}" for c in sorted(set(ids)) if ids.count(c) > 1
        ]
    return problems


def currency_problems(tariffs: list[tuple[int, dict[str, Any]]], tenants: dict[str, Tenant]) -> list[str]:
    problems = []
    for index, tariff in tariffs:
        tenant = tenants.get(tariff["tenant_id"])
        if tenant is not None and tariff.get("currency") != tenant.currency:
            problems.append(
                f"tariffs[{index}].currency: {tariff.get('currency')!r} but tenant uses {tenant.currency!r}"
            )
    return problems


def assignment_problems(entities: Entities) -> list[str]:
    """Ties, assignments that can never match, and idle fees on tariffs that already price parking."""
    rules = entities["tariff_assignments"]
    problems = tie_problems([(f"tariff_assignments[{index}]", rule) for index, rule in rules])
    chargers: dict[tuple[str, str], Charger] = {(c.tenant_id, c.charge_point_id): c for _, c in entities["chargers"]}
    parking = {(t["tenant_id"], t["id"]) for _, t in entities["tariffs"] if _prices_parking(t)}
    for index, rule in rules:
        charger = chargers.get((rule.tenant_id, rule.charge_point_id or ""))
        if charger is not None and rule.site_id is not None and charger.site_id != rule.site_id:
            problems.append(
                f"tariff_assignments[{index}].site_id: charger {charger.charge_point_id!r} is at site"
                f" {charger.site_id!r}, so this assignment can never apply"
            )
        if rule.idle_fee_id is not None and (rule.tenant_id, rule.tariff_id) in parking:
            problems.append(
                f"tariff_assignments[{index}].idle_fee_id: tariff {rule.tariff_id!r} prices PARKING_TIME itself;"
                " an idle fee on top would bill parking twice"
            )
    return problems


def _prices_parking(tariff: dict[str, Any]) -> bool:
    return any(
        component.get("type") == "PARKING_TIME"
        for element in tariff.get("elements") or []
        for component in element.get("price_components") or []
    )


def field(entity: Any, name: str) -> Any:
    return entity.get(name) if isinstance(entity, dict) else getattr(entity, name)
