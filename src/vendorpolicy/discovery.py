"""PATH arguments -> a sorted list of YAML files to read.

Directories are searched recursively for *.yaml / *.yml, skipping hidden files and
directories and the exclude globs; symlinked directories are not followed (no loops).
A path that does not exist is kept, so the loader reports it like any bad file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vendorpolicy.resources import display_path

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, order=True)
class Source:
    """A file to read: how reports name it and where it is on disk."""

    display: str
    fs_path: str


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
    return _excluder(tuple(patterns)).match(path) is not None


def discover(
    paths: Iterable[str | Path],
    exclude: Sequence[str] = (),
    cwd: Path | None = None,
    report_empty: bool = True,
) -> list[Source]:
    """Files named by `paths` (files as given, directories searched), sorted, unique.

    A directory given on the command line that holds no YAML file is kept as a source so
    the loader reports it (a mistyped path must not pass); configured roots may be empty
    (`report_empty=False`: a new repository has no waivers yet)."""
    base = cwd or Path.cwd()
    found: dict[str, Source] = {}
    for raw in paths:
        p = Path(raw)
        full = p if p.is_absolute() else base / p
        if full.is_dir():
            before = len(found)
            for src in _walk(full, base, exclude):
                found.setdefault(src.display, src)
            if report_empty and len(found) == before:  # a mistyped path must not pass
                disp = display_path(full, base)
                found.setdefault(disp, Source(disp, str(full)))
        else:
            disp = display_path(full, base)
            if not excluded(disp, exclude):
                found.setdefault(disp, Source(disp, str(full)))
    return sorted(found.values())


def _walk(root: Path, base: Path, exclude: Sequence[str]) -> Iterable[Source]:
    """Directories depth first in sorted order, with os.scandir (no stat per file: the
    directory entry says what it is); symlinked directories are not followed (no loops)."""
    shown_top = display_path(root, base)
    prefix = "" if shown_top == "." else shown_top + "/"
    stack: list[tuple[str, str]] = [(str(root), prefix)]
    while stack:
        folder, shown = stack.pop()
        if exclude and shown and excluded(shown.rstrip("/"), exclude):
            continue
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs: list[tuple[str, str]] = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                subdirs.append((entry.path, shown + name + "/"))
            elif name.endswith(YAML_SUFFIXES):
                disp = shown + name
                if not (exclude and excluded(disp, exclude)):
                    yield Source(disp, entry.path)
        stack.extend(reversed(subdirs))
