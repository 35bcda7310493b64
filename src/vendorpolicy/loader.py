"""Strict, safe YAML: bytes -> plain data + source map, bad input -> VP-YAML problems.

Why not `yaml.safe_load`: it reads YAML 1.1 (`NO` becomes False, `1.10` becomes 1.1,
dates become `datetime.date`), silently keeps the last of duplicate keys and loses
positions. Here libyaml's C parser composes the node graph (fast, no implicit typing:
the resolver below has no implicit resolvers), and one pass over the nodes resolves
YAML 1.2 core scalars, rejects duplicates, non-string keys, merge keys and non-core
tags, bounds alias expansion, depth and node count, and records every position.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from vendorpolicy import sourcemap
from vendorpolicy.model import VP_SCHEMA, VP_YAML

try:  # libyaml's C parser; the pure-Python one is several times slower
    from yaml.cyaml import CParser as _Parser

    HAVE_LIBYAML = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.composer import Composer as _PyComposer
    from yaml.parser import Parser as _PyParser
    from yaml.reader import Reader as _PyReader
    from yaml.scanner import Scanner as _PyScanner

    class _Parser(_PyReader, _PyScanner, _PyParser, _PyComposer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            _PyReader.__init__(self, stream)
            _PyScanner.__init__(self)
            _PyParser.__init__(self)
            _PyComposer.__init__(self)

    HAVE_LIBYAML = False


API_VERSION = "vendorpolicy/v1"
KINDS = ("Contract", "Attestation", "Waiver", "Policy")


@dataclass(frozen=True)
class Limits:
    """Bounds on hostile input; generous for contracts, far below what hurts the process."""

    max_file_bytes: int = 8 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 250_000
    max_documents: int = 1_000
    max_scalar_chars: int = 1_000_000
    max_int_digits: int = 100


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Problem:
    """A finding about the input itself (VP-YAML or VP-SCHEMA), before any rule runs."""

    rule: str
    message: str
    line: int = 1
    column: int = 1
    pointer: str = ""
    evidence: str | None = None


@dataclass
class Document:
    """One YAML document of a file: plain data (dict/list/str/int/float/bool/None only)."""

    path: str
    index: int
    data: Any
    sourcemap: sourcemap.SourceMap
    line: int = 1
    problems: list[Problem] = field(default_factory=list)

    @property
    def mapping(self) -> dict[str, Any]:
        return self.data if isinstance(self.data, dict) else {}

    @property
    def kind(self) -> str | None:
        kind = self.mapping.get("kind")
        return kind if isinstance(kind, str) else None

    @property
    def id(self) -> str | None:
        meta = self.mapping.get("metadata")
        value = meta.get("id") if isinstance(meta, dict) else None
        return value if isinstance(value, str) else None

    @property
    def vendor(self) -> str | None:
        meta = self.mapping.get("metadata")
        value = meta.get("vendor") if isinstance(meta, dict) else None
        return value if isinstance(value, str) else None

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass
class LoadedFile:
    """A file after reading: its digest, its documents and the problems of the file as a whole."""

    path: str
    sha256: str
    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _Composer(_Parser, BaseResolver):  # type: ignore[misc, valid-type]
    """libyaml parser + composer with no implicit resolvers: every plain scalar is a str."""

    def __init__(self, text: str) -> None:
        _Parser.__init__(self, text)
        BaseResolver.__init__(self)


# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z|\.(?:nan|NaN|NAN)\Z")
# Spellings YAML 1.1 tools turn into booleans: worth a hint when a schema wants a string.
YAML11_BOOLEANS = frozenset(
    "y Y yes Yes YES n N no No NO on On ON off Off OFF".split()
)

_TAG = "tag:yaml.org,2002:"
_CORE_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_STR = _TAG + "str"


class LoadError(Exception):
    """Raised inside the node walk; becomes one VP-YAML problem on the document."""

    def __init__(self, message: str, node: Node | None, pointer: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = node.start_mark.line + 1 if node is not None else 1
        self.column = node.start_mark.column + 1 if node is not None else 1
        self.pointer = pointer


def _scalar(node: ScalarNode, limits: Limits, path: list[str | int]) -> Any:
    value: str = node.value
    tag = node.tag
    if len(value) > limits.max_scalar_chars:
        raise LoadError(
            f"a value of {len(value):,} characters exceeds the limit of "
            f"{limits.max_scalar_chars:,}; is this file really a contract?",
            node,
            sourcemap.pointer(tuple(path)),
        )
    if tag != _STR:
        return _tagged(node, limits, path)
    if node.style:  # quoted or block scalar: always a string (plain is None or "")
        return value
    if value in _NULLS:
        return None
    first = value[0]
    if first in "tTfF" and value in _BOOLS:
        return _BOOLS[value]
    if first in "0123456789+-.":
        if _INT.match(value):
            digits = len(value.lstrip("+-"))
            if digits > limits.max_int_digits:
                raise LoadError(
                    f"an integer of {digits} digits is too long to be a contract value; "
                    'quote it if it is an identifier ("...")',
                    node,
                    sourcemap.pointer(tuple(path)),
                )
            return int(value)
        if _OCT.match(value):
            return int(value[2:], 8)
        if _HEX.match(value):
            return int(value[2:], 16)
        if _FLOAT.match(value):
            number = float(value)
            if math.isinf(number):
                raise LoadError(
                    f"{value} is out of range for a number; quote it if it is text",
                    node,
                    sourcemap.pointer(tuple(path)),
                )
            return number
        if _SPECIAL_FLOAT.match(value):
            raise LoadError(
                f"{value} (infinity or not-a-number) cannot be a contract value; "
                "write a finite number, or quote it if it is text",
                node,
                sourcemap.pointer(tuple(path)),
            )
    return value


def _tagged(node: ScalarNode, limits: Limits, path: list[str | int]) -> Any:
    """Explicit core tags (`!!str 012`, `!!int "3"`); anything else is refused."""
    tag = node.tag
    where = sourcemap.pointer(tuple(path))
    if tag not in _CORE_TAGS:
        raise LoadError(
            f"the tag {tag!r} is not allowed: vendorpolicy reads plain YAML data only "
            "(remove the tag)",
            node,
            where,
        )
    plain = ScalarNode(_STR, node.value, node.start_mark, node.end_mark, style=None)
    value = _scalar(plain, limits, path)
    short = tag[len(_TAG) :]
    expected: dict[str, tuple[type, ...]] = {
        "int": (int,),
        "float": (float, int),
        "bool": (bool,),
        "null": (type(None),),
    }
    if short == "str":
        return node.value
    if short in expected and (
        not isinstance(value, expected[short]) or (short != "bool" and isinstance(value, bool))
    ):
        raise LoadError(f"{node.value!r} is not a valid !!{short}", node, where)
    return float(value) if short == "float" else value


class _Walker:
    """One pass over a composed node graph: plain data + positions, with limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.nodes = 0
        self.active: set[int] = set()

    def walk(self, node: Node, path: list[str | int]) -> tuple[Any, sourcemap.Node]:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise LoadError(
                f"the document expands to more than {self.limits.max_nodes:,} nodes "
                "(an alias bomb or a generated file?); split it or remove repeated aliases",
                node,
                sourcemap.pointer(tuple(path)),
            )
        mark = node.start_mark
        if isinstance(node, ScalarNode):
            return _scalar(node, self.limits, path), sourcemap.Node(mark.line + 1, mark.column + 1)
        if len(path) >= self.limits.max_depth:
            raise LoadError(
                f"nesting deeper than {self.limits.max_depth} levels; "
                "contracts are a few levels deep, so this input is refused",
                node,
                sourcemap.pointer(tuple(path)),
            )
        ident = id(node)
        if ident in self.active:
            raise LoadError(
                "a recursive alias (an anchor that contains itself) cannot be expanded",
                node,
                sourcemap.pointer(tuple(path)),
            )
        self.active.add(ident)
        try:
            if isinstance(node, SequenceNode):
                return self._sequence(node, path)
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
        finally:
            self.active.discard(ident)
        raise LoadError("unsupported YAML node", node)  # pragma: no cover

    def _check_tag(self, node: Node, expected: str, path: list[str | int]) -> None:
        if node.tag != _TAG + expected:
            raise LoadError(
                f"the tag {node.tag!r} is not allowed: vendorpolicy reads plain YAML data only "
                "(remove the tag)",
                node,
                sourcemap.pointer(tuple(path)),
            )

    def _sequence(self, node: SequenceNode, path: list[str | int]) -> tuple[Any, sourcemap.Node]:
        self._check_tag(node, "seq", path)
        items: list[Any] = []
        children: dict[str | int, sourcemap.Node] = {}
        for index, child in enumerate(node.value):
            path.append(index)
            value, pos = self.walk(child, path)
            path.pop()
            items.append(value)
            children[index] = pos
        mark = node.start_mark
        return items, sourcemap.Node(mark.line + 1, mark.column + 1, children)

    def _mapping(self, node: MappingNode, path: list[str | int]) -> tuple[Any, sourcemap.Node]:
        self._check_tag(node, "map", path)
        data: dict[str, Any] = {}
        children: dict[str | int, sourcemap.Node] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node, path)
            if key in data:
                first = children[key]
                raise LoadError(
                    f"duplicate key {key!r} (first defined on line {first.key_line}); "
                    "YAML keeps only one of them, so remove or rename one",
                    key_node,
                    sourcemap.pointer((*path, key)),
                )
            path.append(key)
            value, pos = self.walk(value_node, path)
            path.pop()
            km = key_node.start_mark
            pos.key_line, pos.key_column = km.line + 1, km.column + 1
            data[key] = value
            children[key] = pos
        mark = node.start_mark
        return data, sourcemap.Node(mark.line + 1, mark.column + 1, children)

    def _key(self, key_node: Node, path: list[str | int]) -> str:
        where = sourcemap.pointer(tuple(path))
        if not isinstance(key_node, ScalarNode):
            raise LoadError(
                "a mapping key must be plain text, not a list or mapping", key_node, where
            )
        if key_node.tag == _TAG + "merge" or (key_node.value == "<<" and not key_node.style):
            raise LoadError(
                "merge keys (<<) are a YAML 1.1 feature vendorpolicy does not read; "
                "write the keys out in full",
                key_node,
                where,
            )
        value = _scalar(key_node, self.limits, path)
        if not isinstance(value, str):
            text = key_node.value
            raise LoadError(
                f"the key {text!r} is read as {_type_name(value)}, not text; "
                f'quote it ("{text}") if it is meant as a name',
                key_node,
                where,
            )
        return value


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def _decode(raw: bytes) -> tuple[str | None, Problem | None]:
    """Bytes -> text. UTF-8 (BOM allowed) only; anything else is a located problem."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, Problem(
            VP_YAML,
            "the file is UTF-16 encoded; save it as UTF-8 (vendorpolicy reads UTF-8 only)",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        col = nul - (raw.rfind(b"\n", 0, nul) + 1) + 1
        return None, Problem(
            VP_YAML,
            "the file contains NUL bytes: it is binary or not UTF-8 text; "
            "save it as UTF-8 YAML",
            line,
            col,
        )
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, Problem(
            VP_YAML,
            f"invalid UTF-8 byte 0x{raw[exc.start]:02x}; save the file as UTF-8",
            line,
            col,
        )


def _syntax_problem(exc: yaml.YAMLError, text: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    line = mark.line + 1 if mark is not None else 1
    column = mark.column + 1 if mark is not None else 1
    hint = ""
    if mark is not None:
        lines = text.splitlines()
        if 0 <= mark.line < len(lines):
            src = lines[mark.line]
            if "\t" in src[: max(mark.column, 0) + 1] or src[:1] == "\t":
                hint = "; tab characters cannot indent YAML: use spaces"
    if "found undefined alias" in problem:
        hint = "; define the anchor (&name) before using the alias (*name)"
    if "found duplicate anchor" in problem:
        hint = "; each anchor name may be defined once"
    context = getattr(exc, "context", None)
    detail = f"{context}: {problem}" if context and "while" not in context else problem
    return Problem(VP_YAML, f"YAML syntax error: {detail}{hint}", line, column)


_DEPTH_CHARS = "[{-:?"


def _too_deep(text: str, limits: Limits) -> Problem | None:
    """Guard libyaml's recursive composer against pathological nesting.

    Every nesting level needs one of `[ { - : ?`; when a file has few of them it cannot be
    deep and the check costs five `str.count` calls. Otherwise the event stream (iterative
    in libyaml) is scanned for depth before anything is composed.
    """
    if sum(text.count(c) for c in _DEPTH_CHARS) <= 2_000:
        return None
    parser = _Parser(text)
    depth = 0
    try:
        while True:
            event = parser.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return None
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > limits.max_depth:
                    mark = event.start_mark
                    return Problem(
                        VP_YAML,
                        f"nesting deeper than {limits.max_depth} levels; contracts are a few "
                        "levels deep, so this input is refused",
                        mark.line + 1,
                        mark.column + 1,
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # the composer reports the syntax error with its position
    finally:
        parser.dispose()


def load_bytes(path: str, raw: bytes, limits: Limits = DEFAULT_LIMITS) -> LoadedFile:
    """Parse one file's bytes. Never raises for bad input: problems are values."""
    digest = hashlib.sha256(raw).hexdigest()
    loaded = LoadedFile(path=path, sha256=digest)
    if len(raw) > limits.max_file_bytes:
        loaded.problems.append(
            Problem(
                VP_YAML,
                f"the file has {len(raw):,} bytes, more than the limit of "
                f"{limits.max_file_bytes:,}; split it into one file per document",
            )
        )
        return loaded
    text, problem = _decode(raw)
    if problem is not None or text is None:
        loaded.problems.append(problem or Problem(VP_YAML, "unreadable"))
        return loaded
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        loaded.problems.append(
            Problem(VP_YAML, "the file is empty: add a document or delete the file")
        )
        return loaded
    deep = _too_deep(text, limits)
    if deep is not None:
        loaded.problems.append(deep)
        return loaded
    composer = _Composer(text)
    try:
        index = 0
        while True:
            try:
                if not composer.check_node():
                    break
                node = composer.get_node()
            except yaml.YAMLError as exc:
                loaded.problems.append(_syntax_problem(exc, text))
                break
            except RecursionError:
                loaded.problems.append(
                    Problem(VP_YAML, "nesting too deep to read; this input is refused")
                )
                break
            if index >= limits.max_documents:
                loaded.problems.append(
                    Problem(
                        VP_YAML,
                        f"more than {limits.max_documents:,} documents in one file; "
                        "split the stream into several files",
                        node.start_mark.line + 1,
                        node.start_mark.column + 1,
                    )
                )
                break
            loaded.documents.append(_document(path, index, node, limits))
            index += 1
    finally:
        composer.dispose()
    return loaded


def _document(path: str, index: int, node: Node, limits: Limits) -> Document:
    line = node.start_mark.line + 1
    walker = _Walker(limits)
    try:
        data, root = walker.walk(node, [])
    except LoadError as exc:
        smap = sourcemap.SourceMap(sourcemap.Node(line, node.start_mark.column + 1))
        problem = Problem(VP_YAML, exc.message, exc.line, exc.column, exc.pointer)
        return Document(path, index, None, smap, line, [problem])
    except RecursionError:
        smap = sourcemap.SourceMap(sourcemap.Node(line, 1))
        problem = Problem(VP_YAML, "nesting too deep to read; this input is refused", line, 1)
        return Document(path, index, None, smap, line, [problem])
    doc = Document(path, index, data, sourcemap.SourceMap(root), line)
    doc.problems.extend(envelope_problems(doc))
    return doc


def envelope_problems(doc: Document) -> list[Problem]:
    """apiVersion/kind checks that decide which schema applies."""
    data = doc.data
    pos = doc.sourcemap.root
    if data is None:
        return [Problem(VP_YAML, "the document is empty (null)", pos.line, pos.column)]
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else f"the scalar {data!r}"
        return [
            Problem(
                VP_YAML,
                f"the document is {what}; a vendorpolicy document is a mapping with "
                "apiVersion, kind and metadata",
                pos.line,
                pos.column,
            )
        ]
    problems: list[Problem] = []
    api = data.get("apiVersion")
    if "apiVersion" not in data:
        problems.append(
            Problem(
                VP_SCHEMA,
                f"apiVersion is missing: add `apiVersion: {API_VERSION}` "
                "(is this file a vendorpolicy document?)",
                pos.line,
                pos.column,
            )
        )
    elif api != API_VERSION:
        at = doc.sourcemap.position(("apiVersion",))
        problems.append(
            Problem(
                VP_SCHEMA,
                f"unknown apiVersion {api!r}; this version of vendorpolicy reads {API_VERSION}",
                at.line,
                at.column,
                "/apiVersion",
            )
        )
    kind = data.get("kind")
    if "kind" not in data:
        problems.append(
            Problem(
                VP_SCHEMA,
                f"kind is missing: add `kind:` with one of {', '.join(KINDS)}",
                pos.line,
                pos.column,
            )
        )
    elif kind not in KINDS:
        at = doc.sourcemap.position(("kind",))
        problems.append(
            Problem(
                VP_SCHEMA,
                f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}",
                at.line,
                at.column,
                "/kind",
            )
        )
    return problems


def read_file(path: str, fs_path: str, limits: Limits = DEFAULT_LIMITS) -> LoadedFile:
    """Read and parse a file; an unreadable path becomes a problem, never an exception."""
    import os
    import stat

    try:
        st = os.stat(fs_path)
    except OSError as exc:
        return LoadedFile(path, "", problems=[Problem(VP_YAML, _os_message(exc))])
    if stat.S_ISDIR(st.st_mode):
        return LoadedFile(
            path, "", problems=[Problem(VP_YAML, "this is a directory, not a YAML file")]
        )
    if not stat.S_ISREG(st.st_mode):
        return LoadedFile(
            path,
            "",
            problems=[
                Problem(
                    VP_YAML,
                    "not a regular file (a FIFO, socket or device); give a YAML file instead",
                )
            ],
        )
    if st.st_size > limits.max_file_bytes:
        return LoadedFile(
            path,
            "",
            problems=[
                Problem(
                    VP_YAML,
                    f"the file has {st.st_size:,} bytes, more than the limit of "
                    f"{limits.max_file_bytes:,}; split it into one file per document",
                )
            ],
        )
    try:
        with open(fs_path, "rb") as fh:
            raw = fh.read(limits.max_file_bytes + 1)
    except OSError as exc:
        return LoadedFile(path, "", problems=[Problem(VP_YAML, _os_message(exc))])
    return load_bytes(path, raw, limits)


def _os_message(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if isinstance(exc, PermissionError):
        return f"cannot read the file ({reason}); check its permissions"
    if isinstance(exc, FileNotFoundError):
        return f"no such file ({reason})"
    return f"cannot read the file ({reason})"
