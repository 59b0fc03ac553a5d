"""Reads a catalog file, reports every problem in it at once, and turns it into compacted-topic records."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import yaml
from pydantic import BaseModel, ValidationError

from pipelines.catalog.checks import cross_reference_problems
from pipelines.catalog.flag_policy import BlockedToken
from pipelines.catalog.keys import KINDS, record_key
from pipelines.catalog.models import (
    Account,
    Catalog,
    Charger,
    Discount,
    IdleFee,
    Site,
    SubscriptionPlan,
    TariffAssignment,
    Tenant,
    Token,
    Voucher,
)
from pipelines.rating.tariff import TariffError, parse_tariff

KIND_MODELS: dict[str, type[BaseModel]] = {
    "tenants": Tenant,
    "sites": Site,
    "chargers": Charger,
    "tokens": Token,
    "accounts": Account,
    "tariff_assignments": TariffAssignment,
    "idle_fees": IdleFee,
    "discounts": Discount,
    "vouchers": Voucher,
    "subscription_plans": SubscriptionPlan,
    "blocklist": BlockedToken,
}
__all__ = ["KINDS", "KIND_MODELS", "CatalogError", "catalog_records", "load_catalog", "parse_catalog", "record_key"]


class CatalogError(ValueError):
    """A catalog that cannot be used; `problems` lists every reason, one readable line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} catalog problem(s):\n  " + "\n  ".join(problems))
        self.problems = problems


def load_catalog(path: Path) -> Catalog:
    """The catalog in a YAML or JSON file; raises CatalogError listing every problem found."""
    return parse_catalog(_read_document(path))


def parse_catalog(document: object) -> Catalog:
    """A catalog from an already parsed document (numbers as Decimal/int, never float)."""
    if not isinstance(document, dict):
        raise CatalogError([f"top level: expected a mapping of {', '.join(KINDS)}, got {type(document).__name__}"])
    problems = [f"{key}: unknown section (expected one of {', '.join(KINDS)})" for key in document if key not in KINDS]
    entities: dict[str, list[Any]] = {}
    for kind in KINDS:
        items = document.get(kind) or []
        if not isinstance(items, list):
            problems.append(f"{kind}: expected a list, got {type(items).__name__}")
            items = []
        entities[kind] = _validate_items(kind, items, problems)
    problems += cross_reference_problems(entities)
    if problems:
        raise CatalogError(problems)
    return Catalog(**{kind: [entity for _, entity in entities[kind]] for kind in KINDS})


def catalog_records(catalog: Catalog) -> list[tuple[str, bytes, bytes]]:
    """(kind, key, value) for the compacted topics `catalog.<kind>`; key is record_key (tenant/id)."""
    records: list[tuple[str, bytes, bytes]] = []
    for kind in KINDS:
        for entity in getattr(catalog, kind):
            body = entity if isinstance(entity, dict) else entity.model_dump(mode="json")
            records.append((kind, record_key(kind, body).encode(), canonical_json(body)))
    return records


def canonical_json(body: dict[str, Any]) -> bytes:
    """Sorted keys, Decimals as their exact text."""
    return orjson.dumps(body, default=_decimal_text, option=orjson.OPT_SORT_KEYS)


def _decimal_text(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# --- reading -------------------------------------------------------------------------------------------


def _read_document(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError([f"{path}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError([f"{path}: cannot read: {exc}"]) from None
    if path.suffix.lower() == ".json":
        return _parse_json(text)
    return _parse_yaml(text)


def _parse_json(text: str) -> object:
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise CatalogError([f"line {exc.lineno}, column {exc.colno}: JSON syntax error: {exc.msg}"]) from None


def _parse_yaml(text: str) -> object:
    try:
        return yaml.load(text, Loader=ExactNumberLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise CatalogError([f"{where}: YAML syntax error: {exc.problem or exc.context}"]) from None
    except yaml.YAMLError as exc:
        raise CatalogError([f"YAML error: {exc}"]) from None


class ExactNumberLoader(yaml.SafeLoader):
    """Safe YAML where numbers keep their text: floats become Decimal, and YAML 1.1 surprises stay strings.

    `22:00` (a base-60 integer in YAML 1.1) stays "22:00", `no`/`on` stay strings (only true/false are
    booleans), and timestamps stay the text written so pydantic and the tariff parser judge them. A key written
    twice in one mapping is an error: YAML loaders otherwise keep the last, silently dropping a whole section.
    """

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, yaml.Node] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, str | int) and key in seen:
                    line = seen[key].start_mark.line + 1
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} (first on line {line})", key_node.start_mark
                    )
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal | str:
    text = str(loader.construct_scalar(node)).replace("_", "")
    if ":" in text:
        return text
    lowered = text.lower()
    if lowered in (".inf", "+.inf", "-.inf", ".nan"):
        return text
    return Decimal(text)


def _integer(loader: yaml.SafeLoader, node: yaml.Node) -> int | str:
    text = str(loader.construct_scalar(node))
    return text if ":" in text else int(loader.construct_yaml_int(node))


def _boolean(loader: yaml.SafeLoader, node: yaml.Node) -> bool | str:
    text = str(loader.construct_scalar(node))
    return {"true": True, "false": False}.get(text.lower(), text)


def _text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))


ExactNumberLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
ExactNumberLoader.add_constructor("tag:yaml.org,2002:int", _integer)
ExactNumberLoader.add_constructor("tag:yaml.org,2002:bool", _boolean)
ExactNumberLoader.add_constructor("tag:yaml.org,2002:timestamp", _text)


# --- validating ----------------------------------------------------------------------------------------


def _validate_items(kind: str, items: list[Any], problems: list[str]) -> list[tuple[int, Any]]:
    """(index, entity) of the items that are valid on their own; problems of the others appended."""
    valid: list[tuple[int, Any]] = []
    for index, item in enumerate(items):
        where = f"{kind}[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected a mapping, got {type(item).__name__}")
            continue
        entity = (
            _validate_tariff(item, where, problems)
            if kind == "tariffs"
            else _validate_model(kind, item, where, problems)
        )
        if entity is not None:
            valid.append((index, entity))
    return valid


def _validate_model(kind: str, item: dict[str, Any], where: str, problems: list[str]) -> BaseModel | None:
    try:
        entity = KIND_MODELS[kind].model_validate(item)
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(f"{where}{_error_path(error['loc'])}: {error['msg'].removeprefix('Value error, ')}")
        return None
    if isinstance(entity, Token) and entity.expires_at is not None and entity.expires_at.utcoffset() is None:
        problems.append(f"{where}.expires_at: needs a time zone (e.g. a trailing Z for UTC)")
        return None
    return entity


def _validate_tariff(item: dict[str, Any], where: str, problems: list[str]) -> dict[str, Any] | None:
    found = [] if isinstance(item.get("tenant_id"), str) else [f"{where}.tenant_id: is required"]
    try:
        parse_tariff(item)
    except TariffError as exc:
        found += [f"{where}.{problem.removeprefix('tariff.').removeprefix('tariff: ')}" for problem in exc.problems]
    problems += found
    return None if found else item


def _error_path(loc: Iterable[int | str]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
