"""The context index's mechanisms, run in process: recorded walks and directory listings,
the manifest of stat signatures, document data read on demand, and how a broken or busy
index is handled. Every run is compared with a run without the cache.

Most tests move the index's clock an hour on (`later`): files and directories then lie
outside the racy window, so the index records them, as it does for a repository edited
more than two seconds before the commit. The racy window itself has its own tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.test_cache import canonical_repo
from vendorpolicy import cache, cli, discovery, loader

TARGET = "contracts/contract-full.yaml"
ISO = "attestations/attestation-iso27001.yaml"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The canonical documents as a repository (the working directory), with its own
    index directory; internal errors raise instead of becoming exit code 2."""
    root = canonical_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    monkeypatch.setenv("VENDORPOLICY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("VENDORPOLICY_DEBUG", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    return root


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """The index's clock an hour on: everything on disk is past the racy window."""
    monkeypatch.setattr(cache, "clock", lambda: time.time_ns() + 3600 * 10**9)


def check(capsys: pytest.CaptureFixture[str], *files: str, use_cache: bool = True) -> list[Any]:
    args = ["check", "--hook", "--as-of", "2026-11-22", "--format", "json"]
    code = cli.main([*args, *([] if use_cache else ["--no-cache"]), *files])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    results: list[Any] = json.loads(out)["results"]
    return results


def agree(capsys: pytest.CaptureFixture[str], *files: str) -> list[Any]:
    """A cached run, which must give exactly what a run without the cache gives."""
    cached = check(capsys, *(files or (TARGET,)))
    assert cached == check(capsys, *(files or (TARGET,)), use_cache=False)
    return cached


def statuses(results: list[Any], rule: str) -> set[str]:
    return {r["status"] for r in results if r["rule"] == rule}


class Spy:
    """Notes the documents parsed (not the config) and the directories read."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: list[str] = []
        self.dirs: list[str] = []
        read_file, read_listing = loader.read_file, discovery.read_listing

        def file_spy(path: str, *args: Any, **kwargs: Any) -> Any:
            if not path.endswith(".vendorpolicy.yaml"):
                self.files.append(path)
            return read_file(path, *args, **kwargs)

        def listing_spy(folder: str) -> discovery.Listing | None:
            self.dirs.append(folder)
            return read_listing(folder)

        monkeypatch.setattr(loader, "read_file", file_spy)
        monkeypatch.setattr(discovery, "read_listing", listing_spy)


def same_size_edit(path: Path, old: str, new: str) -> None:
    """Change a file's content, keeping its size and putting its mtime back."""
    assert len(old) == len(new)
    before = path.stat()
    path.write_text(path.read_text().replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert path.stat().st_mtime_ns == before.st_mtime_ns


def index_file(repo: Path) -> Path:
    return cache.default_location(repo)


# -- what a warm run reads -----------------------------------------------------------------


def test_a_warm_run_reads_only_the_staged_file(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = agree(capsys)
    spy = Spy(monkeypatch)
    assert check(capsys, TARGET) == first
    assert spy.files == [TARGET]  # no context file parsed
    assert spy.dirs == []  # no directory read: the recorded walks stood


def test_alternating_staged_files_do_not_rewrite_the_index(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    other = "contracts/portfolio-context.yaml"
    agree(capsys, TARGET)
    agree(capsys, other)  # the first target is context now: read once and recorded
    stores: list[int] = []
    real_store = cache.ContextCache.store

    def store_spy(self: cache.ContextCache, *args: Any) -> None:
        stores.append(1)
        real_store(self, *args)

    monkeypatch.setattr(cache.ContextCache, "store", store_spy)
    for target in (TARGET, other, TARGET):
        agree(capsys, target)
    assert stores == []


def test_entries_come_in_the_order_a_cold_run_gives(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from vendorpolicy import runner

    def context() -> list[discovery.Source]:
        found = discovery.discover(["contracts", "attestations", "waivers"], report_empty=False)
        return [s for s in found if s.display != TARGET]

    def described(entries: list[cache.Entry]) -> list[tuple[Any, ...]]:
        return [(e.path, e.index, e.kind, e.id, e.valid, e.id_line, e.payload()) for e in entries]

    agree(capsys)
    same_size_edit(repo / ISO, 'standard_version: "2022"', 'standard_version: "2013"')
    (repo / "attestations" / "zz-new.yaml").write_text((repo / ISO).read_text())
    sources = context()
    cold = described(runner.load_context(sources, None, repo))
    assert described(runner.load_context(sources, index_file(repo), repo)) == cold  # 2 misses
    assert described(runner.load_context(sources, index_file(repo), repo)) == cold  # all hits


def test_a_run_from_a_sub_directory_agrees(
    repo: Path,
    later: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Index keys are relative to the root; reports name files from the working
    directory: both hold, from the root and from below it, with and without misses."""
    agree(capsys)
    monkeypatch.chdir(repo / "attestations")
    staged = "../contracts/contract-full.yaml"
    first = agree(capsys, staged)
    assert agree(capsys, staged) == first
    same_size_edit(repo / ISO, 'standard_version: "2022"', 'standard_version: "2013"')
    assert "fail" in statuses(agree(capsys, staged), "ATT-006")
    monkeypatch.chdir(repo)
    assert "fail" in statuses(agree(capsys), "ATT-006")


# -- changes the index must see ------------------------------------------------------------


def test_a_file_added_to_a_known_directory_is_found(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str]
) -> None:
    agree(capsys, "contracts/portfolio-context.yaml")
    copy = repo / "contracts" / "copy.yaml"
    copy.write_text((repo / "contracts" / "portfolio-context.yaml").read_text())
    results = agree(capsys, "contracts/portfolio-context.yaml")
    assert any("also used by contracts/copy.yaml" in r["message"] for r in results)


def test_a_new_directory_is_found(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "pass" in statuses(agree(capsys), "ATT-006")
    deeper = repo / "attestations" / "nested" / "deeper"
    deeper.mkdir(parents=True)
    (repo / ISO).rename(deeper / "iso.yaml")
    same_size_edit(deeper / "iso.yaml", 'standard_version: "2022"', 'standard_version: "2013"')
    assert "fail" in statuses(agree(capsys), "ATT-006")


def test_an_edit_of_the_same_size_within_the_same_tick_is_seen(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """mtime and size restored: the ctime still differs, and is part of the signature."""
    assert "pass" in statuses(agree(capsys), "ATT-006")
    spy = Spy(monkeypatch)
    same_size_edit(repo / ISO, 'standard_version: "2022"', 'standard_version: "2013"')
    assert "fail" in statuses(agree(capsys), "ATT-006")
    assert ISO in spy.files


def test_a_signature_inside_the_racy_window_is_not_recorded(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the real clock, files written a moment ago are read again on the next run:
    a later edit could share their timestamps (coarse file systems, or the same tick)."""
    agree(capsys)
    spy = Spy(monkeypatch)
    assert check(capsys, TARGET)
    assert ISO in spy.files
    assert spy.dirs  # directories changed a moment ago are read again too


def test_trusted_is_the_racy_rule() -> None:
    now = 10 * cache.RACY_NS
    assert cache.trusted(now - cache.RACY_NS - 1, now - cache.RACY_NS - 1, now)
    assert not cache.trusted(now - cache.RACY_NS, 0, now)
    assert not cache.trusted(0, now - 5, now)  # ctime counts: it cannot be set back


def test_renamed_and_swapped_directories_are_seen(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two directories swap names and get their old mtimes back (as tar or rsync -t
    would): their signatures still differ (inode, ctime), so the duplicate is reported
    where it is now."""
    staged = "contracts/portfolio-context.yaml"
    contracts = repo / "contracts"
    for name in ("a", "b"):
        (contracts / name).mkdir()
    (contracts / "a" / "dup.yaml").write_text((repo / staged).read_text())
    (contracts / "b" / "other.yaml").write_text((repo / ISO).read_text().replace("iso", "osi"))
    results = agree(capsys, staged)
    assert any("also used by contracts/a/dup.yaml" in r["message"] for r in results)
    times = {n: (contracts / n).stat() for n in ("a", "b", ".")}
    (contracts / "a").rename(contracts / "tmp")
    (contracts / "b").rename(contracts / "a")
    (contracts / "tmp").rename(contracts / "b")
    for n, st in times.items():
        os.utime(contracts / n, ns=(st.st_atime_ns, st.st_mtime_ns))
    results = agree(capsys, staged)
    assert any("also used by contracts/b/dup.yaml" in r["message"] for r in results)
    (contracts / "b").rename(contracts / "renamed")
    results = agree(capsys, staged)
    assert any("also used by contracts/renamed/dup.yaml" in r["message"] for r in results)


def test_deleted_files_and_directories_are_gone(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str]
) -> None:
    agree(capsys)
    shutil.rmtree(repo / "attestations")
    (repo / "attestations").mkdir()
    results = agree(capsys)
    assert statuses(results, "ATT-001") == {"fail"}
    shutil.rmtree(repo / "waivers")
    agree(capsys)


def test_hidden_excluded_and_other_entries_stay_out(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str]
) -> None:
    staged = "contracts/portfolio-context.yaml"
    copy = (repo / staged).read_text()
    (repo / ".vendorpolicy.yaml").write_text(
        "roots: [contracts, attestations, waivers]\nexclude: ['**/drafts/**']\n"
    )
    agree(capsys, staged)
    for place in (".hidden.yaml", ".hidden/x.yaml", "drafts/x.yaml", "x.yaml.txt", "x.json"):
        (repo / "contracts" / place).parent.mkdir(parents=True, exist_ok=True)
        (repo / "contracts" / place).write_text(copy)
    results = agree(capsys, staged)
    assert not any("also used by" in r["message"] for r in results)
    (repo / ".vendorpolicy.yaml").write_text("roots: [contracts, attestations, waivers]\n")
    results = agree(capsys, staged)  # the drafts are in now: another walk
    assert any("also used by contracts/drafts/x.yaml" in r["message"] for r in results)


def test_symlinks_are_walked_as_without_the_index(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A symlinked directory is not followed; a symlink named *.yaml is a file."""
    outside = repo.parent / "outside"
    outside.mkdir()
    (outside / "more.yaml").write_text((repo / ISO).read_text())
    (repo / "attestations" / "linked-dir").symlink_to(outside, target_is_directory=True)
    (repo / "attestations" / "linked.yaml").symlink_to(repo / ISO)
    (repo / "attestations" / "dangling.yaml").symlink_to(repo / "nowhere.yaml")
    agree(capsys, ISO)
    messages = " ".join(r["message"] for r in agree(capsys, ISO))
    assert "attestations/linked.yaml" in messages
    assert "more.yaml" not in messages
    (repo / "attestations" / "linked.yaml").unlink()
    assert "attestations/linked.yaml" not in " ".join(r["message"] for r in agree(capsys, ISO))


# -- the walker against a plain walk, on random changes ---------------------------------


def test_recorded_walks_match_plain_walks_through_random_changes(
    tmp_path: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    rng = random.Random(8)
    root = tmp_path / "tree"
    root.mkdir()
    monkeypatch.chdir(tmp_path)
    location = tmp_path / "index.sqlite"
    exclude = ("**/drafts/**", "*.skip.yaml")
    names = ["a", "b", "drafts", ".hid", "c.yaml", "d.yml", "e.skip.yaml", "f.txt", "g.yaml"]
    names.append("\udcff.yaml")  # not UTF-8 (where the file system allows it)

    def random_path() -> Path:
        depth = rng.randint(1, 3)
        return root.joinpath(*(rng.choice(names) for _ in range(depth)))

    def change() -> None:
        with contextlib.suppress(OSError):  # e.g. a directory asked for under a file
            change_one(random_path())

    def change_one(p: Path) -> None:
        action = rng.randrange(6)
        if action == 0 and not p.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
            if not p.parent.is_dir():
                return
            p.write_text("x: 1\n")
        elif action == 1 and not p.exists():
            p.mkdir(parents=True, exist_ok=True)
        elif action == 2 and p.is_file():
            p.unlink()
        elif action == 3 and p.is_dir() and p != root:
            shutil.rmtree(p)
        elif action == 4 and p.exists():
            target = p.with_name(rng.choice(names))
            if not target.exists():
                st = p.parent.stat()
                p.rename(target)
                os.utime(p.parent, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime alone lies
        elif action == 5 and p.parent.is_dir() and not p.exists():
            p.symlink_to(rng.choice([root, root / "c.yaml"]))

    for _ in range(40):
        for _ in range(rng.randint(1, 3)):
            change()
        plain = discovery.discover([root], exclude, report_empty=False)
        store = cache.ContextCache(location)
        index = cache.DirIndex(store)
        assert discovery.discover([root], exclude, report_empty=False, walker=index.walk) == plain
        index.save()
        store.close()
        again = cache.ContextCache(location)
        warm = cache.DirIndex(again)
        assert discovery.discover([root], exclude, report_empty=False, walker=warm.walk) == plain
        again.close()


def test_context_entries_match_a_cold_read_through_random_changes(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Files copied, renamed, moved, deleted, broken, edited (same size or not) and merely
    touched; after each batch the entries from the index are those of a cold read."""
    import random

    from vendorpolicy import runner

    rng = random.Random(11)
    agree(capsys)
    originals = {p.name: p.read_text() for p in (repo / "attestations").iterdir()}

    def files() -> list[Path]:
        return sorted(p for p in repo.rglob("*.yaml") if p.name != ".vendorpolicy.yaml")

    def change() -> None:
        victim = rng.choice(files())
        action = rng.randrange(8)
        if action == 0:
            (victim.parent / f"copy-{rng.randrange(99)}.yaml").write_text(victim.read_text())
        elif action == 1:
            victim.rename(victim.parent / f"renamed-{rng.randrange(99)}.yaml")
        elif action == 2:
            folder = repo / rng.choice(["attestations", "contracts"]) / f"d{rng.randrange(3)}"
            folder.mkdir(exist_ok=True)
            victim.rename(folder / victim.name)
        elif action == 3 and len(files()) > 4:
            victim.unlink()
        elif action == 4:
            victim.write_text(rng.choice(["not: [valid\n", "", "# nothing\n"]))
        elif action == 7:  # two documents in one file
            victim.write_text(victim.read_text() + "\n---\n" + rng.choice(files()).read_text())
        elif action == 5:
            text = victim.read_text()
            for old, new in (('"2022"', '"2013"'), ('"2013"', '"2022"'), ("high", "hign")):
                if old in text:
                    same_size_edit(victim, old, new)
                    break
        elif action == 6:
            st = victim.stat()
            os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
        if rng.random() < 0.2:
            name, text = rng.choice(sorted(originals.items()))
            (repo / "attestations" / name).write_text(text)

    def described(entries: list[cache.Entry]) -> list[tuple[Any, ...]]:
        return [
            (e.path, e.index, e.kind, e.id, e.vendor, e.valid, e.id_line)
            + ((e.payload(),) if e.has_data else ())
            for e in entries
        ]

    for _ in range(25):
        for _ in range(rng.randint(1, 3)):
            change()
        time.sleep(0.02)  # past a timestamp tick: the clock was moved past the racy window
        sources = discovery.discover(["contracts", "attestations", "waivers"], report_empty=False)
        context = [s for s in sources if s.display != TARGET]
        cold = described(runner.load_context(context, None, repo))
        assert described(runner.load_context(context, index_file(repo), repo)) == cold
        assert described(runner.load_context(context, index_file(repo), repo)) == cold


def test_manifest_parts_stay_ordered_through_merges() -> None:
    """Recording files rewrites only the parts whose key range holds them; a part grown
    too large makes the manifest split afresh; read back, it is in key order."""
    import random

    rng = random.Random(4)

    def update(key: str) -> cache.FileUpdate:
        count = rng.choice([0, 1, 1, 2])
        entries = [
            cache.Entry(key, i, "Contract", f"{key}#{i}", "v", True, 1, {}) for i in range(count)
        ]
        return cache.FileUpdate(key, (1, 2, 3, rng.randrange(9)), key[-8:], entries)

    def some_key() -> str:
        return f"k/{rng.randrange(10**6):06d}.yaml"

    expected = {key: update(key) for key in {some_key() for _ in range(3000)}}
    whole = cache.Manifest()
    for u in expected.values():
        whole.add(u)
    parts = whole.in_key_order().split()
    assert len(parts) <= cache.PARTS and next(iter(parts)) == ""
    splits = 0
    for step in range(30):
        fresh = [update(some_key()) for _ in range(rng.randint(1, 40))]
        if step % 10 == 9:  # many new files in one key range
            fresh += [update(f"k/500000-{i:03d}.yaml") for i in range(step * 10)]
        gone = set(rng.sample(sorted(expected), 10))
        for key in gone:
            del expected[key]
        expected.update((u.key, u) for u in fresh)
        replaced = gone | {u.key for u in fresh}
        touched = cache._merge_parts(parts, replaced, fresh, len(expected))
        if touched is None:
            splits += 1
            rebuilt = cache.Manifest()
            for u in expected.values():
                rebuilt.add(u)
            parts = rebuilt.in_key_order().split()
        else:
            assert len(touched) <= len(replaced)
            parts = {f: p.in_key_order() for f, p in parts.items()}
        stored = [(json.dumps(f), *p.encode()) for f, p in parts.items()]
        read = cache.Manifest.joined(cache._parts(reversed(stored)).values())
        assert read.keys == sorted(expected)
        assert read.sigs == [expected[k].signature for k in read.keys]
        assert read.counts == [len(expected[k].entries) for k in read.keys]
        assert read.docs[2] == [e.id for k in read.keys for e in expected[k].entries]
    assert splits >= 1  # a cluster of new keys made a part too large


def test_plain_walk_order_and_paths() -> None:
    """What the walk returns for a small tree: files before sub-directories, sorted,
    hidden and non-YAML entries left out, paths joined as os.scandir joins them."""
    here = Path(__file__).parent / "fixtures" / "canonical"
    found = discovery.walk(here, here.parent, ())
    assert [s.display for s in found] == sorted(
        f"canonical/{p.name}" for p in here.iterdir() if p.suffix in (".yaml", ".yml")
    )
    assert all(s.fs_path == os.path.join(str(here), s.display.split("/", 1)[1]) for s in found)


# -- exclusion ------------------------------------------------------------------------------


def test_the_exclusion_shortcut_agrees_with_the_globs() -> None:
    import random

    rng = random.Random(3)
    tokens = ["**/", "**", "*", "?", "a", "b", "/", ".yaml", "drafts/", "x"]
    alphabet = ["a", "b", "/", ".yaml", "drafts", "x", "ab"]
    for _ in range(3000):
        patterns = tuple(
            "".join(rng.choice(tokens) for _ in range(rng.randint(1, 4)))
            for _ in range(rng.randint(1, 3))
        )
        regex = discovery._excluder(patterns)
        test = discovery.exclusion(patterns)
        for _ in range(10):
            path = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8)))
            assert test(path) == (regex.match(path) is not None), (patterns, path)


# -- a broken, foreign or busy index --------------------------------------------------------


def _break_manifest(db: sqlite3.Connection) -> None:
    db.execute("UPDATE manifest SET body = 'not json'")


def _truncate_signatures(db: sqlite3.Connection) -> None:
    db.execute("UPDATE manifest SET sigs = substr(sigs, 1, 7)")


def _break_walks(db: sqlite3.Connection) -> None:
    db.execute("UPDATE walks SET body = '[1, 2]', sigs = x'00'")


def _break_listings(db: sqlite3.Connection) -> None:
    db.execute("UPDATE dirs SET sig = x'0102'")
    db.execute("DELETE FROM walks")  # so that the listings are used


def _drop_document_data(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM docs")


def _foreign_schema(db: sqlite3.Connection) -> None:
    for table in ("meta", "manifest", "docs", "dirs", "walks"):
        db.execute(f"DROP TABLE {table}")
    db.execute("CREATE TABLE manifest (x)")
    db.execute("CREATE TABLE docs (a, b)")
    db.execute("CREATE VIEW walks AS SELECT 1 AS key")


@pytest.mark.parametrize(
    "damage",
    [
        _break_manifest,
        _truncate_signatures,
        _break_walks,
        _break_listings,
        _drop_document_data,
        _foreign_schema,
    ],
)
def test_a_damaged_index_gives_the_same_answers_and_recovers(
    repo: Path,
    later: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    damage: Callable[[sqlite3.Connection], None],
) -> None:
    good = agree(capsys)
    db = sqlite3.connect(index_file(repo), isolation_level=None)
    damage(db)
    db.close()
    assert agree(capsys) == good
    agree(capsys)
    spy = Spy(monkeypatch)
    assert check(capsys, TARGET) == good
    assert spy.files == [TARGET] or damage is _drop_document_data


def test_document_data_missing_from_the_index_is_read_from_the_file(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    good = agree(capsys)
    db = sqlite3.connect(index_file(repo), isolation_level=None)
    _drop_document_data(db)
    db.close()
    spy = Spy(monkeypatch)
    assert check(capsys, TARGET) == good
    assert ISO in spy.files  # its data was needed, and read from the file


def test_a_busy_index_is_left_alone_and_the_run_goes_on(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the write lock past the busy timeout: no write, no rebuild,
    the same answers; once it lets go, the index records again."""
    monkeypatch.setattr(cache, "BUSY_TIMEOUT_S", 0.05)
    agree(capsys)
    inode = index_file(repo).stat().st_ino
    holder = sqlite3.connect(index_file(repo), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        same_size_edit(repo / ISO, 'standard_version: "2022"', 'standard_version: "2013"')
        (repo / "attestations" / "new").mkdir()
        assert "fail" in statuses(agree(capsys), "ATT-006")
    finally:
        holder.execute("ROLLBACK")
    holder.close()
    assert index_file(repo).stat().st_ino == inode  # not deleted and rebuilt
    agree(capsys)
    spy = Spy(monkeypatch)
    check(capsys, TARGET)
    assert spy.files == [TARGET]


def test_an_index_locked_even_for_readers_means_no_cache(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "BUSY_TIMEOUT_S", 0.05)
    good = agree(capsys)
    holder = sqlite3.connect(index_file(repo), isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("SELECT count(*) FROM manifest").fetchone()
    try:
        assert agree(capsys) == good
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert index_file(repo).exists()
    assert agree(capsys) == good


def test_no_cache_reads_and_writes_nothing(
    repo: Path, later: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    check(capsys, TARGET, use_cache=False)
    assert not index_file(repo).exists()
    agree(capsys)
    opened: list[Path] = []
    monkeypatch.setattr(cache.ContextCache, "__init__", lambda self, p: opened.append(p))
    check(capsys, TARGET, use_cache=False)
    assert opened == []
