"""The strict loader, table-driven: every bad or tricky input and the exact finding it gets.

SPEC §2.1: YAML 1.2 core scalars, duplicate keys located at the later key and naming the
first, no object construction, bounded aliases/depth/size, a clear finding with line and
column for every bad input, never an exception.
"""

from __future__ import annotations

import math
import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vendorpolicy import loader
from vendorpolicy.loader import Limits, LoadedFile, load_bytes, read_file
from vendorpolicy.model import Position

ENV = "apiVersion: vendorpolicy/v1\nkind: Contract\n"  # lines 1-2; the case starts on line 3


def findings(loaded: LoadedFile) -> list[tuple[str, int, int, str]]:
    """Every problem of a file: the file's own, then each document's."""
    out = [(p.rule, p.line, p.column, p.message) for p in loaded.problems]
    for doc in loaded.documents:
        out += [(p.rule, p.line, p.column, p.message) for p in doc.problems]
    return out


def load(text: str | bytes) -> LoadedFile:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return load_bytes("case.yaml", raw)


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return ENV + "\n".join(lines) + "\n"


LONG_KEY = "k" * 2000
BIG_INT = "9" * 101

# (id, input, rule, line, column, message fragment): the one finding the input must give.
BAD: list[tuple[str, str | bytes, str, int, int, str]] = [
    # --- YAML 1.2 core scalars that are refused (tools disagree, or not a finite number)
    ("octal-0o", ENV + "v: 0o17\n", "VP-YAML", 3, 4, "0o17 is an octal or hexadecimal number"),
    ("hex-0x", ENV + "v: 0x1F\n", "VP-YAML", 3, 4, "0x1F is an octal or hexadecimal number"),
    ("leading-zero", ENV + "v: 012\n", "VP-YAML", 3, 4, "012 has a leading zero"),
    ("inf", ENV + "v: .inf\n", "VP-YAML", 3, 4, ".inf (infinity or not-a-number)"),
    ("minus-inf", ENV + "v: -.Inf\n", "VP-YAML", 3, 4, "-.Inf (infinity or not-a-number)"),
    ("nan", ENV + "v: .nan\n", "VP-YAML", 3, 4, ".nan (infinity or not-a-number)"),
    ("nan-caps", ENV + "v: .NaN\n", "VP-YAML", 3, 4, ".NaN (infinity or not-a-number)"),
    ("float-overflow", ENV + "v: 1e400\n", "VP-YAML", 3, 4, "1e400 is out of range"),
    ("huge-int", ENV + f"v: {BIG_INT}\n", "VP-YAML", 3, 4, "an integer of 101 digits"),
    ("huge-int-signed", ENV + f"v: -{BIG_INT}\n", "VP-YAML", 3, 4, "an integer of 101 digits"),
    ("bool-tag-yes", ENV + "v: !!bool yes\n", "VP-YAML", 3, 4, "'yes' is not a valid !!bool"),
    ("int-tag-text", ENV + "v: !!int abc\n", "VP-YAML", 3, 4, "'abc' is not a valid !!int"),
    ("float-tag-inf", ENV + "v: !!float .inf\n", "VP-YAML", 3, 4, "infinity or not-a-number"),
    # --- duplicate keys: at the later key, naming the line of the first
    (
        "dup-top",
        ENV + "a: 1\nb: 2\na: 3\n",
        "VP-YAML",
        5,
        1,
        "duplicate key 'a' (first defined on line 3)",
    ),
    (
        "dup-nested",
        ENV + "m:\n  x: 1\n  y: 2\n  x: 3\n",
        "VP-YAML",
        6,
        3,
        "duplicate key 'x' (first defined on line 4)",
    ),
    (
        "dup-quoted-vs-plain",
        ENV + "a: 1\n'a': 2\n",
        "VP-YAML",
        4,
        1,
        "duplicate key 'a' (first defined on line 3)",
    ),
    (
        "dup-flow",
        ENV + "m: {x: 1, x: 2}\n",
        "VP-YAML",
        3,
        11,
        "duplicate key 'x' (first defined on line 3)",
    ),
    (
        "dup-envelope",
        ENV + "kind: Attestation\n",
        "VP-YAML",
        3,
        1,
        "duplicate key 'kind' (first defined on line 2)",
    ),
    # --- syntax: tabs, long keys, bad directives
    ("tab-indent", ENV + "m:\n\tx: 1\n", "VP-YAML", 4, 1, "tab characters cannot indent YAML"),
    ("tab-after-key", ENV + "m: 1\n\tx: 1\n", "VP-YAML", 4, 1, "tab characters cannot indent YAML"),
    (
        "key-over-1024",
        ENV + f"{LONG_KEY}: 1\n",
        "VP-YAML",
        3,
        2001,
        "a key longer than 1024 characters",
    ),
    ("unclosed-flow", ENV + "v: [a, b\nw: 1\n", "VP-YAML", 4, 2, "YAML syntax error"),
    ("eof-without-final-break", ENV + "v: [a,", "VP-YAML", 3, 7, "YAML syntax error"),
    ("eof-after-ls", ENV + "v: [a,\u2028", "VP-YAML", 3, 8, "YAML syntax error"),
    ("yaml-2.0", "%YAML 2.0\n---\n" + ENV, "VP-YAML", 1, 1, "YAML syntax error"),
    # --- files with no usable document
    ("empty", "", "VP-YAML", 1, 1, "the file is empty"),
    ("blank", "\n  \n\n", "VP-YAML", 1, 1, "the file is empty"),
    ("comments-only", "# a contract\n# to come\n", "VP-YAML", 1, 1, "the file is empty"),
    ("only-dashes", "---\n", "VP-YAML", 1, 1, "the document is empty (null)"),
    ("null-document", "null\n", "VP-YAML", 1, 1, "the document is empty (null)"),
    ("list-document", "- a\n- b\n", "VP-YAML", 1, 1, "the document is a list"),
    ("scalar-document", "hello\n", "VP-YAML", 1, 1, "the document is the scalar 'hello'"),
    ("number-document", "# c\n42\n", "VP-YAML", 2, 1, "the document is the scalar 42"),
    # --- envelope
    ("no-apiversion", "kind: Contract\n", "VP-SCHEMA", 1, 1, "apiVersion is missing"),
    (
        "typo-apiversion",
        "apiVersion: vendorpolicy/v1beta\nkind: Contract\n",
        "VP-SCHEMA",
        1,
        1,
        "unknown apiVersion 'vendorpolicy/v1beta'",
    ),
    (
        "apiversion-number",
        "kind: Contract\napiVersion: 1\n",
        "VP-SCHEMA",
        2,
        1,
        "unknown apiVersion 1",
    ),
    (
        "no-kind",
        "apiVersion: vendorpolicy/v1\nmetadata: {}\n",
        "VP-SCHEMA",
        1,
        1,
        "kind is missing",
    ),
    (
        "unknown-kind",
        "apiVersion: vendorpolicy/v1\nkind: Contrakt\n",
        "VP-SCHEMA",
        2,
        1,
        "unknown kind 'Contrakt'",
    ),
    # --- tags: nothing is ever constructed
    (
        "python-object",
        ENV + "v: !!python/object:os.system x\n",
        "VP-YAML",
        3,
        4,
        "the tag !!python/object:os.system is not allowed",
    ),
    (
        "python-apply",
        ENV + "v: !!python/object/apply:os.system [ls]\n",
        "VP-YAML",
        3,
        4,
        "!!python/object/apply:os.system is not allowed on a list",
    ),
    (
        "python-new-map",
        ENV + "v: !!python/object/new:dict {a: 1}\n",
        "VP-YAML",
        3,
        4,
        "!!python/object/new:dict is not allowed on a mapping",
    ),
    (
        "python-name",
        ENV + "v: !!python/name:os.system\n",
        "VP-YAML",
        3,
        4,
        "!!python/name:os.system is not allowed",
    ),
    (
        "python-module",
        ENV + "v: !!python/module:os\n",
        "VP-YAML",
        3,
        4,
        "!!python/module:os is not allowed",
    ),
    (
        "local-tag",
        ENV + "v: !foo bar\n",
        "VP-YAML",
        3,
        4,
        "the tag !foo is not allowed on a value: custom tags",
    ),
    (
        "local-tag-map",
        ENV + "v: !foo {a: 1}\n",
        "VP-YAML",
        3,
        4,
        "the tag !foo is not allowed on a mapping",
    ),
    ("binary", ENV + "v: !!binary aGVsbG8=\n", "VP-YAML", 3, 4, "the tag !!binary is not allowed"),
    (
        "timestamp",
        ENV + "v: !!timestamp 2026-01-01\n",
        "VP-YAML",
        3,
        4,
        "the tag !!timestamp is not allowed",
    ),
    (
        "set",
        ENV + "v: !!set {a, b}\n",
        "VP-YAML",
        3,
        4,
        "the tag !!set is not allowed on a mapping",
    ),
    (
        "omap",
        ENV + "v: !!omap [a: 1]\n",
        "VP-YAML",
        3,
        4,
        "the tag !!omap is not allowed on a list",
    ),
    (
        "str-tag-on-list",
        ENV + "v: !!str [a]\n",
        "VP-YAML",
        3,
        4,
        "the tag !!str is not allowed on a list",
    ),
    (
        "tag-with-escapes",
        ENV + "v: !x%1B%5B31m%0A y\n",
        "VP-YAML",
        3,
        4,
        "the tag '!x\\x1b[31m\\n' is not allowed",
    ),
    (
        "tag-directive",
        "%TAG !e! tag:example.com,2026:\n---\n" + ENV + "v: !e!x y\n",
        "VP-YAML",
        5,
        4,
        "tag:example.com,2026:x is not allowed",
    ),
    # --- merge keys and keys that are not strings
    ("merge-key", ENV + "base: &b {x: 1}\nm:\n  <<: *b\n", "VP-YAML", 5, 3, "merge keys (<<)"),
    ("merge-tag", ENV + "m:\n  !!merge x: 1\n", "VP-YAML", 4, 3, "merge keys (<<)"),
    ("int-key", ENV + "1: one\n", "VP-YAML", 3, 1, "the key '1' is read as a number"),
    ("float-key", ENV + "1.5: x\n", "VP-YAML", 3, 1, "the key '1.5' is read as a number"),
    ("true-key", ENV + "true: x\n", "VP-YAML", 3, 1, "the key 'true' is read as a boolean"),
    ("null-key", ENV + "null: x\n", "VP-YAML", 3, 1, "the key 'null' is read as null"),
    ("tilde-key", ENV + "~: x\n", "VP-YAML", 3, 1, "the key '~' is read as null"),
    ("empty-key", ENV + "? \n: x\n", "VP-YAML", 3, 2, "a mapping key is empty (null)"),
    ("flow-seq-key", ENV + "[a]: x\n", "VP-YAML", 3, 1, "a mapping key must be plain text"),
    ("complex-key", ENV + "? {a: 1}\n: x\n", "VP-YAML", 3, 3, "a mapping key must be plain text"),
    (
        "alias-list-key",
        ENV + "l: &l [a]\n*l : x\n",
        "VP-YAML",
        4,
        1,
        "the alias *l used as a key is not text",
    ),
    # --- anchors and aliases: allowed, but bounded
    (
        "recursive-alias",
        ENV + "a: &r [x, *r]\n",
        "VP-YAML",
        3,
        11,
        "the alias *r is inside its own anchor &r",
    ),
    (
        "recursive-map",
        ENV + "a: &r {b: {c: *r}}\n",
        "VP-YAML",
        3,
        15,
        "a recursive alias cannot be expanded",
    ),
    ("undefined-alias", ENV + "a: *nope\n", "VP-YAML", 3, 4, "the alias *nope refers to no anchor"),
    (
        "duplicate-anchor",
        ENV + "a: &x 1\nb: &x 2\n",
        "VP-YAML",
        4,
        4,
        "the anchor &x is defined twice (first on line 3)",
    ),
    (
        "billion-laughs",
        billion_laughs(),
        "VP-YAML",
        8,
        10,
        "aliases in this file expand to more than 100,000 nodes",
    ),
    # --- bytes and encodings
    ("utf16-le-bom", ENV.encode("utf-16"), "VP-YAML", 1, 1, "the file is UTF-16"),
    ("utf16-be-bom", b"\xfe\xff" + ENV.encode("utf-16-be"), "VP-YAML", 1, 1, "the file is UTF-16"),
    ("utf16-no-bom", ENV.encode("utf-16-le"), "VP-YAML", 1, 2, "the file contains NUL bytes"),
    ("nul-byte", (ENV + "v: a\x00b\n").encode(), "VP-YAML", 3, 5, "the file contains NUL bytes"),
    ("latin1", (ENV + "v: caf").encode() + b"\xe9\n", "VP-YAML", 3, 7, "invalid UTF-8 byte 0xe9"),
    (
        "invalid-utf8-after-multibyte",
        (ENV + "v: ééé ").encode() + b"\xff\n",
        "VP-YAML",
        3,
        8,
        "invalid UTF-8 byte 0xff",
    ),
    (
        "overlong-utf8",
        (ENV + "v: ").encode() + b"\xc0\xaf\n",
        "VP-YAML",
        3,
        4,
        "invalid UTF-8 byte 0xc0",
    ),
    ("control-char", ENV + "v: bell\x07\n", "VP-YAML", 3, 8, "the control character U+0007"),
    ("c1-control", ENV + "v: x\u0080\n", "VP-YAML", 3, 5, "the control character U+0080"),
    # --- line endings: positions stay right
    (
        "crlf",
        (ENV + "a: 1\nb: 2\na: 3\n").replace("\n", "\r\n"),
        "VP-YAML",
        5,
        1,
        "(first defined on line 3)",
    ),
    (
        "cr-only",
        (ENV + "a: 1\nb: 2\na: 3\n").replace("\n", "\r"),
        "VP-YAML",
        5,
        1,
        "(first defined on line 3)",
    ),
    (
        "mixed-eol",
        "apiVersion: vendorpolicy/v1\r\nkind: Contract\ra: 1\nb: 2\r\na: 3\r",
        "VP-YAML",
        5,
        1,
        "(first defined on line 3)",
    ),
    (
        "crlf-latin1",
        b"apiVersion: x\r\nkind: y\rv: \xe9",
        "VP-YAML",
        3,
        4,
        "invalid UTF-8 byte 0xe9",
    ),
    # --- size
    (
        "one-mb-value",
        ENV + "v: " + "x" * (1 << 20) + "\n",
        "VP-YAML",
        3,
        4,
        "a value of 1,048,576 characters exceeds the limit",
    ),
]


@pytest.mark.parametrize(
    ("raw", "rule", "line", "column", "fragment"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD],
)
def test_bad_input_gives_one_precise_finding(
    raw: str | bytes, rule: str, line: int, column: int, fragment: str
) -> None:
    got = findings(load(raw))
    assert len(got) == 1, got
    assert got[0][:3] == (rule, line, column), got
    assert fragment in got[0][3], got


def test_the_bad_table_is_large() -> None:
    assert len(BAD) >= 30
    assert len({case[0] for case in BAD}) == len(BAD)


# (id, YAML value text, the value it must load as): YAML 1.2 core, strictly.
VALUES: list[tuple[str, str, Any]] = [
    # YAML 1.1 booleans stay strings (NO is Norway)
    *[(f"yaml11-{w}", w, w) for w in sorted(loader.YAML11_BOOLEANS)],
    ("true", "true", True),
    ("True", "True", True),
    ("TRUE", "TRUE", True),
    ("false", "false", False),
    ("FALSE", "FALSE", False),
    ("tRUE-is-text", "tRUE", "tRUE"),
    # numbers: JSON-like; `1.10` is the float 1.1 (quote versions: "1.10")
    ("float-1.10", "1.10", 1.1),
    ("float-1.0", "1.0", 1.0),
    ("float-exp", "1e3", 1000.0),
    ("float-dot", ".5", 0.5),
    ("int", "42", 42),
    ("int-plus", "+42", 42),
    ("int-minus-zero", "-0", 0),
    ("int-100-digits", "9" * 100, int("9" * 100)),
    ("underscore-is-text", "1_000", "1_000"),
    ("sexagesimal-is-text", "1:20", "1:20"),
    ("binary-is-text", "0b101", "0b101"),
    ("hex-caps-is-text", "0X1F", "0X1F"),
    ("minus-nan-is-text", "-.nan", "-.nan"),
    ("dot-is-text", ".", "."),
    # dates and times stay strings (the schema checks `format: date`)
    ("date", "2026-01-31", "2026-01-31"),
    ("bad-date", "2026-02-30", "2026-02-30"),
    ("timestamp", "2026-01-31T10:00:00Z", "2026-01-31T10:00:00Z"),
    ("time", "12:30", "12:30"),
    # nulls
    ("null", "null", None),
    ("tilde", "~", None),
    ("empty", "", None),
    ("Null", "Null", None),
    # quoting and explicit core tags
    ("quoted-number", '"012"', "012"),
    ("quoted-bool", "'true'", "true"),
    ("block-literal", "|\n  12\n", "12\n"),
    ("str-tag", "!!str 012", "012"),
    ("str-tag-true", "!!str true", "true"),
    ("str-tag-verbatim", "!<tag:yaml.org,2002:str> 7", "7"),
    ("non-specific-tag", "! 12", "12"),
    ("int-tag-quoted", '!!int "42"', 42),
    ("float-tag-int", "!!float 1", 1.0),
    ("bool-tag", '!!bool "false"', False),
    ("null-tag", "!!null ''", None),
    ("seq-tag", "!!seq [1]", [1]),
    ("map-tag", "!!map {a: 1}", {"a": 1}),
    # text that looks like YAML 1.1 specials
    ("merge-text-value", "<<", "<<"),
    ("equals", "=", "="),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(*c[1:], id=c[0]) for c in VALUES])
def test_value_is_read_as_yaml_1_2_core(text: str, expected: Any) -> None:
    loaded = load(ENV + "v: " + text + "\n")
    assert findings(loaded) == []
    value = loaded.documents[0].data["v"]
    assert value == expected
    assert type(value) is type(expected)


def test_float_1_10_is_the_json_number_1_1() -> None:
    """Documented: `min_tls_version: 1.10` is the number 1.1, so versions must be quoted
    (the schema says so). Loading never silently turns it into "1.10"."""
    data = load(ENV + "a: 1.10\nb: '1.10'\n").documents[0].data
    assert data["a"] == 1.1
    assert math.isclose(data["a"], 1.1)
    assert data["b"] == "1.10"


def test_data_holds_plain_types_only() -> None:
    text = ENV + (
        "d: 2026-01-01\nt: 2026-01-01 10:00:00\nb: !!str yes\nn: ~\nf: 1.5\ni: 3\n"
        "l: [NO, off, y]\nm: {a: {b: [1, {c: d}]}}\n"
    )
    data = load(text).documents[0].data

    def walk(v: Any) -> None:
        assert type(v) in (dict, list, str, int, float, bool, type(None)), type(v)
        if isinstance(v, dict):
            assert all(type(k) is str for k in v)
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(data)
    assert data["d"] == "2026-01-01"
    assert data["l"] == ["NO", "off", "y"]


def test_quoted_merge_key_is_an_ordinary_key() -> None:
    loaded = load(ENV + "m:\n  '<<': 1\n")
    assert findings(loaded) == []
    assert loaded.documents[0].data["m"] == {"<<": 1}


def test_anchors_and_aliases_are_allowed_and_independent() -> None:
    loaded = load(ENV + "a: &x {k: [1, 2]}\nb: *x\nc: &s text\nd: *s\n")
    assert findings(loaded) == []
    data = loaded.documents[0].data
    assert data["a"] == data["b"] == {"k": [1, 2]}
    assert data["a"] is not data["b"]
    data["b"]["k"].append(3)
    assert data["a"]["k"] == [1, 2]
    assert data["d"] == "text"
    smap = loaded.documents[0].sourcemap
    assert smap.position(("b",)) == Position(4, 1)  # the key that holds the alias
    assert smap.position(("b", "k")) == Position(3, 8)  # inside: where the anchor wrote it


def test_utf8_bom_is_accepted_and_positions_ignore_it() -> None:
    loaded = load(b"\xef\xbb\xbf" + ENV.encode() + b"a: 1\nb: 2\na: 3\n")
    assert [f[:3] for f in findings(loaded)] == [("VP-YAML", 5, 1)]
    ok = load(b"\xef\xbb\xbf" + ENV.encode() + b"v: 1\n")
    assert findings(ok) == []
    assert ok.documents[0].sourcemap.position(("v",)) == Position(3, 1)


def test_crlf_and_mixed_line_endings_keep_positions() -> None:
    text = "apiVersion: vendorpolicy/v1\r\nkind: Contract\rm:\n  x: 1\r\n  y: [a, b]\r"
    loaded = load(text)
    assert findings(loaded) == []
    smap = loaded.documents[0].sourcemap
    assert smap.position(("m", "x")) == Position(4, 3)
    assert smap.position(("m", "y", 1)) == Position(5, 10)


def test_nel_ls_ps_do_not_shift_positions() -> None:
    """libyaml (YAML 1.1) breaks lines at U+0085/U+2028/U+2029; editors do not."""
    text = "apiVersion: vendorpolicy/v1\u2028kind: Contract\r\nc: \u0085d: 1\ne: [x, y]\n"
    loaded = load(text)
    assert findings(loaded) == []
    smap = loaded.documents[0].sourcemap
    assert smap.position(("d",)) == Position(2, 5)
    assert smap.position(("e", 1)) == Position(3, 8)
    dup = load("a: 1\u2028b: 2\nb: 3\u2029\n")
    assert [f[:3] for f in findings(dup)] == [("VP-YAML", 2, 1)]
    assert "(first defined on line 1)" in findings(dup)[0][3]
    syntax = load("k: v\u2028\u2028\u2028x: [\n")
    assert [f[:3] for f in findings(syntax)] == [("VP-YAML", 2, 1)]


def test_empty_last_value_without_final_line_break_stays_on_the_last_line() -> None:
    """libyaml puts the end of such a stream on an extra line; positions must not."""
    doc = load(ENV + "b:").documents[0]
    node, _ = doc.sourcemap.node(("b",))
    assert (node.line, node.column, node.key_line) == (3, 3, 3)
    item, _ = load(ENV + "l:\n- a\n- ").documents[0].sourcemap.node(("l", 1))
    assert (item.line, item.column) == (5, 2)


def test_very_long_key_within_the_yaml_limit_is_read() -> None:
    key = "k" * 1000
    loaded = load(ENV + f"{key}: 1\n")
    assert findings(loaded) == []
    assert loaded.documents[0].data[key] == 1


def test_one_mb_single_line_under_the_value_limit_is_read() -> None:
    value = "x" * 999_000
    loaded = load(ENV + "v: " + value + "\n")
    assert findings(loaded) == []
    assert loaded.documents[0].data["v"] == value


# ----------------------------------------------------------------- multi-document files


def test_multi_document_one_good_one_bad() -> None:
    text = ENV + "v: 1\n---\n" + ENV + "v: 1\nv: 2\n"
    loaded = load(text)
    good, bad = loaded.documents
    assert good.problems == [] and good.data["v"] == 1 and good.line == 1
    assert bad.data is None and bad.index == 1
    assert [(p.rule, p.line, p.column) for p in bad.problems] == [("VP-YAML", 8, 1)]
    assert "first defined on line 7" in bad.problems[0].message


def test_multi_document_good_then_syntax_error_keeps_the_good_one() -> None:
    loaded = load(ENV + "v: 1\n---\n" + ENV + "v: [1,\n")
    assert len(loaded.documents) == 1 and loaded.documents[0].problems == []
    assert [(p.rule, p.line) for p in loaded.problems] == [("VP-YAML", 8)]
    assert "YAML syntax error" in loaded.problems[0].message


def test_multi_document_bad_then_good_checks_both() -> None:
    loaded = load(ENV + "v: !!python/name:os.system\n---\n" + ENV + "v: 2\n")
    bad, good = loaded.documents
    assert [(p.line, p.column) for p in bad.problems] == [(3, 4)]
    assert good.problems == [] and good.data["v"] == 2 and good.line == 5


def test_empty_document_between_separators_is_located() -> None:
    loaded = load(ENV + "---\n---\n" + ENV)
    assert [d.problems[0].line if d.problems else None for d in loaded.documents] == [
        None,
        3,
        None,
    ]


def test_too_many_documents_is_one_finding_and_the_first_ones_are_kept() -> None:
    text = ("---\n" + ENV) * 10_000
    loaded = load(text)
    assert len(loaded.documents) == 1_000
    assert [(p.rule, p.line, p.column) for p in loaded.problems] == [("VP-YAML", 3001, 1)]
    assert "more than 1,000 documents" in loaded.problems[0].message


def test_alias_bomb_spread_over_documents_is_bounded() -> None:
    doc = "---\n" + ENV + "a: &a [" + ", ".join(["1"] * 300) + "]\n"
    doc += "b: [" + ", ".join(["*a"] * 300) + "]\n"
    start = time.perf_counter()
    loaded = load(doc * 200)
    assert time.perf_counter() - start < 10
    bad = [p for d in loaded.documents for p in d.problems]
    assert bad and all("expand to more than 100,000 nodes" in p.message for p in bad)
    assert loaded.documents[0].problems == []  # 90,000 nodes: within the budget


def test_quadratic_alias_blowup_is_bounded() -> None:
    text = ENV + "a: &a [" + ", ".join(["x"] * 2000) + "]\nb: [" + ", ".join(["*a"] * 2000) + "]\n"
    start = time.perf_counter()
    got = findings(load(text))
    assert time.perf_counter() - start < 5
    assert [(r, line) for r, line, _, _ in got] == [("VP-YAML", 4)]
    assert "alias bomb" in got[0][3]


def test_billion_laughs_is_fast() -> None:
    start = time.perf_counter()
    got = findings(load(billion_laughs()))
    assert time.perf_counter() - start < 5
    assert len(got) == 1 and "alias bomb" in got[0][3]


# ----------------------------------------------------------------- nesting


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        pytest.param(ENV + "v: " + "[" * 10_000 + "]" * 10_000 + "\n", 3, 67, id="flow-seq"),
        pytest.param(
            ENV + "v: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", 3, 256, id="flow-map"
        ),
        pytest.param(ENV + "v: " + "[" * 1_000_000 + "\n", 3, 67, id="flow-unclosed-1M"),
        pytest.param(ENV + "v:\n" + "- " * 10_000 + "x\n", 4, 127, id="block-seq"),
        pytest.param(ENV + "".join(" " * i + "k:\n" for i in range(1_000)), 67, 65, id="block-map"),
    ],
)
def test_deep_nesting_is_a_finding_not_a_crash(text: str, line: int, column: int) -> None:
    start = time.perf_counter()
    got = findings(load(text))
    assert time.perf_counter() - start < 10
    assert [g[:3] for g in got] == [("VP-YAML", line, column)]
    assert "nesting deeper than 64 levels" in got[0][3]


def test_nesting_at_the_limit_is_read() -> None:
    depth = Limits().max_depth - 1  # the document mapping is level 1
    loaded = load(ENV + "v: " + "[" * depth + "]" * depth + "\n")
    assert findings(loaded) == []


def test_alias_cannot_smuggle_depth() -> None:
    text = ENV + "a: &a " + "[" * 40 + "]" * 40 + "\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n"
    got = findings(load(text))
    assert [g[:2] for g in got] == [("VP-YAML", 4)]
    assert "the alias *a nests deeper than 64 levels" in got[0][3]


def test_deep_document_stops_reading_and_says_so_when_more_documents_follow() -> None:
    text = ENV + "v: " + "[" * 100 + "]" * 100 + "\n---\n" + ENV
    loaded = load(text)
    assert [(p.line, p.column) for d in loaded.documents for p in d.problems] == [(3, 67)]
    assert [(p.line, p.column) for p in loaded.problems] == [(4, 1)]
    assert "were not checked" in loaded.problems[0].message


def test_node_limit() -> None:
    limits = Limits(max_nodes=1_000)
    loaded = load_bytes("x.yaml", (ENV + "v: [" + "1," * 2_000 + "1]\n").encode(), limits)
    got = findings(loaded)
    assert len(got) == 1 and "more than 1,000 values" in got[0][3]


def test_file_size_limit() -> None:
    limits = Limits(max_file_bytes=100)
    got = findings(load_bytes("x.yaml", (ENV + "v: " + "x" * 200 + "\n").encode(), limits))
    assert got == [
        (
            "VP-YAML",
            1,
            1,
            "the file has 247 bytes, more than the limit of 100; split it into one file per "
            "document",
        )
    ]


# ----------------------------------------------------------------- positions


POSITIONS_DOC = """\
apiVersion: vendorpolicy/v1
kind: Contract
metadata:
  id: acme
services:
  - id: a
    name: A
  -   id: b
      countries: [DE, "NO"]
"""


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(("metadata", "id"), Position(4, 3), id="key"),
        pytest.param(("metadata",), Position(3, 1), id="mapping-key"),
        pytest.param(("services", 0), Position(6, 5), id="list-item"),
        pytest.param(("services", 1), Position(8, 7), id="list-item-wide-indent"),
        pytest.param(("services", 1, "countries", 1), Position(9, 23), id="flow-item"),
        pytest.param(("services", 1, "owner"), Position(8, 7), id="missing-key-parent"),
        pytest.param(("services", 5, "id"), Position(5, 1), id="missing-item-ancestor"),
        pytest.param(("nothing", "here"), Position(1, 1), id="missing-top-root"),
        pytest.param((), Position(1, 1), id="root"),
    ],
)
def test_sourcemap_position(path: tuple[str | int, ...], expected: Position) -> None:
    doc = load(POSITIONS_DOC).documents[0]
    assert doc.problems == []
    assert doc.sourcemap.position(path) == expected


def test_sourcemap_exists_and_walk() -> None:
    smap = load(POSITIONS_DOC).documents[0].sourcemap
    assert smap.exists(("services", 1, "countries"))
    assert not smap.exists(("services", 1, "owner"))
    paths = [p for p, _ in smap.walk()]
    assert ("services", 1, "countries", 1) in paths
    assert paths == sorted(paths, key=paths.index)  # document order, no duplicates
    assert len(paths) == len(set(paths))


def test_problem_pointer_names_the_offending_node() -> None:
    loaded = load(ENV + "services:\n  - id: a\n    limits: {x: .inf}\n")
    problem = loaded.documents[0].problems[0]
    assert (problem.line, problem.column, problem.pointer) == (5, 17, "/services/0/limits/x")


def test_document_line_of_a_later_document() -> None:
    loaded = load("# header\n" + ENV + "---\n# second\n" + ENV)
    assert [d.line for d in loaded.documents] == [2, 6]


# ----------------------------------------------------------------- read_file


def test_read_file_regular(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text(ENV, encoding="utf-8")
    loaded = read_file("c.yaml", str(f))
    assert loaded.problems == [] and loaded.documents[0].kind == "Contract"
    assert len(loaded.sha256) == 64


def test_read_file_missing(tmp_path: Path) -> None:
    loaded = read_file("nope.yaml", str(tmp_path / "nope.yaml"))
    assert [(p.rule, p.line, p.column) for p in loaded.problems] == [("VP-YAML", 1, 1)]
    assert "no such file" in loaded.problems[0].message


def test_read_file_directory(tmp_path: Path) -> None:
    loaded = read_file("d.yaml", str(tmp_path))
    assert "a directory without any YAML file" in loaded.problems[0].message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_read_file_fifo_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    start = time.perf_counter()
    loaded = read_file("pipe.yaml", str(fifo))
    assert time.perf_counter() - start < 5
    assert "not a regular file" in loaded.problems[0].message


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_read_file_device_is_not_read() -> None:
    loaded = read_file("/dev/zero", "/dev/zero")
    assert "not a regular file" in loaded.problems[0].message


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_read_file_dangling_and_looping_symlinks(tmp_path: Path) -> None:
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    dangling = read_file("dangling.yaml", str(tmp_path / "dangling.yaml"))
    assert "broken symbolic link" in dangling.problems[0].message
    loop = read_file("a.yaml", str(tmp_path / "a.yaml"))
    assert "symbolic link loop" in loop.problems[0].message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_read_file_unreadable(tmp_path: Path) -> None:
    f = tmp_path / "secret.yaml"
    f.write_text(ENV, encoding="utf-8")
    f.chmod(0)
    try:
        loaded = read_file("secret.yaml", str(f))
    finally:
        f.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert "check its permissions" in loaded.problems[0].message


def test_read_file_oversized_is_not_read(tmp_path: Path) -> None:
    f = tmp_path / "huge.yaml"
    with f.open("wb") as fh:  # sparse: 100 MB on paper, nothing on disk
        fh.truncate(100 * 1024 * 1024)
    loaded = read_file("huge.yaml", str(f))
    assert [(p.rule, p.line, p.column) for p in loaded.problems] == [("VP-YAML", 1, 1)]
    assert "104,857,600 bytes, more than the limit" in loaded.problems[0].message


def test_read_file_never_writes(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text(ENV, encoding="utf-8")
    before = f.stat()
    read_file("c.yaml", str(f))
    after = f.stat()
    assert (before.st_mtime_ns, before.st_size) == (after.st_mtime_ns, after.st_size)


# ----------------------------------------------------------------- never an exception


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    loaded = load_bytes("fuzz.yaml", raw)
    for p in findings(loaded):
        assert p[1] >= 1 and p[2] >= 1


_YAMLISH = st.lists(
    st.sampled_from(
        [
            "a",
            ":",
            " ",
            "\n",
            "-",
            "[",
            "]",
            "{",
            "}",
            ",",
            "&x",
            "*x",
            "!",
            "!!str",
            "'",
            '"',
            "?",
            "#",
            "|",
            ">",
            "\t",
            "<<",
            "1",
            "0x1",
            "~",
            "---",
            "...",
        ]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_YAMLISH)
def test_yaml_like_text_never_raises(text: str) -> None:
    loaded = load_bytes("fuzz.yaml", text.encode())
    for doc in loaded.documents:
        assert doc.line >= 1
        for p in doc.problems:
            assert p.line >= 1 and p.column >= 1


# -- reading without every position (large runs: runner.load_source) ---------------------

_CORPUS = sorted(
    p
    for folder in ("examples", "tests/adversarial", "tests/fixtures", "policies")
    for p in (Path(__file__).resolve().parents[1] / folder).rglob("*.y*ml")
)


def _same_reading(raw: bytes) -> None:
    """Without every position: problems where a full reading has problems (the runner
    then reads the file again with every position, for their messages); otherwise the
    same data and the same positions of each document's root and metadata.id."""
    full = load_bytes("f.yaml", raw)
    light = load_bytes("f.yaml", raw, every_position=False)
    has_problems = [bool(f.problems) or any(d.problems for d in f.documents) for f in (full, light)]
    assert has_problems[0] == has_problems[1]
    if has_problems[0]:
        return
    assert len(light.documents) == len(full.documents)
    for a, b in zip(light.documents, full.documents, strict=True):
        assert (a.data, a.line, a.index) == (b.data, b.line, b.index)
        assert a.sourcemap.root.position == b.sourcemap.root.position
        node, depth = b.sourcemap.node(("metadata", "id"))
        if depth == 2:
            assert a.sourcemap.node(("metadata", "id")) == (node, 2)


@pytest.mark.parametrize("path", _CORPUS, ids=lambda p: p.name)
def test_reading_without_every_position_reads_the_same(path: Path) -> None:
    _same_reading(path.read_bytes())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_YAMLISH)
def test_reading_without_every_position_reads_the_same_on_yaml_like_text(text: str) -> None:
    _same_reading(text.encode())


def test_reading_without_every_position_keeps_only_root_metadata_and_id() -> None:
    raw = b"apiVersion: v\nkind: Contract\nmetadata:\n  id: c-1\n  vendor: v\nxs: [1, {a: 2}]\n"
    light = load_bytes("f.yaml", raw, every_position=False).documents[0].sourcemap
    assert list(light.root.children or {}) == ["metadata"]
    assert list(light.root.children["metadata"].children or {}) == ["id"]
    position = light.node(("metadata", "id"))[0].position
    assert (position.line, position.column) == (4, 3)


@pytest.mark.parametrize("path", _CORPUS, ids=lambda p: p.name)
def test_a_large_run_reads_each_file_as_a_small_one(path: Path) -> None:
    """runner.load_source with lazy positions (large runs): the same documents, problems
    and problem positions, and the same positions where a finding asks for them."""
    from vendorpolicy import discovery, runner

    src = discovery.Source(path.name, str(path))
    small, large = runner.load_source(src), runner.load_source(src, lazy_positions=True)
    assert large.problems == small.problems
    assert len(large.documents) == len(small.documents)
    for a, b in zip(large.documents, small.documents, strict=True):
        assert (a.data, a.problems, a.line) == (b.data, b.problems, b.line)
        for doc_path, _ in b.sourcemap.walk():
            assert a.sourcemap.position(doc_path) == b.sourcemap.position(doc_path)
