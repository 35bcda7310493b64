"""Determinism: the same tree gives byte-identical reports whatever the discovery order on
disk, the locale, the timezone, the hash seed or the number of jobs.

The sample repository is copied twice: once as is, once with its directories and files
created in a shuffled order (so the order the file system lists them in differs). Each copy
is checked through the installed console script under a different environment, writing
JSON, JUnit, SARIF and Markdown reports (and the text report on stdout). Everything must be
byte-for-byte equal, except `evidence.command` in the JSON report, which records the command
line (the output paths differ between runs).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "contracts"
AS_OF = "2026-11-22"
REPORTS = {
    "json": "report.json",
    "junit": "report.xml",
    "sarif": "report.sarif",
    "markdown": "report.md",
}
# The JSON report's evidence.command block (indent=2): the only part allowed to differ.
COMMAND_BLOCK = re.compile(r'\n {4}"command": \[\n(?: {6}.*\n)*? {4}\],', re.MULTILINE)


def available_locales() -> set[str]:
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return {"C"}
    return {line.strip() for line in out.stdout.splitlines() if line.strip()}


def utf8_locale() -> str:
    """de_DE.UTF-8 when installed (decimal comma, German collation), else C.UTF-8."""
    have = {name.lower().replace("-", "") for name in available_locales()}
    for name in ("de_DE.UTF-8", "C.UTF-8"):
        if name.lower().replace("-", "") in have:
            return name
    return "C.UTF-8"


def shuffled_copy(src: Path, dst: Path, seed: int) -> None:
    """Copy `src` to `dst`, creating directories and files in a shuffled order."""
    rng = random.Random(seed)
    dirs = sorted(p.relative_to(src) for p in src.rglob("*") if p.is_dir())
    files = sorted(p.relative_to(src) for p in src.rglob("*") if p.is_file())
    dst.mkdir()
    rng.shuffle(dirs)
    for d in sorted(dirs, key=lambda p: len(p.parts)):  # parents first, siblings shuffled
        (dst / d).mkdir()
    rng.shuffle(files)
    for f in files:
        (dst / f).write_bytes((src / f).read_bytes())
        os.utime(dst / f, (rng.randrange(1, 2**31), rng.randrange(1, 2**31)))


def run_check(
    vp: str,
    tree: Path,
    out: Path,
    env_extra: dict[str, str],
    jobs: int,
    paths: tuple[str, ...] = (),
) -> str:
    out.mkdir()
    outputs = [f"--output={fmt}={out / name}" for fmt, name in REPORTS.items()]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "TZ"))}
    env.update(env_extra)
    proc = subprocess.run(
        [
            vp,
            "check",
            "--as-of",
            AS_OF,
            "--jobs",
            str(jobs),
            "--format",
            "text",
            "--no-color",
            "--no-cache",
            *outputs,
            *paths,
        ],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout


def test_reports_are_byte_identical_across_order_locale_timezone_and_jobs(
    vp: str, tmp_path: Path
) -> None:
    first, second = tmp_path / "tree-a", tmp_path / "tree-b"
    shutil.copytree(SAMPLE, first)
    shuffled_copy(SAMPLE, second, seed=20261122)
    assert sorted(p.relative_to(first) for p in first.rglob("*")) == sorted(
        p.relative_to(second) for p in second.rglob("*")
    )

    utf8 = utf8_locale()
    runs = [
        (first, {"LC_ALL": "C", "LANG": "C", "TZ": "UTC", "PYTHONHASHSEED": "0"}, 1, ()),
        (
            second,
            {"LC_ALL": utf8, "LANG": utf8, "TZ": "Pacific/Kiritimati", "PYTHONHASHSEED": "4242"},
            2,
            (),
        ),
        # the roots named on the command line, in another order: the same documents
        (
            second,
            {"LC_ALL": utf8, "TZ": "UTC", "PYTHONHASHSEED": "7"},
            2,
            ("waivers", "contracts", "attestations/"),
        ),
    ]
    stdout = []
    for n, (tree, env, jobs, paths) in enumerate(runs):
        stdout.append(run_check(vp, tree, tmp_path / f"out-{n}", env, jobs, paths))
    for other in (1, 2):
        compare(tmp_path / "out-0", tmp_path / f"out-{other}")
        assert stdout[0] == stdout[other], f"the text report on stdout differs (run {other})"
    report = json.loads((tmp_path / "out-0" / "report.json").read_text(encoding="utf-8"))
    assert report["as_of"] == AS_OF
    assert len(report["documents"]) > 20 and len(report["results"]) > 500


def compare(one: Path, two: Path) -> None:
    """Every report byte-identical, the JSON report apart from evidence.command."""
    for fmt, name in REPORTS.items():
        a, b = (one / name).read_bytes(), (two / name).read_bytes()
        if fmt == "json":
            # evidence.command records the command line: the one field that may differ
            ja, jb = json.loads(a), json.loads(b)
            assert ja["evidence"].pop("command") != jb["evidence"].pop("command")
            assert ja == jb
            a, b = (
                COMMAND_BLOCK.sub("", a.decode()).encode(),
                COMMAND_BLOCK.sub("", b.decode()).encode(),
            )
            assert b'"command"' not in a
        assert a == b, f"the {fmt} report differs between {one.name} and {two.name}"


def test_the_same_tree_checked_twice_gives_the_same_reports(vp: str, tmp_path: Path) -> None:
    """No hidden state (cache, clock) leaks into a second run of the very same tree."""
    tree = tmp_path / "tree"
    shutil.copytree(SAMPLE, tree)
    env = {"LC_ALL": "C.UTF-8", "TZ": "Pacific/Kiritimati"}
    run_check(vp, tree, tmp_path / "first", env, 2)
    run_check(vp, tree, tmp_path / "second", env, 1)
    for name in REPORTS.values():
        a = (tmp_path / "first" / name).read_text(encoding="utf-8")
        b = (tmp_path / "second" / name).read_text(encoding="utf-8")
        assert COMMAND_BLOCK.sub("", a) == COMMAND_BLOCK.sub("", b), name


def test_findings_of_broken_files_are_deterministic_too(vp: str, tmp_path: Path) -> None:
    """The deliberately broken examples and the fuzz regressions (syntax errors, bad
    encodings, an alias bomb, control characters, a 3,000-document stream) beside the sample
    repository: VP-YAML and VP-SCHEMA findings, in reports of every format, are the same
    whatever the order, environment and number of jobs."""
    first, second = tmp_path / "tree-a", tmp_path / "tree-b"
    for tree, shuffle in ((first, False), (second, True)):
        tree.mkdir()
        for name, src in (
            ("sample", SAMPLE),
            ("invalid", ROOT / "examples" / "invalid"),
            ("fuzz", ROOT / "tests" / "fuzz" / "regressions"),
        ):
            if shuffle:
                shuffled_copy(src, tree / name, seed=len(name))
            else:
                shutil.copytree(src, tree / name)
    paths_a = ("sample/contracts", "sample/attestations", "sample/waivers", "invalid", "fuzz")
    paths_b = ("fuzz/", "invalid", "sample/waivers", "sample/attestations", "sample/contracts")
    run_check(vp, first, tmp_path / "out-a", {"LC_ALL": "C", "TZ": "UTC"}, 1, paths_a)
    run_check(
        vp,
        second,
        tmp_path / "out-b",
        {"LC_ALL": utf8_locale(), "TZ": "Pacific/Kiritimati", "PYTHONHASHSEED": "99"},
        2,
        paths_b,
    )
    compare(tmp_path / "out-a", tmp_path / "out-b")
    report = json.loads((tmp_path / "out-a" / "report.json").read_text(encoding="utf-8"))
    rules = {r["rule"] for r in report["results"] if r["status"] == "fail"}
    assert {"VP-YAML", "VP-SCHEMA"} <= rules


def large_tree(dst: Path) -> Path:
    """A repository large enough for worker processes (the benchmark's generator, with
    schema errors, waivers in and out of force), plus what must cross shards correctly:
    an id used in two files, an unreadable file and a two-document file."""
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "160", str(dst),
         "--invalid-share", "0.05"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    contracts = sorted((dst / "contracts").rglob("*.yaml"))
    twin = contracts[7].read_text(encoding="utf-8")
    (dst / "contracts" / "zz-copy-of-a-contract.yaml").write_text(twin, encoding="utf-8")
    (dst / "contracts" / "broken.yaml").write_text("kind: Contract\n  bad: [\n", encoding="utf-8")
    first, second = contracts[3].read_text(encoding="utf-8"), contracts[4].read_text("utf-8")
    (dst / "contracts" / "two-documents.yaml").write_text(
        first + "---\n" + second.replace("id: ", "id: two-docs-", 1), encoding="utf-8"
    )
    waiver = next((dst / "waivers").glob("*.yaml")).read_text(encoding="utf-8")
    stale = re.sub(r"expires: \"?[0-9-]+\"?", 'expires: "2025-01-31"', waiver)
    (dst / "waivers" / "W-expired.yaml").write_text(
        stale.replace("id: ", "id: expired-", 1), encoding="utf-8"
    )
    return dst


def test_worker_processes_give_byte_identical_reports(vp: str, tmp_path: Path) -> None:
    from vendorpolicy import parallel

    tree = large_tree(tmp_path / "tree")
    files = [p for p in tree.rglob("*.yaml") if p.name != ".vendorpolicy.yaml"]
    assert len(files) >= 3 * parallel.MIN_FILES_PER_JOB  # so --jobs 3 really starts workers
    env = {"LC_ALL": "C", "TZ": "UTC"}
    stdout = [run_check(vp, tree, tmp_path / f"jobs-{n}", env, n) for n in (1, 2, 3)]
    for n in (2, 3):
        compare(tmp_path / "jobs-1", tmp_path / f"jobs-{n}")
        assert stdout[0] == stdout[n - 1]
    report = json.loads((tmp_path / "jobs-1" / "report.json").read_text(encoding="utf-8"))
    rules = {r["rule"] for r in report["results"] if r["status"] != "pass"}
    statuses = {r["status"] for r in report["results"]}
    # what the shards must agree on is really there
    assert {"VP-YAML", "VP-SCHEMA", "VP-WAIVER"} <= rules
    assert {"pass", "fail", "waived", "not_applicable"} <= statuses
    duplicate = [r for r in report["results"] if "is also used by" in r["message"]]
    assert len(duplicate) == 4  # the copied contract, the two-document file's first document
    assert any("expired on 2025-01-31" in r["message"] for r in report["results"])


@pytest.mark.parametrize("jobs", [1, 2])
def test_positions_read_again_are_the_positions_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """Large runs keep no source maps and read a document with findings again for their
    positions (runner.LAZY_POSITIONS_FROM): the results are those of keeping them all."""
    from vendorpolicy import runner
    from vendorpolicy.config import find_config, load_config
    from vendorpolicy.policy import default_policy_dirs

    tree = large_tree(tmp_path / "tree")
    monkeypatch.chdir(tree)
    config = load_config(find_config())
    options = runner.Options(
        as_of=AS_OF, jobs=jobs, policy_dirs=tuple(default_policy_dirs()), use_cache=False
    )

    def results(lazy_from: int) -> list[tuple[object, ...]]:
        monkeypatch.setattr(runner, "LAZY_POSITIONS_FROM", lazy_from)
        return [r.as_tuple() for r in runner.run(options, config).results]

    kept, reread = results(10**9), results(0)
    assert reread == kept
    assert sum(1 for r in kept if r[1] == "fail" and r[4] > 1) > 100  # findings, placed
