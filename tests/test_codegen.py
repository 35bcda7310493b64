"""Generated code (codegen.py) gives exactly what the closures give.

The closures are the reference implementation of the expression semantics; generated
code replaces them on large runs and for portfolio indexes. These tests compare the two
on random expressions, on every expression of the built-in pack over the canonical
examples, on the pack's own policy tests, and through the runner's switch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vendorpolicy import codegen, engine, loader, policytest, runner
from vendorpolicy.config import Config
from vendorpolicy.errors import EvaluationError
from vendorpolicy.expr import Compiler, Context, Ctx, Definition, Unknown
from vendorpolicy.functions import FUNCTIONS
from vendorpolicy.policy import PolicySet, default_policy_dirs, load_policies

DOC: dict[str, Any] = {
    "a": True,
    "f": False,
    "n": 0,
    "x": 2.5,
    "s": "2026-05-01",
    "t": "text",
    "z": None,
    "e": [],
    "lst": [3, 1, 2],
    "strs": ["b", "a", "b"],
    "objs": [{"k": 1, "s": "p"}, {"k": 2, "z": None}, {}, None, {"k": "1"}],
    "nested": [[1, 2], [3, [4]], 5, None],
    "m": {"a": {"b": {"c": 1}}, "n": None, "l": [1, {"c": 2}]},
    "meta": {"id": "doc-1", "vendor": "v"},
}
NULLABLE = frozenset({"z", "m.n", "objs.z"})
DEFS = {
    "big": Definition("big", "k > `1`", "t"),
    "first": Definition("first", "lst[0]", "t"),
    "ids": Definition("ids", "contracts()[].meta.id", "t"),
    "mine": Definition("mine", "root().meta.id", "t"),
    "each": Definition("each", "item()", "t"),
}
PORTFOLIO = [DOC, {"meta": {"id": "doc-2"}, "k": 3}, {"k": 1}]


class _Ctx(Context):
    def attestations(self, vendor: str) -> list[dict[str, Any]]:
        return [{"type": "soc2", "vendor": vendor}] if vendor == "v" else []

    def contracts(self) -> list[dict[str, Any]]:
        return PORTFOLIO


def _answer(compiled: Any, generated: bool, item: Any) -> tuple[str, Any]:
    context = _Ctx()
    if generated:
        compiled.use_generated()
        context.large = True  # portfolio indexes (ids()) as generated code too
    ctx = Ctx(root=DOC, as_of="2026-11-22", context=context, nullable=NULLABLE, item=item)
    try:
        value = compiled(DOC, ctx)
    except EvaluationError as exc:
        return ("error", f"{type(exc).__name__}: {exc}")
    if isinstance(value, Unknown):
        return ("unknown", sorted(value.paths))
    return ("value", repr(value))  # repr: tells True from 1 and 1.0, a list from a tuple


def assert_same(text: str, item: Any = None) -> None:
    compiler = Compiler(FUNCTIONS, DEFS, {"p": 2, "names": ["a"]})
    compiled = compiler.compile(text, "test")
    closure = _answer(compiled, False, item)
    generated = _answer(compiled, True, item)
    assert generated == closure, text


# -- random expressions --------------------------------------------------------------------

FIELDS = ["a", "f", "n", "x", "s", "t", "z", "e", "lst", "strs", "objs", "nested", "m", "k"]
FIELDS += ["missing", "m.a.b.c", "m.n", "m.l", "m.a.missing", "meta.id", "objs.z", "@"]
LITERALS = ["`1`", "`0`", "`true`", "`false`", "`null`", "'text'", "`[1, 2]`", '`{"k": 1}`']
LITERALS += ["'2026-05-01'", "`2.5`", '`"1"`', "`[]`"]


def _expressions() -> st.SearchStrategy[str]:
    leaves = st.sampled_from(FIELDS + LITERALS)

    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        pair = st.tuples(inner, inner)
        return st.one_of(
            pair.map(lambda p: f"({p[0]} && {p[1]})"),
            pair.map(lambda p: f"({p[0]} || {p[1]})"),
            inner.map(lambda e: f"!({e})"),
            st.tuples(inner, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), inner).map(
                lambda p: f"({p[0]} {p[1]} {p[2]})"
            ),
            st.tuples(inner, st.sampled_from(LITERALS)).map(lambda p: f"({p[0]} == {p[1]})"),
            st.tuples(st.sampled_from(["lst", "objs", "nested", "strs", "e"]), inner).map(
                lambda p: f"{p[0]}[?{p[1]}]"
            ),
            st.sampled_from(["objs[*].k", "nested[]", "m.*", "objs[].z", "lst[1]", "lst[-1]"]),
            st.sampled_from(["lst[::2]", "lst[5]", "m.a | b", "m.l[1].c", "objs[?big(@)].k"]),
            inner.map(lambda e: f"[{e}, a]"),
            inner.map(lambda e: f"{{x: {e}, y: n}}"),
            inner.map(lambda e: f"length({e})"),
            inner.map(lambda e: f"type({e})"),
            inner.map(lambda e: f"not_null({e}, 'd')"),
            inner.map(lambda e: f"contains({e}, `1`)"),
            inner.map(lambda e: f"contains(strs, {e})"),
            inner.map(lambda e: f"sort_by(objs[?k], &{e})"),
            inner.map(lambda e: f"if({e}, 'y', 'n')"),
            inner.map(lambda e: f"sum({e})"),
            inner.map(lambda e: f"({e}).k"),
            inner.map(lambda e: f"objs[?{e}] | length(@)"),
            st.sampled_from(["first()", "big(@)", "ids()", "mine()", "each()", "item()"]),
            st.sampled_from(["attestations()[0].type", "param('p')", "as_of()", "root().a"]),
        )

    return st.recursive(leaves, grow, max_leaves=8)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions(), st.sampled_from([None, {"k": 2}, "text", 3]))
def test_generated_code_gives_what_the_closures_give(text: str, item: Any) -> None:
    try:
        Compiler(FUNCTIONS, DEFS, {"p": 2, "names": ["a"]}).compile(text, "test")
    except Exception:  # noqa: BLE001 - not a valid expression: nothing to compare
        return
    assert_same(text, item)


@pytest.mark.parametrize(
    "text",
    [
        "m.a.b.c",  # a path all there
        "m.a.x.c",  # absent in the middle: unknown naming the whole path
        "m.n",  # null the schema allows
        "m.n.deeper",  # null, then more
        "z == `null`",
        "objs[?z == `null`]",
        "objs[*].z",
        "lst[::-1]",  # a slice: the closure, called from generated code
        "nested[][]",
        "m.*.c",
        'contains(objs, `{"k": 1, "s": "p"}`)',
        "contains(lst, `true`)",  # true is not 1
        "lookup(m, 'nope')",  # raises: the same error
        "to_number('x') > `1`",
        "a && missing || f",
        "missing && f",
        "!missing",
        "ids() | length(@)",
    ],
)
def test_edge_cases(text: str) -> None:
    assert_same(text)


def test_an_expression_too_large_to_generate_keeps_its_closure() -> None:
    text = " && ".join(f"m.a.b.c == `{i}`" for i in range(300))
    compiler = Compiler(FUNCTIONS, {}, {})
    compiled = compiler.compile(text, "test")
    before = compiled.fn
    assert codegen.generate(compiler, compiled.tree, "test") is None
    compiled.use_generated()
    assert compiled.fn is before


def test_filters_nested_too_deeply_to_compile_keep_their_closure() -> None:
    text = "a" + "[?b" * 25 + " == `1`" + "]" * 25  # Python allows 20 nested loops
    compiler = Compiler(FUNCTIONS, {}, {})
    compiled = compiler.compile(text, "test")
    assert codegen.generate(compiler, compiled.tree, "test") is None
    assert_same(text)


# -- the built-in pack -----------------------------------------------------------------------


def _generated(policies: PolicySet) -> PolicySet:
    policies.use_generated_code()
    return policies


def _judge(policies: PolicySet, docs: list[loader.Document]) -> list[tuple[Any, ...]]:
    from vendorpolicy.context import RunContext

    context = RunContext([((d.path, d.index), d.kind or "", d.vendor, d.data) for d in docs])
    settings = runner.evaluation_settings("2026-11-22")
    return [
        r.as_tuple() for d in docs for r in engine.evaluate(d, policies.rules, context, settings)
    ]


def test_the_built_in_pack_judges_the_canonical_examples_the_same(canonical: Path) -> None:
    docs = [
        d
        for p in sorted(canonical.glob("*.yaml"))
        for d in loader.read_file(p.name, str(p)).documents
        if not d.problems and d.kind in ("Contract", "Attestation")
    ]
    assert len(docs) >= 4
    closures = _judge(load_policies(default_policy_dirs()), docs)
    generated = _judge(_generated(load_policies(default_policy_dirs())), docs)
    assert generated == closures
    assert {t[1] for t in closures} >= {"pass", "fail", "not_applicable"}


def test_the_pack_policy_tests_pass_with_generated_code(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = policytest.run_tests(default_policy_dirs())
    monkeypatch.setattr(policytest, "load_policies", lambda *a: _generated(load_policies(*a)))
    run = policytest.run_tests(default_policy_dirs())
    assert run.failures == expected.failures == []
    assert run.cases == expected.cases > 100


def test_a_large_run_switches_to_generated_code(
    monkeypatch: pytest.MonkeyPatch, canonical: Path
) -> None:
    used: list[bool] = []
    real = PolicySet.use_generated_code

    def spy(self: PolicySet) -> None:
        used.append(True)
        real(self)

    monkeypatch.setattr(PolicySet, "use_generated_code", spy)
    opts = runner.Options(
        paths=(str(canonical),), as_of="2026-11-22", policy_dirs=tuple(default_policy_dirs())
    )
    small = runner.run(opts, Config())
    assert not used
    monkeypatch.setattr(runner, "GENERATE_CODE_FROM", 1)
    large = runner.run(opts, Config())
    assert used
    assert [r.as_tuple() for r in large.results] == [r.as_tuple() for r in small.results]
