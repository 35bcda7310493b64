#!/usr/bin/env python3
"""The performance benchmark (issue 8): `make bench` runs `python benchmarks/run.py`.

For each size N (default 1,000 and 10,000 contracts plus their attestations and
waivers, made by benchmarks/generate.py into benchmarks/.data/N/ and reused while
the generator is unchanged) it times WHOLE PROCESSES, wall clock and peak RSS:

  floor      one python process that yaml.load()s every document with libyaml's
             CSafeLoader: the parse-only floor every ratio is measured against
  check -j1  vendorpolicy check --as-of AS_OF --jobs 1 --no-cache with JSON and
             JUnit reports written, over the whole repository (its roots)
  check -j2  the same with --jobs 2

and once per benchmark:

  import floor  python -c "import yaml, jsonschema, click, jmespath"
  single file   vendorpolicy check --no-cache one.yaml, in a directory without config
  hook          vendorpolicy check --hook <one staged contract> from the root of the
                10,000-document repository (the largest size run if 10,000 is not):
                first run (builds the cache), warm (the figure that counts) and
                cold (--no-cache)

It prints a Markdown table (median of --runs runs, documents per second, peak RSS,
ratio to the floor, the target of the issue) and writes benchmarks/results/latest.md
and latest.json (git-ignored) with the machine's description. A case whose process
exits with a code other than 0 or 1 is reported as n/a with the head of its stderr.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GENERATOR = HERE / "generate.py"


def _generator_constant(name: str) -> str:
    """A constant of generate.py, read from its source: the generator runs in a child
    process and is not imported, so that this process stays small (the peak RSS that
    wait4() reports for a child is never below its parent's RSS when it was spawned)."""
    found = re.search(rf"^{name} = \"?([^\"\n]+)\"?$", GENERATOR.read_text(), re.M)
    if not found:
        raise SystemExit(f"{GENERATOR} does not define {name}")
    return found.group(1)


AS_OF = _generator_constant("AS_OF")
GENERATOR_VERSION = _generator_constant("GENERATOR_VERSION")
DEFAULT_SEED = int(_generator_constant("DEFAULT_SEED"))

ROOTS = ("contracts", "attestations", "waivers")
STAMP = ".stamp.json"
IMPORTS = "import yaml, jsonschema, click, jmespath"

# The parse-only floor, run in a child process: every document of the roots, libyaml.
FLOOR = r"""
import os, sys, yaml
loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
root, n = sys.argv[1], 0
for top in sys.argv[2:]:
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith((".yaml", ".yml")) and not name.startswith("."):
                with open(os.path.join(dirpath, name), "rb") as f:
                    yaml.load(f.read(), Loader=loader)
                n += 1
print(n)
"""

# Targets of issue 8.
T_CHECK = 2.0  # check --jobs 1 / floor, at 10,000
T_JOBS = 1.3  # check --jobs 2 / floor (the same single-process floor)
T_RSS_MB = 500.0  # peak RSS of check --jobs 1 at 10,000
T_HOOK_S = 0.5  # warm hook on the 10,000-document repository, interpreter start included
T_SINGLE = 1.5  # single-file check / import floor


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# Timing whole processes
# --------------------------------------------------------------------------------------


class TreeSampler:
    """Best-effort peak of the summed RSS of a process and its descendants (Linux /proc).

    wait4() gives the peak RSS of the child itself (or of its largest waited-for
    descendant); with worker processes the sum is what a CI runner must hold.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self.page_kb = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.available = Path(f"/proc/{pid}/statm").exists()
        if self.available:
            self._thread.start()

    def _tree(self) -> list[int]:
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        todo.extend(int(c) for c in f.read().split())
            except OSError:
                continue
        return pids

    def _loop(self) -> None:
        while not self._stop.is_set():
            total = 0
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/statm") as f:
                        total += int(f.read().split()[1]) * self.page_kb
                except (OSError, ValueError, IndexError):
                    pass
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(self.interval)

    def stop(self) -> int | None:
        if not self.available:
            return None
        self._stop.set()
        self._thread.join()
        return self.peak_kb


@dataclass
class Sample:
    wall: float
    rc: int
    rss_kb: int | None
    tree_rss_kb: int | None
    stderr: str
    stdout: str


def run_once(
    cmd: list[str],
    cwd: Path,
    env: dict[str, str],
    timeout: float,
    capture_stdout: bool = False,
    tree: bool = False,
) -> Sample:
    """Run `cmd` once; wall clock from spawn to reaping, peak RSS from wait4()."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out if capture_stdout else subprocess.DEVNULL,
            stderr=err,
        )
        sampler = TreeSampler(proc.pid) if tree else None
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        rss_kb: int | None = None
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            rc = os.waitstatus_to_exitcode(status)
            proc.returncode = rc  # reaped here: keep Popen from waiting again
            rss_kb = usage.ru_maxrss // (1024 if sys.platform == "darwin" else 1)
        else:  # pragma: no cover - no wait4 (Windows): no RSS
            rc = proc.wait()
            wall = time.perf_counter() - t0
        timer.cancel()
        tree_kb = sampler.stop() if sampler else None
        err.seek(0)
        out.seek(0)
        return Sample(
            wall=wall,
            rc=rc,
            rss_kb=rss_kb,
            tree_rss_kb=tree_kb,
            stderr=err.read().decode("utf-8", "replace"),
            stdout=out.read().decode("utf-8", "replace") if capture_stdout else "",
        )


@dataclass
class Case:
    key: str  # stable id, e.g. "check-j1"
    label: str
    n: int | None  # repository size (contracts), None for size-independent cases
    docs: int | None  # documents processed
    cmd: list[str]
    cwd: Path
    ok_codes: tuple[int, ...] = (0, 1)
    tree: bool = False
    samples: list[Sample] = field(default_factory=list)
    failed: str | None = None  # "n/a" reason
    baseline: str | None = None  # key of the case this one is divided by
    target: str = ""
    target_ratio: float | None = None
    target_seconds: float | None = None

    def run(self, env: dict[str, str], timeout: float, capture: bool = False) -> Sample | None:
        if self.failed:
            return None
        # Each timed process starts with the disk settled: the gigabyte of reports the
        # previous case wrote is flushed now, not while this one runs (and billed to it).
        if hasattr(os, "sync"):
            os.sync()
        s = run_once(self.cmd, self.cwd, env, timeout, capture_stdout=capture, tree=self.tree)
        if s.rc not in self.ok_codes:
            lines = [line.strip() for line in s.stderr.splitlines() if line.strip()]
            head = " | ".join(lines if len(lines) <= 3 else [lines[0], "…", *lines[-2:]])[:400]
            self.failed = f"exit {s.rc}: {head or '(no stderr)'}"
            log(f"    {self.label}: n/a ({self.failed})")
            return None
        self.samples.append(s)
        log(f"    {self.label}: {s.wall:.3f} s, {mb(s.rss_kb)} MB, exit {s.rc}")
        return s

    @property
    def median(self) -> float | None:
        return statistics.median(s.wall for s in self.samples) if self.samples else None

    @property
    def rss_mb(self) -> float | None:
        vals = [s.rss_kb for s in self.samples if s.rss_kb is not None]
        return max(vals) / 1024 if vals else None

    @property
    def tree_rss_mb(self) -> float | None:
        vals = [s.tree_rss_kb for s in self.samples if s.tree_rss_kb]
        return max(vals) / 1024 if vals else None


def mb(kb: int | None) -> str:
    return "?" if kb is None else f"{kb / 1024:.0f}"


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def generator_stamp(n: int, seed: int) -> dict[str, Any]:
    source = GENERATOR.read_bytes()
    return {
        "generator_version": GENERATOR_VERSION,
        "generator_sha256": hashlib.sha256(source).hexdigest(),
        "n": n,
        "seed": seed,
        "invalid_share": 0.0,
    }


def ensure_data(data_dir: Path, n: int, seed: int, regenerate: bool) -> Path:
    """benchmarks/.data/N/, generated unless a tree from the same generator is there."""
    tree = data_dir / str(n)
    stamp = generator_stamp(n, seed)
    stamp_file = tree / STAMP
    if tree.exists() and not regenerate and stamp_file.is_file():
        try:
            if json.loads(stamp_file.read_text()) == stamp:
                log(f"[{n}] reusing {tree}")
                return tree
        except ValueError:
            pass
    if tree.exists():
        if not (stamp_file.exists() or (tree / "manifest.json").exists()):
            raise SystemExit(f"{tree} exists and was not made by the benchmark; remove it")
        shutil.rmtree(tree)
    tmp = data_dir / f"{n}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    log(f"[{n}] generating {n} contracts into {tree} ...")
    t0 = time.perf_counter()
    gen = [sys.executable, str(GENERATOR), str(n), str(tmp), "--seed", str(seed)]
    if subprocess.run(gen, check=False).returncode != 0:
        raise SystemExit(f"the generator failed: {' '.join(gen)}")
    (tmp / STAMP).write_text(json.dumps(stamp, indent=1) + "\n")
    tmp.rename(tree)
    log(f"[{n}] generated in {time.perf_counter() - t0:.1f} s")
    return tree


def warm_page_cache(tree: Path) -> None:
    """Read every file once so the first timed run does not pay for the disk."""
    for top in ROOTS:
        for dirpath, _, filenames in os.walk(tree / top):
            for name in filenames:
                with open(os.path.join(dirpath, name), "rb") as f:
                    f.read()


# --------------------------------------------------------------------------------------
# Machine
# --------------------------------------------------------------------------------------


def _first_line(cmd: list[str], cwd: Path | None = None) -> str | None:
    try:
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip().splitlines()[0] if out.stdout.strip() else None


def machine_info(vp: str, env: dict[str, str]) -> dict[str, Any]:
    probe = (
        "import json, yaml; print(json.dumps([bool(getattr(yaml, '__with_libyaml__', False)), "
        "yaml.__version__]))"
    )
    libyaml, pyyaml = json.loads(_first_line([sys.executable, "-c", probe]) or "[false, null]")
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": None,
        "memory_gb": None,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "libyaml": libyaml,
        "pyyaml": pyyaml,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    if info["cpu_model"] is None:
        info["cpu_model"] = platform.processor() or None
    version = _first_line([vp, "--version"])  # "vendorpolicy, version 0.1.0"
    info["vendorpolicy"] = version.split()[-1] if version else None
    try:
        out = subprocess.run(
            [vp, "rules", "--format", "json"], capture_output=True, text=True, timeout=120, env=env
        )
        info["rules_loaded"] = len(json.loads(out.stdout)) if out.returncode == 0 else None
    except (OSError, ValueError, subprocess.TimeoutExpired):
        info["rules_loaded"] = None
    info["git_commit"] = _first_line(["git", "rev-parse", "--short", "HEAD"], cwd=REPO)
    return info


# --------------------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------------------


def vendorpolicy_exe() -> str:
    beside = Path(sys.executable).parent / "vendorpolicy"
    if beside.exists():
        return str(beside)
    found = shutil.which("vendorpolicy")
    if not found:
        raise SystemExit("vendorpolicy is not installed (run `make bench`, which installs it)")
    return found


SUMMARY = r"""
import hashlib, json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
digest = hashlib.sha256(json.dumps(report.get("results"), sort_keys=True).encode()).hexdigest()
print(json.dumps({"summary": report.get("summary"), "results_sha256": digest}))
"""


def report_summary(path: Path) -> dict[str, Any] | None:
    """Summary counts and a digest of the results of a JSON report (read in a child
    process: a large report would otherwise inflate this process's RSS)."""
    if not path.is_file():
        return None
    line = _first_line([sys.executable, "-c", SUMMARY, str(path)])
    return json.loads(line) if line else None


def run_size(
    n: int, tree: Path, args: argparse.Namespace, vp: str, env: dict[str, str], tmp: Path
) -> tuple[list[Case], dict[str, Any]]:
    manifest = json.loads((tree / "manifest.json").read_text())
    docs = int(manifest["counts"]["documents"])
    out = tmp / f"reports-{n}"
    out.mkdir()
    common = [vp, "check", "--as-of", AS_OF, "--no-cache", "--format", "json", "-q"]
    floor = Case(
        f"floor-{n}",
        "parse floor (libyaml, 1 process)",
        n,
        docs,
        [sys.executable, "-c", FLOOR, str(tree), *ROOTS],
        tree,
        ok_codes=(0,),
    )
    j1 = Case(
        f"check-j1-{n}",
        "check --jobs 1",
        n,
        docs,
        [
            *common,
            "--jobs",
            "1",
            "--output",
            f"json={out}/j1.json",
            "--output",
            f"junit={out}/j1.xml",
        ],
        tree,
        baseline=floor.key,
        target=f"≤ {T_CHECK}× floor" + (f", RSS < {T_RSS_MB:.0f} MB" if n == 10000 else ""),
        target_ratio=T_CHECK,
    )
    j2 = Case(
        f"check-j{args.parallel}-{n}",
        f"check --jobs {args.parallel}",
        n,
        docs,
        [
            *common,
            "--jobs",
            str(args.parallel),
            "--output",
            f"json={out}/j2.json",
            "--output",
            f"junit={out}/j2.xml",
        ],
        tree,
        tree=True,
        baseline=floor.key,
        target=f"≤ {T_JOBS}× floor",
        target_ratio=T_JOBS,
    )
    cases = [floor, j1, j2]
    log(f"[{n}] warming the page cache ({docs} documents)")
    warm_page_cache(tree)
    extra: dict[str, Any] = {"documents": docs, "manifest_counts": manifest["counts"]}
    for r in range(args.runs):  # interleaved, so that drift in machine load hits all cases
        log(f"[{n}] round {r + 1}/{args.runs}")
        s = floor.run(env, args.timeout, capture=True)
        if s is not None and s.stdout.strip().isdigit():
            extra["floor_documents"] = int(s.stdout.strip())
        j1.run(env, args.timeout)
        j2.run(env, args.timeout)
    a, b = report_summary(out / "j1.json"), report_summary(out / "j2.json")
    if a:
        extra["check_summary"] = a["summary"]
    if a and b:
        extra["jobs_results_identical"] = a["results_sha256"] == b["results_sha256"]
    return cases, extra


def run_startup(
    tree: Path,
    manifest: dict[str, Any],
    args: argparse.Namespace,
    vp: str,
    env: dict[str, str],
    tmp: Path,
) -> list[Case]:
    single_dir = tmp / "single"
    single_dir.mkdir()
    sample = tree / manifest["sample_contract"]
    shutil.copy(sample, single_dir / sample.name)
    bare = Case(
        "python-bare",
        "python -c pass (interpreter start)",
        None,
        None,
        [sys.executable, "-c", "pass"],
        tmp,
        ok_codes=(0,),
    )
    imports = Case(
        "import-floor",
        f'import floor: python -c "{IMPORTS}"',
        None,
        None,
        [sys.executable, "-c", IMPORTS],
        tmp,
        ok_codes=(0,),
    )
    single = Case(
        "single-file",
        "check --no-cache one.yaml (no config)",
        1,
        1,
        [vp, "check", "--no-cache", "--as-of", AS_OF, sample.name],
        single_dir,
        baseline=imports.key,
        target=f"≤ {T_SINGLE}× import floor",
        target_ratio=T_SINGLE,
    )
    cases = [bare, imports, single]
    log("[start-up] interpreter, imports and single-file check")
    for r in range(args.runs):
        log(f"[start-up] round {r + 1}/{args.runs}")
        for c in cases:
            c.run(env, args.timeout)
    return cases


def run_hook(
    n: int,
    tree: Path,
    manifest: dict[str, Any],
    args: argparse.Namespace,
    vp: str,
    env: dict[str, str],
    cache_dir: Path,
) -> list[Case]:
    staged = manifest["sample_contract"]
    docs = int(manifest["counts"]["documents"])
    cmd = [vp, "check", "--hook", "--as-of", AS_OF]
    first = Case(
        f"hook-first-{n}", "hook, first run (builds the cache)", n, 1, [*cmd, staged], tree
    )
    warm = Case(
        f"hook-warm-{n}",
        "hook, warm cache",
        n,
        1,
        [*cmd, staged],
        tree,
        target=f"< {T_HOOK_S} s" + ("" if n == 10000 else " (at 10,000)"),
        target_seconds=T_HOOK_S,
    )
    cold = Case(f"hook-cold-{n}", "hook --no-cache", n, 1, [*cmd, "--no-cache", staged], tree)
    log(f"[hook] one staged contract ({staged}) in the {n}-contract repository ({docs} documents)")
    if cache_dir.exists():
        shutil.rmtree(cache_dir)
    first.run(env, args.timeout)
    for r in range(args.runs):
        log(f"[hook] round {r + 1}/{args.runs}")
        warm.run(env, args.timeout)
        cold.run(env, args.timeout)
    return [first, warm, cold]


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def fmt_s(v: float | None) -> str:
    return "n/a" if v is None else (f"{v:.3f}" if v < 10 else f"{v:.1f}")


def ratio_of(case: Case, by_key: dict[str, Case]) -> tuple[float | None, str]:
    if not case.baseline or case.median is None:
        return None, ""
    base = by_key[case.baseline]
    if base.median is None:
        return None, ""
    name = "import floor" if base.key == "import-floor" else "floor"
    return case.median / base.median, name


def meets(case: Case, ratio: float | None) -> str:
    if case.failed:
        return "n/a"
    verdicts = []
    if case.target_ratio is not None and ratio is not None:
        verdicts.append(ratio <= case.target_ratio)
    if case.target_seconds is not None and case.median is not None:
        verdicts.append(case.median < case.target_seconds)
    if "RSS" in case.target and case.rss_mb is not None:
        verdicts.append(case.rss_mb < T_RSS_MB)
    if not verdicts:
        return ""
    return "yes" if all(verdicts) else "**no**"


def table(cases: list[Case]) -> tuple[str, list[dict[str, Any]]]:
    by_key = {c.key: c for c in cases}
    rows = [
        "| case | N | documents | median wall (s) | runs | docs/s | peak RSS (MB) "
        "| ratio | target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    data = []
    for c in cases:
        ratio, base = ratio_of(c, by_key)
        med = c.median
        dps = c.docs / med if (med and c.docs and c.docs > 1) else None
        rss = c.rss_mb
        rss_txt = "n/a" if rss is None else f"{rss:.0f}"
        if c.tree_rss_mb is not None:
            rss_txt += f" (Σ {c.tree_rss_mb:.0f})"
        if c.failed:
            ratio_txt = f"n/a: {c.failed[:120].replace('|', '/')}"
        elif c.key.startswith("floor"):
            ratio_txt = "1.00× (floor)"
        elif c.key == "import-floor":
            ratio_txt = "1.00× (import floor)"
        else:
            ratio_txt = f"{ratio:.2f}× {base}" if ratio is not None else ""
        met = meets(c, ratio)
        rows.append(
            f"| {c.label} | {c.n if c.n is not None else '–'} "
            f"| {c.docs if c.docs is not None else '–'} | {fmt_s(med)} | {len(c.samples)} "
            f"| {f'{dps:,.0f}' if dps else '–'} | {rss_txt} | {ratio_txt} | {c.target} | {met} |"
        )
        data.append(
            {
                "key": c.key,
                "label": c.label,
                "n": c.n,
                "documents": c.docs,
                "command": ["<parse floor script>" if a == FLOOR else a for a in c.cmd],
                "cwd": str(c.cwd),
                "runs": [round(s.wall, 4) for s in c.samples],
                "exit_codes": [s.rc for s in c.samples],
                "median_s": None if med is None else round(med, 4),
                "docs_per_s": None if dps is None else round(dps, 1),
                "peak_rss_mb": None if rss is None else round(rss, 1),
                "tree_peak_rss_mb": None if c.tree_rss_mb is None else round(c.tree_rss_mb, 1),
                "ratio": None if ratio is None else round(ratio, 3),
                "ratio_to": base or None,
                "target": c.target or None,
                "met": {"yes": True, "**no**": False}.get(met),
                "na": c.failed,
            }
        )
    return "\n".join(rows), data


def own_rss_mb() -> float | None:
    """This process's RSS: a floor under every child's peak RSS that wait4() reports."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


def memory_note(cases: list[Case], sizes: list[int]) -> str | None:
    rss = {c.n: c.rss_mb for c in cases if c.key.startswith("check-j1-") and c.rss_mb}
    known = [n for n in sizes if n in rss]
    if len(known) < 2:
        return None
    lo, hi = known[0], known[-1]
    growth = rss[hi] / rss[lo]
    return (
        f"Peak RSS of check --jobs 1: {rss[lo]:.0f} MB at {lo:,} → {rss[hi]:.0f} MB at "
        f"{hi:,} contracts ({growth:.1f}× for {hi / lo:.0f}× the documents)."
    )


def compile_package(vp: str) -> None:
    """Bytecode for the installed package, as a wheel install has it: an editable
    checkout under PYTHONDONTWRITEBYTECODE would otherwise compile every module on
    every start, which no real installation does."""
    python = Path(vp).with_name("python")
    code = "import os, vendorpolicy; print(os.path.dirname(vendorpolicy.__file__))"
    where = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    subprocess.run([str(python), "-m", "compileall", "-q", where], check=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Time vendorpolicy against the YAML parse floor (see benchmarks/README.md)."
    )
    ap.add_argument(
        "--sizes",
        default="1000,10000",
        help="comma-separated repository sizes in contracts (default 1000,10000; "
        "100000 is optional)",
    )
    ap.add_argument("--runs", type=int, default=3, help="timed runs per case (default 3)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    ap.add_argument("--parallel", type=int, default=2, help="--jobs of the parallel case (2)")
    ap.add_argument(
        "--hook-size",
        type=int,
        default=None,
        help="repository size for the hook case (default 10000, else the largest)",
    )
    ap.add_argument("--data-dir", type=Path, default=HERE / ".data")
    ap.add_argument("--results-dir", type=Path, default=HERE / "results")
    ap.add_argument("--regenerate", action="store_true", help="regenerate the data")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per process (3600)")
    ap.add_argument("--skip-hook", action="store_true")
    ap.add_argument("--skip-startup", action="store_true")
    args = ap.parse_args(argv)
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        ap.error("--sizes takes comma-separated integers, e.g. 1000,10000")
    if not sizes or min(sizes) < 1 or args.runs < 1:
        ap.error("--sizes and --runs must be positive")
    hook_size = args.hook_size or (10000 if 10000 in sizes else sizes[-1])
    if hook_size not in sizes:
        sizes = sorted({*sizes, hook_size})

    vp = vendorpolicy_exe()
    compile_package(vp)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    cache_dir = args.data_dir / "cache"
    env = dict(os.environ)
    # The context cache of --hook goes under the benchmark's data, so that the first
    # run really starts cold and the user's own cache is left alone.
    env["VENDORPOLICY_CACHE_DIR"] = str(cache_dir)
    env["XDG_CACHE_HOME"] = str(cache_dir)
    env.pop("VENDORPOLICY_DEBUG", None)

    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    machine = machine_info(vp, env)
    log(
        f"machine: {machine['cpu_count']} CPUs ({machine['cpu_model']}), {machine['python']}, "
        f"libyaml {'yes' if machine['libyaml'] else 'NO'}; vendorpolicy "
        f"{machine['vendorpolicy']}, {machine['rules_loaded']} rules"
    )
    cases: list[Case] = []
    per_size: dict[str, Any] = {}
    trees: dict[int, Path] = {}
    with tempfile.TemporaryDirectory(prefix="vp-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for n in sizes:
            trees[n] = ensure_data(args.data_dir, n, args.seed, args.regenerate)
            size_cases, extra = run_size(n, trees[n], args, vp, env, tmp)
            cases += size_cases
            per_size[str(n)] = extra
        hook_tree = trees[hook_size]
        manifest = json.loads((hook_tree / "manifest.json").read_text())
        if not args.skip_startup:
            cases += run_startup(hook_tree, manifest, args, vp, env, tmp)
        if not args.skip_hook:
            cases += run_hook(hook_size, hook_tree, manifest, args, vp, env, cache_dir)

    md_table, rows = table(cases)
    runner_mb = own_rss_mb()
    machine["runner_rss_mb"] = runner_mb
    notes = []
    mem = memory_note(cases, sizes)
    if mem:
        notes.append(mem)
    for n, extra in per_size.items():
        if "jobs_results_identical" in extra:
            notes.append(
                f"N={n}: results of --jobs 1 and --jobs {args.parallel} "
                f"{'identical' if extra['jobs_results_identical'] else '**DIFFER**'}."
            )
        if extra.get("check_summary"):
            s = extra["check_summary"]
            notes.append(
                f"N={n}: {s.get('documents')} documents; results: "
                + ", ".join(f"{k} {v}" for k, v in s.items() if k != "documents")
                + "."
            )
    m = machine
    machine_line = (
        f"{m['cpu_count']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB, {m['platform']}, "
        f"{m['python']}, PyYAML {m['pyyaml']} with libyaml: {'yes' if m['libyaml'] else 'no'}; "
        f"vendorpolicy {m['vendorpolicy']} at {m['git_commit']}, {m['rules_loaded']} rules; "
        f"load average at start {', '.join(f'{x:.2f}' for x in m['load_average'] or [])}"
    )
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    md = "\n".join(
        [
            "# vendorpolicy benchmark",
            "",
            f"{started}, `{command.strip()}` (median of {args.runs} run(s); "
            f"as-of {AS_OF}; generator v{GENERATOR_VERSION}, seed {args.seed}).",
            "",
            f"Machine: {machine_line}.",
            "",
            md_table,
            "",
            *[f"- {note}" for note in notes],
            "",
            "Ratios: check and check --jobs N against the parse floor of the same size and "
            "run; the single-file check against the import floor. Σ = summed RSS of the "
            "process tree (sampled). Peak RSS is what wait4() reports for the child, which "
            f"is never below the runner's own RSS at spawn ({runner_mb} MB). "
            "See benchmarks/README.md.",
            "",
        ]
    )
    print(md)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / "latest.md").write_text(md)
    result = {
        "started": started,
        "command": command.strip(),
        "as_of": AS_OF,
        "generator_version": GENERATOR_VERSION,
        "seed": args.seed,
        "runs": args.runs,
        "sizes": sizes,
        "hook_size": hook_size,
        "machine": machine,
        "targets": {
            "check_vs_floor": T_CHECK,
            "jobs_vs_floor": T_JOBS,
            "rss_mb_at_10000": T_RSS_MB,
            "hook_warm_s": T_HOOK_S,
            "single_vs_import_floor": T_SINGLE,
        },
        "cases": rows,
        "per_size": per_size,
        "notes": notes,
    }
    (args.results_dir / "latest.json").write_text(
        json.dumps(result, indent=1, ensure_ascii=False) + "\n"
    )
    log(f"wrote {args.results_dir / 'latest.md'} and latest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
