"""The functions expressions may call: JMESPath's built-ins plus vendorpolicy's own.

Every function is general purpose (sets, dates, versions, lookups, arithmetic, the
bundle and the portfolio); no function knows about one rule. The registry below feeds
the compiler and `docs/functions.md`. Arguments that are unknown (an absent field) make
the result unknown unless the function is null-aware (`not_null`, `type`, ...).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from vendorpolicy.errors import ConfigError, EvaluationError
from vendorpolicy.expr import Compiler, Ctx, ExpRef, Function, equals, is_truthy, type_name

# --------------------------------------------------------------------------- type guards


def _want(name: str, value: Any, *types: str) -> None:
    got = type_name(value)
    if got not in types:
        raise TypeError(f"expected {' or '.join(types)}, got {got} ({value!r:.60})")


# The guards below test the usual case inline first: they run on every function call.


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        _want("", value, "array")
    return list(value)


def _num(value: Any) -> float | int:
    if type(value) is not int and type(value) is not float:
        _want("", value, "number")
    return value  # type: ignore[no-any-return]


def _str(value: Any) -> str:
    if type(value) is not str:
        _want("", value, "string")
    return str(value)


# --------------------------------------------------------------------------- dates


def parse_date(value: Any) -> dt.date:
    """A YYYY-MM-DD string as a date; anything else is an evaluation error."""
    if type(value) is not str:
        raise TypeError(f"expected a date string YYYY-MM-DD, got {type_name(value)}")
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else _bad_date(value)
    except ValueError:
        return _bad_date(value)


def _bad_date(value: str) -> dt.date:
    raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")


def add_months(date: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the end of the month (2024-01-31 + 1 = 2024-02-29)."""
    index = date.year * 12 + (date.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ValueError("date out of range")
    day = min(date.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


def _fn_add_months(date: Any, months: Any) -> str:
    n = _num(months)
    if n != int(n):
        raise ValueError(f"months must be a whole number, got {n}")
    return add_months(parse_date(date), int(n)).isoformat()


def _fn_months_before(date: Any, months: Any) -> str:
    n = _num(months)
    if n != int(n):
        raise ValueError(f"months must be a whole number, got {n}")
    return add_months(parse_date(date), -int(n)).isoformat()


def _fn_days_before(date: Any, days: Any) -> str:
    n = _num(days)
    if n != int(n):
        raise ValueError(f"days must be a whole number, got {n}")
    return (parse_date(date) - dt.timedelta(days=int(n))).isoformat()


def _fn_add_days(date: Any, days: Any) -> str:
    n = _num(days)
    if n != int(n):
        raise ValueError(f"days must be a whole number, got {n}")
    return (parse_date(date) + dt.timedelta(days=int(n))).isoformat()


def _fn_days_between(a: Any, b: Any) -> int:
    return (parse_date(b) - parse_date(a)).days


def _fn_as_of(ctx: Ctx) -> str:
    return ctx.as_of


# --------------------------------------------------------------------------- sets


def _hashable(value: Any) -> Any:
    if type(value) is str:  # the usual element: ids, names, country codes
        return value
    if isinstance(value, list):
        return ("\0list", tuple(_hashable(v) for v in value))
    if isinstance(value, dict):
        return ("\0dict", tuple(sorted((k, _hashable(v)) for k, v in value.items())))
    if isinstance(value, bool):
        return ("\0bool", value)
    return value


def _fn_subset(a: Any, b: Any) -> bool:
    bs = {_hashable(x) for x in _list(b)}
    return all(_hashable(x) in bs for x in _list(a))


def _fn_difference(a: Any, b: Any) -> list[Any]:
    bs = {_hashable(x) for x in _list(b)}
    return _unique(x for x in _list(a) if _hashable(x) not in bs)


def _fn_intersection(a: Any, b: Any) -> list[Any]:
    bs = {_hashable(x) for x in _list(b)}
    return _unique(x for x in _list(a) if _hashable(x) in bs)


def _fn_union(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for lst in lists:
        out.extend(_list(lst))
    return _unique(out)


def _unique(items: Any) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for x in items:
        h = _hashable(x)
        if h not in seen:
            seen.add(h)
            out.append(x)
    return out


def _fn_unique(a: Any) -> list[Any]:
    return _unique(_list(a))


# --------------------------------------------------------------------------- versions, text

_VERSION = re.compile(r"\d+(?:\.\d+)*\Z")


def _version(value: Any) -> tuple[int, ...]:
    text = _str(value).strip()
    if not _VERSION.match(text):
        raise ValueError(f'{text!r} is not a dotted numeric version such as "1.2"')
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _fn_version_gte(a: Any, b: Any) -> bool:
    return _version(a) >= _version(b)


def _fn_version_cmp(a: Any, b: Any) -> int:
    va, vb = _version(a), _version(b)
    return (va > vb) - (va < vb)


MAX_REGEX_SUBJECT = 100_000
MAX_REGEX_PATTERN = 1_000


def _risky_group(pattern: str) -> bool:
    """A quantified group that contains a quantifier or an alternation: `(a+)+`, `((a+))*`,
    `(a|a)+`, `(x{2,})+` - the shapes that backtrack exponentially."""
    stack: list[bool] = []  # per open group: does it contain a quantifier or `|`?
    i = 0
    in_class = False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            stack.append(False)
        elif c == ")" and stack:
            inner = stack.pop()
            quantified = i + 1 < len(pattern) and pattern[i + 1] in "*+{"
            if inner and quantified:
                return True
            if inner and stack:
                stack[-1] = True
        elif c in "*+{|" and stack:
            stack[-1] = True
        i += 1
    return False


def check_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a regex from a policy, refusing patterns that backtrack catastrophically.

    Python's `re` cannot be interrupted while it matches, so a time budget cannot stop
    `(a+)+$`: a quantified group holding a quantifier or an alternation is refused (at load
    for a literal pattern), patterns are capped at 1,000 characters, subjects at 100,000.
    """
    if len(pattern) > MAX_REGEX_PATTERN:
        raise ValueError(f"a pattern of {len(pattern)} characters is too long")
    if _risky_group(pattern):
        raise ValueError(
            f"pattern {pattern!r} repeats a group that itself repeats or alternates (like "
            "(a+)+ or (a|b)*), which can backtrack for hours; rewrite it without nesting"
        )
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _fn_regex_match(pattern: Any, subject: Any) -> bool:
    pat = _PATTERNS.get(pattern) if type(pattern) is str else None
    if pat is None:
        pat = check_pattern(_str(pattern))
        _PATTERNS[pattern] = pat
    text = _str(subject)
    if len(text) > MAX_REGEX_SUBJECT:
        raise ValueError(f"subject of {len(text):,} characters is too long to match")
    return pat.search(text) is not None


def _fn_norm_name(value: Any) -> str:
    """Legal names compared trimmed, inner whitespace collapsed, case-folded."""
    text = unicodedata.normalize("NFKC", _str(value))
    return " ".join(text.split()).casefold()


def _fn_lower(value: Any) -> str:
    return _str(value).lower()


def _fn_upper(value: Any) -> str:
    return _str(value).upper()


# --------------------------------------------------------------------------- lookups, arithmetic


def _fn_get(obj: Any, key: Any, default: Any = None) -> Any:
    if type(obj) is not dict or type(key) is not str:
        _want("", obj, "object")
        _want("", key, "string")
    return obj.get(key, default)


def _fn_lookup(obj: Any, key: Any) -> Any:
    _want("", obj, "object")
    _want("", key, "string")
    if key not in obj:
        raise EvaluationError(f"lookup(): no entry for {key!r} (known: {', '.join(sorted(obj))})")
    return obj[key]


def _fn_add(a: Any, b: Any) -> float | int:
    return _num(a) + _num(b)


def _fn_subtract(a: Any, b: Any) -> float | int:
    return _num(a) - _num(b)


def _fn_multiply(a: Any, b: Any) -> float | int:
    return _num(a) * _num(b)


def _fn_divide(a: Any, b: Any) -> float:
    if _num(b) == 0:
        raise ValueError("division by zero")
    return _num(a) / _num(b)


def _fn_if(cond: Any, then: Any, otherwise: Any) -> Any:
    return then if is_truthy(cond) else otherwise


def _fn_count(values: Any, expref: Any) -> int:
    return sum(1 for x in _list(values) if is_truthy(_exp(expref)(x)))


def _fn_all(values: Any, expref: Any) -> bool:
    return all(is_truthy(_exp(expref)(x)) for x in _list(values))


def _fn_any(values: Any, expref: Any) -> bool:
    return any(is_truthy(_exp(expref)(x)) for x in _list(values))


def _fn_group_by(values: Any, expref: Any) -> dict[str, list[Any]]:
    fn = _exp(expref)
    out: dict[str, list[Any]] = {}
    for x in _list(values):
        key = fn(x)
        keys = [key] if isinstance(key, str) else key if isinstance(key, list) else []
        for k in dict.fromkeys(k for k in keys if isinstance(k, str)):
            out.setdefault(k, []).append(x)
    return out


def _fn_memo(ctx: Ctx, key: Any, expref: Any) -> Any:
    """The value of `&expr` computed once per run for each key (the author guarantees
    the key captures everything the expression depends on)."""
    memo = ctx.context.memo
    slot = "memo\0" + _str(key)  # cannot collide with a definition name
    if slot not in memo:
        memo[slot] = _exp(expref)(ctx.item if ctx.item is not None else ctx.root)
    return memo[slot]


def _fn_raise_error(message: Any) -> Any:
    raise EvaluationError(_str(message))


def _exp(value: Any) -> ExpRef:
    if not isinstance(value, ExpRef):
        raise TypeError(f"expected an expression reference (&expr), got {type_name(value)}")
    return value


# --------------------------------------------------------------------------- documents


def _fn_root(ctx: Ctx) -> Any:
    return ctx.root


def _fn_item(ctx: Ctx) -> Any:
    return ctx.item


def _fn_attestations(ctx: Ctx, vendor: Any = None) -> list[dict[str, Any]]:
    if vendor is None:
        meta = ctx.root.get("metadata") if isinstance(ctx.root, dict) else None
        vendor = meta.get("vendor") if isinstance(meta, dict) else None
        if not isinstance(vendor, str):
            return []
    return ctx.context.attestations(_str(vendor))


def _fn_contracts(ctx: Ctx) -> list[dict[str, Any]]:
    return ctx.context.contracts()


def _fold_param(compiler: Compiler, name: Any) -> Any:
    """param('a.b') resolved at load: an undeclared parameter is a configuration error."""
    params = compiler.params
    if not isinstance(name, str) or not name:
        raise ConfigError("param() takes the parameter name as a string literal, e.g. param('x')")
    head, *rest = name.split(".")
    if head not in params:
        raise ConfigError(
            f"param({name!r}) reads an undefined parameter; declare it under `params:` "
            "in a policy file (or fix the name)"
        )
    value = params[head]
    for part in rest:
        if not isinstance(value, dict) or part not in value:
            raise ConfigError(f"param({name!r}): parameter {head!r} has no key {part!r}")
        value = value[part]
    compiler.params_read.add(head)
    return value


# --------------------------------------------------------------------------- JMESPath built-ins


def _fn_length(v: Any) -> int:
    if type(v) is not list and type(v) is not str and type(v) is not dict:
        _want("", v, "string", "array", "object")
    return len(v)


def _fn_contains(subject: Any, search: Any) -> bool:
    _want("", subject, "array", "string")
    if isinstance(subject, str):
        return isinstance(search, str) and search in subject
    if type(search) is str:  # equal to a string is being that string (no bool, no number)
        return search in subject
    return any(equals(x, search) for x in subject)


def _fn_keys(v: Any) -> list[str]:
    _want("", v, "object")
    return list(v)


def _fn_values(v: Any) -> list[Any]:
    _want("", v, "object")
    return list(v.values())


def _fn_join(sep: Any, items: Any) -> str:
    return _str(sep).join(_str(x) for x in _list(items))


def _fn_sum(v: Any) -> float | int:
    return sum(_num(x) for x in _list(v))


def _fn_avg(v: Any) -> float | None:
    items = [_num(x) for x in _list(v)]
    return sum(items) / len(items) if items else None


def _comparable(items: list[Any]) -> list[Any]:
    kinds = {type_name(x) for x in items}
    if len(kinds) > 1 or kinds - {"number", "string"}:
        raise TypeError(f"expected an array of numbers or of strings, got {sorted(kinds)}")
    return items


def _fn_max(v: Any) -> Any:
    items = _comparable(_list(v))
    return max(items) if items else None


def _fn_min(v: Any) -> Any:
    items = _comparable(_list(v))
    return min(items) if items else None


def _keyed(v: Any, expref: Any) -> list[tuple[Any, Any]]:
    fn = _exp(expref)
    pairs = [(fn(x), x) for x in _list(v)]
    pairs = [(k, x) for k, x in pairs if type_name(k) in ("number", "string")]
    _comparable([k for k, _ in pairs])
    return pairs


def _fn_max_by(v: Any, expref: Any) -> Any:
    pairs = _keyed(v, expref)
    return max(pairs, key=lambda p: p[0])[1] if pairs else None


def _fn_min_by(v: Any, expref: Any) -> Any:
    pairs = _keyed(v, expref)
    return min(pairs, key=lambda p: p[0])[1] if pairs else None


def _fn_sort(v: Any) -> list[Any]:
    return sorted(_comparable(_list(v)))


def _fn_sort_by(v: Any, expref: Any) -> list[Any]:
    return [x for _, x in sorted(_keyed(v, expref), key=lambda p: p[0])]


def _fn_map(expref: Any, v: Any) -> list[Any]:
    fn = _exp(expref)
    return [None if type_name(r) == "null" else r for r in (fn(x) for x in _list(v))]


def _fn_merge(*objs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for o in objs:
        _want("", o, "object")
        out.update(o)
    return out


def _fn_not_null(*args: Any) -> Any:
    for a in args:
        if a is not None:
            return a
    return None


def _fn_to_string(v: Any) -> str:
    import json

    return v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))


def _fn_to_number(v: Any) -> Any:
    if _number_like(v):
        return v
    if isinstance(v, str):
        try:
            f = float(v)
            return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f
        except ValueError:
            return None
    return None


def _number_like(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _fn_to_array(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def _fn_abs(v: Any) -> float | int:
    return abs(_num(v))


def _fn_ceil(v: Any) -> int:
    return math.ceil(_num(v))


def _fn_floor(v: Any) -> int:
    return math.floor(_num(v))


def _fn_reverse(v: Any) -> Any:
    _want("", v, "array", "string")
    return v[::-1]


def _fn_starts_with(s: Any, prefix: Any) -> bool:
    return _str(s).startswith(_str(prefix))


def _fn_ends_with(s: Any, suffix: Any) -> bool:
    return _str(s).endswith(_str(suffix))


def _fn_is_missing(v: Any) -> bool:
    return v is None


def _f(
    name: str,
    impl: Callable[..., Any],
    args: tuple[int, int | None],
    signature: str,
    doc: str,
    *,
    null_aware: bool = False,
    needs_ctx: bool = False,
    fold: Callable[..., Any] | None = None,
    check_literals: Callable[[Any], Any] | None = None,
) -> Function:
    return Function(
        name, impl, args[0], args[1], null_aware, needs_ctx, fold, doc, signature, check_literals
    )


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        # JMESPath built-ins
        _f("abs", _fn_abs, (1, 1), "abs(number)", "Absolute value."),
        _f("avg", _fn_avg, (1, 1), "avg(array[number])", "Mean; null for an empty array."),
        _f("ceil", _fn_ceil, (1, 1), "ceil(number)", "Round up."),
        _f("contains", _fn_contains, (2, 2), "contains(array|string, any)", "Membership."),
        _f("ends_with", _fn_ends_with, (2, 2), "ends_with(string, string)", "Suffix test."),
        _f("floor", _fn_floor, (1, 1), "floor(number)", "Round down."),
        _f("join", _fn_join, (2, 2), "join(string, array[string])", "Join with a glue."),
        _f("keys", _fn_keys, (1, 1), "keys(object)", "Keys of an object."),
        _f("length", _fn_length, (1, 1), "length(string|array|object)", "Size."),
        _f("map", _fn_map, (2, 2), "map(&expr, array)", "Apply an expression to each item."),
        _f("max", _fn_max, (1, 1), "max(array)", "Largest number or string."),
        _f("max_by", _fn_max_by, (2, 2), "max_by(array, &expr)", "Item with the largest key."),
        _f("merge", _fn_merge, (1, None), "merge(object, ...)", "Later keys win."),
        _f("min", _fn_min, (1, 1), "min(array)", "Smallest number or string."),
        _f("min_by", _fn_min_by, (2, 2), "min_by(array, &expr)", "Item with the smallest key."),
        _f(
            "not_null",
            _fn_not_null,
            (1, None),
            "not_null(any, ...)",
            "First argument that is neither null nor absent (sees absent fields as null).",
            null_aware=True,
        ),
        _f("reverse", _fn_reverse, (1, 1), "reverse(array|string)", "Reversed."),
        _f("sort", _fn_sort, (1, 1), "sort(array)", "Sorted numbers or strings."),
        _f("sort_by", _fn_sort_by, (2, 2), "sort_by(array, &expr)", "Sorted by a key."),
        _f("starts_with", _fn_starts_with, (2, 2), "starts_with(string, string)", "Prefix test."),
        _f("sum", _fn_sum, (1, 1), "sum(array[number])", "Sum."),
        _f("to_array", _fn_to_array, (1, 1), "to_array(any)", "Wrap a non-array."),
        _f("to_number", _fn_to_number, (1, 1), "to_number(any)", "Number or null."),
        _f("to_string", _fn_to_string, (1, 1), "to_string(any)", "JSON text of a value."),
        _f(
            "type",
            type_name,
            (1, 1),
            "type(any)",
            "JMESPath type name; an absent field is 'null'.",
            null_aware=True,
        ),
        _f("values", _fn_values, (1, 1), "values(object)", "Values of an object."),
        # vendorpolicy
        _f(
            "param",
            lambda: None,
            (1, 1),
            "param('name' | 'name.key')",
            "An organisation parameter (CLI > config > policy default), fixed at load time.",
            fold=_fold_param,
        ),
        _f(
            "as_of",
            _fn_as_of,
            (0, 0),
            "as_of()",
            "The evaluation date (--as-of, else today in UTC) as YYYY-MM-DD.",
            needs_ctx=True,
        ),
        _f(
            "days_between",
            _fn_days_between,
            (2, 2),
            "days_between(date_a, date_b)",
            "Days from a to b (negative when b is earlier).",
        ),
        _f(
            "add_months",
            _fn_add_months,
            (2, 2),
            "add_months(date, n)",
            "Date plus n calendar months (n may be negative), clamped to the month's end.",
        ),
        _f("add_days", _fn_add_days, (2, 2), "add_days(date, n)", "Date plus n days."),
        _f(
            "months_before",
            _fn_months_before,
            (2, 2),
            "months_before(date, n)",
            "Date minus n calendar months, clamped to the month's end (the catalogue's mb(d, n)).",
        ),
        _f("days_before", _fn_days_before, (2, 2), "days_before(date, n)", "Date minus n days."),
        _f("subset", _fn_subset, (2, 2), "subset(a, b)", "Every item of a is in b."),
        _f("difference", _fn_difference, (2, 2), "difference(a, b)", "Items of a not in b."),
        _f("intersection", _fn_intersection, (2, 2), "intersection(a, b)", "Items in both."),
        _f("union", _fn_union, (1, None), "union(a, b, ...)", "Items of all arrays, once each."),
        _f("unique", _fn_unique, (1, 1), "unique(array)", "Items once each, first order kept."),
        _f(
            "version_gte",
            _fn_version_gte,
            (2, 2),
            "version_gte(a, b)",
            'Dotted numeric versions as strings: version_gte("1.10", "1.9") is true.',
        ),
        _f(
            "version_cmp",
            _fn_version_cmp,
            (2, 2),
            "version_cmp(a, b)",
            "-1, 0 or 1 comparing dotted numeric versions.",
        ),
        _f(
            "regex_match",
            _fn_regex_match,
            (2, 2),
            "regex_match(pattern, string)",
            "Python regular-expression search; catastrophic patterns are refused.",
            check_literals=check_pattern,
        ),
        _f(
            "norm_name",
            _fn_norm_name,
            (1, 1),
            "norm_name(string)",
            "A legal name trimmed, inner whitespace collapsed and case-folded.",
        ),
        _f("lower", _fn_lower, (1, 1), "lower(string)", "Lower case."),
        _f("upper", _fn_upper, (1, 1), "upper(string)", "Upper case."),
        _f(
            "get",
            _fn_get,
            (2, 3),
            "get(object, key[, default])",
            "Value under a computed key, else default (null).",
        ),
        _f(
            "lookup",
            _fn_lookup,
            (2, 2),
            "lookup(object, key)",
            "Value under a computed key; an absent key makes the rule an error.",
        ),
        _f("add", _fn_add, (2, 2), "add(a, b)", "a + b."),
        _f("subtract", _fn_subtract, (2, 2), "subtract(a, b)", "a - b."),
        _f("multiply", _fn_multiply, (2, 2), "multiply(a, b)", "a * b."),
        _f("divide", _fn_divide, (2, 2), "divide(a, b)", "a / b; dividing by 0 is an error."),
        _f(
            "if",
            _fn_if,
            (3, 3),
            "if(condition, then, else)",
            "then when the condition is truthy, else the third argument; only the branch "
            "returned is evaluated.",
            null_aware=True,
        ),
        _f(
            "group_by",
            _fn_group_by,
            (2, 2),
            "group_by(array, &key)",
            "An object of lists keyed by each item's key: a text, or a list of texts (the item "
            "is listed under each); items without a key are left out. In a definition that "
            "does not read the document it is built once per run (a portfolio index).",
        ),
        _f(
            "memo",
            _fn_memo,
            (2, 2),
            "memo(key, &expr)",
            "&expr evaluated once per run for each text key (on the for_each item, else the "
            "document), then reused: for a portfolio lookup many documents repeat. The key "
            "must capture everything the expression depends on.",
            needs_ctx=True,
        ),
        _f(
            "raise_error",
            _fn_raise_error,
            (1, 1),
            "raise_error(message)",
            "Stops the rule on this document with an `error` result carrying the message "
            "(for data the rule cannot judge, e.g. a currency without an exchange rate).",
        ),
        _f("count", _fn_count, (2, 2), "count(array, &cond)", "Items for which cond holds."),
        _f("all", _fn_all, (2, 2), "all(array, &cond)", "cond holds for every item."),
        _f("any", _fn_any, (2, 2), "any(array, &cond)", "cond holds for some item."),
        _f(
            "is_null",
            _fn_is_missing,
            (1, 1),
            "is_null(any)",
            "True for null and for absent fields.",
            null_aware=True,
        ),
        _f(
            "root",
            _fn_root,
            (0, 0),
            "root()",
            "The document under evaluation (from inside filters and for_each items).",
            needs_ctx=True,
        ),
        _f(
            "item",
            _fn_item,
            (0, 0),
            "item()",
            "The current for_each item (from inside filters).",
            needs_ctx=True,
        ),
        _f(
            "attestations",
            _fn_attestations,
            (0, 1),
            "attestations([vendor])",
            "Attestations whose metadata.vendor is the document's vendor (or the one named).",
            needs_ctx=True,
        ),
        _f(
            "contracts",
            _fn_contracts,
            (0, 0),
            "contracts()",
            "Every contract of the run (the portfolio view, see docs/functions.md).",
            needs_ctx=True,
        ),
    )
}
