"""PATH arguments -> a sorted list of YAML files to read.

Directories are searched recursively for *.yaml / *.yml, skipping hidden files and
directories and the exclude globs; symlinked directories are not followed (no loops).
A path that does not exist is kept, so the loader reports it like any bad file.

`walk` reads each directory through a `Lister` (by default `read_listing`, os.scandir);
`discover` walks through a `Walker` (by default `walk`). The context index passes its own
(cache.DirIndex), which answers from recorded walks and directory listings, so the
pre-commit hook does not read thousands of directories.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from itertools import compress, repeat
from pathlib import Path
from typing import NamedTuple

from vendorpolicy.resources import display_path

YAML_SUFFIXES = (".yaml", ".yml")


class Source(NamedTuple):
    """A file to read: how reports name it and where it is on disk.

    A tuple (ordered by display path, then file system path): the hook builds and sorts
    one per file of the repository, which a frozen dataclass makes several times dearer."""

    display: str
    fs_path: str


def make_sources(displays: Iterable[str], fs_paths: Iterable[str]) -> list[Source]:
    """Sources in bulk, built as Source._make builds them but without a Python call each
    (a walk of the repository makes one per file)."""
    return list(map(tuple.__new__, repeat(Source), zip(displays, fs_paths, strict=True)))


class Listing(NamedTuple):
    """What a walk takes from one directory: the names (sorted, hidden ones left out) of
    its real sub-directories and of its other entries ending in .yaml / .yml. Nothing
    else about the directory matters, which is what lets the index cache it."""

    subdirs: tuple[str, ...]
    files: tuple[str, ...]


Lister = Callable[[str], Listing | None]  # a directory's listing, None: cannot be read
Walker = Callable[[Path, Path, Sequence[str]], list[Source]]  # root, base, exclude -> files


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Gitignore-like globs: `**` crosses directories, `*` and `?` do not."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        out.append("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


@cache
def _excluder(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for all globs, matched at the start of the path or after any `/`."""
    alternatives = "|".join(f"(?:{_glob_regex(p).pattern})" for p in patterns)
    return re.compile(f"(?:^|.*/)(?:{alternatives})")


def excluded(path: str, patterns: Sequence[str]) -> bool:
    """Whether a forward-slash relative path matches any exclude glob (or one of its parents)."""
    if not patterns:
        return False
    return exclusion(tuple(patterns))(path)


@cache
def exclusion(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """`excluded` for one set of globs. A path that holds none of the globs' literal
    parts cannot match, and a substring test is much cheaper than the regex: a walk
    tests every file, and few are excluded."""
    if not patterns:
        return lambda path: False
    regex = _excluder(patterns)
    needles = tuple(_needle(p) for p in patterns)
    if not all(needles):  # a glob of wildcards only
        return lambda path: regex.match(path) is not None
    if len(needles) == 1:
        needle = needles[0]
        return lambda path: needle in path and regex.match(path) is not None
    return lambda path: any(map(path.__contains__, needles)) and regex.match(path) is not None


def _needle(pattern: str) -> str:
    """The longest run of literal characters of a glob (tokens as in _glob_regex)."""
    return max(re.split(r"\*\*/|\*\*|\*|\?", pattern), key=len)


def discover(
    paths: Iterable[str | Path],
    exclude: Sequence[str] = (),
    cwd: Path | None = None,
    report_empty: bool = True,
    walker: Walker | None = None,
) -> list[Source]:
    """Files named by `paths` (files as given, directories searched), sorted, unique.

    A directory given on the command line that holds no YAML file is kept as a source so
    the loader reports it (a mistyped path must not pass); configured roots may be empty
    (`report_empty=False`: a new repository has no waivers yet). `walker` searches the
    directories (default: `walk`)."""
    base = cwd or Path.cwd()
    found: dict[str, Source] = {}
    for raw in paths:
        p = Path(raw)
        full = p if p.is_absolute() else base / p
        if full.is_dir():
            before = len(found)
            walked = {s.display: s for s in (walker or walk)(full, base, exclude)}
            found = walked | found  # where a file was found first wins
            if report_empty and len(found) == before:  # a mistyped path must not pass
                disp = display_path(full, base)
                found.setdefault(disp, Source(disp, str(full)))
        else:
            disp = display_path(full, base)
            if not excluded(disp, exclude):
                found.setdefault(disp, Source(disp, str(full)))
    return sorted(found.values())


def read_listing(folder: str) -> Listing | None:
    """One directory as a walk sees it, with os.scandir (no stat per file: the directory
    entry says what it is). A symlink is never a sub-directory (not followed: no loops),
    so a symlink named *.yaml counts as a file. None when the directory cannot be read."""
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:
        return None
    subdirs: list[str] = []
    files: list[str] = []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            subdirs.append(name)
        elif name.endswith(YAML_SUFFIXES):
            files.append(name)
    return Listing(tuple(sorted(subdirs)), tuple(sorted(files)))


def walk_start(root: Path, base: Path) -> tuple[str, str]:
    """Where a walk of `root` starts: the directory's path and the display prefix of what
    it finds (every file found is `prefix + rel` and `os.path.join(path, rel)`)."""
    shown = display_path(root, base)
    return str(root), "" if shown == "." else shown + "/"


def walk(
    root: Path, base: Path, exclude: Sequence[str], lister: Lister = read_listing
) -> list[Source]:
    """Directories depth first in sorted order: a directory's files, then its
    sub-directories; excluded ones are not read. File system paths are joined as
    os.scandir joins them. Files are handled a directory at a time (the hook walks every
    file of the repository)."""
    top, prefix = walk_start(root, base)
    stack: list[tuple[str, str]] = [(top, prefix)]
    is_excluded = exclusion(tuple(exclude))
    out: list[Source] = []
    while stack:
        folder, shown = stack.pop()
        if exclude and shown and is_excluded(shown.rstrip("/")):
            continue
        listing = lister(folder)
        if listing is None:
            continue
        inside = os.path.join(folder, "")
        shown_files = list(map(shown.__add__, listing.files))
        fs_files = list(map(inside.__add__, listing.files))
        if exclude:
            keep = [not is_excluded(d) for d in shown_files]
            shown_files = list(compress(shown_files, keep))
            fs_files = list(compress(fs_files, keep))
        out.extend(make_sources(shown_files, fs_files))
        stack.extend([(inside + name, shown + name + "/") for name in reversed(listing.subdirs)])
    return out
