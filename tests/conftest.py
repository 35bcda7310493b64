"""Shared fixtures: the installed console script, the canonical examples, a tiny policy pack.

CLI tests run the *installed* `vendorpolicy` console script in a subprocess (what users
run), with colour off and the context cache kept in a temporary directory so that no
test writes outside its own tmp_path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
CANONICAL = TESTS / "fixtures" / "canonical"

# One rule that every complete contract passes: a `check` run over a good contract then
# has a `pass` result to look for, whatever the built-in pack contains today.
TINY_POLICY = """\
apiVersion: vendorpolicy/v1
kind: Policy
metadata:
  id: tiny
  title: A one-rule pack for the CLI tests
rules:
  - id: TST-001
    title: The vendor's legal name is given
    severity: high
    description: A contract names the legal entity it is signed with.
    remediation: Add vendor.legal_name.
    references: [test]
    match:
      kind: Contract
    check: "vendor.legal_name != `null`"
    at: vendor.legal_name
"""


def console_script() -> str:
    """Path of the installed `vendorpolicy` script: this interpreter's first, then PATH."""
    bindir = Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin")
    found = shutil.which("vendorpolicy", path=str(bindir)) or shutil.which("vendorpolicy")
    if found is None:
        pytest.fail("the vendorpolicy console script is not installed (pip install -e .)")
    return found


def cli_env(cache_dir: Path) -> dict[str, str]:
    """The environment CLI subprocesses run in: no colour, no debug tracebacks, own cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VENDORPOLICY_")}
    env.update(
        NO_COLOR="1",
        VENDORPOLICY_CACHE_DIR=str(cache_dir),
        PYTHONIOENCODING="utf-8",
        LC_ALL="C.UTF-8",
    )
    return env


@pytest.fixture(scope="session")
def vp() -> str:
    """The installed console script."""
    return console_script()


@pytest.fixture(scope="session")
def canonical() -> Path:
    """tests/fixtures/canonical: the complete example documents."""
    return CANONICAL


@pytest.fixture(scope="session")
def tiny_policies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A policy directory holding TINY_POLICY (pass it with --policies)."""
    folder = tmp_path_factory.mktemp("tiny-policies")
    (folder / "tiny.yaml").write_text(TINY_POLICY, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def vp_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return cli_env(tmp_path_factory.mktemp("vp-cache"))


RunVP = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_vp(vp: str, vp_env: dict[str, str], tmp_path: Path) -> RunVP:
    """Run the console script: run_vp("check", "x.yaml", cwd=...) -> CompletedProcess."""

    def run(
        *args: str | os.PathLike[str],
        cwd: Path | None = None,
        timeout: float = 60,
        command: Sequence[str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        argv = [*(command or [vp]), *map(str, args)]
        return subprocess.run(
            argv,
            cwd=cwd or tmp_path,
            env=vp_env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )

    return run
