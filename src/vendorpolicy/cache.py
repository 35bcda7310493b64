"""The context index: what cross-document rules need from every file, kept in SQLite.

The pre-commit hook checks one staged file but judges it against the whole repository
(bundles, portfolio, waivers, duplicate ids). Re-reading thousands of files on every
commit is what the index avoids. A warm run costs one stat per context file and per
directory, and a few bulk decodes. The index keeps:

- a *manifest* of every context file: its stat signature (mtime, ctime, size, inode),
  its sha256, and its documents' kind, id, vendor, validity and id line, stored column by
  column (signatures packed in binary) so that a run decodes it in a few calls and builds
  its entries in bulk, and in parts by a hash of the path so that recording a file
  rewrites one small part. A file whose signature changed is read again.
- per content hash, each document's context data (an attestation or waiver in full, a
  contract's portfolio view), read only when a rule first asks for a document of its
  kind (`DocData`).
- per directory, its listing (sub-directories and YAML files) and signature (device,
  inode, mtime, ctime): adding, removing or renaming an entry changes the latter two.
  And per walked root, the directories the walk visited with their signatures and the
  files it found: while no signature changed, the walk's answer is the same (`DirIndex`).

Signatures are recorded only when the last change is more than RACY_NS old (git's "racily
clean" rule): a change made within the same timestamp tick as the recorded state could
otherwise go unseen. ctime is part of every signature because it cannot be set back
(`touch -d`, `tar` and `rsync -t` set mtime only).

Safety: WAL mode and a busy timeout let parallel pre-commit batches share it; every write
is one transaction that merges with what was written since the run's snapshot; document
data stays for DOC_GRACE_NS after the last manifest naming it changed, so a parallel
write cannot pull data from under a run. A lock held past the busy timeout means this run
goes on without the cache (the file is kept); a corrupt or foreign file is deleted and
rebuilt; the schema carries a format version, the tool version and a digest of the
packaged schemas, so an upgrade starts afresh. Location: `$XDG_CACHE_HOME/vendorpolicy/`
(else `~/.cache/vendorpolicy/`), one file per repository root, outside the repository (so
a read-only checkout works and nothing needs to be git-ignored); `cache.path` in the
config or `VENDORPOLICY_CACHE_DIR` moves it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import struct
import time
import weakref
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate, chain, compress, repeat, starmap
from operator import attrgetter, eq, not_
from pathlib import Path
from typing import Any, NamedTuple

from vendorpolicy import __version__, discovery, resources
from vendorpolicy.context import portfolio_view

FORMAT = 4
RACY_NS = 2_000_000_000  # a signature younger than this is not trusted (see above)
BUSY_TIMEOUT_S = 5.0  # then a run goes on without the cache rather than wait longer
BULK_AFTER = 32  # documents of one kind fetched one by one before all of them at once
PARTS = 64  # the manifest is stored in about as many parts (see Manifest)
KEPT_WALKS = 12  # recorded walks kept (see ContextCache.store_walks)
DOC_GRACE_NS = 3600 * 10**9  # how long unreferenced document data stays (see DocData)

Data = dict[str, Any]  # a document's context data
Signature = tuple[int, int, int, int]  # a file's mtime_ns, ctime_ns, size, inode
DirSignature = tuple[int, int, int, int]  # a directory's device, inode, mtime_ns, ctime_ns

_FILE_SIGNATURE = attrgetter("st_mtime_ns", "st_ctime_ns", "st_size", "st_ino")
_DIR_SIGNATURE = attrgetter("st_dev", "st_ino", "st_mtime_ns", "st_ctime_ns")
_FILE_PACKING = struct.Struct("<qqqQ")
_DIR_PACKING = struct.Struct("<QQqq")


@dataclass(slots=True)
class Entry:
    """One document as cross-document context (valid or not: ids count for duplicates).

    `data` is the context data. An entry read from the index leaves it there (`source`,
    found by `sha256` and `index`), or carries it as JSON text (`raw`): either way
    `payload()` decodes it only when a rule needs it. Not frozen, though never changed:
    the hook builds one per context document, and a frozen dataclass costs five times as
    much to build.
    """

    path: str
    index: int
    kind: str | None
    id: str | None
    vendor: str | None
    valid: bool
    id_line: int
    data: Data | None
    raw: str | None = None
    source: DocData | None = None
    sha256: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.path, self.index)

    @property
    def has_data(self) -> bool:
        return self.data is not None or self.raw is not None or self.source is not None

    def payload(self) -> Data:
        if self.data is not None:
            return self.data
        if self.source is not None:
            return self.source.payload(self)
        return _mapping(self.raw)


def _mapping(text: str | None) -> Data:
    value = json.loads(text or "null")
    if not isinstance(value, dict):
        raise ValueError("context index entry holds no mapping")
    return value


def context_data(kind: str | None, data: Any) -> Data | None:
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


@cache
def _schemas_digest() -> str:
    h = hashlib.sha256()
    for p in sorted(resources.data_dir("schemas").glob("*.json")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


# -- signatures ---------------------------------------------------------------------------


def clock() -> int:
    """The time signatures are judged against (a function so tests can move it)."""
    return time.time_ns()


def trusted(mtime_ns: int, ctime_ns: int, now: int) -> bool:
    """Whether a signature may be recorded: its last change is older than RACY_NS, so a
    later change cannot share its timestamps (even on file systems with coarse ones)."""
    return max(mtime_ns, ctime_ns) < now - RACY_NS


def stat_signature(fs_path: str) -> Signature | None:
    try:
        sig: Signature = _FILE_SIGNATURE(os.stat(fs_path))
    except OSError:
        return None
    return sig


def stat_signatures(fs_paths: Sequence[str]) -> list[Signature | None]:
    """Every path's signature (None: cannot be stat'ed). One stat per file is the floor of
    a warm hook run, so the loop runs in C unless a stat fails."""
    try:
        return list(map(_FILE_SIGNATURE, map(os.stat, _near(fs_paths))))
    except OSError:
        return [stat_signature(p) for p in _near(fs_paths)]


def _near(paths: Sequence[str], cwd: str | None = None) -> list[str]:
    """Paths under the working directory, made relative to it: the kernel then resolves a
    few components instead of a dozen, a sixth of each stat. They name the same files:
    os.getcwd() is the path of the directory that relative paths start from."""
    prefix = os.path.join(cwd or os.getcwd(), "")
    cut = len(prefix)
    return [(p[cut:] or ".") if p.startswith(prefix) else p for p in paths]


def _packable(packing: struct.Struct, sig: tuple[int, ...]) -> bool:
    try:
        packing.pack(*sig)
    except struct.error:
        return False
    return True


def _recordable(update: FileUpdate) -> bool:
    """Whether a file read can be recorded (its signature packs, its kinds are UTF-8)."""
    kinds = (e.kind for e in update.entries if e.kind is not None)
    return _packable(_FILE_PACKING, update.signature) and all(map(_storable, kinds))


def _storable(text: str) -> bool:
    """SQLite text is UTF-8: a file name that is not (surrogate escapes) is not cached."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


# -- the manifest -------------------------------------------------------------------------

DOC_FIELDS = ("index", "kind", "id", "vendor", "valid", "id_line", "has_data")


class FileUpdate(NamedTuple):
    """A file read in this run, to record: its index key, signature, content, entries."""

    key: str
    signature: Signature
    sha256: str
    entries: list[Entry]


@dataclass
class Manifest:
    """Every indexed file, column by column: file i is keys[i], with signature sigs[i],
    content shas[i] and counts[i] documents, whose fields (DOC_FIELDS) are the next
    counts[i] items of each column of `docs`, in key order (as sources come). It is
    stored in about PARTS parts of consecutive keys, so that recording a few files
    rewrites a few small parts (see `ContextCache.store`)."""

    keys: list[str] = field(default_factory=list)
    sigs: list[Signature] = field(default_factory=list)
    shas: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    docs: list[list[Any]] = field(default_factory=lambda: [[] for _ in DOC_FIELDS])

    @classmethod
    def decode(cls, body: str, sigs: bytes) -> Manifest:
        """The stored form; ValueError when it is not a well-formed manifest."""
        value = json.loads(body)
        if not isinstance(value, dict):
            raise ValueError("manifest is not a mapping")
        keys, shas, counts, docs = (_column(value, k) for k in ("keys", "shas", "counts", "docs"))
        try:
            signatures: list[Signature] = list(_FILE_PACKING.iter_unpack(sigs))
        except struct.error as exc:
            raise ValueError("manifest signatures are truncated") from exc
        n = len(keys)
        if len(signatures) != n or len(shas) != n or len(counts) != n:
            raise ValueError("manifest columns differ in length")
        if not set(map(type, counts)) <= {int} or min(counts, default=0) < 0:
            raise ValueError("manifest counts are not counts")
        total = sum(counts)
        if len(docs) != len(DOC_FIELDS) or not all(
            isinstance(column, list) and len(column) == total for column in docs
        ):
            raise ValueError("manifest document columns differ in length")
        return cls(keys, signatures, shas, counts, docs)

    def encode(self) -> tuple[str, bytes]:
        body = {"keys": self.keys, "shas": self.shas, "counts": self.counts, "docs": self.docs}
        return json.dumps(body, separators=(",", ":")), _pack(_FILE_PACKING, self.sigs)

    def without(self, drop: Collection[str]) -> Manifest:
        """The manifest less the files named in `drop` (columns filtered in C)."""
        keep = [k not in drop for k in self.keys]
        keep_docs = list(chain.from_iterable(map(repeat, keep, self.counts)))
        return Manifest(
            list(compress(self.keys, keep)),
            list(compress(self.sigs, keep)),
            list(compress(self.shas, keep)),
            list(compress(self.counts, keep)),
            [list(compress(column, keep_docs)) for column in self.docs],
        )

    def in_key_order(self) -> Manifest:
        order = sorted(range(len(self.keys)), key=self.keys.__getitem__)
        starts, ends = self.spans()
        docs = chain.from_iterable(map(range, _pick(starts, order), _pick(ends, order)))
        return self._picked(order, list(docs))

    def split(self) -> dict[str, Manifest]:
        """About PARTS parts of consecutive keys (of a manifest in key order), by the lower
        bound of their keys: the first part's is ""."""
        size = max(1, -(-len(self.keys) // PARTS))
        starts, ends = self.spans()
        out: dict[str, Manifest] = {}
        for lo in range(0, max(len(self.keys), 1), size):
            hi = min(lo + size, len(self.keys))
            files = range(lo, hi)
            docs = range(starts[lo], ends[hi - 1]) if hi > lo else range(0)
            out[self.keys[lo] if lo else ""] = self._picked(files, docs)
        return out

    def _picked(self, files: Sequence[int], docs: Sequence[int]) -> Manifest:
        return Manifest(
            _pick(self.keys, files),
            _pick(self.sigs, files),
            _pick(self.shas, files),
            _pick(self.counts, files),
            [_pick(column, docs) for column in self.docs],
        )

    @classmethod
    def joined(cls, parts: Iterable[Manifest]) -> Manifest:
        out = cls()
        for part in parts:
            out.keys += part.keys
            out.sigs += part.sigs
            out.shas += part.shas
            out.counts += part.counts
            for column, more in zip(out.docs, part.docs, strict=True):
                column += more
        return out

    def spans(self) -> tuple[list[int], list[int]]:
        """Where each file's documents start and end in the document columns."""
        ends = list(accumulate(self.counts))
        return [0, *ends[:-1]], ends

    def add(self, update: FileUpdate) -> None:
        self.keys.append(update.key)
        self.sigs.append(update.signature)
        self.shas.append(update.sha256)
        self.counts.append(len(update.entries))
        for e in update.entries:
            row = (e.index, e.kind, e.id, e.vendor, e.valid, e.id_line, e.data is not None)
            for column, value in zip(self.docs, row, strict=True):
                column.append(value)

    def entries(self, source: DocData, names: list[str]) -> list[Entry]:
        """Every file's entries, in manifest order, named `names[i]` for file i, built
        with map (one per context document: the hook's hot path); their data stays in the
        index for `source`."""
        index, kind, ids, vendor, valid, id_line, has_data = self.docs
        one_each = len(index) == len(self.keys) and 0 not in self.counts  # the usual case
        return list(
            map(
                Entry,
                names if one_each else self._per_doc(names),
                index,
                kind,
                ids,
                vendor,
                valid,
                id_line,
                repeat(None),
                repeat(None),
                [source if h else None for h in has_data],
                self.shas if one_each else self._per_doc(self.shas),
            )
        )

    def _per_doc(self, column: list[Any]) -> Iterator[Any]:
        """A per-file column repeated for each of the file's documents."""
        return chain.from_iterable(map(repeat, column, self.counts))


def _pick(items: list[Any], order: Iterable[int]) -> list[Any]:
    return list(map(items.__getitem__, order))


def _column(stored: dict[str, Any], name: str) -> list[Any]:
    column = stored.get(name)
    if not isinstance(column, list):
        raise ValueError(f"index lacks its {name} column")
    return column


def _pack(packing: struct.Struct, sigs: Sequence[tuple[int, ...]]) -> bytes:
    return b"".join(starmap(packing.pack, sigs))


def _parts(rows: Iterable[tuple[Any, ...]]) -> dict[str, Manifest]:
    """Stored parts of the manifest, by lower bound (JSON: any key is storable), in order."""
    decoded = {json.loads(first): Manifest.decode(body, sigs) for first, body, sigs in rows}
    if not all(isinstance(first, str) for first in decoded):
        raise ValueError("manifest part without a lower bound")
    return dict(sorted(decoded.items()))


def _merge_parts(
    parts: dict[str, Manifest], replaced: set[str], updates: Sequence[FileUpdate], files: int
) -> set[str] | None:
    """Drop `replaced` files from the stored parts and add `updates`, each in the part
    whose range holds its key: the lower bounds of the parts changed, or None when the
    manifest is better split afresh (no parts yet, or one has grown large)."""
    firsts = list(parts)  # in order
    if not firsts or firsts[0] != "":
        return None

    def home(key: str) -> str:
        return firsts[bisect_right(firsts, key) - 1]

    touched = {home(k) for k in replaced}
    for first in touched:
        parts[first] = parts[first].without(replaced)
    for u in updates:
        parts[home(u.key)].add(u)
    limit = 2 * files // PARTS + 64
    return None if any(len(parts[f].keys) > limit for f in touched) else touched


def worth_pruning(absent: int, files: int) -> bool:
    """Whether manifest files that are not in a run's context (the staged files, deleted
    or excluded ones) are enough to rewrite the manifest without them."""
    return absent > max(16, files // 8)


# -- lazily read document data ------------------------------------------------------------


class DocData:
    """The context data of indexed documents, read when a rule first asks: one by one
    for the first BULK_AFTER documents of a kind (a contract's own vendor bundle), then
    every document of that kind in one query (the portfolio).

    A document the manifest names stays in the index for DOC_GRACE_NS after the last
    manifest naming it is replaced (see ContextCache.store), so a run finds its
    documents whatever parallel runs write meanwhile; should one still be missing,
    `reread` reads it from its file. The connection holds no transaction between reads."""

    def __init__(self, conn: sqlite3.Connection, reread: Callable[[Entry], Data]) -> None:
        self._conn: sqlite3.Connection | None = conn
        # closed with the run's entries: left to itself, a connection waits for the
        # cycle collector (it references itself), which a frozen heap never runs
        weakref.finalize(self, conn.close)
        self._reread = reread
        self._asked: dict[str | None, int] = {}
        self._texts: dict[str | None, dict[tuple[str, int], str]] = {}
        self._decoded: dict[tuple[str, int], Data] = {}

    def payload(self, entry: Entry) -> Data:
        decoded = self._decoded.get((entry.sha256 or "", entry.index))
        if decoded is not None:
            return decoded
        text = self._text(entry)
        if text is not None:
            with contextlib.suppress(ValueError):
                return _mapping(text)
        return self._reread(entry)

    def _text(self, entry: Entry) -> str | None:
        texts = self._texts.get(entry.kind)
        if texts is not None:
            return texts.get((entry.sha256 or "", entry.index))
        if self._conn is None:
            return None
        asked = self._asked[entry.kind] = self._asked.get(entry.kind, 0) + 1
        try:
            if asked <= BULK_AFTER:
                row = self._conn.execute(
                    "SELECT data FROM docs WHERE sha256 = ? AND idx = ?",
                    (entry.sha256, entry.index),
                ).fetchone()
                return row[0] if row is not None else None
            rows = self._conn.execute(
                "SELECT sha256, idx, data FROM docs WHERE kind = ?", (entry.kind,)
            )
            texts = self._texts[entry.kind] = {(s, i): d for s, i, d in rows}
        except sqlite3.Error:
            self.close()
            return None
        if entry.kind == "Contract":
            self._decode_all(texts)
        return texts.get((entry.sha256 or "", entry.index))

    def _decode_all(self, texts: dict[tuple[str, int], str]) -> None:
        """Every portfolio view in one decode: `contracts()` reads all of them, and one
        call over the lot shares the object keys (~25 % faster at 10,000 contracts). Any
        text that is not a mapping leaves all of them to be decoded one by one."""
        with contextlib.suppress(ValueError):
            values = json.loads("[" + ",".join(texts.values()) + "]")
            if len(values) == len(texts) and all(type(v) is dict for v in values):
                self._decoded = dict(zip(texts, values, strict=True))

    def close(self) -> None:
        """Close the connection (it also closes when the entries are freed)."""
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None


class Snapshot(NamedTuple):
    """The manifest as a run found it, and where its documents' data is read from."""

    manifest: Manifest
    data: DocData


class Match:
    """What the index holds for a run's context files (see `match`): `misses` are the
    sources to read, `signatures[i]` is source i's (taken at `taken_at`), `absent` counts
    manifest files that are not among the sources."""

    def __init__(
        self,
        snap: Snapshot,
        sources: Sequence[discovery.Source],
        keys: Sequence[str],
        signatures: list[Signature | None],
        taken_at: int,
    ) -> None:
        manifest = snap.manifest
        n = len(manifest.keys)
        position = dict(zip(manifest.keys, range(n), strict=True))
        self._snap = snap
        self._sources = sources
        self._keys = keys
        self._at = list(map(position.get, keys, repeat(n)))  # n: not in the manifest
        recorded = [*manifest.sigs, ()]  # () equals no signature, nor None
        hits = list(map(eq, signatures, map(recorded.__getitem__, self._at)))
        self.misses = list(compress(range(len(hits)), map(not_, hits)))
        self.signatures = signatures
        self.taken_at = taken_at
        self.absent = n - (len(self._at) - self._at.count(n))

    def entries(self, read: Mapping[int, list[Entry]]) -> list[Entry]:
        """All entries in source order (as a cold run lists them): the index's for files
        it holds, `read[i]` for each miss i."""
        manifest = self._snap.manifest
        displays = [s.display for s in self._sources]
        names = manifest.keys
        if displays != self._keys:  # run from elsewhere than the root: name by display
            names = [*names, ""]
            for j, display in zip(self._at, displays, strict=True):
                names[j] = display
            del names[-1]
        flat = manifest.entries(self._snap.data, names)
        starts, ends = manifest.spans()
        at = self._at
        if not self.misses:  # the warm run: all in C
            if len(flat) == len(manifest.keys):  # one document per file, as usual
                return list(map(flat.__getitem__, at))
            spans = map(range, map(starts.__getitem__, at), map(ends.__getitem__, at))
            return list(map(flat.__getitem__, chain.from_iterable(spans)))
        misses = set(self.misses)
        out: list[Entry] = []
        for i, j in enumerate(at):
            out.extend(read[i] if i in misses else flat[starts[j] : ends[j]])
        return out


def match(snap: Snapshot, keys: Sequence[str], sources: Sequence[discovery.Source]) -> Match:
    """Stat every source and find those whose signature is the recorded one. Entries are
    named by display path, which is the key unless the working directory is elsewhere."""
    taken_at = clock()
    signatures = stat_signatures([s.fs_path for s in sources])
    return Match(snap, sources, keys, signatures, taken_at)


# -- the database -------------------------------------------------------------------------

_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE manifest (first TEXT PRIMARY KEY, body TEXT NOT NULL, sigs BLOB NOT NULL);
CREATE TABLE docs (sha256 TEXT NOT NULL, idx INTEGER NOT NULL, kind TEXT,
    dropped_ns INTEGER, data TEXT NOT NULL, PRIMARY KEY (sha256, idx));
CREATE INDEX docs_kind ON docs (kind);
CREATE INDEX docs_dropped ON docs (dropped_ns) WHERE dropped_ns IS NOT NULL;
CREATE TABLE dirs (path TEXT PRIMARY KEY, sig BLOB NOT NULL, subdirs TEXT NOT NULL,
    files TEXT NOT NULL);
CREATE TABLE walks (key TEXT PRIMARY KEY, body TEXT NOT NULL, sigs BLOB NOT NULL);
"""


def _busy(exc: sqlite3.Error) -> bool:
    """Another process holds the lock past the busy timeout: not a broken file."""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if isinstance(code, int):
        return code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (or extended codes)
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def _meta(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.OperationalError as exc:
        if _busy(exc):
            raise
        return {}  # no meta table: a new or foreign file


class ContextCache:
    """A connection to one repository's index (see the module docstring)."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self.conn: sqlite3.Connection | None = None
        self._want = {"format": str(FORMAT), "tool": __version__, "schemas": _schemas_digest()}
        self._open()

    # -- lifecycle ---------------------------------------------------------------------

    def _open(self) -> None:
        try:
            self.location.parent.mkdir(parents=True, exist_ok=True)
            self.conn = self._connect()
        except sqlite3.Error as exc:
            self._fail(exc)
        except OSError:
            self._reset()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.location, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            if _meta(conn) != self._want:
                self._rebuild(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _rebuild(self, conn: sqlite3.Connection) -> None:
        """A new file, another format or tool version, or a foreign file: start afresh
        (unless a parallel run has just done so)."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            if _meta(conn) != self._want:
                tables = conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                ).fetchall()
                for (name,) in tables:
                    conn.execute('DROP TABLE IF EXISTS "{}"'.format(name.replace('"', '""')))
                for statement in _TABLES.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(self._want.items()))
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    def _fail(self, exc: sqlite3.Error) -> None:
        """A lock held too long: this run goes on without the cache and leaves the file
        alone. Anything else: the file is broken, rebuild it."""
        if _busy(exc):
            self.close()
        else:
            self._reset()

    def _reset(self) -> None:
        """A corrupt or foreign file: delete it and start again (or run without a cache)."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(str(self.location) + suffix).unlink()
        try:
            self.conn = self._connect()
        except (sqlite3.Error, OSError):
            self.conn = None  # no usable cache: the run goes on without one

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self.conn.close()
            self.conn = None

    @property
    def enabled(self) -> bool:
        return self.conn is not None

    def _write(self, body: Callable[[sqlite3.Connection], None]) -> None:
        """One write transaction; on failure, as `_fail` says."""
        if self.conn is None:
            return
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            body(conn)
            conn.execute("COMMIT")
        except UnicodeEncodeError:  # text SQLite cannot hold: this write is skipped
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        except (sqlite3.Error, ValueError, TypeError) as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                self._fail(exc)
            else:
                self._reset()

    # -- files -------------------------------------------------------------------------

    def snapshot(self, reread: Callable[[Entry], Data]) -> Snapshot | None:
        """The manifest, and a DocData reading the documents' data on a connection of its
        own; None when the cache is unusable."""
        if self.conn is None:
            return None
        reader: sqlite3.Connection | None = None
        try:
            reader = sqlite3.connect(self.location, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            reader.execute("BEGIN")
            if _meta(reader) != self._want:  # rebuilt by another version meanwhile
                reader.close()
                return None
            rows = reader.execute("SELECT first, body, sigs FROM manifest").fetchall()
            reader.execute("COMMIT")
            manifest = Manifest.joined(_parts(rows).values())
        except (sqlite3.Error, ValueError, TypeError) as exc:
            if reader is not None:
                reader.close()
            if isinstance(exc, sqlite3.Error):
                self._fail(exc)
            else:
                self._reset()
            return None
        return Snapshot(manifest, DocData(reader, reread))

    def store(
        self,
        updates: Sequence[FileUpdate],
        present: Collection[str],
        exists: Callable[[str], bool],
    ) -> None:
        """Record freshly read files, in one transaction that merges with whatever parallel
        runs wrote since the snapshot. Files not `present` in this run's context are
        forgotten when they no longer exist, or when they are many (worth_pruning): a
        staged file that is committed unchanged is still known to the next run."""
        updates = [u for u in updates if _recordable(u)]

        def merge(conn: sqlite3.Connection) -> None:
            parts = _parts(conn.execute("SELECT first, body, sigs FROM manifest").fetchall())
            current = Manifest.joined(parts.values())
            absent = [k for k in current.keys if k not in present]
            if not worth_pruning(len(absent), len(current.keys)):
                absent = [k for k in absent if not exists(k)]
            replaced = {*absent, *(u.key for u in updates)}
            touched = _merge_parts(parts, replaced, updates, len(current.keys))
            if touched is None:
                whole = current.without(replaced)
                for u in updates:
                    whole.add(u)
                parts = whole.in_key_order().split()
                touched = set(parts)
                conn.execute("DELETE FROM manifest")
            conn.executemany(
                "INSERT OR REPLACE INTO manifest VALUES (?, ?, ?)",
                [
                    (json.dumps(first), *parts[first].in_key_order().encode())
                    for first in sorted(touched)
                ],
            )
            conn.executemany(
                "INSERT INTO docs VALUES (?, ?, ?, NULL, ?) "
                "ON CONFLICT (sha256, idx) DO UPDATE SET dropped_ns = NULL",
                [
                    (u.sha256, e.index, e.kind, json.dumps(e.data, separators=(",", ":")))
                    for u in updates
                    for e in u.entries
                    if e.data is not None
                ],
            )
            # data no manifest names any more: kept a while for runs that still read it
            now = time.time_ns()
            named = set(chain.from_iterable(part.shas for part in parts.values()))
            dropped = set(compress(current.shas, [k in replaced for k in current.keys]))
            conn.executemany(
                "UPDATE docs SET dropped_ns = ? WHERE sha256 = ?",
                [(now, sha) for sha in sorted(dropped - named)],
            )
            conn.execute("DELETE FROM docs WHERE dropped_ns < ?", (now - DOC_GRACE_NS,))

        self._write(merge)

    # -- directories -------------------------------------------------------------------

    def walks(self) -> dict[str, WalkRecord]:
        """Every recorded walk, by key (see DirIndex.walk)."""
        out: dict[str, WalkRecord] = {}
        for key, body, sigs in self._rows("SELECT key, body, sigs FROM walks"):
            with contextlib.suppress(ValueError, TypeError):
                out[key] = WalkRecord.decode(body, sigs)
        return out

    def listings(self) -> dict[str, tuple[DirSignature, discovery.Listing]]:
        """Every cached directory listing, by path."""
        out: dict[str, tuple[DirSignature, discovery.Listing]] = {}
        for path, sig, subdirs, files in self._rows("SELECT path, sig, subdirs, files FROM dirs"):
            with contextlib.suppress(struct.error, TypeError, AttributeError):
                listing = discovery.Listing(_names(subdirs), _names(files))
                out[path] = (_DIR_PACKING.unpack(sig), listing)
        return out

    def _rows(self, query: str) -> list[Any]:
        if self.conn is None:
            return []
        try:
            return self.conn.execute(query).fetchall()
        except sqlite3.Error as exc:
            self._fail(exc)
            return []

    def store_walks(
        self,
        listings: Mapping[str, tuple[DirSignature, discovery.Listing]],
        seen: Collection[str],
        walks: Mapping[str, WalkRecord],
        keep: Collection[str],
    ) -> None:
        """Record fresh directory listings and walks; forget directories that no walk
        reaches any more and, past KEPT_WALKS, walks that this run neither used nor made
        (a root walked from another working directory, or with other exclude globs)."""

        def save(conn: sqlite3.Connection) -> None:
            known = {p for (p,) in conn.execute("SELECT path FROM dirs")}
            conn.executemany(
                "DELETE FROM dirs WHERE path = ?", [(p,) for p in sorted(known - set(seen))]
            )
            conn.executemany(
                "INSERT OR REPLACE INTO dirs VALUES (?, ?, ?, ?)",
                [
                    (path, _DIR_PACKING.pack(*sig), "/".join(lst.subdirs), "/".join(lst.files))
                    for path, (sig, lst) in sorted(listings.items())
                ],
            )
            old = {k for (k,) in conn.execute("SELECT key FROM walks")} - set(walks)
            if len(old) + len(walks) > KEPT_WALKS:  # roots walked from elsewhere, or gone
                conn.executemany(
                    "DELETE FROM walks WHERE key = ?", [(k,) for k in sorted(old - set(keep))]
                )
            conn.executemany(
                "INSERT OR REPLACE INTO walks VALUES (?, ?, ?)",
                [(key, *record.encode()) for key, record in sorted(walks.items())],
            )

        self._write(save)


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split("/")) if text else ()


# -- directories --------------------------------------------------------------------------


class WalkRecord(NamedTuple):
    """A walk of one root: the directories it visited (relative to the root, "" for the
    root itself) with their signatures, and the files it found (relative to the root, in
    walk order)."""

    folders: list[str]
    sigs: list[DirSignature]
    files: list[str]

    @classmethod
    def decode(cls, body: str, sigs: bytes) -> WalkRecord:
        value = json.loads(body)
        if not isinstance(value, dict):
            raise ValueError("walk record is not a mapping")
        folders, files = _column(value, "folders"), _column(value, "files")
        try:
            signatures: list[DirSignature] = list(_DIR_PACKING.iter_unpack(sigs))
        except struct.error as exc:
            raise ValueError("walk record signatures are truncated") from exc
        if len(signatures) != len(folders):
            raise ValueError("walk record columns differ in length")
        return cls(folders, signatures, files)

    def encode(self) -> tuple[str, bytes]:
        body = {"folders": self.folders, "files": self.files}
        return json.dumps(body, separators=(",", ":")), _pack(_DIR_PACKING, self.sigs)


class DirIndex:
    """A discovery.Walker that answers from the index. A recorded walk of the root stands
    while every directory it visited has its recorded signature: one stat per directory
    and no Python per file. Otherwise the root is walked again, each directory from its
    cached listing while its signature is the recorded one (else os.scandir); listings
    and walks whose every signature is RACY_NS old are recorded."""

    def __init__(self, store: ContextCache) -> None:
        self._store = store
        self._now = clock()
        self._walks = store.walks()
        self._listings: dict[str, tuple[DirSignature, discovery.Listing]] | None = None
        self._fresh: dict[str, tuple[DirSignature, discovery.Listing]] = {}
        self._fresh_walks: dict[str, WalkRecord] = {}
        self._used: set[str] = set()
        self._seen: set[str] = set()
        self._visits: list[tuple[str, DirSignature | None]] = []
        self._hits: list[tuple[str, WalkRecord]] = []  # recorded walks that stood
        self._cwd = os.getcwd()

    def walk(self, root: Path, base: Path, exclude: Sequence[str]) -> list[discovery.Source]:
        top, prefix = discovery.walk_start(root, base)
        inside = os.path.join(top, "")
        key = json.dumps([top, prefix, list(exclude)])
        record = self._walks.get(key)
        if record is not None and self._unchanged(top, record):
            self._used.add(key)
            self._hits.append((top, record))
            files = record.files
            return discovery.make_sources(map(prefix.__add__, files), map(inside.__add__, files))
        self._visits = []
        found = discovery.walk(root, base, exclude, self.list)
        visits, self._visits = self._visits, []
        if all(sig is not None for _, sig in visits):  # JSON keeps any name
            self._fresh_walks[key] = WalkRecord(
                [f[len(inside) :] if f != top else "" for f, _ in visits],
                [sig for _, sig in visits if sig is not None],
                [s.fs_path[len(inside) :] for s in found],
            )
        return found

    def _unchanged(self, top: str, record: WalkRecord) -> bool:
        """Whether every directory of a recorded walk has its recorded signature."""
        near_top = _near([top], self._cwd)[0]
        near_inside = os.path.join(near_top, "")
        folders = [near_inside + f if f else near_top for f in record.folders]
        try:
            return list(map(_DIR_SIGNATURE, map(os.stat, folders))) == record.sigs
        except OSError:
            return False

    def list(self, folder: str) -> discovery.Listing | None:
        """A discovery.Lister: the cached listing while the signature is the recorded
        one, else os.scandir. Notes each visit for the walk record."""
        try:
            sig: DirSignature = _DIR_SIGNATURE(os.stat(_near([folder], self._cwd)[0]))
        except OSError:
            self._visits.append((folder, None))
            return None  # os.scandir would fail as well
        self._seen.add(folder)
        if self._listings is None:
            self._listings = self._store.listings()
        known = self._listings.get(folder)
        fresh = trusted(sig[2], sig[3], self._now)
        if known is not None and known[0] == sig:
            listing: discovery.Listing | None = known[1]
        else:
            listing = discovery.read_listing(folder)
            if listing is not None and fresh and _storable_listing(folder, listing):
                self._fresh[folder] = (sig, listing)
        ok = fresh and listing is not None
        self._visits.append((folder, sig if ok else None))
        return listing

    def save(self) -> None:
        """Write what changed (nothing on a warm run)."""
        if self._fresh or self._fresh_walks:
            for top, record in self._hits:
                inside = os.path.join(top, "")
                self._seen.update(inside + f if f else top for f in record.folders)
            keep = self._used | set(self._fresh_walks)
            self._store.store_walks(self._fresh, self._seen, self._fresh_walks, keep)


def _storable_listing(folder: str, listing: discovery.Listing) -> bool:
    return _storable(folder) and all(map(_storable, listing.subdirs + listing.files))


@contextlib.contextmanager
def directory_walker(location: Path | None) -> Iterator[discovery.Walker]:
    """The walker for the context roots: the index's (saved and closed on exit), or
    discovery.walk (os.scandir) when there is no usable cache."""
    store = ContextCache(location) if location is not None else None
    try:
        if store is None or not store.enabled:
            yield discovery.walk
            return
        index = DirIndex(store)
        yield index.walk
        index.save()
    finally:
        if store is not None:
            store.close()
