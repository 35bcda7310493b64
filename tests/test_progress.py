"""Progress of a long run: shown on stderr when it is a terminal, never in reports,
stdout or piped stderr (the console script through a pseudo-terminal)."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

import pytest

from tests.test_determinism import large_tree

ARGS = ["check", "--as-of", "2026-11-22", "--no-cache", "--format", "text"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return large_tree(tmp_path_factory.mktemp("progress") / "tree")


def run_with_terminal_stderr(vp: str, cwd: Path, out: Path, *args: str) -> tuple[str, str]:
    """stdout to a file, stderr to a pseudo-terminal; returns (stdout, terminal text)."""
    leader, follower = pty.openpty()
    with out.open("wb") as sink:
        proc = subprocess.Popen([vp, *ARGS, *args], cwd=cwd, stdout=sink, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            part = os.read(leader, 65536)
        except OSError:  # EIO: the terminal closed with the process
            break
        if not part:
            break
        seen += part
    proc.wait(timeout=120)
    os.close(leader)
    return out.read_text(encoding="utf-8"), seen.decode("utf-8", "replace")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_terminal_sees_progress_that_reports_never_carry(
    vp: str, tree: Path, tmp_path: Path, jobs: str
) -> None:
    report = tmp_path / "report.json"
    stdout, terminal = run_with_terminal_stderr(
        vp, tree, tmp_path / "stdout.txt", "--jobs", jobs, "--output", f"json={report}"
    )
    assert "vendorpolicy: reading" in terminal and "vendorpolicy: judging" in terminal
    # the line is blanked at the end, so the next prompt starts clean
    assert terminal.endswith("\r") and not terminal[:-1].rsplit("\r", 1)[-1].strip()
    assert "\r" not in stdout and "judging" not in stdout
    assert b"judging" not in report.read_bytes()


def test_piped_stderr_gets_no_progress(vp: str, tree: Path) -> None:
    proc = subprocess.run([vp, *ARGS], cwd=tree, capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1)
    assert "judging" not in proc.stderr and "\r" not in proc.stderr + proc.stdout
