"""Positions kept beside the plain data: path -> (line, column), closest-ancestor fallback.

The loader records, for every node, where it starts and, for mapping entries, where the
key starts. A finding about a key points at the key; about a list item, at the item; about
a missing key, at the closest existing ancestor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from vendorpolicy.model import PathKey, Position


@dataclass(slots=True)
class Node:
    """Position of one node and of its children (keys of a mapping or items of a list)."""

    line: int
    column: int
    children: dict[str | int, Node] | None = None
    key_line: int = 0  # where the mapping key of this node starts (0: not a mapping value)
    key_column: int = 0

    @property
    def position(self) -> Position:
        if self.key_line:
            return Position(self.key_line, self.key_column)
        return Position(self.line, self.column)


@dataclass
class SourceMap:
    """The position tree of one YAML document."""

    root: Node = field(default_factory=lambda: Node(1, 1))

    @property
    def tree(self) -> Node:
        """The full position tree (a lazy source map reads it on demand)."""
        return self.root

    def node(self, path: PathKey) -> tuple[Node, int]:
        """The deepest existing node on `path` and how many path steps it matched."""
        node = self.tree
        depth = 0
        for step in path:
            children = node.children
            if children is None or step not in children:
                break
            node = children[step]
            depth += 1
        return node, depth

    def position(self, path: PathKey) -> Position:
        """Position of `path`, or of its closest existing ancestor when it is missing."""
        return self.node(path)[0].position

    def exists(self, path: PathKey) -> bool:
        return self.node(path)[1] == len(path)

    def walk(self) -> Iterator[tuple[PathKey, Node]]:
        """Every node with its path, depth first in document order."""
        stack: list[tuple[PathKey, Node]] = [((), self.tree)]
        while stack:
            path, node = stack.pop()
            yield path, node
            if node.children:
                stack.extend(
                    ((*path, k), child) for k, child in reversed(list(node.children.items()))
                )


@lru_cache(maxsize=65536)
def pointer(path: PathKey) -> str:
    """RFC 6901 JSON pointer of a path ("" for the document itself); paths repeat across
    documents of the same shape, so the text is cached."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def parse_pointer(text: str) -> tuple[str, ...]:
    """The reference tokens of a JSON pointer (integers stay strings)."""
    if not text or text == "/":
        return ()
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in text.lstrip("/").split("/"))


def dotted(path: PathKey) -> str:
    """A human path: data.storage_countries[2]."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + p
    return out


def parse_dotted(text: str) -> PathKey:
    """Inverse of :func:`dotted` for simple paths such as `services[0].id`."""
    out: list[str | int] = []
    for part in text.split("."):
        if not part:
            continue
        name, _, rest = part.partition("[")
        if name:
            out.append(name)
        while rest:
            idx, _, rest = rest.partition("]")
            out.append(int(idx) if idx.lstrip("-").isdigit() else idx)
            rest = rest.lstrip("[")
    return tuple(out)


def get_path(data: Any, path: PathKey) -> Any:
    """The value at `path` in plain data, or None."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or not -len(data) <= step < len(data):
                return None
            data = data[step]
        else:
            if not isinstance(data, dict) or step not in data:
                return None
            data = data[step]
    return data


class LazySourceMap(SourceMap):
    """A source map kept as a way to rebuild it: the document's start, plus a loader.

    Positions of every node of every document cost more memory than the data itself; a
    valid document rarely needs them (only its failures point inside it), so after
    validation the runner swaps the tree for this, and the file is parsed again the first
    time a position inside it is asked for. If the file changed meanwhile (its digest
    differs), positions fall back to the document's start.
    """

    def __init__(
        self,
        root: Node,
        rebuild: Callable[[], Node | None],
        known: dict[PathKey, Node] | None = None,
    ) -> None:
        super().__init__(Node(root.line, root.column, None, root.key_line, root.key_column))
        self._rebuild: Callable[[], Node | None] | None = rebuild
        self._tree: Node | None = None
        self._known = known or {}  # positions kept at hand (metadata.id for duplicates)

    def node(self, path: PathKey) -> tuple[Node, int]:
        if self._tree is None and path in self._known:
            return self._known[path], len(path)
        return super().node(path)

    @property
    def tree(self) -> Node:
        if self._tree is None:
            rebuilt = self._rebuild() if self._rebuild is not None else None
            self._rebuild = None
            self._tree = rebuilt or self.root
        return self._tree
