"""The report formats (junit, sarif, github, markdown) on a hand-built Report.

Validation uses real validators and readers: xmlschema against the Jenkins junit-10.xsd,
junitparser and junit2html for reading JUnit back, jsonschema (draft-04) against the OASIS
SARIF schema. Golden files under tests/golden/ pin the exact output; regenerate them with
`VENDORPOLICY_UPDATE_GOLDEN=1 pytest tests/test_reporters.py` and review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator
from junitparser import Error, Failure, JUnitXml, Skipped

from vendorpolicy import reporters
from vendorpolicy.model import (
    DocumentInfo,
    Evidence,
    Report,
    Result,
    RuleInfo,
    Severity,
    Status,
    WaiverRef,
    summarise,
)
from vendorpolicy.reporters import RenderOptions, github, junit, markdown, sarif

HERE = Path(__file__).resolve().parent
FORMATS = HERE / "formats"
GOLDEN = HERE / "golden"
JUNIT_XSD = FORMATS / "junit-10.xsd"
SARIF_SCHEMA = FORMATS / "sarif-schema-2.1.0.json"

AS_OF = "2026-11-22"
ACME = "contracts/acme.yaml"
GLOBEX = "contracts/globex.yaml"
BROKEN = "contracts/broken.yaml"
WAIVERS = "waivers/acme.yaml"
NASTY = "bad \x01 bytes\x1b[31m ]]> <&\"'> 🔒 lone \ud800 end\x0b"

WAIVER_SOON = WaiverRef(
    id="W-2026-014",
    approved_by="ciso@example.com",
    approved_on="2026-10-01",
    expires="2026-12-10",
    justification="Transition period agreed at 90 days pending renegotiation.",
    path=WAIVERS,
    ticket="GRC-1234",
    risk="medium",
)
WAIVER_LATER = WaiverRef(
    id="W-2026-020",
    approved_by="cro@example.com",
    approved_on="2026-09-01",
    expires="2027-06-30",
    justification="Legacy DC | migrating <2027>",
    path=WAIVERS,
)

RULES = (
    RuleInfo(
        "ENC-001",
        "Encryption at rest",
        Severity.CRITICAL,
        description="Customer data must be encrypted at rest with AES-256 or better.",
        remediation="Set security.encryption.at_rest.algorithm to AES-256.",
        references=("DORA Art. 9(2)", "ISO/IEC 27001:2022 A.8.24"),
        tags=("encryption",),
    ),
    RuleInfo(
        "EXT-003",
        "Exit transition period",
        Severity.HIGH,
        description="The exit plan must give a transition period of at least 180 days.",
        remediation="Extend termination.transition_days to 180.",
        references=("EBA/GL/2019/02 §106",),
    ),
    RuleInfo("AUD-001", "Audit rights", Severity.HIGH, references=("DORA Art. 30(3)(e)",)),
    RuleInfo("SLA-002", "Availability target", Severity.MEDIUM, description="SLA >= 99.9%."),
    RuleInfo(
        "SUB-001",
        "Approved sub-outsourcers",
        Severity.HIGH,
        remediation="Name each sub-outsourcer's approval.",
    ),
    RuleInfo("ATT-002", "Attestation age", Severity.LOW, tags=("attestation", "soc2")),
)

DOCUMENTS = (
    DocumentInfo(ACME, "Contract", "acme-hosting-2026", "acme-cloud", "a" * 64, 0, 1),
    DocumentInfo(ACME, "Attestation", "acme-soc2-2026", "acme-cloud", "a" * 64, 1, 80),
    DocumentInfo(GLOBEX, "Contract", "globex-dc/2026", "globex.eu", "b" * 64, 0, 1),
    DocumentInfo(BROKEN, None, None, None, "c" * 64, 0, 1),
    DocumentInfo(WAIVERS, "Waiver", "W-2026-014", "acme-cloud", "d" * 64, 0, 1),
)


def _r(rule: str, status: Status, severity: Severity, path: str, line: int, **kw: Any) -> Result:
    title = next((r.title for r in RULES if r.id == rule), kw.pop("title", ""))
    return Result(
        rule=rule,
        status=status,
        severity=severity,
        path=path,
        line=line,
        column=kw.pop("column", 3),
        message=kw.pop("message", f"{rule} {status.value}"),
        title=title,
        **kw,
    )


def _acme(**kw: Any) -> dict[str, Any]:
    return {"document": "acme-hosting-2026", "kind": "Contract", "vendor": "acme-cloud", **kw}


def build_report() -> Report:
    soc2 = {"document": "acme-soc2-2026", "kind": "Attestation", "vendor": "acme-cloud"}
    globex = {"document": "globex-dc/2026", "kind": "Contract", "vendor": "globex.eu"}
    results = [
        _r(
            "VP-SCHEMA",
            Status.PASS,
            Severity.CRITICAL,
            ACME,
            1,
            column=1,
            message="",
            title="Valid document",
            **_acme(),
        ),
        _r(
            "ENC-001",
            Status.FAIL,
            Severity.CRITICAL,
            ACME,
            41,
            column=7,
            message="At-rest encryption is AES-128; at least AES-256 is required",
            pointer="/security/encryption/at_rest/algorithm",
            evidence="algorithm: AES-128",
            references=RULES[0].references,
            **_acme(),
        ),
        _r(
            "EXT-003",
            Status.WAIVED,
            Severity.HIGH,
            ACME,
            52,
            message="transition period is 90 days; at least 180 required",
            pointer="/termination/transition_days",
            evidence="transition_days: 90",
            references=RULES[1].references,
            waiver=WAIVER_SOON,
            **_acme(),
        ),
        _r(
            "AUD-001",
            Status.NOT_APPLICABLE,
            Severity.HIGH,
            ACME,
            1,
            column=1,
            message="not applicable: the condition `cif()` does not hold",
            **_acme(),
        ),
        _r(
            "SLA-002",
            Status.ERROR,
            Severity.MEDIUM,
            ACME,
            1,
            column=1,
            message="SLA-002 could not be evaluated: sla.availability is not a number\n(got 'high')",
            **_acme(),
        ),
        _r(
            "SUB-001",
            Status.FAIL,
            Severity.HIGH,
            ACME,
            60,
            column=7,
            message=NASTY,
            pointer="/subcontractors/0/approval",
            item="/subcontractors/0",
            check="approval",
            **_acme(),
        ),
        _r(
            "SUB-001",
            Status.PASS,
            Severity.HIGH,
            ACME,
            64,
            column=7,
            message="",
            item="/subcontractors/1",
            check="approval",
            **_acme(),
        ),
        # Two results with the same case name (no item): the second becomes "... #2".
        _r("SLA-002", Status.PASS, Severity.MEDIUM, ACME, 70, message="", check=None, **_acme()),
        _r(
            "VP-SCHEMA",
            Status.PASS,
            Severity.CRITICAL,
            ACME,
            80,
            column=1,
            message="",
            title="Valid document",
            **soc2,
        ),
        _r(
            "ATT-002",
            Status.FAIL,
            Severity.LOW,
            ACME,
            90,
            message="SOC 2 report is 14 months old (limit 12); covered by a bridge letter",
            pointer="/period/end",
            **soc2,
        ),
        _r(
            "VP-YAML",
            Status.FAIL,
            Severity.CRITICAL,
            BROKEN,
            4,
            column=9,
            message="YAML syntax error: mapping values are not allowed here",
            title="Readable, strict YAML",
        ),
        _r(
            "VP-SCHEMA",
            Status.PASS,
            Severity.CRITICAL,
            GLOBEX,
            1,
            column=1,
            message="",
            title="Valid document",
            **globex,
        ),
        _r("ENC-001", Status.PASS, Severity.CRITICAL, GLOBEX, 20, message="", **globex),
        _r(
            "SLA-002",
            Status.WAIVED,
            Severity.MEDIUM,
            GLOBEX,
            33,
            message="availability 99.5% | below 99.9%",
            pointer="/sla/availability",
            waiver=WAIVER_LATER,
            **globex,
        ),
        _r(
            "EXT-003",
            Status.FAIL,
            Severity.MEDIUM,
            "contracts/we,ird:name%.yaml",
            5,
            message="100% wrong: a, b",
            document="weird-1",
            vendor="globex.eu",
        ),
        _r(
            "VP-WAIVER",
            Status.PASS,
            Severity.INFO,
            WAIVERS,
            1,
            column=1,
            message="waiver W-2026-014 waives 1 failure(s) of EXT-003 until 2026-12-10",
            title="Waiver in force",
            document="W-2026-014",
            kind="Waiver",
            vendor="acme-cloud",
        ),
    ]
    evidence = Evidence(
        tool_version="0.1.0",
        as_of=AS_OF,
        policy_digest="sha256:" + "e" * 64,
        params={},
        command=("vendorpolicy", "check", "contracts"),
        fail_on=Severity.LOW,
    )
    return Report(
        evidence=evidence,
        documents=DOCUMENTS,
        results=tuple(results),
        rules=RULES,
        exit_code=1,
        summary=summarise(results, len(DOCUMENTS)),
    )


REPORT = build_report()
JUNIT = RenderOptions()
RICH = RenderOptions(junit_family="rich")


@cache
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(JUNIT_XSD))


@cache
def sarif_validator() -> Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


# --- JUnit -------------------------------------------------------------------------------


def test_junit_default_validates_against_junit10_xsd(tmp_path: Path) -> None:
    text = junit.render(REPORT, JUNIT)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    assert text.endswith("</testsuites>\n")
    errors = [str(e) for e in junit_schema().iter_errors(str(_write(tmp_path, "r.xml", text)))]
    assert errors == []


def test_junit_rich_is_well_formed_and_carries_file_and_line() -> None:
    root = ET.fromstring(junit.render(REPORT, RICH).encode("utf-8"))
    assert root.get("skipped") == "3"
    cases = root.findall("./testsuite/testcase")
    assert cases and all(c.get("file") and c.get("line") for c in cases)
    assert {s.get("file") for s in root.findall("testsuite")} >= {ACME, GLOBEX, BROKEN}
    # The rich dialect is outside junit-10.xsd (that is why it is opt-in).
    assert not junit_schema().is_valid(junit.render(REPORT, RICH).encode("utf-8"))


def test_junit_structure_and_counts() -> None:
    root = ET.fromstring(junit.render(REPORT, JUNIT).encode("utf-8"))
    assert root.tag == "testsuites"
    assert root.get("name") == "vendorpolicy"
    statuses = Counter(r.status for r in REPORT.results)
    assert root.get("tests") == str(len(REPORT.results))
    assert root.get("failures") == str(statuses[Status.FAIL])
    assert root.get("errors") == str(statuses[Status.ERROR])
    names = [s.get("name") for s in root.findall("testsuite")]
    # One suite per document (the second document of acme.yaml is "#1"), then unknown paths.
    assert names == [ACME, f"{ACME}#1", GLOBEX, BROKEN, WAIVERS, "contracts/we,ird:name%.yaml"]
    for suite in root.findall("testsuite"):
        assert suite.get("timestamp") == f"{AS_OF}T00:00:00"
        assert suite.get("hostname") == "vendorpolicy"
        assert suite.get("time") == "0"
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        case_names = [c.get("name") for c in cases]
        assert len(case_names) == len(set(case_names)), "testcase names must be unique"
    acme = root.find(f"testsuite[@name='{ACME}']")
    assert acme is not None
    props = {p.get("name"): p.get("value") for p in acme.iter("property")}
    assert props == {
        "document.path": ACME,
        "document.sha256": "a" * 64,
        "document.kind": "Contract",
        "document.id": "acme-hosting-2026",
        "document.vendor": "acme-cloud",
        "as_of": AS_OF,
        "policy.digest": "sha256:" + "e" * 64,
        "tool.version": "0.1.0",
        "fail_on": "low",
    }
    broken = root.find(f"testsuite[@name='{BROKEN}']")
    assert broken is not None
    assert {p.get("name") for p in broken.iter("property")} == {
        "document.path",
        "document.sha256",
        "as_of",
        "policy.digest",
        "tool.version",
        "fail_on",
    }
    assert {c.get("classname") for c in broken.iter("testcase")} == {
        "vendorpolicy.contracts_broken_yaml"
    }
    globex = root.find(f"testsuite[@name='{GLOBEX}']")
    assert globex is not None
    assert {c.get("classname") for c in globex.iter("testcase")} == {
        "vendorpolicy.globex_eu.globex-dc_2026"
    }
    names = [c.get("name") for c in acme.iter("testcase")]
    assert "SLA-002 Availability target #2" in names
    assert "SUB-001 Approved sub-outsourcers [/subcontractors/0] (approval)" in names


def test_junit_failure_error_and_skipped_bodies() -> None:
    root = ET.fromstring(junit.render(REPORT, JUNIT).encode("utf-8"))
    acme = root.find(f"testsuite[@name='{ACME}']")
    assert acme is not None
    cases = {c.get("name"): c for c in acme.iter("testcase")}
    enc = cases["ENC-001 Encryption at rest"].find("failure")
    assert enc is not None
    assert enc.get("type") == "critical"
    assert enc.get("message") == "At-rest encryption is AES-128; at least AES-256 is required"
    body = (enc.text or "").splitlines()
    assert body[0] == (
        f"{ACME}:41:7 ENC-001 At-rest encryption is AES-128; at least AES-256 is required"
    )
    assert "Severity: critical" in body
    assert "Evidence: algorithm: AES-128" in body
    assert "  - DORA Art. 9(2)" in body
    assert "Remediation: Set security.encryption.at_rest.algorithm to AES-256." in body
    assert body[-1] == f"Document: acme-hosting-2026 (sha256 {'a' * 64})"

    err = cases["SLA-002 Availability target"].find("error")
    assert err is not None
    assert err.get("type") == "error"
    assert "\n" not in (err.get("message") or "")

    waived = cases["EXT-003 Exit transition period"].find("skipped")
    assert waived is not None
    assert waived.get("message") == (
        "waived by W-2026-014 (approved by ciso@example.com, expires 2026-12-10): "
        "Transition period agreed at 90 days pending renegotiation."
    )
    for line in (
        "Waiver: W-2026-014",
        "Approved on: 2026-10-01",
        "Ticket: GRC-1234",
        "Risk: medium",
        f"File: {WAIVERS}",
    ):
        assert line in (waived.text or "")

    na = cases["AUD-001 Audit rights"].find("skipped")
    assert na is not None
    assert na.get("message") == "not applicable: the condition `cif()` does not hold"
    assert cases["VP-SCHEMA Valid document"].find("*") is None  # a pass: no child


def test_junit_escapes_what_xml_cannot_carry() -> None:
    text = junit.render(REPORT, JUNIT)
    text.encode("utf-8")  # no lone surrogates left
    root = ET.fromstring(text.encode("utf-8"))
    case = next(c for c in root.iter("testcase") if "[/subcontractors/0]" in (c.get("name") or ""))
    failure = case.find("failure")
    assert failure is not None
    message = failure.get("message") or ""
    assert message == "bad \\x01 bytes\\x1b[31m ]]> <&\"'> 🔒 lone \ufffd end\\x0b"
    assert "]]>" in (failure.text or "")


@settings(max_examples=60, deadline=None)
@given(message=st.text(), title=st.text(max_size=20), path=st.text(min_size=1, max_size=20))
def test_junit_always_well_formed_and_valid(message: str, title: str, path: str) -> None:
    result = Result(
        "X-001", Status.FAIL, Severity.HIGH, path, 1, 1, message, title=title, evidence=message
    )
    report = dataclasses.replace(REPORT, results=(result, result), documents=())
    for options in (JUNIT, RICH):
        data = junit.render(report, options).encode("utf-8")
        ET.fromstring(data)
    assert junit_schema().is_valid(junit.render(report, JUNIT).encode("utf-8"))


def test_junitparser_reads_it_back(tmp_path: Path) -> None:
    path = _write(tmp_path, "junit.xml", junit.render(REPORT, JUNIT))
    xml = JUnitXml.fromfile(str(path))
    statuses = Counter(r.status for r in REPORT.results)
    totals: Counter[str] = Counter()
    for suite in xml:
        kinds: Counter[str] = Counter()
        for case in suite:
            kinds["tests"] += 1
            for res in case.result:
                if isinstance(res, Failure):
                    kinds["failures"] += 1
                elif isinstance(res, Error):
                    kinds["errors"] += 1
                elif isinstance(res, Skipped):
                    kinds["skipped"] += 1
        for key in ("tests", "failures", "errors", "skipped"):
            assert getattr(suite, key) == kinds[key], (suite.name, key)
        totals.update(kinds)
    assert totals["tests"] == len(REPORT.results)
    assert totals["failures"] == statuses[Status.FAIL]
    assert totals["errors"] == statuses[Status.ERROR]
    assert totals["skipped"] == statuses[Status.WAIVED] + statuses[Status.NOT_APPLICABLE]
    assert xml.tests == len(REPORT.results)
    assert xml.failures == statuses[Status.FAIL]
    assert xml.errors == statuses[Status.ERROR]


@pytest.mark.parametrize("options", [JUNIT, RICH], ids=["junit10", "rich"])
def test_junit2html_renders_it(tmp_path: Path, options: RenderOptions) -> None:
    xml_path = _write(tmp_path, "junit.xml", junit.render(REPORT, options))
    html_path = tmp_path / "junit.html"
    proc = subprocess.run(
        [sys.executable, "-m", "junit2htmlreport", str(xml_path), str(html_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    html = html_path.read_text(encoding="utf-8")
    assert "ENC-001" in html
    assert "W-2026-014" in html


def test_junit_is_deterministic() -> None:
    assert junit.render(REPORT, JUNIT) == junit.render(build_report(), JUNIT)


# --- SARIF -------------------------------------------------------------------------------


def _sarif(report: Report = REPORT) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sarif.render(report, RenderOptions()))
    return data


def test_sarif_validates_against_the_oasis_schema() -> None:
    errors = [e.message for e in sarif_validator().iter_errors(_sarif())]
    assert errors == []


def test_sarif_rules_and_results() -> None:
    run = _sarif()["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "vendorpolicy"
    assert driver["semanticVersion"] == "0.1.0"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert rule_ids == sorted({r.id for r in RULES} | {"VP-YAML", "VP-SCHEMA", "VP-WAIVER"})
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == (
            "%SRCROOT%"
        )
    for rule in driver["rules"]:
        sev = rule["properties"]["security-severity"]
        assert isinstance(sev, str)
        assert 0.0 <= float(sev) <= 10.0
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert f"vendorpolicy explain {rule['id']}" in rule["help"]["markdown"]
    enc = driver["rules"][rule_ids.index("ENC-001")]
    assert enc["name"] == "EncryptionAtRest"
    assert enc["properties"]["security-severity"] == "9.5"
    assert enc["defaultConfiguration"]["level"] == "error"
    assert {"compliance", "outsourcing", "ENC", "encryption"} <= set(enc["properties"]["tags"])
    shown = [r for r in REPORT.results if r.status in (Status.FAIL, Status.ERROR, Status.WAIVED)]
    assert len(run["results"]) == len(shown)
    suppressed = [r for r in run["results"] if r.get("suppressions")]
    assert len(suppressed) == 2
    assert suppressed[0]["suppressions"][0]["kind"] == "external"
    assert suppressed[0]["suppressions"][0]["status"] == "accepted"
    assert "W-2026-014" in suppressed[0]["suppressions"][0]["justification"]
    levels = {r["ruleId"] + ":" + r["properties"]["status"]: r["level"] for r in run["results"]}
    assert levels["ENC-001:fail"] == "error"
    assert levels["SLA-002:error"] == "error"
    assert levels["ATT-002:fail"] == "note"
    assert levels["EXT-003:fail"] == "warning"
    assert run["automationDetails"]["id"] == "vendorpolicy/"
    assert run["invocations"][0]["properties"]["as_of"] == AS_OF


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        (Severity.CRITICAL, "error"),
        (Severity.HIGH, "error"),
        (Severity.MEDIUM, "warning"),
        (Severity.LOW, "note"),
        (Severity.INFO, "note"),
    ],
)
def test_sarif_level(severity: Severity, expected: str) -> None:
    r = Result("X-1", Status.FAIL, severity, "a.yaml", 1, 1, "m")
    assert sarif.level(r) == expected
    assert sarif.level(dataclasses.replace(r, status=Status.ERROR)) == "error"


def test_sarif_fingerprints_ignore_line_numbers() -> None:
    moved = dataclasses.replace(
        REPORT,
        results=tuple(
            dataclasses.replace(r, line=r.line + 17, column=r.column + 2) for r in REPORT.results
        ),
    )
    before = [r["partialFingerprints"] for r in _sarif()["runs"][0]["results"]]
    after = [r["partialFingerprints"] for r in _sarif(moved)["runs"][0]["results"]]
    assert before == after
    values = [fp["vendorpolicy/v1"] for fp in before]
    assert len(set(values)) == len(values)
    assert all(len(v) == 64 and int(v, 16) >= 0 for v in values)


# --- GitHub annotations -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("%0A", "%250A", "%250A"),
        ("a\nb", "a%0Ab", "a%0Ab"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("a:b", "a:b", "a%3Ab"),
        ("a,b", "a,b", "a%2Cb"),
        ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
        ("dir/we,ird:name%.yaml", "dir/we,ird:name%25.yaml", "dir/we%2Cird%3Aname%25.yaml"),
    ],
)
def test_github_escaping(raw: str, data: str, prop: str) -> None:
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop


def test_github_annotations() -> None:
    lines = github.render(REPORT, RenderOptions()).splitlines()
    bad = [r for r in REPORT.results if r.status in (Status.FAIL, Status.ERROR)]
    assert len(lines) == len(bad) + 1
    assert lines[0] == (
        "::error file=contracts/acme.yaml,line=41,col=7,title=ENC-001 critical::"
        "At-rest encryption is AES-128; at least AES-256 is required"
    )
    assert (
        "::warning file=contracts/we%2Cird%3Aname%25.yaml,line=5,col=3,"
        "title=EXT-003 medium::100%25 wrong: a, b"
    ) in lines
    assert any(line.startswith("::notice file=contracts/acme.yaml,line=90,") for line in lines)
    assert any(
        line.startswith("::error file=contracts/acme.yaml,line=1,col=1,title=SLA-002 error::")
        and "%0A(got 'high')" in line
        for line in lines
    )
    assert lines[-1].startswith("::notice title=vendorpolicy::FAILED: 5 document(s)")
    assert all("\x1b" not in line and "\x01" not in line for line in lines)


# --- Markdown ----------------------------------------------------------------------------


def test_markdown_sections_and_tables() -> None:
    text = markdown.render(REPORT, RenderOptions())
    assert text.startswith(f"## ❌ vendorpolicy: failed (as of {AS_OF})\n")
    assert f"policy digest `sha256:{'e' * 64}`" in text
    assert "vendorpolicy 0.1.0" in text
    assert "| ❌ fail | 5 |" in text
    assert "| ✅ pass | 7 |" in text
    assert "| critical | 2 | 0 | yes |" in text
    assert "| Vendor | Documents | Pass | Fail | Error | Waived | N/A |" in text
    assert "| acme-cloud | 3 | 5 | 3 | 1 | 1 | 1 |" in text
    assert "| globex.eu | 1 | 2 | 1 | 0 | 1 | 0 |" in text
    assert "| (no vendor) | 1 | 0 | 1 | 0 | 0 | 0 |" in text
    assert (
        "- **ENC-001** Encryption at rest · critical · 1 finding(s) · "
        "`vendorpolicy explain ENC-001`" in text
    )
    assert "  - contracts/acme.yaml:41: At-rest encryption is AES-128" in text
    # Escaping: no raw HTML, pipes or backticks from documents.
    assert "&lt;&amp;\"'&gt; 🔒" in text
    assert "availability 99.5%" not in text  # waived results are not in "Failing rules"


def test_markdown_waivers() -> None:
    text = markdown.render(REPORT, RenderOptions())
    in_force, expiring = text.split("### Waivers in force")[1].split("### Waivers expiring")
    assert "| W-2026-014 | EXT-003 | ciso@example.com | 2026-12-10 | GRC-1234 | 1 |" in in_force
    assert "| W-2026-020 | SLA-002 | cro@example.com | 2027-06-30 | - | 1 |" in in_force
    assert expiring.startswith(f" within 30 days of {AS_OF}\n")
    assert "| W-2026-014 | EXT-003 | 2026-12-10 | 18 | ciso@example.com |" in expiring
    assert "W-2026-020" not in expiring


def test_markdown_escape() -> None:
    assert markdown.escape("a|b `c` <d>\ne & f\\") == "a\\|b \\`c\\` &lt;d&gt; e &amp; f\\\\"


def test_markdown_passing_report() -> None:
    passing = dataclasses.replace(
        REPORT,
        results=tuple(r for r in REPORT.results if r.status is Status.PASS),
        exit_code=0,
    )
    text = markdown.render(passing, RenderOptions())
    assert text.startswith("## ✅ vendorpolicy: passed")
    assert "### Failing rules\n\nNone." in text
    assert "### Waivers in force\n\nNone." in text


# --- registry and golden files -----------------------------------------------------------

GOLDEN_FILES = {
    ("junit", "junit10"): "report.xml",
    ("junit", "rich"): "report.rich.xml",
    ("sarif", "junit10"): "report.sarif",
    ("github", "junit10"): "report.github.txt",
    ("markdown", "junit10"): "report.md",
}


@pytest.mark.parametrize(("fmt", "family"), list(GOLDEN_FILES), ids=list(GOLDEN_FILES.values()))
def test_golden(fmt: str, family: str) -> None:
    text = reporters.get(fmt).render(REPORT, RenderOptions(junit_family=family))
    path = GOLDEN / GOLDEN_FILES[(fmt, family)]
    if os.environ.get("VENDORPOLICY_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"missing {path}; run with VENDORPOLICY_UPDATE_GOLDEN=1"
    with path.open(encoding="utf-8", newline="") as fh:
        assert text == fh.read()


def test_empty_report_renders_everywhere() -> None:
    empty = dataclasses.replace(REPORT, documents=(), results=(), exit_code=0, summary={})
    for fmt in ("junit", "sarif", "github", "markdown"):
        assert reporters.get(fmt).render(empty, RenderOptions())
    assert junit_schema().is_valid(junit.render(empty, JUNIT).encode("utf-8"))
    assert not list(sarif_validator().iter_errors(_sarif(empty)))


@pytest.mark.parametrize("options", [JUNIT, RICH], ids=["junit10", "rich"])
def test_junit_text_is_what_elementtree_would_write(options: RenderOptions) -> None:
    text = junit.render(REPORT, options)
    tree = ET.fromstring(text.encode("utf-8"))
    ET.indent(tree, space="  ")
    again = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(tree, encoding="unicode")
    assert text == again + "\n"


def test_json_fast_lines_equal_the_plain_encoding() -> None:
    from vendorpolicy.reporters import json_report

    line = json_report.LineWriter().line
    for r in REPORT.results:
        plain = json.dumps(json_report.result_dict(r), ensure_ascii=False, separators=(", ", ": "))
        assert line(r) == plain
    plain_lines = [
        json.dumps(json_report.result_dict(r), ensure_ascii=False, separators=(", ", ": "))
        for r in REPORT.results
    ]
    fragment = json_report.LineWriter().fragment(REPORT.results)
    assert fragment == "    " + ",\n    ".join(plain_lines)
    assert {r.status.value for r in REPORT.results} >= {"pass", "fail", "not_applicable"}
