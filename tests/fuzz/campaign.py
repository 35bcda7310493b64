"""The fuzzing campaign: `python -m tests.fuzz.campaign --seconds N [--seed S]` (`make fuzz`).

A coverage-less, high-volume loop (no atheris needed). Each input is bytes that go, in
process, through the strict loader, the schema check (the jsonschema-rs fast path and the
jsonschema reference, which must agree) and the full `runner.run` with the built-in
policies, then through every reporter. Any exception, and any broken invariant (a position
outside its file, a report that is not valid JSON / well-formed XML / UTF-8, a fast path
that disagrees with the reference, an input that takes more than --slow seconds), is a
crash: the input is saved to `tests/fuzz/crashes/<sha>.yaml` (with `<sha>.txt`, the
traceback) and the loop goes on. The last line printed is `fuzz: N inputs, K crashes, T s`.

Inputs come from a mutation engine seeded with the canonical fixtures, the sample
repository, the deliberately broken examples and the built-in policies: byte flips and
interesting bytes, YAML token insertion (tags, anchors, aliases, merge keys, directives,
document markers, block and flow indicators, BOM, control characters, NEL/LS/PS),
line-level edits (duplicate, delete, swap, re-indent), splicing of two inputs, huge
repeats (deep nesting, many documents, alias fan-out, long lines), structure-aware
mutations of the parsed documents (delete a key path, replace a value by another type,
put nasty text into a string, share a node so the dumper writes anchors and aliases),
and random YAML-shaped data. Inputs that produce a finding never seen before (rule +
message shape) join the corpus: a cheap behavioural feedback instead of coverage.

`tests/test_fuzz_regressions.py` replays every file of `tests/fuzz/regressions/` through
the same oracle (`check_input`).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import io
import itertools
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vendorpolicy import loader, policy, reporters, runner, schemas
from vendorpolicy.config import Config
from vendorpolicy.loader import LoadedFile
from vendorpolicy.model import Report, Status

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CRASH_DIR = HERE / "crashes"
JUNIT_XSD = ROOT / "tests" / "formats" / "junit-10.xsd"
AS_OF = "2026-11-22"
FILE_NAME = "fuzz.yaml"
CONTEXT_NAME = "context.yaml"
JSON_TOP_KEYS = ("tool", "as_of", "policy_digest", "summary", "documents", "results")
JSON_RESULT_KEYS = ("rule", "status", "severity", "path", "line", "column", "message")
# `error` results that reveal a fault of the engine rather than of the document
ENGINE_FAULTS = ("could not be evaluated: internal error", "evaluation took longer than")
MAX_INPUT = 3 * 1024 * 1024  # mutations keep inputs below this (the loader's limit is 8 MiB)


class Violation(AssertionError):
    """An invariant the tool must keep, broken by an input (a crash like an exception)."""


class Hang(BaseException):
    """Raised by the alarm when one input runs far too long (not caught as an Exception)."""


# --------------------------------------------------------------------------- the oracle


def seed_files() -> list[Path]:
    """Every YAML file the mutation engine starts from, in a stable order."""
    globs = [
        "tests/fixtures/canonical/*.yaml",
        "examples/contracts/**/*.yaml",
        "examples/invalid/*.yaml",
        "policies/*.yaml",
    ]
    found = {p for g in globs for p in ROOT.glob(g) if p.is_file()}
    return sorted(found)


def split_lines(text: str, yaml11: bool) -> list[str]:
    """Lines as editors count them (LF, CR, CRLF) or as libyaml does (also NEL, LS, PS)."""
    pattern = r"\r\n|\r|\n|\x85|\u2028|\u2029" if yaml11 else r"\r\n|\r|\n"
    return re.split(pattern, text)


class Lines:
    """The line lengths of a text as editors and SARIF viewers count lines (LF, CR, CRLF).

    libyaml also ends lines at NEL, LS and PS, and puts the end of a stream without a
    final line break on the line after it; the loader converts its positions to the
    editors' lines, and positions are checked against those, strictly.
    """

    def __init__(self, text: str) -> None:
        self.lengths = [len(line) for line in split_lines(text, yaml11=False)]

    def inside(self, line: int, column: int) -> bool:
        """Whether 1-based (line, column) lies in the text (or just after a line's end)."""
        if not 1 <= line <= len(self.lengths):
            return False
        return 1 <= column <= self.lengths[line - 1] + 1


def position_inside(text: str, line: int, column: int) -> bool:
    return Lines(text).inside(line, column)


def decoded(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text[1:] if text.startswith("\ufeff") else text


def check_loaded(loaded: LoadedFile, raw: bytes) -> None:
    """Loader invariants: a LoadedFile, every problem positioned inside the file."""
    if not isinstance(loaded, LoadedFile):
        raise Violation(f"load_bytes returned {type(loaded).__name__}")
    lines = Lines(decoded(raw))
    problems = list(loaded.problems)
    for doc in loaded.documents:
        problems.extend(doc.problems)
        if not isinstance(doc.data, (dict, list, str, int, float, bool, type(None))):
            raise Violation(f"document data of type {type(doc.data).__name__}")
    for p in problems:
        if not lines.inside(p.line, p.column):
            raise Violation(f"{p.rule} at {p.line}:{p.column} is outside the file: {p.message}")


_FAST = schemas.SchemaSet(fast=True)
KNOWN_BUGS: Counter[str] = Counter()  # reported bugs the oracle tolerates, and how often
_REFERENCE = schemas.SchemaSet(fast=False)


def check_schemas(loaded: LoadedFile) -> None:
    """The jsonschema-rs fast path and the jsonschema reference agree on every document."""
    for doc in loaded.documents:
        kind = doc.kind
        if doc.problems or kind not in schemas.SCHEMA_FILES:
            continue
        fast = _FAST.is_valid_fast(doc.data, kind)
        reference = _REFERENCE.validate_data(doc.data, kind, doc.sourcemap)
        if fast and reference:
            raise Violation(
                f"the fast path accepts a {kind} the reference rejects: {reference[0].message}"
            )
        if not fast and not reference:
            raise Violation(f"the fast path rejects a {kind} the reference accepts")


_POLICY_CACHE: dict[Any, Any] = {}


def cached_load_policies(dirs: Any, config_params: Any = None, cli_params: Any = ()) -> Any:
    key = (tuple(str(d) for d in dirs), repr(config_params), tuple(cli_params))
    if key not in _POLICY_CACHE:
        _POLICY_CACHE[key] = policy.load_policies(dirs, config_params, cli_params)
    return _POLICY_CACHE[key]


def speed_up_policy_loading() -> None:
    """The built-in pack is compiled once per process instead of once per input."""
    runner.load_policies = cached_load_policies  # type: ignore[assignment]


def run_check(workdir: Path, files: dict[str, bytes]) -> Report:
    """`vendorpolicy check` in process on `files` (written into `workdir`)."""
    for name, data in files.items():
        (workdir / name).write_bytes(data)
    options = runner.Options(
        paths=tuple(files),
        policy_dirs=tuple(policy.default_policy_dirs()),
        as_of=AS_OF,
        use_cache=False,
        command=("vendorpolicy", "check", *files),
    )
    old = Path.cwd()
    os.chdir(workdir)
    try:
        return runner.run(options, Config(path=None))
    finally:
        os.chdir(old)


_XSD: Any = None


def junit_schema() -> Any:
    global _XSD
    if _XSD is None:
        import xmlschema

        _XSD = xmlschema.XMLSchema(str(JUNIT_XSD))
    return _XSD


def check_report(
    report: Report,
    files: dict[str, bytes],
    validate_xsd: bool = True,
    clock: list[float] | None = None,
) -> None:
    """Positions inside their files; every format renders; JSON/SARIF/JUnit well-formed.

    `clock[0]` is increased by the time spent in the tool (rendering), not in the checks.
    """
    texts = {name: Lines(decoded(data)) for name, data in files.items()}
    for r in report.results:
        lines = texts.get(r.path)
        if lines is not None and not lines.inside(r.line, r.column):
            raise Violation(f"{r.rule} at {r.path}:{r.line}:{r.column} is outside the file")
        if r.status is Status.ERROR and any(m in r.message for m in ENGINE_FAULTS):
            # the engine turns an unexpected exception (or a runaway rule) into an `error`
            # result: fail closed for the gate, but a bug for the campaign
            raise Violation(f"{r.rule} on {r.document}: {r.message}")
    opts = reporters.RenderOptions()
    rendered = {}
    began = time.perf_counter()
    for fmt in reporters.FORMATS:
        out = reporters.get(fmt).render(report, opts)
        try:
            out.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise Violation(f"the {fmt} report cannot be written as UTF-8: {exc}") from None
        rendered[fmt] = out
    rich = reporters.get("junit").render(report, reporters.RenderOptions(junit_family="rich"))
    if clock is not None:
        clock[0] += time.perf_counter() - began
    check_json_report(rendered["json"])
    json.loads(rendered["sarif"])
    for xml in (rendered["junit"], rich):
        ET.fromstring(xml.encode("utf-8"))
    if validate_xsd:
        errors = list(junit_schema().iter_errors(rendered["junit"]))
        if errors:
            raise Violation(f"the JUnit report does not validate: {errors[0].reason}")


def check_json_report(text: str) -> dict[str, Any]:
    data = json.loads(text)
    missing = [k for k in JSON_TOP_KEYS if k not in data]
    if missing:
        raise Violation(f"the JSON report lacks {missing}")
    for r in data["results"]:
        lacking = [k for k in JSON_RESULT_KEYS if k not in r]
        if lacking:
            raise Violation(f"a JSON result lacks {lacking}")
    return data  # type: ignore[no-any-return]


def check_input(
    raw: bytes,
    workdir: Path,
    context: bytes | None = None,
    full: bool = True,
    validate_xsd: bool = True,
    clock: list[float] | None = None,
) -> set[str]:
    """Every invariant on one input; returns the behaviour features (for the corpus).

    `clock[0]` is increased by the time spent in the tool (loader, run, reporters).
    """
    clock = clock if clock is not None else [0.0]
    began = time.perf_counter()
    loaded = loader.load_bytes(FILE_NAME, raw)
    clock[0] += time.perf_counter() - began
    check_loaded(loaded, raw)
    check_schemas(loaded)
    features = {_feature(p.rule, p.message) for p in loaded.problems}
    for doc in loaded.documents:
        features.update(_feature(p.rule, p.message) for p in doc.problems)
    if not full:
        return features
    files = {FILE_NAME: raw}
    if context is not None:
        files[CONTEXT_NAME] = context
    began = time.perf_counter()
    report = run_check(workdir, files)
    clock[0] += time.perf_counter() - began
    check_report(report, files, validate_xsd, clock)
    features.update(_feature(r.rule, r.status.value + " " + r.message) for r in report.results)
    return features


_NORMALISE = re.compile(r"'[^']*'|\"[^\"]*\"|[0-9][0-9,.]*")


def _feature(rule: str, message: str) -> str:
    return rule + " " + _NORMALISE.sub("#", message)[:90]


# --------------------------------------------------------------------------- mutations

# fmt: off
TOKENS = [
    b"&a ", b"*a", b"&b ", b"*b", b"<<: *a\n", b"<<: ", b"? ", b": ", b"- ", b"---\n",
    b"...\n", b"%YAML 1.1\n---\n", b"%YAML 1.2\n", b"%TAG !e! tag:example.com,2000:\n---\n",
    b"!e!thing ", b"!!python/object/apply:os.system ['true'] ", b"!!python/name:os.system ",
    b"!!binary ", b"!!timestamp ", b"!!set ", b"!!omap ", b"!!int ", b"!!float ", b"!!str ",
    b"!!bool ", b"!!null ", b"!!map ", b"!!seq ", b"!custom ", b"!<tag:yaml.org,2002:str> ",
    b"! ", b"|", b"|-\n", b">+\n", b"{", b"}", b"[", b"]", b",", b'"', b"'", b"#", b"\t",
    b"\r\n", b"\r", b"\n", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\x01", b"\x1b", b"\x7f",
    b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\xef\xbf\xbe", b"\xef\xbf\xbf",
    b"\xed\xa0\x80", b"\xf0\x9f\x92\xa5", b"\xc3", b"\x80", b"]]>", b"<![CDATA[", b"&amp;",
    b"<", b">", b"\\", b"\\x00", b'"\\x01\\x0b\\u2028\\uFFFE\\U0001F4A5"', b".inf", b"-.inf",
    b".nan", b"0x1F", b"0o17", b"017", b"1_000", b"1e400", b"9" * 120, b"1.0e+999",
    b"2026-02-30", b"2026-11-22", b"yes", b"NO", b"on", b"~", b"null", b"true", b"False",
    b"<<", b"=", b"@", b"`", b"%", b"!!", b"x-", b"critical", b"Contract", b"Attestation",
    b"Waiver", b"Policy", b"vendorpolicy/v1", b"apiVersion: vendorpolicy/v1\n",
]

NASTY_TEXT = [
    "\x00", "\x01\x02\x03", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x7f", "\x85", "\u2028",
    "\u2029", "\ufffe", "\uffff", "\ufeff", "]]>", "<![CDATA[x]]>", "</testsuite>", "&lt;",
    "<b>", "|", "`", "\\", "%SRCROOT%", "::error::", "%0A", "\r\n", "\r", "\t", "💥",
    "🛡️", "e\u0301", "\u202e", "\U0010fffd", "A" * 5000, "long " * 2000, "{{ x }}",
    "${{ github.token }}", "'", '"', "\n", "\n\n", " ", "", "NO", "yes", "1.2", "0777",
]
# fmt: on


def _random_scalar(rng: random.Random) -> Any:
    choice = rng.randrange(9)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.choice([0, -1, 1, 2**31, 2**63, -(2**64), 10**99, rng.randrange(-999, 999)])
    if choice == 3:
        return rng.choice([0.0, -0.0, 1.5, 1e-300, 1e300, rng.random()])
    if choice == 4:
        return rng.choice(NASTY_TEXT)
    if choice == 5:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(12)))
    return rng.choice(["LU", "GB", "UK", "AES-256", "1.2", "2026-01-01", "critical", "x-note"])


def random_data(rng: random.Random, depth: int = 0) -> Any:
    """YAML-shaped data: nested dicts and lists of scalars."""
    if depth > 6 or rng.random() < 0.35:
        return _random_scalar(rng)
    if rng.random() < 0.5:
        return [random_data(rng, depth + 1) for _ in range(rng.randrange(5))]
    out: dict[str, Any] = {}
    for _ in range(rng.randrange(6)):
        key = rng.choice(["id", "kind", "metadata", "x-a", "services", "data", "", "<<", "a b"])
        out[key if rng.random() < 0.7 else key + str(rng.randrange(100))] = random_data(
            rng, depth + 1
        )
    return out


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, (*prefix, i))


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def _contains(node: Any, target: Any) -> bool:
    """Whether `target` (a container) is `node` or inside it, by identity."""
    stack, seen = [node], set()
    while stack:
        item = stack.pop()
        if item is target:
            return True
        if isinstance(item, (dict, list)) and id(item) not in seen:
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, dict) else item)
    return False


def mutate_data(rng: random.Random, data: Any) -> Any:
    """A structure-aware mutation of plain data (returns the mutated copy)."""
    data = copy.deepcopy(data)
    for _ in range(rng.randrange(1, 4)):
        paths = [p for p in itertools.islice(_paths(data), 20_000) if p]
        if not paths:
            return random_data(rng)
        path = rng.choice(paths)
        parent = _get(data, path[:-1])
        key = path[-1]
        op = rng.randrange(8)
        if op == 0:  # delete a key path / item
            del parent[key]
        elif op == 1:  # replace a value by another type
            parent[key] = rng.choice([None, True, 0, 1.5, "", "text", [], {}, [1, "a"], {"k": 1}])
        elif op == 2:  # nasty text into a string value (or any value)
            value = parent[key]
            nasty = rng.choice(NASTY_TEXT)
            if isinstance(value, str) and value:
                at = rng.randrange(len(value) + 1)
                parent[key] = value[:at] + nasty + value[at:]
            else:
                parent[key] = nasty
        elif op == 3:  # random subtree
            parent[key] = random_data(rng)
        elif op == 4:  # share a node: the dumper writes an anchor and aliases
            other = rng.choice(paths)
            try:
                node = _get(data, other)
            except (KeyError, IndexError, TypeError):
                continue
            if not _contains(node, parent):  # sharing an ancestor would make a cycle
                parent[key] = node
        elif op == 5 and isinstance(parent, dict):  # a new or renamed key
            value = parent.pop(key)
            parent[rng.choice([key + "x", "x-" + str(key), str(key).upper(), "<<", key])] = value
        elif op == 6 and isinstance(parent, list) and parent:  # duplicate / grow a list
            parent.extend([parent[key]] * rng.choice([1, 2, 50]))
        elif op == 7:  # a long string
            parent[key] = rng.choice(NASTY_TEXT[:20]) * rng.choice([10, 1000, 50_000])
    return data


def dump(rng: random.Random, data: Any, documents: int = 1) -> bytes:
    """Plain data as YAML (random style) or JSON; aliases appear where nodes are shared."""
    if rng.random() < 0.1:
        return json.dumps(data, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    kwargs = {
        "default_flow_style": rng.choice([False, None, True]),
        "allow_unicode": rng.random() < 0.7,
        "sort_keys": False,
        "width": rng.choice([80, 20, 10_000]),
        "explicit_start": rng.random() < 0.3 or documents > 1,
        "default_style": rng.choice([None, None, None, '"', "'"]),
        "indent": rng.choice([2, 2, 4, 9]),
    }
    if documents > 1:
        text = yaml.safe_dump_all([data] * documents, **kwargs)
    else:
        text = yaml.safe_dump(data, **kwargs)
    return text.encode("utf-8", "surrogatepass")


def _bytes_op(rng: random.Random, buf: bytearray, corpus: list[bytes]) -> None:
    n = len(buf)
    op = rng.randrange(10)
    pos = rng.randrange(n + 1)
    if op == 0 and n:  # bit flip
        i = rng.randrange(n)
        buf[i] ^= 1 << rng.randrange(8)
    elif op == 1 and n:  # interesting byte
        buf[rng.randrange(n)] = rng.choice([0, 9, 10, 13, 0x1B, 0x7F, 0x80, 0xC3, 0xFF, 0x22])
    elif op in (2, 3):  # a YAML token
        buf[pos:pos] = rng.choice(TOKENS)
    elif op == 4 and n:  # delete a range
        end = min(n, pos + rng.randrange(1, 64))
        del buf[pos:end]
    elif op == 5 and n:  # duplicate a range
        start = rng.randrange(n)
        chunk = buf[start : start + rng.randrange(1, 128)]
        buf[pos:pos] = chunk
    elif op == 6:  # splice with another input
        other = rng.choice(corpus)
        if other:
            start = rng.randrange(len(other))
            buf[pos:] = other[start : start + rng.randrange(1, 4096)]
    elif op == 7:  # random bytes
        buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
    elif op == 8 and n:  # overwrite with a digit run
        buf[pos : pos + 3] = rng.choice([b"0", b"99", b"-1", b"1e9", b"08", b"."])
    else:  # a line-level edit
        _line_op(rng, buf)


def _line_op(rng: random.Random, buf: bytearray) -> None:
    lines = bytes(buf).split(b"\n")
    if len(lines) < 2:
        return
    i = rng.randrange(len(lines))
    j = rng.randrange(len(lines))
    op = rng.randrange(5)
    if op == 0:
        lines.insert(j, lines[i])
    elif op == 1:
        del lines[i]
    elif op == 2:
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 3:
        lines[i] = b" " * rng.choice([1, 2, 4]) + lines[i]
    else:
        lines[i] = lines[i].lstrip(b" ")
    buf[:] = b"\n".join(lines)


def huge(rng: random.Random, corpus: list[bytes]) -> bytes:
    """Deep nesting, many documents, alias fan-out, long lines, big repeats."""
    op = rng.randrange(9)
    n = rng.choice([10, 100, 1000, 10_000, 100_000])
    if op == 0:
        return b"[" * n + b"]" * rng.choice([n, 0])
    if op == 1:
        return b"".join(b"  " * i + b"k:\n" for i in range(min(n, 3000)))
    if op == 2:
        return b"---\n" * n
    if op == 3:
        return b"---\napiVersion: vendorpolicy/v1\nkind: Waiver\n" * min(n, 2000)
    if op == 4:
        lines = [b"a0: &a0 [x, y, z, w, v, u, t, s, r, q]"]
        for i in range(1, rng.randrange(2, 10)):
            lines.append(b"a%d: &a%d [" % (i, i) + b", ".join([b"*a%d" % (i - 1)] * 10) + b"]")
        return b"\n".join(lines) + b"\n"
    if op == 5:
        return b"k: " + rng.choice([b"x", b"\\", b"'", b"\xc3\xa9", b"9"]) * n * 10 + b"\n"
    if op == 6:
        base = rng.choice(corpus)
        return (base * max(1, min(MAX_INPUT // max(len(base), 1), n // 100)))[:MAX_INPUT]
    if op == 7:
        return b"{" + b", ".join(b"k%d: v" % i for i in range(n)) + b"}"
    return b"- " * min(n, 5000) + b"x\n"


@dataclass
class Engine:
    """The mutation engine: a corpus of inputs and of parsed seed documents."""

    rng: random.Random
    corpus: list[bytes]
    seeds_data: list[Any] = field(default_factory=list)

    @classmethod
    def from_seeds(cls, rng: random.Random) -> Engine:
        corpus = [p.read_bytes() for p in seed_files()]
        data = []
        for raw in corpus:
            for doc in loader.load_bytes("seed", raw).documents:
                if isinstance(doc.data, dict):
                    data.append(doc.data)
        return cls(rng, corpus, data)

    def next_input(self) -> bytes:
        rng = self.rng
        strategy = rng.random()
        if strategy < 0.40:
            buf = bytearray(rng.choice(self.corpus))
            for _ in range(rng.choice([1, 1, 2, 3, 5, 8])):
                _bytes_op(rng, buf, self.corpus)
            out = bytes(buf)
        elif strategy < 0.75 and self.seeds_data:
            data = mutate_data(rng, rng.choice(self.seeds_data))
            out = dump(rng, data, documents=rng.choice([1, 1, 1, 1, 2, 3]))
            if rng.random() < 0.3:
                buf = bytearray(out)
                _bytes_op(rng, buf, self.corpus)
                out = bytes(buf)
        elif strategy < 0.88:
            data = random_data(rng)
            if rng.random() < 0.5:
                data = {
                    "apiVersion": "vendorpolicy/v1",
                    "kind": rng.choice(["Contract", "Attestation", "Waiver", "Policy"]),
                    "metadata": {"id": "fuzz-" + str(rng.randrange(9)), "vendor": "v"},
                    "x-fuzz": data,
                }
            out = dump(rng, data)
        elif strategy < 0.95:
            a, b = rng.choice(self.corpus), rng.choice(self.corpus)
            out = a[: rng.randrange(len(a) + 1)] + b[rng.randrange(len(b) + 1) :]
        else:
            out = huge(rng, self.corpus)
        return out[:MAX_INPUT]

    def learn(self, raw: bytes) -> None:
        if len(raw) < 200_000:
            if len(self.corpus) >= 3000:
                self.corpus[self.rng.randrange(len(self.corpus))] = raw
            else:
                self.corpus.append(raw)


# --------------------------------------------------------------------------- the loop


def signature(exc: BaseException) -> str:
    """Where a crash comes from: exception type and the innermost frame of the tool."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "vendorpolicy" in f.filename and "tests" not in f.filename]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    place = f"{Path(where.filename).name}:{where.lineno}" if where else "?"
    message = str(exc).splitlines()[0][:80] if isinstance(exc, Violation) else ""
    return f"{type(exc).__name__} at {place} {_NORMALISE.sub('#', message)}".strip()


def save_crash(raw: bytes, exc: BaseException, context: bytes | None) -> Path:
    CRASH_DIR.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(raw).hexdigest()[:16]
    target = CRASH_DIR / f"{digest}.yaml"
    target.write_bytes(raw)
    detail = io.StringIO()
    detail.write(signature(exc) + "\n")
    if context is not None:
        detail.write(f"with {CONTEXT_NAME} = sha256 {hashlib.sha256(context).hexdigest()}\n")
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=detail)
    (CRASH_DIR / f"{digest}.txt").write_text(detail.getvalue(), encoding="utf-8")
    return target


@contextlib.contextmanager
def alarm(seconds: float) -> Iterator[None]:
    def fire(signum: int, frame: Any) -> None:
        raise Hang(f"one input ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def campaign(
    seconds: float,
    seed: int,
    slow: float = 10.0,
    full_every: int = 1,
    log: Callable[[str], None] = print,
) -> tuple[int, int, float, Counter[str]]:
    """Run the loop; returns (inputs, crashes, seconds, crashes by signature)."""
    rng = random.Random(seed)
    engine = Engine.from_seeds(rng)
    speed_up_policy_loading()
    seen: set[str] = set()
    crashes: Counter[str] = Counter()
    saved: Counter[str] = Counter()
    inputs = 0
    start = time.monotonic()
    last_log = start
    with tempfile.TemporaryDirectory(prefix="vendorpolicy-fuzz-") as tmp:
        workdir = Path(tmp)
        while time.monotonic() - start < seconds:
            try:
                raw = engine.next_input()
            except Exception as exc:  # noqa: BLE001 - a fault of the generator, not the tool
                log(f"generator error (input skipped): {type(exc).__name__}: {exc}")
                continue
            context = rng.choice(engine.corpus[:40]) if rng.random() < 0.1 else None
            full = inputs % full_every == 0
            inputs += 1
            clock = [0.0]
            try:
                with alarm(max(slow * 6, 120)):
                    features = check_input(
                        raw,
                        workdir,
                        context,
                        full=full,
                        validate_xsd=rng.random() < 0.25,
                        clock=clock,
                    )
                if clock[0] > slow:
                    raise Violation(f"the tool took {clock[0]:.1f} s on one input (limit {slow} s)")
            except (Exception, Hang) as exc:  # noqa: BLE001 - every failure is a finding
                sig = signature(exc)
                crashes[sig] += 1
                if saved[sig] < 5:  # a few inputs per distinct crash are enough
                    saved[sig] += 1
                    path = save_crash(raw, exc, context)
                    if saved[sig] == 1:
                        log(f"crash: {sig} -> {path.relative_to(ROOT)}")
                continue
            fresh = features - seen
            if fresh:
                seen |= fresh
                engine.learn(raw)
            now = time.monotonic()
            if now - last_log >= 60:
                last_log = now
                log(
                    f"... {inputs} inputs, {sum(crashes.values())} crashes "
                    f"({len(crashes)} distinct), corpus {len(engine.corpus)}, "
                    f"{len(seen)} behaviours, {now - start:.0f} s"
                )
    return inputs, sum(crashes.values()), time.monotonic() - start, crashes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.campaign", description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to run")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    parser.add_argument(
        "--slow", type=float, default=10.0, help="seconds before an input is a crash (default 10)"
    )
    parser.add_argument(
        "--full-every",
        type=int,
        default=1,
        help="run the full check on every N-th input only (the loader and schemas see every input)",
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time())
    print(f"fuzz: seed {seed}, {len(seed_files())} seed files, {args.seconds:g} s", flush=True)
    inputs, crashes, elapsed, by_sig = campaign(
        args.seconds,
        seed,
        args.slow,
        max(args.full_every, 1),
        log=lambda s: print(s, flush=True),
    )
    for sig, count in by_sig.most_common():
        print(f"  {count:>7}  {sig}")
    for bug, count in KNOWN_BUGS.most_common():
        print(f"  known bug, tolerated: {count} input(s): {bug}")
    print(f"fuzz: {inputs} inputs, {crashes} crashes, {elapsed:.0f} s", flush=True)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
