"""Strict, safe YAML: bytes -> plain data + source map, bad input -> VP-YAML problems.

Why not `yaml.safe_load`: it reads YAML 1.1 (`NO` becomes False, `0o17` and `1_000`
become numbers, dates become `datetime.date`), silently keeps the last of duplicate keys
and loses positions. Here libyaml's C parser produces the event stream (fast, iterative:
no recursion however deep the input) and one loop over the events builds plain data and
the source map at once: it resolves YAML 1.2 core scalars, rejects duplicate keys,
non-string keys, merge keys and non-core tags, bounds alias expansion, depth and node
count, and records every position. There is no composer, so no node graph is built and
no recursion can overflow the C stack.

Limits (`Limits`, all generous for contracts): 8 MiB per file, 64 levels of nesting,
250,000 nodes per document, 100,000 nodes produced by aliases per file, 1,000 documents
per file, 1,000,000 characters per value, 100 digits per integer.
"""

from __future__ import annotations

import bisect
import errno
import hashlib
import math
import os
import re
import stat
from dataclasses import dataclass, field
from sys import intern
from typing import Any, NoReturn

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from vendorpolicy import sourcemap
from vendorpolicy.model import VP_SCHEMA, VP_YAML, describe_type

try:  # libyaml's C parser; the pure-Python one is several times slower
    from yaml._yaml import CParser as _Parser

    HAVE_LIBYAML = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.parser import Parser as _PyParser
    from yaml.reader import Reader as _PyReader
    from yaml.scanner import Scanner as _PyScanner

    class _Parser(_PyReader, _PyScanner, _PyParser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            _PyReader.__init__(self, stream)
            _PyScanner.__init__(self)
            _PyParser.__init__(self)

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
    max_alias_nodes: int = 100_000  # nodes produced by expanding aliases, per file


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


# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT_HEX = re.compile(r"0o[0-7]+\Z|0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z|\.(?:nan|NaN|NAN)\Z")
_NUMBER_START = frozenset("0123456789+-.")
# Spellings YAML 1.1 tools turn into booleans: worth a hint when a schema wants a string.
YAML11_BOOLEANS = frozenset(
    {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO"}
    | {"on", "On", "ON", "off", "Off", "OFF"}
)

_TAG = "tag:yaml.org,2002:"
_MERGE = _TAG + "merge"
_SCALAR_TAGS = {_TAG + t: t for t in ("str", "int", "float", "bool", "null")}
_SEQ_TAGS = frozenset({None, "!", _TAG + "seq"})
_MAP_TAGS = frozenset({None, "!", _TAG + "map"})
_NO_KEY = object()  # a mapping frame waiting for its next key


class LoadError(Exception):
    """Raised while building a document; becomes one VP-YAML problem on the document."""

    def __init__(
        self, message: str, mark: Any = None, pointer: str = "", fatal: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fatal = fatal  # the rest of the file cannot be read safely (pathological nesting)
        self.line = mark.line + 1 if mark is not None else 1
        self.column = mark.column + 1 if mark is not None else 1
        self.index = mark.index if mark is not None else 0  # characters from the start
        self.pointer = pointer


class _Bad(Exception):
    """A scalar that cannot be read; the caller adds the position."""


def _show_tag(tag: str) -> str:
    """A tag as messages show it; %-escapes in a tag can spell control characters (a
    terminal escape, a line break that forges a CI annotation), which are shown escaped."""
    shown = "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag
    return shown if shown.isprintable() else ascii(shown)


def _plain(value: str, limits: Limits) -> Any:
    """A plain (unquoted, untagged) scalar under the YAML 1.2 core schema, with the
    spellings YAML tools disagree on refused rather than guessed: `0o17` and `0x1F`
    (numbers in YAML 1.2, text or octal elsewhere), `012` (octal in YAML 1.1), `.inf` and
    `.nan`, and integers of more than `max_int_digits` digits."""
    if value in _NULLS:
        return None
    first = value[0]
    if first in "tTfF":
        return _BOOLS.get(value, value)
    if first not in _NUMBER_START:
        return value
    if _INT.match(value):
        digits = len(value) - (first in "+-")
        if digits > limits.max_int_digits:
            raise _Bad(
                f"an integer of {digits} digits is too long to be a contract value; "
                'quote it if it is an identifier ("...")'
            )
        if digits > 1 and value[-digits] == "0":
            raise _Bad(
                f"{value} has a leading zero, which YAML 1.1 tools read as an octal number; "
                f'write it without the zero, or quote it ("{value}") if it is an identifier'
            )
        return int(value)
    if _FLOAT.match(value):
        number = float(value)
        if math.isinf(number):
            raise _Bad(f"{value} is out of range for a number; quote it if it is text")
        return number
    if _OCT_HEX.match(value):
        raise _Bad(
            f"{value} is an octal or hexadecimal number, which vendorpolicy does not read "
            f'(tools disagree on it); write it in decimal, or quote it ("{value}") if it is text'
        )
    if _SPECIAL_FLOAT.match(value):
        raise _Bad(
            f"{value} (infinity or not-a-number) cannot be a contract value; "
            "write a finite number, or quote it if it is text"
        )
    return value


def _tagged(tag: str, value: str, limits: Limits) -> Any:
    """Explicit tags on scalars: `!` and the core ones (`!!str 012`); anything else is refused."""
    if tag == "!":  # the non-specific tag: a string (YAML 1.2 §6.9.1)
        return value
    short = _SCALAR_TAGS.get(tag)
    if short is None:
        raise _Bad(_tag_message(tag, "a value"))
    if short == "str":
        return value
    resolved = _plain(value, limits) if value else None
    if short == "float" and type(resolved) is int:
        return float(resolved)
    wanted = {"int": int, "float": float, "bool": bool, "null": type(None)}[short]
    if type(resolved) is not wanted:
        raise _Bad(f"{value!r} is not a valid !!{short}; remove the tag or fix the value")
    return resolved


def _tag_message(tag: str, what: str) -> str:
    if tag == _MERGE:
        return _MERGE_MESSAGE
    shown = _show_tag(tag)
    if shown.startswith("!!python/"):
        why = "Python object tags could run code"
    elif tag.startswith(_TAG):
        why = "vendorpolicy reads plain YAML 1.2 data only"
    else:
        why = "custom tags have no meaning for vendorpolicy"
    return f"the tag {shown} is not allowed on {what}: {why}; remove the tag"


_MERGE_MESSAGE = (
    "merge keys (<<) are a YAML 1.1 feature vendorpolicy does not read; write the keys out in full"
)


def _copy(value: Any) -> Any:
    """A fresh copy of plain data (the expansion of an alias); depth is already bounded."""
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy(v) for v in value]
    return value


class _Frame:
    """An open mapping or sequence while its events are read."""

    __slots__ = (
        "anchor",
        "children",
        "data",
        "height",
        "is_map",
        "key",
        "key_mark",
        "name",
        "pos",
        "start",
    )

    def __init__(
        self,
        is_map: bool,
        pos: sourcemap.Node | None,
        name: str | int | None,
        anchor: str | None,
        start: int,
    ) -> None:
        self.is_map = is_map
        self.data: Any = {} if is_map else []
        self.children: dict[str | int, sourcemap.Node] = {}
        self.pos = pos
        self.name = name
        self.anchor = anchor
        self.start = start
        self.height = 1
        self.key: Any = _NO_KEY
        self.key_mark: Any = None


class _Builder:
    """Builds one document at a time from the event stream: plain data + positions."""

    def __init__(
        self, get_event: Any, limits: Limits, positions: _Positions, track: bool = True
    ) -> None:
        self.get_event = get_event
        self.limits = limits
        self.positions = positions
        # track=False: positions of the root, metadata and metadata.id only (see read_file)
        self.track = track
        self.alias_nodes = 0  # per file: an alias bomb spread over documents is still bounded
        self.root_mark: Any = None
        self.stack: list[_Frame] = []

    def _pointer(self, leaf: bool) -> str:
        """JSON pointer of the node being read (leaf) or of the innermost open collection."""
        path: list[str | int] = [f.name for f in self.stack[1:]]  # type: ignore[misc]
        if leaf and self.stack:
            top = self.stack[-1]
            if top.is_map and top.key is not _NO_KEY:
                path.append(top.key)
            elif not top.is_map:
                path.append(len(top.data))
        return sourcemap.pointer(tuple(path))

    def _line(self, line: int, column: int) -> int:
        """The line an editor shows for a 1-based libyaml position (for messages)."""
        return self.positions.from_yaml(line, column)[0]

    def _fail(self, message: str, mark: Any, leaf: bool = True, fatal: bool = False) -> NoReturn:
        raise LoadError(message, mark, self._pointer(leaf), fatal)

    def document(self, start: Any) -> tuple[Any, sourcemap.Node]:
        """Read the events of one document, after its DocumentStartEvent, through its end.

        `start` is the mark of the DocumentStartEvent: where an empty document is.
        """
        limits = self.limits
        max_depth = limits.max_depth
        max_nodes = limits.max_nodes
        max_chars = limits.max_scalar_chars
        get_event = self.get_event
        stack = self.stack = []
        anchors: dict[str, tuple[Any, sourcemap.Node | None, int, int, Any]] = {}
        open_anchors: dict[str, Any] = {}  # name -> mark of a collection still being read
        node_cls = sourcemap.Node
        track = self.track
        nodes = 0
        root: tuple[Any, sourcemap.Node] | None = None
        self.root_mark = None
        while True:
            event = get_event()
            kind = type(event)
            mark = event.start_mark
            top = stack[-1] if stack else None
            want_key = top is not None and top.is_map and top.key is _NO_KEY
            if kind is ScalarEvent:
                nodes += 1
                if nodes > max_nodes:
                    self._too_many(mark)
                value: Any = event.value
                if len(value) > max_chars:
                    self._fail(
                        f"a value of {len(value):,} characters exceeds the limit of "
                        f"{max_chars:,}; is this file really a contract?",
                        mark,
                    )
                tag = event.tag
                try:
                    if tag is None:
                        if event.implicit[0]:  # plain: resolve; quoted or block: a string
                            if want_key and value == "<<":
                                self._fail(_MERGE_MESSAGE, mark)
                            value = _plain(value, limits)
                    elif want_key and tag == _MERGE:
                        self._fail(_MERGE_MESSAGE, mark)
                    else:
                        value = _tagged(tag, value, limits)
                except _Bad as exc:
                    self._fail(str(exc), mark)
                if type(value) is str and len(value) <= 40:
                    # keys and short codes repeat across thousands of documents: share them
                    value = intern(value)
                if event.anchor is not None:
                    self._anchor(anchors, open_anchors, event.anchor, mark)
                    anchors[event.anchor] = (
                        value,
                        node_cls(mark.line + 1, mark.column + 1),
                        1,
                        0,
                        mark,
                    )
                if want_key:
                    if type(value) is not str:
                        text = event.value
                        self._fail(
                            f"the key {text!r} is read as {_type_name(value)}, not text; "
                            f'quote it ("{text}") if it is meant as a name'
                            if text
                            else "a mapping key is empty (null); write the key's name",
                            mark,
                            leaf=False,
                        )
                    self._key(top, value, mark)  # type: ignore[arg-type]
                    continue
                if top is None:
                    if value is None and not event.value:  # an empty document: at its start
                        mark = start
                    self.root_mark = mark
                    root = value, node_cls(mark.line + 1, mark.column + 1)
                    continue
                if top.is_map:
                    if track or (top.key == "id" and top.name == "metadata" and len(stack) == 2):
                        km = top.key_mark
                        top.children[top.key] = node_cls(
                            mark.line + 1, mark.column + 1, None, km.line + 1, km.column + 1
                        )
                    top.data[top.key] = value
                    top.key = _NO_KEY
                else:
                    if track:
                        top.children[len(top.data)] = node_cls(mark.line + 1, mark.column + 1)
                    top.data.append(value)
                continue
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                is_map = kind is MappingStartEvent
                if want_key:
                    self._fail(
                        "a mapping key must be plain text, not a list or mapping; "
                        "write the key as a string",
                        mark,
                        leaf=False,
                    )
                nodes += 1
                if len(stack) >= max_depth:
                    self._fail(
                        f"nesting deeper than {max_depth} levels; contracts are a few "
                        "levels deep, so this input is refused",
                        mark,
                        fatal=True,
                    )
                if nodes > max_nodes:
                    self._too_many(mark)
                tag = event.tag
                if tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
                    self._fail(_tag_message(tag, "a mapping" if is_map else "a list"), mark)
                pos: sourcemap.Node | None
                if top is None:
                    self.root_mark = mark
                    pos = node_cls(mark.line + 1, mark.column + 1)
                    name: str | int | None = None
                elif top.is_map:
                    name = top.key
                    if track or (name == "metadata" and len(stack) == 1):
                        km = top.key_mark
                        pos = node_cls(
                            mark.line + 1, mark.column + 1, None, km.line + 1, km.column + 1
                        )
                    else:
                        pos = None
                else:
                    name = len(top.data)
                    pos = node_cls(mark.line + 1, mark.column + 1) if track else None
                anchor = event.anchor
                if anchor is not None:
                    self._anchor(anchors, open_anchors, anchor, mark)
                    open_anchors[anchor] = mark
                frame = _Frame(is_map, pos, name, anchor, nodes)
                if pos is not None:
                    pos.children = frame.children
                stack.append(frame)
                continue
            if kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                top = stack[-1] if stack else None
                value, pos = frame.data, frame.pos
                if frame.anchor is not None:
                    anchors[frame.anchor] = (
                        value,
                        pos,
                        nodes - frame.start + 1,
                        frame.height,
                        open_anchors.pop(frame.anchor),
                    )
                height = frame.height
            elif kind is AliasEvent:
                name_ = event.anchor
                entry = anchors.get(name_)
                if entry is None:
                    if name_ in open_anchors:
                        at = open_anchors[name_]
                        self._fail(
                            f"the alias *{name_} is inside its own anchor &{name_} (line "
                            f"{self._line(at.line + 1, at.column + 1)}): a recursive alias "
                            "cannot be expanded; "
                            "remove it",
                            mark,
                        )
                    self._fail(
                        f"the alias *{name_} refers to no anchor; define &{name_} before using it",
                        mark,
                    )
                value, apos, size, height, _ = entry
                if want_key and type(value) is not str:
                    self._fail(
                        f"the alias *{name_} used as a key is not text; keys must be strings",
                        mark,
                        leaf=False,
                    )
                nodes += size
                self.alias_nodes += size
                if height:
                    if len(stack) + height > max_depth:
                        self._fail(
                            f"the alias *{name_} nests deeper than {max_depth} levels; "
                            "this input is refused",
                            mark,
                        )
                    if self.alias_nodes > limits.max_alias_nodes:
                        self._fail(
                            f"aliases in this file expand to more than "
                            f"{limits.max_alias_nodes:,} nodes (an alias bomb?); write the "
                            "data out or use fewer aliases",
                            mark,
                        )
                    if nodes > max_nodes:
                        self._too_many(mark)
                    value = _copy(value)
                if want_key:
                    self._key(top, value, mark)  # type: ignore[arg-type]
                    continue
                copied = apos.children if apos is not None else None
                if top is not None and top.is_map:
                    km = top.key_mark
                    pos = node_cls(
                        mark.line + 1, mark.column + 1, copied, km.line + 1, km.column + 1
                    )
                else:
                    pos = node_cls(mark.line + 1, mark.column + 1, copied)
                if top is None:
                    self.root_mark = mark
            elif kind is DocumentEndEvent:
                assert root is not None
                return root
            else:  # pragma: no cover - the parser emits nothing else inside a document
                self._fail(f"unexpected YAML event {kind.__name__}", mark)
            # a collection or an alias is complete: attach it to its parent
            if top is None:
                assert pos is not None  # the root's position is always kept
                root = value, pos
            elif top.is_map:
                top.data[top.key] = value
                if pos is not None:  # (untracked: only metadata's, and aliases')
                    top.children[top.key] = pos
                top.key = _NO_KEY
                if height >= top.height:
                    top.height = height + 1
            else:
                if pos is not None and track:
                    top.children[len(top.data)] = pos
                top.data.append(value)
                if height >= top.height:
                    top.height = height + 1

    def _key(self, top: _Frame, key: str, mark: Any) -> None:
        if key in top.data:
            first = top.children.get(key)  # (not kept when reading without every position)
            where = (
                f" (first defined on line {self._line(first.key_line, first.key_column)})"
                if first is not None
                else ""
            )
            top.key = key
            self._fail(
                f"duplicate key {key!r}{where}; YAML keeps only one of them, so remove or "
                "rename one",
                mark,
            )
        top.key = key
        top.key_mark = mark

    def _anchor(
        self, anchors: dict[str, Any], open_anchors: dict[str, Any], name: str, mark: Any
    ) -> None:
        if name in anchors or name in open_anchors:
            at = anchors[name][4] if name in anchors else open_anchors[name]
            self._fail(
                f"the anchor &{name} is defined twice (first on line "
                f"{self._line(at.line + 1, at.column + 1)}); "
                "give each anchor its own name",
                mark,
            )

    def _too_many(self, mark: Any) -> NoReturn:
        self._fail(
            f"the document has more than {self.limits.max_nodes:,} values "
            "(a generated file or an alias bomb?); split it or remove repeated aliases",
            mark,
            fatal=True,
        )

    def skip_document(self) -> bool:
        """After a problem: read the rest of the document's events (syntax is still checked).

        False when the rest nests too deep to read: libyaml's scanner slows down
        quadratically with flow nesting, so reading stops there.
        """
        get_event = self.get_event
        depth = len(self.stack)
        limit = self.limits.max_depth
        while True:
            kind = type(get_event())
            if kind is DocumentEndEvent:
                return True
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                depth += 1
                if depth > limit:
                    return False
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                depth -= 1


_type_name = describe_type


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset; LF, CRLF and CR end lines."""
    head = raw[:offset]
    line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
    start = max(head.rfind(b"\n"), head.rfind(b"\r")) + 1
    return line, len(head[start:].decode("utf-8", "replace")) + 1


def _decode(raw: bytes) -> tuple[str | None, Problem | None]:
    """Bytes -> text. UTF-8 (BOM allowed) only; anything else is a located problem."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, Problem(
            VP_YAML,
            "the file is UTF-16 (or UTF-32) encoded; save it as UTF-8 "
            "(vendorpolicy reads UTF-8 only)",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(raw, nul)
        return None, Problem(
            VP_YAML,
            "the file contains NUL bytes: it is binary, or UTF-16/UTF-32 text without a "
            "byte order mark; save it as UTF-8 YAML",
            line,
            col,
        )
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw, exc.start)
        return None, Problem(
            VP_YAML,
            f"invalid UTF-8 byte 0x{raw[exc.start]:02x}; the file is not UTF-8 text "
            "(Latin-1 or Windows-1252?): save it as UTF-8",
            line,
            col,
        )


_IMPLICIT_KEY_MAX = 1024  # YAML: an implicit (plain `key:`) key is at most 1024 characters


_EDITOR_BREAK = re.compile(r"\r\n|[\r\n]")
_YAML11_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
_ODD_BREAKS = ("\x85", "\u2028", "\u2029")


class _Positions:
    """Where things are, as editors, SARIF viewers and users count: lines end at LF, CR or
    CRLF only, and a position past the last character stays on the last line.

    libyaml (YAML 1.1) also ends lines at NEL, LS and PS (U+0085, U+2028, U+2029) and puts
    the end of a stream without a final line break on a line of its own. Node positions
    are converted only for the rare text holding NEL, LS or PS (`odd`); problem positions
    are computed from the character offset, with line starts found once per file.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.odd = any(c in text for c in _ODD_BREAKS)
        self._editor: list[int] | None = None
        self._yaml: list[int] | None = None

    @property
    def editor_starts(self) -> list[int]:
        if self._editor is None:
            self._editor = [0, *(m.end() for m in _EDITOR_BREAK.finditer(self.text))]
        return self._editor

    def at(self, index: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        starts = self.editor_starts
        index = max(0, min(index, len(self.text)))
        line = bisect.bisect_right(starts, index)
        return line, index - starts[line - 1] + 1

    def of(self, mark: Any) -> tuple[int, int]:
        return self.at(mark.index)

    def from_yaml(self, line: int, column: int) -> tuple[int, int]:
        """A 1-based libyaml line and column -> the editor's."""
        if not self.odd:
            return line, column
        if self._yaml is None:
            self._yaml = [0, *(m.end() for m in _YAML11_BREAK.finditer(self.text))]
        if not 1 <= line <= len(self._yaml):
            return line, column
        return self.at(self._yaml[line - 1] + column - 1)

    def clamp_end(self, root: sourcemap.Node, end: Any) -> None:
        """Without a final line break, libyaml puts the end of the stream (where an empty
        last value sits) on a line of its own; move such nodes to the end of the last line.
        Only the last nodes of the last document can be there: one walk down its last items.
        """
        if end.column != 0 or not self.text or self.text[-1] in "\r\n\x85\u2028\u2029":
            return
        virtual = end.line + 1
        where = self.at(len(self.text))
        node: sourcemap.Node | None = root
        while node is not None:
            if node.line == virtual:
                node.line, node.column = where
            if node.key_line == virtual:
                node.key_line, node.key_column = where
            node = next(reversed(node.children.values())) if node.children else None

    def remap(self, root: sourcemap.Node) -> None:
        """Convert every node of a position tree once (alias copies share nodes)."""
        if not self.odd:
            return
        seen: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            node.line, node.column = self.from_yaml(node.line, node.column)
            if node.key_line:
                node.key_line, node.key_column = self.from_yaml(node.key_line, node.key_column)
            if node.children:
                stack.extend(node.children.values())


def _syntax_problem(exc: yaml.YAMLError, text: str, positions: _Positions) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
        raw = text.encode("utf-8")
        line, col = _line_col(raw, min(exc.position, len(raw)))
        char = exc.character
        code = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        return Problem(
            VP_YAML,
            f"the file contains the control character {code}, which YAML does not allow; remove it",
            line,
            col,
        )
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    line = mark.line + 1 if mark is not None else 1
    column = mark.column + 1 if mark is not None else 1
    hint = ""
    if mark is not None:
        lines = text.splitlines()
        if 0 <= mark.line < len(lines):
            src = lines[mark.line]
            head = src[: max(mark.column, 0) + 1]
            if "\t" in head or src[:1] == "\t":
                hint = "; tab characters cannot indent YAML: use spaces"
            elif len(src[: mark.column].strip()) > _IMPLICIT_KEY_MAX:
                hint = (
                    f"; a key longer than {_IMPLICIT_KEY_MAX} characters is not allowed "
                    "in YAML: shorten it"
                )
    context = getattr(exc, "context", None)
    detail = f"{context}: {problem}" if context and "while" not in context else problem
    if mark is not None:
        line, column = positions.of(mark)
    return Problem(VP_YAML, f"YAML syntax error: {detail}{hint}", line, column)


def load_bytes(
    path: str, raw: bytes, limits: Limits = DEFAULT_LIMITS, every_position: bool = True
) -> LoadedFile:
    """Parse one file's bytes. Never raises for bad input: problems are values.

    `every_position=False` keeps the positions of each document's root, `metadata` and
    `metadata.id` only (a large run does not keep the others: see runner.load_source),
    and the data, problems and their positions are the same."""
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
    parser = _Parser(text)
    positions = _Positions(text)
    builder = _Builder(parser.get_event, limits, positions, every_position)
    try:
        _read_stream(path, text, parser, builder, limits, loaded, positions)
    finally:
        parser.dispose()
    if not loaded.documents and not loaded.problems:
        loaded.problems.append(
            Problem(VP_YAML, "the file is empty: add a document or delete the file")
        )
    return loaded


def _read_stream(
    path: str,
    text: str,
    parser: Any,
    builder: _Builder,
    limits: Limits,
    loaded: LoadedFile,
    positions: _Positions,
) -> None:
    get_event = parser.get_event
    try:
        get_event()  # StreamStartEvent
        index = 0
        while True:
            event = get_event()
            if type(event) is StreamEndEvent:
                if loaded.documents and loaded.documents[-1].data is not None:
                    positions.clamp_end(loaded.documents[-1].sourcemap.root, event.start_mark)
                return
            if index >= limits.max_documents:  # a DocumentStartEvent
                line, column = positions.of(event.start_mark)
                loaded.problems.append(
                    Problem(
                        VP_YAML,
                        f"more than {limits.max_documents:,} documents in one file; "
                        "split the stream into several files",
                        line,
                        column,
                    )
                )
                return
            start = event.start_mark
            try:
                data, root = builder.document(start)
            except LoadError as exc:
                at = builder.root_mark or start
                root = sourcemap.Node(*positions.of(at))
                line, column = positions.at(exc.index)
                problem = Problem(VP_YAML, exc.message, line, column, exc.pointer)
                loaded.documents.append(
                    Document(path, index, None, sourcemap.SourceMap(root), root.line, [problem])
                )
                index += 1
                if exc.fatal or not builder.skip_document():
                    _stopped(text, line, loaded)
                    return
                continue
            positions.remap(root)
            doc = Document(path, index, data, sourcemap.SourceMap(root), root.line)
            doc.problems.extend(envelope_problems(doc))
            loaded.documents.append(doc)
            index += 1
    except yaml.YAMLError as exc:
        loaded.problems.append(_syntax_problem(exc, text, positions))


_DOCUMENT_START = re.compile(r"^---(?=[ \t\r\n]|\Z)", re.M)


def _stopped(text: str, line: int, loaded: LoadedFile) -> None:
    """Reading stopped inside a document: say so if the file has documents after it."""
    for match in _DOCUMENT_START.finditer(text):
        later = len(_EDITOR_BREAK.findall(text, 0, match.start())) + 1
        if later > line:
            loaded.problems.append(
                Problem(
                    VP_YAML,
                    f"reading stopped at line {line} because of the problem there; the "
                    f"documents from line {later} on were not checked: fix it first",
                    later,
                    1,
                )
            )
            return


def envelope_problems(doc: Document) -> list[Problem]:
    """apiVersion/kind checks that decide which schema applies."""
    data = doc.data
    pos = doc.sourcemap.root
    if data is None:
        return [
            Problem(
                VP_YAML,
                "the document is empty (null): add apiVersion, kind and metadata, "
                "or remove the stray `---`",
                pos.line,
                pos.column,
            )
        ]
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


_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def read_file(
    path: str, fs_path: str, limits: Limits = DEFAULT_LIMITS, every_position: bool = True
) -> LoadedFile:
    """Read and parse a file; an unreadable path becomes a problem, never an exception."""
    raw = read_bytes(fs_path, limits)
    if isinstance(raw, Problem):
        return LoadedFile(path, "", problems=[raw])
    return load_bytes(path, raw, limits, every_position)


def read_bytes(fs_path: str, limits: Limits = DEFAULT_LIMITS) -> bytes | Problem:
    """The bytes of a regular file, or the VP-YAML problem that stops reading it.

    The file is opened first and then inspected (fstat), so what is read is what was
    checked: a FIFO or device is refused without blocking or reading from it.
    """
    try:
        fd = os.open(fs_path, _OPEN_FLAGS)
    except OSError as exc:
        return Problem(VP_YAML, _os_message(exc, fs_path))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            return Problem(
                VP_YAML,
                "a directory without any YAML file (*.yaml, *.yml) below it: check the path "
                "(hidden and excluded files are skipped)",
            )
        if not stat.S_ISREG(st.st_mode):
            return Problem(
                VP_YAML,
                "not a regular file (a FIFO, socket or device); vendorpolicy does not read "
                "from it: give a YAML file instead",
            )
        if st.st_size > limits.max_file_bytes:
            return Problem(
                VP_YAML,
                f"the file has {st.st_size:,} bytes, more than the limit of "
                f"{limits.max_file_bytes:,}; split it into one file per document",
            )
        chunks: list[bytes] = []
        want = limits.max_file_bytes + 1  # one byte more reveals a file that grew
        while want > 0:
            chunk = os.read(fd, min(want, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            want -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        return Problem(VP_YAML, _os_message(exc, fs_path))
    finally:
        os.close(fd)


def _os_message(exc: OSError, fs_path: str = "") -> str:
    reason = exc.strerror or str(exc)
    if isinstance(exc, PermissionError):
        return f"cannot read the file ({reason}); check its permissions"
    if isinstance(exc, FileNotFoundError):
        if fs_path and os.path.islink(fs_path):
            return f"the file is a broken symbolic link ({reason}); fix the link or remove it"
        return f"no such file ({reason}); check the path"
    if exc.errno == errno.ELOOP:
        return f"cannot read the file ({reason}): a symbolic link loop; fix the links"
    if exc.errno == errno.ENXIO:
        return f"cannot read the file ({reason}): a socket or device is not a YAML file"
    return f"cannot read the file ({reason})"
