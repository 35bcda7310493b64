"""Start-up guards for a one-file check: no built-in policy file is parsed (the pack holds
them), and neither jmespath nor jsonschema is imported (each costs more than the whole
evaluation of a contract). Deterministic stand-ins for a wall-clock benchmark."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

CANONICAL = Path(__file__).resolve().parent / "fixtures" / "canonical"

SCRIPT = """
import json, sys
from vendorpolicy import loader
parsed = []
real = loader.load_bytes
def spy(path, raw, *args, **kwargs):
    parsed.append(path)
    return real(path, raw, *args, **kwargs)
loader.load_bytes = spy
from vendorpolicy.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("jmespath", "jsonschema", "difflib") if m in sys.modules)
print(json.dumps({"code": code, "parsed": parsed, "heavy": heavy}), file=sys.stderr)
"""


def _check(tmp_path: Path, *args: str) -> dict[str, object]:
    shutil.copy(CANONICAL / "contract-full.yaml", tmp_path / "one.yaml")
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, "check", "--no-cache", "--as-of", "2026-11-22", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    outcome: dict[str, object] = json.loads(run.stderr.strip().splitlines()[-1])
    return outcome


def test_one_file_check_parses_only_the_file_and_skips_heavy_imports(tmp_path: Path) -> None:
    outcome = _check(tmp_path, "one.yaml")
    assert outcome["code"] in (0, 1)
    assert outcome["parsed"] == ["one.yaml"]
    assert outcome["heavy"] == []


def test_a_user_policy_file_is_parsed_and_its_expressions_too(tmp_path: Path) -> None:
    policies = tmp_path / "mine"
    policies.mkdir()
    (policies / "local.yaml").write_text(
        "apiVersion: vendorpolicy/v1\n"
        "kind: Policy\n"
        "metadata: {id: local, title: Local rules}\n"
        "rules:\n"
        "  - id: LOC-001\n"
        "    title: A vendor name\n"
        "    severity: low\n"
        "    description: The vendor is named.\n"
        "    remediation: Name it.\n"
        "    match: {kind: Contract}\n"
        '    check: "vendor.legal_name != `null` && length(vendor.legal_name) > `1`"\n',
        encoding="utf-8",
    )
    outcome = _check(tmp_path, "--policies", "mine", "one.yaml")
    assert outcome["code"] in (0, 1)
    assert outcome["parsed"] == ["mine/local.yaml", "one.yaml"]
    assert outcome["heavy"] == ["jmespath"]
