"""Packaged JSON Schemas (draft 2020-12): one cached validator per kind -> VP-SCHEMA problems.

`jsonschema` is the reference for every message. Each violation becomes one problem at
the offending node (an unknown key at the key, a missing required key at its parent) with
a message a contract owner can act on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vendorpolicy import resources, sourcemap
from vendorpolicy.loader import YAML11_BOOLEANS, Document, Problem
from vendorpolicy.model import VP_SCHEMA, PathKey, describe_type

if TYPE_CHECKING:  # jsonschema is imported only when a document needs its messages
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

SCHEMA_FILES = {
    "Contract": "contract.schema.json",
    "Attestation": "attestation.schema.json",
    "Waiver": "waiver.schema.json",
    "Policy": "policy.schema.json",
    "Config": "config.schema.json",
}


@cache
def load_schema(name: str) -> dict[str, Any]:
    path = resources.data_dir("schemas") / name
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def schema_for(kind: str) -> dict[str, Any]:
    """The JSON Schema of a kind (what `vendorpolicy schema KIND` prints)."""
    return load_schema(SCHEMA_FILES[kind])


@cache
def _registry() -> Registry:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry: Registry = Registry()
    for path in sorted(Path(resources.data_dir("schemas")).glob("*.json")):
        contents = load_schema(path.name)
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        registry = registry.with_resource(path.name, resource)
    return registry.crawl()


def _resolve(ref: str, current: str) -> tuple[Any, str]:
    """A `$ref` of our own schemas (`#/$defs/x` or `common.schema.json#/$defs/x`)."""
    name, _, fragment = ref.partition("#")
    name = name or current
    node: Any = load_schema(name)
    for part in fragment.strip("/").split("/") if fragment.strip("/") else []:
        node = node[part]
    return node, name


@cache
def nullable_paths(kind: str) -> frozenset[str]:
    """Dotted paths whose null has a meaning (`x-null-means`), e.g. audit.max_per_year."""
    found: set[str] = set()

    def visit(node: Any, path: tuple[str, ...], current: str, depth: int) -> None:
        if depth > 12 or not isinstance(node, dict):
            return
        if isinstance(node.get("$ref"), str):
            target, where = _resolve(node["$ref"], current)
            visit(target, path, where, depth + 1)
        if "x-null-means" in node and path:
            found.add(".".join(path))
        for key, sub in (node.get("properties") or {}).items():
            visit(sub, (*path, key), current, depth + 1)
        for keyword in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(keyword) or []:
                visit(sub, path, current, depth + 1)

    if kind in SCHEMA_FILES:
        visit(schema_for(kind), (), SCHEMA_FILES[kind], 0)
    return frozenset(found)


def _fast_validator(kind: str) -> Any:
    """jsonschema-rs (Rust) answers "valid?" in ~0.01 ms where jsonschema takes ~5 ms on a
    full contract; jsonschema still writes every message. None when it is not installed."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - the fast path is optional
        return None
    folder = Path(resources.data_dir("schemas"))
    registry = jsonschema_rs.Registry(
        [(p.name, load_schema(p.name)) for p in sorted(folder.glob("*.json"))]
    )
    return jsonschema_rs.validator_for(schema_for(kind), registry=registry, validate_formats=True)


class SchemaSet:
    """One compiled validator per kind (plus the fast yes/no path when available)."""

    def __init__(self, fast: bool = True) -> None:
        self._validators: dict[str, Draft202012Validator] = {}
        self._fast: dict[str, Any] = {}
        self.use_fast = fast

    @classmethod
    @cache
    def default(cls) -> SchemaSet:
        return cls()

    def validator(self, kind: str) -> Draft202012Validator:
        v = self._validators.get(kind)
        if v is None:
            from jsonschema import Draft202012Validator

            v = Draft202012Validator(
                schema_for(kind),
                registry=_registry(),
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
            self._validators[kind] = v
        return v

    def validate(self, doc: Document) -> list[Problem]:
        """VP-SCHEMA problems of a document whose envelope is sound."""
        kind = doc.kind
        if kind not in SCHEMA_FILES or doc.problems:
            return []
        return self.validate_data(doc.data, kind, doc.sourcemap)

    def is_valid_fast(self, data: Any, kind: str) -> bool:
        if not self.use_fast:
            return False
        if kind not in self._fast:
            try:
                self._fast[kind] = _fast_validator(kind)
            except Exception:  # noqa: BLE001 - any trouble: use the reference validator
                self._fast[kind] = None
        fast = self._fast[kind]
        return bool(fast is not None and fast.is_valid(data))

    def validate_data(
        self, data: Any, kind: str, smap: sourcemap.SourceMap | None = None
    ) -> list[Problem]:
        if self.is_valid_fast(data, kind):
            return []
        problems = [_problem(err, smap) for err in _flatten(self.validator(kind).iter_errors(data))]
        typed = {p.pointer for p in problems if " is a" in p.message and "expected" in p.message}
        problems = [
            p
            for p in problems
            if not (p.pointer in typed and " is not " in p.message and "expected" not in p.message)
        ]  # a value of the wrong type: the type message (with its hint) says it all
        dated = {p.pointer for p in problems if "is not a valid date" in p.message}
        problems = [
            p for p in problems if not (p.pointer in dated and "does not match" in p.message)
        ]
        unique = {(p.line, p.column, p.message): p for p in problems}
        return sorted(unique.values(), key=lambda p: (p.line, p.column, p.message))


def _flatten(errors: Iterator[ValidationError]) -> Iterator[ValidationError]:
    """anyOf/oneOf give one error with sub-errors: keep the most specific when it is clear."""
    for err in errors:
        if err.validator in ("anyOf", "oneOf") and err.context:
            deepest = max(err.context, key=lambda e: len(e.absolute_path))
            if len(deepest.absolute_path) > len(err.absolute_path):
                yield deepest
                continue
        yield err


def _path(err: ValidationError) -> PathKey:
    return tuple(err.absolute_path)


def _where(path: PathKey) -> str:
    return sourcemap.dotted(path) or "document"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _problem(err: ValidationError, smap: sourcemap.SourceMap | None) -> Problem:
    path = _path(err)
    message, at = _message(err, path)
    pos = smap.position(at) if smap is not None else None
    return Problem(
        VP_SCHEMA,
        message,
        pos.line if pos else 1,
        pos.column if pos else 1,
        sourcemap.pointer(at),
        evidence=None
        if err.validator in ("required", "additionalProperties")
        else _show(err.instance),
    )


def _message(err: ValidationError, path: PathKey) -> tuple[str, PathKey]:
    v = err.validator
    schema = err.schema if isinstance(err.schema, dict) else {}
    value = err.instance
    where = _where(path)
    if v == "required":
        missing = str(err.message).split("'")[1] if "'" in err.message else err.message
        return f"{where}: required field {missing!r} is missing; add it", path
    if v == "additionalProperties":
        extras = (
            sorted(set(value) - set(schema.get("properties", {})))
            if isinstance(value, dict)
            else []
        )
        extras = [e for e in extras if not e.startswith("x-")] or extras
        key = extras[0] if extras else "?"
        close = _closest(key, list(schema.get("properties", {})))
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return (
            f"{_where((*path, key))}: unknown field {key!r}{hint}; unknown fields are errors "
            "so a typo never disables a rule (prefix private keys with x-)",
            (*path, key),
        )
    if v == "type":
        want = schema.get("type")
        wanted = " or ".join(want) if isinstance(want, list) else str(want)
        hint = ""
        if isinstance(value, bool) and "string" in str(want):
            hint = (
                ' (YAML 1.1 tools read NO, yes, off as booleans; write text in quotes, e.g. "NO")'
            )
        elif isinstance(value, (int, float)) and "string" in str(want):
            hint = f' (quote it: "{value}", so codes and versions keep their exact digits)'
        return f"{where}: {_show(value)} is {_article(value)}, expected {wanted}{hint}", path
    if v == "enum":
        options = schema.get("enum", [])
        title = schema.get("title")
        if len(options) > 12:
            close = _closest(str(value), [str(o) for o in options])
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            if value == "UK":
                hint = " (the ISO code of the United Kingdom is 'GB')"
            if value == "EL":
                hint = " (the ISO code of Greece is 'GR')"
            what = title or "allowed value"
            return f"{where}: {_show(value)} is not a valid {what}{hint}", path
        listed = ", ".join(_show(o) for o in options)
        if isinstance(value, bool) and any(str(o) in YAML11_BOOLEANS for o in options):
            listed += " (quote the value)"
        return f"{where}: {_show(value)} is not one of {listed}", path
    if v == "const":
        return f"{where}: must be {_show(schema.get('const'))}, found {_show(value)}", path
    if v == "format":
        fmt = schema.get("format")
        if fmt == "date":
            return f"{where}: {_show(value)} is not a valid date (YYYY-MM-DD)", path
        return f"{where}: {_show(value)} is not a valid {fmt}", path
    if v == "pattern":
        desc = schema.get("title") or f"the pattern {schema.get('pattern')}"
        return f"{where}: {_show(value)} does not match {desc}", path
    if v == "minItems":
        n = schema.get("minItems")
        return f"{where}: needs at least {n} item{'s' if n != 1 else ''}", path
    if v == "uniqueItems":
        return f"{where}: lists the same value twice; each value may appear once", path
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        return f"{where}: {err.message}", path
    if v == "minLength":
        return f"{where}: must not be empty", path
    if v in ("anyOf", "oneOf"):
        desc = schema.get("description", "")
        return f"{where}: {_show(value)} is not valid here{': ' + desc if desc else ''}", path
    return f"{where}: {err.message}", path


def _closest(word: str, options: list[str]) -> list[str]:
    """The option closest to a misspelt word (difflib is imported only for messages)."""
    import difflib

    return difflib.get_close_matches(word, options, n=1)


_article = describe_type
