"""The built-in policy pack, pre-parsed: what reading it costs is paid once, at build time.

Parsing the pack's YAML, schema-checking it and parsing its ~500 JMESPath expressions
takes longer than the rest of a one-file check. `policypack.marshal` (made by
`make policypack`, see packbuild.py) holds the outcome of that work and nothing else:

* per policy file, keyed by the sha256 of its bytes: the documents' data and positions,
  which passed every check a policy file gets (a file whose digest is not there is parsed
  and checked as usual, so errors in a user's policies keep their file:line);
* per expression text: its jmespath parse tree.

Parameters and closures are not stored: rules are compiled at every run with the
parameters in effect, so --param, config `params:` and --policies behave as without the
pack. The whole artefact is ignored unless it was made by this vendorpolicy version, with
the same JSON Schemas and the same jmespath parser code. Nothing is written at run time.
"""

from __future__ import annotations

import hashlib
import marshal
from dataclasses import dataclass
from functools import cache
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any

from vendorpolicy import __version__, loader, resources
from vendorpolicy.expr import Tree
from vendorpolicy.model import PathKey, Position
from vendorpolicy.sourcemap import Node, SourceMap

ARTEFACT = Path(__file__).with_name("policypack.marshal")
FORMAT = 1  # bump when the layout below changes

# A position tree as plain data: (line, column, key_line, key_column, children or None).
PackedNode = tuple[int, int, int, int, "dict[str | int, PackedNode] | None"]
PackedDocument = tuple[int, int, Any, PackedNode]  # (index, line, data, positions)


def stamp() -> tuple[Any, ...]:
    """What the stored work depends on besides the policy files themselves: the format,
    vendorpolicy's version, the JSON Schemas policies are checked against and the jmespath
    code that makes parse trees."""
    schemas = sorted(resources.data_dir("schemas").glob("*.json"))
    return (FORMAT, __version__, _digest(schemas), _digest(_jmespath_parser()))


def _jmespath_parser() -> list[Path]:
    """jmespath's lexer, parser and AST modules, found without importing jmespath: with a
    fresh pack a check never needs jmespath, and importing it costs ~2 ms."""
    spec = PathFinder.find_spec("jmespath")
    folders = spec.submodule_search_locations if spec is not None else None
    if not folders:
        return []
    return [Path(folders[0]) / name for name in ("ast.py", "lexer.py", "parser.py")]


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        try:
            content = p.read_bytes()
        except OSError:
            content = b"\0missing"
        h.update(p.name.encode() + b"\0" + content + b"\0")
    return h.hexdigest()


@dataclass
class Pack:
    """One load's copy of the artefact (its data is not shared between loads)."""

    files: dict[str, list[PackedDocument]]  # sha256 of the file -> its documents
    trees: dict[str, Tree]  # expression text -> jmespath parse tree

    def file(self, display: str, raw: bytes) -> loader.LoadedFile | None:
        """The policy file whose bytes are `raw`, as read and validated, or None when the
        pack does not hold these exact bytes."""
        digest = hashlib.sha256(raw).hexdigest()
        docs = self.files.get(digest)
        if docs is None:
            return None
        return loader.LoadedFile(
            display,
            digest,
            [
                loader.Document(display, index, data, PackedSourceMap(node), line)
                for index, line, data, node in docs
            ],
        )


def load(path: Path | None = None) -> Pack | None:
    """A fresh Pack from the artefact, or None when it is missing, unreadable or stale."""
    body = _fresh_body(path or ARTEFACT)
    return Pack(*unpack_body(body)) if body is not None else None


@cache
def _fresh_body(path: Path) -> bytes | None:
    try:
        head, body = unpack(path.read_bytes())
    except (OSError, ValueError):
        return None
    return body if head == stamp() else None


def dumps(files: dict[str, list[PackedDocument]], trees: dict[str, Tree]) -> bytes:
    """The artefact's bytes: the stamp, then the body (unmarshalled only when it is fresh)."""
    return marshal.dumps((stamp(), marshal.dumps((files, trees))))


# The artefact is vendorpolicy's own file, installed beside its code and trusted like it.


def unpack(artefact: bytes) -> tuple[Any, bytes]:
    """(stamp, body) of an artefact; ValueError when the bytes are not one."""
    try:
        head, body = marshal.loads(artefact)  # noqa: S302 - see above
    except (EOFError, ValueError, TypeError):
        raise ValueError("not a policy pack") from None
    if not isinstance(body, bytes):
        raise ValueError("not a policy pack")
    return head, body


def unpack_body(body: bytes) -> tuple[dict[str, list[PackedDocument]], dict[str, Tree]]:
    files, trees = marshal.loads(body)  # noqa: S302 - see above
    return files, trees


def pack_node(node: Node) -> PackedNode:
    children = node.children
    packed = None if children is None else {k: pack_node(c) for k, c in children.items()}
    return (node.line, node.column, node.key_line, node.key_column, packed)


class PackedSourceMap(SourceMap):
    """A source map answering positions from the packed tree: compiling a policy asks for
    ~700 positions of ~2,000 nodes, so the Node tree is built only if something walks it."""

    def __init__(self, packed: PackedNode) -> None:
        line, column, key_line, key_column, _ = packed
        super().__init__(Node(line, column, None, key_line, key_column))
        self._packed = packed
        self._tree: Node | None = None

    @property
    def tree(self) -> Node:
        if self._tree is None:
            self._tree = unpack_node(self._packed)
        return self._tree

    def position(self, path: PathKey) -> Position:
        packed = self._packed
        for step in path:
            children = packed[4]
            if children is None or step not in children:
                break
            packed = children[step]
        line, column, key_line, key_column, _ = packed
        return Position(key_line, key_column) if key_line else Position(line, column)


def unpack_node(packed: PackedNode) -> Node:
    line, column, key_line, key_column, children = packed
    nodes = None if children is None else {k: unpack_node(c) for k, c in children.items()}
    return Node(line, column, nodes, key_line, key_column)
