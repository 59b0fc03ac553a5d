"""The official OCPP 1.6 and 2.0.1 JSON schemas, compiled to fast boolean checks plus a full error report for rejects.

fastjsonschema spends ~25 us on one MeterValues payload (enums as `==` chains, sets built per object), which is
most of the hot path's budget, so the schemas are compiled here into straight-line Python instead: exact type
checks (orjson only produces dict, list, str, int, float, bool, None), frozenset enums, key-set comparisons.
A rejected payload is then re-checked by jsonschema's Draft 4 validator (with the same `multipleOf` and
`date-time` definitions) to name every failing field and rule; tests compare both verdicts on generated data.
Supported keywords are the ones the OCPP schemas use; any other keyword fails loudly at compile time.

The 2.0.1 schemas (and 1.6's security extension) declare Draft 6. The keywords they use mean the same in Draft 4
with one exception: Draft 6 counts 1.0 as an integer. Both versions are checked with Draft 4's rule, so an
integer field written as 1.0 is rejected with a readable reason instead of reaching the normalizers as a float.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, cast

import jsonschema
import ocpp

Check = Callable[[Any], bool]

SCHEMA_DIR_V16 = Path(ocpp.__file__).parent / "v16" / "schemas"
SCHEMA_DIR_V201 = Path(ocpp.__file__).parent / "v201" / "schemas"
MAX_REPORTED_PROBLEMS = 10
MAX_MESSAGE_CHARS = 200

# Charge-point-initiated actions of OCPP 1.6 (core, smart charging, security whitepaper); DataTransfer goes both ways.
CHARGE_POINT_ACTIONS = frozenset(
    {
        "Authorize",
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StartTransaction",
        "StatusNotification",
        "StopTransaction",
        "LogStatusNotification",
        "SecurityEventNotification",
        "SignCertificate",
        "SignedFirmwareStatusNotification",
    }
)
# Charging-station-initiated actions of OCPP 2.0.1 (a local controller's PublishFirmwareStatusNotification too).
CHARGING_STATION_ACTIONS_V201 = frozenset(
    {
        "Authorize",
        "BootNotification",
        "ClearedChargingLimit",
        "FirmwareStatusNotification",
        "Get15118EVCertificate",
        "GetCertificateStatus",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "NotifyChargingLimit",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule",
        "NotifyEvent",
        "NotifyMonitoringReport",
        "NotifyReport",
        "PublishFirmwareStatusNotification",
        "ReportChargingProfiles",
        "ReservationStatusUpdate",
        "SecurityEventNotification",
        "SignCertificate",
        "StatusNotification",
        "TransactionEvent",
    }
)
BOTH_WAYS_ACTIONS = frozenset({"DataTransfer"})

_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)")
_IGNORED_KEYWORDS = frozenset(
    {"$schema", "$id", "id", "title", "description", "comment", "javaType", "default", "definitions", "additionalItems"}
)
_TYPE_TEST = {
    "object": "type({v}) is dict",
    "array": "type({v}) is list",
    "string": "type({v}) is str",
    "integer": "type({v}) is int",
    "number": "(type({v}) is int or type({v}) is float)",
    "boolean": "type({v}) is bool",
    "null": "{v} is None",
}


MAX_CACHED_DATE_TIMES = 4096
MAX_CACHED_DATE_TIME_CHARS = 40  # longer texts (odd precisions, junk) are rare: checked, not kept
_DATE_TIME_VERDICTS: dict[str, bool] = {}


def is_date_time(text: str) -> bool:
    """RFC 3339 shape (date, 'T', time with seconds, offset or Z); calendar validity is checked when parsed.

    Cached by text (the regex costs ~1 us, a dict hit ~0.1 us): stations of a fleet stamp samples with the same
    clock-aligned instants. Emptied when full and only for short texts, so it stays small.
    """
    verdict = _DATE_TIME_VERDICTS.get(text)
    if verdict is None:
        verdict = _DATE_TIME.fullmatch(text) is not None
        if len(text) <= MAX_CACHED_DATE_TIME_CHARS:
            if len(_DATE_TIME_VERDICTS) >= MAX_CACHED_DATE_TIMES:
                _DATE_TIME_VERDICTS.clear()
            _DATE_TIME_VERDICTS[text] = verdict
    return verdict


def is_multiple_of(value: int | float, divisor: int | float) -> bool:
    """Decimal arithmetic on the written values, so 7.3 is a multiple of 0.1 (binary floats say it is not)."""
    return Decimal(repr(value)) % Decimal(repr(divisor)) == 0


class _Compiler:
    """Emits one Python function per schema; each nested schema becomes inline `if ...: return False` lines."""

    def __init__(self, root: dict) -> None:
        self.root = root
        self.lines: list[str] = ["def check(v0):", "  try:"]
        self.constants: dict[str, object] = {"is_date_time": is_date_time, "is_multiple_of": is_multiple_of}
        self.counter = 0

    def compile(self) -> Check:
        self.emit_schema(self.root, "v0", 1, depth=0)
        self.lines.append("    return True")
        self.lines.append("  except TypeError:  # an unhashable value tested against a set of strings")
        self.lines.append("    return False")
        namespace = dict(self.constants)
        exec(compile("\n".join(self.lines), f"<schema {self.root.get('title', '?')}>", "exec"), namespace)  # noqa: S102
        return cast(Check, namespace["check"])  # defined by the exec above

    def fresh_name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def constant(self, value: object) -> str:
        name = self.fresh_name("C")
        self.constants[name] = value
        return name

    def fail_if(self, condition: str, indent: int) -> None:
        self.lines.append(f"{'    ' * indent}if {condition}: return False")

    def resolve(self, ref: str) -> dict:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported, got {ref!r}")
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def emit_schema(self, schema: dict, var: str, indent: int, depth: int) -> None:
        if depth > 32:
            raise ValueError("schema nesting deeper than 32 levels (recursive $ref?)")
        if "$ref" in schema:  # Draft 4: $ref replaces its siblings
            self.emit_schema(self.resolve(schema["$ref"]), var, indent, depth + 1)
            return
        unknown = set(schema) - _IGNORED_KEYWORDS - _KNOWN_KEYWORDS
        if unknown:
            raise ValueError(f"unsupported schema keywords {sorted(unknown)}")
        kind = schema.get("type")
        if kind is not None and not isinstance(kind, str):
            raise ValueError(f"only single types are supported, got {kind!r}")
        string_enum = kind == "string" and all(isinstance(v, str) for v in schema.get("enum", [1]))
        if kind is not None and not string_enum:  # membership in a set of strings already implies a string
            self.fail_if(f"not {_TYPE_TEST[kind].format(v=var)}", indent)
        if "enum" in schema:
            self.emit_enum(schema["enum"], kind, var, indent)
        for keyword_kind, emitter in _EMITTERS:
            if not any(k in schema for k in _KEYWORDS_BY_KIND[keyword_kind]):
                continue
            if kind == keyword_kind or (kind == "integer" and keyword_kind == "number"):
                emitter(self, schema, var, indent, depth)
            elif kind is None:  # keyword applies only to instances of its kind
                self.lines.append(f"{'    ' * indent}if {_TYPE_TEST[keyword_kind].format(v=var)}:")
                emitter(self, schema, var, indent + 1, depth)

    def emit_enum(self, values: list, kind: str | None, var: str, indent: int) -> None:
        if kind == "string" and all(isinstance(v, str) for v in values):
            self.fail_if(f"{var} not in {self.constant(frozenset(values))}", indent)
        else:  # JSON equality: 1 and True differ
            pairs = frozenset((type(v), v) for v in values)
            self.fail_if(f"(type({var}), {var}) not in {self.constant(pairs)}", indent)

    def emit_object(self, schema: dict, var: str, indent: int, depth: int) -> None:
        pad = "    " * indent
        properties: dict = schema.get("properties", {})
        required = schema.get("required", [])
        for key in required:
            self.fail_if(f"{key!r} not in {var}", indent)
        extra = schema.get("additionalProperties", True)
        if extra is False:
            self.fail_if(f"not {var}.keys() <= {self.constant(frozenset(properties))}", indent)
        elif extra is not True:
            raise ValueError("additionalProperties as a schema is not supported")
        for key, sub in properties.items():
            child = self.fresh_name("v")
            if key in required:
                self.lines.append(f"{pad}{child} = {var}[{key!r}]")
                self.emit_schema(sub, child, indent, depth + 1)
            else:
                self.lines.append(f"{pad}if {key!r} in {var}:")
                self.lines.append(f"{pad}    {child} = {var}[{key!r}]")
                self.emit_schema(sub, child, indent + 1, depth + 1)

    def emit_array(self, schema: dict, var: str, indent: int, depth: int) -> None:
        if "minItems" in schema:
            self.fail_if(f"len({var}) < {int(schema['minItems'])}", indent)
        if "maxItems" in schema:
            self.fail_if(f"len({var}) > {int(schema['maxItems'])}", indent)
        items = schema.get("items")
        if isinstance(items, dict):
            child = self.fresh_name("v")
            self.lines.append(f"{'    ' * indent}for {child} in {var}:")
            self.emit_schema(items, child, indent + 1, depth + 1)
            self.lines.append(f"{'    ' * (indent + 1)}pass")
        elif items is not None:
            raise ValueError("tuple-typed items are not supported")

    def emit_string(self, schema: dict, var: str, indent: int, depth: int) -> None:
        if "maxLength" in schema:
            self.fail_if(f"len({var}) > {int(schema['maxLength'])}", indent)
        if "minLength" in schema:
            self.fail_if(f"len({var}) < {int(schema['minLength'])}", indent)
        if schema.get("format") == "date-time":  # other formats (uri) are annotations, as in jsonschema
            self.fail_if(f"not is_date_time({var})", indent)

    def emit_number(self, schema: dict, var: str, indent: int, depth: int) -> None:
        if "minimum" in schema:
            op = "<=" if schema.get("exclusiveMinimum") else "<"
            self.fail_if(f"{var} {op} {self.constant(schema['minimum'])}", indent)
        if "maximum" in schema:
            op = ">=" if schema.get("exclusiveMaximum") else ">"
            self.fail_if(f"{var} {op} {self.constant(schema['maximum'])}", indent)
        if "multipleOf" in schema:
            self.fail_if(f"not is_multiple_of({var}, {self.constant(schema['multipleOf'])})", indent)


_KEYWORDS_BY_KIND = {
    "object": ("properties", "required", "additionalProperties"),
    "array": ("items", "minItems", "maxItems"),
    "string": ("maxLength", "minLength", "format"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
}
_KNOWN_KEYWORDS = frozenset({"type", "enum", "$ref"}) | {k for ks in _KEYWORDS_BY_KIND.values() for k in ks}
_EMITTERS = (
    ("object", _Compiler.emit_object),
    ("array", _Compiler.emit_array),
    ("string", _Compiler.emit_string),
    ("number", _Compiler.emit_number),
)


def compile_schema(schema: dict) -> Check:
    """A function that says whether a JSON-decoded value satisfies the schema."""
    return _Compiler(schema).compile()


def _multiple_of_keyword(validator: Any, divisor: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "number") and not is_multiple_of(instance, divisor):
        yield jsonschema.ValidationError(f"{instance!r} is not a multiple of {divisor}")


_ReportingValidator = jsonschema.validators.extend(
    jsonschema.Draft4Validator, validators={"multipleOf": _multiple_of_keyword}
)
_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("date-time")(lambda value: not isinstance(value, str) or is_date_time(value))


def _path_text(path: Iterator[Any]) -> str:
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    return text.lstrip(".") or "(payload)"


def schema_problems(schema: dict, payload: Any) -> list[str]:
    """Every violation of the schema, as 'field.path: message (rule)', at most MAX_REPORTED_PROBLEMS of them."""
    errors = sorted(
        _ReportingValidator(schema, format_checker=_FORMATS).iter_errors(payload), key=lambda e: list(map(str, e.path))
    )
    problems = [
        f"{_path_text(iter(e.absolute_path))}: {e.message[:MAX_MESSAGE_CHARS]} (rule {e.validator})"
        for e in errors[:MAX_REPORTED_PROBLEMS]
    ]
    if len(errors) > MAX_REPORTED_PROBLEMS:
        problems.append(f"and {len(errors) - MAX_REPORTED_PROBLEMS} more")
    return problems


@dataclass(frozen=True, slots=True)
class ActionSchemas:
    """One action's request (CALL) and response (CALLRESULT) schemas, raw and compiled, and who sends the CALL."""

    action: str
    request: dict
    response: dict
    check_request: Check
    check_response: Check
    call_direction: str | None  # "upstream" (the station calls), "downstream", or None when both may call


def _call_direction(action: str, upstream_actions: frozenset[str]) -> str | None:
    if action in BOTH_WAYS_ACTIONS:
        return None
    return "upstream" if action in upstream_actions else "downstream"


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8-sig"))  # -sig: tolerate a byte-order mark


def _load_actions(directory: Path, request_suffix: str, upstream_actions: frozenset[str]) -> dict[str, ActionSchemas]:
    """Every action with a *Response.json in `directory`; its request schema is <action><request_suffix>.json."""
    actions: dict[str, ActionSchemas] = {}
    for response_path in sorted(directory.glob("*Response.json")):
        action = response_path.name.removesuffix("Response.json")
        request = _load(directory / f"{action}{request_suffix}.json")
        response = _load(response_path)
        direction = _call_direction(action, upstream_actions)
        actions[action] = ActionSchemas(
            action, request, response, compile_schema(request), compile_schema(response), direction
        )
    return actions


@cache
def ocpp16_schemas() -> dict[str, ActionSchemas]:
    """Every OCPP 1.6 action the ocpp package ships schemas for (<Action>.json), compiled once per process (~35 ms)."""
    return _load_actions(SCHEMA_DIR_V16, "", CHARGE_POINT_ACTIONS)


@cache
def ocpp201_schemas() -> dict[str, ActionSchemas]:
    """Every OCPP 2.0.1 action (<Action>Request.json), compiled once per process (~150 ms)."""
    return _load_actions(SCHEMA_DIR_V201, "Request", CHARGING_STATION_ACTIONS_V201)
