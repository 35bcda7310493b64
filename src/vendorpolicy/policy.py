"""Policy files (kind: Policy) -> compiled Rule objects, every expression compiled once.

A malformed policy is a configuration error (exit 2) naming file, line and rule, raised
before any document is read. Parameters are resolved here (policy defaults < config <
--param) because `param()` is folded into the expressions at compile time.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vendorpolicy import functions, loader, memory, policypack, resources, schemas, sourcemap
from vendorpolicy.errors import ConfigError, UsageError
from vendorpolicy.expr import Compiled, Compiler, Definition, Tree
from vendorpolicy.model import RESERVED_RULE_IDS, PathKey, RuleInfo, Severity, describe_type

ANY = "*"  # a parameter value meaning "any" (e.g. allowed_countries.public)
_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.S)


@dataclass(frozen=True)
class Template:
    """`message` text with `{{ EXPR }}` parts compiled once."""

    parts: tuple[str | Compiled, ...]


@dataclass(frozen=True)
class CheckEntry:
    """One entry of `check` (a rule with a single check has one entry)."""

    compiled: Compiled
    label: str | None = None
    message: Template | None = None
    at: PathKey | None = None
    for_each: Compiled | None = None


@dataclass(frozen=True)
class SeverityRule:
    """A fixed level, or a default raised by the first-listed conditions that hold."""

    default: Severity
    raises: tuple[tuple[Severity, Compiled], ...] = ()


@dataclass(frozen=True)
class Rule:
    """A compiled rule."""

    info: RuleInfo
    kinds: tuple[str, ...]
    severity: SeverityRule
    checks: tuple[CheckEntry, ...]
    when: Compiled | None = None
    for_each: Compiled | None = None
    at: PathKey | None = None
    message: Template | None = None
    where: str = ""

    @property
    def id(self) -> str:
        return self.info.id


@dataclass
class PolicySet:
    """Everything loaded from the policy directories."""

    rules: list[Rule]
    params: dict[str, Any]
    defaults: dict[str, Any]
    param_sources: dict[str, str]
    files: list[tuple[str, str]]  # (display path, sha256)
    digest: str
    definitions: dict[str, Definition] = field(default_factory=dict)

    def rule(self, rule_id: str) -> Rule | None:
        for r in self.rules:
            if r.id == rule_id:
                return r
        return None

    def use_generated_code(self) -> None:
        """The expressions every document runs as generated code (codegen.py): ~0.07 s
        to generate, repaid by a run of a thousand documents or more. Message templates
        keep their closures: they run only for the few checks that fail."""
        for compiled in self.expressions(templates=False):
            compiled.use_generated()

    def expressions(self, templates: bool = True) -> Iterator[Compiled]:
        for rule in self.rules:
            yield from (c for c in (rule.when, rule.for_each) if c is not None)
            yield from (cond for _, cond in rule.severity.raises)
            for entry in rule.checks:
                yield entry.compiled
                if entry.for_each is not None:
                    yield entry.for_each
            if templates:
                for t in (rule.message, *(e.message for e in rule.checks)):
                    if t is not None:
                        yield from (p for p in t.parts if isinstance(p, Compiled))


def policy_files(dirs: Iterable[Path]) -> list[Path]:
    """Policy YAML files of the given directories (not their tests/ subdirectories)."""
    found: list[Path] = []
    for d in dirs:
        if d.is_file():
            found.append(d)
            continue
        if not d.is_dir():
            raise ConfigError(f"policy directory {d} does not exist", str(d))
        for p in sorted(d.rglob("*")):
            rel = p.relative_to(d).parts
            if any(part.startswith(".") or part == "tests" for part in rel[:-1]):
                continue
            if (
                p.suffix in (".yaml", ".yml")
                and p.is_file()
                and not p.name.startswith(".")
                and not p.name.endswith((".test.yaml", ".test.yml"))
            ):
                found.append(p)
    return found


def _where(path: str, doc: loader.Document, at: PathKey) -> str:
    pos = doc.sourcemap.position(at)
    return f"{path}:{pos.line}:{pos.column}"


def load_policies(
    dirs: Iterable[Path],
    config_params: Mapping[str, Any] | None = None,
    cli_params: Iterable[str] = (),
) -> PolicySet:
    """Read, validate and compile every policy file of `dirs`."""
    files = policy_files(list(dirs))
    if not files:
        raise ConfigError("no policy files found in " + ", ".join(str(d) for d in dirs))
    with memory.collector_paused():
        pack = policypack.load()
        loaded = [read_policy_file(path, pack) for path in files]
        trees = pack.trees if pack is not None else {}
        return compile_policies(loaded, config_params or {}, cli_params, trees)


def read_policy_file(path: Path, pack: policypack.Pack | None = None) -> loader.LoadedFile:
    """One policy file, read and validated: a file the pack holds (same sha256) is taken
    from it, already validated, any other is parsed and checked here."""
    display = resources.display_path(path)
    raw = loader.read_bytes(str(path))
    if isinstance(raw, loader.Problem):
        raise ConfigError(raw.message, f"{display}:{raw.line}:{raw.column}")
    packed = pack.file(display, raw) if pack is not None else None
    if packed is not None:
        return packed
    loaded = loader.load_bytes(display, raw)
    for problem in loaded.problems:
        raise ConfigError(problem.message, f"{display}:{problem.line}:{problem.column}")
    validator = schemas.SchemaSet.default()
    for doc in loaded.documents:
        for problem in doc.problems:
            raise ConfigError(problem.message, f"{display}:{problem.line}:{problem.column}")
        if doc.kind != "Policy":
            raise ConfigError(
                f"a policy directory may hold only kind: Policy documents, found {doc.kind}",
                _where(display, doc, ("kind",)),
            )
        for problem in validator.validate(doc):
            raise ConfigError(problem.message, f"{display}:{problem.line}:{problem.column}")
    return loaded


def compile_policies(
    files: list[loader.LoadedFile],
    config_params: Mapping[str, Any],
    cli_params: Iterable[str] = (),
    trees: dict[str, Tree] | None = None,
) -> PolicySet:
    """Validated policy files -> the PolicySet (`trees`: pre-parsed expressions, filled
    with every expression parsed here)."""
    docs = [(f.path, doc) for f in files for doc in f.documents]
    digests = [(f.path, f.sha256) for f in files]
    defaults, definitions = _collect(docs)
    params, sources = resolve_params(defaults, config_params, cli_params)
    compiler = Compiler(functions.FUNCTIONS, definitions, params, trees)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for display, doc in docs:
        for index, raw in enumerate(doc.mapping.get("rules") or []):
            where = _where(display, doc, ("rules", index))
            rule_id = raw.get("id", "?")
            if rule_id in seen:
                raise ConfigError(
                    f"rule {rule_id} is defined twice (first at {seen[rule_id]})", where
                )
            if rule_id in RESERVED_RULE_IDS or str(rule_id).startswith("VP-"):
                raise ConfigError(f"rule id {rule_id} is reserved for vendorpolicy itself", where)
            seen[rule_id] = where
            rules.append(_compile_rule(compiler, display, doc, index, raw))
    for name in definitions:  # a broken definition nobody calls is still an error
        compiler.definition(name, definitions[name].where)
    digest = policy_digest([sha for _, sha in digests], params)
    return PolicySet(rules, params, defaults, sources, digests, digest, definitions)


def policy_digest(file_digests: Iterable[str], params: Mapping[str, Any]) -> str:
    """sha256 over the policy files (order-independent) and the parameters in effect."""
    h = hashlib.sha256()
    for sha in sorted(file_digests):
        h.update(f"policy {sha}\n".encode())
    h.update(b"params ")
    h.update(json.dumps(params, sort_keys=True, separators=(",", ":")).encode())
    return "sha256:" + h.hexdigest()


def _collect(
    docs: list[tuple[str, loader.Document]],
) -> tuple[dict[str, Any], dict[str, Definition]]:
    defaults: dict[str, Any] = {}
    origin: dict[str, str] = {}
    definitions: dict[str, Definition] = {}
    for display, doc in docs:
        for name, value in (doc.mapping.get("params") or {}).items():
            if name.startswith("x-"):
                continue
            where = _where(display, doc, ("params", name))
            if name in defaults and defaults[name] != value:
                raise ConfigError(
                    f"parameter {name} has a different default in {origin[name]}", where
                )
            defaults[name] = value
            origin[name] = where
        for name, text in (doc.mapping.get("definitions") or {}).items():
            if name.startswith("x-"):
                continue
            where = _where(display, doc, ("definitions", name))
            if name in definitions:
                raise ConfigError(
                    f"definition {name} is defined twice (first at {definitions[name].where})",
                    where,
                )
            if name in functions.FUNCTIONS:
                raise ConfigError(f"definition {name} hides the built-in function {name}()", where)
            definitions[name] = Definition(name, text, where)
    return defaults, definitions


def _merge(base: Any, override: Any) -> Any:
    """Nested parameters are overridden key by key."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = _merge(base.get(k), v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(override)


def _type_ok(default: Any, value: Any) -> bool:
    if default is None:
        return True
    if value is None:
        return False
    if isinstance(default, dict) and isinstance(value, dict):
        return all(_type_ok(default[k], v) for k, v in value.items() if k in default)
    if ANY in (default, value) and {type(default), type(value)} <= {str, list}:
        return True  # "*" (any) and an explicit list are interchangeable
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    return type(default) is type(value)


_type_word = describe_type


def parse_cli_param(text: str, defaults: Mapping[str, Any]) -> tuple[list[str], Any]:
    """`NAME=VALUE` typed by the default: text stays text, anything else is YAML 1.2."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise UsageError(f"--param takes NAME=VALUE, got {text!r}")
    keys = name.split(".")
    if keys[0] not in defaults:
        known = ", ".join(sorted(defaults))
        raise UsageError(f"--param {name}: unknown parameter {keys[0]!r}; known: {known}")
    default: Any = defaults
    for k in keys:
        default = default.get(k) if isinstance(default, dict) else None
    if raw.strip() == ANY and (default == ANY or isinstance(default, list)):
        return keys, ANY
    if isinstance(default, str) and default != ANY:
        return keys, raw
    loaded = loader.load_bytes("--param", f"v: {raw}\n".encode())
    if loaded.problems or not loaded.documents or loaded.documents[0].data is None:
        problem = loaded.problems or (loaded.documents[0].problems if loaded.documents else [])
        detail = problem[0].message if problem else "not a YAML value"
        raise UsageError(f"--param {name}: cannot read {raw!r}: {detail}")
    value = loaded.documents[0].data["v"]
    if not _type_ok(default, value):
        raise UsageError(
            f"--param {name}: expected {_type_word(default)} like the default "
            f"{json.dumps(default)}, got {raw!r}"
        )
    return keys, value


def resolve_params(
    defaults: Mapping[str, Any],
    config_params: Mapping[str, Any],
    cli_params: Iterable[str],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Precedence, highest first: --param, then config `params:`, then policy defaults."""
    params = copy.deepcopy(dict(defaults))
    sources = dict.fromkeys(params, "policy default")
    for name, value in config_params.items():
        if name.startswith("x-"):
            continue
        if name not in defaults:
            known = ", ".join(sorted(defaults))
            raise ConfigError(f"params: unknown parameter {name!r}; known: {known}")
        if not _type_ok(defaults[name], value):
            raise ConfigError(
                f"params.{name}: expected {_type_word(defaults[name])} like the default "
                f"{json.dumps(defaults[name])}, got {json.dumps(value)}"
            )
        params[name] = _merge(params[name], value)
        sources[name] = "config"
    for text in cli_params:
        keys, value = parse_cli_param(text, defaults)
        override: Any = value
        for k in reversed(keys[1:]):
            override = {k: override}
        params[keys[0]] = _merge(params[keys[0]], override)
        sources[keys[0]] = "--param"
    return params, sources


# --------------------------------------------------------------------------- rules


def _compile(compiler: Compiler, text: Any, where: str) -> Compiled:
    try:
        return compiler.compile(text, where)
    except ConfigError as exc:
        raise ConfigError(exc.message, exc.where or where) from None


def _template(compiler: Compiler, text: Any, where: str) -> Template | None:
    if text is None:
        return None
    parts: list[str | Compiled] = []
    pos = 0
    for m in _TEMPLATE.finditer(text):
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        parts.append(_compile(compiler, m.group(1).strip(), where + " (message)"))
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    return Template(tuple(parts))


def _severity(compiler: Compiler, raw: Any, where: str) -> SeverityRule:
    if isinstance(raw, str):
        return SeverityRule(Severity.parse(raw))
    entries: list[Any]
    if isinstance(raw, dict):
        default = raw.get("default")
        entries = list(raw.get("raise") or [])
    elif isinstance(raw, list) and raw and isinstance(raw[0], str):
        default, entries = raw[0], list(raw[1:])
    else:
        raise ConfigError("severity must be a level or {default, raise: [{level, when}]}", where)
    raises = tuple(
        (Severity.parse(e["level"]), _compile(compiler, e["when"], where + " (severity)"))
        for e in entries
    )
    return SeverityRule(Severity.parse(str(default)), raises)


def _at(text: Any) -> PathKey | None:
    return sourcemap.parse_dotted(text) if isinstance(text, str) and text else None


def _compile_rule(
    compiler: Compiler, display: str, doc: loader.Document, index: int, raw: dict[str, Any]
) -> Rule:
    base: PathKey = ("rules", index)
    where = _where(display, doc, base)
    rule_id = raw["id"]

    def here(*key: str | int) -> str:
        return _where(display, doc, base + key) + f" (rule {rule_id})"

    compiler.params_read = set()
    try:
        severity = _severity(compiler, raw["severity"], here("severity"))
    except ValueError as exc:
        raise ConfigError(str(exc), here("severity")) from None
    match = raw.get("match") or {}
    kinds = match.get("kind")
    kinds_t = (kinds,) if isinstance(kinds, str) else tuple(kinds or ())
    when = _compile(compiler, match["when"], here("match", "when")) if "when" in match else None
    for_each = _compile(compiler, raw["for_each"], here("for_each")) if "for_each" in raw else None
    check = raw["check"]
    entries_raw = check if isinstance(check, list) else [check]
    entries: list[CheckEntry] = []
    for i, entry in enumerate(entries_raw):
        loc = ("check", i) if isinstance(check, list) else ("check",)
        if isinstance(entry, str):
            entries.append(
                CheckEntry(
                    _compile(compiler, entry, here(*loc)),
                    label=f"check {i + 1}" if len(entries_raw) > 1 else None,
                )
            )
            continue
        entries.append(
            CheckEntry(
                _compile(compiler, entry["check"], here(*loc, "check")),
                label=entry.get("name") or (f"check {i + 1}" if len(entries_raw) > 1 else None),
                message=_template(compiler, entry.get("message"), here(*loc)),
                at=_at(entry.get("at")),
                for_each=(
                    _compile(compiler, entry["for_each"], here(*loc, "for_each"))
                    if "for_each" in entry
                    else None
                ),
            )
        )
    message = _template(compiler, raw.get("message"), here("message"))
    params_read = tuple(sorted(compiler.params_read))
    info = RuleInfo(
        id=rule_id,
        title=raw.get("title", rule_id),
        severity=severity.default,
        description=" ".join(str(raw.get("description", "")).split()),
        remediation=" ".join(str(raw.get("remediation", "")).split()),
        references=tuple(raw.get("references") or ()),
        kinds=kinds_t,
        policy=str((doc.mapping.get("metadata") or {}).get("id", "")),
        source=where,
        tags=tuple(raw.get("tags") or ()),
        conditional_severity=bool(severity.raises),
        params=params_read,
    )
    return Rule(
        info=info,
        kinds=kinds_t,
        severity=severity,
        checks=tuple(entries),
        when=when,
        for_each=for_each,
        at=_at(raw.get("at")),
        message=message,
        where=where,
    )


def default_policy_dirs() -> list[Path]:
    return [resources.data_dir("policies")]


def env_policy_dirs() -> list[Path] | None:
    value = os.environ.get("VENDORPOLICY_POLICIES")
    return [Path(p) for p in value.split(os.pathsep) if p] if value else None
