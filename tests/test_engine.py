"""Engine semantics on small policies and documents, through the runner (no CLI)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from vendorpolicy import runner
from vendorpolicy.config import Config, load_config
from vendorpolicy.errors import ConfigError, UsageError
from vendorpolicy.model import Result, Severity, Status
from vendorpolicy.waivers import WaiverPolicy

POLICY = """\
apiVersion: vendorpolicy/v1
kind: Policy
metadata: {id: t, title: Test policy}
params:
  min_notice: 30
  tls: "1.2"
  max_waiver_days: 365
  allowed: {internal: "*", restricted: [DE, NL]}
definitions:
  crit: "classification.critical_function == `true`"
rules:
  - id: T-WHEN
    title: Applies to critical contracts only
    severity: high
    match: {kind: Contract, when: "crit()"}
    check: "security.mfa == `true`"
  - id: T-LIST
    title: Two checks
    severity: medium
    match: {kind: Contract}
    check:
      - "notice >= param('min_notice')"
      - {check: "version_gte(tls, param('tls'))", name: tls, message: "tls is {{ tls }}"}
  - id: T-EACH
    title: Every service has countries
    severity: low
    match: {kind: Contract}
    for_each: services
    check: "length(countries) > `0`"
    message: "service {{ id }} has no countries"
  - id: T-SEV
    title: Conditional severity
    severity: {default: low, raise: [{level: critical, when: "crit()"}]}
    match: {kind: Contract}
    check: "notice >= `60`"
  - id: T-ERR
    title: Error isolation
    severity: high
    match: {kind: Contract}
    check: "lookup(`{}`, 'nope') == `1`"
  - id: T-MISSING
    title: Reads an absent field
    severity: high
    match: {kind: Contract}
    check: "deep.field.value == `true`"
  - id: T-ALLOWED
    title: Countries allowed for the class
    severity: high
    match: {kind: Contract}
    check: "get(param('allowed'), class) == '*' || subset(services[].countries[], get(param('allowed'), class))"
"""


def _run(tmp_path: Path, docs: dict[str, str], policy: str = POLICY, **kw: object) -> list[Result]:
    pol = tmp_path / "pol"
    pol.mkdir(exist_ok=True)
    (pol / "t.yaml").write_text(policy)
    data = tmp_path / "docs"
    data.mkdir(exist_ok=True)
    for name, text in docs.items():
        (data / name).write_text(textwrap.dedent(text))
    opts = runner.Options(paths=(str(data),), policy_dirs=(pol,), as_of="2026-11-22", **kw)  # type: ignore[arg-type]
    return list(runner.run(opts, Config()).results)


DOC = """\
apiVersion: vendorpolicy/v1
kind: Contract
metadata: {id: c1, vendor: v1}
vendor: {legal_name: V1 GmbH}
dates: {start: "2026-01-01"}
classification: {critical_function: true, data_classification: internal, personal_data: false,
                 special_category_data: false, cardholder_data: false}
services:
  - {id: s1, name: One, type: saas}
  - {id: s2, name: Two, type: saas}
"""


def _policy_for(check: str, **extra: str) -> str:
    lines = [
        "apiVersion: vendorpolicy/v1",
        "kind: Policy",
        "metadata: {id: t, title: t}",
        "params: {limit: 2, max_waiver_days: 365}",
        "rules:",
        "  - id: R-1",
        "    title: Rule one",
        "    severity: high",
        "    match: {kind: Contract"
        + (f", when: {extra['when']!r}" if "when" in extra else "")
        + "}",
        f"    check: {check!r}",
    ]
    for key in ("for_each", "at", "message"):
        if key in extra:
            lines.append(f"    {key}: {extra[key]!r}")
    return "\n".join(lines) + "\n"


def results_for(tmp_path: Path, check: str, doc: str = DOC, **extra: str) -> list[Result]:
    return [
        r for r in _run(tmp_path, {"c.yaml": doc}, _policy_for(check, **extra)) if r.rule == "R-1"
    ]


def test_when_false_is_not_applicable(tmp_path: Path) -> None:
    (r,) = results_for(tmp_path, "`false`", when="classification.personal_data == `true`")
    assert r.status is Status.NOT_APPLICABLE
    assert "does not hold" in r.message


def test_when_unknown_is_not_applicable_with_reason(tmp_path: Path) -> None:
    (r,) = results_for(tmp_path, "`false`", when="workforce.affected_employees > `0`")
    assert r.status is Status.NOT_APPLICABLE
    assert "workforce.affected_employees is absent" in r.message


def test_missing_field_fails_naming_it_at_closest_ancestor(tmp_path: Path) -> None:
    (r,) = results_for(tmp_path, "classification.nope.deeper == `true`")
    assert r.status is Status.FAIL
    assert "missing:classification.nope.deeper" in r.message
    assert (r.line, r.column) == (6, 1)  # the `classification:` key


def test_true_check_passes_false_check_fails_at_field(tmp_path: Path) -> None:
    (ok,) = results_for(tmp_path, "classification.critical_function == `true`")
    assert ok.status is Status.PASS
    (bad,) = results_for(tmp_path, "classification.personal_data == `true`")
    assert bad.status is Status.FAIL
    assert (bad.line, bad.pointer) == (6, "/classification/personal_data")
    assert "classification.personal_data is false" in bad.message


def test_failing_conjunct_is_located(tmp_path: Path) -> None:
    (r,) = results_for(
        tmp_path, "classification.critical_function == `true` && dates.start > '2027-01-01'"
    )
    assert r.pointer == "/dates/start"
    assert r.line == 5


def test_for_each_results_per_item_at_item_lines(tmp_path: Path) -> None:
    rs = results_for(tmp_path, "id == 's1'", for_each="services", message="service {{ id }}")
    assert [(r.status, r.item, r.line) for r in rs] == [
        (Status.PASS, "/services/0", 1),  # passes point at the document
        (Status.FAIL, "/services/1", 10),
    ]
    assert rs[1].message == "service s2"


def test_for_each_over_missing_list_fails(tmp_path: Path) -> None:
    (r,) = results_for(tmp_path, "`true`", for_each="subcontractors")
    assert r.status is Status.FAIL and "missing:subcontractors" in r.message


def test_for_each_over_empty_list_passes_once(tmp_path: Path) -> None:
    (r,) = results_for(tmp_path, "`false`", for_each="services[?id == 'none']")
    assert r.status is Status.PASS


def test_for_each_over_values_locates_scalars(tmp_path: Path) -> None:
    rs = results_for(tmp_path, "@ != 's2'", for_each="services[].id")
    assert [(r.status, r.item) for r in rs] == [
        (Status.PASS, "/services/0/id"),
        (Status.FAIL, "/services/1/id"),
    ]


def test_message_template_renders_values(tmp_path: Path) -> None:
    (r,) = results_for(
        tmp_path,
        "`false`",
        message="found {{ classification.critical_function }} / {{ services[].id }} / {{ nope }}",
    )
    assert r.message == 'found true / ["s1", "s2"] / (missing)'


def test_rule_error_is_isolated(tmp_path: Path) -> None:
    policy = _policy_for("lookup(`{}`, 'x') == `1`") + (
        "  - id: R-2\n    title: Still evaluated\n    severity: low\n"
        '    match: {kind: Contract}\n    check: "`true`"\n'
    )
    rs = _run(tmp_path, {"c.yaml": DOC}, policy)
    by_rule = {r.rule: r for r in rs}
    assert by_rule["R-1"].status is Status.ERROR
    assert "could not be evaluated" in by_rule["R-1"].message
    assert by_rule["R-2"].status is Status.PASS


def test_list_checks_are_separate_findings(tmp_path: Path) -> None:
    policy = _policy_for("`x`").replace(
        "    check: '`x`'",
        '    check:\n      - "`true`"\n      - {check: "`false`", name: second}\n      - "`false`"',
    )
    rs = [r for r in _run(tmp_path, {"c.yaml": DOC}, policy) if r.rule == "R-1"]
    assert {(r.check, r.status) for r in rs} == {
        ("check 1", Status.PASS),
        ("second", Status.FAIL),
        ("check 3", Status.FAIL),
    }


def test_conditional_severity(tmp_path: Path) -> None:
    policy = _policy_for("`false`").replace(
        "    severity: high",
        '    severity: {default: low, raise: [{level: critical, when: "classification.critical_function"}]}',
    )
    (r,) = [r for r in _run(tmp_path, {"c.yaml": DOC}, policy) if r.rule == "R-1"]
    assert r.severity is Severity.CRITICAL
    (r2,) = [
        r
        for r in _run(
            tmp_path,
            {"c.yaml": DOC.replace("critical_function: true", "critical_function: false")},
            policy,
        )
        if r.rule == "R-1"
    ]
    assert r2.severity is Severity.LOW


def test_invalid_documents_are_not_evaluated(tmp_path: Path) -> None:
    rs = _run(
        tmp_path, {"c.yaml": DOC.replace("type: saas}", "type: nope}")}, _policy_for("`true`")
    )
    assert {r.rule for r in rs} == {"VP-SCHEMA"}
    assert all(r.status is Status.FAIL for r in rs)


def test_results_are_sorted(tmp_path: Path) -> None:
    rs = _run(
        tmp_path, {"b.yaml": DOC, "a.yaml": DOC.replace("id: c1", "id: c2")}, _policy_for("`false`")
    )
    assert rs == sorted(rs, key=Result.sort_key)


def test_duplicate_ids_point_at_both(tmp_path: Path) -> None:
    rs = _run(tmp_path, {"a.yaml": DOC, "b.yaml": DOC}, _policy_for("`true`"))
    dups = [r for r in rs if "also used by" in r.message]
    assert {r.path.rsplit("/", 1)[-1] for r in dups} == {"a.yaml", "b.yaml"}
    assert all(r.line == 3 for r in dups)


WAIVER = """\
apiVersion: vendorpolicy/v1
kind: Waiver
metadata: {{id: W-1, vendor: v1}}
rule: {rule}
targets: ["c*"]
justification: accepted
approved_by: ciso@example.com
approved_on: "{approved}"
expires: "{expires}"
"""


@pytest.mark.parametrize(
    ("as_of", "expires", "status", "waiver_finding"),
    [
        ("2026-11-22", "2026-11-22", Status.WAIVED, Status.PASS),  # inclusive
        ("2026-11-22", "2026-11-23", Status.WAIVED, Status.PASS),
        ("2026-11-23", "2026-11-22", Status.FAIL, Status.FAIL),  # expired the day after
    ],
)
def test_waiver_expiry_is_inclusive(
    tmp_path: Path, as_of: str, expires: str, status: Status, waiver_finding: Status
) -> None:
    docs = {
        "c.yaml": DOC,
        "w.yaml": WAIVER.format(rule="R-1", approved="2026-10-01", expires=expires),
    }
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "t.yaml").write_text(_policy_for("`false`"))
    data = tmp_path / "docs"
    data.mkdir()
    for name, text in docs.items():
        (data / name).write_text(text)
    report = runner.run(
        runner.Options(paths=(str(data),), policy_dirs=(pol,), as_of=as_of), Config()
    )
    (r,) = [r for r in report.results if r.rule == "R-1"]
    assert r.status is status
    (w,) = [r for r in report.results if r.rule == "VP-WAIVER"]
    assert w.status is waiver_finding
    assert report.exit_code == (0 if status is Status.WAIVED else 1)
    if status is Status.WAIVED:
        assert r.waiver is not None and r.waiver.id == "W-1" and r.waiver.expires == expires
    else:
        assert "expired" in w.message and w.line == 9


@pytest.mark.parametrize(
    ("rule", "approved", "expires", "fragment"),
    [
        ("NOPE-1", "2026-10-01", "2027-01-01", "no loaded policy defines"),
        ("R-1", "2026-01-01", "2027-06-01", "more than max_waiver_days"),
        ("R-1", "2026-12-01", "2027-01-01", "not in force yet"),
    ],
)
def test_bad_waivers_waive_nothing(
    tmp_path: Path, rule: str, approved: str, expires: str, fragment: str
) -> None:
    docs = {"c.yaml": DOC, "w.yaml": WAIVER.format(rule=rule, approved=approved, expires=expires)}
    rs = _run(tmp_path, docs, _policy_for("`false`"))
    assert next(r for r in rs if r.rule == "R-1").status is Status.FAIL
    w = next(r for r in rs if r.rule == "VP-WAIVER")
    assert w.status is Status.FAIL and fragment in w.message


def test_waiver_matching_nothing_is_reported(tmp_path: Path) -> None:
    docs = {
        "c.yaml": DOC,
        "w.yaml": WAIVER.format(rule="R-1", approved="2026-10-01", expires="2027-01-01"),
    }
    rs = _run(tmp_path, docs, _policy_for("`true`"))
    w = next(r for r in rs if r.rule == "VP-WAIVER")
    assert w.status is Status.FAIL and "matches no failure" in w.message


def test_no_waivers_option(tmp_path: Path) -> None:
    docs = {
        "c.yaml": DOC,
        "w.yaml": WAIVER.format(rule="R-1", approved="2026-10-01", expires="2027-01-01"),
    }
    rs = _run(tmp_path, docs, _policy_for("`false`"), waivers=WaiverPolicy(enabled=False))
    assert next(r for r in rs if r.rule == "R-1").status is Status.FAIL


def test_waiver_pointer_restricts(tmp_path: Path) -> None:
    waiver = (
        WAIVER.format(rule="R-1", approved="2026-10-01", expires="2027-01-01")
        + "pointer: /services/1\n"
    )
    rs = _run(
        tmp_path,
        {"c.yaml": DOC, "w.yaml": waiver},
        _policy_for("`false`", for_each="services"),
    )
    assert [r.status for r in rs if r.rule == "R-1"] == [Status.FAIL, Status.WAIVED]


def test_param_precedence_cli_over_config_over_default(tmp_path: Path) -> None:
    check = "param('limit') == `3`"
    cfg = tmp_path / ".vendorpolicy.yaml"
    cfg.write_text("params: {limit: 3}\n")
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "t.yaml").write_text(_policy_for(check))
    data = tmp_path / "docs"
    data.mkdir()
    (data / "c.yaml").write_text(DOC)
    config = load_config(cfg)
    base = runner.Options(paths=(str(data),), policy_dirs=(pol,), as_of="2026-11-22")

    def status(opts: runner.Options, conf: Config) -> Status:
        return next(r for r in runner.run(opts, conf).results if r.rule == "R-1").status

    assert status(base, Config()) is Status.FAIL  # default 2
    assert status(base, config) is Status.PASS  # config 3
    cli = runner.Options(
        paths=(str(data),), policy_dirs=(pol,), as_of="2026-11-22", params=("limit=4",)
    )
    assert status(cli, config) is Status.FAIL  # --param 4 wins over config 3


@pytest.mark.parametrize(
    ("param", "error"),
    [
        ("limit=abc", "expected a number"),
        ("nosuch=1", "unknown parameter"),
        ("limit", "NAME=VALUE"),
    ],
)
def test_bad_cli_params_are_usage_errors(tmp_path: Path, param: str, error: str) -> None:
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "t.yaml").write_text(_policy_for("`true`"))
    with pytest.raises(UsageError, match=error):
        runner.run(
            runner.Options(paths=(str(tmp_path),), policy_dirs=(pol,), params=(param,)), Config()
        )


def test_string_param_is_taken_verbatim(tmp_path: Path) -> None:
    policy = _policy_for("param('tls') == '1.10'").replace(
        "params: {limit: 2, max_waiver_days: 365}", "params: {limit: 2, tls: '1.2'}"
    )
    rs = _run(tmp_path, {"c.yaml": DOC}, policy, params=("tls=1.10",))
    assert next(r for r in rs if r.rule == "R-1").status is Status.PASS


@pytest.mark.parametrize(
    ("policy_fragment", "message"),
    [
        ("check: 'foo('", "invalid JMESPath"),
        ("check: 'nosuchfn(@)'", "unknown function"),
        ("check: \"param('undeclared')\"", "undefined parameter"),
        ("check: 'length(@, @)'", "takes 1 argument"),
    ],
)
def test_malformed_policy_is_config_error_with_location(
    tmp_path: Path, policy_fragment: str, message: str
) -> None:
    policy = _policy_for("`true`").replace("    check: '`true`'", "    " + policy_fragment)
    with pytest.raises(ConfigError) as exc:
        _run(tmp_path, {"c.yaml": DOC}, policy)
    assert message in str(exc.value)
    assert "t.yaml:" in str(exc.value) and "R-1" in str(exc.value)


def test_duplicate_rule_id_across_files(tmp_path: Path) -> None:
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "a.yaml").write_text(_policy_for("`true`"))
    (pol / "b.yaml").write_text(
        _policy_for("`true`")
        .replace("id: t,", "id: t2,")
        .replace("params: {limit: 2, max_waiver_days: 365}\n", "")
    )
    with pytest.raises(ConfigError, match="defined twice"):
        runner.run(runner.Options(paths=(str(tmp_path),), policy_dirs=(pol,)), Config())


def test_policy_digest_pin(tmp_path: Path) -> None:
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "t.yaml").write_text(_policy_for("`true`"))
    opts = runner.Options(paths=(str(tmp_path / "none"),), policy_dirs=(pol,))
    digest = runner.run(opts, Config()).policy_digest
    pinned = runner.Options(paths=opts.paths, policy_dirs=(pol,), policy_digest=digest)
    assert runner.run(pinned, Config()).policy_digest == digest
    changed = runner.Options(
        paths=opts.paths, policy_dirs=(pol,), policy_digest=digest, params=("limit=5",)
    )
    with pytest.raises(ConfigError, match="policy digest mismatch"):
        runner.run(changed, Config())


def test_exit_code_respects_fail_on(tmp_path: Path) -> None:
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "t.yaml").write_text(_policy_for("`false`"))  # high
    data = tmp_path / "docs"
    data.mkdir()
    (data / "c.yaml").write_text(DOC)
    for fail_on, code in ((Severity.HIGH, 1), (Severity.CRITICAL, 0), (Severity.LOW, 1)):
        opts = runner.Options(paths=(str(data),), policy_dirs=(pol,), fail_on=fail_on)
        assert runner.run(opts, Config()).exit_code == code


def test_for_each_repeated_values_get_distinct_items(tmp_path: Path) -> None:
    doc = DOC.replace("type: saas}\n  - {id: s2", "type: saas}\n  - {id: s1")
    rs = results_for(tmp_path, "`true`", for_each="services[].id")
    rs = results_for(tmp_path, "`true`", doc=doc, for_each="services[].id")
    assert [r.item for r in rs] == ["/services/0/id", "/services/1/id"]
