"""The command line through the installed console script (SPEC §5): commands, options,
reports and exit codes — 0 clean, 1 a finding, 2 usage or configuration error — and
never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import vendorpolicy

RunVP = Callable[..., subprocess.CompletedProcess[str]]  # the run_vp fixture (conftest.py)

CANONICAL_DOCUMENTS = [
    "contract-full.yaml",
    "portfolio-context.yaml",
    "attestation-soc2-type2.yaml",
    "attestation-iso27001.yaml",
    "attestation-pentest.yaml",
    "attestation-bridge-letter.yaml",
    "attestation-subservice-eurocolo.yaml",
    "waiver.yaml",
]

BROKEN = """\
apiVersion: vendorpolicy/v1
kind: Contract
metadata:
  id: broken
  vendor: broken-vendor
title: first
title: second
"""

# Two rules on the good contract: TST-001 passes, TST-002 (low) fails.
TWO_RULES = """\
apiVersion: vendorpolicy/v1
kind: Policy
metadata:
  id: two
  title: Two rules
params:
  min_services: 2
rules:
  - id: TST-001
    title: The vendor's legal name is given
    severity: high
    description: A contract names the legal entity it is signed with.
    remediation: Add vendor.legal_name.
    match:
      kind: Contract
    check: "vendor.legal_name != `null`"
  - id: TST-002
    title: The contract renews automatically
    severity: low
    description: Test rule that the portfolio contract fails.
    remediation: Set dates.auto_renewal.
    match:
      kind: Contract
    check: "dates.auto_renewal == `true` && length(services) >= param('min_services')"
"""


@pytest.fixture
def workdir(tmp_path: Path, canonical: Path) -> Path:
    """A folder with the good portfolio contract and a two-rule policy directory."""
    shutil.copy(canonical / "portfolio-context.yaml", tmp_path / "contract.yaml")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "two.yaml").write_text(TWO_RULES, encoding="utf-8")
    return tmp_path


def assert_clean_stderr(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr, proc.stderr


# ----------------------------------------------------------------- version and help


def test_version(run_vp: RunVP) -> None:
    proc = run_vp("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"vendorpolicy, version {vendorpolicy.__version__}"


def test_python_dash_m_version(run_vp: RunVP) -> None:
    proc = run_vp("--version", command=[sys.executable, "-m", "vendorpolicy"])
    assert proc.returncode == 0, proc.stderr
    assert vendorpolicy.__version__ in proc.stdout


def test_help_lists_the_commands(run_vp: RunVP) -> None:
    proc = run_vp("--help")
    assert proc.returncode == 0
    for command in ("check", "validate", "test", "rules", "explain", "schema"):
        assert f"  {command} " in proc.stdout, command
    sub = run_vp("check", "--help")
    assert sub.returncode == 0
    for option in (
        "--policies",
        "--param",
        "--as-of",
        "--fail-on",
        "--format",
        "--output",
        "--config",
        "--jobs",
        "--quiet",
    ):
        assert option in sub.stdout, option


# ----------------------------------------------------------------- validate


def test_validate_canonical_examples(run_vp: RunVP, canonical: Path, tmp_path: Path) -> None:
    for name in CANONICAL_DOCUMENTS:
        shutil.copy(canonical / name, tmp_path / name)
    proc = run_vp("validate", *CANONICAL_DOCUMENTS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_clean_stderr(proc)
    report = json.loads(run_vp("validate", "--format", "json", ".").stdout)
    assert report["summary"]["documents"] == len(CANONICAL_DOCUMENTS)
    assert report["summary"]["fail"] == 0


def test_validate_broken_file_points_at_path_line_col(run_vp: RunVP, tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    proc = run_vp("validate", "broken.yaml")
    assert proc.returncode == 1
    assert_clean_stderr(proc)
    assert "broken.yaml:7:1" in proc.stdout
    assert "VP-YAML" in proc.stdout
    assert "duplicate key 'title' (first defined on line 6)" in proc.stdout


def test_validate_reports_every_file(run_vp: RunVP, tmp_path: Path, canonical: Path) -> None:
    (tmp_path / "a-broken.yaml").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "b-empty.yaml").write_bytes(b"")
    shutil.copy(canonical / "portfolio-context.yaml", tmp_path / "c-good.yaml")
    report = json.loads(run_vp("validate", "--format", "json", ".").stdout)
    by_path = {r["path"]: r for r in report["results"]}
    assert by_path["a-broken.yaml"]["status"] == "fail"
    assert by_path["b-empty.yaml"]["message"].startswith("the file is empty")
    assert by_path["c-good.yaml"]["status"] == "pass"


# ----------------------------------------------------------------- check and exit codes


def test_check_exit_codes_follow_fail_on(run_vp: RunVP, workdir: Path) -> None:
    failing = run_vp("check", "--policies", "policies", "contract.yaml")
    assert failing.returncode == 1, failing.stderr
    assert "TST-002" in failing.stdout
    passing = run_vp("check", "--policies", "policies", "--fail-on", "medium", "contract.yaml")
    assert passing.returncode == 0, passing.stdout + passing.stderr


def test_check_json_output_file_and_quiet(run_vp: RunVP, workdir: Path) -> None:
    out = workdir / "reports" / "result.json"
    proc = run_vp(
        "check",
        "--policies",
        "policies",
        "--as-of",
        "2026-11-22",
        "--quiet",
        "--output",
        f"json={out}",
        "contract.yaml",
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert_clean_stderr(proc)
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["as_of"] == "2026-11-22"
    statuses = {r["rule"]: r["status"] for r in report["results"]}
    assert statuses["TST-001"] == "pass" and statuses["TST-002"] == "fail"
    stdout = json.loads(
        run_vp(
            "check",
            "--policies",
            "policies",
            "--as-of",
            "2026-11-22",
            "--format",
            "json",
            "contract.yaml",
        ).stdout
    )
    assert stdout["results"] == report["results"]


def test_check_param_override(run_vp: RunVP, workdir: Path) -> None:
    proc = run_vp(
        "check",
        "--policies",
        "policies",
        "--format",
        "json",
        "--param",
        "min_services=1",
        "contract.yaml",
    )
    statuses = {r["rule"]: r["status"] for r in json.loads(proc.stdout)["results"]}
    assert statuses["TST-002"] == "fail"  # auto_renewal is false whatever the parameter


# ----------------------------------------------------------------- exit 2: usage and config


def _usage_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert_clean_stderr(proc)
    for fragment in fragments:
        assert fragment in proc.stderr, (fragment, proc.stderr)


def test_bad_option(run_vp: RunVP, workdir: Path) -> None:
    _usage_error(run_vp("check", "--no-such-option", "contract.yaml"), "--no-such-option")


def test_unknown_format(run_vp: RunVP, workdir: Path) -> None:
    _usage_error(run_vp("check", "--format", "xml", "contract.yaml"), "xml")


def test_unknown_output_format(run_vp: RunVP, workdir: Path) -> None:
    _usage_error(
        run_vp("check", "--policies", "policies", "--output", "pdf=x.pdf", "contract.yaml"), "pdf"
    )


def test_bad_fail_on(run_vp: RunVP, workdir: Path) -> None:
    _usage_error(run_vp("check", "--fail-on", "severe", "contract.yaml"), "severe")


@pytest.mark.parametrize("as_of", ["2026-13-01", "2026-02-30", "tomorrow", "22/11/2026"])
def test_bad_as_of(run_vp: RunVP, workdir: Path, as_of: str) -> None:
    _usage_error(
        run_vp("check", "--policies", "policies", "--as-of", as_of, "contract.yaml"),
        "--as-of",
        as_of,
    )


def test_unknown_param(run_vp: RunVP, workdir: Path) -> None:
    _usage_error(
        run_vp("check", "--policies", "policies", "--param", "no_such=1", "contract.yaml"),
        "no_such",
        "min_services",
    )


def test_param_of_the_wrong_type(run_vp: RunVP, workdir: Path) -> None:
    _usage_error(
        run_vp("check", "--policies", "policies", "--param", "min_services=many", "contract.yaml"),
        "min_services",
    )


def test_config_with_broken_yaml(run_vp: RunVP, workdir: Path) -> None:
    (workdir / "cfg.yaml").write_text("fail_on: low\nroots: [a,\n", encoding="utf-8")
    _usage_error(run_vp("check", "--config", "cfg.yaml", "contract.yaml"), "cfg.yaml:3:1")


def test_config_that_cannot_be_read(run_vp: RunVP, workdir: Path) -> None:
    cfg = workdir / "cfg.yaml"
    if os.name == "posix" and os.geteuid() != 0:
        cfg.write_text("fail_on: low\n", encoding="utf-8")
        cfg.chmod(0)
    else:  # root reads anything: a dangling link cannot be opened either
        cfg.symlink_to(workdir / "gone.yaml")
    try:
        _usage_error(run_vp("check", "--config", "cfg.yaml", "contract.yaml"), "cfg.yaml")
    finally:
        if not cfg.is_symlink():
            cfg.chmod(0o600)


def test_config_that_does_not_exist(run_vp: RunVP, workdir: Path) -> None:
    _usage_error(run_vp("check", "--config", "nope.yaml", "contract.yaml"), "nope.yaml")


def test_config_with_unknown_setting(run_vp: RunVP, workdir: Path) -> None:
    (workdir / "cfg.yaml").write_text("fail_on: low\nfial_on: high\n", encoding="utf-8")
    _usage_error(run_vp("check", "--config", "cfg.yaml", "contract.yaml"), "cfg.yaml:2")


def test_policy_with_broken_expression(run_vp: RunVP, workdir: Path) -> None:
    text = TWO_RULES.replace("dates.auto_renewal == `true` &&", "dates.auto_renewal ==== &&")
    (workdir / "policies" / "two.yaml").write_text(text, encoding="utf-8")
    line = text.splitlines().index(next(x for x in text.splitlines() if "====" in x)) + 1
    _usage_error(
        run_vp("check", "--policies", "policies", "contract.yaml"), f"two.yaml:{line}", "TST-002"
    )


def test_policy_with_unknown_function(run_vp: RunVP, workdir: Path) -> None:
    text = TWO_RULES.replace("length(services)", "size(services)")
    (workdir / "policies" / "two.yaml").write_text(text, encoding="utf-8")
    _usage_error(
        run_vp("check", "--policies", "policies", "contract.yaml"), "two.yaml", "TST-002", "size"
    )


def test_policy_with_broken_yaml(run_vp: RunVP, workdir: Path) -> None:
    (workdir / "policies" / "two.yaml").write_text(TWO_RULES + "  - id: [\n", encoding="utf-8")
    _usage_error(run_vp("check", "--policies", "policies", "contract.yaml"), "two.yaml:")


def test_policy_with_duplicate_rule_id(run_vp: RunVP, workdir: Path) -> None:
    (workdir / "policies" / "copy.yaml").write_text(
        TWO_RULES.replace("id: two", "id: copy"), encoding="utf-8"
    )
    _usage_error(run_vp("check", "--policies", "policies", "contract.yaml"), "TST-001")


def test_policy_directory_that_does_not_exist(run_vp: RunVP, workdir: Path) -> None:
    _usage_error(run_vp("check", "--policies", "nowhere", "contract.yaml"), "nowhere")


# ----------------------------------------------------------------- schema, rules, explain


def test_schema_prints_json(run_vp: RunVP) -> None:
    proc = run_vp("schema", "Contract")
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/draft/2020-12")
    assert "classification" in schema["properties"]
    assert json.loads(run_vp("schema", "waiver").stdout)["properties"]["kind"]


def test_schema_unknown_kind(run_vp: RunVP) -> None:
    _usage_error(run_vp("schema", "Invoice"), "Invoice")


def test_rules_lists_the_loaded_rules(run_vp: RunVP, workdir: Path) -> None:
    proc = run_vp("rules", "--policies", "policies")
    assert proc.returncode == 0, proc.stderr
    assert "TST-001" in proc.stdout and "TST-002" in proc.stdout
    assert "2 rules" in proc.stdout
    rows = json.loads(run_vp("rules", "--policies", "policies", "--format", "json").stdout)
    assert [(r["id"], r["severity"]) for r in rows] == [("TST-001", "high"), ("TST-002", "low")]


def test_explain_one_rule(run_vp: RunVP, workdir: Path) -> None:
    proc = run_vp("explain", "TST-002", "--policies", "policies")
    assert proc.returncode == 0, proc.stderr
    assert "The contract renews automatically" in proc.stdout
    assert "low" in proc.stdout
    assert "min_services" in proc.stdout


def test_explain_unknown_rule(run_vp: RunVP, workdir: Path) -> None:
    _usage_error(run_vp("explain", "NOPE-404", "--policies", "policies"), "NOPE-404")
