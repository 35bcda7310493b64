"""The `vendorpolicy` pre-commit hook, driven by the real `pre-commit` tool and real commits.

Every test builds a temporary git repository (isolated from the user's git and pre-commit
configuration) whose `.pre-commit-config.yaml` holds the hook published in this project's
`.pre-commit-hooks.yaml`: same files/exclude/types/require_serial, but `repo: local` with
`language: system` and the absolute path of the installed console script, so no network
and no virtualenv build is needed. The built-in pack judges the canonical documents at a
fixed evaluation date; the batch test brings its own small policy so that its findings do
not depend on the pack.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.precommit

ROOT = Path(__file__).resolve().parents[1]
CANONICAL = ROOT / "tests" / "fixtures" / "canonical"
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
AS_OF = "2026-11-22"  # the canonical documents' golden evaluation date

# `path:line:col SEVERITY RULE message` (SPEC §5/§6, hook mode)
FINDING = re.compile(r"^(?P<path>\S+):(?P<line>\d+):(?P<col>\d+) (?P<sev>[A-Z]+) (?P<rule>\S+) .+$")
SUMMARY = re.compile(r"^(passed|FAILED): \d+ document\(s\)", re.MULTILINE)

CONFIG = """\
roots: [contracts, attestations, waivers]
fail_on: low
"""


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


VENDORPOLICY = _tool("vendorpolicy")
PRE_COMMIT = _tool("pre-commit")
GIT = shutil.which("git")

if not (VENDORPOLICY and PRE_COMMIT and GIT):
    pytest.skip(
        "needs git, pre-commit and the installed vendorpolicy console script "
        "(pip install -e '.[test]')",
        allow_module_level=True,
    )


def published_hook(
    hook_id: str = "vendorpolicy", extra_args: str = "", **overrides: Any
) -> dict[str, Any]:
    """The hook of .pre-commit-hooks.yaml as a `repo: local` / `language: system` hook."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    hook = next(h for h in manifest if h["id"] == hook_id)
    command = shlex.split(hook["entry"])
    assert command[0] == "vendorpolicy"
    local = {
        key: hook[key]
        for key in ("id", "name", "files", "exclude", "types", "pass_filenames", "require_serial")
        if key in hook
    }
    local["entry"] = shlex.join([str(VENDORPOLICY), *command[1:], *shlex.split(extra_args)])
    local["language"] = "system"
    local.update(overrides)
    return local


class Repo:
    """A temporary git repository with pre-commit installed, isolated from the user's setup."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root = root
        root.mkdir()
        home.mkdir()
        gitconfig = home / "gitconfig"
        gitconfig.write_text("", encoding="utf-8")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GIT_", "PRE_COMMIT", "VENDORPOLICY_", "XDG_"))
        }
        env.update(
            GIT_AUTHOR_NAME="Contract Owner",
            GIT_AUTHOR_EMAIL="owner@example.com",
            GIT_COMMITTER_NAME="Contract Owner",
            GIT_COMMITTER_EMAIL="owner@example.com",
            GIT_CONFIG_GLOBAL=str(gitconfig),
            GIT_CONFIG_NOSYSTEM="1",
            HOME=str(home),
            XDG_CACHE_HOME=str(home / "cache"),  # vendorpolicy's context index lives here
            PRE_COMMIT_HOME=str(home / "pre-commit"),
            PRE_COMMIT_COLOR="never",
            NO_COLOR="1",
        )
        self.env = env
        self.git("init", "-q", "-b", "main")
        self.write(".gitignore", ".vendorpolicy-cache/\n")

    def run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            cmd,
            cwd=self.root,
            env=self.env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=300,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"{shlex.join(cmd)} exited {proc.returncode}:\n{proc.stdout}")
        return proc

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        assert GIT is not None
        return self.run(GIT, *args, check=check)

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def install_hooks(self, *hooks: dict[str, Any], config: str = CONFIG) -> None:
        """Commit .vendorpolicy.yaml and .pre-commit-config.yaml, then `pre-commit install`."""
        self.write(".vendorpolicy.yaml", config)
        self.write(
            ".pre-commit-config.yaml",
            yaml.safe_dump({"repos": [{"repo": "local", "hooks": list(hooks)}]}, sort_keys=False),
        )
        assert PRE_COMMIT is not None
        self.run(PRE_COMMIT, "install")
        self.git("add", "-A")

    def commit(self, message: str) -> subprocess.CompletedProcess[str]:
        return self.git("commit", "-m", message, check=False)

    def commits(self) -> int:
        proc = self.git("rev-list", "--count", "HEAD", check=False)
        return int(proc.stdout.strip()) if proc.returncode == 0 else 0


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo", tmp_path / "home")


def canonical(name: str) -> str:
    return (CANONICAL / name).read_text(encoding="utf-8")


def add_canonical_set(repo: Repo, contract: str | None = None) -> None:
    """The canonical golden set laid out as a contracts repository (roots of CONFIG)."""
    repo.write("contracts/contract-full.yaml", contract or canonical("contract-full.yaml"))
    repo.write("contracts/portfolio-context.yaml", canonical("portfolio-context.yaml"))
    for att in sorted(CANONICAL.glob("attestation-*.yaml")):
        repo.write(f"attestations/{att.name}", att.read_text(encoding="utf-8"))
    repo.write("waivers/waiver.yaml", canonical("waiver.yaml"))


def finding(line: str) -> re.Match[str]:
    match = FINDING.match(line)
    assert match is not None, line
    return match


def findings(output: str) -> set[str]:
    return {line for line in output.splitlines() if FINDING.match(line)}


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def builtin_hook(**overrides: Any) -> dict[str, Any]:
    return published_hook(extra_args=f"--as-of {AS_OF}", **overrides)


# --- configuration files are not contracts ---------------------------------------------------


def test_config_files_and_hidden_directories_are_not_checked(repo: Repo) -> None:
    repo.install_hooks(builtin_hook())
    repo.write(".github/workflows/ci.yml", "on: push\njobs: {}\n")
    repo.git("add", "-A")
    proc = repo.commit("tooling only")
    assert proc.returncode == 0, proc.stdout
    assert re.search(r"vendorpolicy check\.+\(no files to check\)Skipped", proc.stdout), proc.stdout
    assert repo.commits() == 1


# --- (a) blocked, (b) let through once fixed --------------------------------------------------


def test_noncompliant_contract_is_blocked_then_fixed_contract_passes(repo: Repo) -> None:
    repo.install_hooks(builtin_hook(), config=CONFIG + "outputs: {junit: reports/vp.xml}\n")
    assert repo.commit("tooling").returncode == 0
    good = canonical("contract-full.yaml")
    bad = good.replace("at_rest: true ", "at_rest: false", 1)
    assert bad != good
    add_canonical_set(repo, contract=bad)
    repo.git("add", "-A")

    proc = repo.commit("onboard helix with data unencrypted at rest")

    assert proc.returncode != 0, proc.stdout
    assert repo.commits() == 1  # nothing was committed
    line = line_of(bad, "at_rest: false")
    expected = re.compile(
        rf"^contracts/contract-full\.yaml:{line}:\d+ CRITICAL ENC-001 .+$", re.MULTILINE
    )
    assert expected.search(proc.stdout), proc.stdout
    # only the broken contract has findings, every one in the hook's one-line format
    assert {finding(f)["path"] for f in findings(proc.stdout)} == {"contracts/contract-full.yaml"}
    assert SUMMARY.search(proc.stdout)
    # hook mode writes no report files, though the config asks for one
    assert not (repo.root / "reports").exists()

    repo.write("contracts/contract-full.yaml", good)
    repo.git("add", "contracts/contract-full.yaml")
    proc = repo.commit("onboard helix, encrypted at rest")

    assert proc.returncode == 0, proc.stdout
    assert re.search(r"vendorpolicy check\.+Passed", proc.stdout), proc.stdout
    assert repo.commits() == 2
    assert not (repo.root / "reports").exists()


def test_hook_mode_prints_findings_whatever_the_configured_format(repo: Repo) -> None:
    repo.install_hooks(builtin_hook(), config=CONFIG + "format: json\n")
    assert repo.commit("tooling").returncode == 0
    add_canonical_set(
        repo,
        contract=canonical("contract-full.yaml").replace("at_rest: true ", "at_rest: false", 1),
    )
    repo.git("add", "-A")
    proc = repo.commit("onboard helix")
    assert proc.returncode != 0
    assert any(" ENC-001 " in f for f in findings(proc.stdout)), proc.stdout[-2000:]


def test_validate_hook_blocks_schema_errors(repo: Repo) -> None:
    repo.install_hooks(published_hook("vendorpolicy-validate"))
    assert repo.commit("tooling").returncode == 0
    add_canonical_set(repo)
    broken = canonical("portfolio-context.yaml").replace('country: "DE"', 'country: "XX"', 1)
    repo.write("contracts/portfolio-context.yaml", broken)
    repo.git("add", "-A")

    proc = repo.commit("typo in a country code")

    assert proc.returncode != 0
    line = line_of(broken, 'country: "XX"')
    assert re.search(
        rf"contracts/portfolio-context\.yaml:{line}:\d+ \w+ VP-SCHEMA ", proc.stdout
    ), proc.stdout
    repo.write("contracts/portfolio-context.yaml", canonical("portfolio-context.yaml"))
    repo.git("add", "-A")
    proc = repo.commit("fixed")
    assert proc.returncode == 0, proc.stdout


def test_validate_hook_writes_no_report_files(repo: Repo) -> None:
    repo.install_hooks(
        published_hook("vendorpolicy-validate"),
        config=CONFIG + "outputs: {junit: reports/vp.xml}\n",
    )
    assert repo.commit("tooling").returncode == 0
    add_canonical_set(repo)
    repo.git("add", "-A")
    proc = repo.commit("golden set")
    assert proc.returncode == 0, proc.stdout
    assert not (repo.root / "reports").exists()


# --- (c) a staged contract is judged with the rest of the repository --------------------------


def _amend_title(repo: Repo, revision: int) -> None:
    """Change the contract's metadata.title and stage the contract alone."""
    path = repo.root / "contracts" / "contract-full.yaml"
    text = path.read_text(encoding="utf-8")
    amended = re.sub(r"^(  title: .*)$", rf"\g<1> (rev {revision})", text, count=1, flags=re.M)
    assert amended != text
    path.write_text(amended, encoding="utf-8")
    repo.git("add", "contracts/contract-full.yaml")


def test_staged_contract_is_judged_with_committed_attestations(repo: Repo) -> None:
    repo.install_hooks(builtin_hook(verbose=True))
    add_canonical_set(repo)
    repo.git("add", "-A")
    assert repo.commit("golden set").returncode == 0

    # Only the contract is staged; its vendor's attestations are committed, not staged.
    _amend_title(repo, 1)
    proc = repo.commit("retitle the contract")
    assert proc.returncode == 0, proc.stdout
    assert re.search(r"^passed: 1 document\(s\), 0 failed", proc.stdout, re.MULTILINE), proc.stdout

    # Control: the same change without the attestations in the repository fails ATT-001,
    # so the pass above came from the committed attestations.
    repo.git(
        "rm",
        "-q",
        "attestations/attestation-iso27001.yaml",
        "attestations/attestation-soc2-type2.yaml",
        "attestations/attestation-bridge-letter.yaml",
        "attestations/attestation-pentest.yaml",
    )
    _amend_title(repo, 2)
    proc = repo.commit("drop the attestations")
    assert proc.returncode != 0, proc.stdout
    assert re.search(
        r"^contracts/contract-full\.yaml:\d+:\d+ \w+ ATT-001 ", proc.stdout, re.MULTILINE
    ), proc.stdout
    assert repo.commits() == 2


def test_unstaged_attestation_changes_do_not_change_the_verdict(repo: Repo) -> None:
    """pre-commit stashes unstaged changes: the hook judges what is being committed.

    The unstaged edit moves the vendor's attestations to another vendor. A direct run on the
    working tree sees that (and puts it in the context index); the hook, after pre-commit's
    stash, must see the committed attestations again, not a stale index entry.
    """
    repo.install_hooks(builtin_hook())
    add_canonical_set(repo)
    repo.git("add", "-A")
    assert repo.commit("golden set").returncode == 0

    edited = []
    for att in sorted((repo.root / "attestations").glob("*.yaml")):
        text = att.read_text(encoding="utf-8")
        if "vendor: helix-cloud" in text:
            att.write_text(text.replace("vendor: helix-cloud", "vendor: helix-legacy"), "utf-8")
            edited.append(att.name)
    assert edited
    _amend_title(repo, 1)
    assert VENDORPOLICY is not None
    direct = repo.run(
        VENDORPOLICY,
        "check",
        "--hook",
        "--as-of",
        AS_OF,
        "contracts/contract-full.yaml",
        check=False,
    )
    assert direct.returncode == 1
    assert any(" ATT-001 " in f for f in findings(direct.stdout)), direct.stdout

    proc = repo.commit("retitle the contract")

    assert proc.returncode == 0, proc.stdout
    assert repo.commits() == 2
    # the unstaged edits are back in the working tree after the hook ran
    status = repo.git("status", "--porcelain").stdout.splitlines()
    assert sorted(status) == sorted(f" M attestations/{name}" for name in edited)


# --- (d) batches give the same findings as one run --------------------------------------------

BATCH_POLICY = """\
apiVersion: vendorpolicy/v1
kind: Policy
metadata:
  id: batch-test
  title: Rules for the batch test (per document, per vendor bundle, per portfolio)
rules:
  - id: T-ENC
    title: Encrypted at rest
    severity: high
    match: {kind: Contract}
    check: "security.encryption.at_rest == `true`"
  - id: T-ATT
    title: The vendor has an attestation on file
    severity: medium
    match: {kind: Contract}
    check: "length(attestations()) > `0`"
  - id: T-CON
    title: At most 12 contracts per vendor in the portfolio
    severity: low
    match: {kind: Contract}
    check: "length(contracts()[?metadata.vendor == (root() | metadata.vendor)]) <= `12`"
"""

CONTRACT = """\
apiVersion: vendorpolicy/v1
kind: Contract
metadata:
  id: batch-{i:02d}
  vendor: {vendor}
vendor:
  legal_name: {vendor} Ltd
dates:
  start: "2026-01-01"
classification:
  critical_function: false
  data_classification: internal
  personal_data: false
  special_category_data: false
  cardholder_data: false
services:
  - id: svc
    name: Service {i}
    type: saas
security:
  encryption:
    at_rest: {at_rest}
"""

ATTESTATION = """\
apiVersion: vendorpolicy/v1
kind: Attestation
metadata:
  id: {vendor}-iso27001
  vendor: {vendor}
subject_entity: {vendor} Ltd
type: iso27001
issuer: {{name: Certivo, kind: accredited_cb, accredited: true}}
issued: "2025-03-14"
valid_until: "2028-03-13"
standard_version: "2022"
scope: {{services: [svc]}}
"""

WAIVER = """\
apiVersion: vendorpolicy/v1
kind: Waiver
metadata: {{id: {wid}, vendor: {vendor}}}
rule: T-ENC
targets: [{target}]
justification: Encryption project scheduled for Q1.
approved_by: ciso@example.com
approved_on: "2026-10-01"
expires: "2027-03-31"
"""

# 15 + 15 + 10 + 10 + 5 + 5 contracts: T-CON fails for v0 and v1, but only with the
# whole portfolio in view (a batch alone sees fewer of their contracts).
VENDORS = ["v0"] * 15 + ["v1"] * 15 + ["v2"] * 10 + ["v3"] * 10 + ["v4"] * 5 + ["v5"] * 5


def _long_dir(i: int) -> str:
    """A ~3,000-character directory path: 60 of them exceed pre-commit's 128 KiB per batch."""
    return "/".join(f"d{k}{i:02d}-" + "x" * 240 for k in range(12))


def _batch_repo(repo: Repo, policy_dir: Path, waivers: dict[str, str]) -> list[str]:
    """Stage 60 contracts (long paths), 4 attestations and `waivers`; return the staged files."""
    policy_dir.mkdir()
    (policy_dir / "batch.yaml").write_text(BATCH_POLICY, encoding="utf-8")
    extra = f"--as-of {AS_OF} --policies {shlex.quote(str(policy_dir))}"
    repo.install_hooks(published_hook(extra_args=extra))
    assert repo.commit("tooling").returncode == 0
    for i, vendor in enumerate(VENDORS):
        repo.write(
            f"contracts/{_long_dir(i)}/c{i:02d}.yaml",
            CONTRACT.format(i=i, vendor=vendor, at_rest="false" if i % 7 == 0 else "true"),
        )
    for vendor in ("v0", "v1", "v2", "v3"):  # v4 and v5 have none: T-ATT fails for them
        repo.write(f"attestations/{vendor}-iso27001.yaml", ATTESTATION.format(vendor=vendor))
    for name, text in waivers.items():
        repo.write(f"waivers/{name}.yaml", text)
    repo.git("add", "-A")
    staged = repo.git("diff", "--cached", "--name-only", "-z").stdout.split("\0")
    return [p for p in staged if p]


def _single_run(repo: Repo, policy_dir: Path, files: list[str]) -> set[str]:
    assert VENDORPOLICY is not None
    proc = repo.run(
        VENDORPOLICY,
        "check",
        "--hook",
        "--as-of",
        AS_OF,
        "--policies",
        str(policy_dir),
        "--",
        *files,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stdout
    return findings(proc.stdout)


def test_batches_report_the_same_findings_as_one_run(repo: Repo, tmp_path: Path) -> None:
    waiver = WAIVER.format(wid="W-ENC-07", vendor="v2", target="batch-07")
    files = _batch_repo(repo, tmp_path / "policies", {"w-enc-07": waiver})
    assert len(files) == 60 + 4 + 1
    assert sum(len(f) for f in files) > 2**17  # more than one batch, whatever the CPU count

    proc = repo.commit("onboard 60 contracts")

    assert proc.returncode != 0
    assert repo.commits() == 1
    batches = len(SUMMARY.findall(proc.stdout))
    assert batches >= 2, proc.stdout[-2000:]
    hooked = findings(proc.stdout)
    single = _single_run(repo, tmp_path / "policies", files)
    assert hooked == single
    # the findings do depend on the context: the expected failures, and nothing else
    rules = sorted((finding(f)["rule"], finding(f)["path"].split("/")[-1]) for f in hooked)
    expected_enc = [i for i in range(60) if i % 7 == 0 and i != 7]  # batch-07 is waived
    expected_att = [i for i, v in enumerate(VENDORS) if v in ("v4", "v5")]
    expected_con = [i for i, v in enumerate(VENDORS) if v in ("v0", "v1")]
    assert rules == sorted(
        [("T-ENC", f"c{i:02d}.yaml") for i in expected_enc]
        + [("T-ATT", f"c{i:02d}.yaml") for i in expected_att]
        + [("T-CON", f"c{i:02d}.yaml") for i in expected_con]
    )


def test_batches_report_unmatched_waivers_like_one_run(repo: Repo, tmp_path: Path) -> None:
    # Ten waivers of T-ENC for contracts that are encrypted at rest: each matches no failure,
    # a VP-WAIVER finding in one run. pre-commit shuffles the files (with a fixed seed) into
    # batches, so most waivers land in another batch than their target.
    compliant = [i for i in range(60) if i % 7 != 0][:10]
    waivers = {
        f"w-stale-{i:02d}": WAIVER.format(
            wid=f"W-STALE-{i:02d}", vendor=VENDORS[i], target=f"batch-{i:02d}"
        )
        for i in compliant
    }
    files = _batch_repo(repo, tmp_path / "policies", waivers)

    proc = repo.commit("onboard 60 contracts with stale waivers")

    assert len(SUMMARY.findall(proc.stdout)) >= 2
    single = _single_run(repo, tmp_path / "policies", files)
    assert sum(" VP-WAIVER " in f for f in single) == len(compliant)
    assert findings(proc.stdout) == single
