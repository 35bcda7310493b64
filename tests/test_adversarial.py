"""Hostile inputs through the installed console script: a finding, never a crash or a hang.

Every case of tests/adversarial/make_corpus.py runs `vendorpolicy check --format json` in a
subprocess on a directory holding the hostile input(s) and one good contract, under a
1 GiB address-space limit and a 20 s timeout. The run must exit 1 (a finding; 2 would be
a crash or a usage error), print no traceback, print valid JSON, report the precise
finding (rule, path, line, column, message fragment) and still evaluate the good contract.

The cases run a few at a time (subprocesses started from this thread only, so
`preexec_fn` is safe) before the per-case tests read their outcomes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs, symlinks, rlimits: POSIX")

MEMORY_LIMIT = 1 << 30  # RLIMIT_AS: 1 GiB of address space per run
RSS_BOUND = 400 << 20  # and the peak resident memory a run may reach (~70 MB normally)
TIMEOUT = 20.0  # seconds per run: generous, so a loaded CI machine stays green
PARALLEL = max(2, min(4, os.cpu_count() or 2))


def _load_corpus() -> ModuleType:
    path = Path(__file__).resolve().parent / "adversarial" / "make_corpus.py"
    spec = importlib.util.spec_from_file_location("vendorpolicy_adversarial_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()


def _limit_resources() -> None:  # runs in the child, between fork and exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@dataclass
class Outcome:
    returncode: int | None
    stdout: bytes
    stderr: str
    seconds: float
    timed_out: bool
    folder: Path
    max_rss: int  # bytes


def _wait(proc: subprocess.Popen[bytes], block: bool) -> int | None:
    """Reap the child with wait4 (for its peak memory); None while it still runs."""
    pid, status, usage = os.wait4(proc.pid, 0 if block else os.WNOHANG)
    if pid == 0:
        return None
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def _check_command(vp: str, policies: Path, paths: list[str]) -> list[str]:
    return [
        vp,
        "check",
        "--format",
        "json",
        "--policies",
        str(policies),
        "--as-of",
        "2026-11-22",
        *paths,
    ]


def run_many(
    jobs: list[tuple[str, list[str], Path, tuple[str, ...]]], env: dict[str, str]
) -> dict[str, Outcome]:
    """Run (id, argv, cwd, big files) jobs, PARALLEL at a time, each bounded in time/memory."""
    outcomes: dict[str, Outcome] = {}
    pending = list(jobs)
    running: list[tuple[str, subprocess.Popen[bytes], float, Path, Path, Path, tuple[str, ...]]]
    running = []
    while pending or running:
        while pending and len(running) < PARALLEL:
            key, argv, cwd, big = pending.pop(0)
            out_path, err_path = cwd.parent / f"{cwd.name}.out", cwd.parent / f"{cwd.name}.err"
            with out_path.open("wb") as out, err_path.open("wb") as err:
                proc = subprocess.Popen(
                    argv,
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    preexec_fn=_limit_resources,  # safe: no other threads start processes
                )
            running.append((key, proc, time.monotonic(), cwd, out_path, err_path, big))
        time.sleep(0.02)
        for item in list(running):
            key, proc, started, cwd, out_path, err_path, big = item
            elapsed = time.monotonic() - started
            timed_out = False
            max_rss = _wait(proc, block=False)
            if max_rss is None:
                if elapsed < TIMEOUT:
                    continue
                proc.kill()
                max_rss = _wait(proc, block=True) or 0
                timed_out = True
            running.remove(item)
            for name in big:  # e.g. the 100 MB file: gone as soon as its run is over
                (cwd / name).unlink(missing_ok=True)
            outcomes[key] = Outcome(
                proc.returncode,
                out_path.read_bytes(),
                err_path.read_bytes().decode("utf-8", "replace"),
                elapsed,
                timed_out,
                cwd,
                max_rss,
            )
    return outcomes


@pytest.fixture(scope="module")
def outcomes(
    tmp_path_factory: pytest.TempPathFactory,
    vp: str,
    vp_env: dict[str, str],
    tiny_policies: Path,
) -> Iterator[dict[str, Outcome]]:
    root = tmp_path_factory.mktemp("adversarial")
    jobs = []
    for case in corpus.CASES:
        folder = root / case.id
        folder.mkdir()
        paths = corpus.prepare(case, folder)
        jobs.append((case.id, _check_command(vp, tiny_policies, paths), folder, case.big))
    yield run_many(jobs, vp_env)
    for path in root.rglob("*"):  # leave nothing unreadable or huge behind
        if path.is_file() and not path.is_symlink():
            path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    shutil.rmtree(root, ignore_errors=True)


def _matches(result: dict[str, Any], finding: Any) -> bool:
    return (
        result["status"] == "fail"
        and result["rule"] == finding.rule
        and result["path"] == finding.path
        and (result["line"], result["column"]) == (finding.line, finding.column)
        and finding.fragment in result["message"]
    )


def _param(case: Any) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.id, marks=marks)


def test_corpus_is_large_and_unique() -> None:
    ids = [c.id for c in corpus.CASES]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", [_param(c) for c in corpus.CASES])
def test_hostile_input(case: Any, outcomes: dict[str, Outcome]) -> None:
    out = outcomes[case.id]
    assert not out.timed_out, f"no answer within {TIMEOUT:.0f} s"
    assert out.max_rss < RSS_BOUND, f"peak memory {out.max_rss >> 20} MiB"
    assert "Traceback" not in out.stderr, out.stderr
    assert "internal error" not in out.stderr, out.stderr
    assert out.returncode == case.exit_code, out.stderr
    report = json.loads(out.stdout.decode("utf-8"))  # strict: the report must be UTF-8 JSON
    results = report["results"]
    for finding in case.expect:
        assert any(_matches(r, finding) for r in results), (
            finding,
            [r for r in results if r["path"] == finding.path],
        )
    good = [r for r in results if r["path"] == corpus.GOOD_PATH]
    assert any(r["rule"] == corpus.GOOD_RULE and r["status"] == "pass" for r in good), (
        "the good contract next to the hostile input was not evaluated",
        good,
    )
    assert not any(r["status"] == "error" for r in results), results
    if case.check is not None:
        case.check(report, out.folder)


# ------------------------------------------------------------------ inputs are never written


def _snapshot(root: Path) -> dict[str, tuple[str, int, int, str]]:
    """Every entry of a tree (hidden ones too): kind, mode, mtime, content digest."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            if stat.S_ISREG(st.st_mode):
                kind, digest = "file", hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                kind, digest = "link", os.readlink(path)
            else:
                kind, digest = "dir", ""
            snap[str(path.relative_to(root))] = (kind, st.st_mode, st.st_mtime_ns, digest)
    return snap


def test_check_never_writes_to_a_read_only_tree(
    tmp_path: Path, vp: str, vp_env: dict[str, str], tiny_policies: Path, canonical: Path
) -> None:
    tree = tmp_path / "repo"
    for name in ["contract-full.yaml", "portfolio-context.yaml", "waiver.yaml"]:
        corpus.write(tree, f"contracts/{name}", (canonical / name).read_bytes())
    for name in ["attestation-soc2-type2.yaml", "attestation-iso27001.yaml"]:
        corpus.write(tree, f"attestations/{name}", (canonical / name).read_bytes())
    corpus.write(tree, "contracts/broken.yaml", corpus.HEAD + "title: a\ntitle: b\n")
    corpus.write(tree, "contracts/bomb.yaml", corpus.billion_laughs())
    corpus.write(tree, ".vendorpolicy.yaml", "roots: [contracts, attestations]\n")
    reports = tmp_path / "reports"
    for path in [tree, *tree.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    before = _snapshot(tree)
    try:
        for args in (
            [
                "check",
                "--policies",
                str(tiny_policies),
                "--format",
                "json",
                "--output",
                f"junit={reports / 'junit.xml'}",
                "--output",
                f"sarif={reports / 's'}",
                "contracts/broken.yaml",
                "contracts/portfolio-context.yaml",
            ],
            [
                "check",
                "--policies",
                str(tiny_policies),
                "--format",
                "text",
                "--hook",
                "contracts/broken.yaml",
            ],
            ["validate", "--format", "json", "."],
        ):
            proc = subprocess.run(
                [vp, *args], cwd=tree, env=vp_env, capture_output=True, timeout=60, check=False
            )
            assert proc.returncode == 1, proc.stderr
            assert b"Traceback" not in proc.stderr
        after = _snapshot(tree)
    finally:
        for path in [tree, *tree.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert after == before  # no file changed, appeared or disappeared (hidden ones included)
    assert (reports / "junit.xml").is_file() and (reports / "s").is_file()
