"""Expression compiler and functions: three-valued logic, absent fields, every function."""

from __future__ import annotations

from typing import Any

import pytest

from vendorpolicy.errors import ConfigError, EvaluationError
from vendorpolicy.expr import Compiler, Context, Ctx, Definition, Unknown, truthy_result
from vendorpolicy.functions import FUNCTIONS


class _Ctx(Context):
    def __init__(
        self,
        atts: dict[str, list[dict[str, Any]]] | None = None,
        contracts: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__()
        self._a = atts or {}
        self._c = contracts or []

    def attestations(self, vendor: str) -> list[dict[str, Any]]:
        return self._a.get(vendor, [])

    def contracts(self) -> list[dict[str, Any]]:
        return self._c


PARAMS = {"min_tls": "1.2", "nested": {"a": 1, "b": [1, 2]}, "limit": 5, "any": "*"}
DEFS = {
    "cif": Definition("cif", "classification.critical_function == `true`", "t"),
    "fresh": Definition("fresh", "period_end >= '2026-01-01'", "t"),
}


def ev(
    expr: str,
    data: Any,
    *,
    as_of: str = "2026-11-22",
    nullable: frozenset[str] = frozenset(),
    context: Context | None = None,
) -> Any:
    """The expression's value, computed as closures and as generated code: both must
    give the same answer (or raise the same error); see also test_codegen.py."""
    compiled = Compiler(FUNCTIONS, DEFS, PARAMS).compile(expr, "test")
    context = context or _Ctx()
    answers = []
    for generated in (False, True):
        if generated:
            compiled.use_generated()
        context.memo.clear()
        ctx = Ctx(root=data, as_of=as_of, context=context, nullable=nullable)
        try:
            answers.append(("value", compiled(data, ctx)))
        except EvaluationError as exc:
            answers.append(("error", f"{type(exc).__name__}: {exc}"))
    assert same_answer(answers[0], answers[1]), (expr, answers)
    kind, value = answers[0]
    if kind == "error":
        raise EvaluationError(value.split(": ", 1)[1])
    return value


def same_answer(a: tuple[str, Any], b: tuple[str, Any]) -> bool:
    if isinstance(a[1], Unknown) or isinstance(b[1], Unknown):
        return isinstance(a[1], Unknown) and isinstance(b[1], Unknown) and a[1].paths == b[1].paths
    return a[0] == b[0] and type(a[1]) is type(b[1]) and a[1] == b[1]


DOC = {
    "a": True,
    "f": False,
    "n": 0,
    "s": "text",
    "z": None,
    "lst": [1, 2, 3],
    "objs": [{"k": 1}, {"k": 2}, {}],
    "classification": {"critical_function": True},
    "audit": {"max_per_year": None},
}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # Kleene OR: true wins over unknown; unknown || false is unknown
        ("missing || a", True),
        ("a || missing", True),
        ("missing || f", None),
        ("f || missing", None),
        # Kleene AND: false wins over unknown
        ("missing && f", False),
        ("f && missing", False),
        ("missing && a", None),
        ("a && missing", None),
        ("!missing", None),
        ("!f", True),
        # comparisons and functions on unknown are unknown
        ("missing == `1`", None),
        ("missing != `1`", None),
        ("length(missing) > `0`", None),
        ("contains(missing, 'x')", None),
        # 0 and false are values
        ("n == `0`", True),
        ("n", True),
        ("f == `false`", True),
        # explicit null without a meaning behaves as unknown
        ("z == `null`", None),
        # null-aware functions see null
        ("type(missing) == 'null'", True),
        ("not_null(missing, 'd') == 'd'", True),
        ("is_null(missing)", True),
        # projections and filters drop unknowns
        ("length(objs[*].k) == `2`", True),
        ("length(objs[?k > `1`]) == `1`", True),
        # string ordering (ISO dates)
        ("'2026-01-01' < '2026-02-01'", True),
        ("s > `1`", False),
    ],
)
def test_three_valued_logic(expr: str, expected: bool | None) -> None:
    assert truthy_result(ev(expr, DOC)) is expected


def test_unknown_names_absent_paths() -> None:
    got = ev("security.encryption.at_rest && missing.x", DOC)
    assert isinstance(got, Unknown)
    assert got.paths == {("security", "encryption", "at_rest"), ("missing", "x")}


def test_unknown_path_is_the_full_path_read() -> None:
    got = ev("security.encryption.at_rest", DOC)
    assert isinstance(got, Unknown)
    assert got.paths == {("security", "encryption", "at_rest")}


def test_null_with_meaning_is_a_value() -> None:
    nullable = frozenset({"audit.max_per_year"})
    assert ev("audit.max_per_year == `null`", DOC, nullable=nullable) is True
    assert isinstance(ev("audit.max_per_year == `null`", DOC), Unknown)


def test_root_and_item_functions() -> None:
    data = {"xs": [{"v": 1}], "limit": 1}
    assert ev("xs[?v == root().limit] | length(@)", data) == 1


def test_definitions_zero_arg_and_with_argument() -> None:
    assert ev("cif()", DOC) is True
    assert ev("fresh(@)", {"period_end": "2026-05-01"}) is True
    items = {"xs": [{"period_end": "2025-01-01"}, {"period_end": "2026-06-01"}]}
    assert ev("length(xs[?fresh(@)])", items) == 1


def test_params_are_folded_and_nested() -> None:
    assert ev("param('min_tls')", {}) == "1.2"
    assert ev("param('nested.a')", {}) == 1


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ("foo(", "invalid JMESPath"),
        ("nosuch(@)", "unknown function nosuch()"),
        ("length(@, @)", "takes 1 argument"),
        ("days_between(@)", "takes 2 argument"),
        ("param('undeclared')", "undefined parameter"),
        ("param('nested.zz')", "has no key"),
        ("param(@)", "literal arguments"),
        ("x == null", "bare null is a field name"),
        ("x == true", "bare true"),
        ("!a.b", "write `!(a.b)`"),
        ("regex_match('(a+)+$', s)", "backtrack"),
        ("regex_match('((a+))+$', s)", "backtrack"),
        ("regex_match('(a|a)+$', s)", "backtrack"),
        ("regex_match('[', s)", "invalid regular expression"),
    ],
)
def test_compile_errors(expr: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as exc:
        Compiler(FUNCTIONS, DEFS, PARAMS).compile(expr, "file.yaml:3")
    assert fragment in str(exc.value)
    assert "file.yaml:3" in str(exc.value)


def test_recursive_definition_is_an_error() -> None:
    defs = {"loop": Definition("loop", "loop()", "p.yaml:1")}
    with pytest.raises(ConfigError, match="refers to itself"):
        Compiler(FUNCTIONS, defs, {}).compile("loop()", "t")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("add_months('2024-01-31', `1`)", "2024-02-29"),
        ("add_months('2023-01-31', `1`)", "2023-02-28"),
        ("add_months('2024-02-29', `12`)", "2025-02-28"),
        ("add_months('2026-03-31', `-1`)", "2026-02-28"),
        ("months_before('2026-11-22', `12`)", "2025-11-22"),
        ("months_before('2026-05-31', `3`)", "2026-02-28"),
        ("add_days('2026-12-31', `1`)", "2027-01-01"),
        ("days_before('2026-03-01', `1`)", "2026-02-28"),
        ("days_between('2026-01-01', '2026-12-31')", 364),
        ("days_between('2026-12-31', '2026-01-01')", -364),
        ("as_of()", "2026-11-22"),
        ("subset(['a'], ['a', 'b'])", True),
        ("subset(['a', 'c'], ['a', 'b'])", False),
        ("subset(`[]`, `[]`)", True),
        ("difference(['a', 'b', 'a'], ['b'])", ["a"]),
        ("intersection(['a', 'b'], ['b', 'c'])", ["b"]),
        ("union(['a'], ['b', 'a'], `[]`)", ["a", "b"]),
        ("unique(['a', 'a', 'b'])", ["a", "b"]),
        ("version_gte('1.10', '1.9')", True),
        ("version_gte('1.2', '1.2.0')", True),
        ("version_gte('1.1', '1.2')", False),
        ("version_cmp('1.3', '1.2')", 1),
        ("regex_match('^[A-Z]{2}$', 'DE')", True),
        ("regex_match('^[A-Z]{2}$', 'DEU')", False),
        ("norm_name('  Helix   Cloud B.V. ')", "helix cloud b.v."),
        ("get(`{\"a\": 1}`, 'a')", 1),
        ("get(`{\"a\": 1}`, 'b')", None),
        ("get(`{\"a\": 1}`, 'b', `2`)", 2),
        ("lookup(`{\"a\": 1}`, 'a')", 1),
        ("multiply(`2`, `3.5`)", 7.0),
        ("divide(`1`, `4`)", 0.25),
        ("add(`1`, `2`)", 3),
        ("subtract(`1`, `2`)", -1),
        ("if(`true`, 'y', 'n')", "y"),
        ("count(`[1, 2, 3]`, &@ > `1`)", 2),
        ("all(`[1, 2]`, &@ > `0`)", True),
        ("any(`[1, 2]`, &@ > `1`)", True),
        ('max_by(`[{"d": "2026-01-01"}, {"d": "2026-05-01"}, {}]`, &d).d', "2026-05-01"),
        ('sort_by(`[{"v": 2}, {"v": 1}]`, &v)[0].v', 1),
        ("sum(`[1, 2.5]`)", 3.5),
        ("length('abc')", 3),
        ("contains('abc', 'b')", True),
        ("join(',', ['a', 'b'])", "a,b"),
        ("to_string(`1`)", "1"),
        ("to_number('2')", 2),
        ('merge(`{"a": 1}`, `{"a": 2}`).a', 2),
        ("reverse('ab')", "ba"),
        ("starts_with('abc', 'a')", True),
        ("ends_with('abc', 'c')", True),
        ("floor(`1.5`)", 1),
        ("ceil(`1.5`)", 2),
        ("abs(`-1`)", 1),
        ('keys(`{"a": 1}`)', ["a"]),
        ('values(`{"a": 1}`)', [1]),
        ("to_array(`1`)", [1]),
        ("avg(`[1, 3]`)", 2),
        ("max(`[1, 3]`)", 3),
        ("min(['b', 'a'])", "a"),
        ("sort(['b', 'a'])", ["a", "b"]),
        ("map(&upper(@), ['a'])", ["A"]),
        ("lower('A')", "a"),
    ],
)
def test_functions(expr: str, expected: Any) -> None:
    assert ev(expr, {}) == expected


@pytest.mark.parametrize(
    "expr",
    [
        "add_months('2026-02-30', `1`)",
        "add_months('not a date', `1`)",
        "add_months(`5`, `1`)",
        "add_months('2026-01-01', `1.5`)",
        "days_between('2026-01-01', `3`)",
        "subset('a', ['a'])",
        "version_gte('1.x', '1.2')",
        "version_gte(`1.2`, '1.2')",
        "regex_match(to_number('5'), 'aaaa')",
        "lookup(`{\"a\": 1}`, 'missing')",
        "divide(`1`, `0`)",
        "length(`5`)",
        "sum(['a'])",
        'max(`[1, "a"]`)',
        "count(`[1]`, `1`)",
        "multiply('a', `1`)",
    ],
)
def test_functions_reject_wrong_types(expr: str) -> None:
    with pytest.raises(EvaluationError):
        ev(expr, {})


@pytest.mark.parametrize(
    "expr",
    [
        "add_months(missing, `1`)",
        "days_between(missing, '2026-01-01')",
        "subset(missing, `[]`)",
        "version_gte(missing, '1.2')",
        "regex_match('x', missing)",
        "length(z)",
    ],
)
def test_functions_on_unknown_or_null_are_unknown(expr: str) -> None:
    assert isinstance(ev(expr, {"z": None}), Unknown)


def test_cross_document_functions() -> None:
    ctx = _Ctx(
        {"v1": [{"type": "soc2_type2"}], "v2": [{"type": "iso27001"}]},
        [{"metadata": {"id": "c1"}}, {"metadata": {"id": "c2"}}],
    )
    data = {"metadata": {"vendor": "v1"}}
    assert ev("attestations()[0].type", data, context=ctx) == "soc2_type2"
    assert ev("attestations('v2')[0].type", data, context=ctx) == "iso27001"
    assert ev("length(contracts())", data, context=ctx) == 2
    assert ev("attestations()", {"metadata": {}}, context=ctx) == []


def test_every_function_is_documented() -> None:
    for fn in FUNCTIONS.values():
        assert fn.doc and fn.signature.startswith(fn.name), fn.name


def test_root_paths_of_any_length() -> None:
    data = {"a": {"b": {"c": 3}}, "xs": [1]}
    assert ev("xs[?root().a.b.c == `3`] | length(@)", data) == 1
    got = ev("root().a.nope.deeper", data)
    assert isinstance(got, Unknown) and got.paths == {("a", "nope", "deeper")}


def test_document_independent_definitions_are_computed_once_per_run() -> None:
    calls: list[int] = []

    class Counting(_Ctx):
        def contracts(self) -> list[dict[str, Any]]:
            calls.append(1)
            return [{"g": "x", "v": 1}, {"g": "x", "v": 2}, {"g": "y", "v": 5}]

    defs = {
        **DEFS,
        "index": Definition("index", "group_by(contracts(), &g)", "t"),
        "mine": Definition("mine", "get(index(), g)", "t"),
    }
    compiler = Compiler(FUNCTIONS, defs, PARAMS)
    compiled = compiler.compile("length(mine())", "t")
    context = Counting()
    for doc, want in (({"g": "x"}, 2), ({"g": "y"}, 1), ({"g": "x"}, 2)):
        ctx = Ctx(root=doc, as_of="2026-11-22", context=context)
        assert compiled(doc, ctx) == want
    assert len(calls) == 1
    assert compiler.definition_flags("index") == (False, False, False)
    assert compiler.definition_flags("mine")[0] is True


def test_if_with_an_unknown_condition_is_unknown() -> None:
    got = ev("if(subcontracting.permitted, 'yes', 'no')", {})
    assert isinstance(got, Unknown) and got.paths == {("subcontracting", "permitted")}
    assert ev("if(`false`, missing_field, 'no')", {}) == "no"  # only the branch taken


@pytest.mark.parametrize("pattern", ["^[A-Z]{2}$", "(ab)+", "(a)|(b)", "[(a+)+]", r"\(a+\)+"])
def test_safe_patterns_are_accepted(pattern: str) -> None:
    assert ev(f"regex_match('{pattern}', 'x')", {}) in (True, False)


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00", "2026-01-01junk", "2026-1-1"])
def test_dates_must_be_exact(value: str) -> None:
    with pytest.raises(EvaluationError):
        ev(f"add_days('{value}', `1`)", {})


def test_memo_evaluates_once_per_key_and_run() -> None:
    calls: list[int] = []

    class Counting(_Ctx):
        def contracts(self) -> list[dict[str, Any]]:
            calls.append(1)
            return [{"g": "x"}]

    compiled = Compiler(FUNCTIONS, DEFS, PARAMS).compile("memo(k, &length(contracts()))", "t")
    context = Counting()
    for doc in ({"k": "a"}, {"k": "a"}, {"k": "b"}):
        assert compiled(doc, Ctx(root=doc, as_of="2026-11-22", context=context)) == 1
    assert len(calls) == 2
