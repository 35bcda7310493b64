"""Rules x documents -> results: applicability, for_each items, checks, messages, locations.

One result per (document, rule[, item, check entry]). An exception while evaluating one
rule on one document becomes an `error` result for that pair only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vendorpolicy import sourcemap
from vendorpolicy.errors import EvaluationError, EvaluationTimeout
from vendorpolicy.expr import Compiled, Context, Ctx, Unknown, is_truthy, truthy_result
from vendorpolicy.loader import Document
from vendorpolicy.model import PathKey, Result, Severity, Status
from vendorpolicy.policy import CheckEntry, Rule, Template

DEFAULT_RULE_BUDGET = 5.0  # seconds one rule may take on one document
_PASS = Status.PASS


@dataclass(frozen=True)
class Settings:
    """What evaluation needs besides rules and documents."""

    as_of: str
    nullable: frozenset[str] = frozenset()
    budget: float = DEFAULT_RULE_BUDGET


def evaluate(
    doc: Document, rules: Iterable[Rule], context: Context, settings: Settings
) -> list[Result]:
    """All rule results for one valid document."""
    kind = doc.kind or ""
    ctx = Ctx(root=doc.data, as_of=settings.as_of, context=context, nullable=settings.nullable)
    locator = _Locator(doc)
    out: list[Result] = []
    for rule in rules:
        if kind not in rule.kinds:
            continue
        ctx.deadline = time.monotonic() + settings.budget
        ctx.base, ctx.item = (), None
        try:
            out.extend(_rule(rule, doc, ctx, locator))
        except EvaluationTimeout:
            why = f"evaluation took longer than {settings.budget:g} s"
            out.append(_error(rule, doc, locator, why))
        except EvaluationError as exc:
            out.append(_error(rule, doc, locator, str(exc)))
        except RecursionError:
            why = "the expression nests too deeply to evaluate"
            out.append(_error(rule, doc, locator, why))
        except Exception as exc:  # noqa: BLE001 - one rule never stops the run
            why = f"internal error: {type(exc).__name__}: {exc}"
            out.append(_error(rule, doc, locator, why))
    return out


def _rule(rule: Rule, doc: Document, ctx: Ctx, locator: _Locator) -> list[Result]:
    if rule.when is not None:
        applies = rule.when.fn(doc.data, ctx)
        if applies is not True and not is_truthy(applies):
            return [_not_applicable(rule, doc, locator, applies)]
    severity = _severity(rule, doc, ctx) if rule.severity.raises else rule.severity.default
    results: list[Result] = []
    for entry in rule.checks:
        each = entry.for_each or rule.for_each
        if each is None:
            results.append(_check(rule, entry, doc, ctx, locator, doc.data, (), None, severity))
            continue
        items = each.fn(doc.data, ctx)
        if isinstance(items, Unknown) or type(items) is not list:
            results.append(_bad_items(rule, entry, doc, each, items, severity, locator))
            continue
        if not items:
            results.append(
                _result(
                    rule,
                    entry,
                    doc,
                    Status.PASS,
                    severity,
                    (),
                    "no items to check",
                    locator,
                    item=None,
                )
            )
            continue
        taken: set[PathKey] = set()
        # `for_each: services`: a mapping or list item is where the list has it (what the
        # locator's identity search finds, for alias expansions are copies)
        home = each.field_path
        if home is not None and sourcemap.get_path(doc.data, home) is not items:
            home = None
        path: PathKey | None
        for index, item in enumerate(items):
            ctx.check_time()
            if home is not None and (type(item) is dict or type(item) is list):
                path = (*home, index)
                label = sourcemap.pointer(path)
            else:
                path, label = locator.item(item, each, taken)
            ctx.item, ctx.base = item, path if path is not None else ("<item>",)
            results.append(
                _check(rule, entry, doc, ctx, locator, item, path or (), label, severity)
            )
        ctx.item, ctx.base = None, ()
    return results


def _severity(rule: Rule, doc: Document, ctx: Ctx) -> Severity:
    level = rule.severity.default
    for raised, cond in rule.severity.raises:
        if raised.rank > level.rank and is_truthy(cond.fn(doc.data, ctx)):
            level = raised
    return level


def _check(
    rule: Rule,
    entry: CheckEntry,
    doc: Document,
    ctx: Ctx,
    locator: _Locator,
    node: Any,
    node_path: PathKey,
    item_label: str | None,
    severity: Severity,
) -> Result:
    compiled = entry.compiled
    value = compiled.fn(node, ctx)  # .fn: one call frame less, on every check
    at = entry.at or rule.at
    if value is True or (value is not False and truthy_result(value)):
        # a pass (most results of a run): built here, at the document's first line
        path = node_path + at if at else node_path
        info = rule.info
        line, column, doc_id, kind, vendor = locator.at_root
        return Result(
            info.id, _PASS, severity, doc.path, line, column, "", doc_id, kind, vendor,
            info.title, sourcemap.pointer(path), item_label, entry.label, info.references,
        )  # fmt: skip
    missing: list[PathKey] = []
    if isinstance(value, Unknown):
        missing = sorted(value.paths, key=sourcemap.dotted)
        blame: PathKey | None = missing[0] if missing else None
    else:
        blame, missing = _blame(compiled, node, ctx)
    if at:
        path = node_path + at
    elif blame is not None:
        path = blame if _rooted(blame, node_path) else node_path + blame
    else:
        path = node_path
    if missing:
        message = _missing_message(rule, missing)
    else:
        template = entry.message or rule.message
        message = (
            render(template, node, ctx) if template else _default_message(rule, doc, path, compiled)
        )
    return _result(
        rule,
        entry,
        doc,
        Status.FAIL,
        severity,
        path,
        message,
        locator,
        item_label,
        evidence=_evidence(doc, path) if not missing else None,
    )


def _rooted(path: PathKey, node_path: PathKey) -> bool:
    return bool(node_path) and path[: len(node_path)] == node_path


def _blame(compiled: Compiled, node: Any, ctx: Ctx) -> tuple[PathKey | None, list[PathKey]]:
    """The first conjunct that is false (else the first unknown) and the field it reads."""
    unknown: tuple[PathKey | None, list[PathKey]] | None = None
    for fn, paths in compiled.parts:
        got = fn(node, ctx)
        if isinstance(got, Unknown):
            if unknown is None:
                miss = sorted(got.paths, key=sourcemap.dotted)
                unknown = (miss[0] if miss else (paths[0] if paths else None), [])
            continue
        if not is_truthy(got):
            return (ctx.base + paths[0] if paths else None), []
    if unknown is not None:
        return unknown
    return (ctx.base + compiled.paths[0] if compiled.paths else None), []


def _default_message(rule: Rule, doc: Document, path: PathKey, compiled: Compiled) -> str:
    if path:
        value = sourcemap.get_path(doc.data, path)
        if value is not None or doc.sourcemap.exists(path):
            return f"{rule.info.title}: {sourcemap.dotted(path)} is {_show(value)}"
    return f"{rule.info.title}: check failed ({compiled.text})"


def render(template: Template, node: Any, ctx: Ctx) -> str:
    """Interpolate `{{ EXPR }}`: text as is, other values as JSON, absent as (missing)."""
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        try:
            value = part(node, ctx)
        except EvaluationError:
            value = Unknown()
        out.append(_show(value, quote=False))
    return "".join(out)


def _show(value: Any, quote: bool = True) -> str:
    if isinstance(value, Unknown):
        return "(missing)"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False) if quote else value
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _evidence(doc: Document, path: PathKey) -> str | None:
    if not path:
        return None
    value = sourcemap.get_path(doc.data, path)
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return f"{sourcemap.dotted(path)} = {text if len(text) <= 300 else text[:297] + '...'}"


def _bad_items(
    rule: Rule,
    entry: CheckEntry,
    doc: Document,
    each: Compiled,
    items: Any,
    severity: Severity,
    locator: _Locator,
) -> Result:
    if isinstance(items, Unknown) and items.paths:
        missing = sorted(items.paths, key=sourcemap.dotted)
        message = _missing_message(rule, missing)
        return _result(rule, entry, doc, Status.FAIL, severity, missing[0], message, locator, None)
    path = each.paths[0] if each.paths else ()
    return _result(
        rule,
        entry,
        doc,
        Status.FAIL,
        severity,
        path,
        f"{rule.info.title}: {each.text} is not a list",
        locator,
        None,
        evidence=_evidence(doc, path),
    )


def _missing_message(rule: Rule, missing: list[PathKey]) -> str:
    """`missing:<path>` for each absent field a failing check read (SPEC §3)."""
    names = ", ".join(f"missing:{sourcemap.dotted(m)}" for m in missing)
    return f"{names} ({rule.info.title} needs {'it' if len(missing) == 1 else 'them'})"


def _not_applicable(rule: Rule, doc: Document, locator: _Locator, applies: Any) -> Result:
    assert rule.when is not None
    if isinstance(applies, Unknown) and applies.paths:
        names = ", ".join(sourcemap.dotted(p) for p in sorted(applies.paths, key=sourcemap.dotted))
        reason = f"not applicable: applicability unknown because {names} is absent"
    else:
        reason = f"not applicable: the condition `{rule.when.text}` does not hold"
    return _document_result(rule, doc, locator, Status.NOT_APPLICABLE, reason)


def _error(rule: Rule, doc: Document, locator: _Locator, why: str) -> Result:
    message = f"{rule.id} could not be evaluated: {why}"
    return _document_result(rule, doc, locator, Status.ERROR, message)


def _document_result(
    rule: Rule, doc: Document, locator: _Locator, status: Status, message: str
) -> Result:
    """A result about the document as a whole, at its first line (one in ten results of a
    run is not applicable: positional arguments, the locator's root)."""
    line, column, doc_id, kind, vendor = locator.at_root
    info = rule.info
    return Result(
        info.id, status, rule.severity.default, doc.path, line, column, message, doc_id, kind,
        vendor, info.title, "", None, None, info.references,
    )  # fmt: skip


def _result(
    rule: Rule,
    entry: CheckEntry,
    doc: Document,
    status: Status,
    severity: Severity,
    path: PathKey,
    message: str,
    locator: _Locator,
    item: str | None,
    evidence: str | None = None,
) -> Result:
    # Passes point at the document; findings at their node (positions are read from the
    # source map only for findings, which lets large runs rebuild it on demand).
    if path and status is not Status.PASS:
        at = doc.sourcemap.node(path)[0].position
        line, column = at.line, at.column
    else:
        line, column = locator.at_root[:2]
    doc_id, kind, vendor = locator.ident
    info = rule.info
    return Result(  # positional: this runs for every result of a run
        rule.id, status, severity, doc.path, line, column, message, doc_id, kind, vendor,
        info.title, sourcemap.pointer(path), item, entry.label, info.references, evidence,
    )  # fmt: skip


class _Locator:
    """Finds where a for_each item sits in the document (lazily, once per document)."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.ident = (doc.id, doc.kind, doc.vendor)  # read once, not once per result
        root = doc.sourcemap.root.position
        self.at_root = (root.line, root.column, *self.ident)  # where passes point
        self._ids: dict[int, PathKey] | None = None

    def item(self, item: Any, each: Compiled, taken: set[PathKey]) -> tuple[PathKey | None, str]:
        """Where an item is: by identity for mappings and lists, else the first place its
        value occurs that no earlier item of the same for_each took."""
        if isinstance(item, (dict, list)):
            path = self._by_identity().get(id(item))
            if path is not None:
                return path, sourcemap.pointer(path)
        else:
            for base in each.paths:
                found = _find_value(sourcemap.get_path(self.doc.data, base), item, base, taken)
                if found is not None:
                    taken.add(found)
                    return found, sourcemap.pointer(found)
        text = item if isinstance(item, str) else json.dumps(item, sort_keys=True, default=str)
        return None, "=" + text[:80]

    def _by_identity(self) -> dict[int, PathKey]:
        if self._ids is None:
            ids: dict[int, PathKey] = {}
            stack: list[tuple[PathKey, Any]] = [((), self.doc.data)]
            while stack:  # containers only: scalars are found by value
                path, node = stack.pop()
                ids.setdefault(id(node), path)
                pairs = node.items() if isinstance(node, dict) else enumerate(node)
                stack.extend(((*path, k), v) for k, v in pairs if isinstance(v, (dict, list)))
            self._ids = ids
        return self._ids


def _find_value(node: Any, wanted: Any, path: PathKey, taken: set[PathKey]) -> PathKey | None:
    if isinstance(node, list):
        for i, v in enumerate(node):
            found = _find_value(v, wanted, (*path, i), taken)
            if found is not None:
                return found
        return None
    if isinstance(node, dict):
        for k, v in node.items():
            found = _find_value(v, wanted, (*path, k), taken)
            if found is not None:
                return found
        return None
    if node == wanted and type(node) is type(wanted) and path not in taken:
        return path
    return None
