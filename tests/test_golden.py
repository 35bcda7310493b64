"""The built-in pack on the canonical examples and the sample repository, end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CANONICAL = ROOT / "tests" / "fixtures" / "canonical"
DOCS = [
    "contract-full.yaml",
    "portfolio-context.yaml",
    "attestation-bridge-letter.yaml",
    "attestation-iso27001.yaml",
    "attestation-pentest.yaml",
    "attestation-soc2-type2.yaml",
    "attestation-subservice-eurocolo.yaml",
    "waiver.yaml",
]


def _check(vp: str, cwd: Path, *args: str) -> tuple[int, dict]:
    proc = subprocess.run(
        [vp, "check", "--as-of", "2026-11-22", "--format", "json", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_canonical_examples_pass_with_one_waiver(vp: str, tmp_path: Path) -> None:
    for name in DOCS:
        shutil.copy(CANONICAL / name, tmp_path / name)
    code, report = _check(vp, tmp_path, *DOCS)
    bad = [r for r in report["results"] if r["status"] in ("fail", "error")]
    assert bad == []
    waived = [r for r in report["results"] if r["status"] == "waived"]
    assert [(r["rule"], r["document"], r["waiver"]["id"]) for r in waived] == [
        ("EXT-002", "quillon-corebank-modernisation-2026", "W-2026-031")
    ]
    assert code == 0
    assert report["summary"]["fail"] == 0 and report["summary"]["waived"] == 1
    rules = {r["rule"] for r in report["results"]}
    assert len([r for r in rules if not r.startswith("VP-")]) == 69


def test_stricter_config_fails_enc_002_on_both_contracts(vp: str, tmp_path: Path) -> None:
    for name in DOCS:
        shutil.copy(CANONICAL / name, tmp_path / name)
    shutil.copy(CANONICAL / "vendorpolicy.yaml", tmp_path / ".vendorpolicy.yaml")
    code, report = _check(vp, tmp_path, *DOCS)
    failing = {(r["rule"], r["document"]) for r in report["results"] if r["status"] == "fail"}
    assert ("ENC-002", "helix-managed-hosting-2026") in failing
    assert ("ENC-002", "quillon-corebank-modernisation-2026") in failing
    assert code == 1


def test_builtin_pack_passes_its_own_tests_with_coverage(vp: str) -> None:
    proc = subprocess.run(
        [vp, "test", "--require-coverage", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert "passed:" in proc.stdout


def test_rules_lists_69_with_references(vp: str) -> None:
    proc = subprocess.run([vp, "rules", "--format", "json"], capture_output=True, text=True)
    rows = json.loads(proc.stdout)
    assert len(rows) == 69
    assert all(r["references"] and r["title"] for r in rows)
    groups = {r["id"].split("-")[0] for r in rows}
    assert len(groups) == 17


@pytest.mark.parametrize("rule", ["LOC-004", "ENC-002", "CON-002", "ATT-002"])
def test_explain_shows_parameters_in_effect(vp: str, rule: str) -> None:
    proc = subprocess.run([vp, "explain", rule], capture_output=True, text=True)
    assert proc.returncode == 0
    assert rule in proc.stdout and "References" in proc.stdout
    assert "Parameters in effect" in proc.stdout


def test_sample_repository_mix(vp: str, tmp_path: Path) -> None:
    repo = tmp_path / "contracts"
    shutil.copytree(ROOT / "examples" / "contracts", repo)
    code, report = _check(vp, repo)
    assert code == 1
    by_status: dict[str, set[tuple[str, str]]] = {}
    for r in report["results"]:
        by_status.setdefault(r["status"], set()).add((r["rule"], r["document"] or ""))
    assert by_status.get("error", set()) == set()
    assert ("ENC-002", "luxlink-managed-wan-2025") in by_status["waived"]
    failing = by_status["fail"]
    assert ("AUD-003", "vistula-corebank-maintenance-2025") in failing
    assert ("ATT-002", "talentra-hr-suite-2025") in failing
    assert ("LOC-004", "halvorsen-dora-advisory-2026") in failing
    assert any(rule == "VP-WAIVER" for rule, _ in failing)
    failing_docs = {doc for rule, doc in failing if not rule.startswith("VP-")}
    assert len(failing_docs) <= 4
