"""The context index: cached and uncached runs agree, after edits, renames and deletions;
a corrupt or foreign index is rebuilt; parallel hook processes share it safely."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CANONICAL = ROOT / "tests" / "fixtures" / "canonical"
VP = str(Path(sys.prefix) / "bin" / "vendorpolicy")


def canonical_repo(root: Path) -> Path:
    """The canonical documents as a repository whose roots are the three folders."""
    for sub in ("contracts", "attestations", "waivers"):
        (root / sub).mkdir(parents=True)
    shutil.copy(CANONICAL / "contract-full.yaml", root / "contracts")
    shutil.copy(CANONICAL / "portfolio-context.yaml", root / "contracts")
    for f in CANONICAL.glob("attestation-*.yaml"):
        shutil.copy(f, root / "attestations")
    shutil.copy(CANONICAL / "waiver.yaml", root / "waivers")
    (root / ".vendorpolicy.yaml").write_text("roots: [contracts, attestations, waivers]\n")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return canonical_repo(tmp_path / "repo")


def hook(repo: Path, cache_dir: Path, *files: str, cache: bool = True) -> tuple[int, list[dict]]:
    env = {**os.environ, "VENDORPOLICY_CACHE_DIR": str(cache_dir), "NO_COLOR": "1"}
    args = [VP, "check", "--hook", "--as-of", "2026-11-22", "--format", "json", *files]
    if not cache:
        args.insert(2, "--no-cache")
    proc = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    return proc.returncode, report["results"]


def both(repo: Path, cache_dir: Path, *files: str) -> list[dict]:
    cached = hook(repo, cache_dir, *files)
    uncached = hook(repo, cache_dir, *files, cache=False)
    assert cached == uncached
    return cached[1]


def statuses(results: list[dict], rule: str) -> set[str]:
    return {r["status"] for r in results if r["rule"] == rule}


def test_cold_warm_and_uncached_runs_agree(repo: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    first = both(repo, cache_dir, "contracts/contract-full.yaml")
    assert list(cache_dir.glob("index-*.sqlite"))
    assert both(repo, cache_dir, "contracts/contract-full.yaml") == first
    assert statuses(first, "ATT-001") == {"pass"}


def test_edits_renames_and_deletions_are_seen(repo: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    both(repo, cache_dir, "contracts/contract-full.yaml")  # warm the index

    # edit an attestation (context): ISO certificate of the 2013 version -> ATT-006 fails
    iso = repo / "attestations" / "attestation-iso27001.yaml"
    iso.write_text(iso.read_text().replace('standard_version: "2022"', 'standard_version: "2013"'))
    assert "fail" in statuses(both(repo, cache_dir, "contracts/contract-full.yaml"), "ATT-006")

    # rename it: still the same content, still found
    iso.rename(repo / "attestations" / "iso-renamed.yaml")
    assert "fail" in statuses(both(repo, cache_dir, "contracts/contract-full.yaml"), "ATT-006")

    # delete every attestation: the bundle is empty
    for f in (repo / "attestations").glob("*.yaml"):
        f.unlink()
    results = both(repo, cache_dir, "contracts/contract-full.yaml")
    assert statuses(results, "ATT-001") == {"fail"}
    assert statuses(results, "ATT-006") == {"not_applicable"}


def test_waiver_in_context_applies_and_duplicates_are_seen(repo: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    results = both(repo, cache_dir, "contracts/portfolio-context.yaml")
    assert "waived" in statuses(results, "EXT-002")
    dup = repo / "contracts" / "copy.yaml"
    dup.write_text((repo / "contracts" / "portfolio-context.yaml").read_text())
    results = both(repo, cache_dir, "contracts/portfolio-context.yaml")
    assert any("also used by contracts/copy.yaml" in r["message"] for r in results)


@pytest.mark.parametrize(
    "garbage", [b"not a database at all", b"SQLite format 3\x00" + b"\xff" * 200]
)
def test_corrupt_or_foreign_index_is_rebuilt(repo: Path, tmp_path: Path, garbage: bytes) -> None:
    cache_dir = tmp_path / "cache"
    good = both(repo, cache_dir, "contracts/contract-full.yaml")
    (index,) = cache_dir.glob("index-*.sqlite")
    for extra in cache_dir.glob("index-*.sqlite-*"):
        extra.unlink()
    index.write_bytes(garbage)
    assert hook(repo, cache_dir, "contracts/contract-full.yaml")[1] == good
    assert hook(repo, cache_dir, "contracts/contract-full.yaml")[1] == good


def test_parallel_hook_processes_share_the_index(repo: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    expected = hook(repo, cache_dir, "contracts/contract-full.yaml", cache=False)
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(
            pool.map(lambda _: hook(repo, cache_dir, "contracts/contract-full.yaml"), range(6))
        )
    assert all(run == expected for run in runs)


def test_unwritable_cache_location_falls_back(repo: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache directory should be")
    expected = hook(repo, tmp_path / "c2", "contracts/contract-full.yaml", cache=False)
    assert hook(repo, blocker / "sub", "contracts/contract-full.yaml") == expected


def test_no_cache_writes_nothing(repo: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    hook(repo, cache_dir, "contracts/contract-full.yaml", cache=False)
    assert not cache_dir.exists()


def test_full_runs_do_not_touch_the_index(repo: Path, tmp_path: Path) -> None:
    env = {**os.environ, "VENDORPOLICY_CACHE_DIR": str(tmp_path / "cache")}
    subprocess.run([VP, "check", "--as-of", "2026-11-22", "-q"], cwd=repo, env=env, check=False)
    assert not (tmp_path / "cache").exists()


def test_cache_lives_outside_the_repository(repo: Path, tmp_path: Path) -> None:
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    hook(repo, tmp_path / "cache", "contracts/contract-full.yaml")
    assert sorted(p.relative_to(repo) for p in repo.rglob("*")) == before
    subprocess.run(["true"], check=True)


def test_an_index_of_another_format_or_program_is_replaced(repo: Path, tmp_path: Path) -> None:
    """A valid SQLite file at the index's place: the previous format (its tables and meta),
    then one of another program (a view where a table should be)."""
    import sqlite3

    cache_dir = tmp_path / "cache"
    good = both(repo, cache_dir, "contracts/contract-full.yaml")
    (index,) = cache_dir.glob("index-*.sqlite")
    for setup in (
        [
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "INSERT INTO meta VALUES ('format', '3')",
            "CREATE TABLE files (path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, "
            "inode INTEGER, sha256 TEXT)",
        ],
        ["CREATE TABLE notes (x)", "CREATE VIEW manifest AS SELECT 1 AS one"],
    ):
        for leftover in cache_dir.glob("index-*"):
            leftover.unlink()
        db = sqlite3.connect(index)
        for statement in setup:
            db.execute(statement)
        db.commit()
        db.close()
        assert hook(repo, cache_dir, "contracts/contract-full.yaml")[1] == good
        assert both(repo, cache_dir, "contracts/contract-full.yaml") == good


def test_parallel_hooks_share_an_index_that_records(repo: Path, tmp_path: Path) -> None:
    """As above, once the files are old enough to be recorded (two seconds: see the racy
    window in cache.py): parallel writers merge, and every run agrees with --no-cache."""
    import time

    from vendorpolicy import cache

    cache_dir = tmp_path / "cache"
    staged = ["contracts/contract-full.yaml", "contracts/portfolio-context.yaml"]
    staged += [f"attestations/{p.name}" for p in sorted((repo / "attestations").iterdir())]
    expected = {f: hook(repo, cache_dir, f, cache=False) for f in staged}
    time.sleep(cache.RACY_NS / 1e9 + 0.2)
    for _ in range(2):  # a cold index, then a warm one
        with ThreadPoolExecutor(max_workers=4) as pool:
            runs = dict(
                zip(staged, pool.map(lambda f: hook(repo, cache_dir, f), staged), strict=True)
            )
        assert runs == expected
