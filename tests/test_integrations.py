"""Integrations: the GitHub Action, the workflows, the pre-commit manifest and `vendorpolicy init`.

The YAML of action.yml and every workflow is validated against the SchemaStore schemas that
check-jsonschema ships (offline) and audited with zizmor (offline); the action's gate script
is run with bash exactly as a runner runs a `shell: bash` step; the scaffold is checked by
vendorpolicy itself on the day of scaffolding and over the nine months after it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from vendorpolicy import runner, scaffold
from vendorpolicy.config import load_config
from vendorpolicy.errors import UsageError
from vendorpolicy.model import Severity

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
HOOKS_MANIFEST = ROOT / ".pre-commit-hooks.yaml"
EXAMPLE_WORKFLOW = ROOT / "examples" / "workflows" / "vendor-onboarding.yml"
TEMPLATES = ROOT / "src" / "vendorpolicy" / "templates"
WORKFLOW_TEMPLATE = TEMPLATES / "vendor-onboarding.yml.tmpl"
WORKFLOWS = sorted(
    [
        *(ROOT / ".github" / "workflows").glob("*.yml"),
        *(ROOT / "examples" / "workflows").glob("*.yml"),
    ]
)
FULL_PACK_RULES = 69
SCAFFOLD_FILES = {
    ".vendorpolicy.yaml",
    "contracts/example-contract.yaml",
    "attestations/example-soc2.yaml",
    "waivers/README.md",
    ".pre-commit-config.yaml",
    ".github/workflows/vendor-onboarding.yml",
    "CODEOWNERS",
}


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _need(name: str) -> str:
    path = _tool(name)
    if path is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return path


def _run(
    cmd: Sequence[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(cmd),
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=300,
        check=False,
    )


def _rule_count() -> int:
    proc = _run([_need("vendorpolicy"), "rules", "--format", "json"], cwd=ROOT)
    if proc.returncode != 0:
        return 0
    return len(json.loads(proc.stdout))


@pytest.fixture(scope="module")
def full_pack() -> None:
    count = _rule_count()
    if count < FULL_PACK_RULES:
        pytest.skip(
            f"the built-in pack lists {count} of the catalogue's {FULL_PACK_RULES} rules: "
            "the scaffold is only promised to pass the complete pack"
        )


# --- schemas ----------------------------------------------------------------------------------


def test_action_matches_the_github_actions_schema() -> None:
    proc = _run(
        [_need("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION)]
    )
    assert proc.returncode == 0, proc.stdout


def test_workflows_match_the_github_workflows_schema(tmp_path: Path) -> None:
    assert any(
        p.parent.name == "workflows" and p.parent.parent.name == ".github" for p in WORKFLOWS
    ), "this project's CI workflow is missing"
    assert EXAMPLE_WORKFLOW in WORKFLOWS
    # the template as `vendorpolicy init` writes it (a .yml file)
    scaffold.init_repository(tmp_path / "scaffold")
    written = tmp_path / "scaffold" / ".github" / "workflows" / "vendor-onboarding.yml"
    proc = _run(
        [
            _need("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, WORKFLOWS),
            str(written),
        ]
    )
    assert proc.returncode == 0, proc.stdout


def test_pre_commit_manifest_and_scaffold_config_are_valid(tmp_path: Path) -> None:
    # check-jsonschema has no pre-commit schema: pre-commit's own validators are the reference
    pre_commit = _need("pre-commit")
    proc = _run([pre_commit, "validate-manifest", str(HOOKS_MANIFEST)])
    assert proc.returncode == 0, proc.stdout
    scaffold.init_repository(tmp_path)
    proc = _run([pre_commit, "validate-config", str(tmp_path / ".pre-commit-config.yaml")])
    assert proc.returncode == 0, proc.stdout


# --- the published pre-commit hooks ----------------------------------------------------------


def _manifest() -> dict[str, dict[str, Any]]:
    hooks = yaml.safe_load(HOOKS_MANIFEST.read_text(encoding="utf-8"))
    return {h["id"]: h for h in hooks}


def test_published_hooks_definition() -> None:
    hooks = _manifest()
    assert set(hooks) == {"vendorpolicy", "vendorpolicy-validate"}
    check, validate = hooks["vendorpolicy"], hooks["vendorpolicy-validate"]
    assert check["entry"] == "vendorpolicy check --hook"
    assert validate["entry"] == "vendorpolicy validate --hook"
    for hook in (check, validate):
        assert hook["language"] == "python"
        assert hook["types"] == ["yaml"]
        assert hook.get("pass_filenames", True) is True
        assert hook["require_serial"] is False


@pytest.mark.parametrize(
    ("path", "checked"),
    [
        ("contracts/acme-hosting-2026.yaml", True),
        ("attestations/acme-soc2.yml", True),
        ("waivers/W-2026-014.yaml", True),
        ("nested/dir/contract.YAML.yaml", True),
        (".pre-commit-config.yaml", False),
        (".vendorpolicy.yaml", False),
        (".vendorpolicy.yml", False),
        ("sub/.vendorpolicy.yaml", False),
        (".github/workflows/vendor-onboarding.yml", False),
        ("contracts/.draft.yaml", False),
        ("contracts/notes.md", False),
        ("contracts/acme.yaml.bak", False),
    ],
)
def test_published_hook_selects_documents_not_configuration(path: str, checked: bool) -> None:
    identify = pytest.importorskip("identify.identify")
    for hook in _manifest().values():
        selected = (
            re.search(hook["files"], path) is not None
            and re.search(hook.get("exclude", "^$"), path) is None
            and set(hook["types"]) <= identify.tags_from_filename(path)
        )
        assert selected is checked, (hook["id"], path)


# --- zizmor -----------------------------------------------------------------------------------


def test_zizmor_finds_nothing_in_the_action_workflows_and_hooks(tmp_path: Path) -> None:
    scaffold.init_repository(tmp_path)
    targets = [
        ACTION,
        *WORKFLOWS,
        HOOKS_MANIFEST,
        tmp_path / ".github" / "workflows" / "vendor-onboarding.yml",
        tmp_path / ".pre-commit-config.yaml",
    ]
    proc = _run(
        [
            _need("zizmor"),
            "--offline",
            "--no-config",
            "--strict-collection",
            "--persona",
            "pedantic",
            *map(str, targets),
        ]
    )
    assert proc.returncode == 0, proc.stdout


def test_zizmor_audit_is_not_vacuous(tmp_path: Path) -> None:
    """The control: the same invocation catches an input expanded into a script."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: pull_request\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-24.04\n"
        '    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n',
        encoding="utf-8",
    )
    proc = _run([_need("zizmor"), "--offline", "--no-config", "--persona", "pedantic", str(bad)])
    assert proc.returncode != 0
    assert "template-injection" in proc.stdout


# --- hardening that the schemas do not check --------------------------------------------------

USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<comment>.*)$")


def _steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in doc:
        return list(doc["runs"].get("steps", []))
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_inputs_reach_scripts_through_env_only(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for step in _steps(doc):
        assert "${{" not in step.get("run", ""), (path.name, step.get("name"))


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_actions_are_pinned_by_full_sha_with_a_version_comment(path: Path) -> None:
    refs = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        m = USES.match(line)
        if not m or m["ref"].startswith("./"):
            continue
        refs += 1
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", m["ref"]), line
        assert re.match(r"\s+# v\S+", m["comment"]), line
    assert refs > 0


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_workflows_are_least_privilege(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    allowed = {
        "contents": "read",
        "security-events": "write",
        "actions": "read",
        "checks": "write",
        "pull-requests": "write",
    }
    scopes = [doc.get("permissions")] + [j.get("permissions") for j in doc["jobs"].values()]
    for job in doc["jobs"].values():
        assert job.get("permissions") is not None or doc.get("permissions") is not None
    for scope in scopes:
        assert scope != "write-all" and scope != "read-all"
        for name, level in (scope or {}).items():
            assert allowed.get(name) == level, (name, level)
    for step in _steps(doc):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_ci_runs_make_test_on_every_supported_python() -> None:
    doc = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    triggers = doc.get("on", doc.get(True))  # PyYAML reads the key `on` as True
    assert {"push", "pull_request"} <= set(triggers)
    assert doc["permissions"] == {"contents": "read"}
    (job,) = doc["jobs"].values()
    assert job["strategy"]["matrix"]["python-version"] == ["3.10", "3.11", "3.12", "3.13"]
    assert any("make test" in s.get("run", "") for s in job["steps"])


def test_example_workflow_uploads_reports_even_when_the_gate_fails() -> None:
    doc = yaml.safe_load(EXAMPLE_WORKFLOW.read_text(encoding="utf-8"))
    assert "pull_request" in doc.get("on", doc.get(True))
    (job,) = doc["jobs"].values()
    by_uses = {str(s.get("uses", "")).split("@")[0]: s for s in job["steps"]}
    artifact = by_uses["actions/upload-artifact"]
    sarif = by_uses["github/codeql-action/upload-sarif"]
    assert artifact["if"].startswith("always()")
    assert sarif["if"].startswith("always()")
    assert artifact["with"]["path"].endswith(".junit.xml")
    assert sarif["with"]["sarif_file"].endswith(".sarif")
    assert job["permissions"]["security-events"] == "write"


def test_scaffold_workflow_is_the_example_workflow() -> None:
    assert WORKFLOW_TEMPLATE.read_bytes() == EXAMPLE_WORKFLOW.read_bytes()


# --- the action's scripts, run as a runner runs them ------------------------------------------


def _action_step(step_id: str | None = None, name: str | None = None) -> dict[str, Any]:
    doc = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return next(
        s
        for s in doc["runs"]["steps"]
        if (step_id and s.get("id") == step_id) or (name and s.get("name") == name)
    )


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines())


def run_gate(
    workdir: Path, tmp: Path, **inputs: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str], Path]:
    """The `gate` step's script with the given inputs, under `bash -eo pipefail` (GitHub's)."""
    step = _action_step("gate")
    expr = re.compile(r"^\$\{\{ (?:inputs\.(?P<input>[\w-]+)|steps\.install\.outputs\.bin) \}\}$")
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    defaults = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    env = dict(os.environ)
    for var, value in step["env"].items():
        m = expr.match(value)
        assert m, f"unexpected env expression {value}"
        env[var] = (
            inputs.get(m["input"], defaults[m["input"]])
            if m["input"]
            else str(Path(_need("vendorpolicy")).parent)
        )
    outputs, summary = tmp / "github_output", tmp / "step_summary"
    outputs.write_text("", encoding="utf-8")
    summary.write_text("", encoding="utf-8")
    env.update(
        GITHUB_OUTPUT=str(outputs),
        GITHUB_STEP_SUMMARY=str(summary),
        RUNNER_TEMP=str(tmp),
        NO_COLOR="1",
    )
    script = tmp / "gate.sh"
    script.write_text(step["run"], encoding="utf-8")
    bash = _need("bash")
    proc = _run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workdir, env=env
    )
    return proc, _outputs(outputs), summary


def run_exit_step(exit_code: str) -> int:
    step = _action_step(name="Fail the step with the gate's exit code")
    env = dict(os.environ, VP_EXIT_CODE=exit_code)
    return _run(
        [_need("bash"), "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], env=env
    ).returncode


def test_action_gate_passes_the_scaffolded_repository(tmp_path: Path, full_pack: None) -> None:
    repo = tmp_path / "repo"
    scaffold.init_repository(repo)
    work = tmp_path / "runner"
    work.mkdir()

    proc, out, summary = run_gate(repo, work)

    assert proc.returncode == 0, proc.stdout
    assert out["exit-code"] == "0"
    assert out["failed"] == "0" and out["errors"] == "0"
    assert int(out["passed"]) > 0
    assert out["junit"] == "reports/vendorpolicy.junit.xml"
    assert out["sarif"] == "reports/vendorpolicy.sarif"
    assert (repo / out["junit"]).read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert json.loads((repo / out["sarif"]).read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert summary.read_text(encoding="utf-8").strip()
    assert run_exit_step(out["exit-code"]) == 0


POLICY = """\
apiVersion: vendorpolicy/v1
kind: Policy
metadata: {id: gate-test, title: Gate test}
rules:
  - id: T-ENC
    title: Encrypted at rest
    severity: high
    match: {kind: Contract}
    check: "security.encryption.at_rest == `true`"
"""


def test_action_gate_splits_inputs_and_fails_with_the_tool(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    scaffold.init_repository(repo)
    contract = repo / "contracts" / "example-contract.yaml"
    spaced = repo / "contracts" / "my contract.yaml"
    spaced.write_text(
        contract.read_text(encoding="utf-8")
        .replace("at_rest: true", "at_rest: false", 1)
        .replace("id: example-itsm-saas", "id: example-unencrypted", 1),
        encoding="utf-8",
    )
    (repo / "my policies").mkdir()
    (repo / "my policies" / "gate.yaml").write_text(POLICY, encoding="utf-8")
    work = tmp_path / "runner"
    work.mkdir()

    proc, out, _ = run_gate(
        repo,
        work,
        paths="  contracts/my contract.yaml  \n\ncontracts/example-contract.yaml\n",
        policies="my policies\n",
        **{"fail-on": "high", "as-of": "2026-11-22", "junit": "out/j unit.xml", "sarif": ""},
    )

    assert proc.returncode == 0, proc.stdout  # the step itself succeeds; the verdict is output
    assert out["exit-code"] == "1"
    assert out["failed"] == "1" and out["passed"] == "3" and out["errors"] == "0"
    assert out["junit"] == "out/j unit.xml" and (repo / "out" / "j unit.xml").is_file()
    assert out["sarif"] == ""
    assert not (repo / "reports").exists()
    assert re.search(
        r"^::error file=contracts/my contract\.yaml,line=\d+", proc.stdout, re.MULTILINE
    ), proc.stdout
    assert run_exit_step(out["exit-code"]) == 1


def test_action_gate_reports_a_configuration_error(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    scaffold.init_repository(repo)
    (repo / "reports").mkdir()
    (repo / "reports" / "vendorpolicy.junit.xml").write_text("stale", encoding="utf-8")
    work = tmp_path / "runner"
    work.mkdir()

    proc, out, _ = run_gate(repo, work, config="no-such-config.yaml")

    assert proc.returncode == 0, proc.stdout
    assert out["exit-code"] == "2"
    assert out["failed"] == out["passed"] == out["waived"] == out["errors"] == "0"
    assert out["junit"] == "" and out["sarif"] == ""  # the stale report is not passed off
    assert run_exit_step(out["exit-code"]) == 2
    assert run_exit_step("") == 2  # no verdict at all is a failure too


# --- vendorpolicy init ------------------------------------------------------------------------


def _relative(paths: Sequence[Path], root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in paths}


def test_init_writes_the_starter_repository(tmp_path: Path) -> None:
    target = tmp_path / "new" / "contracts-repo"
    created = scaffold.init_repository(target)
    assert _relative(created, target) == SCAFFOLD_FILES
    assert all(p.is_file() for p in created)
    for p in created:
        assert "@@" not in p.read_text(encoding="utf-8"), p
    config = load_config(target / ".vendorpolicy.yaml")
    assert config.roots == tuple(target / r for r in ("contracts", "attestations", "waivers"))
    assert config.fail_on == "low"
    codeowners = (target / "CODEOWNERS").read_text(encoding="utf-8")
    for protected in ("/.vendorpolicy.yaml", "/waivers/", "/policies/"):
        assert re.search(rf"^{re.escape(protected)}\s+@\S+", codeowners, re.MULTILINE)
    hooks = yaml.safe_load((target / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks["repos"][0]["hooks"]
    assert hook["entry"] == "vendorpolicy check --hook"


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    mine = tmp_path / "contracts" / "example-contract.yaml"
    mine.parent.mkdir()
    mine.write_text("my own contract\n", encoding="utf-8")
    (tmp_path / "CODEOWNERS").write_text("* @me\n", encoding="utf-8")

    with pytest.raises(UsageError) as info:
        scaffold.init_repository(tmp_path)

    message = str(info.value)
    assert "contracts/example-contract.yaml" in message and "CODEOWNERS" in message
    assert "nothing was written" in message
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "CODEOWNERS",
        "contracts",
        "contracts/example-contract.yaml",
    ]
    assert mine.read_text(encoding="utf-8") == "my own contract\n"


def test_init_refuses_a_file_where_a_folder_goes(tmp_path: Path) -> None:
    (tmp_path / "waivers").write_text("not a folder\n", encoding="utf-8")
    with pytest.raises(UsageError, match="waivers"):
        scaffold.init_repository(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["waivers"]


def test_init_refuses_a_file_as_target(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("", encoding="utf-8")
    with pytest.raises(UsageError):
        scaffold.init_repository(target)


def test_init_dates_are_relative_to_the_day_of_scaffolding() -> None:
    values = scaffold.template_values(dt.date(2027, 1, 31))
    assert values["PERIOD_END"] == "2026-11-30"
    assert values["PERIOD_START"] == "2025-12-01"
    assert values["ISSUED"] == "2026-12-28"
    assert values["START"] == "2026-09-01" and values["END"] == "2029-08-31"
    assert values["DD_COMPLETED"] <= values["DD_RISK_ASSESSMENT"] <= values["SIGNED"]
    assert scaffold.add_months(dt.date(2028, 2, 29), -12) == dt.date(2027, 2, 28)
    assert scaffold.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)


def _check_in_process(repo: Path, as_of: dt.date, monkeypatch: pytest.MonkeyPatch) -> None:
    from vendorpolicy.policy import default_policy_dirs

    monkeypatch.chdir(repo)
    config = load_config(repo / ".vendorpolicy.yaml")
    options = runner.Options(
        policy_dirs=tuple(default_policy_dirs()),
        as_of=as_of.isoformat(),
        fail_on=Severity.LOW,
        use_cache=False,
    )
    report = runner.run(options, config)
    bad = [
        f"{r.path}:{r.line} {r.rule} {r.status.value} {r.message}"
        for r in report.results
        if r.status.value in ("fail", "error")
    ]
    assert report.exit_code == 0 and not bad, f"as of {as_of}: {bad}"
    assert report.summary["documents"] == 2


@pytest.mark.parametrize(
    "anchor",
    [None, dt.date(2026, 12, 31), dt.date(2027, 1, 31), dt.date(2027, 3, 1), dt.date(2028, 2, 29)],
    ids=lambda d: "today" if d is None else d.isoformat(),
)
def test_scaffold_passes_the_builtin_pack_for_nine_months(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full_pack: None, anchor: dt.date | None
) -> None:
    today = anchor or dt.datetime.now(dt.timezone.utc).date()
    scaffold.init_repository(tmp_path, today=anchor)
    end = scaffold.add_months(today, 9)
    day = today
    while day < end:
        _check_in_process(tmp_path, day, monkeypatch)
        day += dt.timedelta(days=13)
    _check_in_process(tmp_path, end, monkeypatch)


def test_scaffold_passes_vendorpolicy_check_run_inside_it(tmp_path: Path, full_pack: None) -> None:
    scaffold.init_repository(tmp_path)
    proc = _run([_need("vendorpolicy"), "check"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert re.search(
        r"^passed: 2 document\(s\), 0 failed, 0 error\(s\)", proc.stdout, re.MULTILINE
    ), proc.stdout


def test_init_through_the_console_script(tmp_path: Path) -> None:
    vendorpolicy = _need("vendorpolicy")
    if _run([vendorpolicy, "init", "--help"]).returncode != 0:
        pytest.skip("`vendorpolicy init` is not wired to the CLI yet")
    target = tmp_path / "repo"
    proc = _run([vendorpolicy, "init", str(target)])
    assert proc.returncode == 0, proc.stdout
    assert {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()} == (
        SCAFFOLD_FILES
    )
    before = (target / "contracts" / "example-contract.yaml").read_bytes()
    proc = _run([vendorpolicy, "init", str(target)])
    assert proc.returncode == 2
    assert "refusing to overwrite" in proc.stdout
    assert (target / "contracts" / "example-contract.yaml").read_bytes() == before


@pytest.mark.precommit
def test_scaffold_pre_commit_hook_guards_commits(tmp_path: Path, full_pack: None) -> None:
    """The scaffold's own .pre-commit-config.yaml (repo: local, language: system), for real."""
    git, pre_commit = _need("git"), _need("pre-commit")
    vendorpolicy = Path(_need("vendorpolicy"))
    repo, home = tmp_path / "repo", tmp_path / "home"
    home.mkdir()
    (home / "gitconfig").write_text("", encoding="utf-8")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "PRE_COMMIT", "VENDORPOLICY_", "XDG_"))
    }
    env.update(
        PATH=f"{vendorpolicy.parent}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(home),
        XDG_CACHE_HOME=str(home / "cache"),
        GIT_CONFIG_GLOBAL=str(home / "gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Owner",
        GIT_AUTHOR_EMAIL="owner@example.com",
        GIT_COMMITTER_NAME="Owner",
        GIT_COMMITTER_EMAIL="owner@example.com",
        PRE_COMMIT_HOME=str(home / "pre-commit"),
        PRE_COMMIT_COLOR="never",
    )
    scaffold.init_repository(repo)
    for cmd in ([git, "init", "-q", "-b", "main"], [pre_commit, "install"], [git, "add", "-A"]):
        assert _run(cmd, cwd=repo, env=env).returncode == 0

    proc = _run([git, "commit", "-m", "scaffold"], cwd=repo, env=env)
    assert proc.returncode == 0, proc.stdout
    assert re.search(r"vendorpolicy check\.+Passed", proc.stdout), proc.stdout

    contract = repo / "contracts" / "example-contract.yaml"
    contract.write_text(
        contract.read_text(encoding="utf-8").replace("at_rest: true", "at_rest: false", 1),
        encoding="utf-8",
    )
    assert _run([git, "add", "-A"], cwd=repo, env=env).returncode == 0
    proc = _run([git, "commit", "-m", "unencrypted"], cwd=repo, env=env)
    assert proc.returncode != 0
    assert re.search(
        r"^contracts/example-contract\.yaml:\d+:\d+ CRITICAL ENC-001 ", proc.stdout, re.MULTILINE
    ), proc.stdout
