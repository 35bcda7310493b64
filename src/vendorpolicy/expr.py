"""JMESPath compiled once into Python closures, with three-valued logic for absent fields.

jmespath's parser gives the expression tree; this module turns it into closures
`fn(value, ctx)`. Two reasons to not use jmespath's interpreter:

* SPEC §3: an absent field is *unknown* (Kleene logic, like SQL NULL) and a failing
  check must name the absent fields it read. :class:`Unknown` carries those paths.
* Speed: a closure tree skips the interpreter's visitor dispatch on every node.

Departures from JMESPath, all documented in docs/expressions.md: ordering comparisons
also compare two strings (ISO dates compare correctly as text); projections and filters
drop unknown values as JMESPath drops null; functions are resolved at compile time, so an
unknown function or a wrong number of arguments is a configuration error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, final

from vendorpolicy.errors import ConfigError, EvaluationError, EvaluationTimeout
from vendorpolicy.model import PathKey

if TYPE_CHECKING:
    from jmespath import exceptions as jexc

Fn = Callable[[Any, "Ctx"], Any]
Tree = dict[str, Any]  # a jmespath parse tree: {"type", "children", "value"}


@final
class Unknown:
    """An absent (or unagreed null) value, with the document paths that were absent.
    Final: generated code tests `type(x) is Unknown` (codegen.py)."""

    __slots__ = ("paths",)

    def __init__(self, paths: frozenset[PathKey] = frozenset()) -> None:
        self.paths = paths

    def __or__(self, other: Unknown) -> Unknown:
        if not other.paths:
            return self
        if not self.paths:
            return other
        return Unknown(self.paths | other.paths)

    def __bool__(self) -> bool:  # never truthy: a guard against accidental use
        return False

    def __repr__(self) -> str:
        return f"Unknown({sorted(map(str, self.paths))})"


UNKNOWN = Unknown()


class Context:
    """What cross-document functions see: the bundles and the portfolio (see context.py).

    `memo` holds, for one run, the values of definitions that do not depend on the
    document under evaluation (portfolio indexes): computed once, not once per document.
    """

    memo: dict[str, Any]
    large = False  # holds enough documents for portfolio indexes to repay generated code

    def __init__(self) -> None:
        self.memo = {}

    def attestations(self, vendor: str) -> list[dict[str, Any]]:  # pragma: no cover - interface
        raise NotImplementedError

    def contracts(self) -> list[dict[str, Any]]:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class Ctx:
    """The explicit evaluation context: no globals, no `date.today()` deep inside."""

    root: Any
    as_of: str
    context: Context
    base: PathKey = ()
    item: Any = None
    deadline: float = float("inf")
    memo: dict[Any, Any] = field(default_factory=dict)
    nullable: frozenset[str] = frozenset()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise EvaluationTimeout("evaluation exceeded its time budget")


# --------------------------------------------------------------------------- helpers


def is_truthy(value: Any) -> bool:
    """JMESPath truthiness: false, null, "", [] and {} are false; 0 is true."""
    if value is None or value is False:
        return False
    if isinstance(value, (str, list, dict)):
        return len(value) > 0
    return not isinstance(value, Unknown)


_TYPE_NAMES = {
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
    type(None): "null",
}


def type_name(value: Any) -> str:
    """JMESPath type names; an unknown value reads as null to null-aware functions."""
    known = _TYPE_NAMES.get(type(value))
    if known is not None:  # plain data: one lookup (this is on every function call)
        return known
    if value is None or isinstance(value, Unknown):
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, ExpRef):
        return "expref"
    return type(value).__name__


def equals(a: Any, b: Any) -> bool:
    """JMESPath equality: deep, and booleans never equal numbers."""
    ta = type(a)
    if ta is type(b) and (ta is str or ta is int):
        return bool(a == b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equals(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equals(a[k], b[k]) for k in a)
    return bool(a == b) and type_name(a) == type_name(b)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class ExpRef:
    """`&expr` handed to a function: call it on a value."""

    __slots__ = ("ctx", "fn")

    def __init__(self, fn: Fn, ctx: Ctx) -> None:
        self.fn = fn
        self.ctx = ctx

    def __call__(self, value: Any) -> Any:
        return self.fn(value, self.ctx)


# --------------------------------------------------------------------------- functions


@dataclass(frozen=True)
class Function:
    """A function available to expressions.

    `null_aware` functions receive unknown values as None (SPEC §3: `not_null`, `type`);
    every other function returns unknown as soon as one argument is unknown or null.
    `needs_ctx` functions get the evaluation context as first argument.
    `fold` is called at compile time with literal arguments (e.g. `param`), returning the
    constant value; it may raise ConfigError.
    """

    name: str
    impl: Callable[..., Any]
    min_args: int
    max_args: int | None
    null_aware: bool = False
    needs_ctx: bool = False
    fold: Callable[..., Any] | None = None
    doc: str = ""
    signature: str = ""
    check_literals: Callable[[Any], Any] | None = None  # validates a literal first argument


@dataclass(frozen=True)
class Definition:
    """A named expression from a policy file's `definitions:`, callable as name() / name(x)."""

    name: str
    expression: str
    where: str


class Compiler:
    """Turns expression text into closures, resolving functions and definitions once.

    `trees` maps expression text to its jmespath parse tree: parsed trees are added to it,
    and a tree found there is not parsed again (the pre-parsed policy pack fills it).
    """

    def __init__(
        self,
        functions: Mapping[str, Function],
        definitions: Mapping[str, Definition] | None = None,
        params: Mapping[str, Any] | None = None,
        trees: dict[str, Tree] | None = None,
    ) -> None:
        self.functions = dict(functions)
        self.trees: dict[str, Tree] = {} if trees is None else trees
        self.params = dict(params or {})
        self.definitions = dict(definitions or {})
        self._compiled_defs: dict[str, Fn] = {}
        self._compiling: set[str] = set()
        self._def_params: dict[str, set[str]] = {}
        self._def_flags: dict[str, tuple[bool, bool, bool]] = {}
        self.params_read: set[str] = set()
        self._generated_defs: dict[str, Fn] = {}

    # -- public -----------------------------------------------------------------

    def compile(self, text: str, where: str = "") -> Compiled:
        """Compile `text`; any problem is a ConfigError naming `where`."""
        if not isinstance(text, str) or not text.strip():
            raise ConfigError("an expression must be a non-empty string", where)
        tree = self.trees.get(text)
        if tree is None:
            tree = self.trees[text] = parse(text, where)
        outer, self.params_read = self.params_read, set()
        try:
            builder = _Builder(self, where)
            fn = builder.build(tree, "top")
        finally:
            mine, self.params_read = self.params_read, outer | self.params_read
        return Compiled(
            text=text,
            fn=fn,
            paths=tuple(builder.paths),
            params=tuple(sorted(mine)),
            reads_current=builder.reads_current,
            reads_doc=builder.reads_doc,
            reads_item=builder.reads_item,
            tree=tree,
            compiler=self,
            where=where,
        )

    def definition(self, name: str, where: str) -> Fn:
        if name in self._compiled_defs:
            self.params_read |= self._def_params[name]
            return self._compiled_defs[name]
        if name in self._compiling:
            raise ConfigError(f"definition {name}() refers to itself", where)
        d = self.definitions[name]
        self._compiling.add(name)
        try:
            compiled = self.compile(d.expression, d.where)
        finally:
            self._compiling.discard(name)
        self._compiled_defs[name] = compiled.fn
        self._def_params[name] = set(compiled.params)
        self._def_flags[name] = (compiled.reads_current, compiled.reads_doc, compiled.reads_item)
        return compiled.fn

    def generated(self, name: str) -> Fn:
        """A definition's body as generated code (codegen.py), made on first request; the
        closure when it cannot be generated."""
        fn = self._generated_defs.get(name)
        if fn is None:
            from vendorpolicy import codegen

            closure = self.definition(name, "")
            d = self.definitions[name]
            fn = codegen.generate(self, self.trees[d.expression], d.where) or closure
            self._generated_defs[name] = fn
        return fn

    def definition_flags(self, name: str) -> tuple[bool, bool, bool]:
        """(reads the node it is called on, reads the document, reads the for_each item)."""
        return self._def_flags[name]


@dataclass(eq=False)
class Compiled:
    """A compiled expression: the closure plus what it reads (for locations and messages).

    Treat it as immutable but for `fn`, which `use_generated` replaces with the same
    expression as generated code when a run is large enough to repay generating it."""

    text: str
    fn: Fn
    paths: tuple[PathKey, ...]
    params: tuple[str, ...]
    reads_current: bool = True
    reads_doc: bool = True
    reads_item: bool = True
    tree: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    compiler: Compiler | None = field(default=None, repr=False, compare=False)
    where: str = ""

    def __call__(self, value: Any, ctx: Ctx) -> Any:
        return self.fn(value, ctx)

    def use_generated(self) -> None:
        if self.compiler is not None and self.tree:
            from vendorpolicy import codegen

            self.fn = codegen.generate(self.compiler, self.tree, self.where) or self.fn

    @cached_property
    def field_path(self) -> tuple[str, ...] | None:
        """The path this expression reads when it is only a chain of fields (`services`)."""
        return field_chain(self.tree) if self.tree else None

    @cached_property
    def parts(self) -> tuple[tuple[Fn, tuple[PathKey, ...]], ...]:
        """The top-level `&&` parts with the fields each reads, compiled on first use (only
        a failing check needs them, to point at the part that failed)."""
        pieces = _conjuncts(self.tree)
        if len(pieces) == 1 or self.compiler is None:
            return ((self.fn, self.paths),)
        out = []
        for piece in pieces:
            builder = _Builder(self.compiler, self.where)
            fn = builder.build(piece, "top")
            out.append((fn, tuple(builder.paths)))
        return tuple(out)


def field_chain(node: dict[str, Any]) -> tuple[str, ...] | None:
    """`a.b.c` as a tuple of names when the expression is only fields."""
    if node["type"] == "field":
        return (node["value"],)
    if node["type"] == "subexpression":
        out: list[str] = []
        for child in node["children"]:
            chain = field_chain(child)
            if chain is None:
                return None
            out.extend(chain)
        return tuple(out)
    return None


def leading_fields(children: list[dict[str, Any]]) -> tuple[str, ...]:
    """The names of the fields a subexpression's children start with."""
    names: list[str] = []
    for child in children:
        if child["type"] != "field":
            break
        names.append(child["value"])
    return tuple(names)


def _conjuncts(tree: dict[str, Any]) -> list[dict[str, Any]]:
    """Top-level `a && b && c` split into its parts (for pointing at the failing part)."""
    if tree.get("type") == "and_expression":
        left, right = tree["children"]
        return _conjuncts(left) + _conjuncts(right)
    return [tree]


def parse(text: str, where: str = "") -> Tree:
    """jmespath's parse tree of `text`; a syntax error is a ConfigError naming `where`.

    jmespath is imported here, on the first expression not found pre-parsed."""
    import jmespath
    from jmespath import exceptions as jexc

    try:
        tree: Tree = jmespath.compile(text).parsed  # type: ignore[assignment]
    except jexc.ParseError as exc:
        raise ConfigError(f"invalid JMESPath {text!r}: {_parse_msg(exc)}", where) from None
    except jexc.JMESPathError as exc:  # pragma: no cover - lexer errors
        raise ConfigError(f"invalid JMESPath {text!r}: {exc}", where) from None
    return tree


def _parse_msg(exc: jexc.ParseError) -> str:
    token = getattr(exc, "token_value", None)
    pos = getattr(exc, "lex_position", None)
    msg = getattr(exc, "msg", None) or "parse error"
    if pos is not None:
        return f"{msg} at column {int(pos) + 1} (near {token!r})"
    return str(msg)


# --------------------------------------------------------------------------- builder


class _Builder:
    """One expression's tree -> closures. `scope` is "top" (the evaluated node),
    "root" (under root()) or "elem" (inside projections, filters and exprefs)."""

    def __init__(self, compiler: Compiler, where: str) -> None:
        self.c = compiler
        self.where = where
        self.paths: list[PathKey] = []
        self.reads_current = False  # reads the node it is evaluated on (top scope)
        self.reads_doc = False  # reads the document under evaluation (root(), item(), ...)
        self.reads_item = False  # reads the current for_each item: never memoised

    def collect(self, tree: dict[str, Any]) -> list[PathKey]:
        self.build(tree, "top")
        return self.paths

    def build(self, node: dict[str, Any], scope: str) -> Fn:
        kind = node["type"]
        method = getattr(self, "_" + kind, None)
        if method is None:
            raise ConfigError(f"unsupported JMESPath construct {kind!r}", self.where)
        fn: Fn = method(node, scope)
        return fn

    # -- paths ---------------------------------------------------------------------

    def _access(self, names: tuple[str, ...], scope: str, rooted: bool = False) -> Fn:
        """Field access with absent -> Unknown(path) and unagreed null -> Unknown(path)."""
        if scope == "top" or rooted:
            self.paths.append(names)
        if scope == "top" and not rooted:
            self.reads_current = True
        nullable = self.c_nullable_key(names)
        track = scope == "top" or rooted
        if len(names) == 1:
            return _access_one(names, nullable, track, rooted)

        def access(value: Any, ctx: Ctx) -> Any:
            if isinstance(value, Unknown):
                return value
            for i, name in enumerate(names):
                if type(value) is not dict:
                    return None
                if name not in value:
                    return absent(ctx, track, rooted, names)
                value = value[name]
                if value is None:
                    last = i == len(names) - 1
                    return null(ctx, nullable if last else None, track, rooted, names[: i + 1])
            return value

        return access

    @staticmethod
    def c_nullable_key(names: tuple[str, ...]) -> str:
        return ".".join(names)

    # -- node types ------------------------------------------------------------------

    def _field(self, node: dict[str, Any], scope: str) -> Fn:
        name = node["value"]
        if name in ("null", "true", "false"):
            raise ConfigError(
                f"bare {name} is a field name in JMESPath; write the literal as `{name}` "
                "(in backticks)",
                self.where,
            )
        return self._access((name,), scope)

    def _subexpression(self, node: dict[str, Any], scope: str) -> Fn:
        if node["children"][0]["type"] == "not_expression":
            raise ConfigError(
                "`!a.b` means `(!a).b` in JMESPath, which is always null; write `!(a.b)`",
                self.where,
            )
        chain = field_chain(node)
        if chain is not None:
            return self._access(chain, scope)
        children = node["children"]
        # root().a.b: a document-rooted path
        if _is_call(children[0], "root"):
            names = leading_fields(children[1:])
            if names and len(names) == len(children) - 1:
                self.reads_doc = True
                acc = self._access(names, scope, rooted=True)
                return lambda v, ctx: acc(ctx.root, ctx)
        names = leading_fields(children)
        if names:
            fn = self._access(names, scope)
            rest = children[len(names) :]
        else:
            fn = self.build(children[0], scope)
            rest = children[1:]
        for child in rest:
            fn = _sub(fn, self.build(child, "elem"))
        return fn

    def _identity(self, node: dict[str, Any], scope: str) -> Fn:
        if scope == "top":
            self.reads_current = True
        return _ident

    _current = _identity

    def _literal(self, node: dict[str, Any], scope: str) -> Fn:
        value = node["value"]
        return lambda v, ctx: value

    def _index(self, node: dict[str, Any], scope: str) -> Fn:
        idx = node["value"]

        def index(value: Any, ctx: Ctx) -> Any:
            if isinstance(value, Unknown):
                return value
            if type(value) is not list:
                return None
            try:
                return value[idx]
            except IndexError:
                return None

        return index

    def _index_expression(self, node: dict[str, Any], scope: str) -> Fn:
        """`a[0]` and `a | b`: the right side on the left side's value (unknown stays)."""
        left = self.build(node["children"][0], scope)
        right = self.build(node["children"][1], "elem")

        def then(value: Any, ctx: Ctx) -> Any:
            got = left(value, ctx)
            if isinstance(got, Unknown):
                return got
            return right(got, ctx)

        return then

    _pipe = _index_expression

    def _slice(self, node: dict[str, Any], scope: str) -> Fn:
        start, stop, step = node["children"]
        if step == 0:
            raise ConfigError("slice step cannot be 0", self.where)
        s = slice(start, stop, step)

        def slicer(value: Any, ctx: Ctx) -> Any:
            if isinstance(value, Unknown):
                return value
            if type(value) is not list:
                return None
            return value[s]

        return slicer

    def _projection(self, node: dict[str, Any], scope: str) -> Fn:
        left = self.build(node["children"][0], scope)
        right = self.build(node["children"][1], "elem")
        return _project(left, right)

    def _value_projection(self, node: dict[str, Any], scope: str) -> Fn:
        left = self.build(node["children"][0], scope)
        right = self.build(node["children"][1], "elem")

        def values(value: Any, ctx: Ctx) -> Any:
            got = left(value, ctx)
            if isinstance(got, Unknown):
                return got
            if type(got) is not dict:
                return None
            return [r for r in (right(x, ctx) for x in got.values()) if _kept(r)]

        return values

    def _flatten(self, node: dict[str, Any], scope: str) -> Fn:
        inner = self.build(node["children"][0], scope)

        def flatten(value: Any, ctx: Ctx) -> Any:
            got = inner(value, ctx)
            if isinstance(got, Unknown):
                return got
            if type(got) is not list:
                return None
            out: list[Any] = []
            for x in got:
                if type(x) is list:
                    out.extend(x)
                elif _kept(x):
                    out.append(x)
            return out

        return flatten

    def _filter_projection(self, node: dict[str, Any], scope: str) -> Fn:
        left_node, right_node, cond_node = node["children"]
        left = self.build(left_node, scope)
        right = self.build(right_node, "elem")
        cond = self.build(cond_node, "elem")

        def filt(value: Any, ctx: Ctx) -> Any:
            got = left(value, ctx)
            if isinstance(got, Unknown):
                return got
            if type(got) is not list:
                return None
            ctx.check_time()
            out = []
            for x in got:
                if is_truthy(cond(x, ctx)):
                    r = right(x, ctx)
                    if _kept(r):
                        out.append(r)
            return out

        return filt

    def _comparator(self, node: dict[str, Any], scope: str) -> Fn:
        op = node["value"]
        left = self.build(node["children"][0], scope)
        right_node = node["children"][1]
        compare = _COMPARATORS[op]
        if right_node["type"] == "literal" and op in ("eq", "ne"):
            # `x == 'processor'`, `x == \`true\``: the most common shape, compared directly
            want = right_node["value"]
            plain = type(want) in (str, int) and type(want) is not bool
            negate = op == "ne"

            def literal(value: Any, ctx: Ctx) -> Any:
                a = left(value, ctx)
                if isinstance(a, Unknown):
                    return a
                if plain:
                    same = type(a) is type(want) and a == want
                elif want is True or want is False or want is None:
                    same = a is want
                else:
                    same = equals(a, want)
                return not same if negate else same

            return literal
        right = self.build(right_node, scope)

        def comparator(value: Any, ctx: Ctx) -> Any:
            a = left(value, ctx)
            b = right(value, ctx)
            if isinstance(a, Unknown):
                return a | b if isinstance(b, Unknown) else a
            if isinstance(b, Unknown):
                return b
            return compare(a, b)

        return comparator

    def _or_expression(self, node: dict[str, Any], scope: str) -> Fn:
        left = self.build(node["children"][0], scope)
        right = self.build(node["children"][1], scope)

        def or_(value: Any, ctx: Ctx) -> Any:
            a = left(value, ctx)
            if is_truthy(a):
                return a
            b = right(value, ctx)
            if is_truthy(b):
                return b
            if isinstance(a, Unknown):
                return a | b if isinstance(b, Unknown) else a
            return b

        return or_

    def _and_expression(self, node: dict[str, Any], scope: str) -> Fn:
        left = self.build(node["children"][0], scope)
        right = self.build(node["children"][1], scope)

        def and_(value: Any, ctx: Ctx) -> Any:
            a = left(value, ctx)
            if isinstance(a, Unknown):
                b = right(value, ctx)
                if not isinstance(b, Unknown) and not is_truthy(b):
                    return b
                return a | b if isinstance(b, Unknown) else a
            if not is_truthy(a):
                return a
            return right(value, ctx)

        return and_

    def _not_expression(self, node: dict[str, Any], scope: str) -> Fn:
        inner = self.build(node["children"][0], scope)

        def not_(value: Any, ctx: Ctx) -> Any:
            got = inner(value, ctx)
            if isinstance(got, Unknown):
                return got
            return not is_truthy(got)

        return not_

    def _multi_select_list(self, node: dict[str, Any], scope: str) -> Fn:
        parts = [self.build(c, scope) for c in node["children"]]

        def multi_list(value: Any, ctx: Ctx) -> Any:
            if value is None:
                return None
            return [_plain(p(value, ctx)) for p in parts]

        return multi_list

    def _multi_select_dict(self, node: dict[str, Any], scope: str) -> Fn:
        parts = [(c["value"], self.build(c["children"][0], scope)) for c in node["children"]]

        def multi_dict(value: Any, ctx: Ctx) -> Any:
            if value is None:
                return None
            return {k: _plain(p(value, ctx)) for k, p in parts}

        return multi_dict

    def _expref(self, node: dict[str, Any], scope: str) -> Fn:
        inner = self.build(node["children"][0], "elem")
        return lambda v, ctx: ExpRef(inner, ctx)

    def _function_expression(self, node: dict[str, Any], scope: str) -> Fn:
        name = node["value"]
        args_nodes = node["children"]
        if name in self.c.definitions:
            return self._definition_call(name, args_nodes, scope)
        if name == "if" and len(args_nodes) == 3:
            return self._if(args_nodes, scope)
        spec = self.c.functions.get(name)
        if spec is None:
            known = ", ".join(sorted(set(self.c.functions) | set(self.c.definitions)))
            raise ConfigError(f"unknown function {name}(); known functions: {known}", self.where)
        n = len(args_nodes)
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            want = (
                str(spec.min_args)
                if spec.max_args == spec.min_args
                else f"{spec.min_args} or more"
                if spec.max_args is None
                else f"{spec.min_args} to {spec.max_args}"
            )
            raise ConfigError(
                f"{name}() takes {want} argument(s), {n} given ({spec.signature or name})",
                self.where,
            )
        if spec.fold is not None:
            if not all(a["type"] == "literal" for a in args_nodes):
                raise ConfigError(f"{name}() takes literal arguments, e.g. {name}('x')", self.where)
            try:
                value = spec.fold(self.c, *[a["value"] for a in args_nodes])
            except ConfigError as exc:
                raise ConfigError(exc.message, exc.where or self.where) from None
            return lambda v, ctx: value
        if name in ("root", "item") or (name == "attestations" and not args_nodes):
            self.reads_doc = True
        if name == "item":
            self.reads_item = True
        if spec.check_literals is not None:
            for a in args_nodes:
                if a["type"] == "literal" and isinstance(a["value"], str):
                    try:
                        spec.check_literals(a["value"])
                    except ValueError as exc:
                        raise ConfigError(f"{name}(): {exc}", self.where) from None
                    break
        args = [self.build(a, scope) for a in args_nodes]
        impl = spec.impl
        if spec.needs_ctx:
            return _call_ctx(name, impl, args, spec.null_aware)
        return _call(name, impl, args, spec.null_aware)

    def _if(self, args_nodes: list[dict[str, Any]], scope: str) -> Fn:
        """if(cond, then, else) evaluates only the branch it returns."""
        cond, then, other = (self.build(a, scope) for a in args_nodes)

        def if_(value: Any, ctx: Ctx) -> Any:
            test = cond(value, ctx)
            if isinstance(test, Unknown):
                return test  # an absent condition never picks a branch silently
            return then(value, ctx) if is_truthy(test) else other(value, ctx)

        return if_

    def _definition_call(self, name: str, args_nodes: list[dict[str, Any]], scope: str) -> Fn:
        if len(args_nodes) > 1:
            raise ConfigError(f"definition {name}() takes 0 or 1 argument", self.where)
        body = self.c.definition(name, self.where)
        body_current, body_doc, body_item = self.c.definition_flags(name)
        self.reads_item = self.reads_item or body_item
        if not args_nodes and body_item:
            self.reads_doc = True

            def defined_each_time(value: Any, ctx: Ctx) -> Any:
                saved, ctx.base = ctx.base, ()
                try:
                    return body(ctx.root, ctx)
                finally:
                    ctx.base = saved

            return defined_each_time
        if not args_nodes:
            # On the document, memoised: per run when the body does not read the document
            # (portfolio indexes), else per document.
            per_run = not (body_current or body_doc)
            if not per_run:
                self.reads_doc = True

            compiler = self.c

            def defined(value: Any, ctx: Ctx) -> Any:
                memo = ctx.context.memo if per_run else ctx.memo
                if name in memo:
                    return memo[name]
                saved, ctx.base = ctx.base, ()
                try:
                    # A portfolio index runs once per run but over every contract: in a
                    # large portfolio, as generated code (made now, a few ms), it takes a
                    # fraction of the time.
                    large = per_run and ctx.context.large
                    result = (compiler.generated(name) if large else body)(ctx.root, ctx)
                finally:
                    ctx.base = saved
                memo[name] = result
                return result

            return defined
        arg = self.build(args_nodes[0], scope)
        self.reads_doc = self.reads_doc or body_doc
        # Memoised per document by the argument's identity (kept alive with the value, so
        # an id is never reused): portfolio indexes call `active(@)`, `cif(@)` or a value
        # conversion on the same 10,000 contracts several times. Not when the body reads
        # item(), which changes within a document.
        memoised = not body_item

        def defined_on(value: Any, ctx: Ctx) -> Any:
            target = arg(value, ctx)
            if isinstance(target, Unknown):
                return target
            if memoised:
                key = (name, id(target))
                hit = ctx.memo.get(key)
                if hit is not None and hit[0] is target:
                    return hit[1]
            saved, ctx.base = ctx.base, ()
            try:
                result = body(target, ctx)
            finally:
                ctx.base = saved
            if isinstance(result, Unknown) and target is not ctx.root:
                result = UNKNOWN
            if memoised:
                ctx.memo[key] = (target, result)
            return result

        return defined_on


_ABSENT = object()


def absent(ctx: Ctx, track: bool, rooted: bool, path: tuple[str, ...]) -> Unknown:
    """An absent field: unknown, naming its path (from the document when `rooted`, else
    from the evaluated node) when the expression tracks paths."""
    if not track:
        return UNKNOWN
    return Unknown(frozenset({(ctx.base if not rooted else ()) + path}))


def null(
    ctx: Ctx, nullable: str | None, track: bool, rooted: bool, path: tuple[str, ...]
) -> Unknown | None:
    """A null field: null where the schema lets the parties agree on null (`nullable` is
    the field's dotted name, None for a field that is not the last read), else unknown."""
    if nullable is not None and nullable in ctx.nullable:
        return None
    return absent(ctx, track, rooted, path)


def _access_one(names: tuple[str, ...], nullable: Any, track: bool, rooted: bool) -> Fn:
    """`_access` for one name (most fields of most expressions): the same answers, with
    the common case (a mapping that has the field) first."""
    name = names[0]

    def access_one(value: Any, ctx: Ctx) -> Any:
        if type(value) is dict:
            got = value.get(name, _ABSENT)
            if got is not None and got is not _ABSENT:
                return got
            if got is None:
                return null(ctx, nullable, track, rooted, names)
            return absent(ctx, track, rooted, names)
        if isinstance(value, Unknown):
            return value
        return None

    return access_one


def _sub(left: Fn, right: Fn) -> Fn:
    def sub(value: Any, ctx: Ctx) -> Any:
        got = left(value, ctx)
        if isinstance(got, Unknown):
            return got
        if got is None:
            return None
        return right(got, ctx)

    return sub


def _is_call(node: dict[str, Any], name: str) -> bool:
    return node["type"] == "function_expression" and node["value"] == name and not node["children"]


def _ident(value: Any, ctx: Ctx) -> Any:
    return value


def _kept(value: Any) -> bool:
    return value is not None and not isinstance(value, Unknown)


def _plain(value: Any) -> Any:
    return None if isinstance(value, Unknown) else value


def _project(left: Fn, right: Fn) -> Fn:
    def projection(value: Any, ctx: Ctx) -> Any:
        got = left(value, ctx)
        if isinstance(got, Unknown):
            return got
        if type(got) is not list:
            return None
        ctx.check_time()
        return [r for r in (right(x, ctx) for x in got) if _kept(r)]

    return projection


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    def compare(a: Any, b: Any) -> Any:
        if (_number(a) and _number(b)) or (type(a) is str and type(b) is str):
            return op(a, b)
        return None

    return compare


_COMPARATORS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": equals,
    "ne": lambda a, b: not equals(a, b),
    "lt": _ordered(lambda a, b: a < b),
    "lte": _ordered(lambda a, b: a <= b),
    "gt": _ordered(lambda a, b: a > b),
    "gte": _ordered(lambda a, b: a >= b),
}


def _unknown_args(values: Iterable[Any]) -> Unknown | None:
    found: Unknown | None = None
    for v in values:
        if v is None:
            found = found or UNKNOWN
        elif isinstance(v, Unknown):
            found = v if found is None else found | v
    return found


# What a function raises on bad input: the rule becomes an `error` on that document.
_FN_ERRORS = (TypeError, ValueError, KeyError, IndexError, OverflowError, ZeroDivisionError)


def _call(name: str, impl: Callable[..., Any], args: list[Fn], null_aware: bool) -> Fn:
    if len(args) == 1 and not null_aware:
        (only,) = args

        def call1(value: Any, ctx: Ctx) -> Any:
            v = only(value, ctx)
            if v is None:
                return UNKNOWN
            if isinstance(v, Unknown):
                return v
            try:
                return impl(v)
            except EvaluationError:
                raise
            except _FN_ERRORS as exc:
                raise EvaluationError(f"{name}(): {exc}") from None

        return call1
    if len(args) == 2 and not null_aware:
        first, second = args

        def call2(value: Any, ctx: Ctx) -> Any:
            a = first(value, ctx)
            b = second(value, ctx)
            if a is None or b is None or isinstance(a, Unknown) or isinstance(b, Unknown):
                unknown = _unknown_args((a, b))
                assert unknown is not None
                return unknown
            try:
                return impl(a, b)
            except EvaluationError:
                raise
            except _FN_ERRORS as exc:
                raise EvaluationError(f"{name}(): {exc}") from None

        return call2

    def call(value: Any, ctx: Ctx) -> Any:
        vals = [a(value, ctx) for a in args]
        if null_aware:
            vals = [None if isinstance(v, Unknown) else v for v in vals]
        else:
            unknown = _unknown_args(vals)
            if unknown is not None:
                return unknown
        return _invoke(name, impl, vals)

    return call


def _call_ctx(name: str, impl: Callable[..., Any], args: list[Fn], null_aware: bool) -> Fn:
    def call(value: Any, ctx: Ctx) -> Any:
        vals = [a(value, ctx) for a in args]
        if null_aware:
            vals = [None if isinstance(v, Unknown) else v for v in vals]
        else:
            unknown = _unknown_args(vals)
            if unknown is not None:
                return unknown
        return _invoke(name, impl, [ctx, *vals])

    return call


def _invoke(name: str, impl: Callable[..., Any], vals: list[Any]) -> Any:
    try:
        return impl(*vals)
    except EvaluationError:
        raise
    except _FN_ERRORS as exc:
        raise EvaluationError(f"{name}(): {exc}") from None


def truthy_result(value: Any) -> bool | None:
    """A check's verdict: True pass, False fail, None unknown (fails naming absent fields)."""
    if isinstance(value, Unknown):
        return None
    return is_truthy(value)
