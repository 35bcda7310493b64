"""The context index: what cross-document rules need from every file, kept in SQLite.

The pre-commit hook checks one staged file but judges it against the whole repository
(bundles, portfolio, waivers, duplicate ids). Re-reading thousands of files on every
commit is what the index avoids: per file it keeps the stat signature and sha256, and per
content hash each document's kind, id, vendor, validity and context data (an attestation
or waiver in full, a contract's portfolio view). A changed stat means the file is read
again; a known hash (a rename, a revert) reuses the parsed entry.

Safety: WAL mode and a busy timeout let parallel pre-commit batches share it; every write
is one transaction; a corrupt or foreign file is deleted and rebuilt; the schema carries a
format version, the tool version and a digest of the packaged schemas, so an upgrade starts
afresh. Location: `$XDG_CACHE_HOME/vendorpolicy/` (else `~/.cache/vendorpolicy/`), one file
per repository root, outside the repository (so a read-only checkout works and nothing
needs to be git-ignored); `cache.path` in the config or `VENDORPOLICY_CACHE_DIR` moves it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vendorpolicy import __version__, resources
from vendorpolicy.context import portfolio_view

FORMAT = 3


@dataclass(frozen=True)
class Entry:
    """One document as cross-document context (valid or not: ids count for duplicates).

    `data` is the context data; an entry read from the index may instead carry it as
    JSON text in `raw`, decoded by `payload()` only when a rule needs it.
    """

    path: str
    index: int
    kind: str | None
    id: str | None
    vendor: str | None
    valid: bool
    id_line: int
    data: dict[str, Any] | None
    raw: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.path, self.index)

    @property
    def has_data(self) -> bool:
        return self.data is not None or self.raw is not None

    def payload(self) -> dict[str, Any]:
        if self.data is not None:
            return self.data
        value = json.loads(self.raw or "null")
        if not isinstance(value, dict):
            raise ValueError("context index entry holds no mapping")
        return value


def context_data(kind: str | None, data: Any) -> dict[str, Any] | None:
    """What other documents' rules may read of a document."""
    if not isinstance(data, dict):
        return None
    if kind == "Contract":
        return portfolio_view(data)
    if kind in ("Attestation", "Waiver"):
        return data
    return None


def default_location(root: Path, folder: Path | None = None) -> Path:
    """The index file of a repository root: in `folder` (config `cache.path`), else in
    $VENDORPOLICY_CACHE_DIR, else $XDG_CACHE_HOME/vendorpolicy or ~/.cache/vendorpolicy."""
    if folder is None:
        base = os.environ.get("VENDORPOLICY_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
        folder = Path(base) if base else Path.home() / ".cache"
        if not os.environ.get("VENDORPOLICY_CACHE_DIR"):
            folder = folder / "vendorpolicy"
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20]
    return folder / f"index-{digest}.sqlite"


def _schemas_digest() -> str:
    h = hashlib.sha256()
    for p in sorted(resources.data_dir("schemas").glob("*.json")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL,
    inode INTEGER NOT NULL, sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    sha256 TEXT NOT NULL, idx INTEGER NOT NULL, kind TEXT, id TEXT, vendor TEXT,
    valid INTEGER NOT NULL, id_line INTEGER NOT NULL, data TEXT,
    PRIMARY KEY (sha256, idx));
CREATE INDEX IF NOT EXISTS files_sha ON files(sha256);
"""


class ContextCache:
    """A connection to one repository's index (see the module docstring)."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self.conn: sqlite3.Connection | None = None
        self._open()

    # -- lifecycle ---------------------------------------------------------------------

    def _open(self) -> None:
        try:
            self.location.parent.mkdir(parents=True, exist_ok=True)
            self.conn = self._connect()
        except (sqlite3.DatabaseError, OSError):
            self._reset()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.location, timeout=30, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.executescript(_DDL)
        want = {"format": str(FORMAT), "tool": __version__, "schemas": _schemas_digest()}
        have = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if have != want:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM files")
            conn.execute("DELETE FROM docs")
            conn.execute("DELETE FROM meta")
            conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(want.items()))
            conn.execute("COMMIT")
        return conn

    def _reset(self) -> None:
        """A corrupt or foreign file: delete it and start again (or run without a cache)."""
        if self.conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self.conn.close()
        self.conn = None
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(str(self.location) + suffix).unlink()
        try:
            self.conn = self._connect()
        except (sqlite3.DatabaseError, OSError):
            self.conn = None  # no usable cache: the run goes on without one

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self.conn.close()
            self.conn = None

    @property
    def enabled(self) -> bool:
        return self.conn is not None

    # -- queries -----------------------------------------------------------------------

    def signatures(self) -> dict[str, tuple[int, int, int, str]]:
        """path -> (mtime_ns, size, inode, sha256) of every indexed file."""
        if self.conn is None:
            return {}
        try:
            rows = self.conn.execute("SELECT path, mtime_ns, size, inode, sha256 FROM files")
            return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}
        except sqlite3.DatabaseError:
            self._reset()
            return {}

    def snapshot(
        self,
    ) -> tuple[dict[str, tuple[int, int, int, str]], dict[str, list[Entry]]] | None:
        """Every indexed file's signature and entries, in one query (the hook's hot path);
        None when the cache is unusable."""
        if self.conn is None:
            return None
        sigs: dict[str, tuple[int, int, int, str]] = {}
        entries: dict[str, list[Entry]] = {}
        try:
            rows = self.conn.execute(
                "SELECT f.path, f.mtime_ns, f.size, f.inode, f.sha256, d.idx, d.kind, d.id, "
                "d.vendor, d.valid, d.id_line, d.data FROM files f JOIN docs d "
                "ON d.sha256 = f.sha256 ORDER BY f.path, d.idx"
            )
            for path, mtime, size, inode, sha, idx, kind, doc_id, vendor, valid, line, data in rows:
                sigs[path] = (mtime, size, inode, sha)
                entries.setdefault(path, []).append(
                    Entry(path, idx, kind, doc_id, vendor, bool(valid), line, None, data)
                )
            for path, mtime, size, inode, sha in self.conn.execute(
                "SELECT path, mtime_ns, size, inode, sha256 FROM files"
            ):
                sigs.setdefault(path, (mtime, size, inode, sha))
        except sqlite3.DatabaseError:
            self._reset()
            return None
        return sigs, entries

    def entries(self, items: Sequence[tuple[str, str]]) -> dict[str, list[Entry]] | None:
        """Cached entries for (path, sha256) pairs; None when the cache is unusable."""
        if self.conn is None:
            return None
        out: dict[str, list[Entry]] = {}
        by_sha: dict[str, list[str]] = {}
        for path, sha in items:
            by_sha.setdefault(sha, []).append(path)
        try:
            shas = list(by_sha)
            for start in range(0, len(shas), 500):
                chunk = shas[start : start + 500]
                marks = ",".join("?" * len(chunk))
                query = (
                    "SELECT sha256, idx, kind, id, vendor, valid, id_line, data FROM docs "
                    "WHERE sha256 IN (" + marks + ") ORDER BY sha256, idx"
                )
                rows = self.conn.execute(query, chunk)
                for sha, idx, kind, doc_id, vendor, valid, id_line, data in rows:
                    for path in by_sha[sha]:
                        out.setdefault(path, []).append(
                            Entry(path, idx, kind, doc_id, vendor, bool(valid), id_line, None, data)
                        )
        except (sqlite3.DatabaseError, ValueError):
            self._reset()
            return None
        return out

    def store(
        self,
        files: Sequence[tuple[str, tuple[int, int, int], str, list[Entry]]],
        present: set[str],
    ) -> None:
        """Record freshly read files and forget files no longer present, in one transaction."""
        if self.conn is None:
            return
        try:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            known = {r[0] for r in conn.execute("SELECT path FROM files")}
            gone = known - present
            conn.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in sorted(gone)])
            for path, (mtime_ns, size, inode), sha, entries in files:
                conn.execute(
                    "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                    (path, mtime_ns, size, inode, sha),
                )
                conn.execute("DELETE FROM docs WHERE sha256 = ?", (sha,))
                conn.executemany(
                    "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            sha,
                            e.index,
                            e.kind,
                            e.id,
                            e.vendor,
                            int(e.valid),
                            e.id_line,
                            json.dumps(e.data, separators=(",", ":"))
                            if e.data is not None
                            else None,
                        )
                        for e in entries
                    ],
                )
            conn.execute("DELETE FROM docs WHERE sha256 NOT IN (SELECT sha256 FROM files)")
            conn.execute("COMMIT")
        except sqlite3.DatabaseError:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            self._reset()


def stat_signature(fs_path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(fs_path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)
