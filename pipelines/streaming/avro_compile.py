"""Compiles Avro record schemas into straight-line Python encode/decode functions per record dataclass.

fastavro's generic writer pays per call and per union branch, which the hot path cannot afford; the code
generated here does one attribute read and a few table lookups per field and writes the same bytes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from pipelines.streaming import avro_runtime as rt
from pipelines.streaming.avro_schema import (
    Array,
    AvroType,
    DecimalBytes,
    Nullable,
    Primitive,
    Record,
    RecordRef,
    SchemaCompileError,
    TimestampMicros,
    read_schemas,
)

__all__ = ["CompiledCodec", "RowLayout", "SchemaCompileError", "compile_codecs", "compile_row_decoders"]

DECODE_ERRORS = (LookupError, ValueError, TypeError, ArithmeticError, rt.AvroCodecError)
ENCODE_ERRORS = (LookupError, ValueError, TypeError, AttributeError, ArithmeticError)


@dataclass(frozen=True)
class CompiledCodec:
    """The generated functions for one record type, and their source for reading and debugging."""

    encode: Callable[[Any], bytes]
    decode: Callable[[bytes], Any]
    source: str


@dataclass(frozen=True)
class RowLayout:
    """A table row read straight from a flat record: each column is the record field of the same name.

    Enum-bound string fields arrive as their plain string value; null_defaults gives the value a null field
    takes in a column that cannot hold null (e.g. ("tenant_id", "")).
    """

    columns: tuple[str, ...]
    null_defaults: tuple[tuple[str, Any], ...] = ()


class _Emitter:
    """Generates the Python source of the encoders and decoders of a set of records."""

    def __init__(self, records: dict[str, Record], enums: dict[tuple[str, str], type[Enum]]) -> None:
        self.records = records
        self.enums = enums
        self.constants: dict[str, Any] = {}
        self.counter = 0

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    def constant(self, stem: str, value: Any) -> str:
        name = self.fresh(f"_{stem}")
        self.constants[name] = value
        return name

    # -- encoding: lines appending bytes through `ap` --------------------------------------------------

    def encode(self, kind: AvroType, value: str, enum: type[Enum] | None = None) -> list[str]:
        if isinstance(kind, Nullable):
            local = self.fresh("v")
            present = [f"    {line}" for line in self.encode(kind.inner, local, enum)]
            none, some = (r"b'\x00'", r"b'\x02'") if kind.null_index == 0 else (r"b'\x02'", r"b'\x00'")
            return [
                f"{local} = {value}",
                f"if {local} is None:",
                f"    ap({none})",
                "else:",
                f"    ap({some})",
                *present,
            ]
        if enum is not None:
            return [f"ap({self.constant('enum_bytes', _enum_bytes(enum))}[{value}])"]
        if isinstance(kind, RecordRef):
            return [f"_write_{_ident(kind.name)}({value}, ap)"]
        if isinstance(kind, Array):
            return self.encode_array(kind, value)
        if isinstance(kind, DecimalBytes):
            return self.encode_decimal(kind, value)
        if isinstance(kind, TimestampMicros):
            return self.encode_timestamp(value)
        return self.encode_primitive(kind.kind, value)

    def encode_primitive(self, kind: str, value: str) -> list[str]:
        if kind == "null":
            return [f"if {value} is not None: raise _rt.AvroCodecError('expected None')"]
        if kind == "boolean":
            return [f"ap(_BOOLEAN_BYTES[{value}])"]
        if kind in ("int", "long"):
            n = self.fresh("n")
            return [f"{n} = {value}", f"ap(_ZIGZAG[{n}] if -_SMALL <= {n} < _SMALL else _rt.write_{kind}({n}))"]
        data = self.fresh("s")
        head = f"{data} = {value}.encode()" if kind == "string" else f"{data} = {value}"
        return [head, *self.encode_length(f"len({data})"), f"ap({data})"]

    def encode_length(self, length: str) -> list[str]:
        n = self.fresh("n")
        return [f"{n} = {length}", f"ap(_ZIGZAG[{n}] if {n} < _SMALL else _rt.write_long({n}))"]

    def encode_array(self, kind: Array, value: str) -> list[str]:
        items, item = self.fresh("items"), self.fresh("item")
        body = [f"        {line}" for line in self.encode(kind.items, item)]
        head = [f"{items} = {value}", f"if {items}:", *[f"    {x}" for x in self.encode_length(f"len({items})")]]
        return [*head, f"    for {item} in {items}:", *body, r"ap(b'\x00')"]

    def encode_timestamp(self, value: str) -> list[str]:
        # Events of one frame, and frames of one clock-aligned instant, share their datetimes: a dict hit
        # replaces two timedelta operations and the varint assembly.
        moment, data = self.fresh("m"), self.fresh("b")
        return [
            f"{moment} = {value}",
            f"{data} = _TIMESTAMP_BYTES.get({moment})",
            f"ap({data} if {data} is not None else _rt.timestamp_bytes({moment}))",
        ]

    def encode_decimal(self, kind: DecimalBytes, value: str) -> list[str]:
        u, size, v = self.fresh("u"), self.fresh("k"), self.fresh("d")
        factor = self.constant("factor", Decimal(10) ** kind.scale)
        limit = self.constant("limit", 10**kind.precision)
        return [
            f"{v} = {value}",
            f"try: {u} = round(_exact_multiply({v}, {factor}))",
            f"except _Inexact: {u} = _rt.exact_unscaled({v}, {kind.scale})",
            f"if not -{limit} < {u} < {limit}:",
            f"    raise _rt.decimal_overflow({u}, {kind.scale}, {kind.precision})",
            f"{size} = ({u}.bit_length() + 8) >> 3",
            f"ap(_ZIGZAG[{size}])",
            f"ap({u}.to_bytes({size}, 'big', signed=True))",
        ]

    # -- decoding: lines reading `buf` at `pos` into a local -------------------------------------------

    def decode(self, kind: AvroType, target: str, enum: type[Enum] | None = None) -> list[str]:
        if isinstance(kind, Nullable):
            tag, some = self.fresh("tag"), (2 if kind.null_index == 0 else 0)
            present = [f"    {line}" for line in self.decode(kind.inner, target, enum)]
            return [
                f"{tag} = buf[pos]",
                "pos += 1",
                f"if {tag} == {some}:",
                *present,
                f"elif {tag} == {2 - some}:",
                f"    {target} = None",
                "else:",
                f"    raise _rt.AvroCodecError(f'bad union branch {{{tag}}} before offset {{pos}}')",
            ]
        if isinstance(kind, RecordRef):
            return [f"{target}, pos = _read_{_ident(kind.name)}(buf, pos)"]
        if isinstance(kind, Array):
            return self.decode_array(kind, target)
        if isinstance(kind, TimestampMicros):
            n = self.fresh("n")
            return [*self.decode_varint("long", n), f"{target} = _EPOCH + _timedelta(0, 0, {n})"]
        if isinstance(kind, DecimalBytes):
            context = self.constant("context", rt.reading_context(kind.precision))
            scale = self.constant("quantum", Decimal(1).scaleb(-kind.scale))
            raw = self.fresh("raw")
            return [
                *self.decode_bytes(raw),
                f"{target} = {context}.multiply(_Decimal(_from_bytes({raw}, 'big', signed=True)), {scale})",
            ]
        if enum is not None:
            members = self.constant("enum_members", {m.value.encode(): m for m in enum})
            raw = self.fresh("raw")
            return [*self.decode_bytes(raw), f"{target} = {members}[{raw}]"]
        return self.decode_primitive(kind.kind, target)

    def decode_primitive(self, kind: str, target: str) -> list[str]:
        if kind == "null":
            return [f"{target} = None"]
        if kind == "boolean":
            return [f"{target} = _BOOLEANS[buf[pos]]", "pos += 1"]
        if kind in ("int", "long"):
            return self.decode_varint(kind, target)
        if kind == "string":
            raw = self.fresh("raw")
            return [*self.decode_bytes(raw), f"{target} = {raw}.decode()"]
        return self.decode_bytes(target)

    def decode_varint(self, kind: str, target: str) -> list[str]:
        return [
            f"{target} = buf[pos]",
            f"if {target} < 128:",
            f"    {target} = _UNZIGZAG[{target}]",
            "    pos += 1",
            "else:",
            f"    {target}, pos = _rt.read_{kind}(buf, pos)",
        ]

    def decode_bytes(self, target: str) -> list[str]:
        n, end = self.fresh("n"), self.fresh("end")
        return [
            *self.decode_varint("long", n),
            f"if {n} < 0: raise _rt.negative_length({n}, pos)",
            f"{end} = pos + {n}",
            f"if {end} > len(buf): raise _rt.AvroCodecError(f'length {{{n}}} runs past the end')",
            f"{target} = buf[pos:{end}]",
            f"pos = {end}",
        ]

    def decode_array(self, kind: Array, target: str) -> list[str]:
        items, count, item, size = self.fresh("items"), self.fresh("count"), self.fresh("item"), self.fresh("size")
        body = [f"        {line}" for line in self.decode(kind.items, item)]
        return [
            f"{items} = []",
            "while True:",
            *[f"    {line}" for line in self.decode_varint("long", count)],
            f"    if {count} == 0:",
            "        break",
            f"    if {count} < 0:",
            f"        {count} = -{count}",
            *[f"        {line}" for line in self.decode_varint("long", size)],
            f"    for _ in range({count}):",
            *body,
            f"        {items}.append({item})",
            f"{target} = tuple({items})",
        ]

    # -- whole records ----------------------------------------------------------------------------------

    def record_source(self, record: Record, cls: type) -> str:
        short, ident = record.short_name, _ident(record.name)
        cls_name = self.constant(f"cls_{short}_", cls)
        write, read, fields = [], [], {}
        for field in record.fields:
            enum = self.enums.get((short, field.name))
            write += self.encode(field.type, f"record.{field.name}", enum)
            fields[field.name] = self.fresh(f"f_{field.name}_")
            read += self.decode(field.type, fields[field.name], enum)
        args = ", ".join(fields[f.name] for f in dataclasses.fields(cls))
        checks = [
            line
            for field in record.fields
            for line in [
                f"def _check_{ident}__{field.name}(record, ap):",
                *_indent(self.encode(field.type, f"record.{field.name}", self.enums.get((short, field.name)))),
                f"_FIELD_CHECKS[{short!r}, {field.name!r}] = _check_{ident}__{field.name}",
            ]
        ]
        return "\n".join(
            [
                f"def _write_{ident}(record, ap):",
                *_indent(write),
                "",
                f"def _read_{ident}(buf, pos):",
                *_indent(read),
                f"    return {cls_name}({args}), pos",
                "",
                f"def encode_{ident}(record):",
                "    parts = []",
                "    ap = parts.append",
                "    try:",
                *_indent(write, 2),
                "    except _ENCODE_ERRORS as exc:",
                f"        raise _encode_error({short!r}, record, exc) from exc",
                "    return b''.join(parts)",
                "",
                *checks,
                "",
                f"def decode_{ident}(buf):",
                "    if type(buf) is not bytes:",
                "        buf = bytes(buf)",
                "    pos = 0",
                "    try:",
                *_indent(read, 2),
                f"        result = {cls_name}({args})",
                "    except _DECODE_ERRORS as exc:",
                f"        raise _rt.AvroCodecError(f'not a valid {short}: {{exc!r}} (at offset {{pos}})') from exc",
                "    if pos != len(buf):",
                f"        raise _rt.AvroCodecError(f'{{len(buf) - pos}} trailing bytes after a {short}')",
                "    return result",
                "",
            ]
        )

    def row_source(self, record: Record, layout: RowLayout) -> str:
        short, ident = record.short_name, _ident(record.name)
        defaults = dict(layout.null_defaults)
        read, fields = [], {}
        for field in record.fields:
            enum = self.enums.get((short, field.name))
            fields[field.name] = self.fresh(f"f_{field.name}_")
            read += self.decode(field.type, fields[field.name], enum)
            if enum is not None:
                target = fields[field.name]
                read.append(
                    f"{target} = {target}.value"
                    if not isinstance(field.type, Nullable)
                    else f"{target} = None if {target} is None else {target}.value"
                )
        columns = [
            fields[c] if c not in defaults else f"({fields[c]} if {fields[c]} is not None else {defaults[c]!r})"
            for c in layout.columns
        ]
        return "\n".join(
            [
                f"def row_{ident}(buf):",
                "    if type(buf) is not bytes:",
                "        buf = bytes(buf)",
                "    pos = 0",
                "    try:",
                *_indent(read, 2),
                "    except _DECODE_ERRORS as exc:",
                f"        raise _rt.AvroCodecError(f'not a valid {short}: {{exc!r}} (at offset {{pos}})') from exc",
                "    if pos != len(buf):",
                f"        raise _rt.AvroCodecError(f'{{len(buf) - pos}} trailing bytes after a {short}')",
                f"    return ({', '.join(columns)},)",
                "",
            ]
        )


def _indent(lines: list[str], depth: int = 1) -> list[str]:
    return [f"{'    ' * depth}{line}" for line in lines] or [f"{'    ' * depth}pass"]


def _ident(full_name: str) -> str:
    return full_name.replace(".", "_")


def _enum_bytes(enum: type[Enum]) -> dict[Any, bytes]:
    table: dict[Any, bytes] = {}
    for member in enum:
        data = member.value.encode()
        table[member] = table[member.value] = rt.ZIGZAG[len(data)] + data
    return table


def _encode_error(name: str, record: Any, exc: Exception) -> rt.AvroCodecError:
    """Names every field that does not fit (the fast path stops at the first)."""
    problems = []
    for (record_name, field), check in _FIELD_CHECKS.items():
        if record_name == name:
            discarded: list[bytes] = []
            try:
                check(record, discarded.append)
            except Exception as field_exc:
                problems.append(f"{field}: {type(field_exc).__name__}: {field_exc}")
    found = "; ".join(problems) or f"{type(exc).__name__}: {exc}"
    return rt.AvroCodecError(f"cannot encode {name}: {found}")


_FIELD_CHECKS: dict[tuple[str, str], Callable[[Any, Callable[[bytes], None]], None]] = {}


def _check_bindings(
    records: dict[str, Record], record_types: Mapping[str, type], enums: Mapping[tuple[str, str], type[Enum]]
) -> list[str]:
    problems = []
    by_short = {record.short_name: record for record in records.values()}
    for short, record in by_short.items():
        cls = record_types.get(short)
        if cls is None or not dataclasses.is_dataclass(cls):
            problems.append(f"{record.name}: no record dataclass named {short} given")
            continue
        schema_fields = {f.name for f in record.fields}
        class_fields = {f.name for f in dataclasses.fields(cls) if f.init}
        if schema_fields != class_fields or len(dataclasses.fields(cls)) != len(class_fields):
            problems.append(f"{record.name}: fields differ from {cls.__name__}: {sorted(schema_fields ^ class_fields)}")
    for (short, field_name), enum in enums.items():
        fields = {f.name: f.type for f in by_short[short].fields} if short in by_short else {}
        kind = fields.get(field_name)
        kind = kind.inner if isinstance(kind, Nullable) else kind
        if kind != Primitive("string"):
            problems.append(f"{short}.{field_name}: enum {enum.__name__} needs a string field in the schema")
        elif not all(isinstance(m.value, str) for m in enum):
            problems.append(f"{short}.{field_name}: enum {enum.__name__} has values that are not strings")
    if len(by_short) != len(records):
        problems.append("two records share a short name: " + ", ".join(sorted(records)))
    return problems


def _namespace() -> dict[str, Any]:
    return {
        "_rt": rt,
        "_ZIGZAG": rt.ZIGZAG,
        "_SMALL": rt.SMALL,
        "_VARINT14": rt.VARINT14,
        "_CONTINUED14": rt.CONTINUED14,
        "_UNZIGZAG": rt.UNZIGZAG,
        "_BOOLEANS": rt.BOOLEANS,
        "_BOOLEAN_BYTES": rt.BOOLEAN_BYTES,
        "_EPOCH": rt.EPOCH,
        "_TIMESTAMP_BYTES": rt.TIMESTAMP_BYTES,
        "_timedelta": type(rt.MICROSECOND),
        "_Decimal": Decimal,
        "_from_bytes": int.from_bytes,
        "_exact_multiply": rt.EXACT.multiply,
        "_Inexact": __import__("decimal").Inexact,
        "_ENCODE_ERRORS": ENCODE_ERRORS,
        "_DECODE_ERRORS": DECODE_ERRORS,
        "_encode_error": _encode_error,
        "_FIELD_CHECKS": _FIELD_CHECKS,
    }


def compile_codecs(
    schemas: Sequence[Any],
    record_types: Mapping[str, type],
    enums: Mapping[tuple[str, str], type[Enum]] | None = None,
) -> dict[str, CompiledCodec]:
    """Codecs for every record the schema JSON defines, keyed by short record name.

    record_types maps short record names to frozen dataclasses with exactly the schema's fields; enums maps
    (short record name, field) to the Enum whose string values that string field carries. Raises
    SchemaCompileError listing every unsupported construct or binding mismatch.
    """
    records, _ = read_schemas(schemas)
    enums = dict(enums or {})
    problems = _check_bindings(records, record_types, enums)
    if problems:
        raise SchemaCompileError("cannot bind Avro schemas to records:\n  " + "\n  ".join(problems))
    emitter = _Emitter(records, enums)
    sources = {r.short_name: emitter.record_source(r, record_types[r.short_name]) for r in records.values()}
    namespace = {**_namespace(), **emitter.constants}
    exec(compile("\n".join(sources.values()), "<avro_compile>", "exec"), namespace)  # noqa: S102 - our own code
    return {
        short: CompiledCodec(
            namespace[f"encode_{_ident(record.name)}"], namespace[f"decode_{_ident(record.name)}"], sources[short]
        )
        for record in records.values()
        for short in [record.short_name]
    }


def _check_row_layouts(records: dict[str, Record], layouts: Mapping[str, RowLayout]) -> list[str]:
    problems = []
    by_short = {record.short_name: record for record in records.values()}
    for short, layout in layouts.items():
        record = by_short.get(short)
        if record is None:
            problems.append(f"{short}: no such record in the schemas")
            continue
        kinds = {f.name: f.type for f in record.fields}
        nested = [
            n for n, k in kinds.items() if isinstance(k.inner if isinstance(k, Nullable) else k, RecordRef | Array)
        ]
        if nested:
            problems.append(f"{short}: row layouts need flat records, fields {nested} nest records or arrays")
        if sorted(layout.columns) != sorted(kinds):
            missing, extra = sorted(set(kinds) - set(layout.columns)), sorted(set(layout.columns) - set(kinds))
            problems.append(
                f"{short}: columns must name each field once (fields not in a column: {missing}; "
                f"columns that are no field: {extra}; {len(layout.columns)} columns for {len(kinds)} fields)"
            )
        for name, default in layout.null_defaults:
            if not isinstance(kinds.get(name), Nullable):
                problems.append(f"{short}.{name}: a null default needs a nullable field")
            elif not isinstance(default, str | int | bool | bytes):
                problems.append(f"{short}.{name}: null default {default!r} must be a str, int, bool or bytes literal")
    return problems


def compile_row_decoders(
    schemas: Sequence[Any],
    layouts: Mapping[str, RowLayout],
    enums: Mapping[tuple[str, str], type[Enum]] | None = None,
) -> dict[str, Callable[[bytes], tuple[Any, ...]]]:
    """Schemaless Avro bytes -> table row tuple, for each flat record named in layouts (short names).

    Reads the same bytes as compile_codecs' decoder and fails the same way, without building the record;
    raises SchemaCompileError listing every layout that does not match its schema.
    """
    records, _ = read_schemas(schemas)
    enums = dict(enums or {})
    problems = _check_row_layouts(records, layouts)
    if problems:
        raise SchemaCompileError("cannot lay Avro records out as rows:\n  " + "\n  ".join(problems))
    emitter = _Emitter(records, enums)
    by_short = {record.short_name: record for record in records.values()}
    sources = [emitter.row_source(by_short[short], layout) for short, layout in layouts.items()]
    namespace = {**_namespace(), **emitter.constants}
    exec(compile("\n".join(sources), "<avro_compile rows>", "exec"), namespace)  # noqa: S102 - our own code
    return {short: namespace[f"row_{_ident(by_short[short].name)}"] for short in layouts}
