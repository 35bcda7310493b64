"""`vendorpolicy test`: policy unit tests as data (docs/policy-tests.md).

Each case evaluates one document under test, with the file's context documents, and
compares each named rule's overall status with the expectation. A malformed test file,
an unknown rule or document, or a run with no case at all is an error, never a pass.
"""

from __future__ import annotations

import copy
import glob
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vendorpolicy import engine, loader, schemas, sourcemap, waivers
from vendorpolicy.context import RunContext
from vendorpolicy.errors import ConfigError
from vendorpolicy.model import PathKey, Result, Status
from vendorpolicy.policy import PolicySet, load_policies
from vendorpolicy.resources import display_path

STATUSES = {s.value for s in Status}


@dataclass
class Coverage:
    """Which statuses the cases expect of one rule."""

    passing: int = 0
    failing: int = 0
    not_applicable: int = 0
    other: int = 0


@dataclass
class TestRun:
    """What `vendorpolicy test` found."""

    cases: int = 0
    expectations: int = 0
    failures: list[str] = field(default_factory=list)
    coverage: dict[str, Coverage] = field(default_factory=dict)
    rules_with_when: set[str] = field(default_factory=set)

    def coverage_gaps(self) -> list[str]:
        gaps = []
        for rule_id, cov in sorted(self.coverage.items()):
            missing = []
            if not cov.passing:
                missing.append("pass")
            if not cov.failing:
                missing.append("fail")
            if rule_id in self.rules_with_when and not cov.not_applicable:
                missing.append("not_applicable")
            if missing:
                gaps.append(f"{rule_id}: no case expecting {', '.join(missing)}")
        return gaps


def test_files(policy_dirs: Sequence[Path], tests: Sequence[Path] = ()) -> list[Path]:
    """`*.test.yaml` files under the given test paths, else under each policy dir's tests/."""
    roots = list(tests) or [d / "tests" for d in policy_dirs if d.is_dir()]
    found: list[Path] = []
    for root in roots:
        if root.is_file():
            found.append(root)
        elif root.is_dir():
            found.extend(sorted(p for p in root.rglob("*.test.y*ml") if p.is_file()))
    return found


def _set(data: Any, path: PathKey, value: Any, where: str) -> None:
    node = data
    for i, step in enumerate(path[:-1]):
        nxt = path[i + 1]
        if isinstance(step, int):
            if not isinstance(node, list) or not -len(node) <= step < len(node):
                raise ConfigError(f"set: no list item {sourcemap.dotted(path[: i + 1])}", where)
            node = node[step]
            continue
        if not isinstance(node, dict):
            raise ConfigError(f"set: {sourcemap.dotted(path[:i])} is not a mapping", where)
        if step not in node or node[step] is None:
            node[step] = [] if isinstance(nxt, int) else {}
        node = node[step]
    last = path[-1]
    if isinstance(last, int):
        if not isinstance(node, list):
            raise ConfigError(f"set: {sourcemap.dotted(path[:-1])} is not a list", where)
        if last == len(node):
            node.append(value)
        else:
            node[last] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ConfigError(f"set: {sourcemap.dotted(path[:-1])} is not a mapping", where)


def _unset(data: Any, path: PathKey) -> None:
    parent = sourcemap.get_path(data, path[:-1])
    last = path[-1]
    if isinstance(parent, dict):
        parent.pop(str(last), None)
    elif isinstance(parent, list) and isinstance(last, int) and -len(parent) <= last < len(parent):
        del parent[last]


def _modify(doc: loader.Document, change: dict[str, Any], where: str) -> loader.Document:
    data = copy.deepcopy(doc.data)
    for dotted in change.get("unset") or []:
        _unset(data, sourcemap.parse_dotted(str(dotted)))
    for dotted, value in (change.get("set") or {}).items():
        _set(data, sourcemap.parse_dotted(str(dotted)), copy.deepcopy(value), where)
    new = loader.Document(doc.path, doc.index, data, doc.sourcemap, doc.line)
    new.problems.extend(loader.envelope_problems(new))
    if not new.problems:
        new.problems.extend(schemas.SchemaSet.default().validate(new))
    return new


def _load_docs(patterns: Iterable[str], base: Path, where: str) -> list[loader.Document]:
    docs: list[loader.Document] = []
    for pattern in patterns:
        matches = sorted(glob.glob(str(base / pattern)))
        if not matches:
            raise ConfigError(f"no file matches {pattern!r}", where)
        for m in matches:
            loaded = loader.read_file(display_path(m), m)
            if loaded.problems:
                raise ConfigError(f"{m}: {loaded.problems[0].message}", where)
            for doc in loaded.documents:
                if not doc.problems:
                    doc.problems.extend(schemas.SchemaSet.default().validate(doc))
                docs.append(doc)
    return docs


class _Policies:
    """Policy sets by parameter overrides (compiled once per distinct set)."""

    def __init__(self, dirs: Sequence[Path]) -> None:
        self.dirs = dirs
        self._sets: dict[str, PolicySet] = {}

    def get(self, params: dict[str, Any]) -> PolicySet:
        key = json.dumps(params, sort_keys=True)
        if key not in self._sets:
            self._sets[key] = load_policies(self.dirs, params)
        return self._sets[key]


def overall(results: Sequence[Result]) -> str:
    statuses = {r.status for r in results}
    for s in (Status.ERROR, Status.FAIL, Status.WAIVED, Status.PASS):
        if s in statuses:
            return str(s.value)
    return str(Status.NOT_APPLICABLE.value) if statuses else "none"


def run_tests(policy_dirs: Sequence[Path], tests: Sequence[Path] = ()) -> TestRun:
    files = test_files(policy_dirs, tests)
    if not files:
        raise ConfigError("no policy test files (*.test.yaml) found")
    cache = _Policies(policy_dirs)
    run = TestRun()
    base_set = cache.get({})
    shown = {t.resolve() for t in tests}
    for rule in base_set.rules:
        if tests and not _rule_in(rule.where, policy_dirs, shown):
            continue
        run.coverage[rule.id] = Coverage()
        if rule.when is not None:
            run.rules_with_when.add(rule.id)
    for path in files:
        _run_file(path, cache, run)
    if run.cases == 0:
        raise ConfigError("the policy tests executed no case")
    return run


def _rule_in(where: str, dirs: Sequence[Path], tests: set[Path]) -> bool:
    """Coverage is counted for the rules of the directories whose tests run."""
    del dirs
    source = where.split(":", 1)[0]
    return any(source.startswith(display_path(t.parent)) for t in tests) or not tests


def _run_file(path: Path, cache: _Policies, run: TestRun) -> None:
    shown = display_path(path)
    loaded = loader.read_file(shown, str(path))
    for doc in loaded.documents:  # PolicyTest is not a repository document kind
        doc.problems = [p for p in doc.problems if p.rule != "VP-SCHEMA"]
    if loaded.problems or len(loaded.documents) != 1 or loaded.documents[0].problems:
        probs = loaded.problems or (loaded.documents[0].problems if loaded.documents else [])
        msg = probs[0].message if probs else "a test file holds exactly one YAML document"
        line = probs[0].line if probs else 1
        raise ConfigError(msg, f"{shown}:{line}")
    spec = loaded.documents[0]
    data = spec.mapping
    if data.get("kind") != "PolicyTest" or not isinstance(data.get("cases"), list):
        raise ConfigError("expected kind: PolicyTest with a list of cases", f"{shown}:1")
    unknown = set(data) - {
        "apiVersion",
        "kind",
        "metadata",
        "as_of",
        "params",
        "documents",
        "cases",
    }
    if unknown:
        raise ConfigError(f"unknown keys {sorted(unknown)}", f"{shown}:1")
    context = _load_docs(data.get("documents") or [], path.parent, shown)
    names: set[str] = set()
    for index, case in enumerate(data["cases"]):
        pos = spec.sourcemap.position(("cases", index))
        where = f"{shown}:{pos.line}"
        _run_case(case, data, context, path.parent, cache, run, where, names)


_CASE_KEYS = {
    "name",
    "document",
    "set",
    "unset",
    "patch",
    "remove",
    "add",
    "params",
    "as_of",
    "expect",
}


def _run_case(
    case: Any,
    spec: dict[str, Any],
    context: list[loader.Document],
    base: Path,
    cache: _Policies,
    run: TestRun,
    where: str,
    names: set[str],
) -> None:
    if not isinstance(case, dict) or "name" not in case or "expect" not in case:
        raise ConfigError("each case needs a name and expect", where)
    if set(case) - _CASE_KEYS:
        raise ConfigError(f"unknown case keys {sorted(set(case) - _CASE_KEYS)}", where)
    name = str(case["name"])
    if name in names:
        raise ConfigError(f"duplicate case name {name!r}", where)
    names.add(name)
    params = {**(spec.get("params") or {}), **(case.get("params") or {})}
    policies = cache.get(params)
    as_of = str(case.get("as_of") or spec.get("as_of") or "")
    if not as_of:
        raise ConfigError("as_of is required (in the file or the case)", where)

    docs = list(context) + _load_docs(case.get("add") or [], base, where)
    removed = set(case.get("remove") or [])
    for patch_id, change in (case.get("patch") or {}).items():
        idx = next((i for i, d in enumerate(docs) if d.id == patch_id), None)
        if idx is None:
            raise ConfigError(f"patch: no document with metadata.id {patch_id!r}", where)
        docs[idx] = _modify(docs[idx], change, where)
    target_ref = case.get("document")
    if not isinstance(target_ref, str):
        raise ConfigError("document: give a metadata.id or a file path", where)
    target = next((d for d in docs if d.id == target_ref), None)
    if target is None:
        found = _load_docs([target_ref], base, where) if (base / target_ref).exists() else []
        if not found:
            raise ConfigError(f"document {target_ref!r} is neither an id nor a file", where)
        target = found[0]
    target = _modify(target, case, where)
    docs = [d for d in docs if d.id != target.id and d.id not in removed] + [target]
    run.cases += 1
    if target.problems:
        run.failures.append(
            f"{where}: {name}: the document under test is invalid: {target.problems[0].message}"
        )
        return
    rule_ids = {r.id for r in policies.rules}
    wanted = set(case["expect"] or {})
    results = _evaluate(policies, docs, target, as_of, wanted)
    for rule_id, expected in (case["expect"] or {}).items():
        if rule_id not in rule_ids and not rule_id.startswith("VP-"):
            raise ConfigError(f"expect: unknown rule {rule_id}", where)
        item = None
        if isinstance(expected, dict):
            item = expected.get("item")
            expected = expected.get("status")
        if expected not in STATUSES:
            raise ConfigError(f"expect {rule_id}: unknown status {expected!r}", where)
        mine = [r for r in results if r.rule == rule_id]
        if item is not None:
            mine = [r for r in mine if r.item == item or r.pointer == item]
        got = overall(mine)
        run.expectations += 1
        cov = run.coverage.setdefault(rule_id, Coverage())
        if expected == "pass":
            cov.passing += 1
        elif expected == "fail":
            cov.failing += 1
        elif expected == "not_applicable":
            cov.not_applicable += 1
        else:
            cov.other += 1
        if got != expected:
            detail = "; ".join(
                f"{r.status.value} {r.item or r.pointer or ''} {r.message}".strip()
                for r in mine
                if r.status.value != expected
            )[:400]
            run.failures.append(
                f"{where}: {name}: {rule_id} expected {expected}, got {got}"
                + (f" ({detail})" if detail else "")
            )


def _evaluate(
    policies: PolicySet,
    docs: list[loader.Document],
    target: loader.Document,
    as_of: str,
    wanted: set[str],
) -> list[Result]:
    valid = [d for d in docs if not d.problems and d.data is not None]
    ctx = RunContext(((d.path, d.index), d.kind or "", d.vendor, d.mapping) for d in valid)
    nullable = schemas.nullable_paths("Contract") | schemas.nullable_paths("Attestation")
    settings = engine.Settings(as_of=as_of, nullable=nullable)
    rules = [r for r in policies.rules if r.id in wanted]
    results = engine.evaluate(target, rules, ctx, settings)
    limit = policies.params.get("max_waiver_days")
    policy = waivers.WaiverPolicy(
        max_waiver_days=int(limit) if isinstance(limit, (int, float)) else None
    )
    results, _ = waivers.apply(
        results,
        [d for d in valid if d.kind == "Waiver"],
        {r.id for r in policies.rules},
        as_of,
        policy,
        {target.id} if target.id else set(),
        {target.path},
    )
    return results


def coverage_table(run: TestRun) -> str:
    lines = [f"{'rule':<12} {'pass':>5} {'fail':>5} {'n/a':>5} {'other':>5}"]
    for rule_id, cov in sorted(run.coverage.items()):
        flag = "" if cov.passing and cov.failing else "  <- incomplete"
        if rule_id in run.rules_with_when and not cov.not_applicable:
            flag = flag or "  <- no not_applicable case"
        lines.append(
            f"{rule_id:<12} {cov.passing:>5} {cov.failing:>5} {cov.not_applicable:>5} "
            f"{cov.other:>5}{flag}"
        )
    return "\n".join(lines)
