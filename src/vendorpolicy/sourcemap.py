"""Positions kept beside the plain data: path -> (line, column), closest-ancestor fallback.

The loader records, for every node, where it starts and, for mapping entries, where the
key starts. A finding about a key points at the key; about a list item, at the item; about
a missing key, at the closest existing ancestor.
"""

from __future__ import annotations

from collections.abc import Iterator
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

    def node(self, path: PathKey) -> tuple[Node, int]:
        """The deepest existing node on `path` and how many path steps it matched."""
        node = self.root
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
        stack: list[tuple[PathKey, Node]] = [((), self.root)]
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
