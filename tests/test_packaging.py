"""The wheel carries schemas/ and policies/ and works outside the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CANONICAL = ROOT / "tests" / "fixtures" / "canonical"


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if build.returncode != 0 and "No module named" in build.stderr + build.stdout:
        build = subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    (wheel,) = dist.glob("vendorpolicy-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    py = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-2000:]

    work = tmp_path / "elsewhere"
    work.mkdir()
    for f in CANONICAL.glob("*.yaml"):
        if f.name != "vendorpolicy.yaml":
            shutil.copy(f, work / f.name)
    vp = env_dir / "bin" / "vendorpolicy"
    validate = subprocess.run([str(vp), "validate", "."], cwd=work, capture_output=True, text=True)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    check = subprocess.run(
        [str(vp), "check", "--as-of", "2026-11-22", "."], cwd=work, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr
    rules = subprocess.run([str(vp), "rules"], cwd=work, capture_output=True, text=True)
    assert "69 rules" in rules.stdout
    located = subprocess.run(
        [
            str(py),
            "-c",
            "from vendorpolicy import resources; print(resources.data_dir('policies'))",
        ],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert "_data" in located.stdout and str(ROOT) not in located.stdout
    schema = subprocess.run(
        [str(vp), "schema", "Contract"], cwd=work, capture_output=True, text=True
    )
    assert '"$schema"' in schema.stdout
