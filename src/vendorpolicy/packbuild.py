"""Build (or check) policypack.marshal: `python -m vendorpolicy.packbuild [--check]`.

The pack is made by the normal path itself: each built-in policy file is read and
validated without the pack, and the rules are compiled once with the default parameters
so that every expression the pack holds is parsed. `--check` exits 1 when the artefact
on disk does not hold exactly what a build would (the test suite runs it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from vendorpolicy import policypack
from vendorpolicy.expr import Tree
from vendorpolicy.policy import (
    compile_policies,
    default_policy_dirs,
    policy_files,
    read_policy_file,
)


def build() -> bytes:
    """The artefact for the built-in policy directory as it is now."""
    loaded = [read_policy_file(p) for p in policy_files(default_policy_dirs())]
    trees: dict[str, Tree] = {}
    compile_policies(loaded, {}, (), trees)
    files = {
        f.sha256: [
            (d.index, d.line, d.data, policypack.pack_node(d.sourcemap.root)) for d in f.documents
        ]
        for f in loaded
    }
    return policypack.dumps(files, trees)


def content(artefact: bytes) -> str:
    """A canonical text of an artefact's content (marshal's bytes can differ for equal
    data, repr cannot: it tells 1 from True and 1.0, a tuple from a list, and keeps order)."""
    head, body = policypack.unpack(artefact)
    return repr((head, policypack.unpack_body(body)))


def is_fresh(path: Path = policypack.ARTEFACT) -> bool:
    try:
        return content(path.read_bytes()) == content(build())
    except (OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = policypack.ARTEFACT
    if args == ["--check"]:
        if is_fresh(path):
            print(f"{path.name} is up to date")
            return 0
        print(f"{path.name} is stale: run `make policypack`", file=sys.stderr)
        return 1
    if args:
        print("usage: python -m vendorpolicy.packbuild [--check]", file=sys.stderr)
        return 2
    data = build()
    path.write_bytes(data)
    files, trees = policypack.unpack_body(policypack.unpack(data)[1])
    print(f"wrote {path} ({len(data):,} bytes, {len(files)} files, {len(trees)} trees)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
