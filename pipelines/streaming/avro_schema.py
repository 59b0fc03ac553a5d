"""Avro schema JSON reduced to the few shapes avro_compile can generate code for, refusing all others.

Supported: records, boolean, int, long, string, bytes, null, decimal on bytes, timestamp-micros on long,
arrays, and two-branch unions with null. Everything else (float, double, maps, fixed, Avro enums, other
logical types, unions of two non-null types, ...) is a SchemaCompileError naming every offending path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "string", "bytes"})


class SchemaCompileError(ValueError):
    """A schema (or its binding to Python classes) that the compiler cannot turn into code."""


@dataclass(frozen=True)
class Primitive:
    kind: str  # one of PRIMITIVES


@dataclass(frozen=True)
class DecimalBytes:
    precision: int
    scale: int


@dataclass(frozen=True)
class TimestampMicros:
    pass


@dataclass(frozen=True)
class Nullable:
    inner: AvroType
    null_index: int  # 0 for ["null", X], 1 for [X, "null"]


@dataclass(frozen=True)
class Array:
    items: AvroType


@dataclass(frozen=True)
class RecordRef:
    name: str  # full name


@dataclass(frozen=True)
class Field:
    name: str
    type: AvroType


@dataclass(frozen=True)
class Record:
    name: str  # full name
    fields: tuple[Field, ...]

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]


AvroType = Primitive | DecimalBytes | TimestampMicros | Nullable | Array | RecordRef


class _Reader:
    """Walks schema JSON, collecting every problem before raising."""

    def __init__(self) -> None:
        self.records: dict[str, Record] = {}
        self.problems: list[str] = []

    def top(self, schema: Any) -> str | None:
        parsed = self.type(schema, "", "<schema>")
        if not isinstance(parsed, RecordRef):
            self.problems.append(f"<schema>: the top level must be a record, got {schema!r}")
            return None
        return parsed.name

    def type(self, schema: Any, namespace: str, path: str) -> AvroType:
        if isinstance(schema, str):
            return self.named(schema, namespace, path)
        if isinstance(schema, list):
            return self.union(schema, namespace, path)
        if not isinstance(schema, Mapping) or "type" not in schema:
            return self.fail(path, f"not an Avro schema: {schema!r}")
        kind = schema["type"]
        logical = schema.get("logicalType")
        if logical is not None:
            return self.logical(schema, logical, path)
        if kind == "record":
            return self.record(schema, namespace, path)
        if kind == "array":
            return Array(self.type(schema.get("items"), namespace, f"{path}[]"))
        if isinstance(kind, str) and kind in PRIMITIVES:
            return Primitive(kind)
        if isinstance(kind, (list, Mapping)):
            return self.type(kind, namespace, path)
        return self.fail(path, f"unsupported type {kind!r}")

    def named(self, name: str, namespace: str, path: str) -> AvroType:
        if name in PRIMITIVES:
            return Primitive(name)
        if name in ("float", "double"):
            return self.fail(path, f"unsupported type {name!r}")
        full = name if "." in name or not namespace else f"{namespace}.{name}"
        for candidate in (full, name):
            if candidate in self.records:
                return RecordRef(candidate)
        return self.fail(path, f"unknown or unsupported type {name!r} (define named records before use)")

    def union(self, branches: list[Any], namespace: str, path: str) -> AvroType:
        nulls = [i for i, b in enumerate(branches) if b == "null" or b == {"type": "null"}]
        if len(branches) != 2 or len(nulls) != 1:
            return self.fail(path, f"only two-branch unions with null are supported, got {branches!r}")
        inner = branches[1 - nulls[0]]
        return Nullable(self.type(inner, namespace, path), nulls[0])

    def logical(self, schema: Mapping[str, Any], logical: Any, path: str) -> AvroType:
        kind = schema["type"]
        if logical == "timestamp-micros" and kind == "long":
            return TimestampMicros()
        if logical == "decimal" and kind == "bytes":
            precision, scale = schema.get("precision"), schema.get("scale", 0)
            if not isinstance(precision, int) or not isinstance(scale, int) or not 0 <= scale <= precision:
                return self.fail(path, f"decimal needs integer 0 <= scale <= precision, got {dict(schema)!r}")
            return DecimalBytes(precision, scale)
        return self.fail(path, f"unsupported logical type {logical!r} on {kind!r}")

    def record(self, schema: Mapping[str, Any], namespace: str, path: str) -> AvroType:
        name = schema.get("name")
        if not isinstance(name, str):
            return self.fail(path, "record without a name")
        namespace = schema.get("namespace", namespace) if "." not in name else name.rsplit(".", 1)[0]
        full = name if "." in name or not namespace else f"{namespace}.{name}"
        if full in self.records:
            return self.fail(path, f"record {full} defined twice")
        fields = []
        for raw in schema.get("fields", []):
            field_path = f"{full}.{raw.get('name')}"
            fields.append(Field(str(raw.get("name")), self.type(raw.get("type"), namespace, field_path)))
        self.records[full] = Record(full, tuple(fields))
        return RecordRef(full)

    def fail(self, path: str, problem: str) -> AvroType:
        self.problems.append(f"{path}: {problem}")
        return Primitive("null")


def read_schemas(schemas: Sequence[Any]) -> tuple[dict[str, Record], list[str]]:
    """Every record the schemas define (by full name) and the full names of the top-level ones."""
    reader = _Reader()
    tops = [reader.top(schema) for schema in schemas]
    if reader.problems:
        raise SchemaCompileError("unsupported Avro schema:\n  " + "\n  ".join(reader.problems))
    return reader.records, [top for top in tops if top is not None]
