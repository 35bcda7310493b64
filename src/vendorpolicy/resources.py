"""Where the packaged data lives: the top-level `schemas/` and `policies/` directories.

In a wheel they are `vendorpolicy/_data/{schemas,policies}` (hatch force-include);
in a source checkout or editable install they are the repository's own directories.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def data_dir(name: str) -> Path:
    """The directory of packaged data `name` ("schemas" or "policies").

    The package is a plain directory (wheels are installed unpacked), so this module's
    own folder is the package folder: importlib.resources would cost ~2 ms of imports.
    """
    packaged = Path(__file__).parent / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"vendorpolicy's {name}/ directory is missing from the installation")


def display_path(path: Path | str, cwd: Path | None = None) -> str:
    """A path as reports show it: relative to the working directory, forward slashes."""
    p = Path(path)
    base = cwd or Path.cwd()
    try:
        rel = os.path.relpath(p if p.is_absolute() else base / p, base)
    except ValueError:  # pragma: no cover - other drive on Windows
        rel = str(p)
    if rel.startswith(".." + os.sep) or rel == "..":
        builtin = _builtin_name(p)
        return builtin or (p if p.is_absolute() else base / p).resolve().as_posix()
    return rel.replace(os.sep, "/")


def _builtin_name(p: Path) -> str | None:
    for name in ("policies", "schemas"):
        try:
            return f"<builtin>/{name}/" + p.resolve().relative_to(data_dir(name)).as_posix()
        except (ValueError, FileNotFoundError):
            continue
    return None
